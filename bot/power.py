"""Power signals sent for a Discord user, from a slash command or a status card's button alike.

:class:`PowerControl` holds the one cooldown per (user, server) that every signal shares (start, stop, restart
and kill together, whichever way it was asked), asks before a kill, records the action for the console hub (so
the stop is never taken for a crash) and in the audit log, and follows the server until it reaches the state
the signal aims at.

The caller has deferred the interaction and resolved the server against the user's own list with the user's
own key; panel errors propagate to the error ladder (:mod:`bot.errors`).

Example:
    >>> power = PowerControl(bot)  # doctest: +SKIP
    >>> await power.send(interaction, panel, ref, "restart")  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Any, Literal

import discord

from pyjexactyl.exceptions import ClientClosedError, JexactylError

from .audit import record_audit
from .embeds import STATE_DOTS, UNKNOWN_DOT
from .errors import UserFacingError
from .ratelimit import KeyedCooldown
from .servers import server_mention
from .ui.confirm import confirm

if TYPE_CHECKING:
    from pyjexactyl import AsyncJexactyl

    from .app import JexactylBot
    from .clients import UserPanel
    from .servers import ServerRef

__all__ = ["POWER_COOLDOWN", "TARGET_STATE", "PowerControl", "Signal"]

log = logging.getLogger("bot.power")

Signal = Literal["start", "stop", "restart", "kill"]

POWER_COOLDOWN = 5.0
"""Seconds between two power signals (any of start, stop, restart, kill) of one user to one server."""
TARGET_STATE: dict[str, str] = {"start": "running", "restart": "running", "stop": "offline", "kill": "offline"}
NAME_MAX = 100


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _dot(state: str | None) -> str:
    return STATE_DOTS.get(state or "", UNKNOWN_DOT)


class PowerControl:
    """Sends power signals with the user's own key (see the module docstring).

    Args:
        bot: The bot (its ``watch`` hub, ``storage``, ``poll_interval`` and ``power_wait``).
    """

    def __init__(self, bot: JexactylBot) -> None:
        self.bot = bot
        self.cooldown = KeyedCooldown(1, POWER_COOLDOWN)
        """One power signal per (user, server) every :data:`POWER_COOLDOWN` seconds, whatever the signal."""

    async def send(
        self, interaction: discord.Interaction[Any], panel: UserPanel, ref: ServerRef, signal: Signal
    ) -> str | None:
        """Sends ``signal`` (after a confirmation for a kill) and follows it; answers with ephemeral followups.

        Args:
            interaction: The deferred interaction (a slash command or a button).
            panel: The user's panel client, from their current link.
            ref: The server, resolved against the user's own list.
            signal: What to send.

        Returns:
            The sentence the answer ended with, or ``None`` when the user did not confirm a kill.

        Raises:
            UserFacingError: a power signal went to this server less than :data:`POWER_COOLDOWN` s ago.
        """
        key = (interaction.user.id, ref.identifier)
        self._check_cooldown(ref, self.cooldown.retry_after(key))  # before asking anything
        if signal == "kill":
            question = (
                f"Kill {server_mention(ref, NAME_MAX)}? The process is stopped at once without saving: "
                "anything not saved is lost."
            )
            if not await confirm(interaction, question, "Kill server", link=panel.account):
                return None
        self._check_cooldown(ref, self.cooldown.hit(key))
        self.bot.watch.note_power(ref.identifier, signal)  # its alerts do not take the stop for a crash
        try:
            await panel.api.client.servers.send_power_action(ref.identifier, signal)
        except JexactylError as exc:
            await self._audit(interaction, ref, signal, f"failed: {type(exc).__name__}")
            raise
        await self._audit(interaction, ref, signal, "ok")
        message = await interaction.followup.send(
            f"Sent **{signal}** to {server_mention(ref, NAME_MAX)}: the panel applies it asynchronously… waiting "
            f"for it to be {TARGET_STATE[signal]}.",
            ephemeral=True,
            wait=True,
        )
        outcome = await self.follow(panel.api, ref, signal)
        try:
            await interaction.followup.edit_message(message.id, content=outcome)
        except discord.HTTPException as exc:  # the token expired or the message is gone: nothing to tell
            log.warning("could not edit the power message for %s: %s", ref.identifier, exc)
        return outcome

    @staticmethod
    def _check_cooldown(ref: ServerRef, retry_after: float | None) -> None:
        if retry_after:
            raise UserFacingError(
                f"Slow down: a power signal went to {server_mention(ref, NAME_MAX)} less than {POWER_COOLDOWN:.0f} s "
                f"ago: try again in {math.ceil(retry_after)} s."
            )

    async def _audit(self, interaction: discord.Interaction[Any], ref: ServerRef, signal: str, outcome: str) -> None:
        await record_audit(
            self.bot.storage,
            "server.power",
            discord_user_id=interaction.user.id,
            target=ref.identifier,
            outcome=outcome,
            detail=signal,
        )

    async def follow(self, api: AsyncJexactyl, ref: ServerRef, signal: Signal) -> str:
        """Polls the server until it reaches the signal's target state; returns the sentence to show."""
        target = TARGET_STATE[signal]
        loop = asyncio.get_running_loop()
        sent_at = loop.time()
        deadline = sent_at + self.bot.power_wait
        # A restart passes through "running" twice: the first "running" only counts once the server
        # has been seen in another state, or its uptime shows it started after the signal.
        left_running = signal != "restart"
        state: str | None = None
        while True:
            await asyncio.sleep(max(0.0, min(self.bot.poll_interval, deadline - loop.time())))
            try:
                usage = await api.client.servers.get_server_utilization(ref.identifier)
            except ClientClosedError:  # unlinked or re-linked meanwhile: the old key is not used again
                return (
                    f"Sent **{signal}** to {server_mention(ref, NAME_MAX)}. The bot stopped following it because "
                    "your panel link changed: check with `/server status`."
                )
            except JexactylError as exc:
                log.debug("polling %s after %s: %s", ref.identifier, signal, exc)
            else:
                state = str(usage.get("current_state") or "") or None
                uptime_ms = _number((usage.get("resources") or {}).get("uptime"))
                if state != "running":
                    left_running = True
                elif not left_running and 0 < uptime_ms <= (loop.time() - sent_at) * 1000:
                    left_running = True
                if state == target and left_running:
                    return f"{_dot(state)} {server_mention(ref, NAME_MAX)} is now {target}."
            if loop.time() >= deadline:
                now = f" (currently {state})" if state else ""
                return (
                    f"Sent **{signal}** to {server_mention(ref, NAME_MAX)}: it is still changing{now} after "
                    f"{self.bot.power_wait:.0f} s. Check again with `/server status`."
                )
