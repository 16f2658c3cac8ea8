"""Turn records into the panel's ``attributes`` (client and application transformers)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import time
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from typing import Any

from . import _flavor_shapes as shapes
from ._envelope import JsonDict, include, item, list_of, null_resource
from ._state import (
    FakeActivity,
    FakeAllocation,
    FakeApiKey,
    FakeBackup,
    FakeDatabase,
    FakeDatabaseHost,
    FakeEgg,
    FakeEggVariable,
    FakeFile,
    FakeLocation,
    FakeNest,
    FakeNode,
    FakeSchedule,
    FakeServer,
    FakeSSHKey,
    FakeSubuser,
    FakeTask,
    FakeUser,
)
from ._store import PanelStore

__all__ = ["iso", "raw_ts"]


def iso(value: _dt.datetime | None) -> str | None:
    """Carbon ``toAtomString`` in UTC: ``2024-05-01T12:00:00+00:00``."""
    if value is None:
        return None
    return value.astimezone(_dt.UTC).replace(microsecond=0).isoformat()


def raw_ts(value: _dt.datetime | None) -> str | None:
    """Laravel's model JSON date format: ``2024-05-01T12:00:00.000000Z``."""
    if value is None:
        return None
    return value.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ====================================================================================== client
def client_account(user: FakeUser, flavor: str = "pterodactyl") -> JsonDict:
    """``GET /account``."""
    attributes = {
        "id": user.id,
        "admin": user.root_admin,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language": user.language,
    }
    return item("user", shapes.client_account(flavor, user, attributes))


def client_nested_user(user: FakeUser) -> JsonDict:
    """The nested client ``user`` (activity actor, subuser)."""
    return {
        "uuid": user.uuid,
        "username": user.username,
        "email": user.email,
        "image": user.image,
        "2fa_enabled": user.totp_enabled,
        "created_at": iso(user.created_at),
    }


def client_subuser(store: PanelStore, subuser: FakeSubuser) -> JsonDict:
    """``server_subuser``."""
    user = store.users[subuser.user_id]
    return item("server_subuser", {**client_nested_user(user), "permissions": list(subuser.permissions)})


def client_allocation(allocation: FakeAllocation, server: FakeServer, *, hide_notes: bool = False) -> JsonDict:
    """Client ``allocation``."""
    return item(
        "allocation",
        {
            "id": allocation.id,
            "ip": allocation.ip,
            "ip_alias": allocation.alias,
            "port": allocation.port,
            "notes": None if hide_notes else allocation.notes,
            "is_default": allocation.id == server.allocation_id,
        },
    )


def client_variable(variable: FakeEggVariable, server: FakeServer) -> JsonDict:
    """Client ``egg_variable`` with the server's value."""
    return item(
        "egg_variable",
        {
            "name": variable.name,
            "description": variable.description,
            "env_variable": variable.env_variable,
            "default_value": variable.default_value,
            "server_value": server.environment.get(variable.env_variable, variable.default_value),
            "is_editable": variable.user_editable,
            "rules": variable.rules,
        },
    )


def render_startup(store: PanelStore, server: FakeServer, *, hide: bool) -> str:
    """The startup command with variables substituted (``[hidden]`` where the user may not see them)."""
    egg = store.eggs.get(server.egg_id)
    command = server.startup
    allocation = store.allocations.get(server.allocation_id or -1)
    command = command.replace("{{SERVER_MEMORY}}", str(server.memory))
    if allocation is not None:
        command = command.replace("{{SERVER_IP}}", allocation.ip).replace("{{SERVER_PORT}}", str(allocation.port))
    for variable in egg.variables if egg else []:
        value = server.environment.get(variable.env_variable, variable.default_value) or ""
        if hide or not variable.user_viewable:
            value = "[hidden]"
        command = command.replace("{{" + variable.env_variable + "}}", value)
        command = command.replace("{{env." + variable.env_variable + "}}", value)
    return command


def server_limits(server: FakeServer) -> JsonDict:
    """The server's ``limits`` (the same object in the client and the application API)."""
    return {
        "memory": server.memory,
        "swap": server.swap,
        "disk": server.disk,
        "io": server.io,
        "cpu": server.cpu,
        "threads": server.threads,
        "oom_disabled": server.oom_disabled,
    }


def feature_limits(server: FakeServer) -> JsonDict:
    """The server's ``feature_limits`` (the same object in the client and the application API)."""
    return {
        "databases": server.database_limit,
        "allocations": server.allocation_limit,
        "backups": server.backup_limit,
    }


def client_server(store: PanelStore, server: FakeServer, user: FakeUser, includes: AbstractSet[str]) -> JsonDict:
    """Client ``server`` with the default ``allocations`` and ``variables`` relationships."""
    node = store.nodes[server.node_id]
    egg = store.eggs.get(server.egg_id)
    can_startup = store.has_permission(user, server, "startup.read")
    attributes: JsonDict = {
        "server_owner": server.owner_id == user.id,
        "identifier": server.identifier,
        "internal_id": server.id,
        "uuid": server.uuid,
        "name": server.name,
        "node": node.name,
        "is_node_under_maintenance": node.maintenance_mode,
        "sftp_details": {"ip": node.fqdn, "port": node.daemon_sftp},
        "description": server.description or "",
        "limits": server_limits(server),
        "invocation": render_startup(store, server, hide=not can_startup),
        "docker_image": server.image,
        "egg_features": list(egg.features) if egg and egg.features is not None else None,
        "feature_limits": feature_limits(server),
        "status": server.status,
        "is_suspended": server.suspended,
        "is_installing": server.status in ("installing", "install_failed"),
        "is_transferring": server.transferring,
    }
    if store.flavor == "jexactyl":
        attributes.update({"renewable": server.renewable, "renewal": server.renewal, "bg": server.bg})
    relationships: JsonDict = {}
    if store.has_permission(user, server, "allocation.read"):
        allocations = [client_allocation(a, server) for a in store.server_allocations(server)]
    else:
        primary = store.allocations.get(server.allocation_id or -1)
        allocations = [client_allocation(primary, server, hide_notes=True)] if primary else []
    relationships["allocations"] = list_of(allocations)
    if can_startup and egg is not None:
        relationships["variables"] = list_of(client_variable(v, server) for v in egg.variables if v.user_viewable)
    else:
        relationships["variables"] = null_resource()
    if "egg" in includes:
        if egg is None:
            relationships["egg"] = null_resource()
        elif store.flavor == "jexactyl":  # Jexactyl v3's client egg transformer dropped the uuid
            relationships["egg"] = item("egg", {"name": egg.name})
        else:
            relationships["egg"] = item("egg", {"uuid": egg.uuid, "name": egg.name})
    if "subusers" in includes:
        if store.has_permission(user, server, "user.read"):
            relationships["subusers"] = list_of(client_subuser(store, s) for s in server.subusers)
        else:
            relationships["subusers"] = null_resource()
    attributes["relationships"] = relationships
    return item("server", shapes.client_server(store.flavor, server, egg, attributes))


def resource_usage(server: FakeServer) -> JsonDict:
    """The simulated Wings utilisation of ``server`` (shared by ``/resources`` and websocket ``stats``).

    Keys: ``memory_bytes``, ``memory_limit_bytes``, ``cpu_absolute``, ``disk_bytes``, ``network_rx_bytes``,
    ``network_tx_bytes``, ``uptime`` (ms); all 0 but the disk and the limit while offline.
    """
    state = server.state
    uptime_ms = 0
    if state in ("running", "stopping") and server.started_monotonic is not None:
        uptime_ms = int((time.monotonic() - server.started_monotonic) * 1000)
    limit_bytes = max(server.memory, 256) * 1024 * 1024
    if state == "running":
        memory = int(limit_bytes * 0.4)
        cpu = round(min(max(server.cpu, 100), 400) * 0.37524, 3)
        rx = 10254822 + uptime_ms * 3
        tx = 3451882 + uptime_ms
        uptime_ms = max(uptime_ms, 1)
    elif state in ("starting", "stopping"):
        memory = int(limit_bytes * 0.15)
        cpu = round(min(max(server.cpu, 100), 400) * 0.9, 3)
        rx = 1024
        tx = 512
    else:
        memory, cpu, rx, tx, uptime_ms = 0, 0, 0, 0, 0
    return {
        "memory_bytes": memory,
        "memory_limit_bytes": limit_bytes,
        "cpu_absolute": cpu,
        "disk_bytes": server.disk_bytes,
        "network_rx_bytes": rx,
        "network_tx_bytes": tx,
        "uptime": uptime_ms,
    }


def stats(server: FakeServer) -> JsonDict:
    """``stats`` for ``/resources``, derived from the simulated power state."""
    usage = resource_usage(server)
    return item(
        "stats",
        {
            "current_state": server.state,
            "is_suspended": server.suspended,
            "resources": {
                "memory_bytes": usage["memory_bytes"],
                "cpu_absolute": usage["cpu_absolute"],
                "disk_bytes": usage["disk_bytes"],
                "network_rx_bytes": usage["network_rx_bytes"],
                "network_tx_bytes": usage["network_tx_bytes"],
                "uptime": usage["uptime"],
            },
        },
    )


def backup(value: FakeBackup) -> JsonDict:
    """``backup``."""
    return item(
        "backup",
        {
            "uuid": value.uuid,
            "is_successful": value.is_successful,
            "is_locked": value.is_locked,
            "name": value.name,
            "ignored_files": list(value.ignored_files),
            "checksum": value.checksum,
            "bytes": value.bytes,
            "created_at": iso(value.created_at),
            "completed_at": iso(value.completed_at),
        },
    )


def client_database(store: PanelStore, database: FakeDatabase, *, password: bool | None) -> JsonDict:
    """Client ``server_database``; ``password`` True/False adds the relation (False = null resource)."""
    host = store.database_hosts.get(database.host_id)
    attributes: JsonDict = {
        "id": database.hashid,
        "host": {"address": host.host if host else "", "port": host.port if host else 3306},
        "name": database.database,
        "username": database.username,
        "connections_from": database.remote,
        "max_connections": database.max_connections,
    }
    if password is not None:
        attributes["relationships"] = {
            "password": item("database_password", {"password": database.password}) if password else null_resource()
        }
    return item("server_database", attributes)


def _mode_string(entry: FakeFile) -> str:
    bits = int(entry.mode, 8) if entry.mode.isdigit() else 0o644
    chars = "d" if entry.is_dir else "-"
    for shift in (6, 3, 0):
        part = (bits >> shift) & 7
        chars += ("r" if part & 4 else "-") + ("w" if part & 2 else "-") + ("x" if part & 1 else "-")
    return chars


def _mimetype(entry: FakeFile) -> str:
    if entry.is_dir:
        return "inode/directory"
    name = entry.name.lower()
    for suffix, mime in (
        (".jar", "application/java-archive"),
        (".tar.gz", "application/gzip"),
        (".gz", "application/gzip"),
        (".zip", "application/zip"),
        (".json", "application/json"),
    ):
        if name.endswith(suffix):
            return mime
    return "text/plain"


def file_object(entry: FakeFile) -> JsonDict:
    """``file_object``."""
    return item(
        "file_object",
        {
            "name": entry.name,
            "mode": _mode_string(entry),
            "mode_bits": entry.mode,
            "size": 4096 if entry.is_dir else len(entry.content),
            "is_file": not entry.is_dir,
            "is_symlink": False,
            "mimetype": _mimetype(entry),
            "created_at": iso(entry.created_at),
            "modified_at": iso(entry.modified_at),
        },
    )


def task(value: FakeTask) -> JsonDict:
    """``schedule_task``."""
    return item(
        "schedule_task",
        {
            "id": value.id,
            "sequence_id": value.sequence_id,
            "action": value.action,
            "payload": value.payload,
            "time_offset": value.time_offset,
            "is_queued": value.is_queued,
            "continue_on_failure": value.continue_on_failure,
            "created_at": iso(value.created_at),
            "updated_at": iso(value.updated_at),
        },
    )


def schedule(value: FakeSchedule) -> JsonDict:
    """``server_schedule`` (always with ``relationships.tasks``)."""
    return item(
        "server_schedule",
        {
            "id": value.id,
            "name": value.name,
            "cron": {
                "day_of_week": value.day_of_week,
                "day_of_month": value.day_of_month,
                "month": value.month,
                "hour": value.hour,
                "minute": value.minute,
            },
            "is_active": value.is_active,
            "is_processing": value.is_processing,
            "only_when_online": value.only_when_online,
            "last_run_at": iso(value.last_run_at),
            "next_run_at": iso(value.next_run_at),
            "created_at": iso(value.created_at),
            "updated_at": iso(value.updated_at),
            "relationships": {"tasks": list_of(task(t) for t in sorted(value.tasks, key=lambda t: t.sequence_id))},
        },
    )


def api_key(value: FakeApiKey) -> JsonDict:
    """``api_key``."""
    return item(
        "api_key",
        {
            "identifier": value.identifier,
            "description": value.description,
            "allowed_ips": list(value.allowed_ips),
            "last_used_at": iso(value.last_used_at),
            "created_at": iso(value.created_at),
        },
    )


def ssh_key(value: FakeSSHKey) -> JsonDict:
    """``ssh_key``."""
    return item(
        "ssh_key",
        {
            "name": value.name,
            "fingerprint": value.fingerprint,
            "public_key": value.public_key,
            "created_at": iso(value.created_at),
        },
    )


def activity(store: PanelStore, entry: FakeActivity, viewer: FakeUser, include_actor: bool) -> JsonDict:
    """``activity_log``."""
    properties: dict[str, Any] = {}
    for key, value in entry.properties.items():
        properties[key] = value
        if isinstance(value, list):
            properties[f"{key}_count"] = len(value)
    actor = store.users.get(entry.actor_id) if entry.actor_id is not None else None
    show_ip = viewer.root_admin or entry.actor_id == viewer.id
    attributes: JsonDict = {
        "id": entry.id,
        "batch": entry.batch,
        "event": entry.event,
        "is_api": entry.is_api,
        "ip": entry.ip if show_ip else None,
        "description": entry.description,
        "properties": properties,
        "has_additional_metadata": False,
        "timestamp": iso(entry.timestamp),
    }
    if include_actor:
        attributes["relationships"] = {"actor": item("user", client_nested_user(actor)) if actor else null_resource()}
    return item("activity_log", attributes)


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


def activity_id(seed: str) -> str:
    """A sha1 activity id."""
    return hashlib.sha1(seed.encode()).hexdigest()
