"""Application-API transformers: records into the ``attributes`` the application API sends, with their
``include`` relationships (users, allocations, locations, nodes, nests, eggs, databases, servers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from typing import Any

from . import _flavor_shapes as shapes
from ._client_transformers import feature_limits, server_limits
from ._envelope import JsonDict, include, item, list_of, null_resource
from ._state import (
    FakeAllocation,
    FakeDatabase,
    FakeDatabaseHost,
    FakeEgg,
    FakeEggVariable,
    FakeLocation,
    FakeNest,
    FakeNode,
    FakeServer,
    FakeSubuser,
    FakeUser,
)
from ._store import PanelStore
from ._timestamps import iso, raw_ts


# ================================================================================= application
def _relationships(includes: Iterable[str] | None, *specs: tuple[str, str, Callable[[], JsonDict]]) -> JsonDict:
    """``{name: relationship}`` for each ``(name, r_* resource, build)`` the request included (see
    :func:`~pyjexactyl.testing._envelope.include`)."""
    out: JsonDict = {}
    for name, resource, build in specs:
        value = include(includes, name, resource, build)
        if value is not None:
            out[name] = value
    return out


def with_relationships(kind: str, attributes: JsonDict, relationships: JsonDict) -> JsonDict:
    """``item(kind, attributes)``, with ``attributes.relationships`` only when an include added one."""
    if relationships:
        attributes["relationships"] = relationships
    return item(kind, attributes)


def app_user(store: PanelStore, user: FakeUser, includes: AbstractSet[str] | None = None) -> JsonDict:
    """Application ``user``."""
    attributes: JsonDict = {
        "id": user.id,
        "external_id": user.external_id,
        **({"discord_id": user.discord_id} if store.flavor == "jexactyl" else {}),
        "uuid": user.uuid,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language": user.language,
        "root_admin": user.root_admin,
        "2fa": user.totp_enabled,
        "created_at": iso(user.created_at),
        "updated_at": iso(user.updated_at),
    }
    servers = include(
        includes,
        "servers",
        "servers",
        lambda: list_of(app_server(store, s) for s in store.servers.values() if s.owner_id == user.id),
    )
    if servers is not None:
        attributes["relationships"] = {"servers": servers}
    role_id, role = store.admin_role(user)
    return item("user", shapes.app_user(store.flavor, user, attributes, role_id, role))


def app_allocation(store: PanelStore, allocation: FakeAllocation, includes: AbstractSet[str] | None = None) -> JsonDict:
    """Application ``allocation``."""
    attributes: JsonDict = {
        "id": allocation.id,
        "ip": allocation.ip,
        "alias": allocation.alias,
        "port": allocation.port,
        "notes": allocation.notes,
        "assigned": allocation.server_id is not None,
    }
    server = store.servers.get(allocation.server_id) if allocation.server_id is not None else None
    relationships = _relationships(
        includes,
        ("node", "nodes", lambda: app_node(store, store.nodes[allocation.node_id])),
        ("server", "servers", lambda: app_server(store, server) if server else null_resource()),
    )
    return with_relationships("allocation", attributes, relationships)


def app_location(store: PanelStore, location: FakeLocation, includes: AbstractSet[str] | None = None) -> JsonDict:
    """Application ``location``."""
    attributes: JsonDict = {
        "id": location.id,
        "short": location.short,
        "long": location.long,
        "updated_at": iso(location.updated_at),
        "created_at": iso(location.created_at),
    }
    nodes = [n for n in store.nodes.values() if n.location_id == location.id]
    node_ids = {n.id for n in nodes}
    relationships = _relationships(
        includes,
        ("nodes", "nodes", lambda: list_of(app_node(store, n) for n in nodes)),
        (
            "servers",
            "servers",
            lambda: list_of(app_server(store, s) for s in store.servers.values() if s.node_id in node_ids),
        ),
    )
    return with_relationships("location", attributes, relationships)


def node_usage(store: PanelStore, node: FakeNode) -> tuple[int, int]:
    """Memory and disk allocated to servers on ``node``."""
    servers = [s for s in store.servers.values() if s.node_id == node.id]
    return sum(s.memory for s in servers), sum(s.disk for s in servers)


def app_node(
    store: PanelStore, node: FakeNode, includes: AbstractSet[str] | None = None, *, sums: bool = False
) -> JsonDict:
    """Application ``node``."""
    memory, disk = node_usage(store, node)
    attributes: JsonDict = {
        "id": node.id,
        "uuid": node.uuid,
        "public": node.public,
        "name": node.name,
        "description": node.description,
        "location_id": node.location_id,
        "fqdn": node.fqdn,
        "scheme": node.scheme,
        "behind_proxy": node.behind_proxy,
        "maintenance_mode": node.maintenance_mode,
        "memory": node.memory,
        "memory_overallocate": node.memory_overallocate,
        "disk": node.disk,
        "disk_overallocate": node.disk_overallocate,
        "upload_size": node.upload_size,
        "daemon_listen": node.daemon_listen,
        "daemon_sftp": node.daemon_sftp,
        "daemon_base": node.daemon_base,
        "created_at": iso(node.created_at),
        "updated_at": iso(node.updated_at),
        "allocated_resources": {"memory": memory, "disk": disk},
    }
    if store.flavor == "jexactyl":
        attributes.update({"deployable": node.deployable, "deploy_fee": node.deploy_fee})
    if sums:
        attributes["sum_memory"] = memory
        attributes["sum_disk"] = disk
    location = store.locations.get(node.location_id)
    relationships = _relationships(
        includes,
        (
            "allocations",
            "allocations",
            lambda: list_of(app_allocation(store, a) for a in store.allocations.values() if a.node_id == node.id),
        ),
        ("location", "locations", lambda: app_location(store, location) if location else null_resource()),
        (
            "servers",
            "servers",
            lambda: list_of(app_server(store, s) for s in store.servers.values() if s.node_id == node.id),
        ),
    )
    return with_relationships("node", attributes, relationships)


def app_nest(store: PanelStore, nest: FakeNest, includes: AbstractSet[str] | None = None) -> JsonDict:
    """Application ``nest``."""
    attributes: JsonDict = {
        "id": nest.id,
        "uuid": nest.uuid,
        "author": nest.author,
        "name": nest.name,
        "description": nest.description,
        **({"private": nest.private} if store.flavor == "jexactyl" else {}),
        "created_at": iso(nest.created_at),
        "updated_at": iso(nest.updated_at),
    }
    relationships = _relationships(
        includes,
        ("eggs", "eggs", lambda: list_of(app_egg(store, e) for e in store.eggs.values() if e.nest_id == nest.id)),
        (
            "servers",
            "servers",
            lambda: list_of(app_server(store, s) for s in store.servers.values() if s.nest_id == nest.id),
        ),
    )
    return with_relationships("nest", attributes, relationships)


def app_egg_variable(variable: FakeEggVariable) -> JsonDict:
    """Application ``egg_variable`` (raw model columns)."""
    return item("egg_variable", _raw_variable(variable))


def _raw_variable(variable: FakeEggVariable) -> JsonDict:
    return {
        "id": variable.id,
        "egg_id": variable.egg_id,
        "name": variable.name,
        "description": variable.description,
        "env_variable": variable.env_variable,
        "default_value": variable.default_value,
        "user_viewable": variable.user_viewable,
        "user_editable": variable.user_editable,
        "rules": variable.rules,
        "created_at": raw_ts(variable.created_at),
        "updated_at": raw_ts(variable.updated_at),
    }


def app_egg(store: PanelStore, egg: FakeEgg, includes: AbstractSet[str] | None = None) -> JsonDict:
    """Application ``egg``."""
    config = {
        "files": egg.config_files,
        "startup": egg.config_startup,
        "stop": egg.config_stop,
        "logs": egg.config_logs,
        "file_denylist": list(egg.file_denylist),
        "extends": None,
    }
    script = {
        "privileged": egg.script_privileged,
        "install": egg.script_install,
        "entry": egg.script_entry,
        "container": egg.script_container,
        "extends": None,
    }
    attributes: JsonDict = {
        "id": egg.id,
        "uuid": egg.uuid,
        "name": egg.name,
        "nest": egg.nest_id,
        "author": egg.author,
        "description": egg.description,
        "docker_image": next(iter(egg.docker_images.values()), ""),
        "docker_images": dict(egg.docker_images),
        "config": config,
        "startup": egg.startup,
        "script": script,
        "created_at": iso(egg.created_at),
        "updated_at": iso(egg.updated_at),
    }
    nest = store.nests.get(egg.nest_id)
    relationships = _relationships(
        includes,
        ("nest", "nests", lambda: app_nest(store, nest) if nest else null_resource()),
        (
            "servers",
            "servers",
            lambda: list_of(app_server(store, s) for s in store.servers.values() if s.egg_id == egg.id),
        ),
        ("config", "eggs", null_resource),
        ("script", "eggs", null_resource),
        ("variables", "eggs", lambda: list_of(app_egg_variable(v) for v in egg.variables)),
    )
    return with_relationships("egg", shapes.app_egg(store.flavor, egg, attributes), relationships)


def app_subuser(value: FakeSubuser) -> JsonDict:
    """Application ``subuser``."""
    return item(
        "subuser",
        {
            "id": value.id,
            "user_id": value.user_id,
            "server_id": value.server_id,
            "permissions": list(value.permissions),
            "created_at": iso(value.created_at),
            "updated_at": iso(value.updated_at),
        },
    )


def app_database_host(host: FakeDatabaseHost) -> JsonDict:
    """Application ``database_host``."""
    return item(
        "database_host",
        {
            "id": host.id,
            "name": host.name,
            "host": host.host,
            "port": host.port,
            "username": host.username,
            "node": host.node_id,
            "created_at": iso(host.created_at),
            "updated_at": iso(host.updated_at),
        },
    )


def app_database(store: PanelStore, database: FakeDatabase, includes: AbstractSet[str] | None = None) -> JsonDict:
    """Application ``server_database``."""
    attributes: JsonDict = {
        "id": database.id,
        "server": database.server_id,
        "host": database.host_id,
        "database": database.database,
        "username": database.username,
        "remote": database.remote,
        "max_connections": database.max_connections,
        "created_at": iso(database.created_at),
        "updated_at": iso(database.updated_at),
    }
    host = store.database_hosts.get(database.host_id)
    relationships = _relationships(
        includes,
        ("password", "server_databases", lambda: item("database_password", {"password": database.password})),
        ("host", "database_hosts", lambda: app_database_host(host) if host else null_resource()),
    )
    return with_relationships("server_database", attributes, relationships)


def app_server(store: PanelStore, server: FakeServer, includes: AbstractSet[str] | None = None) -> JsonDict:
    """Application ``server``."""
    egg = store.eggs.get(server.egg_id)
    node = store.nodes.get(server.node_id)
    location = store.locations.get(node.location_id) if node else None
    environment: dict[str, Any] = {}
    for variable in egg.variables if egg else []:
        environment[variable.env_variable] = server.environment.get(variable.env_variable, variable.default_value)
    environment.update(
        {
            "STARTUP": server.startup,
            "P_SERVER_LOCATION": location.short if location else None,
            "P_SERVER_UUID": server.uuid,
            "P_SERVER_ALLOCATION_LIMIT": server.allocation_limit,
        }
    )
    attributes: JsonDict = {
        "id": server.id,
        "external_id": server.external_id,
        "uuid": server.uuid,
        "identifier": server.identifier,
        "name": server.name,
        "description": server.description or "",
        "status": server.status,
        "suspended": server.suspended,
        "limits": server_limits(server),
        "feature_limits": feature_limits(server),
        "user": server.owner_id,
        "node": server.node_id,
        "allocation": server.allocation_id,
        "nest": server.nest_id,
        "egg": server.egg_id,
        "container": {
            "startup_command": server.startup,
            "image": server.image,
            "installed": 0 if server.installing else 1,
            "environment": environment,
        },
        "updated_at": iso(server.updated_at),
        "created_at": iso(server.created_at),
    }
    owner = store.users.get(server.owner_id)
    nest = store.nests.get(server.nest_id)

    def variables() -> JsonDict:
        return list_of(
            item(
                "server_variable",
                {**_raw_variable(v), "server_value": server.environment.get(v.env_variable, v.default_value)},
            )
            for v in (egg.variables if egg else [])
        )

    relationships = _relationships(
        includes,
        (
            "allocations",
            "allocations",
            lambda: list_of(app_allocation(store, a) for a in store.server_allocations(server)),
        ),
        ("user", "users", lambda: app_user(store, owner) if owner else null_resource()),
        ("subusers", "users", lambda: list_of(app_subuser(s) for s in server.subusers)),
        ("nest", "nests", lambda: app_nest(store, nest) if nest else null_resource()),
        ("egg", "eggs", lambda: app_egg(store, egg) if egg else null_resource()),
        ("variables", "servers", variables),
        ("location", "locations", lambda: app_location(store, location) if location else null_resource()),
        ("node", "nodes", lambda: app_node(store, node) if node else null_resource()),
        ("databases", "server_databases", lambda: list_of(app_database(store, d) for d in server.databases)),
    )
    attributes = shapes.app_server(store.flavor, server, attributes)
    return with_relationships("server", attributes, relationships)
