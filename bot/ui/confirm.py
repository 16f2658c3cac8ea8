"""A yes/no confirmation: author-only, a danger button, disabled after use or timeout."""

from __future__ import annotations

from typing import Any

import discord

from .base import BotView


class ConfirmView(BotView):
    """Two buttons; :attr:`value` is ``True`` (confirmed), ``False`` (cancelled) or ``None`` (timed out).

    Args:
        origin: The interaction asking; only its user may answer.
        confirm_label: Label of the danger button, e.g. ``Delete backup``.
        timeout: Seconds to wait for an answer.
    """

    not_yours = "This confirmation is not yours."

    def __init__(self, origin: discord.Interaction[Any], confirm_label: str, *, timeout: float = 60.0) -> None:
        super().__init__(origin, timeout=timeout)
        self.value: bool | None = None
        self.confirm_button.label = confirm_label[:80]

    def disable_buttons(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True

    async def _answer(self, interaction: discord.Interaction[Any], value: bool) -> None:
        self.value = value
        self.disable_buttons()
        await interaction.response.edit_message(view=self)
        self.stop()

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm_button(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._answer(interaction, True)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel_button(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._answer(interaction, False)


async def confirm(
    interaction: discord.Interaction[Any], question: str, confirm_label: str, *, timeout: float = 60.0
) -> bool:
    """Asks ``question`` ephemerally (the interaction must be deferred) and waits for the answer.

    Returns ``True`` only when the user pressed the danger button; the message then says what happens next.
    """
    view = ConfirmView(interaction, confirm_label, timeout=timeout)
    message = await interaction.followup.send(question, view=view, ephemeral=True, wait=True)
    await view.wait()
    if view.value is None:
        view.disable_buttons()
        content = f"{question}\n*Timed out: nothing was done.*"
        await interaction.followup.edit_message(message.id, content=content, view=view)
    elif not view.value:
        content = f"{question}\n*Cancelled: nothing was done.*"
        await interaction.followup.edit_message(message.id, content=content, view=None)
    return bool(view.value)
