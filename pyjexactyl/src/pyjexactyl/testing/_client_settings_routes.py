"""Client-API startup-variable and settings (rename, reinstall, Docker image) routes of one server."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import _transformers as t
from ._client_prelude import SERVER, _log
from ._envelope import PanelError, bad_request, list_of, validation_error
from ._routing import Ctx, Route, RouteTable, accepted_empty_array, json_response, no_content
from ._state import utcnow
from ._validation import MISSING, check, parse_rules, validate
from ._wings import finish_install

__all__ = ["ROUTES"]

table = RouteTable("client", "/api/client")
route = table.route


# ----------------------------------------------------------------------------------- startup
def _startup_meta(ctx: Ctx, *, images: bool) -> dict[str, Any]:
    server = ctx.srv
    egg = ctx.store.eggs.get(server.egg_id)
    meta: dict[str, Any] = {"startup_command": t.render_startup(ctx.store, server, hide=False)}
    if images:
        meta["docker_images"] = dict(egg.docker_images) if egg else {}
    meta["raw_startup_command"] = server.startup
    return meta


@route("GET", SERVER + "/startup", perm="startup.read")
def list_startup(ctx: Ctx) -> web.StreamResponse:
    """65. ``GET /servers/{server}/startup``."""
    server = ctx.srv
    egg = ctx.store.eggs.get(server.egg_id)
    variables = [v for v in (egg.variables if egg else []) if v.user_viewable]
    return json_response(
        list_of((t.client_variable(v, server) for v in variables), meta=_startup_meta(ctx, images=True))
    )


@route("PUT", SERVER + "/startup/variable", perm="startup.update")
def update_startup_variable(ctx: Ctx) -> web.StreamResponse:
    """66. ``PUT /servers/{server}/startup/variable``."""
    ctx.validate([("key", "required|string"), ("value", "present")])
    server = ctx.srv
    egg = ctx.store.eggs.get(server.egg_id)
    key = str(ctx.field("key"))
    variable = next((v for v in (egg.variables if egg else []) if v.env_variable == key), None)
    if variable is None:
        raise PanelError(
            500,
            "ErrorException",
            "An unexpected error was encountered while processing this request, please try again.",
        )
    if not variable.user_viewable:
        raise bad_request("The environment variable you are trying to edit does not exist.")
    if not variable.user_editable:
        raise bad_request("The environment variable you are trying to edit is read-only.")
    value = ctx.field("value")
    issues = validate({"value": value} if ctx.has("value") else {}, [("value", parse_rules(variable.rules))])
    if issues:
        raise validation_error(issues)
    server.environment[key] = None if value is None or value is MISSING else str(value)
    _log(ctx, "server:startup.edit", {"variable": key, "old": None, "new": server.environment[key]})
    return json_response(dict(t.client_variable(variable, server), meta=_startup_meta(ctx, images=False)))


# ----------------------------------------------------------------------------------- settings
@route("POST", SERVER + "/settings/rename", perm="settings.rename")
def rename_server(ctx: Ctx) -> web.StreamResponse:
    """67. ``POST /servers/{server}/settings/rename``."""
    ctx.validate([("name", "required|string|min:1|max:191"), ("description", "nullable|string")])
    server = ctx.srv
    old = server.name
    server.name = str(ctx.field("name"))
    if ctx.has("description"):
        server.description = str(ctx.field("description") or "")
    server.updated_at = utcnow()
    _log(ctx, "server:settings.rename", {"old": old, "new": server.name})
    return no_content()


@route("POST", SERVER + "/settings/reinstall", perm="settings.reinstall")
def reinstall_server(ctx: Ctx) -> web.StreamResponse:
    """68. ``POST /servers/{server}/settings/reinstall`` (202, body ``[]``)."""
    finish_install(ctx.runtime, ctx.srv)
    _log(ctx, "server:reinstall")
    return accepted_empty_array()


@route("PUT", SERVER + "/settings/docker-image", perm="startup.docker-image")
def docker_image(ctx: Ctx) -> web.StreamResponse:
    """69. ``PUT /servers/{server}/settings/docker-image``."""
    server = ctx.srv
    egg = ctx.store.eggs.get(server.egg_id)
    images = list(egg.docker_images.values()) if egg else []
    ctx.validate([("docker_image", ["required", "string", "max:191", check("in", lambda v: v in images)])])
    if server.image not in images:
        raise bad_request("This server's Docker image has been manually set by an administrator and cannot be updated.")
    old = server.image
    server.image = str(ctx.field("docker_image"))
    _log(ctx, "server:startup.image", {"old": old, "new": server.image})
    return no_content()


ROUTES: list[Route] = table.routes
