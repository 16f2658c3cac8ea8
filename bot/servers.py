"""The user's servers: a short-lived per-user cache for autocomplete, re-resolution of whatever the user
submits against their own server list (so no typed value ever reaches a panel path unchecked), and the one
way a server is named to the user.

**Naming a server.** Any panel user can make anyone a subuser of their own server and name it like someone
else's server, identifier included. So a suggestion's label always *ends* with the server's own identifier
(the name is clipped, never the identifier), says ``shared`` for a server the user does not own, and has no
control, direction-override or zero-width characters that could reorder or hide parts of it
(:func:`choice_label`, used by every server autocomplete). Every answer that acts on a server names it with
its identifier (:func:`server_mention`).

**The cache** (:class:`TTLCache`) shares one load between concurrent callers, keeps a load going when the
keystroke that started it gave up (so the next keystroke finds it done), shares in-flight refreshes, and
never keeps a failed load.
"""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from discord import app_commands

from pyjexactyl import AsyncJexactyl

from .embeds import clip, escape
from .errors import UserFacingError
from .panel_kind import JEXACTYL_V3
from .renewal import renewal_days

CHOICE_NAME_MAX = 100
CHOICES_MAX = 25
SHARED = "shared"
"""What a suggestion says of a server the user does not own (a subuser's access)."""

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Control, format (direction overrides, zero-width), surrogate, private-use, unassigned, line/paragraph
separators: never shown in a label."""


def plain_text(text: str) -> str:
    """``text`` on one line without invisible or reordering characters, runs of white space made one space.

    Example:
        >>> plain_text("Lobby\u202e\n\tdlrow")
        'Lobby dlrow'
    """
    kept: list[str] = []
    for ch in text:
        if ch.isspace():
            kept.append(" ")
        elif unicodedata.category(ch) not in _HIDDEN_CATEGORIES:
            kept.append(ch)
    return " ".join("".join(kept).split())


@dataclass(frozen=True, slots=True)
class ServerRef:
    """What the bot needs to know of one of the user's servers."""

    identifier: str
    uuid: str
    name: str
    status: str | None = None
    owner: bool = True
    """Whether the user owns it (``server_owner``); ``False`` for a server shared with them as a subuser."""
    renewal: int | None = None
    """Days left before Jexactyl v3 suspends it for want of renewal (``renewal`` of a ``renewable`` server);
    ``None`` for a server that is not renewed (and on every other panel)."""

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> ServerRef:
        attributes = item.get("attributes", item)
        return cls(
            identifier=str(attributes["identifier"]),
            uuid=str(attributes.get("uuid", "")),
            name=str(attributes.get("name", attributes["identifier"])),
            status=attributes.get("status"),
            owner=attributes.get("server_owner") is not False,
            renewal=renewal_days(attributes),
        )



def choice_label(server: ServerRef) -> str:
    """The autocomplete label of ``server``: ``name · identifier``, or ``name · shared · identifier`` for a
    server the user does not own, within Discord's 100 characters by clipping the name only.

    Example:
        >>> choice_label(ServerRef("1a2b3c4d", "", "Survival", owner=False))
        'Survival · shared · 1a2b3c4d'
    """
    suffix = (f" · {SHARED}" if not server.owner else "") + f" · {plain_text(server.identifier)}"
    name = plain_text(server.name) or "(no name)"
    room = CHOICE_NAME_MAX - len(suffix)
    if room < 1:  # an identifier no real panel makes: keep its end, which the user can compare
        return "…" + suffix[-(CHOICE_NAME_MAX - 1) :]
    return clip(name, room) + suffix


def server_mention(server: ServerRef, name_max: int = 100) -> str:
    """``**name** `identifier``` for answers (markdown escaped; the identifier in inline code)."""
    code = "`" + server.identifier.replace("`", "'") + "`"
    return f"**{escape(clip(plain_text(server.name) or server.identifier, name_max))}** {code}"


@dataclass(eq=False)
class _Entry:
    loaded_at: float
    future: asyncio.Future[Any]


class TTLCache:
    """Per-user cache of an async lookup: keys are ``(user_id, what)``.

    * :meth:`get` returns a fresh cached value, or starts a load that every concurrent caller shares. A caller
      that gives up (an autocomplete out of time) does not stop the load nor drop it: the next caller finds
      it, done or still running. A load that *fails* is not kept.
    * :meth:`refresh` asks anew; concurrent refreshes of a key share one load, and until it is in, the old
      entry keeps serving :meth:`get` (a failed refresh leaves it as it was).
    * :meth:`invalidate` (after a write) drops a user's entries, and a refresh that was under way then is
      not stored when it lands.

    Args:
        ttl: Seconds an answer stays fresh.
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[int, Hashable], _Entry] = {}
        self._refreshing: dict[tuple[int, Hashable], tuple[int, asyncio.Future[Any]]] = {}
        self._generation: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: tuple[int, Hashable], load: Callable[[], Awaitable[Any]]) -> Any:
        """The cached value for ``key``, loading it with ``load`` when missing or stale."""
        entry = self._entries.get(key)
        if entry is None or self._stale(entry, time.monotonic()):
            pending = self._current_refresh(key)
            if pending is not None:
                return await asyncio.shield(pending)
            entry = _Entry(time.monotonic(), asyncio.ensure_future(load()))
            self._entries[key] = entry
            entry.future.add_done_callback(lambda future: self._loaded(key, entry, future))
        return await asyncio.shield(entry.future)

    def _stale(self, entry: _Entry, now: float) -> bool:
        return entry.future.done() and now - entry.loaded_at > self.ttl

    def _loaded(self, key: tuple[int, Hashable], entry: _Entry, future: asyncio.Future[Any]) -> None:
        """A load ended: a failed one is not kept (its error went to the callers waiting then)."""
        failed = future.cancelled() or future.exception() is not None
        if failed and self._entries.get(key) is entry:
            del self._entries[key]

    def _current_refresh(self, key: tuple[int, Hashable]) -> asyncio.Future[Any] | None:
        """The refresh of ``key`` under way, if it started after the user's last write."""
        pending = self._refreshing.get(key)
        if pending is None or pending[0] != self._generation.get(key[0], 0):
            return None
        return pending[1]

    async def refresh(self, key: tuple[int, Hashable], load: Callable[[], Awaitable[Any]]) -> Any:
        """Loads ``key`` anew (sharing a refresh already under way) and caches the result."""
        pending = self._current_refresh(key)
        if pending is None:
            generation = self._generation.get(key[0], 0)
            started: asyncio.Future[Any] = asyncio.ensure_future(load())
            self._refreshing[key] = (generation, started)
            started.add_done_callback(lambda future: self._refreshed(key, generation, future))
            pending = started
        return await asyncio.shield(pending)

    def _refreshed(self, key: tuple[int, Hashable], generation: int, future: asyncio.Future[Any]) -> None:
        current = self._refreshing.get(key)
        if current is not None and current[1] is future:
            del self._refreshing[key]
        if future.cancelled() or future.exception() is not None:
            return
        if self._generation.get(key[0], 0) == generation:  # no write since it started
            self._entries[key] = _Entry(time.monotonic(), future)

    def pending(self, key: tuple[int, Hashable]) -> asyncio.Future[Any] | None:
        """The load or refresh of ``key`` under way, if any (tests wait for it instead of sleeping)."""
        refreshing = self._current_refresh(key)
        if refreshing is not None:
            return refreshing
        entry = self._entries.get(key)
        return entry.future if entry is not None and not entry.future.done() else None

    def invalidate(self, user_id: int) -> None:
        """Drops everything cached for a user (after a write); a refresh under way is then not stored."""
        self._generation[user_id] = self._generation.get(user_id, 0) + 1
        for key in [k for k in self._entries if k[0] == user_id]:
            del self._entries[key]

    def prune(self) -> int:
        """Drops the stale entries of every user (the bot calls it every minute); returns how many."""
        now = time.monotonic()
        stale = [key for key, entry in self._entries.items() if self._stale(entry, now)]
        for key in stale:
            del self._entries[key]
        if not self._refreshing:
            self._generation.clear()  # generations only matter to a refresh under way
        return len(stale)

    def clear(self) -> None:
        """Drops everything."""
        self._entries.clear()
        self._generation.clear()


class ServerDirectory:
    """Lists and resolves a user's servers through their own key."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.cache = TTLCache(ttl)

    async def all(self, user_id: int, api: AsyncJexactyl, *, fresh: bool = False) -> list[ServerRef]:
        """Every server the user's key can reach (all pages); ``fresh`` asks the panel again."""

        async def load() -> list[ServerRef]:
            response = await api.client.servers.list_servers(params={"per_page": 100})
            items = await response.collect()
            if any("renewable" in item.get("attributes", item) for item in items):
                # Only Jexactyl v3's server object has it (as GET /servers/{id} tells the client): the bot then
                # knows the panel renews servers without asking (bot.panel_kind reads the client's dialect).
                api.dialect.observe(JEXACTYL_V3, "GET /api/client/servers: a server object has 'renewable'")
            return [ServerRef.from_api(item) for item in items]

        fetch = self.cache.refresh if fresh else self.cache.get
        result: list[ServerRef] = await fetch((user_id, "servers"), load)
        return result

    async def resolve(self, user_id: int, api: AsyncJexactyl, value: str, *, reload: bool = True) -> ServerRef:
        """Finds the server the user meant: by identifier, UUID, or (unique, case-insensitive) name.

        Args:
            user_id: The Discord user.
            api: The user's client.
            value: What the user submitted.
            reload: When nothing matches in the cached list, ask the panel once more (a command does; an
                autocomplete does not: a made-up value would reload the whole list on every keystroke).

        Raises:
            UserFacingError: nothing of the user's matches, or a name matches several servers.
        """
        wanted = value.strip()
        if not wanted:
            raise UserFacingError("Pick a server from the suggestions.")
        for attempt in range(2 if reload else 1):
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
        """Up to 25 autocomplete choices (:func:`choice_label`) filtered by what the user typed."""
        needle = current.strip().casefold()
        servers = await self.all(user_id, api)
        matches = [s for s in servers if not needle or needle in s.name.casefold() or needle in s.identifier]
        return [app_commands.Choice(name=choice_label(s), value=s.identifier) for s in matches[:CHOICES_MAX]]
