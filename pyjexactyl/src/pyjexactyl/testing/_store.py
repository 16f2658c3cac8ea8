"""The fake panel's in-memory database: collections of records, id counters and lookups."""

from __future__ import annotations

import hashlib
import hmac
import random
import string
import threading
import time
import uuid as _uuid
from collections.abc import Callable, Iterable
from typing import Any

from ._jexactyl_state import JexactylData
from ._pelican_state import PelicanData
from ._state import (
    APPLICATION_RESOURCES,
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
    FakeUser,
    utcnow,
)
from ._validation import check_rule_string

__all__ = ["ALL_PERMISSIONS", "PERMISSION_CATALOGUE", "PanelStore"]

_ALNUM = string.ascii_letters + string.digits

#: ``(client, application)`` key prefixes by flavor (Pelican renamed them).
KEY_PREFIXES: dict[str, tuple[str, str]] = {
    "pterodactyl": ("ptlc_", "ptla_"),
    "jexactyl": ("ptlc_", "ptla_"),
    "jexactyl4": ("ptlc_", "ptla_"),
    "pelican": ("pacc_", "papp_"),
}

PERMISSION_CATALOGUE: dict[str, dict[str, Any]] = {
    "websocket": {
        "description": "Allows the user to connect to the server websocket, giving them access to view console "
        "output and realtime server stats.",
        "keys": {
            "connect": "Allows a user to connect to the websocket instance for a server to stream the console.",
        },
    },
    "control": {
        "description": "Permissions that control a user's ability to control the power state of a server, or "
        "send commands.",
        "keys": {
            "console": "Allows a user to send commands to the server instance via the console.",
            "start": "Allows a user to start the server if it is stopped.",
            "stop": "Allows a user to stop a server if it is running.",
            "restart": "Allows a user to perform a server restart. This allows them to start the server if it "
            "is offline, but not put the server in a completely stopped state.",
        },
    },
    "user": {
        "description": "Permissions that allow a user to manage other subusers on a server. They will never be "
        "able to edit their own account, or assign permissions they do not have themselves.",
        "keys": {
            "create": "Allows a user to create new subusers for the server.",
            "read": "Allows the user to view subusers and their permissions for the server.",
            "update": "Allows a user to modify other subusers.",
            "delete": "Allows a user to delete a subuser from the server.",
        },
    },
    "file": {
        "description": "Permissions that control a user's ability to modify the filesystem for this server.",
        "keys": {
            "create": "Allows a user to create additional files and folders via the Panel or direct upload.",
            "read": "Allows a user to view the contents of a directory, but not view the contents of or "
            "download files.",
            "read-content": "Allows a user to view the contents of a given file. This will also allow the user "
            "to download files.",
            "update": "Allows a user to update the contents of an existing file or directory.",
            "delete": "Allows a user to delete files or directories.",
            "archive": "Allows a user to archive the contents of a directory as well as decompress existing "
            "archives on the system.",
            "sftp": "Allows a user to connect to SFTP and manage server files using the other assigned file "
            "permissions.",
        },
    },
    "backup": {
        "description": "Permissions that control a user's ability to generate and manage server backups.",
        "keys": {
            "create": "Allows a user to create new backups for this server.",
            "read": "Allows a user to view all backups that exist for this server.",
            "delete": "Allows a user to remove backups from the system.",
            "download": "Allows a user to download a backup for the server. Danger: this allows a user to "
            "access all files for the server in the backup.",
            "restore": "Allows a user to restore a backup for the server. Danger: this allows the user to "
            "delete all of the server files in the process.",
        },
    },
    "allocation": {
        "description": "Permissions that control a user's ability to modify the port allocations for this server.",
        "keys": {
            "read": "Allows a user to view all allocations currently assigned to this server. Users with any "
            "level of access to this server can always view the primary allocation.",
            "create": "Allows a user to assign additional allocations to the server.",
            "update": "Allows a user to change the primary server allocation and attach notes to each allocation.",
            "delete": "Allows a user to delete an allocation from the server.",
        },
    },
    "startup": {
        "description": "Permissions that control a user's ability to view this server's startup parameters.",
        "keys": {
            "read": "Allows a user to view the startup variables for a server.",
            "update": "Allows a user to modify the startup variables for the server.",
            "docker-image": "Allows a user to modify the Docker image used when running the server.",
        },
    },
    "database": {
        "description": "Permissions that control a user's access to the database management for this server.",
        "keys": {
            "create": "Allows a user to create a new database for this server.",
            "read": "Allows a user to view the database associated with this server.",
            "update": "Allows a user to rotate the password on a database instance. If the user does not have "
            "the view_password permission they will not see the updated password.",
            "delete": "Allows a user to remove a database instance from this server.",
            "view_password": "Allows a user to view the password associated with a database instance for this server.",
        },
    },
    "schedule": {
        "description": "Permissions that control a user's access to the schedule management for this server.",
        "keys": {
            "create": "Allows a user to create new schedules for this server.",
            "read": "Allows a user to view schedules and the tasks associated with them for this server.",
            "update": "Allows a user to update schedules and schedule tasks for this server.",
            "delete": "Allows a user to delete schedules for this server.",
        },
    },
    "settings": {
        "description": "Permissions that control a user's access to the settings for this server.",
        "keys": {
            "rename": "Allows a user to rename this server and change the description of it.",
            "reinstall": "Allows a user to trigger a reinstall of this server.",
        },
    },
    "activity": {
        "description": "Permissions that control a user's access to the server activity logs.",
        "keys": {"read": "Allows a user to view the activity logs for the server."},
    },
}

#: Every subuser permission string (``group.key``).
ALL_PERMISSIONS: tuple[str, ...] = tuple(
    f"{group}.{key}" for group, spec in PERMISSION_CATALOGUE.items() for key in spec["keys"]
)

ADMIN_PERMISSIONS = ["*", "admin.websocket.errors", "admin.websocket.install", "admin.websocket.transfer"]


def default_files() -> dict[str, FakeFile]:
    """The small file tree every new server starts with."""
    entries = [
        FakeFile("/logs", is_dir=True, mode="755"),
        FakeFile("/plugins", is_dir=True, mode="755"),
        FakeFile("/logs/latest.log", content=b"[12:00:00 INFO]: Starting minecraft server\n"),
        FakeFile("/eula.txt", content=b"eula=true\n"),
        FakeFile("/server.properties", content=b"motd=A Minecraft Server\nserver-port=25565\nmax-players=20\n"),
        FakeFile("/server.jar", content=b"PK\x03\x04fake-jar", mode="644"),
    ]
    return {entry.path: entry for entry in entries}


class PanelStore:
    """All records of one fake panel plus the helpers that create and find them.

    Every access from a request handler or from the public :class:`FakePanel` API happens under
    :attr:`lock`, so tests may change state from another thread while the server runs.
    """

    def __init__(self, *, rng_seed: int | None = 0x5EED, flavor: str = "pterodactyl") -> None:
        self.lock = threading.RLock()
        #: Which panel the fake plays: ``pterodactyl``, ``jexactyl``, ``jexactyl4`` or ``pelican``.
        self.flavor = flavor
        #: Jexactyl v3's own records (settings, tickets, referral codes, coupons...).
        self.jexactyl = JexactylData()
        #: Pelican's own records (roles, mounts, plugins, transfers).
        self.pelican = PelicanData()
        #: attached to every server as ``FakeServer._on_state`` (set by the fake Wings)
        self.state_listener: Callable[[FakeServer, str, str], None] | None = None
        self.rng = random.Random(rng_seed)
        self._ids: dict[str, int] = {}
        self.users: dict[int, FakeUser] = {}
        self.api_keys: dict[str, FakeApiKey] = {}
        self.locations: dict[int, FakeLocation] = {}
        self.nodes: dict[int, FakeNode] = {}
        self.allocations: dict[int, FakeAllocation] = {}
        self.nests: dict[int, FakeNest] = {}
        self.eggs: dict[int, FakeEgg] = {}
        self.servers: dict[int, FakeServer] = {}
        self.database_hosts: dict[int, FakeDatabaseHost] = {}
        self.ssh_keys: list[FakeSSHKey] = []
        self.activity: list[FakeActivity] = []
        self._identifiers: dict[str, FakeServer] = {}

    # ----------------------------------------------------------------- ids and randomness
    def next_id(self, kind: str) -> int:
        """Next auto-increment id of table ``kind``."""
        value = self._ids.get(kind, 0) + 1
        self._ids[kind] = value
        return value

    def new_uuid(self) -> str:
        """A random (but seeded, hence reproducible) version-4 UUID string."""
        return str(_uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def random_string(self, length: int, alphabet: str = _ALNUM) -> str:
        """A seeded random string."""
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    # ----------------------------------------------------------------- users and keys
    def create_user(
        self,
        username: str,
        email: str | None = None,
        *,
        admin: bool = False,
        first_name: str = "Test",
        last_name: str = "User",
        external_id: str | None = None,
        password: str = "password",
        language: str = "en",
    ) -> FakeUser:
        """Insert a user (no key)."""
        user = FakeUser(
            id=self.next_id("users"),
            uuid=self.new_uuid(),
            username=username,
            email=email or f"{username}@example.com",
            first_name=first_name,
            last_name=last_name,
            root_admin=admin,
            external_id=external_id,
            password=password,
            language=language,
        )
        self.users[user.id] = user
        return user

    def create_api_key(
        self,
        user: FakeUser,
        *,
        kind: str = "client",
        permissions: dict[str, int] | None = None,
        description: str | None = None,
        allowed_ips: Iterable[str] = (),
    ) -> FakeApiKey:
        """Insert an API key; application keys default to read+write on every resource."""
        if kind not in ("client", "application"):
            raise ValueError("kind must be 'client' or 'application'")
        prefix = KEY_PREFIXES.get(self.flavor, KEY_PREFIXES["pterodactyl"])[kind == "application"]
        while True:
            identifier = prefix + self.random_string(11)
            if identifier not in self.api_keys:
                break
        perms: dict[str, int] = {}
        if kind == "application":
            perms = {f"r_{res}": 3 for res in APPLICATION_RESOURCES}
            if permissions is not None:
                perms.update({k if k.startswith("r_") else f"r_{k}": v for k, v in permissions.items()})
        key = FakeApiKey(
            id=self.next_id("api_keys"),
            user_id=user.id,
            identifier=identifier,
            secret=self.random_string(32),
            kind=kind,
            description=description,
            allowed_ips=list(allowed_ips),
            permissions=perms,
        )
        self.api_keys[identifier] = key
        return key

    def find_key(self, token: str) -> FakeApiKey | None:
        """The key whose ``identifier + secret`` equals ``token``."""
        if len(token) != 48:
            return None
        key = self.api_keys.get(token[:16])
        if key is None or not hmac_equal(key.secret, token[16:]):
            return None
        if key.expires_at is not None and key.expires_at < utcnow():
            return None
        return key

    def admin_role(self, user: FakeUser) -> tuple[int | None, str | None]:
        """Jexactyl v4's ``admin_role_id`` / ``role_name``: a root admin shows the panel's built-in role."""
        return (None, "Root Administrator") if user.root_admin else (None, None)

    def user_by_email(self, email: str) -> FakeUser | None:
        """Case-insensitive e-mail lookup."""
        lowered = email.lower()
        return next((u for u in self.users.values() if u.email.lower() == lowered), None)

    # ----------------------------------------------------------------- infrastructure
    def create_location(self, short: str, long: str | None = None) -> FakeLocation:
        """Insert a location."""
        location = FakeLocation(id=self.next_id("locations"), short=short, long=long)
        self.locations[location.id] = location
        return location

    def create_node(self, name: str, location: FakeLocation, **fields: Any) -> FakeNode:
        """Insert a node (extra keyword arguments set :class:`FakeNode` fields)."""
        node = FakeNode(
            id=self.next_id("nodes"),
            uuid=self.new_uuid(),
            name=name,
            location_id=location.id,
            daemon_token_id=self.random_string(16),
            daemon_token=self.random_string(64),
        )
        for key, value in fields.items():
            if not hasattr(node, key):
                raise TypeError(f"unknown node field {key!r}")
            setattr(node, key, value)
        self.nodes[node.id] = node
        return node

    def create_allocations(
        self, node: FakeNode, ip: str, ports: Iterable[int], alias: str | None = None
    ) -> list[FakeAllocation]:
        """Insert one allocation per port (existing ``ip:port`` pairs are skipped)."""
        existing = {(a.ip, a.port) for a in self.allocations.values() if a.node_id == node.id}
        created: list[FakeAllocation] = []
        for port in ports:
            if (ip, port) in existing:
                continue
            allocation = FakeAllocation(id=self.next_id("allocations"), node_id=node.id, ip=ip, port=port, alias=alias)
            self.allocations[allocation.id] = allocation
            existing.add((ip, port))
            created.append(allocation)
        return created

    def create_nest(
        self, name: str, description: str | None = None, author: str = "support@pterodactyl.io"
    ) -> FakeNest:
        """Insert a nest."""
        nest = FakeNest(
            id=self.next_id("nests"), uuid=self.new_uuid(), name=name, description=description, author=author
        )
        self.nests[nest.id] = nest
        return nest

    def create_egg(
        self,
        nest: FakeNest,
        name: str,
        *,
        docker_images: dict[str, str] | None = None,
        startup: str = "",
        variables: Iterable[dict[str, Any]] = (),
        **fields: Any,
    ) -> FakeEgg:
        """Insert an egg and its variables (each a dict of :class:`FakeEggVariable` fields)."""
        egg = FakeEgg(
            id=self.next_id("eggs"),
            uuid=self.new_uuid(),
            nest_id=nest.id,
            name=name,
            docker_images=dict(docker_images or {"Default": "ghcr.io/pterodactyl/yolks:debian"}),
            startup=startup,
        )
        for key, value in fields.items():
            if not hasattr(egg, key):
                raise TypeError(f"unknown egg field {key!r}")
            setattr(egg, key, value)
        for spec in variables:
            check_rule_string(str(spec.get("rules", "nullable|string")))
            egg.variables.append(FakeEggVariable(id=self.next_id("egg_variables"), egg_id=egg.id, **spec))
        self.eggs[egg.id] = egg
        return egg

    def create_database_host(self, name: str, **fields: Any) -> FakeDatabaseHost:
        """Insert a database host."""
        host = FakeDatabaseHost(id=self.next_id("database_hosts"), name=name, **fields)
        self.database_hosts[host.id] = host
        return host

    # ----------------------------------------------------------------- servers
    def free_allocation(self, node: FakeNode) -> FakeAllocation:
        """The first unassigned allocation of ``node``; one is created when the node is full."""
        candidates = [a for a in self.allocations.values() if a.node_id == node.id]
        for allocation in candidates:
            if allocation.server_id is None:
                return allocation
        ip = candidates[-1].ip if candidates else "10.0.0.1"
        port = max((a.port for a in candidates if a.ip == ip), default=25564) + 1
        return self.create_allocations(node, ip, [port])[0]

    def create_server(
        self,
        owner: FakeUser,
        name: str = "Server",
        *,
        node: FakeNode | None = None,
        egg: FakeEgg | None = None,
        allocation: FakeAllocation | None = None,
        state: str = "offline",
        status: str | None = None,
        description: str = "",
        external_id: str | None = None,
        memory: int = 1024,
        swap: int = 0,
        disk: int = 5120,
        io: int = 500,
        cpu: int = 100,
        threads: str | None = None,
        oom_disabled: bool = True,
        backup_limit: int = 3,
        database_limit: int | None = 0,
        allocation_limit: int | None = 0,
        startup: str | None = None,
        image: str | None = None,
        environment: dict[str, str | None] | None = None,
    ) -> FakeServer:
        """Insert a server with one primary allocation, the egg's defaults and a default file tree."""
        if node is None:
            if not self.nodes:
                raise RuntimeError("the panel has no node; add one with add_node() first")
            node = next(iter(self.nodes.values()))
        if egg is None:
            if not self.eggs:
                raise RuntimeError("the panel has no egg; add one with add_egg() first")
            egg = next(iter(self.eggs.values()))
        if allocation is None:
            allocation = self.free_allocation(node)
        while True:
            server_uuid = self.new_uuid()
            if server_uuid[:8] not in self._identifiers:
                break
        env: dict[str, str | None] = {v.env_variable: v.default_value for v in egg.variables}
        if environment:
            env.update(environment)
        server = FakeServer(
            id=self.next_id("servers"),
            uuid=server_uuid,
            name=name,
            owner_id=owner.id,
            node_id=node.id,
            egg_id=egg.id,
            nest_id=egg.nest_id,
            allocation_id=allocation.id,
            description=description,
            external_id=external_id,
            status=status,
            state=state,
            memory=memory,
            swap=swap,
            disk=disk,
            io=io,
            cpu=cpu,
            threads=threads,
            oom_disabled=oom_disabled,
            backup_limit=backup_limit,
            database_limit=database_limit,
            allocation_limit=allocation_limit,
            startup=startup if startup is not None else egg.startup,
            image=image if image is not None else next(iter(egg.docker_images.values()), ""),
            environment=env,
            files=default_files(),
        )
        server._on_state = self.state_listener
        if state == "running":
            server.started_monotonic = time.monotonic()
        allocation.server_id = server.id
        self.servers[server.id] = server
        self._identifiers[server.identifier] = server
        return server

    def delete_server(self, server: FakeServer) -> None:
        """Remove a server and free its allocations."""
        self.servers.pop(server.id, None)
        self._identifiers.pop(server.identifier, None)
        for allocation in self.allocations.values():
            if allocation.server_id == server.id:
                allocation.server_id = None
                allocation.notes = None

    def find_server(self, ref: str) -> FakeServer | None:
        """Client-API lookup: 8 characters match the identifier, anything else the full uuid."""
        if len(ref) == 8:
            return self._identifiers.get(ref)
        server = self._identifiers.get(ref[:8])
        if server is not None and server.uuid == ref:
            return server
        return None

    def server_allocations(self, server: FakeServer) -> list[FakeAllocation]:
        """The server's allocations, primary first then by id."""
        rows = [a for a in self.allocations.values() if a.server_id == server.id]
        rows.sort(key=lambda a: (a.id != server.allocation_id, a.id))
        return rows

    def subuser_of(self, server: FakeServer, user: FakeUser) -> FakeSubuser | None:
        """The subuser row of ``user`` on ``server``."""
        return next((s for s in server.subusers if s.user_id == user.id), None)

    def can_access(self, user: FakeUser, server: FakeServer) -> bool:
        """Owner, subuser or root admin."""
        return user.root_admin or server.owner_id == user.id or self.subuser_of(server, user) is not None

    def permissions_for(self, user: FakeUser, server: FakeServer) -> list[str]:
        """``user_permissions`` as the panel reports it (owner ``["*"]``, admin adds admin.* entries)."""
        if server.owner_id == user.id:
            return ["*"]
        if user.root_admin:
            return list(ADMIN_PERMISSIONS)
        subuser = self.subuser_of(server, user)
        return list(subuser.permissions) if subuser else []

    def has_permission(self, user: FakeUser, server: FakeServer, permission: str) -> bool:
        """Owners and root admins pass every check; subusers need the exact string."""
        if server.owner_id == user.id or user.root_admin:
            return True
        subuser = self.subuser_of(server, user)
        return subuser is not None and permission in subuser.permissions

    def create_subuser(self, server: FakeServer, user: FakeUser, permissions: Iterable[str]) -> FakeSubuser:
        """Insert (or replace the permissions of) a subuser; ``websocket.connect`` is always added."""
        perms = [p for p in dict.fromkeys(permissions) if p in ALL_PERMISSIONS]
        if "websocket.connect" not in perms:
            perms.append("websocket.connect")
        existing = self.subuser_of(server, user)
        if existing is not None:
            existing.permissions = perms
            existing.updated_at = utcnow()
            return existing
        subuser = FakeSubuser(id=self.next_id("subusers"), user_id=user.id, server_id=server.id, permissions=perms)
        server.subusers.append(subuser)
        return subuser

    def create_backup(
        self,
        server: FakeServer,
        name: str,
        *,
        completed: bool = True,
        successful: bool = True,
        locked: bool = False,
        size: int = 52428800,
        ignored: Iterable[str] = (),
    ) -> FakeBackup:
        """Insert a backup (finished unless ``completed`` is false)."""
        backup = FakeBackup(
            id=self.next_id("backups"),
            uuid=self.new_uuid(),
            server_id=server.id,
            name=name,
            ignored_files=list(ignored),
            is_locked=locked,
        )
        if completed:
            self.finish_backup(backup, successful=successful, size=size)
        server.backups.append(backup)
        return backup

    def finish_backup(self, backup: FakeBackup, *, successful: bool = True, size: int = 52428800) -> None:
        """Mark a backup as completed, as Wings reports it."""
        backup.completed_at = utcnow()
        backup.is_successful = successful
        if successful:
            backup.checksum = "sha1:" + hashlib.sha1(backup.uuid.encode()).hexdigest()
            backup.bytes = size
        else:
            backup.is_locked = False

    def create_database(self, server: FakeServer, name: str, remote: str, host: FakeDatabaseHost) -> FakeDatabase:
        """Insert a server database named ``s<server id>_<name>``."""
        db_id = self.next_id("databases")
        database = FakeDatabase(
            id=db_id,
            server_id=server.id,
            host_id=host.id,
            database=f"s{server.id}_{name}",
            username=f"u{server.id}_{self.random_string(10)}",
            hashid=self.random_string(8, string.ascii_letters + string.digits),
            remote=remote,
            password=self.random_string(24),
        )
        server.databases.append(database)
        return database

    def create_schedule(self, server: FakeServer, name: str, **fields: Any) -> FakeSchedule:
        """Insert a schedule."""
        schedule = FakeSchedule(id=self.next_id("schedules"), server_id=server.id, name=name, **fields)
        server.schedules.append(schedule)
        return schedule

    # ----------------------------------------------------------------- activity
    def log(
        self,
        event: str,
        *,
        actor: FakeUser | None,
        server: FakeServer | None = None,
        properties: dict[str, Any] | None = None,
        is_api: bool = True,
        ip: str | None = "127.0.0.1",
    ) -> FakeActivity:
        """Append an activity-log entry."""
        seq = self.next_id("activity")
        entry = FakeActivity(
            id=hashlib.sha1(f"activity-{seq}".encode()).hexdigest(),
            event=event,
            actor_id=actor.id if actor else None,
            subject_user_id=actor.id if actor and server is None else None,
            server_id=server.id if server else None,
            is_api=is_api,
            ip=ip,
            properties=dict(properties or {}),
        )
        self.activity.append(entry)
        return entry


def hmac_equal(a: str, b: str) -> bool:
    """Constant-time string comparison."""
    return hmac.compare_digest(a.encode(), b.encode())
