"""The watchers as the bot runs them: boards and alerts resumed at start, kept in step with Discord's gateway
events (a deleted message or channel, a change of permissions), and paused at shutdown.

Gateway events reach it through listeners added with the public ``Bot.add_listener``: ``MESSAGE_DELETE``
(the bot asks for the GUILD_MESSAGES intent for it; it keeps no message cache), bulk deletes,
``CHANNEL_DELETE``, the bot leaving a guild, and channel and role updates (a paused board or alert may be
allowed again).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord

from .alerts import AlertManager
from .boards import BoardManager
from .store import WatchStore

if TYPE_CHECKING:
    from bot.app import JexactylBot

__all__ = ["PAUSE_BUDGET", "Watchers"]

log = logging.getLogger("bot.watch")

PAUSE_BUDGET = 6.0
"""Seconds a shutdown spends at most on marking the live boards paused (inside the bot's 8 s grace)."""


class Watchers:
    """Boards and alerts of the bot (the shared sessions are ``bot.watch``, the hub).

    Args:
        bot: The bot.
    """

    def __init__(self, bot: JexactylBot) -> None:
        self.bot = bot
        self.store = WatchStore(bot.storage)
        self.boards = BoardManager(bot, self.store, interval=bot.config.board_interval)
        self.alerts = AlertManager(bot, self.store, unreachable=bot.config.alert_unreachable)
        self._resumed: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        """Set once the stored boards and alerts have been resumed."""
        for name, listener in (
            ("on_raw_message_delete", self._on_message_delete),
            ("on_raw_bulk_message_delete", self._on_bulk_delete),
            ("on_guild_channel_delete", self._on_channel_delete),
            ("on_guild_remove", self._on_guild_remove),
            ("on_guild_channel_update", self._on_channel_update),
            ("on_guild_role_update", self._on_role_update),
        ):
            bot.add_listener(listener, name)

    def start(self) -> None:
        """Resumes the stored boards and alerts in the background (their sessions open staggered)."""
        if self._resumed is None:
            self._resumed = asyncio.create_task(self._resume(), name="watchers-resume")

    async def _resume(self) -> None:
        try:
            await self.boards.resume()
            await self.alerts.resume()
        except Exception:
            log.exception("could not resume the boards and alerts")
        finally:
            self.ready.set()

    async def shutdown(self, budget: float = PAUSE_BUDGET) -> None:
        """Stops the alerts and marks every live board "monitoring paused (bot restarting)" within ``budget``."""
        if self._resumed is not None and not self._resumed.done():
            self._resumed.cancel()
            await asyncio.gather(self._resumed, return_exceptions=True)
        await self.alerts.shutdown()
        await self.boards.shutdown(budget)

    # ------------------------------------------------------------------ gateway events

    async def _on_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self.boards.message_deleted({payload.message_id})

    async def _on_bulk_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self.boards.message_deleted(set(payload.message_ids))

    async def _on_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.boards.channel_deleted(channel.id)
        await self.alerts.channel_deleted(channel.id)

    async def _on_guild_remove(self, guild: discord.Guild) -> None:
        boards = [b.id for b in await self.store.boards(guild.id)]
        alerts = [a.id for a in await self.store.alerts(guild.id)]
        for board_id in boards:
            await self.boards.remove(board_id, delete_message=False)
        for alert_id in alerts:
            await self.alerts.remove(alert_id)
        if boards or alerts:
            log.info("left guild %d: forgot its %d board(s) and %d alert(s)", guild.id, len(boards), len(alerts))

    async def _on_channel_update(self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel) -> None:
        await self._recheck(after.guild)

    async def _on_role_update(self, before: discord.Role, after: discord.Role) -> None:
        await self._recheck(after.guild)

    async def _recheck(self, guild: discord.Guild) -> None:
        await self.boards.recheck(guild)
        await self.alerts.recheck(guild)
