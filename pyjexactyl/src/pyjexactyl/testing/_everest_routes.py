"""Where Jexactyl v4 ("Everest") differs from Pterodactyl 1.11 (§10 of the contract and the ``everest`` branch's
``routes/api-client.php`` / ``routes/api-application.php``).

Client: two-factor is disabled with ``DELETE /account/two-factor`` only; tickets are v4's (``title`` +
``message``, owner checked, the ticket object back); a suspended account (``FakeUser.state``) gets 403 on account
and server routes (in the client prelude). Application: ``PATCH /servers/{id}`` replaces ``details`` and
``build``; ``POST /servers`` takes ``owner_id``/``node_id``/``egg_id``/``image`` and an explicit allocation (no
automatic deployment); ``POST /servers/{id}/toggle``; users have no names and ``POST /users/{id}/suspend``
toggles their state; eggs are read at ``/eggs/{id}``. Billing, setup and the other v4-only groups are not served.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import _transformers as t
from ._application_server_lifecycle_routes import create_server as base_create_server
from ._application_user_routes import _user_rules as base_user_rules
from ._application_user_routes import create_user_without_names
from ._envelope import GENERIC_500, PanelError, display_error, include, item, list_of, not_found
from ._jexactyl_state import FakeTicket, FakeTicketMessage
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import utcnow
from ._validation import check

__all__ = ["APPLICATION_ROUTES", "CLIENT_ROUTES", "dropped"]

client = RouteTable("client", "/api/client")
application = RouteTable("application", "/api/application")
W = 2

_REMOVED = frozenset(
    {
        ("POST", "/api/client/account/two-factor/disable"),
        ("PATCH", "/api/application/servers/{server_id}/details"),
        ("PATCH", "/api/application/servers/{server_id}/build"),
        ("GET", "/api/application/nests/{nest_id}/eggs/{egg_id}"),
    }
)


def dropped(route: Route) -> bool:
    """Whether Jexactyl v4 lacks a Pterodactyl route."""
    return (route.method, route.path) in _REMOVED


# ======================================================================================= client
def _ticket(ctx: Ctx, ticket: FakeTicket) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "id": ticket.id,
        "title": ticket.title,
        "status": ticket.status,
        "created_at": t.iso(ticket.created_at),
        "updated_at": t.iso(ticket.updated_at),
    }
    messages = include(
        ctx.includes(),
        "messages",
        "",
        lambda: list_of(
            item("ticket_message", {"id": m.id, "message": m.content, "created_at": t.iso(m.created_at)})
            for m in ctx.store.jexactyl.ticket_messages
            if m.ticket_id == ticket.id
        ),
    )
    if messages is not None:
        attributes["relationships"] = {"messages": messages}
    return item("ticket", attributes)


def _own_ticket(ctx: Ctx) -> FakeTicket:
    value = ctx.params["ticket"]
    ticket = next((x for x in ctx.store.jexactyl.tickets if value.isdigit() and x.id == int(value)), None)
    if ticket is None:
        raise not_found()
    if ticket.client_id != ctx.user.id:
        raise display_error("DisplayException", "You do not own this ticket.")
    return ticket


def _message(ctx: Ctx, ticket: FakeTicket) -> None:
    ctx.store.jexactyl.ticket_messages.append(
        FakeTicketMessage(ctx.store.next_id("ticket_messages"), ticket.id, ctx.user.id, str(ctx.field("message") or ""))
    )
    ticket.updated_at = utcnow()


@client.route("GET", "/account/tickets")
def list_tickets(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/tickets``."""
    return json_response(list_of(_ticket(ctx, x) for x in ctx.store.jexactyl.tickets if x.client_id == ctx.user.id))


@client.route("POST", "/account/tickets")
def create_ticket(ctx: Ctx) -> web.StreamResponse:
    """``POST /account/tickets``: ``title`` and ``message``; the ticket object back."""
    ticket = FakeTicket(ctx.store.next_id("tickets"), ctx.user.id, str(ctx.field("title") or ""), "")
    ctx.store.jexactyl.tickets.append(ticket)
    _message(ctx, ticket)
    return json_response(_ticket(ctx, ticket))


@client.route("GET", "/account/tickets/{ticket}")
def get_ticket(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/tickets/{ticket}`` (owner only)."""
    return json_response(_ticket(ctx, _own_ticket(ctx)))


@client.route("POST", "/account/tickets/{ticket}/messages")
def add_message(ctx: Ctx) -> web.StreamResponse:
    """``POST /account/tickets/{ticket}/messages``: the ticket object back."""
    ticket = _own_ticket(ctx)
    _message(ctx, ticket)
    return json_response(_ticket(ctx, ticket))


@client.route("DELETE", "/account/tickets/{ticket}")
def delete_ticket(ctx: Ctx) -> web.StreamResponse:
    """``DELETE /account/tickets/{ticket}``."""
    ticket = _own_ticket(ctx)
    data = ctx.store.jexactyl
    data.tickets.remove(ticket)
    data.ticket_messages[:] = [m for m in data.ticket_messages if m.ticket_id != ticket.id]
    return no_content()


# ================================================================================= application
def _user_rules(ctx: Ctx, ignore: Any) -> list[tuple[str, Any]]:
    rules = base_user_rules(ctx, ignore)
    return [(name, spec) for name, spec in rules if name not in ("first_name", "last_name")]


def _apply_user(ctx: Ctx, user: Any) -> None:
    user.email = str(ctx.field("email")).lower()
    user.username = str(ctx.field("username")).lower()
    if ctx.has("external_id"):
        user.external_id = None if ctx.field("external_id") is None else str(ctx.field("external_id"))
    if ctx.field("password"):
        user.password = str(ctx.field("password"))
    if ctx.has("root_admin"):
        user.root_admin = ctx.field("root_admin") in (True, 1, "1")
    user.updated_at = utcnow()


@application.route("POST", "/users", acl=("users", W))
def create_user(ctx: Ctx) -> web.StreamResponse:
    """``POST /users``: no names."""
    return create_user_without_names(ctx, _user_rules(ctx, None), _apply_user)


@application.route("PATCH", "/users/{user_id}", acl=("users", W))
def update_user(ctx: Ctx) -> web.StreamResponse:
    """``PATCH /users/{id}``: no names."""
    user = ctx.resolved["user"]
    ctx.validate(_user_rules(ctx, user))
    _apply_user(ctx, user)
    return json_response(t.app_user(ctx.store, user))


@application.route("POST", "/users/{user_id}/suspend", acl=("users", W))
def suspend_user(ctx: Ctx) -> web.StreamResponse:
    """``POST /users/{id}/suspend``: toggles the account's state (an administrator: 500)."""
    user = ctx.resolved["user"]
    if user.root_admin:
        raise PanelError(500, "Exception", GENERIC_500)
    user.state = "active" if user.state == "suspended" else "suspended"
    return no_content()


@application.route("POST", "/servers", acl=("servers", W))
def create_server(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers``: v4's fields, mapped onto Pterodactyl's creation (an allocation is required)."""
    store = ctx.store
    ctx.validate(
        [
            ("owner_id", ["required", "integer", check("exists", lambda v: int(v) in store.users)]),
            ("node_id", ["required", check("exists", lambda v: str(v).isdigit() and int(v) in store.nodes)]),
            ("egg_id", ["required", check("exists", lambda v: str(v).isdigit() and int(v) in store.eggs)]),
            ("image", "required|string|max:191"),
            ("startup", "required|string"),
            ("limits", "required|array"),
            ("limits.oom_killer", "required|boolean"),
            ("feature_limits", "required|array"),
            ("feature_limits.subusers", "present|nullable|integer|min:0"),
            ("allocation.default", "required|integer"),
            ("skip_scripts", "present|boolean"),
        ]
    )
    data = dict(ctx.data)
    limits = dict(data["limits"])
    features = dict(data["feature_limits"])
    data.update(
        user=data.pop("owner_id"),
        egg=data.pop("egg_id"),
        docker_image=data.pop("image"),
        oom_disabled=not limits.pop("oom_killer"),
        limits=limits,
        feature_limits={k: v for k, v in features.items() if k != "subusers"},
    )
    ctx.data = data
    response = base_create_server(ctx)
    server = max(store.servers.values(), key=lambda s: s.id)
    server.subuser_limit = features.get("subusers")
    return json_response(t.app_server(store, server), status=response.status)


@application.route("PATCH", "/servers/{server_id}", acl=("servers", W))
def update_server(ctx: Ctx) -> web.StreamResponse:
    """``PATCH /servers/{id}``: details and build in one request (``feature_limits`` required)."""
    store, server = ctx.store, ctx.resolved["server"]
    ctx.validate(
        [
            ("name", "required|string|min:1|max:191"),
            ("owner_id", ["required", "integer", check("exists", lambda v: int(v) in store.users)]),
            ("description", "nullable|string"),
            ("external_id", "sometimes|nullable|string|between:1,191"),
            ("limits", "sometimes|array"),
            ("limits.oom_killer", "sometimes|boolean"),
            ("feature_limits", "required|array"),
            (
                "allocation_id",
                ["sometimes", check("exists", lambda v: str(v).isdigit() and int(v) in store.allocations)],
            ),
            ("add_allocations", "sometimes|array"),
            ("remove_allocations", "sometimes|array"),
        ]
    )
    server.name = str(ctx.field("name"))
    server.owner_id = int(ctx.field("owner_id"))
    if ctx.has("description"):
        server.description = str(ctx.field("description") or "")
    if ctx.has("external_id"):
        server.external_id = ctx.field("external_id")
    limits = ctx.field("limits") or {}
    for name in ("memory", "swap", "disk", "io", "cpu"):
        if name in limits:
            setattr(server, name, int(float(limits[name])))
    if "threads" in limits:
        server.threads = limits["threads"]
    if "oom_killer" in limits:
        server.oom_disabled = not limits["oom_killer"]
    features = ctx.field("feature_limits") or {}
    server.database_limit = features.get("databases", server.database_limit)
    server.allocation_limit = features.get("allocations", server.allocation_limit)
    server.backup_limit = int(features.get("backups", server.backup_limit) or 0)
    server.subuser_limit = features.get("subusers", server.subuser_limit)
    if ctx.field("allocation_id") is not None:
        server.allocation_id = int(ctx.field("allocation_id"))
    for value in ctx.field("add_allocations") or []:
        allocation = store.allocations.get(int(value))
        if allocation is not None and allocation.server_id is None:
            allocation.server_id = server.id
    for value in ctx.field("remove_allocations") or []:
        allocation = store.allocations.get(int(value))
        if allocation is not None and allocation.server_id == server.id and allocation.id != server.allocation_id:
            allocation.server_id = None
    server.updated_at = utcnow()
    return json_response(t.app_server(store, server))


@application.route("POST", "/servers/{server_id}/toggle", acl=("servers", W))
def toggle_server(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{id}/toggle``: flips the installed state (a failed install: 500)."""
    server = ctx.resolved["server"]
    if server.status == "install_failed":
        raise PanelError(500, "Exception", GENERIC_500)
    server.status = "installing" if server.status is None else None
    return no_content()


@application.route("GET", "/eggs/{id}", acl=("eggs", 1))
def get_egg(ctx: Ctx) -> web.StreamResponse:
    """``GET /eggs/{id}``."""
    value = ctx.params["id"]
    egg = ctx.store.eggs.get(int(value)) if value.isdigit() else None
    if egg is None:
        raise not_found()
    return json_response(t.app_egg(ctx.store, egg, ctx.includes()))


CLIENT_ROUTES: list[Route] = client.routes
APPLICATION_ROUTES: list[Route] = application.routes
