"""Per-Discord-user panel clients: one :class:`AsyncJexactyl` per linked user, over ONE shared connection pool.

* **One pool.** Every client (users', the link check's, the application key's) sends through one
  :class:`aiohttp.ClientSession` owned here (``session=``; the library then never closes it, and each client
  keeps its own timeout). A keep-alive connection serves every user in turn: 300 active users no longer mean
  300 sessions and about 300 open connections. The session keeps no cookies (a cookie one user's request got
  must never ride along with another user's).
* **Bounded cache.** Clients are kept in least-recently-used order, at most :attr:`PanelClients.max_clients`;
  one idle for :attr:`PanelClients.idle_timeout` seconds is closed by :meth:`PanelClients.sweep` (the bot runs
  it every minute, and :meth:`PanelClients.for_user` on the way). A client pushed out by the size bound is only
  dropped, not closed: it owns no connection, and a command of that user may still be using it (a backup being
  followed); it goes once nothing refers to it. The idle timeout is longer than anything a command follows.
* **Unlink and re-link close the client** (:meth:`PanelClients.forget`): whatever still holds it (a command in
  progress) gets :class:`~pyjexactyl.exceptions.ClientClosedError` instead of acting with a forgotten key.
* **Reads do not wait for writes.** Recording the link's last use (at most once a minute per user) is
  best-effort and runs beside the command: a database locked by another writer never turns a read into an error.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from pyjexactyl import AsyncJexactyl

from .config import DEFAULT_PANEL_TIMEOUT
from .crypto import KeyVault
from .errors import NotLinkedError
from .storage import LinkedAccount, Storage, StorageError

log = logging.getLogger("bot.clients")

TOUCH_INTERVAL = 60.0
"""Seconds between two records of a link's last use."""
MAX_CLIENTS = 500
"""Users' clients kept at most (least recently used dropped first)."""
IDLE_TIMEOUT = 900.0
"""Seconds after which an unused client is closed: longer than any command follows the panel (a backup, 600 s)."""
POOL_SIZE = 100
"""Connections to the panel at most, for every user together."""
CLOSE_WAIT = 2.0
"""Seconds :meth:`PanelClients.close` lets pending last-use records finish."""


@dataclass(frozen=True)
class UserPanel:
    """A linked user's account record and the client that acts with their key."""

    account: LinkedAccount
    api: AsyncJexactyl


@dataclass(eq=False)
class _Cached:
    encrypted_key: bytes = field(repr=False)
    api: AsyncJexactyl
    last_used: float


class PanelClients:
    """Builds and caches the panel clients the bot uses.

    Args:
        panel_url: The panel URL.
        storage: Where linked keys are stored (encrypted).
        vault: Decrypts the stored keys.
        application_key: ``PANEL_APPLICATION_KEY`` if configured: used by admin commands.
        timeout: ``PANEL_TIMEOUT``: seconds one panel request may take (clients made after a change use
            the new value).
        client_options: Extra :class:`AsyncJexactyl` options (timeouts, retries) for every client.
        max_clients: Users' clients kept at most.
        idle_timeout: Seconds after which an unused client is closed.

    Example:
        >>> panel = await clients.for_user(interaction.user.id)  # doctest: +SKIP
        >>> await panel.api.client.servers.get_server(identifier)  # doctest: +SKIP
    """

    def __init__(
        self,
        panel_url: str,
        storage: Storage,
        vault: KeyVault,
        *,
        application_key: str | None = None,
        timeout: float = DEFAULT_PANEL_TIMEOUT,
        client_options: dict[str, Any] | None = None,
        max_clients: int = MAX_CLIENTS,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.panel_url = panel_url
        self.timeout = timeout
        """Seconds one panel request may take (``PANEL_TIMEOUT``)."""
        self.max_clients = max_clients
        """Users' clients kept at most; the least recently used is dropped first."""
        self.idle_timeout = idle_timeout
        """Seconds after which :meth:`sweep` closes an unused client."""
        self._storage = storage
        self._vault = vault
        # A 429 (or a client-side throttle queue) asking for more than a few seconds is shown to the user
        # ("try again in N s") rather than leaving the interaction on "thinking" while the library waits.
        self._options = {
            "retries": 2,
            "backoff_factor": 0.5,
            "max_retry_wait": 5.0,
            # A panel that did not answer within PANEL_TIMEOUT is reported at once: asking again would keep
            # the user on "thinking" for several timeouts.
            "retry_timeouts": False,
            **(client_options or {}),
        }
        self._session: aiohttp.ClientSession | None = None
        self._touched: dict[int, float] = {}
        self._touches: set[asyncio.Task[None]] = set()
        self._cache: OrderedDict[int, _Cached] = OrderedDict()
        self._application_key = application_key
        self._application: AsyncJexactyl | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<PanelClients {self.panel_url} cached={len(self._cache)}>"

    @property
    def cached(self) -> int:
        """How many users' clients are cached right now."""
        return len(self._cache)

    def _shared_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=POOL_SIZE, limit_per_host=POOL_SIZE)
            self._session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
        return self._session

    def new_client(self, api_key: str, **options: Any) -> AsyncJexactyl:
        """A fresh client for ``api_key`` on the shared connection pool (the caller closes it; that leaves the
        pool open)."""
        settings = {"timeout": self.timeout, **self._options, **options}
        return AsyncJexactyl(self.panel_url, api_key, session=self._shared_session(), **settings)

    def watch_client(self, api_key: str) -> AsyncJexactyl:
        """A client with connection pools of its own, for the console hub (the caller closes it). Its websockets
        stay open for hours: on the shared pool (``POOL_SIZE`` connections) 100 of them would leave no connection
        for anyone's requests, and the library opens them on a pool of their own only for a client that owns its
        session."""
        return AsyncJexactyl(self.panel_url, api_key, **{"timeout": self.timeout, **self._options})

    async def for_user(self, discord_user_id: int) -> UserPanel:
        """The linked user's client.

        Raises:
            NotLinkedError: the user has no linked account.
        """
        account = await self._storage.get_link(discord_user_id)
        if account is None:
            await self.forget(discord_user_id)
            raise NotLinkedError()
        self._touch(discord_user_id)
        now = time.monotonic()
        await self._close_idle(now)
        cached = self._current(discord_user_id, account, now)
        if cached is not None:
            return UserPanel(account, cached)
        async with self._lock:
            cached = self._current(discord_user_id, account, now)
            if cached is None:
                stale = self._cache.pop(discord_user_id, None)
                if stale is not None:  # re-linked with another key: the old client must not act any more
                    await stale.api.close()
                cached = self.new_client(self._vault.decrypt(account.encrypted_key))
                self._cache[discord_user_id] = _Cached(account.encrypted_key, cached, now)
                self._bound()
        return UserPanel(account, cached)

    def _current(self, discord_user_id: int, account: LinkedAccount, now: float) -> AsyncJexactyl | None:
        entry = self._cache.get(discord_user_id)
        if entry is None or entry.encrypted_key != account.encrypted_key or entry.api.closed:
            return None
        entry.last_used = now
        self._cache.move_to_end(discord_user_id)
        return entry.api

    def _bound(self) -> None:
        """Drops the least recently used clients beyond :attr:`max_clients` (not closed: see the module)."""
        while len(self._cache) > max(self.max_clients, 1):
            user_id, _ = self._cache.popitem(last=False)
            log.debug("dropped the panel client of user %s (more than %d cached)", user_id, self.max_clients)

    async def _close_idle(self, now: float) -> int:
        closed = 0
        while self._cache:
            user_id, entry = next(iter(self._cache.items()))
            if now - entry.last_used < self.idle_timeout:
                break
            del self._cache[user_id]
            await entry.api.close()
            closed += 1
        return closed

    async def sweep(self) -> int:
        """Closes the clients unused for :attr:`idle_timeout` seconds; returns how many."""
        now = time.monotonic()
        closed = await self._close_idle(now)
        for user_id in [u for u, at in self._touched.items() if now - at >= TOUCH_INTERVAL]:
            del self._touched[user_id]
        if closed:
            log.debug("closed %d idle panel client(s); %d cached", closed, len(self._cache))
        return closed

    # ------------------------------------------------------------------ last use (best effort)

    def _touch(self, discord_user_id: int) -> None:
        """Records the link's last use, at most once a minute per user, beside the command (never in its way)."""
        now = time.monotonic()
        if now - self._touched.get(discord_user_id, -math.inf) < TOUCH_INTERVAL:
            return
        self._touched[discord_user_id] = now
        task = asyncio.create_task(self._record_use(discord_user_id), name=f"touch {discord_user_id}")
        self._touches.add(task)
        task.add_done_callback(self._touches.discard)

    async def _record_use(self, discord_user_id: int) -> None:
        try:
            await self._storage.touch_last_used(discord_user_id)
        except (sqlite3.Error, StorageError) as exc:
            log.warning(
                "could not record when user %s last used their link (the command went on): %s", discord_user_id, exc
            )

    # ------------------------------------------------------------------ admin, unlink, shutdown

    async def admin_api(self, user_panel: UserPanel) -> AsyncJexactyl:
        """The client admin commands use: ``PANEL_APPLICATION_KEY`` if set, else the admin's own key."""
        if self._application_key is None:
            return user_panel.api
        if self._application is None or self._application.closed:
            self._application = self.new_client(self._application_key)
        return self._application

    async def forget(self, discord_user_id: int) -> None:
        """Closes and drops a user's cached client (after unlink or re-link): anything still holding it gets
        ``ClientClosedError`` rather than acting with the forgotten key."""
        cached = self._cache.pop(discord_user_id, None)
        if cached is not None:
            await cached.api.close()

    async def close(self) -> None:
        """Closes every client, then the shared connection pool."""
        if self._touches:
            pending = set(self._touches)
            await asyncio.wait(pending, timeout=CLOSE_WAIT)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        cached = list(self._cache.values())
        self._cache.clear()
        for entry in cached:
            await entry.api.close()
        if self._application is not None:
            await self._application.close()
            self._application = None
        if self._session is not None:
            await self._session.close()
            self._session = None
