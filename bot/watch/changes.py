"""An event-driven "something changed" signal: waits re-check their condition at every change, never poll."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["Changes"]


class Changes:
    """Wakes every waiter at each :meth:`notify`; :meth:`wait_for` re-checks a predicate then.

    Example:
        >>> changes = Changes()
        >>> changes.notify()
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Something changed: wake the waiters."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    def event(self) -> asyncio.Event:
        """The event the next :meth:`notify` sets."""
        return self._event

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Waits until ``predicate()`` is true, re-checked at every change.

        Raises:
            TimeoutError: not within ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._event.wait()
