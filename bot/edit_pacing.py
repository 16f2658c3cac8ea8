"""When the next edit of a message may start: a fixed interval after the previous edit *finished*, widened after
an edit that took long.

discord.py waits out a Discord 429 inside the edit call (its webhook adapter sleeps ``retry_after`` and tries
again) and no public hook reports it, so the signal the bot has is the edit's own duration: a normal edit takes
milliseconds, one that took a second or more was held up (a 429, or a slow Discord). Either way the answer is
the same: edit less often. Counting from the end of the previous edit also means edits never overlap or queue.
"""

from __future__ import annotations

__all__ = ["MAX_INTERVAL", "SLOW_EDIT", "EditPacer"]

MAX_INTERVAL = 30.0
"""The widest the interval gets after slow (rate-limited) edits."""
SLOW_EDIT = 1.0
"""An edit that took this long was held up (a 429 waited out by discord.py, or a slow Discord)."""


class EditPacer:
    """When the next edit may start: ``interval`` after the previous one finished; slow edits widen it.

    Args:
        interval: The normal (and smallest) interval, seconds.
        widest: The largest interval, seconds.
        slow: An edit that took at least this many seconds counts as held up.

    Example:
        >>> pacer = EditPacer(2.0)
        >>> pacer.finished(0.05)
        2.0
        >>> pacer.finished(1.5)  # a 429 was waited out inside the edit
        4.0
    """

    def __init__(self, interval: float = 2.0, widest: float = MAX_INTERVAL, slow: float = SLOW_EDIT) -> None:
        self.smallest = interval
        self.widest = max(widest, interval)
        self.slow = slow
        self.interval = interval

    def finished(self, took: float) -> float:
        """Records an edit that took ``took`` seconds; returns the seconds to wait before the next one."""
        if took >= self.slow:
            self.interval = min(self.widest, max(self.interval * 2, took * 2))
        else:
            self.interval = max(self.smallest, self.interval / 2)
        return self.interval
