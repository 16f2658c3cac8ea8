"""Application-API server routes that read and update a server: list, external id, details, build and
startup."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any

from aiohttp import web

from . import _transformers as t
from ._application_node_routes import _truthy
from ._application_prelude import R, W, _filtered, _list_including
from ._envelope import GENERIC_500, PanelError, display_error, not_found
from ._routing import Ctx, Route, RouteTable, json_response
from ._state import FakeEgg, FakeServer, utcnow
from ._validation import check, parse_rules, validate

__all__ = ["ROUTES"]

table = RouteTable("application", "/api/application")
route = table.route


# ===================================================================================== servers
def _server_includes(ctx: Ctx) -> AbstractSet[str]:
    includes = ctx.includes()
    if "transfer" in includes:
        raise PanelError(500, "BadMethodCallException", GENERIC_500)
    return includes


@route("GET", "/servers", acl=("servers", R))
def list_servers(ctx: Ctx) -> web.StreamResponse:
    """22. ``GET /servers``."""
    rows = _filtered(
        ctx,
        list(ctx.store.servers.values()),
        {
            "uuid": lambda s: s.uuid,
            "uuidShort": lambda s: s.identifier,
            "name": lambda s: s.name,
            "description": lambda s: s.description,
            "image": lambda s: s.image,
            "external_id": lambda s: s.external_id,
        },
        {"id": lambda s: s.id, "uuid": lambda s: s.uuid},
    )
    return _list_including(ctx, rows, t.app_server, _server_includes(ctx))


@route("GET", "/servers/external/{external_id}", acl=("servers", R))
def server_by_external_id(ctx: Ctx) -> web.StreamResponse:
    """24. ``GET /servers/external/{external_id}``."""
    value = ctx.params["external_id"]
    server = next((s for s in ctx.store.servers.values() if s.external_id == value), None)
    if server is None:
        raise not_found()
    return json_response(t.app_server(ctx.store, server, _server_includes(ctx)))


@route("GET", "/servers/{server_id}", acl=("servers", R))
def get_server(ctx: Ctx) -> web.StreamResponse:
    """23. ``GET /servers/{id}``."""
    return json_response(t.app_server(ctx.store, ctx.resolved["server"], _server_includes(ctx)))


def _unique_server_external(ctx: Ctx, ignore: FakeServer | None) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        return all(s.external_id != str(value) or s is ignore for s in ctx.store.servers.values())

    return test


def _user_exists(ctx: Ctx) -> Callable[[Any], bool]:
    return lambda v: str(v).isdigit() and int(v) in ctx.store.users


def _egg_exists(ctx: Ctx) -> Callable[[Any], bool]:
    return lambda v: str(v).isdigit() and int(v) in ctx.store.eggs


@route("PATCH", "/servers/{server_id}/details", acl=("servers", W))
def update_server_details(ctx: Ctx) -> web.StreamResponse:
    """25. ``PATCH /servers/{id}/details``."""
    server = ctx.resolved["server"]
    ctx.validate(
        [
            (
                "external_id",
                [
                    "sometimes",
                    "nullable",
                    "string",
                    "between:1,191",
                    check("unique", _unique_server_external(ctx, server)),
                ],
            ),
            ("name", "required|string|min:1|max:191"),
            ("user", ["required", "integer", check("exists", _user_exists(ctx))]),
            ("description", "sometimes|nullable|string"),
        ]
    )
    server.name = str(ctx.field("name"))
    server.owner_id = int(ctx.field("user"))
    if ctx.has("external_id"):
        server.external_id = ctx.field("external_id")
    if ctx.has("description"):
        server.description = str(ctx.field("description") or "")
    server.updated_at = utcnow()
    return json_response(t.app_server(ctx.store, server))


_LIMIT_RULES = {
    "memory": "required|numeric|min:0",
    "swap": "required|numeric|min:-1",
    "io": "required|numeric|between:10,1000",
    "cpu": "required|numeric|min:0",
    "threads": r"nullable|regex:/^[0-9-,]+$/",
    "disk": "required|numeric|min:0",
}


def _limits_from(ctx: Ctx) -> dict[str, Any]:
    limits = ctx.field("limits")
    source = limits if isinstance(limits, dict) else (ctx.data if isinstance(ctx.data, dict) else {})
    return {k: source.get(k) for k in _LIMIT_RULES if k in source}


def _apply_limits(server: FakeServer, limits: dict[str, Any]) -> None:
    for name in ("memory", "swap", "io", "cpu", "disk"):
        if limits.get(name) is not None:
            setattr(server, name, int(float(limits[name])))
    if "threads" in limits:
        server.threads = limits["threads"]


@route("PATCH", "/servers/{server_id}/build", acl=("servers", W))
def update_server_build(ctx: Ctx) -> web.StreamResponse:
    """26. ``PATCH /servers/{id}/build``."""
    server, store = ctx.resolved["server"], ctx.store
    rules: list[tuple[str, Any]] = [
        (
            "allocation",
            ["required", "numeric", check("exists", lambda v: str(v).isdigit() and int(v) in store.allocations)],
        ),
        ("oom_disabled", "sometimes|boolean"),
        ("limits", "sometimes|array"),
    ]
    for name, spec in _LIMIT_RULES.items():
        rules.append((f"limits.{name}", spec.replace("required", "required_with:limits")))
    for name, spec in _LIMIT_RULES.items():
        rules.append((name, spec.replace("required", "required_without:limits")))
    rules += [
        ("add_allocations", "array"),
        ("add_allocations.*", "integer"),
        ("remove_allocations", "array"),
        ("remove_allocations.*", "integer"),
        ("feature_limits", "required|array"),
        ("feature_limits.databases", "present|nullable|integer|min:0"),
        ("feature_limits.allocations", "present|nullable|integer|min:0"),
        ("feature_limits.backups", "present|nullable|integer|min:0"),
    ]
    ctx.validate(rules)
    for allocation_id in ctx.field("add_allocations") or []:
        allocation = store.allocations.get(int(allocation_id))
        if allocation is not None and allocation.node_id == server.node_id and allocation.server_id is None:
            allocation.server_id = server.id
    default = int(float(ctx.field("allocation")))
    for allocation_id in ctx.field("remove_allocations") or []:
        allocation = store.allocations.get(int(allocation_id))
        if allocation is None or allocation.server_id != server.id:
            continue
        if allocation.id == default:
            raise display_error(
                "DisplayException",
                "You are attempting to delete the default allocation for this server but there is no fallback "
                "allocation to use.",
            )
        allocation.server_id = None
        allocation.notes = None
    primary = store.allocations.get(default)
    if primary is None or primary.server_id != server.id:
        raise display_error(
            "DisplayException", "The requested default allocation is not currently assigned to this server."
        )
    server.allocation_id = default
    _apply_limits(server, _limits_from(ctx))
    if ctx.has("oom_disabled"):
        server.oom_disabled = _truthy(ctx.field("oom_disabled"))
    features = ctx.field("feature_limits")
    server.database_limit = features.get("databases")
    server.allocation_limit = features.get("allocations")
    server.backup_limit = int(features.get("backups") or 0)
    server.updated_at = utcnow()
    return json_response(t.app_server(store, server))


def _environment_rules(egg: FakeEgg) -> tuple[list[tuple[str, Any]], dict[str, str]]:
    rules: list[tuple[str, Any]] = []
    names: dict[str, str] = {}
    for variable in egg.variables:
        field = f"environment.{variable.env_variable}"
        rules.append((field, parse_rules(variable.rules)))
        names[field] = f"{variable.name} variable"
    return rules, names


def _validate_environment(egg: FakeEgg, environment: Any) -> dict[str, str | None]:
    env = environment if isinstance(environment, dict) else {}
    data = {"environment": {v.env_variable: env.get(v.env_variable) for v in egg.variables}}
    rules, names = _environment_rules(egg)
    issues = validate(data, rules, names)
    if issues:
        raise PanelError(422, "ValidationException", issues[0].message, issues=issues)
    return {
        v.env_variable: (None if env.get(v.env_variable) is None else str(env.get(v.env_variable)))
        for v in egg.variables
    }


@route("PATCH", "/servers/{server_id}/startup", acl=("servers", W))
def update_server_startup(ctx: Ctx) -> web.StreamResponse:
    """27. ``PATCH /servers/{id}/startup``."""
    server, store = ctx.resolved["server"], ctx.store
    ctx.validate(
        [
            ("startup", "required|string"),
            ("environment", "present|array"),
            ("egg", ["required", check("exists", _egg_exists(ctx))]),
            ("image", "required|string|max:191"),
            ("skip_scripts", "present|boolean"),
        ]
    )
    egg = store.eggs[int(ctx.field("egg"))]
    environment = _validate_environment(egg, ctx.field("environment"))
    server.egg_id = egg.id
    server.nest_id = egg.nest_id
    server.startup = str(ctx.field("startup"))
    server.image = str(ctx.field("image"))
    server.skip_scripts = _truthy(ctx.field("skip_scripts"))
    server.environment.update(environment)
    server.updated_at = utcnow()
    return json_response(t.app_server(store, server))


ROUTES: list[Route] = table.routes
