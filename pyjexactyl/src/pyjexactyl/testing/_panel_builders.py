"""The ``add_*`` builders of :class:`FakePanel`: records added straight to the panel's database."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from ._state import (
    FakeAllocation,
    FakeBackup,
    FakeDatabaseHost,
    FakeEgg,
    FakeLocation,
    FakeNest,
    FakeNode,
    FakeServer,
    FakeSubuser,
    FakeUser,
)
from ._store import PanelStore

__all__ = ["PanelBuilders"]


class PanelBuilders:
    """:class:`FakePanel`'s builders (users, keys, servers, subusers, backups, locations, nodes, allocations,
    nests, eggs, database hosts); each takes the store lock."""

    store: PanelStore

    def add_user(
        self,
        username: str,
        email: str | None = None,
        *,
        admin: bool = False,
        first_name: str = "Test",
        last_name: str = "User",
        external_id: str | None = None,
        password: str = "password",
        create_key: bool = True,
    ) -> FakeUser:
        """Add a user; unless ``create_key`` is false it gets a client key in ``.client_key``."""
        with self.store.lock:
            user = self.store.create_user(
                username,
                email,
                admin=admin,
                first_name=first_name,
                last_name=last_name,
                external_id=external_id,
                password=password,
            )
            if create_key:
                user.client_key = self.store.create_api_key(user).token
            return user

    def add_api_key(
        self,
        user: FakeUser,
        *,
        kind: str = "client",
        permissions: Mapping[str, int] | None = None,
        description: str | None = None,
        allowed_ips: Iterable[str] = (),
    ) -> str:
        """Add a key for ``user`` and return the 48-character bearer token.

        ``kind`` is ``"client"`` (``ptlc_``) or ``"application"`` (``ptla_``). For application keys,
        ``permissions`` maps resources (``"servers"`` or ``"r_servers"``) to bits (1 read, 2 write,
        3 both); resources not given default to 3.
        """
        with self.store.lock:
            key = self.store.create_api_key(
                user,
                kind=kind,
                permissions=dict(permissions) if permissions is not None else None,
                description=description,
                allowed_ips=allowed_ips,
            )
            return key.token

    def add_server(
        self,
        owner: FakeUser,
        name: str = "Server",
        *,
        state: str = "offline",
        status: str | None = None,
        suspended: bool = False,
        backup_limit: int = 3,
        database_limit: int | None = 2,
        allocation_limit: int | None = 3,
        node: FakeNode | None = None,
        egg: FakeEgg | None = None,
        memory: int = 1024,
        disk: int = 5120,
        cpu: int = 100,
        description: str = "",
        external_id: str | None = None,
    ) -> FakeServer:
        """Add a server owned by ``owner`` with one free allocation of ``node`` (the first node by default).

        ``state`` is the power state (``offline``/``starting``/``running``/``stopping``); ``status``
        the panel status (``None``, ``installing``, ``install_failed``, ``suspended``,
        ``restoring_backup``...). ``suspended=True`` is a shortcut for ``status="suspended"``.
        """
        with self.store.lock:
            return self.store.create_server(
                owner,
                name,
                node=node,
                egg=egg,
                state=state,
                status="suspended" if suspended else status,
                backup_limit=backup_limit,
                database_limit=database_limit,
                allocation_limit=allocation_limit,
                memory=memory,
                disk=disk,
                cpu=cpu,
                description=description,
                external_id=external_id,
            )

    def add_servers(self, owner: FakeUser, count: int, name_prefix: str = "srv") -> list[FakeServer]:
        """Add ``count`` offline servers named ``<prefix>-001``... (allocations are created as needed)."""
        width = max(3, len(str(count)))
        with self.store.lock:
            return [self.store.create_server(owner, f"{name_prefix}-{i:0{width}d}") for i in range(1, count + 1)]

    def add_subuser(self, server: FakeServer, user: FakeUser, permissions: Iterable[str]) -> FakeSubuser:
        """Make ``user`` a subuser of ``server`` (``websocket.connect`` is always added; unknown strings dropped)."""
        with self.store.lock:
            return self.store.create_subuser(server, user, permissions)

    def add_backup(
        self,
        server: FakeServer,
        name: str = "Backup",
        *,
        completed: bool = True,
        successful: bool = True,
        locked: bool = False,
        bytes: int = 52428800,
        ignored: Iterable[str] = (),
    ) -> FakeBackup:
        """Add a backup (finished unless ``completed`` is false).

        Backups added this way are treated as old: they do not count toward the creation throttle.
        """
        with self.store.lock:
            backup = self.store.create_backup(
                server, name, completed=completed, successful=successful, locked=locked, size=bytes, ignored=ignored
            )
            backup.created_monotonic = -math.inf
            return backup

    def add_location(self, short: str, long: str | None = None) -> FakeLocation:
        """Add a location."""
        with self.store.lock:
            return self.store.create_location(short, long)

    def add_node(self, name: str = "Node", *, location: FakeLocation | None = None, **fields: Any) -> FakeNode:
        """Add a node (in the first location by default); keyword arguments set :class:`FakeNode` fields."""
        with self.store.lock:
            if location is None:
                if not self.store.locations:
                    location = self.store.create_location("loc1")
                else:
                    location = next(iter(self.store.locations.values()))
            return self.store.create_node(name, location, **fields)

    def add_allocations(
        self, node: FakeNode, ip: str, ports: Iterable[int], alias: str | None = None
    ) -> list[FakeAllocation]:
        """Add one allocation per port on ``node``."""
        with self.store.lock:
            return self.store.create_allocations(node, ip, ports, alias)

    def add_nest(self, name: str, description: str | None = None) -> FakeNest:
        """Add a nest."""
        with self.store.lock:
            return self.store.create_nest(name, description)

    def add_egg(
        self,
        nest: FakeNest,
        name: str,
        *,
        docker_images: Mapping[str, str] | None = None,
        startup: str = "",
        variables: Iterable[Mapping[str, Any]] = (),
        **fields: Any,
    ) -> FakeEgg:
        """Add an egg; each of ``variables`` is a mapping of :class:`FakeEggVariable` fields."""
        with self.store.lock:
            return self.store.create_egg(
                nest,
                name,
                docker_images=dict(docker_images) if docker_images else None,
                startup=startup,
                variables=[dict(v) for v in variables],
                **fields,
            )

    def add_database_host(self, name: str, **fields: Any) -> FakeDatabaseHost:
        """Add a database host."""
        with self.store.lock:
            return self.store.create_database_host(name, **fields)
