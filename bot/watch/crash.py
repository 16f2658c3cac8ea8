"""Telling a crash from a stop, from what Wings sends (I/O-free).

The rule (``docs/design.md``, "The watchers", says why):

* Wings itself decides: when a server goes from ``running`` or ``starting`` straight to ``offline`` (every stop,
  restart and kill it carries out sets ``stopping`` first), its crash handler prints, as Wings (``[Pterodactyl
  Daemon]: ...``, the daemon prefix), ``---------- Detected server process in a crashed state! ----------``,
  then ``Exit code: N``, ``Out of memory: true|false`` and, when it will not restart the server, ``Aborting
  automatic restart, last crash occurred less than N seconds ago.``; with crash detection turned off it prints
  ``Aborting automatic restart, crash detection is disabled for this instance.`` instead. Each of the two
  marker lines is one crash. Lines count only when they start with the daemon prefix (after removing ANSI
  codes): a player's chat line cannot start with it.
* The state sequence alone is not used: the library keeps only the latest pending ``status`` for a reader
  that is behind (a burst such as ``stopping`` + ``offline`` of a kill arrives as ``offline`` alone), so a
  kill from the panel would look like a crash. Wings' notice has no such gap.
* A power action asked through the bot in the last minute (``ConsoleHub.note_power``) overrides a notice
  (Wings versions whose kill skips ``stopping`` print the notice for it).
* A process that exits on its own (the game's own ``stop`` typed into the console, exit code 0) is a crash when
  Wings says so (its ``detect_clean_exit_as_crash`` defaults to true).

After a crash, the next ``running`` is the server coming back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pyjexactyl import strip_ansi
from pyjexactyl.events import ConsoleOutput, StatusChanged

from .model import WatchEvent

__all__ = ["CrashDetector", "CrashReport", "Finding"]

Finding = Literal["crash", "back"]

_DAEMON_LINE = re.compile(r"^\[[^\]\n]{0,40}Daemon\]:\s*(?P<text>.*)$")
_EXIT_CODE = re.compile(r"^Exit code:\s*(?P<code>-?\d+)")
_OOM = re.compile(r"^Out of memory:\s*(?P<oom>true|false)", re.IGNORECASE)
_CRASHED = "Detected server process in a crashed state"
_NO_RESTART = "Aborting automatic restart"
_DETECTION_OFF = "crash detection is disabled"


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


class CrashDetector:
    """Reads one server's events in order and says when it crashed and when it came back.

    Args:
        requested: Returns the power action asked for through the bot recently (``None`` if none).

    Example:
        >>> detector = CrashDetector(lambda: None)
        >>> detector.feed(ConsoleOutput("[Pterodactyl Daemon]: Detected server process in a crashed state!"))
        'crash'
    """

    def __init__(self, requested: Callable[[], str | None]) -> None:
        self._requested = requested
        self.crashed = False
        """A crash was found and the server has not been running since."""
        self.report = CrashReport()

    def feed(self, event: WatchEvent) -> Finding | None:
        """Takes the next event; returns ``crash`` or ``back`` when this event is one."""
        if isinstance(event, ConsoleOutput):
            return self._read_line(event.line)
        state = event.state if isinstance(event, StatusChanged) else None
        if state == "starting" and self.crashed and self.report.restart is None:
            self.report.restart = True
        elif state == "running" and self.crashed:
            self.crashed = False
            return "back"
        return None

    def _read_line(self, line: str) -> Finding | None:
        match = _DAEMON_LINE.match(strip_ansi(line).strip())
        if match is None:
            return None
        text = match.group("text").strip()
        if _CRASHED in text or _DETECTION_OFF in text:
            if self._requested() in ("stop", "kill", "restart"):
                return None
            self.crashed = True
            self.report = CrashReport(confirmed=True)
            if _DETECTION_OFF in text:
                self.report.restart, self.report.restart_note = False, text
            return "crash"
        report = self.report
        if (code := _EXIT_CODE.match(text)) is not None:
            report.exit_code = int(code.group("code"))
        elif (oom := _OOM.match(text)) is not None:
            report.out_of_memory = oom.group("oom").lower() == "true"
        elif _NO_RESTART in text:
            report.restart = False
            report.restart_note = text
        return None
