"""Pelican's own application routes: top-level eggs, database hosts, roles, server transfers and user roles
(``pelican-dev/panel`` ``routes/api-application.php``; mounts and plugins are in ``_pelican_mounts``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from . import _transformers as t
from ._application_prelude import _created, _list_including
from ._envelope import JsonDict, display_error, item, not_found, paginate
from ._pelican_state import ROOT_ADMIN_ROLE, FakeRole
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import FakeDatabaseHost, utcnow
from ._validation import check

__all__ = ["ROUTES"]

table = RouteTable("application", "/api/application")
route = table.route
R, W = 1, 2
T = TypeVar("T")


def _find(rows: dict[int, T], value: str) -> T:
    found = rows.get(int(value)) if value.isdigit() else None
    if found is None:
        raise not_found()
    return found


def _page(ctx: Ctx, rows: list[T], transform: Callable[[T], JsonDict], default: int) -> web.StreamResponse:
    page, per_page = ctx.page_params(default, None)
    return json_response(paginate(rows, transform, page=page, per_page=per_page, base_url=ctx.base_url, query=None))


# ========================================================================================= eggs
@route("GET", "/eggs", acl=("eggs", R))
def list_eggs(ctx: Ctx) -> web.StreamResponse:
    """``GET /eggs`` (top-level: Pelican has no nests)."""
    return _list_including(ctx, list(ctx.store.eggs.values()), t.app_egg)


@route("GET", "/eggs/{id}", acl=("eggs", R))
def get_egg(ctx: Ctx) -> web.StreamResponse:
    """``GET /eggs/{id}``."""
    return json_response(t.app_egg(ctx.store, _find(ctx.store.eggs, ctx.params["id"]), ctx.includes()))


@route("GET", "/eggs/{id}/export", acl=("eggs", R))
def export_egg(ctx: Ctx) -> web.StreamResponse:
    """``GET /eggs/{id}/export``: the egg as a ``PLCN_v1`` document."""
    egg = _find(ctx.store.eggs, ctx.params["id"])
    return json_response(
        {
            "meta": {"version": "PLCN_v1"},
            "exported_at": t.iso(utcnow()),
            "name": egg.name,
            "author": egg.author,
            "uuid": egg.uuid,
            "description": egg.description,
            "docker_images": dict(egg.docker_images),
            "startup_commands": {"Default": egg.startup},
            "variables": [
                {
                    "name": v.name,
                    "env_variable": v.env_variable,
                    "default_value": v.default_value,
                    "user_viewable": v.user_viewable,
                    "user_editable": v.user_editable,
                    "rules": v.rules.split("|"),
                }
                for v in egg.variables
            ],
        }
    )


@route("POST", "/eggs/import", acl=("eggs", W))
def import_egg(ctx: Ctx) -> web.StreamResponse:
    """``POST /eggs/import``: an exported egg document becomes a new egg."""
    ctx.validate([("name", "required|string"), ("docker_images", "required|array")])
    store = ctx.store
    nest = next(iter(store.nests.values()))
    startups = ctx.field("startup_commands") or {}
    egg = store.create_egg(
        nest,
        str(ctx.field("name")),
        docker_images={str(k): str(v) for k, v in dict(ctx.field("docker_images")).items()},
        startup=str(next(iter(startups.values()), "")) if isinstance(startups, dict) else "",
        description=ctx.field("description"),
    )
    return json_response(t.app_egg(store, egg), status=201)


def _delete_egg(ctx: Ctx, egg: Any) -> web.StreamResponse:
    if any(s.egg_id == egg.id for s in ctx.store.servers.values()):
        raise display_error("HasActiveServersException", "Cannot delete an egg with active servers attached to it.")
    del ctx.store.eggs[egg.id]
    return no_content()


@route("DELETE", "/eggs/{id}", acl=("eggs", W))
def delete_egg(ctx: Ctx) -> web.StreamResponse:
    """``DELETE /eggs/{id}``."""
    return _delete_egg(ctx, _find(ctx.store.eggs, ctx.params["id"]))


@route("DELETE", "/eggs/uuid/{uuid}", acl=("eggs", W))
def delete_egg_by_uuid(ctx: Ctx) -> web.StreamResponse:
    """``DELETE /eggs/uuid/{uuid}``."""
    egg = next((e for e in ctx.store.eggs.values() if e.uuid == ctx.params["uuid"]), None)
    if egg is None:
        raise not_found()
    return _delete_egg(ctx, egg)


# ================================================================================= database hosts
def _host(host: FakeDatabaseHost) -> JsonDict:
    """Pelican's ``database_host``: Pterodactyl's without ``node`` (a Pelican host serves a list of nodes)."""
    body = t.app_database_host(host)
    del body["attributes"]["node"]
    return body


_HOST_RULES: list[tuple[str, Any]] = [
    ("name", "required|string|max:255"),
    ("host", "required|string"),
    ("port", "required|numeric|between:1,65535"),
    ("username", "required|string|max:32"),
    ("password", "nullable|string"),
    ("node_ids", "nullable|array"),
    ("node_ids.*", "required|integer"),
]


@route("GET", "/database-hosts", acl=("database_hosts", R))
def list_hosts(ctx: Ctx) -> web.StreamResponse:
    """``GET /database-hosts``."""
    return _page(ctx, list(ctx.store.database_hosts.values()), _host, 50)


@route("GET", "/database-hosts/{id}", acl=("database_hosts", R))
def get_host(ctx: Ctx) -> web.StreamResponse:
    """``GET /database-hosts/{id}``."""
    return json_response(_host(_find(ctx.store.database_hosts, ctx.params["id"])))


def _apply_host(ctx: Ctx, host: FakeDatabaseHost) -> None:
    host.name, host.host = str(ctx.field("name")), str(ctx.field("host"))
    host.port, host.username = int(float(ctx.field("port"))), str(ctx.field("username"))
    host.updated_at = utcnow()


@route("POST", "/database-hosts", acl=("database_hosts", W))
def create_host(ctx: Ctx) -> web.StreamResponse:
    """``POST /database-hosts`` (201 + ``meta.resource``)."""
    ctx.validate(_HOST_RULES)
    host = ctx.store.create_database_host(str(ctx.field("name")))
    _apply_host(ctx, host)
    return _created(ctx, _host(host), f"database-hosts/{host.id}")


@route("PATCH", "/database-hosts/{id}", acl=("database_hosts", W))
def update_host(ctx: Ctx) -> web.StreamResponse:
    """``PATCH /database-hosts/{id}``."""
    host = _find(ctx.store.database_hosts, ctx.params["id"])
    ctx.validate(_HOST_RULES)
    _apply_host(ctx, host)
    return json_response(_host(host))


@route("DELETE", "/database-hosts/{id}", acl=("database_hosts", W))
def delete_host(ctx: Ctx) -> web.StreamResponse:
    """``DELETE /database-hosts/{id}``: refused while databases live on it."""
    host = _find(ctx.store.database_hosts, ctx.params["id"])
    if any(d.host_id == host.id for s in ctx.store.servers.values() for d in s.databases):
        raise display_error(
            "HasActiveServersException", "Cannot delete a database host that has active databases linked to it."
        )
    del ctx.store.database_hosts[host.id]
    return no_content()


# ======================================================================================== roles
def _role(role: FakeRole) -> JsonDict:
    return item(
        "role",
        {"id": role.id, "name": role.name, "created_at": t.iso(role.created_at), "updated_at": t.iso(role.updated_at)},
    )


@route("GET", "/roles")
def list_roles(ctx: Ctx) -> web.StreamResponse:
    """``GET /roles`` (10 per page by default)."""
    return _page(ctx, list(ctx.store.pelican.roles.values()), _role, 10)


@route("GET", "/roles/{id}")
def get_role(ctx: Ctx) -> web.StreamResponse:
    """``GET /roles/{id}``."""
    return json_response(_role(_find(ctx.store.pelican.roles, ctx.params["id"])))


@route("POST", "/roles")
def create_role(ctx: Ctx) -> web.StreamResponse:
    """``POST /roles`` (201 + ``meta.resource``)."""
    ctx.validate([("name", "required|string")])
    role = FakeRole(ctx.store.next_id("roles"), str(ctx.field("name")))
    ctx.store.pelican.roles[role.id] = role
    return _created(ctx, _role(role), f"roles/{role.id}")


def _editable_role(ctx: Ctx, verb: str) -> FakeRole:
    role = _find(ctx.store.pelican.roles, ctx.params["id"])
    if role.name == ROOT_ADMIN_ROLE:
        raise display_error("PanelException", f"Can't {verb} root admin role!")
    return role


@route("PATCH", "/roles/{id}")
def update_role(ctx: Ctx) -> web.StreamResponse:
    """``PATCH /roles/{id}`` (not the root admin role)."""
    role = _editable_role(ctx, "update")
    ctx.validate([("name", "required|string")])
    role.name, role.updated_at = str(ctx.field("name")), utcnow()
    return json_response(_role(role))


@route("DELETE", "/roles/{id}")
def delete_role(ctx: Ctx) -> web.StreamResponse:
    """``DELETE /roles/{id}`` (not the root admin role)."""
    role = _editable_role(ctx, "delete")
    del ctx.store.pelican.roles[role.id]
    for held in ctx.store.pelican.user_roles.values():
        if role.id in held:
            held.remove(role.id)
    return no_content()


def _user_roles(action: str) -> Callable[[Ctx], web.StreamResponse]:
    def handler(ctx: Ctx) -> web.StreamResponse:
        roles = ctx.store.pelican.roles
        ctx.validate(
            [("roles", "required|array"), ("roles.*", ["integer", check("exists", lambda v: int(v) in roles)])]
        )
        user = ctx.resolved["user"]
        held = ctx.store.pelican.user_roles.setdefault(user.id, [])
        if not user.root_admin:
            for value in ctx.field("roles"):
                role_id = int(value)
                if roles[role_id].name == ROOT_ADMIN_ROLE:
                    continue
                if action == "assign" and role_id not in held:
                    held.append(role_id)
                elif action == "remove" and role_id in held:
                    held.remove(role_id)
        return json_response(t.app_user(ctx.store, user))

    handler.__doc__ = f"``PATCH /users/{{id}}/roles/{action}`` (the root admin role is skipped)."
    return handler


route("PATCH", "/users/{user_id}/roles/assign", acl=("users", W))(_user_roles("assign"))
route("PATCH", "/users/{user_id}/roles/remove", acl=("users", W))(_user_roles("remove"))


# ==================================================================================== transfers
@route("POST", "/servers/{server_id}/transfer", acl=("servers", W))
def start_transfer(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{id}/transfer``: ``node_id`` and a free ``allocation_id`` on it."""
    store, server = ctx.store, ctx.resolved["server"]

    def free(value: Any) -> bool:
        allocation = store.allocations.get(int(value)) if str(value).isdigit() else None
        return allocation is not None and allocation.server_id is None

    ctx.validate(
        [
            ("node_id", ["required", check("exists", lambda v: str(v).isdigit() and int(v) in store.nodes)]),
            ("allocation_id", ["required", check("exists", free)]),
            ("allocation_additional", "nullable|array"),
        ]
    )
    if server.transferring:
        return json_response([], status=406)
    server.transferring = True
    store.pelican.transfers[server.id] = int(ctx.field("node_id"))
    return no_content()


@route("POST", "/servers/{server_id}/transfer/cancel", acl=("servers", W))
def cancel_transfer(ctx: Ctx) -> web.StreamResponse:
    """``POST /servers/{id}/transfer/cancel``: 406 without a transfer."""
    server = ctx.resolved["server"]
    if not server.transferring:
        return json_response([], status=406)
    server.transferring = False
    ctx.store.pelican.transfers.pop(server.id, None)
    return no_content()


ROUTES: list[Route] = table.routes
