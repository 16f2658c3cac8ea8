"""The console hub: ONE live console session per (linked key, server), shared by every board, alert and live
console that needs it.

Subscribers ask for a (Discord user, server) pair (:meth:`ConsoleHub.subscribe`); the hub resolves the user's
current link to its key, and attaches the :class:`~bot.watch.subscription.Subscription` to the
:class:`~bot.watch.feed.Feed` of that key and server, making it if needed. Feeds are refcounted: the last
subscription to go schedules the session's close (after :attr:`ConsoleHub.linger` seconds, so closing and
reopening a live console does not cost a token request). Sessions open one at a time, at least
:attr:`ConsoleHub.stagger` seconds apart, so a start with 100 boards is not a burst of 100 token requests.

The hub holds its own client per key (made with :meth:`bot.clients.PanelClients.watch_client` and closed when no
feed uses it), so the per-user client cache closing an idle client never closes one a board still needs; and
those clients own their connection pools, so the library opens their websockets on a pool of their own, not on
the bot's shared HTTP pool.
A re-link or an unlink (:meth:`ConsoleHub.link_changed`) moves the user's subscriptions to the new key's
feeds, or pauses them with :attr:`PauseReason.LINK_GONE`. Keys are known by a hash (``fingerprint``) in
memory only, never logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyjexactyl import AsyncJexactyl

from .changes import Changes
from .feed import Feed
from .model import FeedSnapshot, FeedStatus, PauseReason
from .subscription import DEFAULT_EVENTS, Listener, Subscription

if TYPE_CHECKING:
    from bot.clients import PanelClients
    from bot.crypto import KeyVault
    from bot.storage import Storage

__all__ = ["ConsoleHub"]

log = logging.getLogger("bot.watch")

POWER_REQUEST_WINDOW = 60.0
"""Seconds a power action asked for through the bot explains the server going offline."""


@dataclass(eq=False)
class _ClientRef:
    api: AsyncJexactyl
    feeds: set[Feed] = field(default_factory=set)


class ConsoleHub:
    """Shares console sessions between boards, alerts and live consoles (see the module docstring).

    Args:
        panels: Makes the hub's own panel clients (``watch_client``).
        storage: Where the links are (``get_link``).
        vault: Decrypts the linked keys.
        stagger: Seconds between two session opens.
        linger: Seconds a session stays open after its last subscriber left.
        tick: Seconds between two checks for dropped sockets.
        reconnect_timeout: Seconds the library keeps reconnecting a dropped socket before the hub's own, slower
            retries take over.
        retry_backoff: First and longest wait of the hub's retries while a server is unreachable.
        retry_slow: Seconds between retries of a paused server the panel may let through later (403, 404, 409).

    Example:
        >>> sub = await bot.watch.subscribe(user_id, "1a2b3c4d", purpose="console", queue_size=200)  # doctest: +SKIP
        >>> snapshot = await sub.wait_ready(5)  # doctest: +SKIP
        >>> sub.close()  # doctest: +SKIP
    """

    def __init__(
        self,
        panels: PanelClients,
        storage: Storage,
        vault: KeyVault,
        *,
        stagger: float = 0.25,
        linger: float = 30.0,
        tick: float = 1.0,
        reconnect_timeout: float = 60.0,
        retry_backoff: tuple[float, float] = (15.0, 300.0),
        retry_slow: float = 600.0,
    ) -> None:
        self._panels = panels
        self._storage = storage
        self._vault = vault
        self.stagger = stagger
        self.linger = linger
        self.tick = tick
        self.reconnect_timeout = reconnect_timeout
        self.retry_backoff = retry_backoff
        self.retry_slow = retry_slow
        self.session_queue = 2000
        """The library's queue bound per session (the hub reads continuously; this only covers bursts)."""
        self._feeds: dict[tuple[str, str], Feed] = {}
        self._clients: dict[str, _ClientRef] = {}
        self._owners: dict[int, set[Subscription]] = {}
        self._owner_locks: dict[int, asyncio.Lock] = {}
        self._fingerprints: dict[bytes, str] = {}
        self._power: dict[str, tuple[str, float]] = {}
        self._open_lock = asyncio.Lock()
        self._last_open = -float("inf")
        self.changes = Changes()
        """Notified at every change of a session's health or details, and when a session closes."""
        self._ticker: asyncio.Task[None] | None = None
        self._closing_feeds: set[asyncio.Task[None]] = set()
        self.closed = False
        self.opens = 0
        """Sessions opened so far (for tests and the benchmark)."""

    def __repr__(self) -> str:
        return f"<ConsoleHub feeds={len(self._feeds)} clients={len(self._clients)}>"

    # ------------------------------------------------------------------ the public interface

    async def subscribe(
        self,
        owner_id: int,
        server_id: str,
        *,
        purpose: str,
        queue_size: int = 0,
        events: tuple[type[Any], ...] = DEFAULT_EVENTS,
        listener: Listener | None = None,
        details: bool = False,
    ) -> Subscription:
        """Subscribes to a server's console with ``owner_id``'s linked key; returns at once (the session opens in
        the background, in turn: :meth:`Subscription.wait_ready` waits for it).

        Args:
            owner_id: The Discord user whose linked key is used (re-resolved on every re-link).
            server_id: The panel identifier, already checked against that user's own server list.
            purpose: A label for logs (``board``, ``alert``, ``console``).
            queue_size: Events the subscription's queue holds at most (0: no queue, use ``listener``);
                beyond it the oldest are dropped and reported as one ``Dropped(n)``.
            events: The event types the queue takes (default: console lines, Wings' notices, state changes
                and :class:`FeedStatus`; the latest stats are in the snapshot).
            listener: Called synchronously with ``(subscription, event)`` for every event; must not block.
            details: Also read the server's panel details (name, limits, allocations) once per session.

        Returns:
            The subscription; if the user has no link it is paused (:attr:`PauseReason.LINK_GONE`).
        """
        if self.closed:
            raise RuntimeError("the console hub is closed")
        sub = Subscription(
            self,
            owner_id,
            server_id,
            purpose=purpose,
            queue_size=queue_size,
            events=events,
            listener=listener,
            details=details,
        )
        self._owners.setdefault(owner_id, set()).add(sub)
        await self._bind(sub)
        return sub

    def latest(self, server_id: str) -> FeedSnapshot | None:
        """The latest snapshot of ``server_id`` from any connected session (whichever key it runs with), or
        ``None`` when nothing watches it now."""
        best: FeedSnapshot | None = None
        for (_, sid), feed in self._feeds.items():
            if sid == server_id:
                snapshot = feed.snapshot()
                if snapshot.watchable:
                    return snapshot
                best = best or snapshot
        return best

    def note_power(self, server_id: str, signal: str) -> None:
        """Records that a power action was asked for through the bot (a command, a button), so the server
        going offline next is not taken for a crash. Call it whichever way the action is sent (HTTP or socket).

        Example:
            >>> bot.watch.note_power("1a2b3c4d", "stop")  # doctest: +SKIP
        """
        self._power[server_id] = (signal, time.monotonic())

    def power_requested(self, server_id: str, within: float = POWER_REQUEST_WINDOW) -> str | None:
        """The power action asked for through the bot in the last ``within`` seconds, if any."""
        entry = self._power.get(server_id)
        if entry is None:
            return None
        signal, at = entry
        if time.monotonic() - at > within:
            del self._power[server_id]
            return None
        return signal

    async def link_changed(self, owner_id: int) -> None:
        """The user linked, re-linked or unlinked: their subscriptions move to the new key's sessions, or pause.

        Example:
            >>> await bot.watch.link_changed(interaction.user.id)  # doctest: +SKIP
        """
        for sub in list(self._owners.get(owner_id, ())):
            await self._bind(sub)

    @property
    def feed_count(self) -> int:
        """Sessions the hub holds now (open, opening or retrying)."""
        return len(self._feeds)

    def feeds(self) -> list[FeedSnapshot]:
        """A snapshot of every session the hub holds."""
        return [feed.snapshot() for feed in self._feeds.values()]

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Starts the tick that notices dropped sockets (the bot calls it once it is set up)."""
        if self._ticker is None and not self.closed:
            self._ticker = asyncio.create_task(self._tick(), name="watch-hub-tick")

    async def close(self) -> None:
        """Closes every session and the hub's clients (the bot's shutdown)."""
        self.closed = True
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
            self._ticker = None
        for subs in self._owners.values():
            for sub in subs:
                sub.end()
        self._owners.clear()
        feeds = list(self._feeds.values())
        self._feeds.clear()
        for feed in feeds:
            if feed.close_handle is not None:
                feed.close_handle.cancel()
        await asyncio.gather(*(feed.close() for feed in feeds), return_exceptions=True)
        if self._closing_feeds:
            await asyncio.gather(*self._closing_feeds, return_exceptions=True)
        clients = list(self._clients.values())
        self._clients.clear()
        await asyncio.gather(*(ref.api.close() for ref in clients), return_exceptions=True)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.tick)
            for feed in list(self._feeds.values()):
                feed.check_connection()

    # ------------------------------------------------------------------ binding subscriptions to feeds

    def _lock_for(self, owner_id: int) -> asyncio.Lock:
        lock = self._owner_locks.get(owner_id)
        if lock is None:
            lock = self._owner_locks[owner_id] = asyncio.Lock()
        return lock

    async def _bind(self, sub: Subscription) -> None:
        async with self._lock_for(sub.owner_id):
            if sub.closed or self.closed:
                return
            account = await self._storage.get_link(sub.owner_id)
            key: str | None = None
            fingerprint: str | None = None
            if account is not None:
                fingerprint = self._fingerprints.get(account.encrypted_key)
                try:
                    key = self._vault.decrypt(account.encrypted_key)
                except Exception as exc:  # a key the vault cannot read: as good as no link
                    log.warning("watch: the key of user %s cannot be read (%s)", sub.owner_id, type(exc).__name__)
                else:
                    if fingerprint is None:
                        fingerprint = hashlib.sha256(key.encode()).hexdigest()
                        self._fingerprints[account.encrypted_key] = fingerprint
            if sub.closed or self.closed:
                return
            if key is None or fingerprint is None:
                self._detach(sub)
                sub.set_paused(PauseReason.LINK_GONE)
                self._notify_ready()
                return
            feed = self._feeds.get((fingerprint, sub.server_id))
            if feed is not None and feed is sub.feed:
                return
            if feed is None:
                feed = Feed(self, fingerprint, sub.server_id, self._client_for(fingerprint, key))
                self._feeds[(fingerprint, sub.server_id)] = feed
                self._clients[fingerprint].feeds.add(feed)
                feed.start()
            self._detach(sub)
            self._attach(sub, feed)

    def _attach(self, sub: Subscription, feed: Feed) -> None:
        if feed.close_handle is not None:
            feed.close_handle.cancel()
            feed.close_handle = None
        sub.set_paused(None)
        sub.feed = feed
        feed.subscribers.add(sub)
        if sub.wants_details and feed.details is None and feed.link == "connected":
            feed.load_details()
        sub.deliver(FeedStatus(feed.link, feed.pause, feed.since))
        self._notify_ready()

    def _detach(self, sub: Subscription) -> None:
        feed, sub.feed = sub.feed, None
        if feed is None:
            return
        feed.subscribers.discard(sub)
        if not feed.subscribers:
            self._release_soon(feed)

    def unsubscribe(self, sub: Subscription) -> None:
        """Detaches a subscription (what :meth:`Subscription.close` calls)."""
        owned = self._owners.get(sub.owner_id)
        if owned is not None:
            owned.discard(sub)
            if not owned:
                del self._owners[sub.owner_id]
        self._detach(sub)

    def _release_soon(self, feed: Feed) -> None:
        if self.closed or feed.close_handle is not None:
            return
        loop = asyncio.get_running_loop()
        feed.close_handle = loop.call_later(self.linger, self._release, feed)

    def _release(self, feed: Feed) -> None:
        feed.close_handle = None
        if feed.subscribers or self._feeds.get((feed.fingerprint, feed.server_id)) is not feed:
            return
        del self._feeds[(feed.fingerprint, feed.server_id)]
        self._notify_ready()
        task = asyncio.create_task(self._close_feed(feed), name=f"watch-close-{feed.server_id}")
        self._closing_feeds.add(task)
        task.add_done_callback(self._closing_feeds.discard)

    async def _close_feed(self, feed: Feed) -> None:
        await feed.close()
        ref = self._clients.get(feed.fingerprint)
        if ref is None:
            return
        ref.feeds.discard(feed)
        if not ref.feeds:
            del self._clients[feed.fingerprint]
            await ref.api.close()
        log.debug("watch of %s closed: nothing needs it", feed.server_id)
        self._notify_ready()

    def _client_for(self, fingerprint: str, key: str) -> AsyncJexactyl:
        ref = self._clients.get(fingerprint)
        if ref is None:
            ref = self._clients[fingerprint] = _ClientRef(self._panels.watch_client(key))
        return ref.api

    # ------------------------------------------------------------------ feeds' helpers

    async def open_slot(self) -> None:
        """Waits for this session's turn to open: at most one open every :attr:`stagger` seconds."""
        loop = asyncio.get_running_loop()
        async with self._open_lock:
            wait = self._last_open + self.stagger - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_open = loop.time()
            self.opens += 1

    def feed_changed(self, feed: Feed) -> None:
        """A feed's health, details or state changed (the feed calls it): wakes :meth:`wait_for`, ``wait_ready``."""
        self._notify_ready()

    def _notify_ready(self) -> None:
        self.changes.notify()

    def ready_event(self, sub: Subscription) -> asyncio.Event:
        """The event set at the next change of any feed (``Subscription.wait_ready`` waits on it)."""
        return self.changes.event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Waits until ``predicate()`` is true, re-checked whenever a session's health, details or power state
        change or a session closes (tests use it).

        Raises:
            TimeoutError: not within ``timeout`` seconds.
        """
        await self.changes.wait_for(predicate, timeout)

    def subscriptions(self, owner_id: int | None = None) -> Iterable[Subscription]:
        """The live subscriptions (of one user, or all)."""
        if owner_id is not None:
            return list(self._owners.get(owner_id, ()))
        return [sub for subs in self._owners.values() for sub in subs]
