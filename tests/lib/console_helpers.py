"""Helpers of the console-session tests: read a session's events until a condition, with a timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pyjexactyl import ConsoleOutput, ConsoleSession, Stats
from pyjexactyl.events import Event
from pyjexactyl.testing import FakePanel

WAIT = 5.0
"""Seconds a test waits for something the fake makes happen at once (generous for a loaded machine)."""


async def read_until(
    console: ConsoleSession, done: Callable[[Event], bool], *, timeout: float = WAIT, keep_stats: bool = False
) -> list[Event]:
    """The events up to and including the first one ``done`` accepts (``Stats`` left out unless asked)."""
    seen: list[Event] = []
    async with asyncio.timeout(timeout):
        async for event in console:
            if keep_stats or not isinstance(event, Stats):
                seen.append(event)
            if done(event):
                return seen
    raise AssertionError(f"the session ended before the awaited event; saw {seen}")


async def read_line(console: ConsoleSession, line: str, *, timeout: float = WAIT) -> list[Event]:
    """The events up to and including ``ConsoleOutput(line)``."""
    return await read_until(console, lambda event: event == ConsoleOutput(line), timeout=timeout)


def lines_of(events: list[Event]) -> list[str]:
    return [event.line for event in events if isinstance(event, ConsoleOutput)]


def websocket_requests(panel: FakePanel, identifier: str) -> int:
    """How many ``GET /websocket`` (token) requests the panel answered for the server."""
    path = f"/api/client/servers/{identifier}/websocket"
    return sum(1 for r in panel.requests if r.method == "GET" and r.path == path)
