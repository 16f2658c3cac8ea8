"""Jexactyl v3's server renewal, as the bot words it. Pure functions of the server object, shared by the status
card, ``/server renew`` and the reminders (a board adds :func:`renewal_line` the same way).

Jexactyl v3 gives a ``renewable`` server a ``renewal`` count of days. Its daily job (``p:schedule:renewal``)
takes one off every renewable server, **suspends** it when the count reaches 0 and **deletes** it at -7
(``app/Console/Commands/Schedule/RenewalCommand.php``). ``POST /servers/{s}/renew`` takes the renewal price
from the account's credits, adds the renewal period (7 days by default) and lifts a suspension once the count
is back at 0 or more. No other panel has any of this.

Example:
    >>> renewal_line(renewal_days({"renewable": True, "renewal": 1}) or 0, warn_days=2)
    '⚠️ Renewal due: 1 day left before the panel suspends it. Renew it with `/server renew`.'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "DEFAULT_RENEWAL_PRICE",
    "DELETED_AT",
    "days_text",
    "renewal_days",
    "renewal_due",
    "renewal_line",
    "suspended_for_renewal",
]

DELETED_AT = -7
"""The renewal count at which Jexactyl's daily job deletes a server."""
DEFAULT_RENEWAL_PRICE = 200
"""Jexactyl's default renewal price in credits (setting ``jexactyl::renewal:cost``). The panel does not tell
API clients the price its administrators set: it is only rendered into the web page's configuration."""
RENEW_HINT = "Renew it with `/server renew`."


def renewal_days(attributes: Mapping[str, Any]) -> int | None:
    """The days left before Jexactyl v3 suspends a ``renewable`` server (0 or less: suspended for it), or
    ``None`` when the server object says it is not renewed (every panel but Jexactyl v3).

    Example:
        >>> renewal_days({"renewable": True, "renewal": 3}), renewal_days({"is_suspended": False})
        (3, None)
    """
    days = attributes.get("renewal")
    if attributes.get("renewable") is not True or isinstance(days, bool) or not isinstance(days, int | float):
        return None
    return int(days)


def days_text(days: int) -> str:
    """``1 day``, ``3 days``."""
    return f"{days} day" + ("" if days == 1 else "s")


def renewal_due(days: int | None, warn_days: int) -> bool:
    """Whether a server with ``days`` left is due a reminder (``warn_days`` 0: never)."""
    return days is not None and warn_days > 0 and days <= warn_days


def _deletion(days: int) -> str:
    left = days - DELETED_AT
    return "at its next daily run" if left <= 0 else f"in {days_text(left)}"


def suspended_for_renewal(days: int) -> str:
    """What the status card says of a server the panel suspended because its renewal ran out (``days`` ≤ 0)."""
    return (
        "suspended because its renewal ran out: renew it with `/server renew` to lift the suspension. Unless it "
        f"is renewed, the panel deletes it {_deletion(days)}."
    )


def renewal_line(days: int, *, warn_days: int, hint: bool = True) -> str:
    """The card's renewal line: days left, a warning within ``warn_days``, or the suspension (``hint``: ending with
    how to renew, where it is due).

    Example:
        >>> renewal_line(9, warn_days=2)
        '⏳ Renewal: 9 days left before the panel suspends it.'
    """
    renew = f" {RENEW_HINT}" if hint else ""
    if days <= 0:
        return f"⛔ Renewal ran out: the panel suspended it and deletes it {_deletion(days)}.{renew}"
    left = f"{days_text(days)} left before the panel suspends it."
    if renewal_due(days, warn_days):
        return f"⚠️ Renewal due: {left}{renew}"
    return f"⏳ Renewal: {left}"
