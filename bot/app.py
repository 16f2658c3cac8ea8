"""The Bot subclass: owns nothing it did not receive; loads the cogs and syncs the command tree.

It also keeps the books operations need: which interactions are still being handled (so a shutdown can
let them finish), one log line per interaction, and whether the gateway session is live (for
``GET /health``).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from .clients import PanelClients
from .config import BotConfig
from .crypto import KeyVault
from .errors import BotTree, interaction_name, send_ephemeral
from .servers import ServerDirectory
from .storage import Storage

log = logging.getLogger("bot")
interactions_log = logging.getLogger("bot.interactions")

EXTENSIONS = ("cogs.account", "cogs.server", "cogs.backup", "cogs.admin", "cogs.help")
TREE_HASH_KEY = "command_tree_hash"

SHUTDOWN_GRACE = 8.0
"""Seconds a shutdown waits for in-flight interactions: under ``docker stop``'s default 10 s before SIGKILL."""

RESTARTING_MESSAGE = "The bot is restarting; try again in a minute."
EXPIRED_MESSAGE = "This is no longer active (it timed out or the bot restarted). Run the command again."

_EVENT_TASK_PREFIX = "discord.py: "
"""discord.py names the tasks running event listeners ``discord.py: on_<event>``."""


class GatedTree(BotTree):
    """Refuses interactions from outside the configured guilds, and all of them while shutting down."""

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        bot = interaction.client
        if not isinstance(bot, JexactylBot):
            return True
        interaction.extras.setdefault("started", time.perf_counter())
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


@dataclass(eq=False)
class _InFlight:
    """One interaction whose handler tasks have not all finished."""

    interaction_id: int
    kind: int
    started: float
    tasks: set[asyncio.Task[Any]]
    handled: bool
    """Whether anything besides event listeners (the command tree, a view, a modal) took it."""
    user_id: str = "?"
    name: str = "?"
    interaction: discord.Interaction[Any] | None = None
    done: bool = field(default=False)


class InteractionTracker:
    """Follows every interaction from ``INTERACTION_CREATE`` until the tasks it started have finished.

    A shutdown waits on :meth:`wait_idle`; when an interaction's last task ends, its one log line is
    written (unless the error handler already wrote it).
    """

    def __init__(self) -> None:
        self._records: dict[int, _InFlight] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self.total = 0
        """Interactions seen since start."""

    def __len__(self) -> int:
        return len(self._records)

    def begin(self, data: dict[str, Any], tasks: set[asyncio.Task[Any]]) -> _InFlight | None:
        """Registers the interaction in ``data`` and the tasks its dispatch created."""
        try:
            interaction_id = int(data["id"])
            kind = int(data["type"])
        except (KeyError, TypeError, ValueError):
            return None
        handled = any(not task.get_name().startswith(_EVENT_TASK_PREFIX) for task in tasks)
        record = _InFlight(interaction_id, kind, time.perf_counter(), set(tasks), handled)
        record.user_id, record.name = _describe_raw(data)
        self.total += 1
        if not record.tasks:
            self._finish(record)
            return record
        self._records[interaction_id] = record
        self._idle.clear()
        for task in tasks:
            task.add_done_callback(functools.partial(self._task_done, record))
        return record

    def get(self, interaction_id: int) -> _InFlight | None:
        return self._records.get(interaction_id)

    def _task_done(self, record: _InFlight, task: asyncio.Task[Any]) -> None:
        record.tasks.discard(task)
        if not record.tasks and not record.done:
            self._records.pop(record.interaction_id, None)
            self._finish(record)
            if not self._records:
                self._idle.set()

    def _finish(self, record: _InFlight) -> None:
        record.done = True
        interaction = record.interaction
        if interaction is not None:
            outcome = interaction.extras.get("outcome")
            if not isinstance(outcome, str):
                outcome = "failed" if interaction.command_failed else "ok"
            log_interaction(interaction, outcome)
        else:  # pragma: no cover - on_interaction always runs, unless the loop is torn down first
            level = logging.DEBUG if record.kind == discord.InteractionType.autocomplete.value else logging.INFO
            elapsed = (time.perf_counter() - record.started) * 1000
            interactions_log.log(
                level, "interaction user=%s command=%s outcome=unknown ms=%.0f", record.user_id, record.name, elapsed
            )

    async def wait_idle(self, timeout: float, abort: asyncio.Event | None = None) -> bool:
        """Waits until no interaction is in flight; ``False`` if ``timeout`` or ``abort`` came first."""
        waiters = {asyncio.ensure_future(self._idle.wait())}
        if abort is not None:
            waiters.add(asyncio.ensure_future(abort.wait()))
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        return self._idle.is_set()


def _describe_raw(data: dict[str, Any]) -> tuple[str, str]:
    """User id and command name/custom id from a raw ``INTERACTION_CREATE`` payload."""
    member = data.get("member")
    user = member.get("user") if isinstance(member, dict) else data.get("user")
    user_id = str(user.get("id", "?")) if isinstance(user, dict) else "?"
    inner = data.get("data")
    name = "?"
    if isinstance(inner, dict):
        name = str(inner.get("name") or inner.get("custom_id") or "?")
    return user_id, name


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
        self._session_live = False
        self._force_close = asyncio.Event()
        self._drain: asyncio.Future[None] | None = None
        self._install_interaction_hook()

    # ------------------------------------------------------------------ interactions in flight

    def _install_interaction_hook(self) -> None:
        """Wraps discord.py's INTERACTION_CREATE parser to see every task an interaction starts.

        PRIVATE discord.py API, verified on 2.7.x (``bot.discord_endpoints`` refuses other versions); this is
        the only place the bot relies on it. ``ConnectionState.parsers`` maps gateway events to the
        ``parse_*`` methods (the gateway reads the same dict). ``parse_interaction_create`` builds the
        ``Interaction`` and, synchronously, creates the tasks that handle it: the command tree's
        ``CommandTree._from_interaction`` invoker (slash commands, autocomplete), a view's or a modal's
        dispatch task (buttons, selects, modal submits) and the ``on_interaction`` listener tasks. The tasks
        that appear across the call are that interaction's work; a shutdown waits until they are done.
        If the hook cannot be installed, interactions still work; only the shutdown stops waiting for them.
        """
        parsers: dict[str, Callable[[Any], None]] | None = getattr(self._connection, "parsers", None)
        original = parsers.get("INTERACTION_CREATE") if isinstance(parsers, dict) else None
        if parsers is None or original is None:  # pragma: no cover - a discord.py we do not support
            log.warning("discord.py internals changed: in-flight interactions are not tracked")
            return

        def parse_interaction_create(data: Any) -> None:
            # Record exactly the tasks the parser creates with a temporary task factory: O(new tasks),
            # where diffing asyncio.all_tasks() cost O(live tasks) twice per interaction.
            loop = asyncio.get_running_loop()
            previous = loop.get_task_factory()
            spawned: set[asyncio.Task[Any]] = set()

            def recording_factory(
                loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
            ) -> asyncio.Future[Any]:
                task = previous(loop, coro, **kwargs) if previous else asyncio.Task(coro, loop=loop, **kwargs)
                if isinstance(task, asyncio.Task):
                    spawned.add(task)
                return task

            loop.set_task_factory(recording_factory)
            try:
                original(data)
            finally:
                loop.set_task_factory(previous)
            if isinstance(data, dict):
                self.tracker.begin(data, spawned)

        parsers["INTERACTION_CREATE"] = parse_interaction_create

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Runs for every interaction (next to its handler): attaches it to its record for logging, and
        answers buttons and forms whose view no longer exists, which discord.py would leave unanswered."""
        record = self.tracker.get(interaction.id)
        if record is None:
            return
        record.interaction = interaction
        interaction.extras["started"] = record.started
        if record.handled or interaction.type not in (
            discord.InteractionType.component,
            discord.InteractionType.modal_submit,
        ):
            return
        closing = self.closing
        interaction.extras["outcome"] = "rejected:restarting" if closing else "expired"
        try:
            await send_ephemeral(interaction, RESTARTING_MESSAGE if closing else EXPIRED_MESSAGE)
        except discord.HTTPException as exc:
            log.debug("could not answer an expired component interaction: %s", exc)

    # ------------------------------------------------------------------ gateway state (for /health)

    async def on_ready(self) -> None:
        self._session_live = True
        log.info("connected to the gateway as %s (%d guild(s))", self.user, len(self.guilds))

    async def on_resumed(self) -> None:
        self._session_live = True
        log.info("gateway session resumed")

    async def on_disconnect(self) -> None:
        if self._session_live and not self.closing:
            log.info("gateway connection lost; reconnecting")
        self._session_live = False

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

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        if self.closing:  # a shutdown was requested before the bot connected
            return
        await super().start(token, reconnect=reconnect)

    async def on_app_command_completion(
        self,
        interaction: discord.Interaction[Any],
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        # Normally already logged by the tracker when the command's task ended; this covers the case
        # where the tracker hook is not installed.
        log_interaction(interaction, "ok")

    # ------------------------------------------------------------------ shutdown

    def begin_shutdown(self) -> None:
        """Stops taking new slash commands (they are answered "restarting"); synchronous, signal-safe."""
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
        self.begin_shutdown()
        if self._drain is None:
            self._drain = asyncio.ensure_future(self._wait_in_flight())
        try:
            await asyncio.shield(self._drain)
        finally:
            await super().close()


def log_interaction(interaction: discord.Interaction[Any], outcome: str) -> None:
    """One line per interaction: user, command, outcome, milliseconds. Later calls for the same interaction
    do nothing, so every path may call it. Autocomplete requests are logged at DEBUG."""
    if interaction.extras.get("logged"):
        return
    interaction.extras["logged"] = True
    started = interaction.extras.get("started")
    elapsed = (time.perf_counter() - started) * 1000 if isinstance(started, float) else -1.0
    name = interaction_name(interaction)
    level = logging.DEBUG if interaction.type is discord.InteractionType.autocomplete else logging.INFO
    interactions_log.log(
        level, "interaction user=%s command=%s outcome=%s ms=%.0f", interaction.user.id, name, outcome, elapsed
    )
