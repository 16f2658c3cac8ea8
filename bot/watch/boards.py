"""Status boards: public messages the bot keeps current, one task per board.

Edits are **coalesced**: an event only marks the board dirty (urgent for a state or health change, plain for
stats); the board's task renders the latest snapshot when its next edit is due, so a burst of events is one
edit and the latest state wins. A state change is due :attr:`BoardManager.state_gap` (2 s) after the previous
edit at most, usage :attr:`BoardManager.interval` (``BOARD_INTERVAL``, plus up to 10% of jitter) after it; an
unchanged render is not sent. One edit per board is in flight at a time, so nothing queues: an edit that
Discord rate-limited (a 429, or discord.py waiting for an exhausted bucket: the edit takes longer than
:data:`SLOW_EDIT`) doubles the board's usage spacing (up to ×8), and fast edits bring it back; state changes
slow down too once the back-off passes ×2 (sustained limiting).

A board whose message or channel is gone is removed quietly; one the bot may no longer edit is paused with a
log line (and picked up again when the guild's channels or roles change). At shutdown every live board is
edited to "monitoring paused (bot restarting)" within the budget; the next start resumes them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from typing import TYPE_CHECKING

import discord

from .board_runner import OVERVIEW_REFRESH, BoardRunner, OverviewRunner
from .changes import Changes
from .channels import classify, missing_bot_permissions
from .render import RESTARTING
from .store import BoardRow, WatchStore
from .subscription import Subscription

if TYPE_CHECKING:
    from bot.app import JexactylBot

__all__ = ["BoardManager"]

log = logging.getLogger("bot.watch.boards")

class BoardManager:
    """Every board of the bot (see the module docstring).

    Args:
        bot: The bot (its hub, panel clients, and Discord connection).
        store: Where boards are stored.
        interval: ``BOARD_INTERVAL``: seconds between two usage edits.
    """

    def __init__(self, bot: JexactylBot, store: WatchStore, *, interval: float) -> None:
        self.bot = bot
        self.store = store
        self.interval = interval
        self.state_gap = 2.0
        """Seconds after the previous edit at which a state change is shown at the latest."""
        self.overview_refresh = OVERVIEW_REFRESH
        self.runners: dict[int, BoardRunner] = {}
        self._paused: dict[int, BoardRow] = {}
        self._forgetting: set[asyncio.Task[None]] = set()
        self.changes = Changes()
        """Notified when a board starts, stops, is paused or removed (tests wait on it)."""

    # ------------------------------------------------------------------ start

    async def resume(self) -> None:
        """Starts every stored board (the next start after a shutdown): the same messages are edited again. One
        paused for a missing permission is tried again (its first edit pauses it again if still refused)."""
        for row in await self.store.boards():
            if row.paused:
                await self.store.set_board_paused(row.id, None)
                row = dataclasses.replace(row, paused=None)
            await self._start(row)
        if self.runners:
            log.info("resumed %d board(s)", len(self.runners))

    async def _start(self, row: BoardRow, sub: Subscription | None = None) -> BoardRunner:
        runner: BoardRunner = OverviewRunner(self, row) if row.kind == "overview" else BoardRunner(self, row)
        if sub is not None:
            runner.adopt(sub)
            runner.last_edit = asyncio.get_running_loop().time()
        else:
            await runner.start()
        runner.task = asyncio.create_task(runner.run(), name=f"board-{row.id}")
        self.runners[row.id] = runner
        self.changes.notify()
        return runner

    async def added(self, row: BoardRow, sub: Subscription | None) -> None:
        """A board was just posted and stored: keep it current (``sub``: the subscription used to post it)."""
        await self._start(row, sub)

    # ------------------------------------------------------------------ status for /board list

    def status_of(self, board_id: int) -> str:
        """``live``, ``connecting``, or why it is paused, for ``/board list``."""
        runner = self.runners.get(board_id)
        if runner is None:
            paused = self._paused.get(board_id)
            return f"paused: {paused.paused}" if paused is not None and paused.paused else "stopped"
        if isinstance(runner, OverviewRunner) and runner.link_gone:
            return "paused: the owner's panel link is gone"
        if not runner.subs:
            return "live"
        snapshot = runner.subs[0].snapshot
        if snapshot.pause is not None:
            return snapshot.pause.sentence
        return {"connected": "live", "connecting": "connecting"}.get(snapshot.link, "node unreachable")

    # ------------------------------------------------------------------ removal and pauses

    async def remove(self, board_id: int, *, delete_message: bool) -> BoardRow | None:
        """Stops and forgets a board (deleting its message when asked); returns its row, or ``None``.

        It stays in :attr:`runners` until it is gone from the database too, so a wait on :attr:`runners` sees
        it only when it is gone for good.
        """
        runner = self.runners.get(board_id)
        row = runner.row if runner is not None else self._paused.get(board_id)
        if runner is not None:
            runner.stop()
        if row is None:
            row = await self.store.board(board_id)
        if row is not None:
            await self.store.remove_board(board_id)
        self.runners.pop(board_id, None)
        self._paused.pop(board_id, None)
        self.changes.notify()
        if row is None:
            return None
        if delete_message:
            message = self.bot.get_partial_messageable(row.channel_id, guild_id=row.guild_id).get_partial_message(
                row.message_id
            )
            try:
                await message.delete()
            except discord.HTTPException as exc:
                if classify(exc) != "gone":
                    log.warning("board %d: its message could not be deleted (%s)", board_id, exc)
        return row

    def forget_soon(self, board_id: int) -> None:
        """Removes a board whose message is gone (from a callback)."""
        task = asyncio.create_task(self._forget(board_id), name=f"board-{board_id}-forget")
        self._forgetting.add(task)
        task.add_done_callback(self._forgetting.discard)

    async def _forget(self, board_id: int) -> None:
        await self.remove(board_id, delete_message=False)

    async def pause(self, runner: BoardRunner, reason: str) -> None:
        """The bot may not edit the board's message any more: stop editing it, say why in the log."""
        row = runner.row
        log.warning(
            "board %d in channel %d paused: %s. Give the bot View Channel, Send Messages and Embed Links there; "
            "it resumes when the channel or a role changes, or at the next start",
            row.id,
            row.channel_id,
            reason,
        )
        self.runners.pop(row.id, None)
        runner.stop()
        await self.store.set_board_paused(row.id, "the bot lacks a permission in the channel")
        self._paused[row.id] = (await self.store.board(row.id)) or row
        self.changes.notify()

    async def message_deleted(self, message_ids: set[int]) -> None:
        """Messages were deleted (gateway events): their boards go, quietly."""
        for board_id in [b for b, r in self.runners.items() if r.row.message_id in message_ids] + [
            b for b, r in self._paused.items() if r.message_id in message_ids
        ]:
            log.info("board %d: its message was deleted; removing it", board_id)
            await self.remove(board_id, delete_message=False)

    async def channel_deleted(self, channel_id: int) -> None:
        """A channel was deleted: its boards go, quietly."""
        for board_id in [b for b, r in self.runners.items() if r.row.channel_id == channel_id] + [
            b for b, r in self._paused.items() if r.channel_id == channel_id
        ]:
            log.info("board %d: its channel was deleted; removing it", board_id)
            await self.remove(board_id, delete_message=False)

    async def recheck(self, guild: discord.Guild) -> None:
        """The guild's channels or roles changed: resume its paused boards the bot may edit again."""
        for board_id, row in list(self._paused.items()):
            if row.guild_id != guild.id:
                continue
            channel = guild.get_channel(row.channel_id)
            if not isinstance(channel, discord.abc.GuildChannel) or missing_bot_permissions(channel):
                continue
            del self._paused[board_id]
            await self.store.set_board_paused(board_id, None)
            log.info("board %d: the bot may edit it again; resuming", board_id)
            await self._start(row)

    # ------------------------------------------------------------------ shutdown

    async def shutdown(self, budget: float) -> int:
        """Stops every board and edits the live ones to "monitoring paused (bot restarting)", within
        ``budget`` seconds; returns how many were edited."""
        runners = list(self.runners.values())
        self.runners.clear()
        for task in self._forgetting:
            task.cancel()
        tasks = [runner.task for runner in runners if runner.task is not None]
        for task in tasks:
            task.cancel()
        # Let an edit in flight end first, so it cannot land after (and over) the "paused" one.
        if tasks:
            await asyncio.wait(tasks, timeout=min(1.0, budget / 4))
        embeds = [(runner, runner.render(banner=RESTARTING)) for runner in runners if runner.ready()]
        edited = 0

        async def pause_one(runner: BoardRunner, embed: discord.Embed) -> None:
            nonlocal edited
            message = self.bot.get_partial_messageable(
                runner.row.channel_id, guild_id=runner.row.guild_id
            ).get_partial_message(runner.row.message_id)
            try:
                await message.edit(content=None, embed=embed, allowed_mentions=discord.AllowedMentions.none())
                edited += 1
            except (discord.HTTPException, discord.RateLimited) as exc:
                log.info("board %d: could not show the pause (%s)", runner.row.id, type(exc).__name__)

        started = time.monotonic()
        if embeds:
            tasks = [asyncio.create_task(pause_one(r, e)) for r, e in embeds]
            _, pending = await asyncio.wait(tasks, timeout=budget)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("%d board(s) were not marked paused within %.1f s", len(pending), budget)
            log.info("marked %d board(s) paused for the restart in %.2f s", edited, time.monotonic() - started)
        for runner in runners:
            runner.stop()
        return edited
