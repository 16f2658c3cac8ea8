"""Application-API node and node-allocation routes, with the deployable-node search."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import _transformers as t
from ._application_prelude import NO_VIABLE_NODE, R, W, _created, _filtered, _list, _list_including
from ._envelope import JsonDict, display_error, list_of
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import FakeNode, utcnow
from ._validation import check

__all__ = ["ROUTES"]

table = RouteTable("application", "/api/application")
route = table.route


# ======================================================================================= nodes
def _node_rules(ctx: Ctx) -> list[tuple[str, Any]]:
    store = ctx.store
    return [
        ("name", r"required|regex:/^([\w .-]{1,100})$/"),
        ("description", "nullable|string"),
        ("location_id", ["required", check("exists", lambda v: str(v).isdigit() and int(v) in store.locations)]),
        ("public", "boolean"),
        ("fqdn", "required|string"),
        ("scheme", "required|in:http,https"),
        ("behind_proxy", "boolean"),
        ("memory", "required|numeric|min:1"),
        ("memory_overallocate", "required|numeric|min:-1"),
        ("disk", "required|numeric|min:1"),
        ("disk_overallocate", "required|numeric|min:-1"),
        ("upload_size", "integer|between:1,1024"),
        ("daemon_listen", "required|numeric|between:1,65535"),
        ("daemon_sftp", "required|numeric|between:1,65535"),
        ("daemon_base", r"sometimes|required|regex:/^([\/][\d\w.\-\/]+)$/"),
        ("maintenance_mode", "boolean"),
    ]


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1")


def _apply_node(ctx: Ctx, node: FakeNode) -> None:
    node.name = str(ctx.field("name"))
    if ctx.has("description"):
        node.description = ctx.field("description")
    node.location_id = int(ctx.field("location_id"))
    node.fqdn = str(ctx.field("fqdn"))
    node.scheme = str(ctx.field("scheme"))
    node.memory = int(float(ctx.field("memory")))
    node.memory_overallocate = int(float(ctx.field("memory_overallocate")))
    node.disk = int(float(ctx.field("disk")))
    node.disk_overallocate = int(float(ctx.field("disk_overallocate")))
    node.daemon_listen = int(float(ctx.field("daemon_listen")))
    node.daemon_sftp = int(float(ctx.field("daemon_sftp")))
    for name in ("public", "behind_proxy", "maintenance_mode"):
        if ctx.has(name):
            setattr(node, name, _truthy(ctx.field(name)))
    if ctx.has("upload_size"):
        node.upload_size = int(ctx.field("upload_size"))
    if ctx.field("daemon_base"):
        node.daemon_base = str(ctx.field("daemon_base"))
    node.updated_at = utcnow()


def _node_sorts() -> dict[str, Callable[[FakeNode], Any]]:
    return {"id": lambda n: n.id, "uuid": lambda n: n.uuid, "memory": lambda n: n.memory, "disk": lambda n: n.disk}


@route("GET", "/nodes", acl=("nodes", R))
def list_nodes(ctx: Ctx) -> web.StreamResponse:
    """7. ``GET /nodes``."""
    rows = _filtered(
        ctx,
        list(ctx.store.nodes.values()),
        {
            "uuid": lambda n: n.uuid,
            "name": lambda n: n.name,
            "fqdn": lambda n: n.fqdn,
            "daemon_token_id": lambda n: n.daemon_token_id,
        },
        _node_sorts(),
    )
    return _list_including(ctx, rows, t.app_node)


def viable_nodes(ctx: Ctx, memory: int, disk: int, locations: list[int] | None) -> list[FakeNode]:
    """``FindViableNodesService``: public nodes with room, optionally in ``locations``."""
    out: list[FakeNode] = []
    for node in ctx.store.nodes.values():
        if not node.public:
            continue
        if locations and node.location_id not in locations:
            continue
        used_memory, used_disk = t.node_usage(ctx.store, node)
        if node.memory_overallocate >= 0 and used_memory + memory > node.memory * (1 + node.memory_overallocate / 100):
            continue
        if node.disk_overallocate >= 0 and used_disk + disk > node.disk * (1 + node.disk_overallocate / 100):
            continue
        out.append(node)
    return out


@route("GET", "/nodes/deployable", acl=("nodes", R))
def deployable_nodes(ctx: Ctx) -> web.StreamResponse:
    """8. ``GET /nodes/deployable``."""
    query: dict[str, Any] = {}
    for key in ("memory", "disk", "page"):
        if key in ctx.query:
            query[key] = ctx.query[key]
    locations = [*ctx.query.getall("location_ids[]", []), *ctx.query.getall("location_ids", [])]
    if locations:
        query["location_ids"] = locations
    ctx.validate(
        [
            ("page", "integer"),
            ("memory", "required|integer|min:0"),
            ("disk", "required|integer|min:0"),
            ("location_ids", "array"),
            ("location_ids.*", "integer"),
        ],
        data=query,
    )
    nodes = viable_nodes(ctx, int(query["memory"]), int(query["disk"]), [int(x) for x in locations] or None)
    if not nodes:
        raise display_error("NoViableNodeException", NO_VIABLE_NODE)
    transform: Callable[[FakeNode], JsonDict] = lambda n: t.app_node(ctx.store, n, sums=True)  # noqa: E731
    if "page" in query:
        return _list(ctx, nodes, transform)
    return json_response(list_of(transform(n) for n in nodes))


@route("GET", "/nodes/{node_id}", acl=("nodes", R))
def get_node(ctx: Ctx) -> web.StreamResponse:
    """9. ``GET /nodes/{id}``."""
    return json_response(t.app_node(ctx.store, ctx.resolved["node"], ctx.includes()))


@route("GET", "/nodes/{node_id}/configuration", acl=("nodes", R))
def node_configuration(ctx: Ctx) -> web.StreamResponse:
    """10. ``GET /nodes/{id}/configuration`` (raw Wings config, not an envelope)."""
    node = ctx.resolved["node"]
    ssl = node.scheme == "https" and not node.behind_proxy
    return json_response(
        {
            "debug": False,
            "uuid": node.uuid,
            "token_id": node.daemon_token_id,
            "token": node.daemon_token,
            "api": {
                "host": "0.0.0.0",
                "port": node.daemon_listen,
                "ssl": {
                    "enabled": ssl,
                    "cert": f"/etc/letsencrypt/live/{node.fqdn}/fullchain.pem",
                    "key": f"/etc/letsencrypt/live/{node.fqdn}/privkey.pem",
                },
                "upload_limit": node.upload_size,
            },
            "system": {"data": node.daemon_base, "sftp": {"bind_port": node.daemon_sftp}},
            "allowed_mounts": [],
            "remote": ctx.runtime.url,
        }
    )


@route("POST", "/nodes", acl=("nodes", W))
def create_node(ctx: Ctx) -> web.StreamResponse:
    """11. ``POST /nodes`` (201 + ``meta.resource``)."""
    ctx.validate(_node_rules(ctx))
    store = ctx.store
    node = store.create_node(str(ctx.field("name")), store.locations[int(ctx.field("location_id"))])
    _apply_node(ctx, node)
    return _created(ctx, t.app_node(store, node), f"nodes/{node.id}")


@route("PATCH", "/nodes/{node_id}", acl=("nodes", W))
def update_node(ctx: Ctx) -> web.StreamResponse:
    """12. ``PATCH /nodes/{id}``."""
    ctx.validate(_node_rules(ctx))
    node = ctx.resolved["node"]
    _apply_node(ctx, node)
    if _truthy(ctx.field("reset_secret")):
        node.daemon_token_id = ctx.store.random_string(16)
        node.daemon_token = ctx.store.random_string(64)
    return json_response(t.app_node(ctx.store, node))


@route("DELETE", "/nodes/{node_id}", acl=("nodes", W))
def delete_node(ctx: Ctx) -> web.StreamResponse:
    """13. ``DELETE /nodes/{id}``."""
    store, node = ctx.store, ctx.resolved["node"]
    if any(s.node_id == node.id for s in store.servers.values()):
        raise display_error(
            "HasActiveServersException", "A node must have no servers linked to it in order to be deleted."
        )
    for allocation_id in [a.id for a in store.allocations.values() if a.node_id == node.id]:
        del store.allocations[allocation_id]
    del store.nodes[node.id]
    return no_content()


@route("GET", "/nodes/{node_id}/allocations", acl=("allocations", R))
def list_node_allocations(ctx: Ctx) -> web.StreamResponse:
    """14. ``GET /nodes/{id}/allocations``."""
    node = ctx.resolved["node"]
    rows = [a for a in ctx.store.allocations.values() if a.node_id == node.id]
    filters = ctx.check_filters(["ip", "port", "ip_alias", "server_id"])
    raw_server = ctx.filters().get("server_id")
    if "ip" in filters:
        rows = [a for a in rows if a.ip == filters["ip"]]
    if "port" in filters:
        rows = [a for a in rows if str(a.port) == filters["port"]]
    if "ip_alias" in filters:
        rows = [a for a in rows if filters["ip_alias"].lower() in (a.alias or "").lower()]
    if raw_server is not None:
        if raw_server.isdigit():
            rows = [a for a in rows if a.server_id == int(raw_server)]
        else:
            rows = [a for a in rows if a.server_id is None]
    return _list_including(ctx, rows, t.app_allocation)


_PORT_RANGE = re.compile(r"^(\d{4,5})-(\d{4,5})$")


@route("POST", "/nodes/{node_id}/allocations", acl=("allocations", W))
def create_node_allocations(ctx: Ctx) -> web.StreamResponse:
    """15. ``POST /nodes/{id}/allocations`` (204)."""
    ctx.validate(
        [
            ("ip", "required|string"),
            ("alias", "sometimes|nullable|string|max:191"),
            ("ports", "required|array"),
            ("ports.*", "string"),
        ]
    )
    raw_ip = str(ctx.field("ip"))
    if "/" in raw_ip:
        mask = raw_ip.split("/", 1)[1]
        if not mask.isdigit() or not 25 <= int(mask) <= 32:
            raise display_error("CidrOutOfRangeException", "CIDR notation only allows masks between /25 and /32.")
    try:
        network = ipaddress.ip_network(raw_ip, strict=False)
    except ValueError as exc:
        raise display_error(
            "DisplayException", f"Could not parse provided allocation IP address ({raw_ip}): {exc}"
        ) from None
    ports: list[int] = []
    for raw in ctx.field("ports"):
        text = str(raw)
        match = _PORT_RANGE.match(text)
        if match:
            block = list(range(int(match.group(1)), int(match.group(2)) + 1))
            if len(block) > 1000:
                raise display_error(
                    "TooManyPortsInRangeException",
                    "Adding more than 1000 ports in a single range at once is not supported.",
                )
        elif text.isdigit():
            block = [int(text)]
        else:
            raise display_error(
                "InvalidPortMappingException",
                f"The mapping provided for {text} was invalid and could not be processed.",
            )
        for port in block:
            if port <= 1024 or port > 65535:
                raise display_error(
                    "PortOutOfRangeException",
                    "Ports in an allocation must be greater than 1024 and less than or equal to 65535.",
                )
        ports.extend(block)
    addresses = [str(network.network_address)] if network.num_addresses == 1 else [str(h) for h in network]
    for address in addresses:
        ctx.store.create_allocations(ctx.resolved["node"], address, ports, alias=ctx.field("alias"))
    return no_content()


@route("DELETE", "/nodes/{node_id}/allocations/{allocation_id}", acl=("allocations", W))
def delete_node_allocation(ctx: Ctx) -> web.StreamResponse:
    """16. ``DELETE /nodes/{id}/allocations/{allocation_id}``."""
    allocation = ctx.resolved["allocation"]
    if allocation.server_id is not None:
        raise display_error(
            "ServerUsingAllocationException", "You cannot delete an allocation that is currently assigned to a server."
        )
    del ctx.store.allocations[allocation.id]
    return no_content()


ROUTES: list[Route] = table.routes
