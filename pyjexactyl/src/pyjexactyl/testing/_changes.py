"""Event-driven waits on the fake's state, from any thread or event loop.

Whatever changes something a test may wait for (a request recorded or answered, a simulated transition such
as a power step or a finished backup, a websocket frame) calls :meth:`ChangeSignal.notify`; every waiter then
re-checks its condition. No waiter polls.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["ChangeSignal"]

T = TypeVar("T")


class ChangeSignal:
    """Wakes waiters on every :meth:`notify` so they re-check their condition.

    Args:
        name: What the waits are about, for the timeout message (``"fake panel"``).

    Example:
        >>> signal = ChangeSignal("fake panel")
        >>> await signal.wait_for(lambda: server.state == "running", timeout=5)  # doctest: +SKIP
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._condition = threading.Condition()
        self._generation = 0  # bumped by every notify(), under _condition
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def notify(self) -> None:
        """Wake every waiter (any thread, any loop) so it re-checks its condition."""
        with self._condition:
            self._generation += 1
            self._condition.notify_all()
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for loop, event in list(self._waiters):
            if loop is current:
                event.set()
            elif not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy, re-checked after every change, and return its value.

        Args:
            predicate: Reads the fake's state; runs on the waiting loop.
            timeout: Seconds before giving up.

        Raises:
            TimeoutError: when ``timeout`` seconds pass first.
        """
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        entry = (loop, event)
        self._waiters.add(entry)
        deadline = loop.time() + timeout
        try:
            while True:
                event.clear()
                result = predicate()
                if result:
                    return result
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(f"{self.name}: condition not met within {timeout} s")
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    pass
        finally:
            self._waiters.discard(entry)

    def wait_for_sync(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """:meth:`wait_for` for a thread that is not running the fake's loop (``FakePanel.start()``).

        The predicate runs outside the signal's lock, so it may call any control that waits for the fake's
        loop (which takes that lock to wake waiters).
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._condition:
                generation = self._generation
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: condition not met within {timeout} s")
            self._wait_past(generation, remaining)

    def _wait_past(self, generation: int, timeout: float) -> None:
        """Block until a notification after ``generation`` (or ``timeout``)."""
        with self._condition:
            self._condition.wait_for(lambda: self._generation != generation, timeout)
