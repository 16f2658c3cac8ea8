"""The modal that takes a client API key: the key is never a slash-command option, so it cannot be
posted publicly by a command that fails to resolve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from ..embeds import escape
from ..linking import link_account
from .base import BotModal

if TYPE_CHECKING:
    from ..app import JexactylBot


FORM_TIMEOUT = 900.0
"""Seconds the form waits for its submission. discord.py keeps a form until then, and a dismissed form is
never submitted: without a timeout every dismissed form would stay in memory for the life of the bot."""


class LinkModal(BotModal, title="Link your panel account"):
    """One field: the client API key. On submit the key is checked live and stored encrypted.

    Args:
        origin: The ``/account link`` interaction.
        timeout: Seconds the form waits (:data:`FORM_TIMEOUT`); a later submission is told to start again.
    """

    key: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Client API key",
        placeholder="ptlc_… from Account → API Credentials",
        min_length=16,
        max_length=100,
        style=discord.TextStyle.short,
    )

    def __init__(self, origin: discord.Interaction[Any], *, timeout: float = FORM_TIMEOUT) -> None:
        super().__init__(origin, timeout=timeout)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot: JexactylBot = interaction.client
        link = await link_account(bot, interaction.user.id, str(self.key.value))
        admin = " You are a panel administrator." if link.is_panel_admin else ""
        await interaction.followup.send(
            f"Linked to panel account **{escape(link.panel_username)}**.{admin} Try `/server list`.",
            ephemeral=True,
        )
