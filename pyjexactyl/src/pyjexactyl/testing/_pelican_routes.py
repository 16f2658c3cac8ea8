"""Where Pelican's client and core application routes differ from Pterodactyl 1.11 (§12 of the contract and
``pelican-dev/panel`` ``routes/api-client.php``, ``routes/api-application.php``).

Client: no two-factor routes; ``DELETE /account/ssh-keys/{fingerprint}`` replaces ``POST .../remove``;
``PUT /account/username``, ``PUT /backups/{b}/rename`` and ``POST /settings/description`` are added; rename
ignores a description; the permission catalogue is a flat list; per-server resource throttles (websocket 5/min,
restore 3 per 15 min, database create 2/min, subuser create 10 per 15 min, file pull 5 per 10 min, allocation
and schedule create 2/min). Application: no nests or locations; users have no names (roles instead of
``root_admin``); servers take ``oom_killer`` and ``deploy.tags`` and default the image and startup to the egg's.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from . import _client_routes as base_client
from . import _transformers as t
from ._application_server_lifecycle_routes import create_server as base_create_server
from ._application_user_routes import _user_rules as base_user_rules
from ._application_user_routes import create_user_without_names
from ._envelope import not_found
from ._jexactyl_account import update_username
from ._permissions import ALL_PERMISSIONS
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import utcnow

__all__ = ["APPLICATION_ROUTES", "CLIENT_ROUTES", "REMOVED", "dropped"]

client = RouteTable("client", "/api/client")
application = RouteTable("application", "/api/application")
SERVER = "/servers/{server}"

#: (method, path) of Pterodactyl client routes Pelican does not have.
REMOVED = frozenset(
    {
        ("GET", "/api/client/account/two-factor"),
        ("POST", "/api/client/account/two-factor"),
        ("POST", "/api/client/account/two-factor/disable"),
        ("DELETE", "/api/client/account/two-factor"),
        ("POST", "/api/client/account/ssh-keys/remove"),
    }
)

#: Pelican's ``ResourceLimit`` throttles: (method, path) -> (limit, seconds), counted per server.
_RESOURCE_LIMITS = {
    ("GET", "/api/client/servers/{server}/websocket"): (5, 60.0),
    ("POST", "/api/client/servers/{server}/backups/{backup}/restore"): (3, 900.0),
    ("POST", "/api/client/servers/{server}/databases"): (2, 60.0),
    ("POST", "/api/client/servers/{server}/users"): (10, 900.0),
    ("POST", "/api/client/servers/{server}/files/pull"): (5, 600.0),
    ("POST", "/api/client/servers/{server}/network/allocations"): (2, 60.0),
    ("POST", "/api/client/servers/{server}/schedules"): (2, 60.0),
}


def dropped(route: Route) -> bool:
    """Whether Pelican lacks a Pterodactyl route (two-factor, the old SSH key removal, nests, locations)."""
    if (route.method, route.path) in REMOVED:
        return True
    return route.path.startswith(("/api/application/nests", "/api/application/locations"))


def _throttled() -> list[Route]:
    out: list[Route] = []
    for spec in base_client.ROUTES:
        limit = _RESOURCE_LIMITS.get((spec.method, spec.path))
        if limit is not None:
            out.append(
                dataclasses.replace(
                    spec, throttle=limit, throttle_bucket=f"pelican:{spec.path}", throttle_scope="server"
                )
            )
    return out


# ======================================================================================= client
@client.route("GET", "/permissions")
def permissions(ctx: Ctx) -> web.StreamResponse:
    """``GET /permissions``: every ``group.key`` in one flat list."""
    keys = [*ALL_PERMISSIONS, "settings.description", "backup.rename"]
    return json_response({"object": "system_permissions", "attributes": {"permissions": keys}})


client.route("PUT", "/account/username")(update_username)


@client.route("DELETE", "/account/ssh-keys/{fingerprint}")
def delete_ssh_key(ctx: Ctx) -> web.StreamResponse:
    """``DELETE /account/ssh-keys/{fingerprint}``: 404 when the account has no such key."""
    store, fingerprint = ctx.store, ctx.params["fingerprint"]
    found = next((k for k in store.ssh_keys if k.user_id == ctx.user.id and k.fingerprint == fingerprint), None)
    if found is None:
        raise not_found()
    store.ssh_keys.remove(found)
    ctx.store.log("user:ssh-key.delete", actor=ctx.user, properties={"fingerprint": fingerprint}, ip=ctx.ip)
    return no_content()


@client.route("PUT", SERVER + "/backups/{backup}/rename", perm="backup.delete")
def rename_backup(ctx: Ctx) -> web.StreamResponse:
    """``PUT /servers/{s}/backups/{b}/rename``: the backup with its new name."""
    ctx.validate([("name", "required|string|max:255")])
    backup = ctx.resolved["backup"]
    old, backup.name = backup.name, str(ctx.field("name"))
    if old != backup.name:
        ctx.store.log(
            "server:backup.rename",
            actor=ctx.user,
            server=ctx.srv,
            properties={"old_name": old, "new_name": backup.name},
            ip=ctx.ip,
        )
    return json_response(t.backup(backup))


@client.route("POST", SERVER + "/settings/rename", perm="settings.rename")
def rename_server(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{s}/settings/rename``: the name only (a description is ignored)."""
    ctx.validate([("name", "required|string|min:1|max:255")])
    server = ctx.srv
    old, server.name = server.name, str(ctx.field("name"))
    server.updated_at = utcnow()
    if old != server.name:
        ctx.store.log("server:settings.rename", actor=ctx.user, server=server, properties={"old": old}, ip=ctx.ip)
    return no_content()


@client.route("POST", SERVER + "/settings/description", perm="settings.description")
def set_description(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{s}/settings/description``: 403 (body ``[]``) when descriptions are not editable."""
    if not ctx.store.pelican.editable_descriptions:
        return json_response([], status=403)
    ctx.validate([("description", "string|nullable")])
    ctx.srv.description = str(ctx.field("description") or "")
    ctx.srv.updated_at = utcnow()
    return no_content()


# ================================================================================= application
def _user_rules(ctx: Ctx, ignore: Any) -> list[tuple[str, Any]]:
    rules = base_user_rules(ctx, ignore)
    return [(name, spec) for name, spec in rules if name not in ("first_name", "last_name", "root_admin")]


def _apply_user(ctx: Ctx, user: Any) -> None:
    user.email = str(ctx.field("email")).lower()
    user.username = str(ctx.field("username")).lower()
    if ctx.has("external_id"):
        user.external_id = None if ctx.field("external_id") is None else str(ctx.field("external_id"))
    if ctx.field("password"):
        user.password = str(ctx.field("password"))
    if ctx.field("language"):
        user.language = str(ctx.field("language"))
    user.updated_at = utcnow()


@application.route("POST", "/users", acl=("users", 2))
def create_user(ctx: Ctx) -> web.StreamResponse:
    """``POST /users``: no names, and ``root_admin`` is not taken (Pelican's admins hold a role)."""
    return create_user_without_names(ctx, _user_rules(ctx, None), _apply_user)


@application.route("PATCH", "/users/{user_id}", acl=("users", 2))
def update_user(ctx: Ctx) -> web.StreamResponse:
    """``PATCH /users/{id}``: the same fields as create."""
    user = ctx.resolved["user"]
    ctx.validate(_user_rules(ctx, user))
    _apply_user(ctx, user)
    return json_response(t.app_user(ctx.store, user))


@application.route("POST", "/servers", acl=("servers", 2))
def create_server(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers``: ``docker_image`` and ``startup`` default to the egg's; ``oom_killer`` replaces
    ``oom_disabled``; deployment picks nodes by ``deploy.tags`` (the fake's nodes carry none: any node)."""
    data: dict[str, Any] = dict(ctx.data) if isinstance(ctx.data, dict) else {}
    egg = ctx.store.eggs.get(int(data["egg"])) if str(data.get("egg", "")).isdigit() else None
    if egg is not None:
        data.setdefault("docker_image", next(iter(egg.docker_images.values()), ""))
        data.setdefault("startup", egg.startup)
    if "oom_killer" in data:
        data["oom_disabled"] = not data.pop("oom_killer")
    deploy = data.get("deploy")
    if isinstance(deploy, dict):
        deploy = {k: v for k, v in deploy.items() if k != "tags"}
        data["deploy"] = {**deploy, "locations": []}
    ctx.data = data
    return base_create_server(ctx)


CLIENT_ROUTES: list[Route] = [*_throttled(), *client.routes]
APPLICATION_ROUTES: list[Route] = application.routes
