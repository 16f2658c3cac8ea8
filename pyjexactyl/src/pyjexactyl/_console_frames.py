"""Wings websocket frames (§8.1-§8.3) to and from :mod:`pyjexactyl.events`: I/O-free parsing and encoding.

The protocol's own frames (``auth success``, ``token expiring``, ``token expired``, ``jwt error``) come back
as :class:`Control` for the session to act on; everything else as a typed event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .events import (
    BackupCompleted,
    BackupRestoreCompleted,
    ConsoleOutput,
    DaemonError,
    DaemonMessage,
    Event,
    InstallCompleted,
    InstallOutput,
    InstallStarted,
    ServerDeleted,
    Stats,
    StatusChanged,
    TransferLogs,
    TransferStatus,
    UnknownEvent,
)

__all__ = ["CONTROL_EVENTS", "Control", "encode_frame", "parse_frame"]


@dataclass(frozen=True, slots=True)
class Control:
    """A protocol frame the session handles itself: ``auth success``, ``token expiring``, ``token expired``
    or ``jwt error`` (``reason`` carries the error text).

    Example:
        >>> parse_frame('{"event": "token expiring"}')
        Control(name='token expiring', reason='')
    """

    name: str
    reason: str = ""


CONTROL_EVENTS: Final = frozenset({"auth success", "token expiring", "token expired", "jwt error"})
"""Frames :func:`parse_frame` returns as :class:`Control`."""

# The panel's UI listens for ``backup completed:<uuid>`` (§8.3), but Wings >= 1.7's event bus strips the suffix and
# sends ``backup completed`` with the uuid only in the JSON: both are read.
BACKUP_COMPLETED: Final = "backup completed"
BACKUP_COMPLETED_PREFIX: Final = BACKUP_COMPLETED + ":"


def _first(args: Sequence[str]) -> str:
    return args[0] if args else ""


_SIMPLE: Final[dict[str, Callable[[Sequence[str]], Event]]] = {
    "console output": lambda args: ConsoleOutput(_first(args)),
    "status": lambda args: StatusChanged(_first(args)),
    "stats": lambda args: Stats.from_json(_first(args)),
    "daemon message": lambda args: DaemonMessage(_first(args)),
    "daemon error": lambda args: DaemonError(_first(args)),
    "install started": lambda args: InstallStarted(),
    "install output": lambda args: InstallOutput(_first(args)),
    "install completed": lambda args: InstallCompleted(),
    "backup restore completed": lambda args: BackupRestoreCompleted(),
    "transfer logs": lambda args: TransferLogs(_first(args)),
    "transfer status": lambda args: TransferStatus(_first(args)),
    "deleted": lambda args: ServerDeleted(),
}
# Events that carry a line (possibly empty) or a value (never empty): without one they are not what Wings sends.
_NEEDS_LINE: Final = frozenset({"console output", "install output", "transfer logs", "daemon message"})
_NEEDS_VALUE: Final = frozenset({"status", "stats", "transfer status"})


def parse_frame(text: str | bytes) -> Event | Control | None:
    """Turns one websocket text frame from Wings into an event.

    Args:
        text: The frame's payload, ``{"event": "<name>", "args": ["<string>", ...]}`` (``args`` may be
            missing or ``null``; non-string arguments are turned into strings).

    Returns:
        A typed :data:`Event`; a :class:`Control` for the protocol's own frames; an :class:`UnknownEvent` for
        a name this module does not know or arguments it cannot read; ``None`` when the frame is not a JSON
        object with a string ``event`` (the session logs and counts those).

    Example:
        >>> parse_frame('{"event": "console output", "args": ["hello"]}')
        ConsoleOutput(line='hello')
        >>> parse_frame('{"event": "something new", "args": ["1"]}')
        UnknownEvent(name='something new', args=('1',))
    """
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        return None
    name: str = data["event"]
    raw = data.get("args")
    if raw is None:
        raw = []
    elif not isinstance(raw, list):
        raw = [raw]
    args = tuple(a if isinstance(a, str) else ("" if a is None else json.dumps(a)) for a in raw)
    if name in CONTROL_EVENTS:
        return Control(name, _first(args))
    try:
        if name.startswith(BACKUP_COMPLETED_PREFIX) or name == BACKUP_COMPLETED:
            return BackupCompleted.from_args(name[len(BACKUP_COMPLETED_PREFIX) :], _first(args))
        build = _SIMPLE.get(name)
        if build is not None and (args or name not in _NEEDS_LINE) and (_first(args) or name not in _NEEDS_VALUE):
            return build(args)
    except ValueError:
        pass
    return UnknownEvent(name, args)


def encode_frame(event: str, *args: str) -> str:
    """One frame for Wings, e.g. ``{"event":"send command","args":["say hi"]}`` (``args`` omitted when empty).

    Args:
        event: The event name (``auth``, ``send logs``, ``send stats``, ``set state``, ``send command``).
        *args: Its string arguments.

    Example:
        >>> encode_frame("send stats")
        '{"event":"send stats"}'
        >>> encode_frame("set state", "start")
        '{"event":"set state","args":["start"]}'
    """
    frame: dict[str, Any] = {"event": event}
    if args:
        frame["args"] = list(args)
    return json.dumps(frame, separators=(",", ":"))
