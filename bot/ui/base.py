"""The base classes of every view and form the bot sends: owner-only, tracked, one error ladder.

:class:`BotView` and :class:`BotModal` are built from the interaction that opens them (``origin``). They

* register with the bot's :class:`~bot.tracking.InteractionTracker`, so a click or a submission counts as in
  flight until its callback (or error handler) has finished, and an answer to a view that no longer exists
  can be told apart (``JexactylBot.on_interaction`` answers it);
* name their interactions after the command that opened them in the log (``command=account link``), not
  after a random custom_id;
* send every error through :func:`bot.errors.report_error`.

Only public discord.py hooks are used: ``interaction_check`` and ``on_error``.
"""

from __future__ import annotations

from typing import Any

import discord

from ..errors import interaction_name, report_error

__all__ = ["BotModal", "BotView"]


def _register(origin: discord.Interaction[Any], view: discord.ui.View | discord.ui.Modal) -> None:
    tracker = getattr(origin.client, "tracker", None)
    if tracker is not None:
        tracker.track_view(view)


def _handling(interaction: discord.Interaction[Any], command: str) -> None:
    """Marks ``interaction`` as handled by the current task and names it after ``command``."""
    interaction.extras["command"] = command
    tracker = getattr(interaction.client, "tracker", None)
    if tracker is not None:
        tracker.attach(interaction)


class BotView(discord.ui.View):
    """A view only the person who opened it may use.

    Args:
        origin: The interaction whose answer carries this view (its user owns the view).
        timeout: Seconds of inactivity before the view stops listening.
    """

    not_yours = "This is not yours: run the command yourself."
    """What anyone else who presses a button is told (ephemerally)."""

    def __init__(self, origin: discord.Interaction[Any], *, timeout: float | None = 180.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = origin.user.id
        self.command_name = interaction_name(origin)
        _register(origin, self)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        _handling(interaction, self.command_name)
        if interaction.user.id != self.owner_id:
            interaction.extras["outcome"] = "rejected:not-owner"
            await interaction.response.send_message(self.not_yours, ephemeral=True)
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        _handling(interaction, self.command_name)
        await report_error(interaction, error)


class BotModal(discord.ui.Modal):
    """A form. Subclasses set ``title=`` in the class statement and implement ``on_submit``.

    Args:
        origin: The interaction that opens the form (a slash command, or a button of a :class:`BotView`).
        timeout: Seconds before the form stops listening (``None``: until submitted).
    """

    def __init__(self, origin: discord.Interaction[Any], *, timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        self.command_name = interaction_name(origin)
        _register(origin, self)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        _handling(interaction, self.command_name)
        return True

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:  # type: ignore[override]
        _handling(interaction, self.command_name)
        await report_error(interaction, error)
