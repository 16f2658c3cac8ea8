"""Where Jexactyl v3's core routes answer differently from Pterodactyl 1.11 (§9.1 of the contract). These
replace the Pterodactyl routes of the same method and path when ``FakePanel(flavor="jexactyl")``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._client_account_routes import _activity_list
from ._client_backup_routes import restore_resolved_backup
from ._client_prelude import _log
from ._envelope import item
from ._jexactyl_store import refund_resources
from ._permissions import PERMISSION_CATALOGUE
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import utcnow

__all__ = ["APPLICATION_ROUTES", "CLIENT_ROUTES", "JEXACTYL_PERMISSIONS"]

client = RouteTable("client", "/api/client")
application = RouteTable("application", "/api/application")
SERVER = "/servers/{server}"

#: Jexactyl adds a ``plugin`` group to the catalogue (nothing enforces it).
JEXACTYL_PERMISSIONS: dict[str, dict[str, Any]] = {
    **PERMISSION_CATALOGUE,
    "plugin": {
        "description": "Permissions that control a user's ability to view and install Spigot plugins.",
        "keys": {
            "read": "Allows a user to view Spigot plugins.",
            "download": "Allows a user to download Spigot plugins.",
        },
    },
}


@client.route("GET", "/permissions")
def permissions(ctx: Ctx) -> web.StreamResponse:
    """``GET /permissions`` with the ``plugin`` group."""
    return json_response(item("system_permissions", {"permissions": JEXACTYL_PERMISSIONS}))


@client.route("GET", "/account/activity")
def account_activity(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/activity``: 5 per page by default (Pterodactyl: 25)."""
    rows = [a for a in ctx.store.activity if a.subject_user_id == ctx.user.id]
    return _activity_list(ctx, rows, 5)


@client.route("POST", SERVER + "/backups/{backup}/restore", perm="backup.restore")
def restore_backup(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{s}/backups/{b}/restore``: ``truncate`` optional and unvalidated (1.11.3)."""
    return restore_resolved_backup(ctx, bool(ctx.field("truncate")))


@client.route("POST", SERVER + "/settings/rename", perm="settings.rename")
def rename_server(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{s}/settings/rename``: a null description keeps the old one."""
    ctx.validate([("name", "required|string|min:1|max:191"), ("description", "nullable|string")])
    server = ctx.srv
    old = server.name
    server.name = str(ctx.field("name"))
    if ctx.field("description") is not None:
        server.description = str(ctx.field("description"))
    server.updated_at = utcnow()
    _log(ctx, "server:settings.rename", {"old": old, "new": server.name})
    return no_content()


@application.route("DELETE", "/servers/{server_id}", acl=("servers", 2))
def delete_server(ctx: Ctx) -> web.StreamResponse:
    """``DELETE /servers/{id}``: a non-empty ``return_resources`` refunds the owner's store."""
    server = ctx.resolved["server"]
    ctx.store.delete_server(server)
    if ctx.query.get("return_resources") or ctx.field("return_resources"):
        refund_resources(ctx.store, server)
    return no_content()


CLIENT_ROUTES: list[Route] = client.routes
APPLICATION_ROUTES: list[Route] = application.routes
