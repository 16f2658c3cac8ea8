"""Application-API server database routes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import _transformers as t
from ._application_prelude import R, W, _created
from ._envelope import list_of
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import utcnow
from ._validation import check

__all__ = ["ROUTES"]

table = RouteTable("application", "/api/application")
route = table.route


# =================================================================================== databases
@route("GET", "/servers/{server_id}/databases", acl=("server_databases", R))
def list_server_databases(ctx: Ctx) -> web.StreamResponse:
    """34. ``GET /servers/{id}/databases``."""
    includes = ctx.includes()
    return json_response(list_of(t.app_database(ctx.store, d, includes) for d in ctx.resolved["server"].databases))


@route("GET", "/servers/{server_id}/databases/{database_id}", acl=("server_databases", R))
def get_server_database(ctx: Ctx) -> web.StreamResponse:
    """35. ``GET /servers/{id}/databases/{db_id}``."""
    return json_response(t.app_database(ctx.store, ctx.resolved["database"], ctx.includes()))


@route("POST", "/servers/{server_id}/databases", acl=("server_databases", W))
def create_server_database(ctx: Ctx) -> web.StreamResponse:
    """36. ``POST /servers/{id}/databases`` (201 + ``meta.resource``)."""
    server, store = ctx.resolved["server"], ctx.store

    def unique(value: Any) -> bool:
        return all(d.database != f"s{server.id}_{value}" for d in server.databases)

    ctx.validate(
        [
            ("database", ["required", "alpha_dash", "min:1", "max:48", check("unique", unique)]),
            ("remote", r"required|string|regex:/^[0-9%.]{1,15}$/"),
            (
                "host",
                ["required", "integer", check("exists", lambda v: str(v).isdigit() and int(v) in store.database_hosts)],
            ),
        ]
    )
    host = store.database_hosts[int(ctx.field("host"))]
    database = store.create_database(server, str(ctx.field("database")), str(ctx.field("remote")), host)
    return _created(ctx, t.app_database(store, database), f"servers/{server.id}/databases/{database.id}")


@route("POST", "/servers/{server_id}/databases/{database_id}/reset-password", acl=("server_databases", W))
def reset_server_database_password(ctx: Ctx) -> web.StreamResponse:
    """37. ``POST /servers/{id}/databases/{db_id}/reset-password``."""
    database = ctx.resolved["database"]
    database.password = ctx.store.random_string(24)
    database.updated_at = utcnow()
    return no_content()


@route("DELETE", "/servers/{server_id}/databases/{database_id}", acl=("server_databases", W))
def delete_server_database(ctx: Ctx) -> web.StreamResponse:
    """38. ``DELETE /servers/{id}/databases/{db_id}``."""
    ctx.resolved["server"].databases.remove(ctx.resolved["database"])
    return no_content()


ROUTES: list[Route] = table.routes
