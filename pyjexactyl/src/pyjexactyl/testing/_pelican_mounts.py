"""Pelican's mounts and panel plugins (``pelican-dev/panel`` ``routes/api-application.php``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import _transformers as t
from ._application_prelude import _created
from ._envelope import JsonDict, display_error, item, list_of, not_found
from ._pelican_admin import _find, _page
from ._pelican_state import FakeMount
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import utcnow
from ._validation import check

__all__ = ["ROUTES"]

table = RouteTable("application", "/api/application")
route = table.route


# ======================================================================================= mounts
def _mount(mount: FakeMount) -> JsonDict:
    return item(
        "mount",
        {
            "id": mount.id,
            "uuid": mount.uuid,
            "name": mount.name,
            "description": mount.description,
            "source": mount.source,
            "target": mount.target,
            "read_only": mount.read_only,
            "user_mountable": mount.user_mountable,
            "created_at": t.raw_ts(mount.created_at),
            "updated_at": t.raw_ts(mount.updated_at),
        },
    )


def _mount_rules(ctx: Ctx, ignore: FakeMount | None) -> list[tuple[str, Any]]:
    mounts = ctx.store.pelican.mounts.values()
    unique = check("unique", lambda v: all(m.name != str(v) or m is ignore for m in mounts))
    return [
        ("name", ["required", "string", "min:2", "max:64", unique]),
        ("description", "nullable|string|max:255"),
        ("source", "required|string"),
        ("target", "required|string"),
        ("read_only", "sometimes|boolean"),
        ("user_mountable", "sometimes|boolean"),
    ]


def _apply_mount(ctx: Ctx, mount: FakeMount) -> None:
    mount.name, mount.source, mount.target = (str(ctx.field(k)) for k in ("name", "source", "target"))
    mount.description = ctx.field("description")
    mount.read_only = ctx.field("read_only") in (True, 1, "1")
    mount.user_mountable = ctx.field("user_mountable") in (True, 1, "1")
    mount.updated_at = utcnow()


@route("GET", "/mounts")
def list_mounts(ctx: Ctx) -> web.StreamResponse:
    """``GET /mounts``."""
    return _page(ctx, list(ctx.store.pelican.mounts.values()), _mount, 50)


@route("GET", "/mounts/{id}")
def get_mount(ctx: Ctx) -> web.StreamResponse:
    """``GET /mounts/{id}``."""
    return json_response(_mount(_find(ctx.store.pelican.mounts, ctx.params["id"])))


@route("POST", "/mounts")
def create_mount(ctx: Ctx) -> web.StreamResponse:
    """``POST /mounts`` (201 + ``meta.resource``)."""
    ctx.validate(_mount_rules(ctx, None))
    store = ctx.store
    mount = FakeMount(store.next_id("mounts"), store.new_uuid(), "", "", "")
    _apply_mount(ctx, mount)
    store.pelican.mounts[mount.id] = mount
    return _created(ctx, _mount(mount), f"mounts/{mount.id}")


@route("PATCH", "/mounts/{id}")
def update_mount(ctx: Ctx) -> web.StreamResponse:
    """``PATCH /mounts/{id}``."""
    mount = _find(ctx.store.pelican.mounts, ctx.params["id"])
    ctx.validate(_mount_rules(ctx, mount))
    _apply_mount(ctx, mount)
    return json_response(_mount(mount))


@route("DELETE", "/mounts/{id}")
def delete_mount(ctx: Ctx) -> web.StreamResponse:
    """``DELETE /mounts/{id}``: refused while servers use it."""
    mount = _find(ctx.store.pelican.mounts, ctx.params["id"])
    if mount.servers:
        raise display_error("HasActiveServersException", "Cannot delete a mount that has servers attached to it.")
    del ctx.store.pelican.mounts[mount.id]
    return no_content()


def _mount_relation(kind: str) -> None:
    """``GET``/``POST /mounts/{id}/<kind>`` and ``DELETE /mounts/{id}/<kind>/{target}``."""
    singular = kind[:-1]

    def rows(ctx: Ctx) -> dict[int, Any]:
        tables: dict[str, dict[int, Any]] = {
            "eggs": ctx.store.eggs,
            "nodes": ctx.store.nodes,
            "servers": ctx.store.servers,
        }
        return tables[kind]

    def transform(ctx: Ctx, row: Any) -> JsonDict:
        if kind == "eggs":
            return t.app_egg(ctx.store, row)
        if kind == "nodes":
            return t.app_node(ctx.store, row)
        return t.app_server(ctx.store, row)

    def listing(ctx: Ctx) -> web.StreamResponse:
        mount = _find(ctx.store.pelican.mounts, ctx.params["id"])
        table_rows = rows(ctx)
        return json_response(list_of(transform(ctx, table_rows[i]) for i in getattr(mount, kind) if i in table_rows))

    def attach(ctx: Ctx) -> web.StreamResponse:
        mount = _find(ctx.store.pelican.mounts, ctx.params["id"])
        known = rows(ctx)
        ctx.validate([(kind, ["required", "array", check("exists", lambda v: all(int(i) in known for i in v))])])
        attached = getattr(mount, kind)
        attached.extend(int(i) for i in ctx.field(kind) if int(i) not in attached)
        return json_response(_mount(mount))

    def detach(ctx: Ctx) -> web.StreamResponse:
        mount = _find(ctx.store.pelican.mounts, ctx.params["id"])
        value = ctx.params["target"]
        attached = getattr(mount, kind)
        if value.isdigit() and int(value) in attached:
            attached.remove(int(value))
        return no_content()

    listing.__doc__ = f"``GET /mounts/{{id}}/{kind}``."
    attach.__doc__ = f"``POST /mounts/{{id}}/{kind}``: attach {kind} by id."
    detach.__doc__ = f"``DELETE /mounts/{{id}}/{kind}/{{{singular}_id}}``."
    route("GET", f"/mounts/{{id}}/{kind}")(listing)
    route("POST", f"/mounts/{{id}}/{kind}")(attach)
    route("DELETE", f"/mounts/{{id}}/{kind}/{{target}}")(detach)


for _kind in ("eggs", "nodes", "servers"):
    _mount_relation(_kind)


# ====================================================================================== plugins
def _plugin(ctx: Ctx, plugin: Any) -> JsonDict:
    return item(
        "plugin",
        {
            "id": plugin.id,
            "name": plugin.name,
            "author": plugin.author,
            "version": plugin.version,
            "description": plugin.description,
            "category": plugin.category,
            "url": None,
            "update_url": None,
            "namespace": f"{plugin.author}\\{plugin.name.replace(' ', '')}",
            "class": plugin.name.replace(" ", "") + "Plugin",
            "panels": None,
            "panel_version": None,
            "composer_packages": None,
            "meta": {
                "status": plugin.status,
                "status_message": None,
                "load_order": 0,
                "is_compatible": True,
                "update_available": plugin.update_available,
                "can_enable": plugin.status == "disabled",
                "can_disable": plugin.status == "enabled",
            },
        },
    )


def _find_plugin(ctx: Ctx) -> Any:
    plugin = ctx.store.pelican.plugins.get(ctx.params["id"])
    if plugin is None:
        raise not_found()
    return plugin


@route("GET", "/plugins")
def list_plugins(ctx: Ctx) -> web.StreamResponse:
    """``GET /plugins`` (10 per page by default)."""
    return _page(ctx, list(ctx.store.pelican.plugins.values()), lambda p: _plugin(ctx, p), 10)


@route("GET", "/plugins/{id}")
def get_plugin(ctx: Ctx) -> web.StreamResponse:
    """``GET /plugins/{id}``."""
    return json_response(_plugin(ctx, _find_plugin(ctx)))


@route("POST", "/plugins/import/url")
def import_plugin(ctx: Ctx) -> web.StreamResponse:
    """``POST /plugins/import/url``: 201, empty body."""
    ctx.validate([("url", "required|string|url")])
    return web.Response(status=201)


_PLUGIN_ACTIONS = {
    # action: (allowed statuses, refusal, new status)
    "install": ({"not_installed"}, "Plugin is already installed", "enabled"),
    "uninstall": ({"enabled", "disabled", "errored"}, "Plugin is not installed", "not_installed"),
    "enable": ({"disabled"}, "Plugin can't be enabled", "enabled"),
    "disable": ({"enabled"}, "Plugin can't be disabled", "disabled"),
}


def _plugin_action(action: str) -> Callable[[Ctx], web.StreamResponse]:
    def handler(ctx: Ctx) -> web.StreamResponse:
        plugin = _find_plugin(ctx)
        if action == "update":
            if not plugin.update_available:
                raise display_error("PanelException", "Plugin doesn't need updating")
            plugin.update_available = False
        else:
            allowed, refusal, status = _PLUGIN_ACTIONS[action]
            if plugin.status not in allowed:
                raise display_error("PanelException", refusal)
            plugin.status = status
        return json_response(_plugin(ctx, plugin))

    handler.__doc__ = f"``POST /plugins/{{id}}/{action}``."
    return handler


for _action in ("install", "update", "uninstall", "enable", "disable"):
    route("POST", f"/plugins/{{id}}/{_action}")(_plugin_action(_action))


ROUTES: list[Route] = table.routes
