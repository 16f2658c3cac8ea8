"""Typed events of a live console session (the Wings websocket, ``shared/panel-api.md`` §8).

Wings sends JSON text frames ``{"event": "<name>", "args": ["<string>", ...]}``; the session turns each into
one of the dataclasses below (``pyjexactyl._console_frames.parse_frame``). Every event a
:class:`~pyjexactyl.ConsoleSession` yields is one of :data:`Event`; match on them::

    async for event in console:
        match event:
            case ConsoleOutput(line=line):
                print(strip_ansi(line))
            case StatusChanged(state=state):
                print("now", state)
            case Stats(memory_bytes=memory, cpu_absolute=cpu):
                print(memory, cpu)
            case UnknownEvent(name=name, args=args):
                pass  # a newer Wings may send events this version does not know

An event name this module does not know, or a known one whose arguments cannot be read (a ``stats`` whose
JSON is cut), is delivered as :class:`UnknownEvent` with the raw name and arguments: never dropped, never
raised. Lines are kept exactly as Wings sends them, ANSI colour codes included (see
:func:`~pyjexactyl.strip_ansi`).

The session itself adds :class:`Reconnected` (after it re-established a dropped socket) and
:class:`Dropped` (how many lines a slow consumer missed). The protocol's own control frames (``auth
success``, ``token expiring``, ``token expired``, ``jwt error``) are handled by the session and not
delivered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

__all__ = [
    "BackupCompleted",
    "BackupRestoreCompleted",
    "ConsoleOutput",
    "DaemonError",
    "DaemonMessage",
    "Dropped",
    "Event",
    "InstallCompleted",
    "InstallOutput",
    "InstallStarted",
    "Reconnected",
    "ServerDeleted",
    "ServerState",
    "Stats",
    "StatusChanged",
    "TransferLogs",
    "TransferStatus",
    "UnknownEvent",
]

ServerState = Literal["offline", "starting", "running", "stopping"]
"""The power states Wings reports (``status`` events, ``stats.state``)."""

SERVER_STATES: Final = frozenset({"offline", "starting", "running", "stopping"})


@dataclass(frozen=True, slots=True)
class ConsoleOutput:
    """One line the server printed to its console (``console output``), ANSI codes included.

    Attributes:
        line: The line as Wings sent it, without a trailing newline.

    Example:
        >>> ConsoleOutput("[12:00:00 INFO]: Done (3.2s)!").line
        '[12:00:00 INFO]: Done (3.2s)!'
    """

    line: str


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """The server's power state changed (``status``), or is reported once after authenticating.

    Attributes:
        state: ``offline``, ``starting``, ``running`` or ``stopping`` (any other string Wings sends is kept).

    Example:
        >>> StatusChanged("running").state
        'running'
    """

    state: str


@dataclass(frozen=True, slots=True)
class Stats:
    """Live resource use (``stats``): about every second while the server runs, once on connect when offline.

    Attributes:
        memory_bytes: Memory in use.
        memory_limit_bytes: The container's memory limit.
        cpu_absolute: CPU use in percent of one core (so it can exceed 100 on several cores).
        disk_bytes: Disk space in use.
        network_rx_bytes: Bytes received since the container started.
        network_tx_bytes: Bytes sent since the container started.
        uptime_ms: Milliseconds since the server started (0 when offline).
        state: The power state Wings reports along with the figures.

    Example:
        >>> Stats.from_json('{"memory_bytes": 1024, "cpu_absolute": 12.5, "state": "running"}').cpu_absolute
        12.5
    """

    memory_bytes: int = 0
    memory_limit_bytes: int = 0
    cpu_absolute: float = 0.0
    disk_bytes: int = 0
    network_rx_bytes: int = 0
    network_tx_bytes: int = 0
    uptime_ms: int = 0
    state: str = ""

    @classmethod
    def from_json(cls, text: str) -> Stats:
        """Reads the JSON string Wings puts in a ``stats`` event's first argument.

        Args:
            text: ``{"memory_bytes": ..., "memory_limit_bytes": ..., "cpu_absolute": ..., "network":
                {"rx_bytes": ..., "tx_bytes": ...}, "uptime": ..., "state": ..., "disk_bytes": ...}``; missing
                keys read as 0 (or ``""`` for the state).

        Raises:
            ValueError: the text is not a JSON object of numbers.

        Example:
            >>> Stats.from_json('{"network": {"rx_bytes": 10, "tx_bytes": 20}}').network_tx_bytes
            20
        """
        data = _json_object(text)
        network = data.get("network")
        if network is None:
            network = {}
        if not isinstance(network, Mapping):
            raise ValueError("stats.network is not an object")
        state = data.get("state", "")
        return cls(
            memory_bytes=_int(data.get("memory_bytes")),
            memory_limit_bytes=_int(data.get("memory_limit_bytes")),
            cpu_absolute=_float(data.get("cpu_absolute")),
            disk_bytes=_int(data.get("disk_bytes")),
            network_rx_bytes=_int(network.get("rx_bytes")),
            network_tx_bytes=_int(network.get("tx_bytes")),
            uptime_ms=_int(data.get("uptime")),
            state=state if isinstance(state, str) else str(state),
        )


@dataclass(frozen=True, slots=True)
class BackupCompleted:
    """A backup finished (``backup completed:<uuid>``, or ``backup completed`` from Wings >= 1.7; sent only to
    tokens with ``backup.read``).

    Attributes:
        uuid: The backup's UUID.
        successful: Whether the backup succeeded.
        checksum: The archive's checksum (empty when it failed).
        checksum_type: The checksum algorithm, ``sha1``.
        size_bytes: The archive's size in bytes.

    Example:
        >>> BackupCompleted.from_args("b1", '{"uuid": "b1", "is_successful": true, "file_size": 42}').size_bytes
        42
    """

    uuid: str
    successful: bool
    checksum: str = ""
    checksum_type: str = ""
    size_bytes: int = 0

    @classmethod
    def from_args(cls, uuid: str, text: str) -> BackupCompleted:
        """Reads the event: the UUID from the event name, the rest from the JSON argument.

        Args:
            uuid: The part of the event name after ``backup completed:`` (empty when the name has none: the
                JSON's ``uuid`` is used).
            text: ``{"uuid": ..., "is_successful": bool, "checksum": ..., "checksum_type": "sha1",
                "file_size": int}``.

        Raises:
            ValueError: the text is not a JSON object with those types.

        Example:
            >>> BackupCompleted.from_args("b1", '{"is_successful": false}').successful
            False
        """
        data = _json_object(text)
        successful = data.get("is_successful")
        if not isinstance(successful, bool):
            raise ValueError("backup completed: is_successful is not a boolean")
        checksum = data.get("checksum") or ""
        checksum_type = data.get("checksum_type") or ""
        return cls(
            uuid=str(data.get("uuid") or uuid),
            successful=successful,
            checksum=str(checksum),
            checksum_type=str(checksum_type),
            size_bytes=_int(data.get("file_size")),
        )


@dataclass(frozen=True, slots=True)
class BackupRestoreCompleted:
    """Restoring a backup finished (``backup restore completed``).

    Example:
        >>> BackupRestoreCompleted()
        BackupRestoreCompleted()
    """


@dataclass(frozen=True, slots=True)
class DaemonMessage:
    """A notice from Wings itself (``daemon message``), e.g. about an install or a restore.

    Attributes:
        text: The message.

    Example:
        >>> DaemonMessage("Server marked as running...").text
        'Server marked as running...'
    """

    text: str


@dataclass(frozen=True, slots=True)
class DaemonError:
    """Wings failed to handle something this session asked (``daemon error``), e.g. a power action while
    another one runs. The text is generic unless the token has ``admin.websocket.errors``.

    Attributes:
        message: The error text as Wings sent it.

    Example:
        >>> DaemonError("an unexpected error was encountered while handling this request").message[:13]
        'an unexpected'
    """

    message: str


@dataclass(frozen=True, slots=True)
class InstallStarted:
    """The server's install script started (``install started``).

    Example:
        >>> InstallStarted()
        InstallStarted()
    """


@dataclass(frozen=True, slots=True)
class InstallOutput:
    """One line of install-script output (``install output``; only with ``admin.websocket.install``).

    Attributes:
        line: The line as Wings sent it.

    Example:
        >>> InstallOutput("Downloading paper.jar").line
        'Downloading paper.jar'
    """

    line: str


@dataclass(frozen=True, slots=True)
class InstallCompleted:
    """The install script finished (``install completed``); the server is offline afterwards.

    Example:
        >>> InstallCompleted()
        InstallCompleted()
    """


@dataclass(frozen=True, slots=True)
class TransferLogs:
    """One line of a server transfer's log (``transfer logs``; only with ``admin.websocket.transfer``).

    Attributes:
        line: The line as Wings sent it.

    Example:
        >>> TransferLogs("Archiving server files").line
        'Archiving server files'
    """

    line: str


@dataclass(frozen=True, slots=True)
class TransferStatus:
    """A server transfer's status changed (``transfer status``).

    Attributes:
        status: e.g. ``starting``, ``success`` or ``failure``.

    Example:
        >>> TransferStatus("success").status
        'success'
    """

    status: str


@dataclass(frozen=True, slots=True)
class ServerDeleted:
    """The server was deleted (``deleted``, or Wings closing the socket with ``server deleted``). The session
    ends after this event.

    Example:
        >>> ServerDeleted()
        ServerDeleted()
    """


@dataclass(frozen=True, slots=True)
class Reconnected:
    """The socket dropped and the session connected and authenticated again. Events Wings sent while it was
    down are lost; the session asks for the recent console lines again unless told not to.

    Attributes:
        attempts: Connection attempts it took (1 when the first one worked).
        downtime: Seconds between noticing the drop and authenticating again.

    Example:
        >>> Reconnected(attempts=2, downtime=1.5).attempts
        2
    """

    attempts: int
    downtime: float


@dataclass(frozen=True, slots=True)
class Dropped:
    """The consumer fell behind and the session's bounded queue dropped the oldest lines.

    Delivered in place of the missing lines, before the events that followed them.

    Attributes:
        n: How many events were dropped since the previous :class:`Dropped` (console lines first).

    Example:
        >>> Dropped(12).n
        12
    """

    n: int


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """An event this version does not know, or a known one whose arguments could not be read.

    Attributes:
        name: The event name as Wings sent it.
        args: Its arguments, as strings.

    Example:
        >>> UnknownEvent("power usage", ("42",)).name
        'power usage'
    """

    name: str
    args: tuple[str, ...] = ()


Event = (
    ConsoleOutput
    | StatusChanged
    | Stats
    | BackupCompleted
    | BackupRestoreCompleted
    | DaemonMessage
    | DaemonError
    | InstallStarted
    | InstallOutput
    | InstallCompleted
    | TransferLogs
    | TransferStatus
    | ServerDeleted
    | Reconnected
    | Dropped
    | UnknownEvent
)
"""Everything a console session yields."""


def _json_object(text: str) -> Mapping[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _int(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a number: {value!r}")
    return int(value)


def _float(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a number: {value!r}")
    return float(value)
