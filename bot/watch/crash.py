"""Telling a crash from a stop, from what Wings sends (I/O-free).

The rule (documented in ``docs/design.md``, "The watchers"):

* Every stop Wings carries out goes through ``stopping``: a stop or restart sets ``stopping`` then sends the
  stop command or signal, and a kill (``Terminate``) sets ``stopping`` before killing the container. So a
  server that goes from ``running`` or ``starting`` straight to ``offline`` stopped without a power action:
  its process exited on its own. Wings' crash handler says the same in the console right after
  (``[Pterodactyl Daemon]: ---------- Detected server process in a crashed state! ----------``, ``Exit code:
  N``, ``Out of memory: true|false``, and ``Aborting automatic restart, ...`` when it will not restart it);
  those lines only add details and are read only when they start with Wings' own ``[... Daemon]:`` prefix (a
  player cannot print that at the start of a line).
* A power action asked through the bot (``ConsoleHub.note_power``) in the last two minutes also explains an
  ``offline``, for panels or Wings versions that skip ``stopping``.
* Changes across a gap in watching (a reconnect, a session reopened) are not judged: what happened while the
  socket was down is unknown, and the unreachable alert covers a node that went away.
* A process that exits by itself (the game's own ``stop`` typed into the console, an exit code 0) is a crash
  too, as Wings itself reports it (its ``detect_clean_exit_as_crash`` defaults to true).

After a crash, the next ``running`` is the server coming back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pyjexactyl import strip_ansi
from pyjexactyl.events import ConsoleOutput, Reconnected, StatusChanged

from .model import FeedStatus, WatchEvent

__all__ = ["CrashDetector", "CrashReport", "Finding"]

Finding = Literal["crash", "back"]

_DAEMON_LINE = re.compile(r"^\[[^\]\n]{0,40}Daemon\]:\s*(?P<text>.*)$")
_EXIT_CODE = re.compile(r"^Exit code:\s*(?P<code>-?\d+)")
_OOM = re.compile(r"^Out of memory:\s*(?P<oom>true|false)", re.IGNORECASE)
_CRASHED = "Detected server process in a crashed state"
_NO_RESTART = "Aborting automatic restart"


@dataclass
class CrashReport:
    """What Wings said about the last crash (filled in as its console lines arrive).

    Attributes:
        exit_code: The process's exit code, when Wings printed it.
        out_of_memory: Whether it was killed for using too much memory, when Wings printed it.
        restart: ``False`` when Wings said it will not restart it (with its reason in ``restart_note``),
            ``True`` once the server is starting again, ``None`` while unknown.
        confirmed: Wings' crash handler printed its notice.
    """

    exit_code: int | None = None
    out_of_memory: bool | None = None
    restart: bool | None = None
    restart_note: str = ""
    confirmed: bool = False
    lines: list[str] = field(default_factory=list)


class CrashDetector:
    """Reads one server's events in order and says when it crashed and when it came back.

    Args:
        requested: Returns the power action asked for through the bot recently (``None`` if none).

    Example:
        >>> detector = CrashDetector(lambda: None)
        >>> detector.feed(StatusChanged("running")), detector.feed(StatusChanged("offline"))
        (None, 'crash')
    """

    def __init__(self, requested: Callable[[], str | None]) -> None:
        self._requested = requested
        self._previous: str | None = None
        self._stopping = False
        self.crashed = False
        """A crash was found and the server has not been running since."""
        self.report = CrashReport()

    def feed(self, event: WatchEvent) -> Finding | None:
        """Takes the next event; returns ``crash`` or ``back`` when this event is one."""
        if isinstance(event, Reconnected) or (isinstance(event, FeedStatus) and event.link != "connected"):
            self._previous = None  # a gap: what happened meanwhile is unknown
            self._stopping = False
            return None
        if isinstance(event, ConsoleOutput):
            self._read_line(event.line)
            return None
        if not isinstance(event, StatusChanged):
            return None
        previous, state = self._previous, event.state
        self._previous = state
        if state == "stopping":
            self._stopping = True
            return None
        if state == "starting":
            if self.crashed and self.report.restart is None:
                self.report.restart = True
            self._stopping = False
            return None
        if state == "running":
            self._stopping = False
            if self.crashed and previous is not None:
                self.crashed = False
                return "back"
            return None
        if state == "offline" and previous in ("running", "starting"):
            stopped = self._stopping or self._requested() in ("stop", "kill", "restart")
            self._stopping = False
            if stopped:
                return None
            self.crashed = True
            self.report = CrashReport()
            return "crash"
        return None

    def _read_line(self, line: str) -> None:
        match = _DAEMON_LINE.match(strip_ansi(line).strip())
        if match is None:
            return
        text = match.group("text").strip()
        report = self.report
        if _CRASHED in text:
            report.confirmed = True
        elif (code := _EXIT_CODE.match(text)) is not None:
            report.exit_code = int(code.group("code"))
        elif (oom := _OOM.match(text)) is not None:
            report.out_of_memory = oom.group("oom").lower() == "true"
        elif _NO_RESTART in text:
            report.restart = False
            report.restart_note = text
