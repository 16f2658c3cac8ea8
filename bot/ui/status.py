"""The buttons of a ``/server status`` card: **Refresh**, and the power actions that make sense for the state.

* offline: Start; starting or running: Stop, Restart, Kill; stopping: Kill; a server the panel gates
  (suspended, installing...) or whose state is unknown: Refresh only. Kill asks first (``confirm``).
* Only the person who ran the command may press them, and only under the panel link the card was made under
  (:class:`~bot.ui.base.BotView` checks both: a press after an unlink or a re-link does nothing and says so).
* Every press acts with the presser's **current** key and re-resolves the server against their own list, so a
  server they lost access to since is refused like a typed one. Power actions go through
  :class:`bot.power.PowerControl`: the same cooldown per (user, server) as the slash commands, the same audit
  and the same follow-up message; afterwards the card is read again and re-rendered with buttons for the new
  state.

Every press defers first (a deferred update: the card stays as it is until the new one is rendered).

Example:
    >>> details, usage = await fetch_status(panel.api, ref.identifier)  # doctest: +SKIP
    >>> view = StatusView(interaction, link=panel.account, ref=ref, state=card_state(details, usage), power=power)
    >>> await view.send(interaction, status_card(details, usage))  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import discord

from pyjexactyl.exceptions import ConflictError

from ..cards import gate_of, status_card
from .base import BotView

if TYPE_CHECKING:
    from pyjexactyl import AsyncJexactyl

    from ..power import PowerControl, Signal
    from ..servers import ServerRef
    from ..storage import LinkedAccount

__all__ = ["STATUS_VIEW_TIMEOUT", "StatusView", "actions_for", "card_state", "fetch_status"]

log = logging.getLogger("bot.ui.status")

STATUS_VIEW_TIMEOUT = 180.0
"""Seconds without a press before the buttons are taken away (as the list's page buttons). Every card with buttons
is a live view until then (about 9 kB each: 2,000 cards shown in a burst hold ~18 MB for these 3 minutes)."""

_LABELS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "refresh": ("Refresh", discord.ButtonStyle.secondary),
    "start": ("Start", discord.ButtonStyle.success),
    "stop": ("Stop", discord.ButtonStyle.primary),
    "restart": ("Restart", discord.ButtonStyle.primary),
    "kill": ("Kill", discord.ButtonStyle.danger),
}
_POWER_BY_STATE: dict[str, tuple[Signal, ...]] = {
    "offline": ("start",),
    "starting": ("stop", "restart", "kill"),
    "running": ("stop", "restart", "kill"),
    "stopping": ("kill",),
}


def card_state(details: Mapping[str, Any], usage: Mapping[str, Any] | None) -> str | None:
    """The power state the buttons follow: ``None`` for a gated server or one whose usage the panel refused."""
    if usage is None or gate_of(details) is not None:
        return None
    state = usage.get("current_state")
    return str(state) if state else None


def actions_for(state: str | None) -> tuple[str, ...]:
    """The buttons a card in ``state`` gets, in order (``refresh`` first).

    Example:
        >>> actions_for("offline")
        ('refresh', 'start')
    """
    return ("refresh", *_POWER_BY_STATE.get(state or "", ()))


async def fetch_status(api: AsyncJexactyl, identifier: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The server's details and usage (``None`` when the panel gates ``/resources``: suspended, installing...),
    read at the same time."""

    async def usage() -> dict[str, Any] | None:
        try:
            return await api.client.servers.get_server_utilization(identifier)
        except ConflictError:  # suspended, installing, restoring...: the card says so
            return None

    details, live = await asyncio.gather(api.client.servers.get_server(identifier), usage())
    return details, live


class _ActionButton(discord.ui.Button["StatusView"]):
    def __init__(self, action: str) -> None:
        label, style = _LABELS[action]
        super().__init__(label=label, style=style)
        self.action = action

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        assert self.view is not None
        await self.view.act(interaction, self.action)


class StatusView(BotView):
    """The buttons under one status card (see the module docstring).

    Args:
        origin: The ``/server status`` interaction (its user owns the buttons).
        link: The panel link the card was read with.
        ref: The server the card shows.
        state: Its power state (:func:`card_state`).
        power: Sends power signals (cooldown, confirmation, audit, follow).
        timeout: Seconds without a press before the buttons go.
    """

    not_yours = "These buttons are not yours: run `/server status` yourself."

    def __init__(
        self,
        origin: discord.Interaction[Any],
        *,
        link: LinkedAccount,
        ref: ServerRef,
        state: str | None,
        power: PowerControl,
        timeout: float = STATUS_VIEW_TIMEOUT,
    ) -> None:
        super().__init__(origin, timeout=timeout, link=link)
        self.identifier = ref.identifier
        self.power = power
        self.state = state
        self.message_id: int | None = None
        self._token = origin.token
        """The command's token (valid 15 minutes) edits the card when the buttons go. Only the token is kept,
        not the interaction: every card holds its view for minutes, so what it keeps counts."""
        self.set_state(state)

    def set_state(self, state: str | None) -> None:
        """Shows the buttons for ``state``."""
        self.state = state
        self.clear_items()
        for action in actions_for(state):
            self.add_item(_ActionButton(action))

    async def send(self, interaction: discord.Interaction[Any], card: discord.Embed) -> None:
        """Sends the card with these buttons in answer to the deferred ``/server status``."""
        message = await interaction.followup.send(embed=card, view=self, ephemeral=True, wait=True)
        self.message_id = message.id

    async def act(self, interaction: discord.Interaction[Any], action: str) -> None:
        """A button was pressed (by its owner, under the card's link: :meth:`BotView.interaction_check`)."""
        await interaction.response.defer()  # a deferred update: the card stays until it is rendered again
        bot = self.power.bot
        panel = await bot.panels.for_user(interaction.user.id)
        ref = await bot.servers.resolve(interaction.user.id, panel.api, self.identifier)
        if action != "refresh":
            if await self.power.send(interaction, panel, ref, cast("Signal", action)) is None:
                return  # a kill not confirmed: nothing changed
        details, usage = await fetch_status(panel.api, ref.identifier)
        self.set_state(card_state(details, usage))
        card = status_card(details, usage, renewal_warn_days=bot.config.renewal_warn_days)
        await interaction.edit_original_response(embed=card, view=self)

    async def on_timeout(self) -> None:
        bot = self.power.bot
        if self.message_id is None or bot.application_id is None:
            return
        webhook = discord.Webhook.partial(bot.application_id, self._token, client=bot)
        try:
            await webhook.edit_message(self.message_id, view=None)
        except discord.HTTPException as exc:  # the token expired (presses went on for 15 minutes): no matter
            log.debug("could not take the buttons off a status card: %s", exc)
