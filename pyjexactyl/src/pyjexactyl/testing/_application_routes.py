"""The 42 application-API routes (``/api/application``, §7 of the contract)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar

from aiohttp import web

from . import _transformers as t
from ._envelope import (
    BINDING_MISS,
    GENERIC_500,
    JsonDict,
    PanelError,
    conflict,
    display_error,
    forbidden,
    list_of,
    not_found,
    paginate,
)
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import FakeAllocation, FakeEgg, FakeNode, FakeServer, FakeUser, utcnow
from ._store import PanelStore
from ._validation import check, parse_rules, validate
from ._wings import finish_install, power

__all__ = ["ROUTES", "application_prelude"]

table = RouteTable("application", "/api/application")
route = table.route

R, W = 1, 2
T = TypeVar("T")

NO_VIABLE_NODE = "No nodes satisfying the requirements specified for automatic deployment could be found."
NO_VIABLE_ALLOCATION = "No allocations satisfying the requirements for automatic deployment on this node were found."


# ===================================================================================== prelude
def _lookup(mapping: dict[int, T], value: str) -> T:
    found = mapping.get(int(value)) if value.isdigit() else None
    if found is None:
        raise not_found(BINDING_MISS)
    return found


def application_prelude(ctx: Ctx, spec: Route) -> None:
    """Route-model bindings (404) then the application key's ``r_*`` ACL (403)."""
    store, params = ctx.store, ctx.params
    if "user_id" in params:
        ctx.resolved["user"] = _lookup(store.users, params["user_id"])
    if "location_id" in params:
        ctx.resolved["location"] = _lookup(store.locations, params["location_id"])
    if "node_id" in params:
        ctx.resolved["node"] = _lookup(store.nodes, params["node_id"])
    if "allocation_id" in params:
        allocation = _lookup(store.allocations, params["allocation_id"])
        if allocation.node_id != ctx.resolved["node"].id:
            raise not_found(BINDING_MISS)
        ctx.resolved["allocation"] = allocation
    if "server_id" in params:
        ctx.resolved["server"] = _lookup(store.servers, params["server_id"])
    if "database_id" in params:
        server = ctx.resolved["server"]
        value = params["database_id"]
        database = next((d for d in server.databases if value.isdigit() and d.id == int(value)), None)
        if database is None:
            raise not_found(BINDING_MISS)
        ctx.resolved["database"] = database
    if "nest_id" in params:
        ctx.resolved["nest"] = _lookup(store.nests, params["nest_id"])
    if "egg_id" in params:
        egg = _lookup(store.eggs, params["egg_id"])
        if egg.nest_id != ctx.resolved["nest"].id:
            raise not_found(BINDING_MISS)
        ctx.resolved["egg"] = egg
    if spec.acl is not None and ctx.key.kind == "application":
        resource, bit = spec.acl
        if not ctx.key.permissions.get(f"r_{resource}", 0) & bit:
            raise forbidden()


def _list(
    ctx: Ctx,
    rows: Sequence[T],
    transform: Callable[[T], JsonDict],
) -> web.StreamResponse:
    page, per_page = ctx.page_params(50, None)
    return json_response(paginate(rows, transform, page=page, per_page=per_page, base_url=ctx.base_url, query=None))


def _list_including(
    ctx: Ctx,
    rows: Sequence[T],
    transform: Callable[[PanelStore, T, AbstractSet[str]], JsonDict],
    includes: AbstractSet[str] | None = None,
) -> web.StreamResponse:
    """:func:`_list` of ``rows`` transformed with the request's ``include`` names (or ``includes``)."""
    names = ctx.includes() if includes is None else includes
    return _list(ctx, rows, lambda row: transform(ctx.store, row, names))


def _filtered(
    ctx: Ctx,
    rows: list[T],
    allowed: dict[str, Callable[[T], Any]],
    sorts: dict[str, Callable[[T], Any]],
    *,
    exact: Sequence[str] = (),
) -> list[T]:
    filters = ctx.check_filters(list(allowed))
    for name, value in filters.items():
        getter = allowed[name]
        if name in exact:
            rows = [r for r in rows if str(getter(r)) == value]
        else:
            needle = value.lower()
            rows = [r for r in rows if needle in str(getter(r) if getter(r) is not None else "").lower()]
    sort = ctx.sort_key(list(sorts))
    if sort is not None:
        name, descending = sort
        rows = sorted(rows, key=sorts[name], reverse=descending)
    return rows


def _created(ctx: Ctx, body: JsonDict, path: str) -> web.StreamResponse:
    body["meta"] = {"resource": f"{ctx.runtime.url}/api/application/{path}"}
    return json_response(body, status=201)


# ======================================================================================= users
def _user_rules(ctx: Ctx, ignore: FakeUser | None) -> list[tuple[str, Any]]:
    store = ctx.store

    def unique_email(value: Any) -> bool:
        other = store.user_by_email(str(value))
        return other is None or other is ignore

    def unique_username(value: Any) -> bool:
        lowered = str(value).lower()
        return all(u.username.lower() != lowered or u is ignore for u in store.users.values())

    def unique_external(value: Any) -> bool:
        return all(u.external_id != str(value) or u is ignore for u in store.users.values())

    username_rule = check(
        "p_username",
        lambda v: re.fullmatch(r"[a-z0-9]([\w.-]+)[a-z0-9]", str(v).lower()) is not None,
        "The :attribute must start and end with alpha-numeric characters and contain only letters, numbers, "
        "dashes, underscores, and periods.",
    )
    return [
        ("email", ["required", "email", "between:1,191", check("unique", unique_email)]),
        ("external_id", ["sometimes", "nullable", "string", "max:191", check("unique", unique_external)]),
        ("username", ["required", "between:1,191", check("unique", unique_username), username_rule]),
        ("password", "sometimes|nullable|string"),
        ("language", "string"),
        ("root_admin", "boolean"),
        ("first_name", "required|string|between:1,191"),
        ("last_name", "required|string|between:1,191"),
    ]


def _apply_user(ctx: Ctx, user: FakeUser) -> None:
    user.email = str(ctx.field("email")).lower()
    user.username = str(ctx.field("username")).lower()
    user.first_name = str(ctx.field("first_name"))
    user.last_name = str(ctx.field("last_name"))
    if ctx.has("external_id"):
        user.external_id = None if ctx.field("external_id") is None else str(ctx.field("external_id"))
    if ctx.field("password"):
        user.password = str(ctx.field("password"))
    if ctx.has("language") and ctx.field("language"):
        user.language = str(ctx.field("language"))
    if ctx.has("root_admin"):
        user.root_admin = ctx.field("root_admin") in (True, 1, "1")
    user.updated_at = utcnow()


@route("GET", "/users", acl=("users", R))
def list_users(ctx: Ctx) -> web.StreamResponse:
    """1. ``GET /users``."""
    rows = _filtered(
        ctx,
        list(ctx.store.users.values()),
        {
            "email": lambda u: u.email,
            "uuid": lambda u: u.uuid,
            "username": lambda u: u.username,
            "external_id": lambda u: u.external_id,
        },
        {"id": lambda u: u.id, "uuid": lambda u: u.uuid},
    )
    return _list_including(ctx, rows, t.app_user)


@route("GET", "/users/external/{external_id}", acl=("users", R))
def user_by_external_id(ctx: Ctx) -> web.StreamResponse:
    """3. ``GET /users/external/{external_id}``."""
    value = ctx.params["external_id"]
    user = next((u for u in ctx.store.users.values() if u.external_id == value), None)
    if user is None:
        raise not_found()
    return json_response(t.app_user(ctx.store, user, ctx.includes()))


@route("GET", "/users/{user_id}", acl=("users", R))
def get_user(ctx: Ctx) -> web.StreamResponse:
    """2. ``GET /users/{id}``."""
    return json_response(t.app_user(ctx.store, ctx.resolved["user"], ctx.includes()))


@route("POST", "/users", acl=("users", W))
def create_user(ctx: Ctx) -> web.StreamResponse:
    """4. ``POST /users`` (201 + ``meta.resource``)."""
    ctx.validate(_user_rules(ctx, None))
    store = ctx.store
    user = store.create_user(str(ctx.field("username")).lower(), str(ctx.field("email")).lower())
    if not ctx.field("password"):
        user.password = store.random_string(32)
    _apply_user(ctx, user)
    return _created(ctx, t.app_user(store, user), f"users/{user.id}")


@route("PATCH", "/users/{user_id}", acl=("users", W))
def update_user(ctx: Ctx) -> web.StreamResponse:
    """5. ``PATCH /users/{id}`` (the full object is required)."""
    user = ctx.resolved["user"]
    ctx.validate(_user_rules(ctx, user))
    _apply_user(ctx, user)
    return json_response(t.app_user(ctx.store, user))


@route("DELETE", "/users/{user_id}", acl=("users", W))
def delete_user(ctx: Ctx) -> web.StreamResponse:
    """6. ``DELETE /users/{id}``."""
    store, user = ctx.store, ctx.resolved["user"]
    if any(s.owner_id == user.id for s in store.servers.values()):
        raise display_error(
            "DisplayException",
            "Cannot delete a user with active servers attached to their account. Please delete their servers "
            "before continuing.",
        )
    for server in store.servers.values():
        server.subusers[:] = [s for s in server.subusers if s.user_id != user.id]
    for identifier in [k for k, v in store.api_keys.items() if v.user_id == user.id]:
        del store.api_keys[identifier]
    store.ssh_keys[:] = [k for k in store.ssh_keys if k.user_id != user.id]
    del store.users[user.id]
    return no_content()


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


# =================================================================================== locations
def _location_rules(ctx: Ctx, ignore: Any) -> list[tuple[str, Any]]:
    def unique(value: Any) -> bool:
        return all(loc.short != str(value) or loc is ignore for loc in ctx.store.locations.values())

    return [
        ("short", ["required", "string", "between:1,60", check("unique", unique)]),
        ("long", "string|nullable|between:1,191"),
    ]


@route("GET", "/locations", acl=("locations", R))
def list_locations(ctx: Ctx) -> web.StreamResponse:
    """17. ``GET /locations``."""
    rows = _filtered(
        ctx,
        list(ctx.store.locations.values()),
        {"short": lambda loc: loc.short, "long": lambda loc: loc.long},
        {"id": lambda loc: loc.id},
    )
    return _list_including(ctx, rows, t.app_location)


@route("GET", "/locations/{location_id}", acl=("locations", R))
def get_location(ctx: Ctx) -> web.StreamResponse:
    """18. ``GET /locations/{id}``."""
    return json_response(t.app_location(ctx.store, ctx.resolved["location"], ctx.includes()))


@route("POST", "/locations", acl=("locations", W))
def create_location(ctx: Ctx) -> web.StreamResponse:
    """19. ``POST /locations`` (201 + ``meta.resource``)."""
    ctx.validate(_location_rules(ctx, None))
    location = ctx.store.create_location(str(ctx.field("short")), ctx.field("long"))
    return _created(ctx, t.app_location(ctx.store, location), f"locations/{location.id}")


@route("PATCH", "/locations/{location_id}", acl=("locations", W))
def update_location(ctx: Ctx) -> web.StreamResponse:
    """20. ``PATCH /locations/{id}``."""
    location = ctx.resolved["location"]
    ctx.validate(_location_rules(ctx, location))
    location.short = str(ctx.field("short"))
    if ctx.has("long"):
        location.long = ctx.field("long")
    location.updated_at = utcnow()
    return json_response(t.app_location(ctx.store, location))


@route("DELETE", "/locations/{location_id}", acl=("locations", W))
def delete_location(ctx: Ctx) -> web.StreamResponse:
    """21. ``DELETE /locations/{id}``."""
    location = ctx.resolved["location"]
    if any(n.location_id == location.id for n in ctx.store.nodes.values()):
        raise display_error("HasActiveNodesException", "Cannot delete a location that has active nodes attached to it.")
    del ctx.store.locations[location.id]
    return no_content()


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


# ======================================================================================= nests
@route("GET", "/nests", acl=("nests", R))
def list_nests(ctx: Ctx) -> web.StreamResponse:
    """39. ``GET /nests``."""
    return _list_including(ctx, list(ctx.store.nests.values()), t.app_nest)


@route("GET", "/nests/{nest_id}", acl=("nests", R))
def get_nest(ctx: Ctx) -> web.StreamResponse:
    """40. ``GET /nests/{id}``."""
    return json_response(t.app_nest(ctx.store, ctx.resolved["nest"], ctx.includes()))


@route("GET", "/nests/{nest_id}/eggs", acl=("eggs", R))
def list_eggs(ctx: Ctx) -> web.StreamResponse:
    """41. ``GET /nests/{id}/eggs`` (unpaginated)."""
    nest, includes = ctx.resolved["nest"], ctx.includes()
    return json_response(
        list_of(t.app_egg(ctx.store, e, includes) for e in ctx.store.eggs.values() if e.nest_id == nest.id)
    )


@route("GET", "/nests/{nest_id}/eggs/{egg_id}", acl=("eggs", R))
def get_egg(ctx: Ctx) -> web.StreamResponse:
    """42. ``GET /nests/{id}/eggs/{egg_id}``."""
    return json_response(t.app_egg(ctx.store, ctx.resolved["egg"], ctx.includes()))


ROUTES: list[Route] = table.routes
