"""Jexactyl v3's server extras (§9.2 of the contract): background, resource editing, renewal, client-side
deletion, Spigot plugins and analytics. Served by ``FakePanel(flavor="jexactyl")`` only.
"""

from __future__ import annotations

from aiohttp import web

from ._envelope import display_error, item, list_of, not_found
from ._jexactyl_account import broken_500
from ._jexactyl_store import STOREFRONT, refund_resources
from ._routing import Ctx, Route, RouteTable, json_response, no_content

__all__ = ["CLIENT_ROUTES"]

client = RouteTable("client", "/api/client")

SERVER_EDIT = (5, 60.0)
SERVER = "/servers/{server}"


#: server column -> (user store field, minimum)
_EDITABLE = {
    "cpu": ("cpu", 50),
    "memory": ("memory", 1024),
    "disk": ("disk", 1024),
    "allocation_limit": ("ports", 1),
    "backup_limit": ("backups", 0),
    "database_limit": ("databases", 0),
}


# ================================================================================ server extras
@client.route("POST", SERVER + "/background")
def server_background(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{s}/background`` (no permission check)."""
    ctx.validate([("bg", "nullable|url")])
    ctx.srv.bg = ctx.field("bg")
    return no_content()


@client.route("POST", SERVER + "/edit", throttle=SERVER_EDIT, throttle_bucket="server-edit")
def server_edit(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{s}/edit``: move resources between the user's store and the server."""
    ctx.validate(
        [
            ("resource", "required|string|in:cpu,memory,disk,allocation_limit,backup_limit,database_limit"),
            ("amount", "required|int"),
        ]
    )
    settings, server, user = ctx.store.jexactyl.settings, ctx.srv, ctx.user
    if not settings.editing_enabled:
        raise display_error("DisplayException", "Server editing is currently disabled.")
    if user.id != server.owner_id:
        raise display_error("DisplayException", "You do not own this server, so you cannot edit the resources.")
    resource, amount = str(ctx.field("resource")), int(ctx.field("amount"))
    store_field, minimum = _EDITABLE[resource]
    current = getattr(server, resource) or 0
    if amount + current > settings.limits.get(resource, 0):
        raise display_error(
            "DisplayException", "You cannot add this resource because an administrator has set a maximum limit."
        )
    if current <= minimum and amount < 0:
        raise display_error("DisplayException", "You cannot go below this amount.")
    if getattr(user.store, store_field) < amount:
        raise display_error("DisplayException", "You do not have the resources available to make this change.")
    setattr(server, resource, current + amount)
    setattr(user.store, store_field, getattr(user.store, store_field) - amount)
    return no_content()


@client.route("POST", SERVER + "/renew", gate=False, throttle=STOREFRONT, throttle_bucket="storefront")
def server_renew(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{s}/renew``: costs credits, adds days, lifts a suspension (no state gate)."""
    settings, server, user = ctx.store.jexactyl.settings, ctx.srv, ctx.user
    if user.store.balance < settings.renewal_cost:
        raise display_error("DisplayException", "You do not have enough credits to renew your server.")
    user.store.balance -= settings.renewal_cost
    server.renewal += settings.renewal_default
    if server.status == "suspended" and server.renewal >= 0:
        server.status = None
    return no_content()


@client.route("POST", SERVER + "/delete", gate=False, throttle=STOREFRONT, throttle_bucket="storefront")
def server_delete(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{s}/delete``: owner only, when allowed; refunds the resources (no state gate)."""
    ctx.validate([("name", "required|string")])
    server, user = ctx.srv, ctx.user
    if user.id != server.owner_id:
        raise display_error("DisplayException", "You are not authorized to perform this action.")
    if not ctx.store.jexactyl.settings.deletion_enabled:
        raise display_error("DisplayException", "This feature has been locked by administrators.")
    ctx.store.delete_server(server)
    refund_resources(ctx.store, server)
    return no_content()


@client.route("POST", SERVER + "/plugins")
def server_plugins(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{s}/plugins``: a canned spiget search (no query: an empty body)."""
    query = ctx.field("query")
    if not query:
        return web.Response(status=200, body=b"", content_type="application/json")
    plugins = [
        {"id": 28140 + i, "name": f"{str(query).title()} {i + 1}", "tag": f"A plugin matching {query}"}
        for i in range(3)
    ]
    return json_response({"success": True, "data": {"plugins": plugins}})


@client.route("POST", SERVER + "/plugins/install/{id}", perm="file.create")
def server_plugin_install(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{s}/plugins/install/{id}``: the jar lands in ``/plugins``."""
    from . import _files as files

    if not ctx.params["id"].isdigit():
        raise not_found(f"The route {ctx.request.path.lstrip('/')} could not be found.")
    files.write(ctx.srv, f"/plugins/{ctx.params['id']}.jar", b"PK\x03\x04plugin")
    return no_content()


@client.route("GET", SERVER + "/analytics")
def server_analytics(ctx: Ctx) -> web.StreamResponse:
    """``GET /servers/{s}/analytics``: imports a transformer that does not exist (500)."""
    raise broken_500()


@client.route("GET", SERVER + "/analytics/messages")
def server_analytics_messages(ctx: Ctx) -> web.StreamResponse:
    """``GET /servers/{s}/analytics/messages``: newest first."""
    rows = [m for m in ctx.store.jexactyl.analytics_messages if m.server_id == ctx.srv.id]
    rows.sort(key=lambda m: m.created_at, reverse=True)
    return json_response(
        list_of(
            item(
                "analytics_message",
                {"id": m.id, "title": m.title, "content": m.content, "type": m.type, "created_at": "3 days ago"},
            )
            for m in rows
        )
    )


CLIENT_ROUTES: list[Route] = client.routes
