"""Per-Discord-user panel clients: one :class:`AsyncJexactyl` per linked user, cached and closed when the
user unlinks or the bot stops."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from pyjexactyl import AsyncJexactyl

from .config import DEFAULT_PANEL_TIMEOUT
from .crypto import KeyVault
from .errors import NotLinkedError
from .storage import LinkedAccount, Storage

log = logging.getLogger("bot.clients")

TOUCH_INTERVAL = 60.0


@dataclass(frozen=True)
class UserPanel:
    """A linked user's account record and the client that acts with their key."""

    account: LinkedAccount
    api: AsyncJexactyl


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
    ) -> None:
        self.panel_url = panel_url
        self.timeout = timeout
        """Seconds one panel request may take (``PANEL_TIMEOUT``)."""
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
        self._touched: dict[int, float] = {}
        self._cache: dict[int, tuple[bytes, AsyncJexactyl]] = {}
        self._application_key = application_key
        self._application: AsyncJexactyl | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<PanelClients {self.panel_url} cached={len(self._cache)}>"

    def new_client(self, api_key: str, **options: Any) -> AsyncJexactyl:
        """A fresh client for ``api_key`` (the caller closes it)."""
        return AsyncJexactyl(self.panel_url, api_key, **{"timeout": self.timeout, **self._options, **options})

    async def for_user(self, discord_user_id: int) -> UserPanel:
        """The linked user's client.

        Raises:
            NotLinkedError: the user has no linked account.
        """
        account = await self._storage.get_link(discord_user_id)
        if account is None:
            await self.forget(discord_user_id)
            raise NotLinkedError()
        await self._touch(discord_user_id)
        cached = self._cache.get(discord_user_id)
        if cached is not None and cached[0] == account.encrypted_key:
            return UserPanel(account, cached[1])
        async with self._lock:
            cached = self._cache.get(discord_user_id)
            if cached is not None and cached[0] != account.encrypted_key:
                await cached[1].close()
                cached = None
            if cached is None:
                client = self.new_client(self._vault.decrypt(account.encrypted_key))
                self._cache[discord_user_id] = (account.encrypted_key, client)
                cached = self._cache[discord_user_id]
        return UserPanel(account, cached[1])

    async def _touch(self, discord_user_id: int) -> None:
        """Records the link's last use, at most once a minute per user."""
        now = time.monotonic()
        if now - self._touched.get(discord_user_id, -TOUCH_INTERVAL) >= TOUCH_INTERVAL:
            self._touched[discord_user_id] = now
            await self._storage.touch_last_used(discord_user_id)

    async def admin_api(self, user_panel: UserPanel) -> AsyncJexactyl:
        """The client admin commands use: ``PANEL_APPLICATION_KEY`` if set, else the admin's own key."""
        if self._application_key is None:
            return user_panel.api
        if self._application is None:
            self._application = self.new_client(self._application_key)
        return self._application

    async def forget(self, discord_user_id: int) -> None:
        """Closes and drops a user's cached client (after unlink or re-link)."""
        cached = self._cache.pop(discord_user_id, None)
        if cached is not None:
            await cached[1].close()

    async def close(self) -> None:
        """Closes every client."""
        cached = list(self._cache.values())
        self._cache.clear()
        for _, client in cached:
            await client.close()
        if self._application is not None:
            await self._application.close()
            self._application = None
