"""The Bot subclass: owns nothing it did not receive; loads the cogs and syncs the command tree."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from .clients import PanelClients
from .config import BotConfig
from .crypto import KeyVault
from .errors import BotTree, send_ephemeral
from .servers import ServerDirectory
from .storage import Storage

log = logging.getLogger("bot")
interactions_log = logging.getLogger("bot.interactions")

EXTENSIONS = ("cogs.account", "cogs.server", "cogs.backup", "cogs.admin", "cogs.help")
TREE_HASH_KEY = "command_tree_hash"


class GatedTree(BotTree):
    """Refuses interactions from outside the configured guilds before any command runs."""

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        bot = interaction.client
        if not isinstance(bot, JexactylBot):
            return True
        interaction.extras.setdefault("started", time.perf_counter())
        if bot.closing:
            await send_ephemeral(interaction, "The bot is restarting; try again in a minute.")
            return False
        if interaction.guild_id is None:
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await send_ephemeral(interaction, "Use the bot's commands inside a server, not in direct messages.")
            return False
        if bot.config.guild_ids and interaction.guild_id not in bot.config.guild_ids:
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await send_ephemeral(interaction, "This bot is not enabled in this server.")
            return False
        return True


class JexactylBot(commands.Bot):
    """The Discord bot. Resources are opened by the entry point and handed in.

    Args:
        config: The validated configuration.
        storage: The open database.
        vault: The key vault.
        panels: The per-user panel clients.
    """

    config: BotConfig
    storage: Storage
    vault: KeyVault
    panels: PanelClients
    servers: ServerDirectory

    def __init__(self, *, config: BotConfig, storage: Storage, vault: KeyVault, panels: PanelClients) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            tree_cls=GatedTree,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.config = config
        self.storage = storage
        self.vault = vault
        self.panels = panels
        self.servers = ServerDirectory()
        self.closing = False
        self.poll_interval = 2.0
        """Seconds between polls while waiting for a power action or a backup to finish."""
        self.power_wait = 30.0
        """Seconds a power action is followed before saying it is still changing."""
        self.backup_wait = 600.0
        """Seconds a backup is followed before saying it is still running."""

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            try:
                await self.load_extension(extension)
            except Exception:
                log.exception("could not load %s", extension)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Syncs to ``GUILD_IDS`` (instant) when set; else globally, only when the tree changed."""
        if self.config.guild_ids:
            for guild_id in self.config.guild_ids:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
            log.info("commands synced to %d guild(s)", len(self.config.guild_ids))
            return
        payload = json.dumps([c.to_dict(self.tree) for c in self.tree.get_commands()], sort_keys=True)
        digest = hashlib.sha256(payload.encode()).hexdigest()
        if await self.storage.get_kv(TREE_HASH_KEY) == digest:
            log.info("command tree unchanged; global sync skipped")
            return
        await self.tree.sync()
        await self.storage.set_kv(TREE_HASH_KEY, digest)
        log.info("commands synced globally")

    async def on_app_command_completion(
        self,
        interaction: discord.Interaction[Any],
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        log_interaction(interaction, "ok")

    async def close(self) -> None:
        self.closing = True
        await super().close()


def log_interaction(interaction: discord.Interaction[Any], outcome: str) -> None:
    """One line per interaction: user, command, outcome, milliseconds."""
    started = interaction.extras.get("started")
    elapsed = (time.perf_counter() - started) * 1000 if isinstance(started, float) else -1.0
    if interaction.command is not None:
        name = interaction.command.qualified_name
    else:
        data: dict[str, Any] = dict(interaction.data or {})
        name = str(data.get("custom_id", "?"))
    interactions_log.info(
        "interaction user=%s command=%s outcome=%s ms=%.0f", interaction.user.id, name, outcome, elapsed
    )
