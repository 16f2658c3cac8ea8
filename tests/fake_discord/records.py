"""What :class:`~tests.fake_discord.fake_discord.FakeDiscord` records: REST requests, gateway frames sent by the
bot, dispatches sent by the fake, and the notifier every wait re-checks on.

Usage::

    rec = fd.requests[-1]
    assert (rec.method, rec.status, rec.error_code) == ("POST", 403, 50013)
    assert "SEND_MESSAGES" in rec.note
    deleted = [d for d in fd.dispatches if d.event == "MESSAGE_DELETE"]
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Notifier", "RecordedDispatch", "RecordedFrame", "RecordedRequest", "iter_strings"]


@dataclass
class RecordedRequest:
    """One REST request the bot made to the fake.

    ``path`` is relative to the API base (``/interactions/1/tok/callback``); ``body`` is the parsed JSON
    (for multipart requests: the parsed ``payload_json``); ``raw`` the body text as received (plus the
    text of any uploaded file); ``at`` a ``time.monotonic()`` stamp; ``status`` what the fake answered;
    ``error_code`` the Discord error code of an error answer (10003, 10008, 50001, 50013, 50035...);
    ``note`` why the fake answered as it did when that is not obvious ("missing SEND_MESSAGES", "embeds
    stripped: no EMBED_LINKS", "rate limited (bucket ...)").
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    raw: str
    at: float
    status: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    error_code: int | None = None
    note: str = ""

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass
class RecordedFrame:
    """One gateway frame sent BY the bot (``token`` fields of IDENTIFY/RESUME are redacted)."""

    op: int | None
    data: Any
    raw: str
    at: float


@dataclass
class RecordedDispatch:
    """One gateway event the fake sent (or, ``delivered=False``, withheld because the bot did not IDENTIFY with
    the intent it needs, or was not connected). INTERACTION_CREATE is not recorded here (see ``fd.interactions``)."""

    event: str
    data: dict[str, Any]
    at: float
    delivered: bool
    intent: int | None = None


def iter_strings(value: Any) -> Iterator[str]:
    """Every string (keys and values) inside a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from iter_strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from iter_strings(v)


class Notifier:
    """Wakes everything waiting on the fake whenever the bot sends something (a fresh event each time)."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def notify(self) -> None:
        self.event.set()
        self.event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float, describe: Callable[[], str]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {describe()}")
            event = self.event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
