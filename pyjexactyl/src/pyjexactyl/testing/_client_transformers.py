"""Client-API transformers: records into the ``attributes`` the client API sends (account, server,
resources, backups, databases, files, schedules, keys, activity)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Set as AbstractSet
from typing import Any

from . import _flavor_shapes as shapes
from ._envelope import JsonDict, item, list_of, null_resource
from ._state import (
    FakeActivity,
    FakeAllocation,
    FakeApiKey,
    FakeBackup,
    FakeDatabase,
    FakeEggVariable,
    FakeFile,
    FakeSchedule,
    FakeServer,
    FakeSSHKey,
    FakeSubuser,
    FakeTask,
    FakeUser,
)
from ._store import PanelStore
from ._timestamps import iso


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


def activity_id(seed: str) -> str:
    """A sha1 activity id."""
    return hashlib.sha1(seed.encode()).hexdigest()
