"""``/server``: list the user's servers, show one's live status (with buttons), send power signals and console
commands (with the output that followed), and open a live console.

Every command acts with the invoking user's own key, and whatever the user submitted in a ``server`` option
is re-resolved against that user's server list before it reaches a panel path. Panel errors are not handled
here: they propagate to the tree's one error handler (:mod:`bot.errors`). The machinery lives in ``bot/``:
power signals in :mod:`bot.power`, the status card's buttons in :mod:`bot.ui.status`, the command output in
:mod:`bot.console_output`, the live console in :mod:`bot.live_console` and :mod:`bot.ui.live_console`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.audit import record_audit
from bot.cards import status_card
from bot.console_output import OutputCatcher, code_block
from bot.embeds import STATE_DOTS, UNKNOWN_DOT, clip, escape, make_embed
from bot.errors import UserFacingError
from bot.live_console import LiveConsoles
from bot.power import PowerControl, Signal
from bot.ratelimit import KeyedCooldown
from bot.renew import renew_server
from bot.respond import defer_while
from bot.servers import server_mention
from bot.ui.paginator import ListPageSource, Paginator
from bot.ui.status import STATUS_VIEW_TIMEOUT, StatusView, card_state, fetch_status
from pyjexactyl import AsyncJexactyl
from pyjexactyl.exceptions import JexactylError

if TYPE_CHECKING:
    from bot.app import JexactylBot
    from bot.clients import UserPanel
    from bot.servers import ServerRef

log = logging.getLogger("cogs.server")

PER_PAGE = 10
AUTOCOMPLETE_TIMEOUT = 2.5
"""Seconds an autocomplete may take; Discord drops answers after 3 s."""
COMMAND_MAX = 1000
COMMAND_RATE = 5
COMMAND_PER = 10.0
"""Console commands one user may send: ``COMMAND_RATE`` per ``COMMAND_PER`` seconds, across servers and across
``/server command`` and the live console's form."""
COMMAND_QUIET = 1.5
"""Seconds of console silence that end the output of ``/server command``."""
COMMAND_TIMEOUT = 10.0
"""Seconds the output of ``/server command`` is gathered at most."""
MESSAGE_MAX = 2000
NAME_MAX = 100
"""Characters of a panel server name shown in one list line or title."""
SERVER_HELP = "Your server: pick one from the suggestions"


def _state_dot(state: str | None) -> str:
    return STATE_DOTS.get(state or "", UNKNOWN_DOT)


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
        self.power = PowerControl(bot)
        """Power signals: the one cooldown per (user, server), kill confirmations, audit, the follow."""
        self.console_rate = KeyedCooldown(COMMAND_RATE, COMMAND_PER)
        """Console commands per user (``/server command`` and the live console's form together)."""
        self.live = LiveConsoles(bot, self.console_rate)
        """The open live consoles (one per user)."""
        self.status_timeout = STATUS_VIEW_TIMEOUT
        """Seconds without a press before a status card's buttons go."""
        self.command_quiet = COMMAND_QUIET
        self.command_timeout = COMMAND_TIMEOUT
        super().__init__()

    async def cog_unload(self) -> None:
        """The bot is shutting down: every live console says so in its last edit."""
        await self.live.close_all()

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
        """Show a server's state, address, CPU, memory, disk, network and uptime, with buttons."""

        async def load() -> tuple[UserPanel, ServerRef, dict[str, Any], dict[str, Any] | None]:
            panel, ref = await self._target(interaction, server)
            details, usage = await fetch_status(panel.api, ref.identifier)
            return panel, ref, details, usage

        panel, ref, details, usage = await defer_while(interaction, load())
        view = StatusView(
            interaction,
            link=panel.account,
            ref=ref,
            state=card_state(details, usage),
            power=self.power,
            timeout=self.status_timeout,
        )
        await view.send(
            interaction, status_card(details, usage, renewal_warn_days=self.bot.config.renewal_warn_days)
        )

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
        await self.power.send(interaction, panel, ref, signal)

    # ------------------------------------------------------------------ console

    @app_commands.command(name="command")
    @app_commands.describe(server=SERVER_HELP, command="The console command to send, e.g. say hello")
    async def server_command(
        self,
        interaction: discord.Interaction[Any],
        server: str,
        command: app_commands.Range[str, 1, COMMAND_MAX],
    ) -> None:
        """Send a command to a running server's console and show what it printed."""
        self._check_console_rate(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        line = command.strip()
        if not line:
            raise UserFacingError("Type the console command to send.")
        panel, ref = await self._target(interaction, server)
        # Listen first (the answer cannot be missed), then send over the panel's HTTP route: exactly once,
        # whether or not the console can be read.
        catcher = await OutputCatcher.open(self.bot.watch, interaction.user.id, ref.identifier)
        try:
            try:
                await panel.api.client.servers.send_console_command(ref.identifier, line)
            except JexactylError as exc:
                await self._audit("server.command", interaction, ref, line, f"failed: {type(exc).__name__}")
                raise
            await self._audit("server.command", interaction, ref, line, "ok")
            sent = f"Sent to the console of {server_mention(ref, NAME_MAX)}:\n> {escape(clip(line, 200))}"
            if catcher.unavailable is not None:
                await interaction.followup.send(
                    f"{sent}\nNo output is shown: {catcher.unavailable}.",
                    ephemeral=True,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
                return
            message = await interaction.followup.send(
                f"{sent}\n*Reading the console…*",
                ephemeral=True,
                wait=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            caught = await catcher.collect(quiet=self.command_quiet, timeout=self.command_timeout)
        finally:
            catcher.close()
        block = code_block(caught.lines, omitted=caught.more, max_chars=min(1900, MESSAGE_MAX - len(sent) - 120))
        if not block:
            block = f"*The console printed nothing within {self.command_quiet:g} s.*"
        ending = f"\n*Stopped reading: {caught.interrupted}.*" if caught.interrupted else ""
        try:
            await interaction.followup.edit_message(
                message.id, content=f"{sent}\n{block}{ending}", allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as exc:  # the token expired or the message is gone: nothing to tell
            log.warning("could not show the output of a command to %s: %s", ref.identifier, exc)

    def _check_console_rate(self, interaction: discord.Interaction[Any]) -> None:
        retry_after = self.console_rate.hit(interaction.user.id)
        if retry_after:
            raise app_commands.CommandOnCooldown(app_commands.Cooldown(COMMAND_RATE, COMMAND_PER), retry_after)

    @app_commands.command(name="console")
    @app_commands.describe(server=SERVER_HELP)
    async def server_console(self, interaction: discord.Interaction[Any], server: str) -> None:
        """Follow a server's console live for 10 minutes, with buttons to send commands."""
        panel, ref = await defer_while(interaction, self._target(interaction, server))
        await self.live.open(interaction, panel, ref)

    # ------------------------------------------------------------------ renewal (Jexactyl v3)

    @app_commands.command(name="renew")
    @app_commands.describe(server=SERVER_HELP)
    async def server_renew(self, interaction: discord.Interaction[Any], server: str) -> None:
        """Renew a server with your credits (Jexactyl v3; asks first, stating the price and your balance)."""
        await renew_server(self.bot, interaction, server)

    # ------------------------------------------------------------------ autocomplete

    @server_status.autocomplete("server")
    @server_start.autocomplete("server")
    @server_stop.autocomplete("server")
    @server_restart.autocomplete("server")
    @server_kill.autocomplete("server")
    @server_command.autocomplete("server")
    @server_console.autocomplete("server")
    @server_renew.autocomplete("server")
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
