"""Record types of one server held by :class:`~pyjexactyl.testing.FakePanel`: the server itself and what
hangs off it (files, subusers, backups, databases, schedules and their tasks). Mutable like every record (see
``_state``).
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._timestamps import utcnow

__all__ = ["FakeBackup", "FakeDatabase", "FakeFile", "FakeSchedule", "FakeServer", "FakeSubuser", "FakeTask"]


@dataclass
class FakeFile:
    """One entry of a server's in-memory file tree (``path`` is absolute, e.g. ``/logs/latest.log``)."""

    path: str
    is_dir: bool = False
    content: bytes = field(default=b"", repr=False)
    mode: str = "644"
    created_at: _dt.datetime = field(default_factory=utcnow)
    modified_at: _dt.datetime = field(default_factory=utcnow)

    @property
    def name(self) -> str:
        """The last path component."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class FakeSubuser:
    """A subuser: ``user_id`` may use the server with ``permissions``."""

    id: int
    user_id: int
    server_id: int
    permissions: list[str] = field(default_factory=list)
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeBackup:
    """A server backup. ``completed_at`` is ``None`` while it is in progress."""

    id: int
    uuid: str
    server_id: int
    name: str
    ignored_files: list[str] = field(default_factory=list)
    is_successful: bool = False
    is_locked: bool = False
    checksum: str | None = None
    bytes: int = 0
    disk: str = "wings"
    created_at: _dt.datetime = field(default_factory=utcnow)
    completed_at: _dt.datetime | None = None
    deleted_at: _dt.datetime | None = None
    #: monotonic creation time, used by the backup throttle
    created_monotonic: float = field(default_factory=time.monotonic)


@dataclass
class FakeDatabase:
    """A server database (``database`` is the full ``s<server>_<name>`` name)."""

    id: int
    server_id: int
    host_id: int
    database: str
    username: str
    hashid: str = ""
    remote: str = "%"
    password: str = field(default="", repr=False)
    max_connections: int | None = 0
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeTask:
    """A schedule task."""

    id: int
    schedule_id: int
    sequence_id: int
    action: str
    payload: str
    time_offset: int = 0
    is_queued: bool = False
    continue_on_failure: bool = False
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeSchedule:
    """A server schedule with its ``tasks`` (kept sorted by ``sequence_id``)."""

    id: int
    server_id: int
    name: str
    minute: str = "*"
    hour: str = "*"
    day_of_month: str = "*"
    month: str = "*"
    day_of_week: str = "*"
    is_active: bool = True
    is_processing: bool = False
    only_when_online: bool = False
    last_run_at: _dt.datetime | None = None
    next_run_at: _dt.datetime | None = None
    tasks: list[FakeTask] = field(default_factory=list)
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeServer:
    """A game server.

    ``state`` is the Wings power state (``offline``, ``starting``, ``running``, ``stopping``); ``status``
    is the panel column (``None``, ``installing``, ``install_failed``, ``reinstall_failed``,
    ``suspended``, ``restoring_backup``). ``console`` records every command sent through the API or the
    websocket. Assigning ``state`` is seen by the fake Wings: its sockets get the ``status`` event.
    """

    id: int
    uuid: str
    name: str
    owner_id: int
    node_id: int
    egg_id: int
    nest_id: int
    allocation_id: int | None = None
    description: str = ""
    external_id: str | None = None
    status: str | None = None
    state: str = "offline"
    memory: int = 1024
    swap: int = 0
    disk: int = 5120
    io: int = 500
    cpu: int = 100
    threads: str | None = None
    oom_disabled: bool = True
    database_limit: int | None = 0
    allocation_limit: int | None = 0
    backup_limit: int = 3
    startup: str = ""
    image: str = ""
    environment: dict[str, str | None] = field(default_factory=dict)
    skip_scripts: bool = False
    transferring: bool = False
    custom_image: bool = False
    console: list[str] = field(default_factory=list, repr=False)
    files: dict[str, FakeFile] = field(default_factory=dict, repr=False)
    backups: list[FakeBackup] = field(default_factory=list, repr=False)
    databases: list[FakeDatabase] = field(default_factory=list, repr=False)
    schedules: list[FakeSchedule] = field(default_factory=list, repr=False)
    subusers: list[FakeSubuser] = field(default_factory=list, repr=False)
    disk_bytes: int = 268435456
    network_rx_bytes: int = 0
    network_tx_bytes: int = 0
    started_monotonic: float | None = None
    #: Jexactyl v3: whether the server must be renewed, the days left (the daily job suspends it at 0 and
    #: deletes it at -7) and its background image.
    renewable: bool = False
    renewal: int = 7
    bg: str | None = None
    #: Jexactyl v4: the subuser limit (``feature_limits.subusers``).
    subuser_limit: int | None = None
    installed_at: _dt.datetime | None = field(default_factory=utcnow)
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)
    #: told ``(server, old, new)`` after every change of ``state`` (the fake Wings sends ``status`` events)
    _on_state: Callable[[FakeServer, str, str], None] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "state":
            object.__setattr__(self, name, value)
            return
        old = self.__dict__.get("state")
        object.__setattr__(self, name, value)
        listener = self.__dict__.get("_on_state")
        if listener is not None and old is not None and old != value:
            listener(self, old, value)

    @property
    def identifier(self) -> str:
        """The 8-character short identifier (``uuidShort``)."""
        return self.uuid[:8]

    @property
    def suspended(self) -> bool:
        """``True`` when ``status`` is ``suspended``."""
        return self.status == "suspended"

    @property
    def installing(self) -> bool:
        """``True`` while the server is (re)installing or its install failed."""
        return self.status in ("installing", "install_failed", "reinstall_failed")
