"""Renewal reminders (Jexactyl v3): which of a member's servers are due one, and how often.

A server the member **owns** whose renewal is due within ``RENEWAL_WARN_DAYS`` (or that was already suspended
for want of renewal) gets one reminder per day, as an ephemeral note after the member's next command
(``cogs/reminders.py`` sends it). To keep the panel's load flat, a member's servers are looked at at most once
every :data:`CHECK_EVERY` seconds, through the bot's server-list cache, and only once the bot knows the panel is
Jexactyl v3 (:mod:`bot.panel_kind`; a server list or object shows it): on other panels nothing is looked at, and
the panel is never asked what it is for a reminder.

The memory of who was reminded is kept in the process: a restart may repeat a reminder once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from .renewal import days_text, renewal_due
from .servers import ServerRef, server_mention

__all__ = ["CHECK_EVERY", "REMIND_EVERY", "RenewalReminders", "reminder_text"]

REMIND_EVERY = 24 * 3600.0
"""Seconds between two reminders about the same server to the same member."""
CHECK_EVERY = 600.0
"""Seconds between two looks at one member's servers."""
SHOWN_MAX = 10
NAME_MAX = 60


class RenewalReminders:
    """Who is due a reminder, and when they last got one.

    Args:
        warn_days: ``RENEWAL_WARN_DAYS`` (0: no reminders at all).
        remind_every: Seconds before the same server is mentioned to the same member again.
        check_every: Seconds before the same member's servers are looked at again.
        clock: Monotonic seconds (tests pass their own).

    Example:
        >>> reminders = RenewalReminders(2)
        >>> reminders.should_check(42) and reminders.take_due(42, servers)  # doctest: +SKIP
    """

    def __init__(
        self,
        warn_days: int,
        *,
        remind_every: float = REMIND_EVERY,
        check_every: float = CHECK_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.warn_days = warn_days
        self.remind_every = remind_every
        self.check_every = check_every
        self._clock = clock
        self._checked: dict[int, float] = {}
        self._reminded: dict[tuple[int, str], float] = {}
        self._pruned = clock()

    @property
    def enabled(self) -> bool:
        """Whether reminders are on (``RENEWAL_WARN_DAYS`` > 0)."""
        return self.warn_days > 0

    def should_check(self, user_id: int) -> bool:
        """Whether to look at the member's servers now (then not again for :attr:`check_every` seconds)."""
        now = self._clock()
        self._prune(now)
        if not self.enabled or now - self._checked.get(user_id, -self.check_every - 1) < self.check_every:
            return False
        self._checked[user_id] = now
        return True

    def take_due(self, user_id: int, servers: Iterable[ServerRef]) -> list[ServerRef]:
        """The member's own servers due a reminder now, each then not again for :attr:`remind_every` seconds."""
        now = self._clock()
        due: list[ServerRef] = []
        for server in servers:
            key = (user_id, server.identifier)
            if not server.owner or not renewal_due(server.renewal, self.warn_days):
                continue
            if now - self._reminded.get(key, -self.remind_every - 1) < self.remind_every:
                continue
            self._reminded[key] = now
            due.append(server)
        return due

    def _prune(self, now: float) -> None:
        """Forgets what no longer matters (at most once per :attr:`check_every`), so memory stays flat."""
        if now - self._pruned < self.check_every:
            return
        self._pruned = now
        self._checked = {u: t for u, t in self._checked.items() if now - t < self.check_every}
        self._reminded = {k: t for k, t in self._reminded.items() if now - t < self.remind_every}


def reminder_line(server: ServerRef) -> str:
    """One server of a reminder."""
    days = server.renewal if server.renewal is not None else 0
    mention = server_mention(server, NAME_MAX)
    if days <= 0:
        return f"• {mention}: suspended because its renewal ran out."
    return f"• {mention}: {days_text(days)} left before the panel suspends it."


def reminder_text(servers: list[ServerRef]) -> str:
    """The ephemeral note listing the servers due (at most :data:`SHOWN_MAX`)."""
    lines = ["⏰ **Renewal reminder**", *(reminder_line(s) for s in servers[:SHOWN_MAX])]
    if len(servers) > SHOWN_MAX:
        lines.append(f"…and {len(servers) - SHOWN_MAX} more.")
    lines.append("Renew with `/server renew` (it costs credits: `/account info` shows your balance).")
    return "\n".join(lines)
