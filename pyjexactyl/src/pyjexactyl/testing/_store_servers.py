"""The server half of the fake panel's database: servers and what hangs off them (allocations taken,
subusers and their permissions, backups, databases, schedules)."""

from __future__ import annotations

import hashlib
import string
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ._permissions import ADMIN_PERMISSIONS, ALL_PERMISSIONS
from ._state import (
    FakeAllocation,
    FakeBackup,
    FakeDatabase,
    FakeDatabaseHost,
    FakeEgg,
    FakeFile,
    FakeNode,
    FakeSchedule,
    FakeServer,
    FakeSubuser,
    FakeUser,
    utcnow,
)

__all__ = ["ServerRecords", "default_files"]


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


class ServerRecords:
    """:class:`~._store.PanelStore`'s server records; it inherits them."""

    nodes: dict[int, FakeNode]
    eggs: dict[int, FakeEgg]
    allocations: dict[int, FakeAllocation]
    servers: dict[int, FakeServer]
    state_listener: Callable[[FakeServer, str, str], None] | None
    _identifiers: dict[str, FakeServer]

    if TYPE_CHECKING:  # defined by PanelStore

        def next_id(self, kind: str) -> int: ...

        def new_uuid(self) -> str: ...

        def random_string(self, length: int, alphabet: str = ...) -> str: ...

        def create_allocations(
            self, node: FakeNode, ip: str, ports: Iterable[int], alias: str | None = None
        ) -> list[FakeAllocation]: ...

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
