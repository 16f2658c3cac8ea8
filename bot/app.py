"""The Bot subclass: owns nothing it did not receive; loads the cogs and syncs the command tree.

It also keeps the books operations need: which interactions are still being handled (so a shutdown can
let them finish) and one log line per interaction (:mod:`bot.tracking`, through public hooks only), and
whether the gateway session is live (for ``GET /health``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
from typing import Any

import discord
from discord.ext import commands, tasks

from .clients import PanelClients
from .config import BotConfig
from .crypto import KeyVault
from .errors import BotTree, send_ephemeral
from .logs import quiet_voice_warnings
from .servers import ServerDirectory
from .storage import Storage
from .tracking import InteractionTracker
from .watch.hub import ConsoleHub
from .watch.service import PAUSE_BUDGET, Watchers

log = logging.getLogger("bot")

EXTENSIONS = ("cogs.account", "cogs.server", "cogs.backup", "cogs.board", "cogs.alert", "cogs.admin", "cogs.help")
TREE_HASH_KEY = "command_tree_hash"

CLIENT_SWEEP_SECONDS = 60.0
"""How often idle panel clients are closed (:meth:`bot.clients.PanelClients.sweep`)."""

SHUTDOWN_GRACE = 8.0
"""Seconds a shutdown waits for in-flight interactions: under ``docker stop``'s default 10 s before SIGKILL."""

RESTARTING_MESSAGE = "The bot is restarting; try again in a minute."
EXPIRED_MESSAGE = "This is no longer active (it timed out or the bot restarted). Run the command again."


class GatedTree(BotTree):
    """Refuses interactions from outside the configured guilds, and all of them while shutting down."""

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        bot = interaction.client
        if not isinstance(bot, JexactylBot):
            return True
        bot.tracker.attach(interaction)  # runs in the task handling the command: in flight until it ends
        autocomplete = interaction.type is discord.InteractionType.autocomplete
        if bot.closing:
            interaction.extras["outcome"] = "rejected:restarting"
            if autocomplete:
                await interaction.response.autocomplete([])
            else:
                await send_ephemeral(interaction, RESTARTING_MESSAGE)
            return False
        if interaction.guild_id is None:
            interaction.extras["outcome"] = "rejected:dm"
            if autocomplete:
                await interaction.response.autocomplete([])
            else:
                await send_ephemeral(interaction, "Use the bot's commands inside a server, not in direct messages.")
            return False
        if bot.config.guild_ids and interaction.guild_id not in bot.config.guild_ids:
            interaction.extras["outcome"] = "rejected:guild"
            if autocomplete:
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
        **options: Further options of :class:`discord.Client` (tests pass ``guild_ready_timeout``).
    """

    config: BotConfig
    storage: Storage
    vault: KeyVault
    panels: PanelClients
    servers: ServerDirectory

    def __init__(
        self, *, config: BotConfig, storage: Storage, vault: KeyVault, panels: PanelClients, **options: Any
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True  # MESSAGE_DELETE: a deleted board goes at once (no message content)
        quiet_voice_warnings()  # the bot never joins voice: PyNaCl/davey are not needed
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            tree_cls=GatedTree,
            allowed_mentions=discord.AllowedMentions.none(),
            **{"max_messages": None, **options},  # the bot reads no messages: no cache of them
        )
        self.config = config
        self.storage = storage
        self.vault = vault
        self.panels = panels
        self.servers = ServerDirectory()
        self.closing = False
        """Set when a shutdown starts: new slash commands are answered "restarting"."""
        self.shutdown_grace = SHUTDOWN_GRACE
        """Seconds :meth:`close` waits for in-flight interactions."""
        self.poll_interval = 2.0
        """Seconds between polls while waiting for a power action or a backup to finish."""
        self.power_wait = 30.0
        """Seconds a power action is followed before saying it is still changing."""
        self.backup_wait = 600.0
        """Seconds a backup is followed before saying it is still running."""
        self.tracker = InteractionTracker()
        """The interactions in flight (see :mod:`bot.tracking`)."""
        self.watch = ConsoleHub(panels, storage, vault)
        """The shared console sessions (see :mod:`bot.watch.hub`): boards, alerts and live consoles subscribe."""
        self.watchers = Watchers(self)
        """Status boards and alerts (see :mod:`bot.watch.service`)."""
        self._pausing: asyncio.Future[None] | None = None
        self._session_live = False
        self._served = False
        self._gateway_changed = asyncio.Event()
        self._force_close = asyncio.Event()
        self._drain: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ interactions in flight

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Runs for every interaction, next to its handler: answers a button or a form that no view of the
        bot will handle any more (it timed out, or the bot restarted), which discord.py would leave
        unanswered ("This interaction failed")."""
        if interaction.type not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            return
        if self.tracker.has_live_handler(interaction):
            return
        self.tracker.attach(interaction)
        closing = self.closing
        interaction.extras["outcome"] = "rejected:restarting" if closing else "expired"
        try:
            await send_ephemeral(interaction, RESTARTING_MESSAGE if closing else EXPIRED_MESSAGE)
        except discord.HTTPException as exc:
            log.debug("could not answer an expired component interaction: %s", exc)

    async def on_message(self, message: discord.Message) -> None:
        """Ignores messages: the bot has no text commands (it hears messages only because MESSAGE_DELETE, which
        tells it a board was deleted, needs the GUILD_MESSAGES intent)."""

    # ------------------------------------------------------------------ gateway state (for /health)

    async def on_connect(self) -> None:
        self._served = True  # interactions can arrive from now on (on_ready comes a little later)

    async def on_ready(self) -> None:
        self._set_session_live(True)
        log.info("connected to the gateway as %s (%d guild(s))", self.user, len(self.guilds))

    async def on_resumed(self) -> None:
        self._set_session_live(True)
        log.info("gateway session resumed")

    async def on_disconnect(self) -> None:
        if self._session_live and not self.closing:
            log.info("gateway connection lost; reconnecting")
        self._set_session_live(False)

    def _set_session_live(self, live: bool) -> None:
        self._session_live = live
        self._gateway_changed.set()
        self._gateway_changed = asyncio.Event()

    async def wait_gateway(self, connected: bool, timeout: float) -> None:
        """Waits until :attr:`gateway_connected` is ``connected`` (what ``GET /health`` reports).

        Raises:
            TimeoutError: Not within ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            while self.gateway_connected is not connected:
                await self._gateway_changed.wait()

    @property
    def gateway_connected(self) -> bool:
        """Whether the gateway session is live: ready, not closed, websocket open, not between sessions."""
        ws = self.ws
        return (
            self.is_ready()
            and not self.is_closed()
            and self._session_live
            and ws is not None
            and bool(getattr(ws, "open", False))
        )

    @property
    def latency_ms(self) -> float | None:
        """Heartbeat round trip in milliseconds, or ``None`` before the first heartbeat."""
        try:
            latency = self.latency
        except AttributeError:  # pragma: no cover - no websocket yet
            return None
        return round(latency * 1000, 1) if math.isfinite(latency) else None

    # ------------------------------------------------------------------ start-up

    @tasks.loop(seconds=CLIENT_SWEEP_SECONDS)
    async def _sweep_clients(self) -> None:
        """Closes idle panel clients and drops stale server lists (memory stays flat with many users)."""
        await self.panels.sweep()
        self.servers.cache.prune()

    async def setup_hook(self) -> None:
        self.watch.start()
        self._sweep_clients.start()
        for extension in EXTENSIONS:
            try:
                await self.load_extension(extension)
            except Exception:
                log.exception("could not load %s", extension)
        await self.sync_commands()
        self.watchers.start()

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

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        if self.closing:  # a shutdown was requested before the bot connected
            return
        await super().start(token, reconnect=reconnect)

    # ------------------------------------------------------------------ shutdown

    def begin_shutdown(self) -> None:
        """A requested shutdown (a signal): stops taking new slash commands (they are answered "restarting");
        synchronous, signal-safe."""
        if not self.closing:
            self.closing = True
            log.info("shutting down: new commands are refused; %d interaction(s) in flight", len(self.tracker))

    def force_close(self) -> None:
        """Stops waiting for in-flight interactions (a second signal)."""
        self.begin_shutdown()
        self._force_close.set()

    async def _wait_in_flight(self) -> None:
        pending = len(self.tracker)
        if not pending:
            return
        log.info("waiting up to %.0f s for %d in-flight interaction(s)", self.shutdown_grace, pending)
        if await self.tracker.wait_idle(self.shutdown_grace, self._force_close):
            log.info("in-flight interactions finished")
        else:
            log.warning("closing with %d interaction(s) still running", len(self.tracker))

    async def close(self) -> None:
        """Graceful: refuse new commands, let in-flight interactions finish (up to :attr:`shutdown_grace`
        seconds) while the gateway and HTTP session still work, then disconnect. The entry point closes
        the panel clients and the database after this returns."""
        if not self.closing:
            if self._served:
                self.begin_shutdown()
            else:  # never connected (a failed login, a stop during start-up): nothing was in flight
                self.closing = True
        if self._drain is None:
            self._drain = asyncio.ensure_future(self._wait_in_flight())
        if self._pausing is None:  # beside the in-flight wait: the boards say "paused" while Discord works
            self._pausing = asyncio.ensure_future(self.watchers.shutdown(min(PAUSE_BUDGET, self.shutdown_grace)))
        try:
            await asyncio.shield(asyncio.gather(self._drain, self._pausing))
        finally:
            await self.watch.close()
            self._sweep_clients.cancel()
            await super().close()
            self._set_session_live(False)
