"""One server's shared console session, as the hub runs it: open (in turn), read, fan out, reopen.

A :class:`Feed` belongs to one (panel key, server) pair. Its task opens the library's
:class:`~pyjexactyl.ConsoleSession` when the hub's stagger lets it, reads every event, keeps the latest state
and stats, and hands each event to its subscribers. The library reconnects a dropped socket by itself; when it
gives up (``ConsoleDisconnectedError``) or opening fails for a reason a retry can fix, the feed is
``unreachable`` and tries again on its own slow backoff, so a node that stays down costs the panel a token
request every few minutes at most. A refusal a retry cannot fix pauses it (:class:`PauseReason`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pyjexactyl import AsyncJexactyl, ConsoleSession
from pyjexactyl.events import Reconnected, ServerDeleted, Stats, StatusChanged
from pyjexactyl.exceptions import (
    ConflictError,
    ConsoleAuthError,
    ForbiddenError,
    JexactylError,
    NotFoundError,
    UnauthorizedError,
)

from .model import DetailsChanged, FeedSnapshot, FeedStatus, LinkState, PauseReason, WatchEvent

if TYPE_CHECKING:
    from .hub import ConsoleHub
    from .subscription import Subscription

__all__ = ["Feed", "pause_for"]

log = logging.getLogger("bot.watch")

DETAILS_RETRIES = (5.0, 30.0, 120.0)
"""Seconds before each further attempt at reading the server's details after a failed one."""


def pause_for(exc: BaseException) -> PauseReason | None:
    """The pause a failure means, or ``None`` when trying again later may work (node down, panel busy).

    Example:
        >>> from pyjexactyl.exceptions import ConsoleDisconnectedError
        >>> pause_for(ConsoleDisconnectedError("node down")) is None
        True
    """
    if isinstance(exc, UnauthorizedError):
        return PauseReason.KEY_REFUSED
    if isinstance(exc, ForbiddenError):
        return PauseReason.NO_ACCESS
    if isinstance(exc, NotFoundError):
        return PauseReason.SERVER_GONE
    if isinstance(exc, ConflictError):
        return PauseReason.UNAVAILABLE
    return None


class Feed:
    """The shared session of one (key, server). Made and closed by the hub only.

    Args:
        hub: The hub (stagger, timings, the ready notifications).
        fingerprint: Identifies the key (a hash; never the key).
        server_id: The panel identifier.
        api: The client of that key (the hub holds a reference for as long as the feed lives).
    """

    def __init__(self, hub: ConsoleHub, fingerprint: str, server_id: str, api: AsyncJexactyl) -> None:
        self.hub = hub
        self.fingerprint = fingerprint
        self.server_id = server_id
        self.api = api
        self.subscribers: set[Subscription] = set()
        self.session: ConsoleSession | None = None
        self.state: str | None = None
        self.stats: Stats | None = None
        self.details: Mapping[str, Any] | None = None
        self.updated_at: float | None = None
        self.link: LinkState = "connecting"
        self.pause: PauseReason | None = None
        self.since = time.time()
        self.failures = 0
        self._task: asyncio.Task[None] | None = None
        self._details_task: asyncio.Task[None] | None = None
        self._retry_now = asyncio.Event()
        self.close_handle: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:
        return f"<Feed {self.server_id!r} {self.link} state={self.state!r} subscribers={len(self.subscribers)}>"

    def snapshot(self) -> FeedSnapshot:
        """The latest state of the server (see :class:`FeedSnapshot`)."""
        return FeedSnapshot(
            server_id=self.server_id,
            link=self.link,
            pause=self.pause,
            since=self.since,
            state=self.state,
            stats=self.stats,
            details=self.details,
            updated_at=self.updated_at,
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"watch-feed-{self.server_id}")

    async def close(self) -> None:
        """Stops the task and closes the session (idempotent)."""
        for task in (self._task, self._details_task):
            if task is not None and not task.done():
                task.cancel()
        for task in (self._task, self._details_task):
            if task is not None:
                try:
                    await task
                except asyncio.CancelledError:
                    if (current := asyncio.current_task()) is not None and current.cancelling():
                        raise
                except Exception:  # pragma: no cover - _run handles its own failures
                    log.exception("the watch of %s ended with an error", self.server_id)
        self._task = self._details_task = None
        session, self.session = self.session, None
        if session is not None:
            await asyncio.shield(session.close())

    def retry_soon(self) -> None:
        """Cuts a waiting backoff short (a subscriber asked, or the owner re-linked)."""
        self._retry_now.set()

    # ------------------------------------------------------------------ health

    def _set_link(self, link: LinkState, pause: PauseReason | None = None, *, since: float | None = None) -> None:
        if link == self.link and pause == self.pause:
            return
        trouble_goes_on = link in ("reconnecting", "unreachable") and self.link in ("reconnecting", "unreachable")
        if since is not None:
            self.since = since
        elif not trouble_goes_on:  # the drop is when the trouble began; later states keep that time
            self.since = time.time()
        self.link, self.pause = link, pause
        if link in ("connected", "paused"):
            self.failures = 0
        self.hub.feed_changed(self)
        self._fan_out(FeedStatus(link, pause, self.since))

    def check_connection(self) -> None:
        """Called every tick: notices a socket the library is reconnecting (it sends no event for a drop)."""
        session = self.session
        if session is None:
            return
        current = session.connection_state
        if current == "reconnecting" and self.link == "connected":
            log.info("watch of %s: the console dropped; the library is reconnecting", self.server_id)
            self._set_link("reconnecting")

    # ------------------------------------------------------------------ the task

    async def _run(self) -> None:
        while True:
            await self.hub.open_slot()
            outcome = await self._open_and_read()
            await self._wait_retry(outcome)

    async def _open_and_read(self) -> str:
        """One session from opening to its end; returns how to go on: ``now``, ``backoff``, ``slow`` or
        ``wait`` (until :meth:`retry_soon`)."""
        session = self.api.client.servers.console(
            self.server_id,
            logs=False,
            logs_on_reconnect=False,
            reconnect_timeout=self.hub.reconnect_timeout,
            max_queue=self.hub.session_queue,
        )
        try:
            await session.__aenter__()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return self._failed(exc, opening=True)
        self.session = session
        self._set_link("connected")
        log.debug("watch of %s: console open", self.server_id)
        if self.details is None and any(s.wants_details for s in self.subscribers):
            self.load_details()
        try:
            async for event in session:
                self._handle(event)
            return "slow"  # the iteration ends only after ServerDeleted (the hub cancels this task to close)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return self._failed(exc, opening=False)
        finally:
            self.session = None
            # Shielded: ConsoleSession.close() awaited in a task being cancelled (the hub closing this feed)
            # re-raises the cancellation before it closes the socket, which would stay open.
            await asyncio.shield(session.close())

    def _failed(self, exc: BaseException, *, opening: bool) -> str:
        pause = pause_for(exc)
        what = "opening" if opening else "watching"
        if pause is not None:
            log.info("watch of %s paused: %s (%s)", self.server_id, pause.value, type(exc).__name__)
            self._set_link("paused", pause)
            return "wait" if pause is PauseReason.KEY_REFUSED else "slow"
        self.failures += 1
        if isinstance(exc, ConsoleAuthError) and self.failures == 1:
            log.info("watch of %s: Wings refused the console token; opening a new session", self.server_id)
            return "now"
        if not isinstance(exc, JexactylError):
            log.warning("watch of %s: %s failed unexpectedly: %r", self.server_id, what, exc)
        else:
            log.info("watch of %s: %s failed (%s); trying again later", self.server_id, what, type(exc).__name__)
        self._set_link("unreachable")
        return "backoff"

    async def _wait_retry(self, outcome: str) -> None:
        if outcome == "now":
            return
        delay: float | None
        if outcome == "wait":  # a refused key does not heal: a re-link makes a new feed
            delay = None
        elif outcome == "slow":
            delay = self.hub.retry_slow
        else:
            first, longest = self.hub.retry_backoff
            delay = min(longest, first * 2 ** max(0, self.failures - 1))
        self._retry_now.clear()
        try:
            await asyncio.wait_for(self._retry_now.wait(), delay)
        except TimeoutError:
            pass

    # ------------------------------------------------------------------ events

    def _handle(self, event: WatchEvent) -> None:
        if isinstance(event, StatusChanged):
            self.state = event.state
            self.updated_at = time.time()
            self.hub.feed_changed(self)
        elif isinstance(event, Stats):
            self.stats = event
            if self.state is None and event.state:
                self.state = event.state
            self.updated_at = time.time()
        elif isinstance(event, ServerDeleted):
            self._set_link("paused", PauseReason.SERVER_GONE)
        if self.link == "reconnecting" and isinstance(event, Reconnected | StatusChanged | Stats):
            log.info("watch of %s: reconnected", self.server_id)
            self._set_link("connected")
        self._fan_out(event)

    def _fan_out(self, event: WatchEvent) -> None:
        for subscriber in list(self.subscribers):
            subscriber.deliver(event)

    # ------------------------------------------------------------------ details

    def load_details(self) -> None:
        """Reads the server's details (name, limits, allocations) in the background, once."""
        if self._details_task is None or self._details_task.done():
            self._details_task = asyncio.create_task(self._load_details(), name=f"watch-details-{self.server_id}")

    async def _load_details(self) -> None:
        for delay in (0.0, *DETAILS_RETRIES):
            if delay:
                await asyncio.sleep(delay)
            try:
                answer = await self.api.client.servers.get_server(self.server_id)
            except asyncio.CancelledError:
                raise
            except JexactylError as exc:
                log.info("watch of %s: could not read its details (%s)", self.server_id, type(exc).__name__)
                if pause_for(exc) is not None:
                    return
                continue
            attributes = answer.get("attributes", answer) if isinstance(answer, Mapping) else None
            if isinstance(attributes, Mapping):
                self.details = attributes
                self.hub.feed_changed(self)
                self._fan_out(DetailsChanged(attributes))
            return
