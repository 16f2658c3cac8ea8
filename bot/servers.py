"""The user's servers: a short-lived per-user cache for autocomplete, and re-resolution of whatever the
user submits against their own server list (so no typed value ever reaches a panel path unchecked)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from discord import app_commands

from pyjexactyl import AsyncJexactyl

from .embeds import clip, escape
from .errors import UserFacingError

CHOICE_NAME_MAX = 100
CHOICES_MAX = 25


@dataclass(frozen=True, slots=True)
class ServerRef:
    """What the bot needs to know of one of the user's servers."""

    identifier: str
    uuid: str
    name: str
    status: str | None = None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> ServerRef:
        attributes = item.get("attributes", item)
        return cls(
            identifier=str(attributes["identifier"]),
            uuid=str(attributes.get("uuid", "")),
            name=str(attributes.get("name", attributes["identifier"])),
            status=attributes.get("status"),
        )


class TTLCache:
    """Per-user cache of an async lookup that keeps the in-flight task (concurrent callers share one
    request) and never keeps a failed one.

    Args:
        ttl: Seconds an answer stays fresh.
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[int, str], tuple[float, asyncio.Future[Any]]] = {}

    async def get(self, key: tuple[int, str], load: Callable[[], Awaitable[Any]]) -> Any:
        """The cached value for ``key``, loading it with ``load`` when missing or stale."""
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is None or (entry[1].done() and now - entry[0] > self.ttl):
            task = asyncio.ensure_future(load())
            entry = (now, task)
            self._entries[key] = entry
        try:
            return await asyncio.shield(entry[1])
        except BaseException:
            if self._entries.get(key) is entry:
                del self._entries[key]
            raise

    async def refresh(self, key: tuple[int, str], load: Callable[[], Awaitable[Any]]) -> Any:
        """Loads ``key`` anew and caches the result. Until it is in, the old entry keeps serving other
        callers (a failed refresh leaves it as it was)."""
        value = await load()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(value)
        self._entries[key] = (time.monotonic(), future)
        return value

    def invalidate(self, user_id: int) -> None:
        """Drops everything cached for a user (after a write)."""
        for key in [k for k in self._entries if k[0] == user_id]:
            del self._entries[key]

    def clear(self) -> None:
        """Drops everything."""
        self._entries.clear()


class ServerDirectory:
    """Lists and resolves a user's servers through their own key."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.cache = TTLCache(ttl)

    async def all(self, user_id: int, api: AsyncJexactyl, *, fresh: bool = False) -> list[ServerRef]:
        """Every server the user's key can reach (all pages); ``fresh`` asks the panel again."""

        async def load() -> list[ServerRef]:
            response = await api.client.servers.list_servers(params={"per_page": 100})
            return [ServerRef.from_api(item) for item in await response.collect()]

        fetch = self.cache.refresh if fresh else self.cache.get
        result: list[ServerRef] = await fetch((user_id, "servers"), load)
        return result

    async def resolve(self, user_id: int, api: AsyncJexactyl, value: str) -> ServerRef:
        """Finds the server the user meant: by identifier, UUID, or (unique, case-insensitive) name.

        Raises:
            UserFacingError: nothing of the user's matches, or a name matches several servers.
        """
        wanted = value.strip()
        if not wanted:
            raise UserFacingError("Pick a server from the suggestions.")
        for attempt in range(2):
            servers = await self.all(user_id, api, fresh=attempt == 1)
            for server in servers:
                if wanted in (server.identifier, server.uuid):
                    return server
            named = [s for s in servers if s.name.casefold() == wanted.casefold()]
            if len(named) == 1:
                return named[0]
            if len(named) > 1:
                raise UserFacingError(
                    f"Several of your servers are named “{escape(clip(wanted, 100))}”: pick one from the suggestions."
                )
        raise UserFacingError(
            f"No server matching “{escape(clip(wanted, 100))}” on your panel account. Pick one from the suggestions."
        )

    async def choices(self, user_id: int, api: AsyncJexactyl, current: str) -> list[app_commands.Choice[str]]:
        """Up to 25 autocomplete choices (name and identifier) filtered by what the user typed."""
        needle = current.strip().casefold()
        servers = await self.all(user_id, api)
        matches = [s for s in servers if not needle or needle in s.name.casefold() or needle in s.identifier]
        return [
            app_commands.Choice(name=clip(f"{s.name} ({s.identifier})", CHOICE_NAME_MAX), value=s.identifier)
            for s in matches[:CHOICES_MAX]
        ]
