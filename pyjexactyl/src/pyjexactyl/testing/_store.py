"""The fake panel's in-memory database: collections of records, id counters and lookups."""

from __future__ import annotations

import hashlib
import hmac
import random
import string
import threading
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
    FakeDatabaseHost,
    FakeEgg,
    FakeEggVariable,
    FakeLocation,
    FakeNest,
    FakeNode,
    FakeServer,
    FakeSSHKey,
    FakeUser,
    utcnow,
)
from ._store_servers import ServerRecords
from ._validation import check_rule_string

__all__ = ["PanelStore"]

_ALNUM = string.ascii_letters + string.digits

#: ``(client, application)`` key prefixes by flavor (Pelican renamed them).
KEY_PREFIXES: dict[str, tuple[str, str]] = {
    "pterodactyl": ("ptlc_", "ptla_"),
    "jexactyl": ("ptlc_", "ptla_"),
    "jexactyl4": ("ptlc_", "ptla_"),
    "pelican": ("pacc_", "papp_"),
}


class PanelStore(ServerRecords):
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
