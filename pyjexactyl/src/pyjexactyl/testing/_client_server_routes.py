"""Client-API routes of one server: details, websocket credentials, resources, activity, console command,
power, and its databases."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import _transformers as t
from ._client_account_routes import _activity_list
from ._client_prelude import SERVER, _log, _user_can, gate_detail
from ._envelope import PanelError, conflict, display_error, forbidden, list_of
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import utcnow
from ._validation import check
from ._wings import console_command, power

__all__ = ["ROUTES"]

table = RouteTable("client", "/api/client")
route = table.route


# ====================================================================================== server
@route("GET", SERVER, gate=False)
def server_details(ctx: Ctx) -> web.StreamResponse:
    """16. ``GET /servers/{server}``."""
    server = ctx.srv
    body = t.client_server(ctx.store, server, ctx.user, ctx.includes())
    body["meta"] = {
        "is_server_owner": server.owner_id == ctx.user.id,
        "user_permissions": ctx.store.permissions_for(ctx.user, server),
    }
    return json_response(body)


@route("GET", SERVER + "/websocket", gate=False)
def websocket(ctx: Ctx) -> web.StreamResponse:
    """17. ``GET /servers/{server}/websocket``."""
    server = ctx.srv
    detail = gate_detail(ctx, server, admin_bypass=True)
    if detail is not None:
        raise conflict(detail)
    if not _user_can(ctx, "websocket.connect"):
        raise forbidden("You do not have permission to connect to this server's websocket.", "HttpForbiddenException")
    perms = ctx.store.permissions_for(ctx.user, server)
    token = ctx.runtime.wings.issue_token(server, ctx.user, perms)
    socket = ctx.runtime.wings.socket_url(server)
    return json_response({"data": {"token": token, "socket": socket}})


@route("GET", SERVER + "/resources")
def resources(ctx: Ctx) -> web.StreamResponse:
    """18. ``GET /servers/{server}/resources``."""
    return json_response(t.stats(ctx.srv))


@route("GET", SERVER + "/activity", perm="activity.read")
def server_activity(ctx: Ctx) -> web.StreamResponse:
    """19. ``GET /servers/{server}/activity``."""
    rows = [a for a in ctx.store.activity if a.server_id == ctx.srv.id]
    return _activity_list(ctx, rows, 25)


@route("POST", SERVER + "/command", perm="control.console")
def command(ctx: Ctx) -> web.StreamResponse:
    """20. ``POST /servers/{server}/command``."""
    ctx.validate([("command", "required|string|min:1")])
    server = ctx.srv
    if server.state not in ("running", "starting", "stopping"):
        raise PanelError(502, "HttpException", "Server must be online in order to send commands.")
    text = str(ctx.field("command"))
    console_command(ctx.runtime, server, text)
    _log(ctx, "server:console.command", {"command": text})
    return no_content()


def _power_perm(ctx: Ctx) -> str:
    signal = ctx.field("signal")
    return {
        "start": "control.start",
        "stop": "control.stop",
        "kill": "control.stop",
        "restart": "control.restart",
    }.get(str(signal), "control.__invalid__")


@route("POST", SERVER + "/power", perm=_power_perm)
def power_action(ctx: Ctx) -> web.StreamResponse:
    """21. ``POST /servers/{server}/power``."""
    ctx.validate([("signal", "required|in:start,stop,restart,kill")])
    signal = str(ctx.field("signal"))
    power(ctx.runtime, ctx.srv, signal)
    _log(ctx, f"server:power.{signal}")
    return no_content()


# ----------------------------------------------------------------------------------- databases
@route("GET", SERVER + "/databases", perm="database.read")
def list_databases(ctx: Ctx) -> web.StreamResponse:
    """22. ``GET /servers/{server}/databases``."""
    include = "password" in ctx.includes()
    can_view = _user_can(ctx, "database.view_password")
    return json_response(
        list_of(t.client_database(ctx.store, d, password=(can_view if include else None)) for d in ctx.srv.databases)
    )


@route("POST", SERVER + "/databases", perm="database.create")
def create_database(ctx: Ctx) -> web.StreamResponse:
    """23. ``POST /servers/{server}/databases``."""
    server = ctx.srv

    def unique(value: Any) -> bool:
        return all(d.database != f"s{server.id}_{value}" for d in server.databases)

    ctx.validate(
        [
            (
                "database",
                [
                    "required",
                    "alpha_dash",
                    "min:3",
                    "max:48",
                    check("unique", unique, "The database name you have selected is already in use by this server."),
                ],
            ),
            ("remote", ["required", "string", r"regex:/^[\w\-\/.%:]+$/"]),
        ]
    )
    if server.database_limit is not None and len(server.databases) >= server.database_limit:
        raise display_error(
            "TooManyDatabasesException",
            "Operation aborted: creating a new database would put this server over the defined limit.",
        )
    host = next(iter(ctx.store.database_hosts.values()), None)
    if host is None:
        raise display_error(
            "NoSuitableDatabaseHostException", "No database host was found that meets the requirements for this server."
        )
    database = ctx.store.create_database(server, str(ctx.field("database")), str(ctx.field("remote")), host)
    _log(ctx, "server:database.create", {"name": database.database})
    return json_response(t.client_database(ctx.store, database, password=_user_can(ctx, "database.view_password")))


@route("POST", SERVER + "/databases/{database}/rotate-password", perm="database.update")
def rotate_database_password(ctx: Ctx) -> web.StreamResponse:
    """24. ``POST /servers/{server}/databases/{database}/rotate-password``."""
    database = ctx.resolved["database"]
    database.password = ctx.store.random_string(24)
    database.updated_at = utcnow()
    _log(ctx, "server:database.rotate-password", {"name": database.database})
    return json_response(t.client_database(ctx.store, database, password=_user_can(ctx, "database.view_password")))


@route("DELETE", SERVER + "/databases/{database}", perm="database.delete")
def delete_database(ctx: Ctx) -> web.StreamResponse:
    """25. ``DELETE /servers/{server}/databases/{database}``."""
    database = ctx.resolved["database"]
    ctx.srv.databases.remove(database)
    _log(ctx, "server:database.delete", {"name": database.database})
    return no_content()


ROUTES: list[Route] = table.routes
