"""Alerts: the bot posts in a channel when a watched server crashes, comes back, cannot be watched for
``ALERT_UNREACHABLE`` seconds, or uses over 90% of its disk limit.

* **Crash** follows :mod:`bot.watch.crash`. The alert waits :attr:`AlertManager.crash_settle` seconds (1.5)
  for Wings' crash notice (exit code, out of memory, whether it restarts the server), so one message says it
  all; when the server is already running again by then, that same message says so instead of a second one.
* **Back**: the server is running again after a crash alert; **reachable**: it can be watched again after an
  unreachable alert.
* **Unreachable**: the hub has not had the server's console for ``ALERT_UNREACHABLE`` seconds (node or Wings
  down: the drop, then the library's reconnects, then the hub's retries).
* **Disk**: over 90% of the server's disk limit; armed again below 85%.

Each alert mentions its role (when one is set) in the message **content**, with ``allowed_mentions`` limited
to that role, so nothing else can ping (a mention inside an embed notifies nobody). The same alert for the same
server is not repeated within :attr:`AlertManager.repeat` seconds (5 minutes): the message already posted gets
a "flapping" note instead (an edit, which notifies nobody).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.cards import Allocation
from pyjexactyl.events import Stats

from .changes import Changes
from .channels import classify, describe_forbidden, missing_bot_permissions
from .crash import CrashDetector
from .model import FeedStatus, WatchEvent
from .render import alert_content, alert_embed, flapping_note, server_name
from .store import AlertRow, WatchStore
from .subscription import Subscription

if TYPE_CHECKING:
    from bot.app import JexactylBot

__all__ = ["AlertManager"]

log = logging.getLogger("bot.watch.alerts")

DISK_ALERT = 0.90
DISK_REARM = 0.85


@dataclass
class _Posted:
    at: float
    message_id: int
    embed: discord.Embed
    repeats: int = 0
    first_repeat: float = 0.0


@dataclass(eq=False)
class _Watch:
    row: AlertRow
    detector: CrashDetector
    sub: Subscription | None = None
    posted: dict[str, _Posted] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    unreachable_timer: asyncio.TimerHandle | None = None
    unreachable_alerted: bool = False
    disk_alerted: bool = False
    crash_pending: bool = False
    back_while_pending: bool = False
    crash_posted: bool = False


class AlertManager:
    """Every alert of the bot (see the module docstring).

    Args:
        bot: The bot (its hub and Discord connection).
        store: Where alerts are stored.
        unreachable: ``ALERT_UNREACHABLE``: seconds before an unreachable server is reported.
    """

    def __init__(self, bot: JexactylBot, store: WatchStore, *, unreachable: float) -> None:
        self.bot = bot
        self.store = store
        self.unreachable = unreachable
        self.repeat = 300.0
        """Seconds within which the same alert of the same server is not posted again."""
        self.crash_settle = 1.5
        """Seconds a crash alert waits for Wings' crash notice before it is posted."""
        self.watches: dict[int, _Watch] = {}
        self._paused: dict[int, AlertRow] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.posts = 0
        """Alert messages posted (tests and the benchmark)."""
        self.changes = Changes()
        """Notified when an alert is posted, noted as a repeat, paused or removed (tests wait on it)."""

    # ------------------------------------------------------------------ start, add, remove

    async def resume(self) -> None:
        """Starts every stored alert (one paused for a missing permission is tried again: its next post pauses
        it again if still refused)."""
        for row in await self.store.alerts():
            if row.paused:
                await self.store.set_alert_paused(row.id, None)
                row = dataclasses.replace(row, paused=None)
            await self.start(row)

    async def start(self, row: AlertRow) -> None:
        """Watches an alert's server (replacing a watch of the same alert)."""
        old = self.watches.pop(row.id, None)
        if old is not None:
            self._stop(old)
        server_id = row.server_id
        watch = _Watch(row, CrashDetector(lambda: self.bot.watch.power_requested(server_id)))
        self.watches[row.id] = watch
        watch.sub = await self.bot.watch.subscribe(
            row.owner_id,
            row.server_id,
            purpose="alert",
            listener=lambda sub, event: self._on_event(watch, event),
            details=True,
        )

    async def remove(self, alert_id: int) -> AlertRow | None:
        """Stops and forgets an alert; returns its row, or ``None``."""
        watch = self.watches.pop(alert_id, None)
        row = watch.row if watch is not None else self._paused.pop(alert_id, None)
        if watch is not None:
            self._stop(watch)
        if row is None:
            row = await self.store.alert(alert_id)
        if row is not None:
            await self.store.remove_alert(alert_id)
        self.changes.notify()
        return row

    def _stop(self, watch: _Watch) -> None:
        if watch.unreachable_timer is not None:
            watch.unreachable_timer.cancel()
        if watch.sub is not None:
            watch.sub.close()

    def status_of(self, alert_id: int) -> str:
        """``active``, or why the alert is disabled, for ``/alert list``."""
        watch = self.watches.get(alert_id)
        if watch is None:
            row = self._paused.get(alert_id)
            return f"paused: {row.paused}" if row is not None and row.paused else "stopped"
        snapshot = watch.sub.snapshot if watch.sub is not None else None
        if snapshot is not None and snapshot.pause is not None:
            return ("disabled: the owner's panel link is gone") if snapshot.pause.link_gone else snapshot.pause.sentence
        if snapshot is not None and snapshot.lost:
            return "active (the node cannot be reached now)"
        return "active"

    async def channel_deleted(self, channel_id: int) -> None:
        """A channel was deleted: its alerts go, quietly."""
        ids = [i for i, w in self.watches.items() if w.row.channel_id == channel_id]
        ids += [i for i, r in self._paused.items() if r.channel_id == channel_id]
        for alert_id in ids:
            log.info("alert %d: its channel was deleted; removing it", alert_id)
            await self.remove(alert_id)

    async def recheck(self, guild: discord.Guild) -> None:
        """The guild's channels or roles changed: resume its paused alerts that can post again."""
        for alert_id, row in list(self._paused.items()):
            channel = guild.get_channel(row.channel_id) if row.guild_id == guild.id else None
            if not isinstance(channel, discord.abc.GuildChannel) or missing_bot_permissions(channel):
                continue
            del self._paused[alert_id]
            await self.store.set_alert_paused(alert_id, None)
            log.info("alert %d: the bot may post again; resuming", alert_id)
            await self.start(row)

    async def shutdown(self) -> None:
        """Stops every alert (nothing is posted during a shutdown)."""
        for watch in self.watches.values():
            self._stop(watch)
        self.watches.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # ------------------------------------------------------------------ events

    def _on_event(self, watch: _Watch, event: WatchEvent) -> None:
        finding = watch.detector.feed(event)
        if finding == "crash":
            watch.crash_pending, watch.back_while_pending = True, False
            self._spawn(self._crash(watch), watch)
        elif finding == "back":
            if watch.crash_pending:
                watch.back_while_pending = True
            elif watch.crash_posted:
                self._spawn(self._post(watch, "back"), watch)
        if isinstance(event, FeedStatus):
            self._health(watch, event)
        elif isinstance(event, Stats):
            self._disk(watch, event)

    def _spawn(self, coroutine: Coroutine[Any, Any, None], watch: _Watch) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _crash(self, watch: _Watch) -> None:
        async with watch.lock:  # a "back" found meanwhile waits, so the messages stay in order
            await asyncio.sleep(self.crash_settle)
            watch.crash_pending = False
            watch.crash_posted = await self._send(watch, "crash", back=watch.back_while_pending)

    def _health(self, watch: _Watch, status: FeedStatus) -> None:
        loop = asyncio.get_running_loop()
        if status.link in ("reconnecting", "unreachable"):
            if watch.unreachable_timer is None and not watch.unreachable_alerted:
                delay = max(0.0, status.since + self.unreachable - time.time())
                watch.unreachable_timer = loop.call_later(delay, self._unreachable_due, watch, status.since)
            return
        if watch.unreachable_timer is not None:
            watch.unreachable_timer.cancel()
            watch.unreachable_timer = None
        if status.link == "connected" and watch.unreachable_alerted:
            watch.unreachable_alerted = False
            self._spawn(self._post(watch, "reachable"), watch)

    def _unreachable_due(self, watch: _Watch, since: float) -> None:
        watch.unreachable_timer = None
        snapshot = watch.sub.snapshot if watch.sub is not None else None
        if snapshot is None or not snapshot.lost or self.watches.get(watch.row.id) is not watch:
            return
        watch.unreachable_alerted = True
        self._spawn(self._post(watch, "unreachable"), watch)

    def _disk(self, watch: _Watch, stats: Stats) -> None:
        details = watch.sub.snapshot.details if watch.sub is not None else None
        limit = Allocation.of(details or {}).disk
        if limit <= 0:
            return
        share = stats.disk_bytes / limit
        if share > DISK_ALERT and not watch.disk_alerted:
            watch.disk_alerted = True
            self._spawn(self._post(watch, "disk"), watch)
        elif share < DISK_REARM:
            watch.disk_alerted = False

    # ------------------------------------------------------------------ posting

    async def _post(self, watch: _Watch, kind: str) -> None:
        async with watch.lock:
            await self._send(watch, kind)

    async def _send(self, watch: _Watch, kind: str, *, back: bool = False) -> bool:
        """Posts the alert, or notes a repeat on the one posted within :attr:`repeat`; ``True`` if posted."""
        if self.watches.get(watch.row.id) is not watch or watch.sub is None:
            return False
        row, snapshot = watch.row, watch.sub.snapshot
        name = server_name(snapshot, row.server_name)
        channel = self.bot.get_partial_messageable(row.channel_id, guild_id=row.guild_id)
        now = time.time()
        posted = watch.posted.get(kind)
        try:
            if posted is not None and now - posted.at < self.repeat:
                posted.repeats += 1
                posted.first_repeat = posted.first_repeat or now
                embed = posted.embed.copy()
                note = flapping_note(kind, posted.repeats, posted.first_repeat, self.repeat)
                embed.description = f"{embed.description or ''}\n\n{note}"
                await channel.get_partial_message(posted.message_id).edit(
                    embed=embed, allowed_mentions=discord.AllowedMentions.none()
                )
                log.info(
                    "alert %d: %s of %s repeated within %.0f s (flapping)", row.id, kind, row.server_id, self.repeat
                )
                self.changes.notify()
                return False
            report = watch.detector.report if kind == "crash" else None
            embed = alert_embed(kind, name, snapshot, report=report, back=back)
            if row.role_id is not None:
                allowed = discord.AllowedMentions(
                    everyone=False, users=False, roles=[discord.Object(row.role_id)], replied_user=False
                )
            else:
                allowed = discord.AllowedMentions.none()
            message = await channel.send(alert_content(kind, name, row.role_id), embed=embed, allowed_mentions=allowed)
        except (discord.HTTPException, discord.RateLimited) as exc:
            await self._failed(watch, kind, exc)
            return False
        watch.posted[kind] = _Posted(at=now, message_id=message.id, embed=embed)
        self.posts += 1
        log.info("alert %d: posted %s of %s", row.id, kind, row.server_id)
        self.changes.notify()
        return True

    async def _failed(self, watch: _Watch, kind: str, exc: BaseException) -> None:
        outcome = classify(exc)
        row = watch.row
        if outcome == "gone":
            log.info("alert %d: its channel (or the message) is gone; removing it", row.id)
            if self.watches.get(row.id) is watch:
                await self.remove(row.id)
        elif outcome == "forbidden":
            log.warning(
                "alert %d in channel %d paused: %s. Give the bot View Channel, Send Messages and Embed Links there; "
                "it resumes when the channel or a role changes, or at the next start",
                row.id,
                row.channel_id,
                describe_forbidden(exc),
            )
            self.watches.pop(row.id, None)
            self._stop(watch)
            reason = "the bot lacks a permission in the channel"
            await self.store.set_alert_paused(row.id, reason)
            self._paused[row.id] = dataclasses.replace(row, paused=reason)
            self.changes.notify()
        else:
            log.warning("alert %d: the %s alert could not be posted (%s)", row.id, kind, exc)
