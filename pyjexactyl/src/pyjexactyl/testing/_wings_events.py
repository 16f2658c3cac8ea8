"""Wings websocket frames: event names, encoding, console scripts and the records of what was exchanged."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from ._state import FakeBackup, FakeServer
from ._transformers import resource_usage

__all__ = [
    "DEFAULT_INSTALL_OUTPUT",
    "DEFAULT_RESPONSES",
    "StateOutput",
    "WingsConnection",
    "WingsFrame",
    "backup_payload",
    "daemon_line",
    "default_state_output",
    "encode_frame",
    "parse_frame",
    "stats_payload",
]

# Client -> Wings
AUTH = "auth"
SEND_LOGS = "send logs"
SEND_STATS = "send stats"
SET_STATE = "set state"
SEND_COMMAND = "send command"
# Wings -> client
AUTH_SUCCESS = "auth success"
STATUS = "status"
CONSOLE_OUTPUT = "console output"
STATS = "stats"
TOKEN_EXPIRING = "token expiring"
TOKEN_EXPIRED = "token expired"
JWT_ERROR = "jwt error"
DAEMON_ERROR = "daemon error"
DAEMON_MESSAGE = "daemon message"
INSTALL_STARTED = "install started"
INSTALL_OUTPUT = "install output"
INSTALL_COMPLETED = "install completed"
BACKUP_COMPLETED = "backup completed"
BACKUP_RESTORE_COMPLETED = "backup restore completed"
TRANSFER_LOGS = "transfer logs"
TRANSFER_STATUS = "transfer status"
DELETED = "deleted"

GENERIC_ERROR = "an unexpected error was encountered while handling this request"
POWER_LOCKED = "another power action is currently being processed for this server, please try again later"


def _go_json(value: Any) -> str:
    """``json.Marshal`` of Go: compact, UTF-8, with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def encode_frame(event: str, args: list[str] | None) -> str:
    """One text frame as gorilla's ``WriteJSON`` writes it: ``args`` omitted when empty, newline-terminated."""
    message: dict[str, Any] = {"event": event}
    if args:
        message["args"] = args
    return _go_json(message) + "\n"


def parse_frame(data: str | bytes) -> tuple[str, list[str]] | None:
    """``json.Unmarshal`` into Wings' ``Message``: ``(event, args)``, or ``None`` when Wings would drop it.

    Go leaves a JSON ``null`` out (an empty string, an empty list) and fails on any other wrong type.
    """
    try:
        message = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if message is None:
        return "", []
    if not isinstance(message, dict):
        return None
    event = _field(message, "event")
    raw_args = _field(message, "args")
    if event is not None and not isinstance(event, str):
        return None
    if raw_args is not None and not isinstance(raw_args, list):
        return None
    args: list[str] = []
    for value in raw_args or []:
        if value is None:
            args.append("")
        elif isinstance(value, str):
            args.append(value)
        else:
            return None
    return event or "", args


def _field(message: dict[str, Any], name: str) -> Any:
    """Go matches struct fields by exact key first, then case-insensitively."""
    if name in message:
        return message[name]
    return next((value for key, value in message.items() if key.lower() == name), None)


def daemon_line(text: str, app_name: str = "Pterodactyl") -> str:
    """``PublishConsoleOutputFromDaemon``: ``[yellow][bold][<app> Daemon]:[default] text`` through colorstring."""
    return f"\x1b[33m\x1b[1m[{app_name} Daemon]:\x1b[39m {text}\x1b[0m"


def stats_payload(server: FakeServer) -> str:
    """The ``stats`` argument: ``ResourceUsage`` marshalled by Wings, with the numbers ``/resources`` reports."""
    usage = resource_usage(server)
    return _go_json(
        {
            "memory_bytes": usage["memory_bytes"],
            "memory_limit_bytes": usage["memory_limit_bytes"],
            "cpu_absolute": usage["cpu_absolute"],
            "network": {"rx_bytes": usage["network_rx_bytes"], "tx_bytes": usage["network_tx_bytes"]},
            "uptime": usage["uptime"],
            "state": server.state,
            "disk_bytes": usage["disk_bytes"],
        }
    )


def backup_payload(backup: FakeBackup) -> str:
    """The ``backup completed`` argument (a Go map, so the keys are sorted; the checksum has no ``sha1:``)."""
    checksum = backup.checksum or ""
    if checksum.startswith("sha1:"):
        checksum = checksum[5:]
    return _go_json(
        {
            "checksum": checksum if backup.is_successful else "",
            "checksum_type": "sha1",
            "file_size": backup.bytes if backup.is_successful else 0,
            "is_successful": backup.is_successful,
            "uuid": backup.uuid,
        }
    )


@dataclass
class StateOutput:
    """Console output around a change to one power state (``FakeWings.state_output[state]``).

    ``daemon`` lines are Wings' own notices (sent formatted by :func:`daemon_line`, never kept in the
    console history), sent before the ``status`` frame; ``before`` and ``after`` are the game's output
    (kept in the history) sent before and after it. Lines may contain ``{time}`` (``HH:MM:SS``).
    """

    daemon: list[str] = field(default_factory=list)
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


def default_state_output() -> dict[str, StateOutput]:
    """What a Paper server and Wings print while it starts and stops."""
    return {
        "starting": StateOutput(
            daemon=[
                "Checking server disk space usage, this could take a few seconds...",
                "Updating process configuration files...",
                "Ensuring file permissions are set correctly, this could take a few seconds...",
            ],
            after=[
                "\x1b[1m\x1b[33mcontainer@pterodactyl~ \x1b[0mjava -Xms128M -jar server.jar",
                "[{time} INFO]: Starting minecraft server version 1.20.4",
                "[{time} INFO]: Loading properties",
                '[{time} INFO]: Preparing level "world"',
            ],
        ),
        "running": StateOutput(before=['[{time} INFO]: Done (3.021s)! For help, type "help"']),
        "stopping": StateOutput(after=["[{time} INFO]: Stopping the server", "[{time} INFO]: Saving worlds"]),
    }


#: Console answers to commands, by exact line or by first word (``FakeWings.console_responses``).
DEFAULT_RESPONSES: dict[str, list[str]] = {
    "list": ["There are 0 of a max of 20 players online: "],
    "help": ["--------- Help: Index (1/39) --------------------"],
}

DEFAULT_INSTALL_OUTPUT = [
    "Installing Paper 1.20.4",
    "Downloading server.jar",
    "Installation completed",
]


@dataclass
class WingsFrame:
    """One websocket frame the fake Wings received (``direction="in"``) or sent (``"out"``).

    ``event`` and ``args`` are ``None`` and ``[]`` for a frame that is not a Wings message (malformed
    input, or a raw frame injected with ``send_raw``); ``data`` is the frame as it crossed the wire.
    """

    direction: str
    connection: int
    server: str
    event: str | None
    args: list[str]
    data: str | bytes = field(repr=False)
    timestamp: float = field(default_factory=time.time)


@dataclass
class WingsConnection:
    """One attempt to open a server's websocket (``FakeWings.connections``).

    ``status`` is the HTTP status the upgrade got (101 when it was accepted); ``close_code`` is set once a
    socket has closed (1006 after an abrupt drop). ``authenticated`` turns true on the first ``auth success``.
    """

    id: int
    server: str
    node_id: int | None
    origin: str | None
    status: int = 0
    authenticated: bool = False
    user_uuid: str | None = None
    opened_at: float = field(default_factory=time.time)
    closed_at: float | None = None
    close_code: int | None = None

    @property
    def open(self) -> bool:
        """Whether the socket is established and not closed yet."""
        return self.status == 101 and self.closed_at is None
