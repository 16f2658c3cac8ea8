"""Record types held by :class:`~pyjexactyl.testing.FakePanel`.

Every record is a plain mutable dataclass. Tests may read them (``panel.server(...)``) and change them
directly (``server.state = "running"``); the fake serialises them into the panel's JSON shapes on every
request, so a change is visible to the next request. A server and what hangs off it are in ``_server_state``
(re-exported here).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from ._server_state import (
    FakeBackup,
    FakeDatabase,
    FakeFile,
    FakeSchedule,
    FakeServer,
    FakeSubuser,
    FakeTask,
)
from ._timestamps import utcnow

__all__ = [
    "FakeActivity",
    "FakeAllocation",
    "FakeApiKey",
    "FakeBackup",
    "FakeDatabase",
    "FakeDatabaseHost",
    "FakeEgg",
    "FakeEggVariable",
    "FakeFile",
    "FakeLocation",
    "FakeNest",
    "FakeNode",
    "FakeSSHKey",
    "FakeSchedule",
    "FakeServer",
    "FakeStoreAccount",
    "FakeSubuser",
    "FakeTask",
    "FakeUser",
    "RecordedRequest",
    "utcnow",
]

#: Application-key resources (the ``r_*`` columns of an application key).
APPLICATION_RESOURCES: tuple[str, ...] = (
    "servers",
    "nodes",
    "allocations",
    "users",
    "locations",
    "nests",
    "eggs",
    "database_hosts",
    "server_databases",
)


@dataclass
class FakeStoreAccount:
    """A Jexactyl v3 user's store: credits and the resources bought but not yet put into a server (cpu in
    percent, memory and disk in MiB)."""

    balance: int = 0
    cpu: int = 0
    memory: int = 0
    disk: int = 0
    slots: int = 0
    ports: int = 0
    backups: int = 0
    databases: int = 0


@dataclass
class FakeUser:
    """A panel account.

    ``client_key`` is the full 48-character bearer token of the account key the fake created for the
    user (``ptlc_`` + 11 + 32 characters), or ``""`` when none was created.
    """

    id: int
    uuid: str
    username: str
    email: str
    first_name: str = "Test"
    last_name: str = "User"
    language: str = "en"
    root_admin: bool = False
    external_id: str | None = None
    password: str = field(default="password", repr=False)
    totp_enabled: bool = False
    totp_secret: str | None = field(default=None, repr=False)
    client_key: str = field(default="", repr=False)
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)
    #: Jexactyl v3: the store, e-mail verification, Discord link, approval and used referral code.
    store: FakeStoreAccount = field(default_factory=FakeStoreAccount)
    verified: bool = True
    discord_id: str | None = None
    approved: bool = True
    referral_code: str | None = None
    #: Jexactyl v4: ``"active"`` or ``"suspended"`` (a suspended account gets 403 on account and server routes).
    state: str = "active"

    @property
    def image(self) -> str:
        """Gravatar URL derived from the lower-cased e-mail, as the panel builds it."""
        digest = hashlib.md5(self.email.lower().encode()).hexdigest()
        return f"https://gravatar.com/avatar/{digest}"


@dataclass
class FakeApiKey:
    """An API key: ``identifier`` (16 chars) + ``secret`` (32 chars) is the bearer token."""

    id: int
    user_id: int
    identifier: str
    secret: str = field(repr=False)
    kind: str = "client"  # "client" or "application"
    description: str | None = None
    allowed_ips: list[str] = field(default_factory=list)
    permissions: dict[str, int] = field(default_factory=dict)  # r_<resource> -> bits (1 read, 2 write)
    created_at: _dt.datetime = field(default_factory=utcnow)
    last_used_at: _dt.datetime | None = None
    expires_at: _dt.datetime | None = None

    @property
    def token(self) -> str:
        """The full 48-character bearer token."""
        return self.identifier + self.secret


@dataclass
class FakeLocation:
    """A node location (``short`` is the code, ``long`` the description)."""

    id: int
    short: str
    long: str | None = None
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeNode:
    """A Wings node."""

    id: int
    uuid: str
    name: str
    location_id: int
    fqdn: str = "node01.example.com"
    scheme: str = "https"
    public: bool = True
    description: str | None = None
    behind_proxy: bool = False
    maintenance_mode: bool = False
    memory: int = 65536
    memory_overallocate: int = 0
    disk: int = 1048576
    disk_overallocate: int = 0
    upload_size: int = 100
    daemon_listen: int = 8080
    daemon_sftp: int = 2022
    daemon_base: str = "/var/lib/pterodactyl/volumes"
    daemon_token_id: str = ""
    daemon_token: str = field(default="", repr=False)
    #: Jexactyl v3: whether the store may deploy here, and the credits it costs.
    deployable: bool = True
    deploy_fee: int = 0
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeAllocation:
    """An ip:port allocation on a node; ``server_id`` is ``None`` when unassigned."""

    id: int
    node_id: int
    ip: str
    port: int
    alias: str | None = None
    notes: str | None = None
    server_id: int | None = None


@dataclass
class FakeNest:
    """A nest (group of eggs)."""

    id: int
    uuid: str
    name: str
    author: str = "support@pterodactyl.io"
    description: str | None = None
    #: Jexactyl v3: a private nest is hidden from the store.
    private: bool = False
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeEggVariable:
    """An egg variable; ``rules`` is a Laravel rule string such as ``required|string|max:20``."""

    id: int
    egg_id: int
    name: str
    env_variable: str
    default_value: str = ""
    description: str = ""
    user_viewable: bool = True
    user_editable: bool = True
    rules: str = "nullable|string"
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeEgg:
    """An egg (server type)."""

    id: int
    uuid: str
    nest_id: int
    name: str
    author: str = "support@pterodactyl.io"
    description: str | None = None
    docker_images: dict[str, str] = field(default_factory=dict)
    startup: str = ""
    features: list[str] | None = None
    config_files: dict[str, Any] = field(default_factory=dict)
    config_startup: dict[str, Any] = field(default_factory=dict)
    config_stop: str = "stop"
    config_logs: dict[str, Any] = field(default_factory=dict)
    file_denylist: list[str] = field(default_factory=list)
    script_install: str = "#!/bin/bash\necho installing"
    script_entry: str = "bash"
    script_container: str = "ghcr.io/pterodactyl/installers:debian"
    script_privileged: bool = True
    variables: list[FakeEggVariable] = field(default_factory=list)
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeDatabaseHost:
    """A MySQL host servers' databases live on."""

    id: int
    name: str
    host: str = "10.0.0.2"
    port: int = 3306
    username: str = "pterodactyl"
    node_id: int | None = None
    max_databases: int | None = None
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeSSHKey:
    """An account SSH key."""

    id: int
    user_id: int
    name: str
    fingerprint: str
    public_key: str
    created_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeActivity:
    """One activity-log entry (account entries have ``server_id`` ``None``)."""

    id: str
    event: str
    actor_id: int | None
    subject_user_id: int | None = None
    server_id: int | None = None
    batch: str | None = None
    is_api: bool = True
    ip: str | None = "127.0.0.1"
    description: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    timestamp: _dt.datetime = field(default_factory=utcnow)


@dataclass
class RecordedRequest:
    """One request the fake received, in arrival order (``panel.requests``).

    ``headers`` has lower-cased names and keeps the real ``Authorization`` value; use
    :attr:`key_identifier` to see which key was used without handling the secret.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any
    timestamp: float
    status: int | None = None
    peer: str | None = None
    """The client's ``host:port``: requests over one kept-alive connection share it."""

    @property
    def key_identifier(self) -> str | None:
        """The 16-character identifier of the bearer key, or ``None`` when there is no bearer token."""
        auth = self.headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            return None
        token = auth[7:].strip()
        return token[:16] or None

    @property
    def api(self) -> str | None:
        """``"client"``, ``"application"`` or ``None`` for paths outside ``/api``."""
        if self.path == "/api/client" or self.path.startswith("/api/client/"):
            return "client"
        if self.path == "/api/application" or self.path.startswith("/api/application/"):
            return "application"
        return None

    def __repr__(self) -> str:
        return f"<RecordedRequest {self.method} {self.path} -> {self.status}>"
