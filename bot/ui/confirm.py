"""A yes/no confirmation: author-only, a danger button, disabled after use or timeout, and valid only under
the panel link it was asked under (see :class:`bot.ui.base.BotView`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from .base import BotView

if TYPE_CHECKING:
    from ..storage import LinkedAccount


class ConfirmView(BotView):
    """Two buttons; :attr:`value` is ``True`` (confirmed), ``False`` (cancelled) or ``None`` (timed out).

    Args:
        origin: The interaction asking; only its user may answer.
        confirm_label: Label of the danger button, e.g. ``Delete backup``.
        link: The panel link the action would run under.
        timeout: Seconds to wait for an answer.
    """

    not_yours = "This confirmation is not yours."

    def __init__(
        self, origin: discord.Interaction[Any], confirm_label: str, *, link: LinkedAccount, timeout: float = 60.0
    ) -> None:
        super().__init__(origin, timeout=timeout, link=link)
        self.value: bool | None = None
        self.stale = False
        """Set when the user pressed a button after the link changed: nothing is done."""
        self.confirm_button.label = confirm_label[:80]

    def on_stale_link(self) -> None:
        self.stale = True
        self.stop()

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
    interaction: discord.Interaction[Any],
    question: str,
    confirm_label: str,
    *,
    link: LinkedAccount,
    timeout: float = 60.0,
) -> bool:
    """Asks ``question`` ephemerally (the interaction must be deferred) and waits for the answer.

    Args:
        interaction: The deferred command.
        question: What is asked (markdown; panel text already escaped).
        confirm_label: Label of the danger button.
        link: The user's panel link the action would run under: if it was unlinked or replaced by the time
            a button is pressed, nothing is done and the question says so.
        timeout: Seconds to wait.

    Returns ``True`` only when the user pressed the danger button under the same link; the message then says
    what happens next.

    Example:
        >>> if await confirm(interaction, "Delete it?", "Delete backup", link=panel.account):  # doctest: +SKIP
        ...     await api.client.servers.backups.delete_backup(server, backup)
    """
    view = ConfirmView(interaction, confirm_label, link=link, timeout=timeout)
    message = await interaction.followup.send(question, view=view, ephemeral=True, wait=True)
    await view.wait()
    if view.stale:
        view.disable_buttons()
        changed = "Your panel link changed since this was asked (unlinked or linked again): nothing was done."
        content = f"{question}\n*{changed}*"
        await interaction.followup.edit_message(message.id, content=content, view=view)
    elif view.value is None:
        view.disable_buttons()
        content = f"{question}\n*Timed out: nothing was done.*"
        await interaction.followup.edit_message(message.id, content=content, view=view)
    elif not view.value:
        content = f"{question}\n*Cancelled: nothing was done.*"
        await interaction.followup.edit_message(message.id, content=content, view=None)
    return bool(view.value)
