"""``/help``: what the bot can do and how to start, built from the live command tree so it never drifts.

Commands only some panels offer (:data:`PANEL_ONLY`: ``/server renew`` on Jexactyl v3) are listed only when the
bot knows the panel offers them. The bot learns that lazily through the library (:mod:`bot.panel_kind`): when it
does not know yet and the member is linked, ``/help`` asks the panel once through their key (deferring first);
for a member who is not linked, the command is listed (its description names the panel it needs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.admin_gate import has_discord_admin
from bot.embeds import make_embed
from bot.errors import NotLinkedError
from bot.panel_kind import JEXACTYL_V3
from bot.respond import defer_while
from pyjexactyl.exceptions import JexactylError

if TYPE_CHECKING:
    from bot.app import JexactylBot

COMMAND_ORDER = ("account", "server", "backup", "board", "alert", "admin", "help")
"""Groups shown first, in this order; any other command follows."""
ADMIN_GROUPS = frozenset({"admin"})
"""Groups listed only to members who pass the Discord side of the ``/admin`` check."""
PANEL_ONLY: dict[str, frozenset[str]] = {"server renew": JEXACTYL_V3}
"""Commands only some panels offer, and those panels (their descriptions name them)."""


def _lines(
    command: app_commands.Command[Any, ..., Any] | app_commands.Group, offered: dict[str, bool | None]
) -> list[str]:
    """One ``/name — description`` line per leaf command under ``command``; a command of :data:`PANEL_ONLY` is
    left out when ``offered`` says the panel lacks it (its description names the panels it needs)."""
    if isinstance(command, app_commands.Group):
        return [line for child in command.commands for line in _lines(child, offered)]
    if offered.get(command.qualified_name) is False:
        return []
    return [f"`/{command.qualified_name}` — {command.description}"]


class Help(commands.Cog):
    """The ``/help`` command."""

    def __init__(self, bot: JexactylBot) -> None:
        self.bot = bot

    def _offered(self) -> dict[str, bool | None]:
        """Whether the panel offers each command of :data:`PANEL_ONLY`, as far as the bot knows (no request)."""
        return {name: self.bot.panels.kind.known(flavors) for name, flavors in PANEL_ONLY.items()}

    async def _learn(self, interaction: discord.Interaction[Any]) -> None:
        """Asks the panel once, through the member's own key, what the bot must know to list the commands."""
        try:
            panel = await self.bot.panels.for_user(interaction.user.id)
            for flavors in PANEL_ONLY.values():
                await self.bot.panels.kind.is_one_of(panel.api, flavors)
        except (NotLinkedError, JexactylError):  # help is still given, with the panel each command needs
            return

    def _fields(self, interaction: discord.Interaction[Any]) -> list[tuple[str, str, bool]]:
        """One field per group the member may use (``/admin`` only for those who pass its Discord check)."""
        admin = has_discord_admin(interaction, self.bot.config.admin_role_ids)
        commands_ = [
            c
            for c in self.bot.tree.get_commands()
            if isinstance(c, app_commands.Command | app_commands.Group) and (admin or c.name not in ADMIN_GROUPS)
        ]
        commands_.sort(key=lambda c: (COMMAND_ORDER.index(c.name) if c.name in COMMAND_ORDER else 99, c.name))
        offered = self._offered()
        fields: list[tuple[str, str, bool]] = []
        for command in commands_:
            if not isinstance(command, app_commands.Group):
                continue
            fields.append((f"/{command.name} · {command.description}", "\n".join(_lines(command, offered)), False))
        return fields

    @app_commands.command(name="help")
    async def help_show(self, interaction: discord.Interaction[Any]) -> None:
        """What this bot can do and how to start."""
        learn = None in self._offered().values() and await self.bot.storage.get_link(interaction.user.id) is not None
        if learn:  # once in the bot's life: the panel's kind is then known to every later /help
            await defer_while(interaction, self._learn(interaction))
        panel_url = self.bot.config.panel_url
        start = (
            f"1. On the panel, open **Account → API Credentials** ({panel_url}/account/api) and create a "
            "**client** API key (not an application key).\n"
            "2. Run `/account link` and paste the key into the private form. It is checked with the panel and "
            "stored encrypted; nobody else sees it.\n"
            "3. Try `/server list`, then `/server status` (the `server` option suggests your servers)."
        )
        embed = make_embed(
            "Jexactyl panel bot",
            "Drive your game panel from Discord: see your servers and their live usage, start, stop, restart "
            "or kill them, send console commands and read what the console answered, follow a live console, "
            "and manage backups. Every answer is visible only to you, and every action uses your own panel key "
            "and permissions; only status boards and alerts, which members with Manage Channels add, post in a "
            "channel.",
            fields=[("Getting started", start, False), *self._fields(interaction)],
            footer="Run /account unlink at any time to make the bot forget your key.",
        )
        if learn:
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: JexactylBot) -> None:
    """Adds ``/help``."""
    await bot.add_cog(Help(bot))
