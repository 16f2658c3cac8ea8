"""``/server console``: a live console for one user, followed through the console hub and shown in one
ephemeral message that is edited as output arrives.

* **One session, shared.** The console subscribes to the hub (:mod:`bot.watch.hub`) with the user's key, so a
  board, an alert or a ``/server command`` on the same server and key use the same websocket. On open it asks
  Wings for the recent lines (``send logs``: Wings replays them to every subscriber of that session; boards and
  alerts ignore console lines).
* **Edits are paced** (:class:`~bot.edit_pacing.EditPacer`): every change marks the message dirty, and one task
  renders the latest state at most once per ``edit_interval`` (2 s) after the previous edit *finished*, so
  edits never queue: twenty lines in a second are one edit. discord.py waits out a 429 inside the edit call;
  an edit that took long (a 429, a slow Discord) widens the interval, and fast edits bring it back. Every edit
  of the message, the final one included, goes through that one task.
* **It ends** after ``follow_for`` seconds (10 minutes; the interaction token lasts 15), on **Stop**, when the
  user opens another live console (one per user: the first says it was replaced), when the user's link
  changes (unlink or re-link), when the server goes away, or when the bot shuts down; the last edit says
  which, the buttons go, and the subscription is closed (the hub closes the session when nobody needs it).

Example:
    >>> console = await bot_consoles.open(interaction, panel, ref)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import discord

from pyjexactyl.events import ConsoleOutput, DaemonMessage, Reconnected, ServerDeleted, StatusChanged

from .console_output import MAX_CHARS, MAX_LINES, clean_line, code_block, unavailable_reason
from .edit_pacing import EditPacer
from .embeds import STATE_COLOURS, STATE_DOTS, UNKNOWN_DOT, clip, escape, make_embed
from .errors import UserFacingError
from .servers import plain_text, server_mention
from .ui.live_console import LiveConsoleView
from .watch import FeedStatus, FeedUnavailableError

if TYPE_CHECKING:
    from .app import JexactylBot
    from .clients import UserPanel
    from .ratelimit import KeyedCooldown
    from .servers import ServerRef
    from .storage import LinkedAccount
    from .watch import Subscription, WatchEvent

__all__ = ["EDIT_INTERVAL", "LiveConsole", "LiveConsoles"]

log = logging.getLogger("bot.console")

FOLLOW_FOR = 600.0
"""Seconds a live console follows the server (the interaction token that edits it lasts 15 minutes)."""
EDIT_INTERVAL = 2.0
"""Seconds between two edits of a live console, at least."""
CONNECT_TIMEOUT = 5.0
"""Seconds to wait for the server's console to connect before saying it cannot be opened."""
NAME_MAX = 80

ENDED_TIMEOUT = "⏹️ Stopped following after {minutes}. Run `/server console` again to follow it."
ENDED_STOP = "⏹️ Stopped following. Run `/server console` again to follow it."
ENDED_REPLACED = "⏹️ Replaced by a newer live console: one live console per person at a time."
ENDED_LINK = "⏹️ Stopped: your panel link changed (unlinked or linked again)."
ENDED_SHUTDOWN = "⏹️ Stopped: the bot is restarting. Run `/server console` again in a minute."
ENDED_SERVER_GONE = "⏹️ Stopped: the server no longer exists on your panel account."


def _minutes(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:.0f} s"


class LiveConsole:
    """One user's live console of one server (see the module docstring). Made by :meth:`LiveConsoles.open`.

    Args:
        consoles: The registry (one console per user).
        origin: The deferred ``/server console`` interaction; its token edits the message.
        ref: The server.
        link: The panel link it was opened under.
    """

    def __init__(
        self, consoles: LiveConsoles, origin: discord.Interaction[Any], ref: ServerRef, link: LinkedAccount
    ) -> None:
        self.consoles = consoles
        self.origin = origin
        self.owner_id = origin.user.id
        self.ref = ref
        self.link = link
        self.lines: deque[str] = deque(maxlen=MAX_LINES)
        self.state: str | None = None
        self.health: FeedStatus | None = None
        self.last_command: str | None = None
        self.ended: str | None = None
        self.message_id: int | None = None
        self.view = LiveConsoleView(origin, self, link=link)
        self.pacer = EditPacer(consoles.edit_interval)
        self.edits = 0
        """Edits made so far (the first message not counted)."""
        self.follow_for = consoles.follow_for
        self._sub: Subscription | None = None
        self._feed: object | None = None
        self._dirty = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._until = 0.0
        self._until_epoch = 0.0
        self._next_edit = 0.0

    def __repr__(self) -> str:
        return f"<LiveConsole user={self.owner_id} server={self.ref.identifier!r} ended={self.ended is not None}>"

    # ------------------------------------------------------------------ opening

    async def start(self, sub: Subscription) -> None:
        """Shows the first message and starts following (the subscription is connected)."""
        loop = asyncio.get_running_loop()
        self._sub = sub
        self._feed = sub.feed
        snapshot = sub.snapshot
        self.state = snapshot.state
        self.follow_for = self.consoles.follow_for
        self._until = loop.time() + self.follow_for
        self._until_epoch = time.time() + self.follow_for
        await self._ask_for_logs()
        message = await self.origin.followup.send(embed=self.render(), view=self.view, ephemeral=True, wait=True)
        self.message_id = message.id
        self._next_edit = loop.time() + self.pacer.interval
        self._task = asyncio.create_task(self._follow(), name=f"live-console-{self.owner_id}")

    async def _ask_for_logs(self) -> None:
        if self._sub is None or self.state not in ("starting", "running", "stopping"):
            return  # Wings replays the recent lines only while the container runs
        try:
            await self._sub.request_logs()
        except FeedUnavailableError as exc:
            log.debug("no recent lines for %s: %s", self.ref.identifier, exc)

    # ------------------------------------------------------------------ events (the hub's listener: never blocks)

    def on_event(self, sub: Subscription, event: WatchEvent) -> None:
        """Called by the hub for every event of the server's session."""
        if self.ended is not None:
            return
        if sub.feed is not self._feed and self._feed is not None:  # re-bound to another key: the link changed
            self.stop(ENDED_LINK)
            return
        if isinstance(event, ConsoleOutput):
            self.lines.append(clean_line(event.line))
        elif isinstance(event, DaemonMessage):
            self.lines.append(clean_line(f"[daemon] {event.text}"))
        elif isinstance(event, StatusChanged):
            self.state = event.state
        elif isinstance(event, Reconnected):
            self.lines.append("[bot] reconnected: lines printed while the connection was down are missing")
        elif isinstance(event, ServerDeleted):
            self.stop(ENDED_SERVER_GONE)
            return
        elif isinstance(event, FeedStatus):
            self.health = event
            if event.pause is not None and event.link == "paused":
                self.stop(ENDED_LINK if event.pause.link_gone else f"⏹️ Stopped: {unavailable_reason(sub.snapshot, 0)}.")
                return
        else:
            return  # stats every second: the console shows lines and the state, not usage
        self._dirty.set()

    # ------------------------------------------------------------------ actions (buttons, form)

    def stop(self, reason: str, *, now: bool = False) -> None:
        """Ends the console with ``reason`` shown in its last edit (idempotent). The edit comes paced, unless
        ``now`` (the bot is shutting down: the last word goes out at once)."""
        if now:
            self._next_edit = 0.0
        if self.ended is None:
            self.ended = reason
            self.consoles.discard(self)  # it no longer counts as the user's live console, last edit or not
            self._dirty.set()

    def stop_pressed(self) -> None:
        """The user pressed Stop."""
        self.stop(ENDED_STOP)

    def link_changed(self) -> None:
        """A press came after the user's link changed (unlinked or re-linked)."""
        self.stop(ENDED_LINK)

    async def refresh(self) -> None:
        """Asks Wings for the recent lines again (they replace what is shown) and re-renders."""
        if self.ended is not None:
            return
        self.lines.clear()
        await self._ask_for_logs()
        self._dirty.set()

    def note_command(self, line: str) -> None:
        """A command was sent from the form: shown under the lines until the next one."""
        self.last_command = line
        self._dirty.set()

    async def wait_closed(self, timeout: float) -> None:
        """Waits until the last edit was made and the subscription closed (at most ``timeout`` s)."""
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=timeout)

    # ------------------------------------------------------------------ rendering

    def _status_line(self) -> str:
        if self.ended is not None:
            return self.ended
        health = self.health
        if health is not None and health.link in ("reconnecting", "unreachable"):
            return "⚠️ The server's node cannot be reached: reconnecting… (lines printed meanwhile are lost)"
        state = self.state or "unknown"
        dot = STATE_DOTS.get(state, UNKNOWN_DOT)
        until = int(self._until_epoch)
        return f"{dot} {escape(state)} · following live until <t:{until}:t> (<t:{until}:R>)"

    def render(self) -> discord.Embed:
        """The message as it should look now."""
        parts = [self._status_line()]
        block = code_block(list(self.lines), keep="tail", max_chars=MAX_CHARS, note=False)
        if block:
            parts.append(block)
        elif self.state == "offline":
            parts.append("*No output: the server is offline.*")
        else:
            parts.append("*No output yet.*")
        if self.last_command is not None:
            sent = clip(self.last_command, 200).replace("`", "'")
            parts.append(f"Sent: `{sent}`")
        colour = STATE_COLOURS.get(self.state or "", discord.Colour.light_grey())
        if self.ended is not None:
            colour = discord.Colour.dark_grey()
        name = escape(clip(plain_text(self.ref.name) or self.ref.identifier, NAME_MAX))
        return make_embed(
            f"Console · {name} · {self.ref.identifier}",
            "\n".join(parts),
            colour=colour,
            footer="Live console: only you see it. Edited at most every "
            f"{self.consoles.edit_interval:g} s while output arrives.",
        )

    # ------------------------------------------------------------------ the follow

    async def _follow(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.ended is None:
                left = self._until - loop.time()
                if left <= 0:
                    self.stop(ENDED_TIMEOUT.format(minutes=_minutes(self.follow_for)))
                    break
                try:
                    async with asyncio.timeout(left):
                        await self._dirty.wait()
                except TimeoutError:
                    continue
                await self._pace()
                if self.ended is not None:
                    break
                self._dirty.clear()
                if not await self._edit():
                    return
            await self._pace()
            self.view.stop()
            await self._edit(final=True)
        except asyncio.CancelledError:
            raise
        except Exception:  # never let a render failure leave the subscription open
            log.exception("the live console of %s for user %s failed", self.ref.identifier, self.owner_id)
        finally:
            self._close()

    async def _pace(self) -> None:
        wait = self._next_edit - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _edit(self, *, final: bool = False) -> bool:
        """One edit; ``False`` when the message cannot be edited any more (deleted, token expired)."""
        if self.message_id is None:
            return False
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            await self.origin.followup.edit_message(
                self.message_id, embed=self.render(), view=None if final else self.view
            )
        except discord.NotFound:
            log.debug("the live console message of user %s is gone", self.owner_id)
            self.ended = self.ended or ENDED_STOP
            return False
        except discord.HTTPException as exc:
            log.warning("could not edit the live console of user %s: %s", self.owner_id, exc)
        took = loop.time() - started
        self.edits += 1
        self._next_edit = loop.time() + self.pacer.finished(took)
        return True

    def _close(self) -> None:
        self.view.stop()
        if self._sub is not None:
            self._sub.close()
        self.consoles.discard(self)


class LiveConsoles:
    """The live consoles of every user: at most one each.

    Args:
        bot: The bot (its console hub, panels and storage).
        console_rate: The per-user rate of console commands, shared with ``/server command``.
    """

    def __init__(self, bot: JexactylBot, console_rate: KeyedCooldown) -> None:
        self.bot = bot
        self.console_rate = console_rate
        self.follow_for = FOLLOW_FOR
        self.edit_interval = EDIT_INTERVAL
        self.connect_timeout = CONNECT_TIMEOUT
        self._by_user: dict[int, LiveConsole] = {}

    def __len__(self) -> int:
        return len(self._by_user)

    def of(self, user_id: int) -> LiveConsole | None:
        """The user's live console, if one is open."""
        return self._by_user.get(user_id)

    async def open(self, interaction: discord.Interaction[Any], panel: UserPanel, ref: ServerRef) -> LiveConsole:
        """Opens a live console of ``ref`` for the user of the deferred ``interaction``; replaces their previous
        one.

        Raises:
            UserFacingError: the console cannot be opened (no permission, node unreachable...).
        """
        console = LiveConsole(self, interaction, ref, panel.account)
        sub = await self.bot.watch.subscribe(
            interaction.user.id, ref.identifier, purpose="console", listener=console.on_event
        )
        try:
            snapshot = await sub.wait_ready(self.connect_timeout)
            if snapshot.link != "connected":
                raise UserFacingError(
                    f"The live console of {server_mention(ref, NAME_MAX)} cannot be opened: "
                    f"{unavailable_reason(snapshot, self.connect_timeout)}."
                )
            previous = self._by_user.get(interaction.user.id)
            self._by_user[interaction.user.id] = console
            await console.start(sub)
        except BaseException:
            sub.close()
            if self._by_user.get(interaction.user.id) is console:
                del self._by_user[interaction.user.id]
            console.view.stop()
            raise
        if previous is not None:
            previous.stop(ENDED_REPLACED)
        return console

    def discard(self, console: LiveConsole) -> None:
        """Forgets ``console`` (it ended)."""
        if self._by_user.get(console.owner_id) is console:
            del self._by_user[console.owner_id]

    async def close_all(self, reason: str = ENDED_SHUTDOWN, timeout: float = 3.0) -> None:
        """Ends every live console, each with a last edit saying ``reason`` (at most ``timeout`` s in all)."""
        consoles = list(self._by_user.values())
        for console in consoles:
            console.stop(reason, now=True)
        await asyncio.gather(*(console.wait_closed(timeout) for console in consoles))

