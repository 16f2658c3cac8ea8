"""Renewal reminders (Jexactyl v3): after a member's command has been answered, an ephemeral note about their
servers whose renewal is due (:mod:`bot.reminders` decides who and how often). No commands of its own.

It listens to discord.py's ``app_command_completion`` event, which fires once a slash command's handler has
returned without error, in its own task: the note follows the command's answer and never delays it. The task is
attached to the interaction (:meth:`bot.tracking.InteractionTracker.attach`), which stays in flight until the
note is out. A command
answered with a form (``/account link``) gets no note (a form's interaction takes no follow-up message).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.panel_kind import JEXACTYL_V3
from bot.reminders import RenewalReminders, reminder_text
from pyjexactyl.exceptions import JexactylError

if TYPE_CHECKING:
    from bot.app import JexactylBot

log = logging.getLogger("cogs.reminders")

_ANSWERED = (
    discord.InteractionResponseType.channel_message,
    discord.InteractionResponseType.deferred_channel_message,
)
SKIPPED = frozenset({"server renew"})
"""Commands after which no reminder is sent (the renewal's own answer says where the server stands)."""


class Reminders(commands.Cog):
    """Sends the renewal reminders."""

    def __init__(self, bot: JexactylBot) -> None:
        self.bot = bot
        self.reminders = RenewalReminders(bot.config.renewal_warn_days)

    @commands.Cog.listener()
    async def on_app_command_completion(
        self,
        interaction: discord.Interaction[Any],
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        if self.bot.closing or command.qualified_name in SKIPPED or interaction.response.type not in _ANSWERED:
            return
        if not self.reminders.enabled or self.bot.panels.kind.known(JEXACTYL_V3) is False:
            return  # no renewal on this panel: nothing is looked at
        # The command's task dispatched this one just before it ended: the interaction stays in flight (and a
        # shutdown waits) until the reminder is out, and its log line follows it.
        self.bot.tracker.attach(interaction)
        try:
            await self._remind(interaction)
        except (UserFacingError, JexactylError, discord.HTTPException) as exc:  # a reminder is never an error
            log.debug("no renewal reminder for user %s: %r", interaction.user.id, exc)

    async def _remind(self, interaction: discord.Interaction[Any]) -> None:
        user_id = interaction.user.id
        panel = await self.bot.panels.for_user(user_id)  # also keeps what the command taught the client (no request)
        # Never asks the panel: the bot knows it is Jexactyl v3 once a server list or object has shown it.
        if self.bot.panels.kind.known(JEXACTYL_V3) is not True or not self.reminders.should_check(user_id):
            return
        due = self.reminders.take_due(user_id, await self.bot.servers.all(user_id, panel.api))
        if due:
            await interaction.followup.send(reminder_text(due), ephemeral=True)
            log.info("reminded user %s of %d renewal(s) due", user_id, len(due))


async def setup(bot: JexactylBot) -> None:
    """Adds the renewal reminders."""
    await bot.add_cog(Reminders(bot))
