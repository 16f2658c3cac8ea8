"""The task behind one status board: when to edit (coalescing, spacing, back-off) and what to show.

:class:`BoardRunner` keeps one server's board current from its :class:`~bot.watch.subscription.Subscription`;
:class:`OverviewRunner` keeps an overview of the owner's servers (re-reading the list every 10 minutes). The
rules are in :mod:`bot.watch.boards`; the :class:`~bot.watch.boards.BoardManager` starts, pauses and removes
runners.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import NotLinkedError
from pyjexactyl.events import Stats, StatusChanged

from .channels import classify, describe_forbidden
from .model import DetailsChanged, FeedStatus, WatchEvent
from .render import OVERVIEW_LINES, OverviewLine, board_embed, overview_embed, paused_overview
from .store import BoardRow
from .subscription import Subscription

if TYPE_CHECKING:
    from .boards import BoardManager

__all__ = ["OVERVIEW_REFRESH", "BoardRunner", "OverviewRunner"]

log = logging.getLogger("bot.watch.boards")

SLOW_EDIT = 1.0
"""Seconds an edit may take before the board counts it as rate limited and slows down."""
MAX_BACKOFF = 8.0
OVERVIEW_REFRESH = 600.0
"""Seconds between two reads of an overview owner's server list."""


class BoardRunner:
    """The task that keeps one board's message current."""

    def __init__(self, manager: BoardManager, row: BoardRow) -> None:
        self.manager = manager
        self.row = row
        self.subs: list[Subscription] = []
        self.backoff = 1.0
        self.edits = 0
        self.last_edit = -float("inf")
        self._dirty = True
        self._urgent = True
        self._wake = asyncio.Event()
        self._last_payload: dict[str, Any] | None = None
        self.task: asyncio.Task[None] | None = None
        self._jitter = 1.0 + random.random() * 0.1

    # -- events

    def on_event(self, sub: Subscription, event: WatchEvent) -> None:
        if isinstance(event, StatusChanged | FeedStatus | DetailsChanged):
            self.mark(urgent=True)
        elif isinstance(event, Stats):
            self.mark(urgent=False)

    def mark(self, *, urgent: bool) -> None:
        self._dirty = True
        self._urgent = self._urgent or urgent
        self._wake.set()

    def spacing(self) -> float:
        """Seconds from the last edit to the next one: the usage interval (with up to 10% of jitter, so boards
        made together do not all edit at once and fill their channel's edit bucket), times the back-off; a
        state change only waits :attr:`BoardManager.state_gap`, slowed only by sustained rate limiting (a
        back-off past ×2), so one slow edit does not hold up the next state change."""
        if self._urgent:
            return self.manager.state_gap * max(1.0, self.backoff / 2)
        return self.manager.interval * self.backoff * self._jitter

    # -- rendering

    def ready(self) -> bool:
        """Whether there is something to show (not only "connecting", which the message already says)."""
        return any(sub.snapshot.link != "connecting" for sub in self.subs)

    def render(self, banner: str | None = None) -> discord.Embed:
        sub = self.subs[0]
        return board_embed(
            sub.snapshot, fallback_name=self.row.server_name, interval=self.manager.interval, banner=banner
        )

    # -- the loop

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            if not self._dirty or not self.ready():
                await self._wake.wait()
                continue
            due = self.last_edit + self.spacing()
            if loop.time() < due:
                try:
                    await asyncio.wait_for(self._wake.wait(), due - loop.time())
                except TimeoutError:
                    pass
                continue
            self._dirty = self._urgent = False
            embed = self.render()
            payload: dict[str, Any] = dict(embed.to_dict())
            if payload == self._last_payload:
                continue
            if not await self.edit(embed):
                return
            self._last_payload = payload

    async def edit(self, embed: discord.Embed) -> bool:
        """One edit of the message; ``False`` when the board stopped (removed or paused)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        message = self.manager.bot.get_partial_messageable(
            self.row.channel_id, guild_id=self.row.guild_id
        ).get_partial_message(self.row.message_id)
        try:
            await message.edit(content=None, embed=embed, allowed_mentions=discord.AllowedMentions.none())
        except (discord.HTTPException, discord.RateLimited) as exc:
            outcome = classify(exc)
            self.last_edit = loop.time()
            if outcome == "gone":
                log.info("board %d: its message or channel was deleted; removing it", self.row.id)
                asyncio.get_running_loop().call_soon(self.manager.forget_soon, self.row.id)
                return False
            if outcome == "forbidden":
                await self.manager.pause(self, describe_forbidden(exc))
                return False
            if outcome == "rate_limited":
                self.backoff = min(MAX_BACKOFF, self.backoff * 2)
                log.info("board %d: Discord rate-limited an edit; spacing edits ×%g", self.row.id, self.backoff)
            else:
                log.warning("board %d: an edit failed (%s); trying again later", self.row.id, exc)
            self.mark(urgent=False)
            return True
        finished = loop.time()
        self.last_edit = finished
        self.edits += 1
        if finished - started > SLOW_EDIT:
            self.backoff = min(MAX_BACKOFF, self.backoff * 2)
            log.info(
                "board %d: an edit waited %.1f s for Discord; spacing edits ×%g",
                self.row.id,
                finished - started,
                self.backoff,
            )
        else:
            self.backoff = max(1.0, self.backoff * 0.75)
        return True

    async def start(self) -> None:
        hub = self.manager.bot.watch
        assert self.row.server_id is not None
        self.subs = [
            await hub.subscribe(
                self.row.owner_id, self.row.server_id, purpose="board", listener=self.on_event, details=True
            )
        ]

    def adopt(self, sub: Subscription) -> None:
        """Takes over the subscription that was opened to post the board."""
        sub.set_listener(self.on_event)
        self.subs = [sub]
        self._last_payload = None

    def stop(self) -> None:
        if self.task is not None and self.task is not asyncio.current_task():  # pause() runs in the task
            self.task.cancel()
        for sub in self.subs:
            sub.close()
        self.subs = []


class OverviewRunner(BoardRunner):
    """An overview: the owner's servers (the first :data:`OVERVIEW_LINES`), one line each."""

    def __init__(self, manager: BoardManager, row: BoardRow) -> None:
        super().__init__(manager, row)
        self.names: dict[str, str] = {}
        self.more = 0
        self.link_gone = False
        self._refresher: asyncio.Task[None] | None = None

    def ready(self) -> bool:
        return self.link_gone or not self.subs or super().ready()

    def render(self, banner: str | None = None) -> discord.Embed:
        unlinked = self.subs and all(s.snapshot.pause is not None and s.snapshot.pause.link_gone for s in self.subs)
        if self.link_gone or unlinked:
            return paused_overview("paused: the owner's panel link is gone")
        lines = [OverviewLine(s.server_id, self.names.get(s.server_id, s.server_id), s.snapshot) for s in self.subs]
        updated = max((s.snapshot.updated_at or 0 for s in self.subs), default=0) or None
        return overview_embed(lines, more=self.more, updated_at=updated, banner=banner)

    async def start(self) -> None:
        await self.refresh()
        self._refresher = asyncio.create_task(self._refresh_loop(), name=f"board-{self.row.id}-list")

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.manager.overview_refresh)
            try:
                await self.refresh()
            except Exception:
                log.exception("board %d: could not refresh the server list", self.row.id)

    async def refresh(self) -> None:
        """Reads the owner's server list and (re)subscribes to the first :data:`OVERVIEW_LINES`."""
        bot = self.manager.bot
        try:
            panel = await bot.panels.for_user(self.row.owner_id)
            servers = await bot.servers.all(self.row.owner_id, panel.api, fresh=True)
        except NotLinkedError:
            self.link_gone = True
            self._close_subs()
            self.mark(urgent=True)
            return
        except Exception as exc:
            log.info("board %d: the owner's server list could not be read (%s)", self.row.id, type(exc).__name__)
            return
        self.link_gone = False
        shown = servers[:OVERVIEW_LINES]
        self.more = max(0, len(servers) - len(shown))
        self.names = {s.identifier: s.name for s in shown}
        current = {s.server_id: s for s in self.subs}
        subs: list[Subscription] = []
        for server in shown:
            sub = current.pop(server.identifier, None)
            if sub is None:
                sub = await bot.watch.subscribe(
                    self.row.owner_id, server.identifier, purpose="overview", listener=self.on_event
                )
            subs.append(sub)
        for sub in current.values():
            sub.close()
        self.subs = subs
        self.mark(urgent=True)

    def _close_subs(self) -> None:
        for sub in self.subs:
            sub.close()
        self.subs = []

    def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
        super().stop()
