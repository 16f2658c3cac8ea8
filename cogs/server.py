"""``/server``: list the user's servers, show one's live status, send power signals and console commands.

Every command acts with the invoking user's own key, and whatever the user submitted in a ``server`` option
is re-resolved against that user's server list before it reaches a panel path. Panel errors are not handled
here: they propagate to the tree's one error handler (:mod:`bot.errors`).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.audit import record_audit
from bot.cards import status_card
from bot.embeds import STATE_DOTS, UNKNOWN_DOT, clip, escape, make_embed
from bot.errors import UserFacingError
from bot.ratelimit import KeyedCooldown
from bot.respond import defer_while
from bot.servers import server_mention
from bot.ui.confirm import confirm
from bot.ui.paginator import ListPageSource, Paginator
from pyjexactyl import AsyncJexactyl
from pyjexactyl.exceptions import ClientClosedError, ConflictError, JexactylError

if TYPE_CHECKING:
    from bot.app import JexactylBot
    from bot.clients import UserPanel
    from bot.servers import ServerRef

log = logging.getLogger("cogs.server")

Signal = Literal["start", "stop", "restart", "kill"]

PER_PAGE = 10
AUTOCOMPLETE_TIMEOUT = 2.5
"""Seconds an autocomplete may take; Discord drops answers after 3 s."""
COMMAND_MAX = 1000
POWER_COOLDOWN = 5.0
"""Seconds between two power signals (any of start, stop, restart, kill) of one user to one server."""
COMMAND_RATE = 5
COMMAND_PER = 10.0
"""Console commands one user may send: ``COMMAND_RATE`` per ``COMMAND_PER`` seconds, across servers."""
TARGET_STATE: dict[str, str] = {"start": "running", "restart": "running", "stop": "offline", "kill": "offline"}
NAME_MAX = 100
"""Characters of a panel server name shown in one list line or title."""
SERVER_HELP = "Your server: pick one from the suggestions"


def _user_key(interaction: discord.Interaction[Any]) -> int:
    return interaction.user.id


def _state_dot(state: str | None) -> str:
    return STATE_DOTS.get(state or "", UNKNOWN_DOT)


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


async def _current_state(api: AsyncJexactyl, server: ServerRef) -> str | None:
    """The server's power state, or ``None`` when the panel could not say (suspended, node down...)."""
    try:
        usage = await api.client.servers.get_server_utilization(server.identifier)
    except JexactylError as exc:
        log.debug("no state for %s: %s", server.identifier, exc)
        return None
    state = usage.get("current_state")
    return str(state) if state else None


class Server(commands.GroupCog, group_name="server", group_description="See and control your game servers"):
    """The user's game servers, through their own panel key."""

    def __init__(self, bot: JexactylBot) -> None:
        self.bot = bot
        self.power_cooldown = KeyedCooldown(1, POWER_COOLDOWN)
        """One power signal per (user, server) every ``POWER_COOLDOWN`` seconds, whatever the signal."""
        super().__init__()

    # ------------------------------------------------------------------ helpers

    async def _target(self, interaction: discord.Interaction[Any], value: str) -> tuple[UserPanel, ServerRef]:
        """The caller's panel client and the server they meant (re-resolved against their own list)."""
        panel = await self.bot.panels.for_user(interaction.user.id)
        server = await self.bot.servers.resolve(interaction.user.id, panel.api, value)
        return panel, server

    async def _audit(
        self, action: str, interaction: discord.Interaction[Any], server: ServerRef, detail: str, outcome: str
    ) -> None:
        """Never raises: a failed audit write after the panel acted is logged at ERROR (:mod:`bot.audit`)."""
        await record_audit(
            self.bot.storage,
            action,
            discord_user_id=interaction.user.id,
            target=server.identifier,
            outcome=outcome,
            detail=detail,
        )

    # ------------------------------------------------------------------ list

    @app_commands.command(name="list")
    async def server_list(self, interaction: discord.Interaction[Any]) -> None:
        """List your servers with their current state."""
        async def load() -> tuple[UserPanel, list[ServerRef]]:
            panel = await self.bot.panels.for_user(interaction.user.id)
            return panel, await self.bot.servers.all(interaction.user.id, panel.api, fresh=True)

        panel, servers = await defer_while(interaction, load())
        if not servers:
            embed = make_embed(
                "Your servers",
                "You have no servers on this panel account.",
                footer=f"Panel account: {panel.account.panel_username}",
            )
            await interaction.followup.send(embed=embed, ephemeral=True)
            return
        user_id = interaction.user.id
        total = len(servers)

        async def format_page(items: Sequence[ServerRef], page: int, pages: int) -> discord.Embed:
            # Looked up per page: the buttons live for minutes, and the user may unlink meanwhile.
            api = (await self.bot.panels.for_user(user_id)).api
            states = await asyncio.gather(*(_current_state(api, s) for s in items))
            lines = []
            for server, state in zip(items, states, strict=True):
                note = f" · {escape(server.status.replace('_', ' '))}" if server.status else ""
                shared = " · shared" if not server.owner else ""
                lines.append(f"{_state_dot(state)} {server_mention(server, NAME_MAX)}{shared}{note}")
            return make_embed(
                "Your servers",
                "\n".join(lines),
                footer=f"{total} server{'s' if total != 1 else ''} · page {page + 1} of {pages}",
            )

        paginator = Paginator(ListPageSource(servers, PER_PAGE, format_page), interaction, link=panel.account)
        await paginator.start(interaction)

    # ------------------------------------------------------------------ status

    @app_commands.command(name="status")
    @app_commands.describe(server=SERVER_HELP)
    async def server_status(self, interaction: discord.Interaction[Any], server: str) -> None:
        """Show a server's state, address, CPU, memory, disk, network and uptime."""

        async def load() -> tuple[dict[str, Any], dict[str, Any] | None]:
            panel, ref = await self._target(interaction, server)

            async def usage() -> dict[str, Any] | None:
                try:
                    return await panel.api.client.servers.get_server_utilization(ref.identifier)
                except ConflictError:  # suspended, installing, restoring...: the card says so
                    return None

            found, live = await asyncio.gather(panel.api.client.servers.get_server(ref.identifier), usage())
            return found, live

        details, usage = await defer_while(interaction, load())
        await interaction.followup.send(embed=status_card(details, usage), ephemeral=True)

    # ------------------------------------------------------------------ power

    @app_commands.command(name="start")
    @app_commands.describe(server=SERVER_HELP)
    async def server_start(self, interaction: discord.Interaction[Any], server: str) -> None:
        """Start a server."""
        await self._power(interaction, server, "start")

    @app_commands.command(name="stop")
    @app_commands.describe(server=SERVER_HELP)
    async def server_stop(self, interaction: discord.Interaction[Any], server: str) -> None:
        """Stop a server gracefully."""
        await self._power(interaction, server, "stop")

    @app_commands.command(name="restart")
    @app_commands.describe(server=SERVER_HELP)
    async def server_restart(self, interaction: discord.Interaction[Any], server: str) -> None:
        """Restart a server."""
        await self._power(interaction, server, "restart")

    @app_commands.command(name="kill")
    @app_commands.describe(server=SERVER_HELP)
    async def server_kill(self, interaction: discord.Interaction[Any], server: str) -> None:
        """Kill a server at once, without saving (asks first)."""
        await self._power(interaction, server, "kill")

    async def _power(self, interaction: discord.Interaction[Any], value: str, signal: Signal) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        panel, ref = await self._target(interaction, value)
        key = (interaction.user.id, ref.identifier)
        self._check_power_cooldown(ref, self.power_cooldown.retry_after(key))  # before asking anything
        if signal == "kill":
            question = (
                f"Kill {server_mention(ref, NAME_MAX)}? The process is stopped at once without saving: "
                "anything not saved is lost."
            )
            if not await confirm(interaction, question, "Kill server", link=panel.account):
                return
        self._check_power_cooldown(ref, self.power_cooldown.hit(key))
        self.bot.watch.note_power(ref.identifier, signal)  # its alerts do not take the stop for a crash
        try:
            await panel.api.client.servers.send_power_action(ref.identifier, signal)
        except JexactylError as exc:
            await self._audit("server.power", interaction, ref, signal, f"failed: {type(exc).__name__}")
            raise
        await self._audit("server.power", interaction, ref, signal, "ok")
        message = await interaction.followup.send(
            f"Sent **{signal}** to {server_mention(ref, NAME_MAX)}: the panel applies it asynchronously… waiting "
            f"for it to be {TARGET_STATE[signal]}.",
            ephemeral=True,
            wait=True,
        )
        outcome = await self._follow_power(panel.api, ref, signal)
        try:
            await interaction.followup.edit_message(message.id, content=outcome)
        except discord.HTTPException as exc:  # the token expired or the message is gone: nothing to tell
            log.warning("could not edit the power message for %s: %s", ref.identifier, exc)

    @staticmethod
    def _check_power_cooldown(ref: ServerRef, retry_after: float | None) -> None:
        if retry_after:
            raise UserFacingError(
                f"Slow down: a power signal went to {server_mention(ref, NAME_MAX)} less than {POWER_COOLDOWN:.0f} s "
                f"ago: try again in {math.ceil(retry_after)} s."
            )

    async def _follow_power(self, api: AsyncJexactyl, ref: ServerRef, signal: Signal) -> str:
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
                    return f"{_state_dot(state)} {server_mention(ref, NAME_MAX)} is now {target}."
            if loop.time() >= deadline:
                now = f" (currently {state})" if state else ""
                return (
                    f"Sent **{signal}** to {server_mention(ref, NAME_MAX)}: it is still changing{now} after "
                    f"{self.bot.power_wait:.0f} s. Check again with `/server status`."
                )

    # ------------------------------------------------------------------ console

    @app_commands.command(name="command")
    @app_commands.describe(server=SERVER_HELP, command="The console command to send, e.g. say hello")
    @app_commands.checks.cooldown(COMMAND_RATE, COMMAND_PER, key=_user_key)
    async def server_command(
        self,
        interaction: discord.Interaction[Any],
        server: str,
        command: app_commands.Range[str, 1, COMMAND_MAX],
    ) -> None:
        """Send a command to a running server's console."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        line = command.strip()
        if not line:
            raise UserFacingError("Type the console command to send.")
        panel, ref = await self._target(interaction, server)
        try:
            await panel.api.client.servers.send_console_command(ref.identifier, line)
        except JexactylError as exc:
            await self._audit("server.command", interaction, ref, line, f"failed: {type(exc).__name__}")
            raise
        await self._audit("server.command", interaction, ref, line, "ok")
        await interaction.followup.send(
            f"Sent to the console of {server_mention(ref, NAME_MAX)}:\n> {escape(clip(line, 1500))}", ephemeral=True
        )

    # ------------------------------------------------------------------ autocomplete

    @server_status.autocomplete("server")
    @server_start.autocomplete("server")
    @server_stop.autocomplete("server")
    @server_restart.autocomplete("server")
    @server_kill.autocomplete("server")
    @server_command.autocomplete("server")
    async def server_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Up to 25 of the user's servers matching what they typed; [] when it cannot answer in time."""
        user_id = interaction.user.id

        async def choices() -> list[app_commands.Choice[str]]:
            panel = await self.bot.panels.for_user(user_id)
            return await self.bot.servers.choices(user_id, panel.api, current)

        try:
            return await asyncio.wait_for(choices(), AUTOCOMPLETE_TIMEOUT)
        except Exception as exc:  # not linked, timed out, panel error: an empty list, never an error
            log.debug("no server suggestions for user %s: %r", user_id, exc)
            return []


async def setup(bot: JexactylBot) -> None:
    """Adds the ``/server`` group."""
    await bot.add_cog(Server(bot))
