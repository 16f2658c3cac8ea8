"""One subscriber's view of a watched server: a bounded event queue and/or a callback, the latest snapshot, and
the shared session's commands.

A :class:`Subscription` is made by :meth:`bot.watch.hub.ConsoleHub.subscribe` and belongs to one (Discord user,
server) pair: it follows that user's current link (a re-link moves it to the new key's session; an unlink pauses
it). Its queue never blocks the session's reader: past ``queue_size`` events the oldest is dropped and counted,
and the count is delivered as one :class:`~pyjexactyl.events.Dropped` before the next event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from pyjexactyl import ConsoleSession
from pyjexactyl.events import ConsoleOutput, DaemonMessage, Dropped, StatusChanged

from .model import FeedSnapshot, FeedStatus, PauseReason, WatchEvent

if TYPE_CHECKING:
    from .feed import Feed
    from .hub import ConsoleHub

__all__ = ["DEFAULT_EVENTS", "FeedUnavailableError", "Listener", "Subscription", "SubscriptionClosedError"]

log = logging.getLogger("bot.watch")

Listener = Callable[["Subscription", WatchEvent], None]
"""Called synchronously for every event (and :class:`FeedStatus`) of the subscription; it must not block
(schedule work instead). Exceptions are logged and ignored."""

DEFAULT_EVENTS: tuple[type[Any], ...] = (ConsoleOutput, DaemonMessage, StatusChanged, FeedStatus)
"""What a queue holds unless told otherwise: console lines, Wings' notices, state changes, session health
(stats arrive every second: read the latest from :attr:`Subscription.snapshot`)."""


class SubscriptionClosedError(Exception):
    """The subscription was closed (or the hub shut down) while waiting for an event."""


class FeedUnavailableError(Exception):
    """The server's console is not open now, so a command cannot go through it.

    Attributes:
        snapshot: The subscription's snapshot at the time (``link``, ``pause``, ``since`` say why).
    """

    def __init__(self, snapshot: FeedSnapshot) -> None:
        self.snapshot = snapshot
        if snapshot.pause is not None:
            why = snapshot.pause.sentence
        else:
            why = {"connecting": "still connecting", "reconnecting": "reconnecting to the node"}.get(
                snapshot.link, "the node cannot be reached"
            )
        super().__init__(f"the console of {snapshot.server_id} is not open ({why})")


class Subscription:
    """A subscriber's handle on one server's shared console session (see the module docstring).

    Use it as an async context manager, or call :meth:`close` when done; the hub closes the session when
    nobody needs it any more.

    Example:
        >>> async with await hub.subscribe(user_id, "1a2b3c4d", purpose="console", logs=True) as sub:  # doctest: +SKIP
        ...     async for event in sub:
        ...         print(event)
    """

    def __init__(
        self,
        hub: ConsoleHub,
        owner_id: int,
        server_id: str,
        *,
        purpose: str,
        queue_size: int,
        events: tuple[type[Any], ...],
        listener: Listener | None,
        details: bool,
    ) -> None:
        self._hub = hub
        self.owner_id = owner_id
        """The Discord user whose linked key the session uses."""
        self.server_id = server_id
        """The panel identifier of the server."""
        self.purpose = purpose
        """A label for logs (``board``, ``alert``, ``console``...)."""
        self.wants_details = details
        self._queue: deque[WatchEvent] = deque()
        self._queue_size = max(0, queue_size)
        self._events = events
        self._listener = listener
        self._changed = asyncio.Event()
        self._dropped_pending = 0
        self.dropped = 0
        """Events dropped from this subscription's queue because its reader fell behind."""
        self.feed: Feed | None = None
        """The session it is attached to now (``None`` while paused for a missing link)."""
        self._own_pause: PauseReason | None = None
        self._own_since = time.time()
        self.closed = False

    def __repr__(self) -> str:
        return f"<Subscription {self.purpose} owner={self.owner_id} server={self.server_id!r} {self.snapshot.link}>"

    # ------------------------------------------------------------------ state

    @property
    def snapshot(self) -> FeedSnapshot:
        """The latest state, stats, details and session health of the server."""
        if self.feed is not None:
            return self.feed.snapshot()
        return FeedSnapshot(
            server_id=self.server_id,
            link="paused" if self._own_pause is not None else "connecting",
            pause=self._own_pause,
            since=self._own_since,
        )

    async def wait_ready(self, timeout: float) -> FeedSnapshot:
        """Waits until the session is connected, paused or lost (whichever comes first; at once if it is one of
        them already) and returns the snapshot; after ``timeout`` seconds returns the snapshot as it is.

        Example:
            >>> snapshot = await sub.wait_ready(5)  # doctest: +SKIP
            >>> snapshot.link
            'connected'
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.closed:
            snapshot = self.snapshot
            if snapshot.link != "connecting":
                return snapshot
            left = deadline - loop.time()
            if left <= 0:
                break
            waiter = self._hub.ready_event(self)
            try:
                await asyncio.wait_for(waiter.wait(), left)
            except TimeoutError:
                break
        return self.snapshot

    # ------------------------------------------------------------------ events

    def set_listener(self, listener: Listener | None) -> None:
        """Replaces the callback (a board takes over the subscription that was opened to post it)."""
        self._listener = listener

    def deliver(self, event: WatchEvent) -> None:
        """Takes one event from the feed (the feed calls it for every event; it never blocks)."""
        if self.closed:
            return
        if self._queue_size and isinstance(event, self._events):
            if len(self._queue) >= self._queue_size:
                self._queue.popleft()
                self._dropped_pending += 1
                self.dropped += 1
            self._queue.append(event)
            self._changed.set()
        if self._listener is not None:
            try:
                self._listener(self, event)
            except Exception:
                log.exception("a %s listener of %s failed on %s", self.purpose, self.server_id, type(event).__name__)

    def set_paused(self, reason: PauseReason | None) -> None:
        """Detached from any session for ``reason`` (no link), or attached again (``None``): the hub calls it."""
        self._own_pause = reason
        self._own_since = time.time()
        if reason is not None:
            self.deliver(FeedStatus("paused", reason, self._own_since))

    def get_nowait(self) -> WatchEvent | None:
        """The next queued event, or ``None`` when none is waiting."""
        if self._dropped_pending:
            count, self._dropped_pending = self._dropped_pending, 0
            return Dropped(count)
        if self._queue:
            return self._queue.popleft()
        return None

    async def get(self) -> WatchEvent:
        """Waits for the next queued event.

        Raises:
            SubscriptionClosedError: the subscription was closed.
        """
        while True:
            event = self.get_nowait()
            if event is not None:
                return event
            if self.closed:
                raise SubscriptionClosedError(f"the {self.purpose} subscription of {self.server_id} is closed")
            self._changed.clear()
            await self._changed.wait()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> WatchEvent:
        try:
            return await self.get()
        except SubscriptionClosedError:
            raise StopAsyncIteration from None

    # ------------------------------------------------------------------ commands through the shared session

    async def send_command(self, line: str) -> None:
        """Sends a console command through the shared session (Wings answers with console lines).

        Raises:
            FeedUnavailableError: the session is not open now (paused, connecting, node unreachable).
            ServerOfflineError: the server is offline (nothing was sent).
        """
        session = self._open_session()
        await session.send_command(line)

    async def set_power(self, signal: Literal["start", "stop", "restart", "kill"]) -> None:
        """Sends a power action through the shared session, and tells the hub it was asked for (so a stop is
        never taken for a crash).

        Raises:
            FeedUnavailableError: the session is not open now.
        """
        session = self._open_session()
        self._hub.note_power(self.server_id, signal)
        await session.set_power(signal)

    async def request_logs(self) -> None:
        """Asks Wings to replay the recent console lines (to every subscriber of the session).

        Raises:
            FeedUnavailableError: the session is not open now.
        """
        await self._open_session().request_logs()

    def _open_session(self) -> ConsoleSession:
        session = self.feed.session if self.feed is not None else None
        if session is None or self.snapshot.link != "connected":
            raise FeedUnavailableError(self.snapshot)
        return session

    # ------------------------------------------------------------------ end

    def close(self) -> None:
        """Unsubscribes (idempotent); the session closes when nothing needs it any more."""
        if self.closed:
            return
        self.end()
        self._hub.unsubscribe(self)

    def end(self) -> None:
        """Marks it closed and wakes a reader (the hub's shutdown; :meth:`close` also unsubscribes)."""
        self.closed = True
        self._changed.set()

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
