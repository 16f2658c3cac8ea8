"""The buttons of a live console (``/server console``) and its command form.

* **Send command** opens a form (a form must be the first answer to the press, so it is not deferred; it
  touches nothing). Submitting it defers, checks the user's console-command rate (shared with
  ``/server command``) and that the link is still the one the console was opened under, re-resolves the server
  against the user's own list, and sends the line over the panel's HTTP route with the user's current key
  (audited like ``/server command``); the output shows up in the console itself.
* **Refresh** asks Wings for the recent lines again and re-renders; **Stop** ends the follow. Both defer at
  once (a deferred update: the console message is edited only by its own paced task).
* Only the person who opened it may press anything, and only under the link it was opened under
  (:class:`~bot.ui.base.BotView`); a press after an unlink or a re-link also ends the console.

The logic lives in :class:`bot.live_console.LiveConsole`; this module is only the Discord surface.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from pyjexactyl.exceptions import JexactylError

from ..audit import record_audit
from ..errors import STALE_LINK
from .base import BotModal, BotView, link_is_current

if TYPE_CHECKING:
    from ..live_console import LiveConsole
    from ..storage import LinkedAccount

__all__ = ["COMMAND_MAX", "CommandModal", "LiveConsoleView"]

COMMAND_MAX = 1000
"""Characters of one console command (as the ``command`` option of ``/server command``)."""
STOP_WAIT = 5.0
"""Seconds a Stop press waits for the console's last edit (it comes paced, within the edit interval)."""


class LiveConsoleView(BotView):
    """Send command, Refresh, Stop (see the module docstring).

    Args:
        origin: The ``/server console`` interaction.
        console: The live console these buttons drive.
        link: The panel link it was opened under.
    """

    not_yours = "This live console is not yours: run `/server console` yourself."

    def __init__(self, origin: discord.Interaction[Any], console: LiveConsole, *, link: LinkedAccount) -> None:
        super().__init__(origin, timeout=None, link=link)  # the console ends it (at most 10 minutes)
        self.console = console

    def on_stale_link(self) -> None:
        self.console.link_changed()
        super().on_stale_link()

    @discord.ui.button(label="Send command", style=discord.ButtonStyle.primary)
    async def send_command(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_modal(CommandModal(interaction, self.console))

    @discord.ui.button(label="Refresh", style=discord.ButtonStyle.secondary)
    async def refresh(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer()
        await self.console.refresh()

    @discord.ui.button(label="Stop", style=discord.ButtonStyle.danger)
    async def stop_following(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer()
        self.console.stop_pressed()
        await self.console.wait_closed(STOP_WAIT)


class CommandModal(BotModal, title="Send a console command"):
    """The form behind **Send command**.

    Args:
        origin: The button press that opens it.
        console: The live console it sends to.
    """

    line: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Command", placeholder="e.g. say hello", min_length=1, max_length=COMMAND_MAX
    )

    def __init__(self, origin: discord.Interaction[Any], console: LiveConsole) -> None:
        super().__init__(origin, timeout=300)
        self.console = console

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        console = self.console
        limits = console.consoles
        retry_after = limits.console_rate.hit(interaction.user.id)
        if retry_after:
            raise app_commands.CommandOnCooldown(
                app_commands.Cooldown(limits.console_rate.rate, limits.console_rate.per), retry_after
            )
        await interaction.response.defer()  # a deferred update: the console shows what follows
        line = self.line.value.strip()
        if not line:
            await interaction.followup.send("Type the console command to send.", ephemeral=True)
            return
        if console.ended is not None:
            await interaction.followup.send(
                "This live console has stopped: nothing was sent. Run `/server console` again.", ephemeral=True
            )
            return
        if not await link_is_current(interaction, console.link):
            interaction.extras["outcome"] = "rejected:stale-link"
            await interaction.followup.send(STALE_LINK, ephemeral=True)
            console.view.on_stale_link()
            return
        bot = limits.bot
        panel = await bot.panels.for_user(interaction.user.id)
        ref = await bot.servers.resolve(interaction.user.id, panel.api, console.ref.identifier)
        try:
            await panel.api.client.servers.send_console_command(ref.identifier, line)
        except JexactylError as exc:
            await self._audit(interaction, ref.identifier, line, f"failed: {type(exc).__name__}")
            raise
        await self._audit(interaction, ref.identifier, line, "ok")
        console.note_command(line)

    async def _audit(self, interaction: discord.Interaction[Any], target: str, line: str, outcome: str) -> None:
        await record_audit(
            self.console.consoles.bot.storage,
            "server.command",
            discord_user_id=interaction.user.id,
            target=target,
            outcome=outcome,
            detail=line,
        )
