"""Application-API server creation (with automatic deployment), suspension, reinstall and deletion."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import _transformers as t
from ._application_node_routes import _PORT_RANGE, _truthy, viable_nodes
from ._application_prelude import NO_VIABLE_ALLOCATION, NO_VIABLE_NODE, W
from ._application_server_routes import (
    _LIMIT_RULES,
    _egg_exists,
    _unique_server_external,
    _user_exists,
    _validate_environment,
)
from ._envelope import conflict, display_error
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import FakeAllocation, FakeNode
from ._validation import check
from ._wings import finish_install, power

__all__ = ["ROUTES"]

table = RouteTable("application", "/api/application")
route = table.route


def _pick_allocation(ctx: Ctx, nodes: list[FakeNode], dedicated: bool, port_range: list[str]) -> FakeAllocation:
    store = ctx.store
    ports: set[int] = set()
    for entry in port_range:
        text = str(entry)
        match = _PORT_RANGE.match(text)
        if match:
            ports.update(range(int(match.group(1)), int(match.group(2)) + 1))
        elif text.isdigit():
            ports.add(int(text))
        else:
            raise display_error(
                "InvalidPortMappingException",
                f"The mapping provided for {text} was invalid and could not be processed.",
            )
    node_ids = {n.id for n in nodes}
    candidates = [a for a in store.allocations.values() if a.node_id in node_ids and a.server_id is None]
    if ports:
        candidates = [a for a in candidates if a.port in ports]
    if dedicated:
        used_ips = {(a.node_id, a.ip) for a in store.allocations.values() if a.server_id is not None}
        candidates = [a for a in candidates if (a.node_id, a.ip) not in used_ips]
    if not candidates:
        raise display_error("NoViableAllocationException", NO_VIABLE_ALLOCATION)
    return candidates[0]


@route("POST", "/servers", acl=("servers", W))
def create_server(ctx: Ctx) -> web.StreamResponse:
    """28. ``POST /servers`` (201, no meta)."""
    store = ctx.store
    deploying = ctx.field("deploy") is not None

    def free_allocation(value: Any) -> bool:
        allocation = store.allocations.get(int(value)) if str(value).isdigit() else None
        return allocation is not None and allocation.server_id is None

    rules: list[tuple[str, Any]] = [
        (
            "external_id",
            ["sometimes", "nullable", "string", "between:1,191", check("unique", _unique_server_external(ctx, None))],
        ),
        ("name", "required|string|min:1|max:191"),
        ("description", "nullable|string"),
        ("user", ["required", "integer", check("exists", _user_exists(ctx))]),
        ("egg", ["required", check("exists", _egg_exists(ctx))]),
        ("docker_image", "required|string|max:191"),
        ("startup", "required|string"),
        ("environment", "present|array"),
        ("skip_scripts", "sometimes|boolean"),
        ("oom_disabled", "sometimes|boolean"),
        ("limits", "required|array"),
        ("limits.memory", _LIMIT_RULES["memory"]),
        ("limits.swap", _LIMIT_RULES["swap"]),
        ("limits.disk", _LIMIT_RULES["disk"]),
        ("limits.io", _LIMIT_RULES["io"]),
        ("limits.threads", _LIMIT_RULES["threads"]),
        ("limits.cpu", _LIMIT_RULES["cpu"]),
        ("feature_limits", "required|array"),
        ("feature_limits.databases", "present|nullable|integer|min:0"),
        ("feature_limits.allocations", "sometimes|nullable|integer|min:0"),
        ("feature_limits.backups", "present|nullable|integer|min:0"),
    ]
    if not deploying:
        rules += [
            ("allocation.default", ["required", "integer", check("exists", free_allocation)]),
            ("allocation.additional.*", ["integer", check("exists", free_allocation)]),
        ]
    rules += [
        ("deploy", "sometimes|required|array"),
        ("deploy.locations", "array"),
        ("deploy.locations.*", "integer|min:1"),
        ("deploy.dedicated_ip", "required_with:deploy|boolean"),
        ("deploy.port_range", "array"),
        ("deploy.port_range.*", "string"),
        ("start_on_completion", "sometimes|boolean"),
    ]
    ctx.validate(rules)
    limits = ctx.field("limits")
    memory, disk = int(float(limits["memory"])), int(float(limits["disk"]))
    additional: list[FakeAllocation] = []
    if deploying:
        deploy = ctx.field("deploy")
        locations = [int(x) for x in deploy.get("locations") or []]
        nodes = viable_nodes(ctx, memory, disk, locations or None)
        if not nodes:
            raise display_error("NoViableNodeException", NO_VIABLE_NODE)
        allocation = _pick_allocation(
            ctx, nodes, _truthy(deploy.get("dedicated_ip")), list(deploy.get("port_range") or [])
        )
    else:
        spec = ctx.field("allocation") or {}
        allocation = store.allocations[int(spec["default"])]
        for extra in spec.get("additional") or []:
            candidate = store.allocations[int(extra)]
            if candidate.node_id == allocation.node_id and candidate.id != allocation.id:
                additional.append(candidate)
    egg = store.eggs[int(ctx.field("egg"))]
    environment = _validate_environment(egg, ctx.field("environment"))
    owner = store.users[int(ctx.field("user"))]
    features = ctx.field("feature_limits")
    server = store.create_server(
        owner,
        str(ctx.field("name")),
        node=store.nodes[allocation.node_id],
        egg=egg,
        allocation=allocation,
        description=str(ctx.field("description") or ""),
        external_id=ctx.field("external_id"),
        memory=memory,
        swap=int(float(limits["swap"])),
        disk=disk,
        io=int(float(limits["io"])),
        cpu=int(float(limits["cpu"])),
        threads=limits.get("threads"),
        oom_disabled=_truthy(ctx.field("oom_disabled", True)),
        backup_limit=int(features.get("backups") or 0),
        database_limit=features.get("databases"),
        allocation_limit=features.get("allocations"),
        startup=str(ctx.field("startup")),
        image=str(ctx.field("docker_image")),
        environment=environment,
    )
    server.skip_scripts = _truthy(ctx.field("skip_scripts"))
    for extra_allocation in additional:
        extra_allocation.server_id = server.id
    finish_install(ctx.runtime, server, start=_truthy(ctx.field("start_on_completion")))
    return json_response(t.app_server(store, server), status=201)


@route("POST", "/servers/{server_id}/suspend", acl=("servers", W))
def suspend_server(ctx: Ctx) -> web.StreamResponse:
    """29. ``POST /servers/{id}/suspend``."""
    server = ctx.resolved["server"]
    if server.transferring:
        raise conflict("Cannot suspend a server that is currently being transferred.")
    server.status = "suspended"
    power(ctx.runtime, server, "kill")
    return no_content()


@route("POST", "/servers/{server_id}/unsuspend", acl=("servers", W))
def unsuspend_server(ctx: Ctx) -> web.StreamResponse:
    """30. ``POST /servers/{id}/unsuspend``."""
    server = ctx.resolved["server"]
    if server.status == "suspended":
        server.status = None
    return no_content()


@route("POST", "/servers/{server_id}/reinstall", acl=("servers", W))
def reinstall_server(ctx: Ctx) -> web.StreamResponse:
    """31. ``POST /servers/{id}/reinstall``."""
    finish_install(ctx.runtime, ctx.resolved["server"])
    return no_content()


@route("DELETE", "/servers/{server_id}", acl=("servers", W))
def delete_server(ctx: Ctx) -> web.StreamResponse:
    """32. ``DELETE /servers/{id}``."""
    ctx.runtime.wings.server_deleted(ctx.resolved["server"])
    ctx.store.delete_server(ctx.resolved["server"])
    return no_content()


@route("DELETE", "/servers/{server_id}/{force}", acl=("servers", W))
def force_delete_server(ctx: Ctx) -> web.StreamResponse:
    """33. ``DELETE /servers/{id}/force`` (the route is ``/{id}/{force?}``)."""
    ctx.runtime.wings.server_deleted(ctx.resolved["server"])
    ctx.store.delete_server(ctx.resolved["server"])
    return no_content()


ROUTES: list[Route] = table.routes
