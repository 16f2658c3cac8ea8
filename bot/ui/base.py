"""The base classes of every view and form the bot sends: owner-only, tracked, one error ladder.

:class:`BotView` and :class:`BotModal` are built from the interaction that opens them (``origin``). They

* register with the bot's :class:`~bot.tracking.InteractionTracker`, so a click or a submission counts as in
  flight until its callback (or error handler) has finished, and an answer to a view that no longer exists
  can be told apart (``JexactylBot.on_interaction`` answers it);
* name their interactions after the command that opened them in the log (``command=account link``), not
  after a random custom_id;
* send every error through :func:`bot.errors.report_error`;
* act only under the panel link they were made under, when given one (``link=``): a button pressed after the
  user unlinked, or re-linked (to another account or the same one), is refused with one sentence and the view
  stops. Every confirmation and every page of a list passes its link, so this one check covers them all.

Only public discord.py hooks are used: ``interaction_check`` and ``on_error``.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

import discord

from ..errors import STALE_LINK, interaction_name, report_error
from ..storage import StorageError

if TYPE_CHECKING:
    from ..storage import LinkedAccount

log = logging.getLogger("bot.ui")

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


async def link_is_current(interaction: discord.Interaction[Any], link: LinkedAccount) -> bool:
    """Whether ``link`` is still the user's link (not unlinked, not replaced by a re-link). A database that
    cannot be read counts as "no": the button then does nothing, which is the safe side."""
    storage = getattr(interaction.client, "storage", None)
    if storage is None:
        return True
    try:
        current = await storage.get_link(interaction.user.id)
    except (sqlite3.Error, StorageError) as exc:
        log.warning("could not read user %s's link to check a button: %s", interaction.user.id, exc)
        return False
    return bool(link.is_same_link(current))


class BotView(discord.ui.View):
    """A view only the person who opened it may use.

    Args:
        origin: The interaction whose answer carries this view (its user owns the view).
        timeout: Seconds of inactivity before the view stops listening.
        link: The panel link the view acts under: pressing anything after it was unlinked or replaced is
            refused (:data:`bot.errors.STALE_LINK`) and the view stops (:meth:`on_stale_link`).
    """

    not_yours = "This is not yours: run the command yourself."
    """What anyone else who presses a button is told (ephemerally)."""

    def __init__(
        self, origin: discord.Interaction[Any], *, timeout: float | None = 180.0, link: LinkedAccount | None = None
    ) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = origin.user.id
        self.command_name = interaction_name(origin)
        self.link = link
        _register(origin, self)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        _handling(interaction, self.command_name)
        if interaction.user.id != self.owner_id:
            interaction.extras["outcome"] = "rejected:not-owner"
            await interaction.response.send_message(self.not_yours, ephemeral=True)
            return False
        if self.link is not None and not await link_is_current(interaction, self.link):
            interaction.extras["outcome"] = "rejected:stale-link"
            await interaction.response.send_message(STALE_LINK, ephemeral=True)
            self.on_stale_link()
            return False
        return True

    def on_stale_link(self) -> None:
        """Called once a press was refused because the link changed; stops the view (subclasses say more)."""
        self.stop()

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
