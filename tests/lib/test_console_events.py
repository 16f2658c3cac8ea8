"""Wings frames (``shared/panel-api.md`` §8.3) become typed events; ``strip_ansi``; frames we send (§8.2)."""

from __future__ import annotations

import json

import pytest

import pyjexactyl
import pyjexactyl.events as events_module
from pyjexactyl import (
    BackupCompleted,
    BackupRestoreCompleted,
    ConsoleOutput,
    DaemonError,
    DaemonMessage,
    InstallCompleted,
    InstallOutput,
    InstallStarted,
    ServerDeleted,
    Stats,
    StatusChanged,
    TransferLogs,
    TransferStatus,
    UnknownEvent,
    strip_ansi,
)
from pyjexactyl._console_frames import Control, encode_frame, parse_frame

STATS = {
    "memory_bytes": 1_073_741_824,
    "memory_limit_bytes": 4_294_967_296,
    "cpu_absolute": 187.512,
    "network": {"rx_bytes": 1234, "tx_bytes": 5678},
    "uptime": 3_600_000,
    "state": "running",
    "disk_bytes": 2_147_483_648,
}


def frame(event: str, *args: str) -> str:
    return json.dumps({"event": event, "args": list(args)} if args else {"event": event})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (frame("console output", "\x1b[33m[12:00] Done!\x1b[0m"), ConsoleOutput("\x1b[33m[12:00] Done!\x1b[0m")),
        (frame("status", "starting"), StatusChanged("starting")),
        (
            frame("stats", json.dumps(STATS)),
            Stats(1_073_741_824, 4_294_967_296, 187.512, 2_147_483_648, 1234, 5678, 3_600_000, "running"),
        ),
        (
            frame(
                "backup completed:9a1b",
                json.dumps(
                    {
                        "uuid": "9a1b",
                        "is_successful": True,
                        "checksum": "sha1:abc",
                        "checksum_type": "sha1",
                        "file_size": 4096,
                    }
                ),
            ),
            BackupCompleted("9a1b", True, "sha1:abc", "sha1", 4096),
        ),
        (
            frame("backup completed:9a1b", json.dumps({"uuid": "9a1b", "is_successful": False, "checksum": None})),
            BackupCompleted("9a1b", False, "", "", 0),
        ),
        (frame("backup restore completed", ""), BackupRestoreCompleted()),
        (frame("daemon message", "Server marked as running..."), DaemonMessage("Server marked as running...")),
        (frame("daemon error", "another power action is running"), DaemonError("another power action is running")),
        (frame("install started"), InstallStarted()),
        (frame("install output", "Downloading"), InstallOutput("Downloading")),
        (frame("install completed", ""), InstallCompleted()),
        (frame("transfer logs", "Archiving"), TransferLogs("Archiving")),
        (frame("transfer status", "success"), TransferStatus("success")),
        (frame("deleted"), ServerDeleted()),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 40 else None,
)
def test_every_wings_event_becomes_its_typed_event(text: str, expected: object) -> None:
    assert parse_frame(text) == expected


def test_stats_tolerate_missing_keys_and_use_the_documented_shape() -> None:
    assert parse_frame(frame("stats", "{}")) == Stats()
    offline = parse_frame(frame("stats", json.dumps({**STATS, "network": None, "state": "offline", "uptime": 0})))
    assert offline == Stats(1_073_741_824, 4_294_967_296, 187.512, 2_147_483_648, 0, 0, 0, "offline")


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        (frame("power usage", "42"), "power usage", ("42",)),  # a newer Wings' event
        (frame("stats", "{not json"), "stats", ("{not json",)),  # cut JSON: kept, not raised
        (frame("stats", "[1, 2]"), "stats", ("[1, 2]",)),
        (frame("stats", json.dumps({"memory_bytes": "lots"})), "stats", ('{"memory_bytes": "lots"}',)),
        (
            frame("backup completed:x", json.dumps({"is_successful": "yes"})),
            "backup completed:x",
            ('{"is_successful": "yes"}',),
        ),
        (frame("console output"), "console output", ()),  # a line event without its line
        (json.dumps({"event": "status", "args": [None, 3]}), "status", ("", "3")),
        (json.dumps({"event": "x", "args": "one"}), "x", ("one",)),
    ],
)
def test_unknown_or_unreadable_events_are_delivered_as_unknown_event(
    text: str, name: str, args: tuple[str, ...]
) -> None:
    assert parse_frame(text) == UnknownEvent(name, args)


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '{"args": ["x"]}', '{"event": 5}', b"\xff\xfe"])
def test_frames_that_are_not_wings_events_parse_to_none(text: str | bytes) -> None:
    assert parse_frame(text) is None


def test_control_frames_are_for_the_session() -> None:
    assert parse_frame(frame("auth success")) == Control("auth success")
    assert parse_frame(frame("token expiring")) == Control("token expiring")
    assert parse_frame(frame("token expired")) == Control("token expired")
    reason = "Error Event [1f0c]: jwt: missing connect permission"
    assert parse_frame(frame("jwt error", reason)) == Control("jwt error", reason)


def test_frames_we_send_follow_the_protocol() -> None:
    assert json.loads(encode_frame("auth", "a.b.c")) == {"event": "auth", "args": ["a.b.c"]}
    assert json.loads(encode_frame("send logs")) == {"event": "send logs"}
    assert json.loads(encode_frame("send command", 'say "hi" ü')) == {"event": "send command", "args": ['say "hi" ü']}


def test_events_are_exported_from_the_package_and_the_events_module() -> None:
    names = {
        "ConsoleOutput",
        "StatusChanged",
        "Stats",
        "BackupCompleted",
        "BackupRestoreCompleted",
        "DaemonMessage",
        "DaemonError",
        "InstallStarted",
        "InstallOutput",
        "InstallCompleted",
        "TransferLogs",
        "TransferStatus",
        "ServerDeleted",
        "Reconnected",
        "Dropped",
        "UnknownEvent",
    }
    for name in names:
        assert getattr(pyjexactyl, name) is getattr(events_module, name), name
        assert name in pyjexactyl.__all__ and name in events_module.__all__, name
        doc = getattr(events_module, name).__doc__ or ""
        assert "Example:" in doc, name
    assert set(events_module.Event.__args__) >= {getattr(events_module, n) for n in names}  # type: ignore[attr-defined]


def test_events_match_by_field() -> None:
    seen = []
    for event in (ConsoleOutput("hi"), StatusChanged("running"), Stats(memory_bytes=5, cpu_absolute=1.5)):
        match event:
            case ConsoleOutput(line=line):
                seen.append(line)
            case StatusChanged(state=state):
                seen.append(state)
            case Stats(memory_bytes=memory, cpu_absolute=cpu):
                seen.append((memory, cpu))
    assert seen == ["hi", "running", (5, 1.5)]


@pytest.mark.parametrize(
    ("line", "plain"),
    [
        (
            "\x1b[33m\x1b[1m[Pterodactyl Daemon]:\x1b[39m Checking server disk space usage\x1b[0m",
            "[Pterodactyl Daemon]: Checking server disk space usage",
        ),
        ("\x1b[0;31;1mERROR\x1b[m plain", "ERROR plain"),
        ("\x1b]0;window title\x07text", "text"),
        ("\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1b[2K\x1b[1Gprogress 50%", "progress 50%"),
        ("\x1b[38;2;255;0;0mtruecolour\x1b[0m", "truecolour"),
        ("tab\tand ünïcode § stay", "tab\tand ünïcode § stay"),
        ("dangling escape \x1b", "dangling escape "),
        ("", ""),
    ],
)
def test_strip_ansi_removes_escape_sequences_only(line: str, plain: str) -> None:
    assert strip_ansi(line) == plain
