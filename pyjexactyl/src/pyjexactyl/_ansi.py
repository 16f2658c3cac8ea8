"""``strip_ansi``: console lines without their terminal escape sequences."""

from __future__ import annotations

import re

__all__ = ["strip_ansi"]

# CSI (colours, cursor moves: ESC [ params intermediates final), OSC (titles, links: ESC ] ... BEL or ST),
# then any other two-byte escape (ESC followed by one byte in @-_), then a lone ESC or an 8-bit CSI.
_ANSI = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]
  | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?
  | \x1b[@-Z\\-_]
  | \x9b[0-?]*[ -/]*[@-~]
  | \x1b
    """,
    re.VERBOSE,
)


def strip_ansi(line: str) -> str:
    """Removes ANSI escape sequences (colours, bold, cursor moves, window titles) from a console line.

    Wings delivers lines exactly as the server printed them; call this before rendering them somewhere that
    does not understand terminal codes (a Discord message, a log file, a web page).

    Args:
        line: A console line, e.g. from :class:`~pyjexactyl.events.ConsoleOutput`.

    Returns:
        The line without escape sequences; the text itself is unchanged.

    Example:
        >>> strip_ansi("\\x1b[33m\\x1b[1m[Pterodactyl Daemon]:\\x1b[39m Server marked as running")
        '[Pterodactyl Daemon]: Server marked as running'
    """
    if "\x1b" not in line and "\x9b" not in line:
        return line
    return _ANSI.sub("", line)
