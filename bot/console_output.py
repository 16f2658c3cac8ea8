"""Console lines shown in Discord: cleaned, fenced so that nothing in them can break out, and bounded.

Two parts: formatting (this paragraph and the next) and catching the lines that follow a command
(:class:`OutputCatcher`, below).

A console line is whatever the game printed: ANSI colours, control characters, backticks, ``@everyone``,
markdown. :func:`clean_line` strips the ANSI codes (the library's :func:`~pyjexactyl.strip_ansi`), turns tabs
into spaces, drops the other control characters and the invisible/reordering ones, and breaks every run of
backticks with a zero-width space, so no line can close the code block it is shown in. Inside a code block
Discord renders no markdown and no mention, and the bot sends these answers ephemerally with no allowed
mentions, so a console line notifies nobody.

:func:`code_block` fits lines into a budget (at most ``max_lines`` lines and ``max_chars`` characters including
the fences and the "… N more lines" note): the first lines that followed a command (``keep="head"``) or the
latest lines of a live console (``keep="tail"``).

:class:`OutputCatcher` listens to the server's console through the bot's console hub before the command is
sent (so the lines that answer it cannot be missed) and collects them until the console has been quiet for
``quiet`` seconds, at most ``timeout``. It subscribes like any board or live console: a session the hub holds
for that (key, server) already is used as it is (no token request); otherwise the hub opens one, and keeps it
``linger`` seconds after the last subscriber left, so a few commands in a row share it. When the console
cannot be opened (no ``websocket.connect`` permission, node unreachable, not connected in time) it says why
in one sentence, and the command is sent all the same: the caller sends it over the panel's HTTP route either
way, once.

Example:
    >>> print(code_block(["> list", "There are 0 of a max of 20 players online: "]))
    ```
    > list
    There are 0 of a max of 20 players online:
    ```
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pyjexactyl import strip_ansi
from pyjexactyl.events import ConsoleOutput, Dropped

from .watch import FeedSnapshot, FeedStatus, PauseReason, SubscriptionClosedError

if TYPE_CHECKING:
    from .watch import Subscription
    from .watch.hub import ConsoleHub

__all__ = [
    "FENCE",
    "LINE_MAX",
    "CaughtOutput",
    "OutputCatcher",
    "clean_line",
    "code_block",
    "more_lines",
    "unavailable_reason",
]

log = logging.getLogger("bot.console")

FENCE = "```"
ZWSP = "\u200b"
LINE_MAX = 300
"""Characters of one console line shown at most (a longer line is cut with an ellipsis)."""
MAX_LINES = 20
MAX_CHARS = 1900

_BACKTICK_RUN = re.compile(r"`(?=`)")
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})
"""Control, format (zero-width, direction overrides), separator, private-use and unassigned characters."""


def clean_line(line: str, *, limit: int = LINE_MAX) -> str:
    """One console line made safe and short for a Discord code block.

    Args:
        line: The line as Wings sent it (ANSI codes included).
        limit: Characters kept at most.

    Returns:
        The text without ANSI codes, control or invisible characters and trailing spaces; no two backticks
        next to each other (a zero-width space goes between them).

    Example:
        >>> clean_line("\\x1b[31mbreak```out\\x07")
        'break`\\u200b`\\u200b`out'
    """
    text = strip_ansi(line).replace("\t", "    ")
    if not text.isprintable():
        text = "".join(ch for ch in text if ch == " " or unicodedata.category(ch) not in _HIDDEN)
    text = text.rstrip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _BACKTICK_RUN.sub("`" + ZWSP, text)


def more_lines(count: int, *, earlier: bool = False) -> str:
    """``… 3 more lines`` (or ``… 3 earlier lines``)."""
    what = "earlier" if earlier else "more"
    return f"… {count} {what} line{'s' if count != 1 else ''}"


def code_block(
    lines: Sequence[str],
    *,
    max_lines: int = MAX_LINES,
    max_chars: int = MAX_CHARS,
    keep: Literal["head", "tail"] = "head",
    omitted: int = 0,
    note: bool = True,
) -> str:
    """Lines in one code block within the budget, with "… N more lines" for what did not fit.

    Args:
        lines: Console lines as Wings sent them (cleaned here with :func:`clean_line`).
        max_lines: Lines shown at most.
        max_chars: Characters of the whole result at most (fences and note included).
        keep: ``head`` keeps the first lines (what followed a command), ``tail`` the latest (a live console).
        omitted: Lines already left out before these (counted in the note).
        note: Say how many lines were left out (a live console does not: its older lines simply scrolled away).

    Returns:
        The fenced block, and the note on its own line after it when lines were left out; ``""`` when there
        is no line to show.

    Example:
        >>> code_block(["a", "b", "c"], max_lines=2).splitlines()[-1]
        '… 1 more line'
    """
    cleaned = [clean_line(line) for line in lines]
    ordered = cleaned if keep == "head" else cleaned[::-1]
    shown: list[str] = []
    # Room for the fences, their newlines and the longest note this block could need.
    budget = max_chars - (len(FENCE) * 2 + 2) - (len(more_lines(len(cleaned) + omitted, earlier=True)) + 1)
    used = 0
    for line in ordered[:max_lines]:
        cost = len(line) + 1
        if used + cost > budget:
            room = budget - used - 1
            if not shown and room > 1:  # a first line longer than the budget is cut, never dropped whole
                shown.append(line[: room - 1] + "…")
            break
        shown.append(line)
        used += cost
    left_out = len(cleaned) - len(shown) + omitted
    if keep == "tail":
        shown.reverse()
    if not any(line.strip() for line in shown):
        return more_lines(left_out, earlier=keep == "tail") if left_out and note else ""
    block = f"{FENCE}\n" + "\n".join(line or " " for line in shown) + f"\n{FENCE}"
    if left_out and note:
        said = more_lines(left_out, earlier=keep == "tail")
        block = f"{said}\n{block}" if keep == "tail" else f"{block}\n{said}"
    return block


# ---------------------------------------------------------------------------------------------- catching output

CATCH_QUEUE = 1000
"""Events the catching subscription holds before dropping the oldest (it is read as they come)."""
CATCH_KEEP = 200
"""Lines kept; later ones are only counted ("… N more lines")."""

_PAUSED: dict[PauseReason, str] = {
    PauseReason.NO_ACCESS: (
        "your panel account may not open this server's console (it lacks the `websocket.connect` permission)"
    ),
    PauseReason.KEY_REFUSED: "the panel refused your key for the console",
    PauseReason.LINK_GONE: "your panel link changed",
    PauseReason.SERVER_GONE: "the panel says the server no longer exists",
    PauseReason.UNAVAILABLE: "the panel says the server is unavailable (suspended, installing or being moved)",
}


def unavailable_reason(snapshot: FeedSnapshot, waited: float) -> str:
    """Why the console cannot be read now, as the end of a sentence (no panel text in it).

    Example:
        >>> unavailable_reason(FeedSnapshot("1a2b3c4d", "unreachable", None, 0.0), 5)
        "the server's node cannot be reached for its console right now"
    """
    if snapshot.pause is not None:
        return _PAUSED.get(snapshot.pause, "its console is paused")
    if snapshot.lost:
        return "the server's node cannot be reached for its console right now"
    return f"its console did not connect within {waited:.0f} s"


@dataclass
class CaughtOutput:
    """What followed a command.

    Attributes:
        lines: The console lines (ANSI codes included), at most :data:`CATCH_KEEP`.
        more: Lines that arrived beyond those (counted, not kept).
        interrupted: Why collecting ended early (the console dropped), else ``None``.
    """

    lines: list[str] = field(default_factory=list)
    more: int = 0
    interrupted: str | None = None


class OutputCatcher:
    """Catches the console lines that follow a command (see the module docstring).

    Use :meth:`open` before sending the command, :meth:`collect` after, :meth:`close` in any case.

    Example:
        >>> catcher = await OutputCatcher.open(bot.watch, user_id, ref.identifier)  # doctest: +SKIP
        >>> try:  # doctest: +SKIP
        ...     await api.client.servers.send_console_command(ref.identifier, "list")
        ...     caught = await catcher.collect() if catcher.unavailable is None else None
        ... finally:
        ...     catcher.close()
    """

    def __init__(self, subscription: Subscription | None, unavailable: str | None) -> None:
        self._sub = subscription
        self.unavailable = unavailable
        """Why no output can be shown (the end of a sentence), or ``None`` when the console is being read."""

    @classmethod
    async def open(
        cls, hub: ConsoleHub, owner_id: int, server_id: str, *, connect_timeout: float = 5.0
    ) -> OutputCatcher:
        """Subscribes to the server's console with the user's key and waits until it is readable.

        Args:
            hub: The bot's console hub.
            owner_id: The Discord user whose linked key is used.
            server_id: The identifier, already resolved against that user's own list.
            connect_timeout: Seconds to wait for a session that is not connected yet.
        """
        sub = await hub.subscribe(
            owner_id, server_id, purpose="command", queue_size=CATCH_QUEUE, events=(ConsoleOutput, FeedStatus)
        )
        try:
            snapshot = await sub.wait_ready(connect_timeout)
        except BaseException:
            sub.close()
            raise
        if snapshot.link != "connected":
            sub.close()
            reason = unavailable_reason(snapshot, connect_timeout)
            log.debug("no console output for %s: %s", server_id, reason)
            return cls(None, reason)
        while sub.get_nowait() is not None:  # what came before the command did not follow it
            pass
        return cls(sub, None)

    async def collect(self, *, quiet: float = 1.5, timeout: float = 10.0) -> CaughtOutput:
        """The lines that arrived since :meth:`open`, until none came for ``quiet`` s (at most ``timeout`` s)."""
        caught = CaughtOutput()
        sub = self._sub
        if sub is None:
            return caught
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet_until = loop.time() + quiet
        while True:
            wait = min(quiet_until, deadline) - loop.time()
            if wait <= 0:
                break
            try:
                async with asyncio.timeout(wait):
                    event = await sub.get()
            except TimeoutError:
                break
            except SubscriptionClosedError:  # the hub closed (the bot is shutting down)
                caught.interrupted = "the bot stopped reading the console"
                break
            if isinstance(event, ConsoleOutput):
                if len(caught.lines) < CATCH_KEEP:
                    caught.lines.append(event.line)
                else:
                    caught.more += 1
                quiet_until = loop.time() + quiet
            elif isinstance(event, Dropped):
                caught.more += event.n
            elif isinstance(event, FeedStatus) and event.link != "connected":
                caught.interrupted = "the console connection dropped while reading the output"
                break
        return caught

    def close(self) -> None:
        """Unsubscribes (idempotent); the hub closes the session when nothing else needs it."""
        if self._sub is not None:
            self._sub.close()
            self._sub = None
