"""Cooldowns keyed by something only known inside the command, such as the server a value resolves to.

discord.py's ``app_commands.checks.cooldown`` runs before the command, on the raw options: a power cooldown
keyed by what the user typed could be dodged by typing the server's name instead of its identifier. So the
power commands resolve the server first and then ask a :class:`KeyedCooldown` (discord.py's own
:class:`~discord.app_commands.Cooldown` buckets, one per key). A per-user rate that needs nothing resolved
uses ``app_commands.checks.cooldown`` directly (``/server command``).
"""

from __future__ import annotations

from collections.abc import Hashable

from discord import app_commands

__all__ = ["KeyedCooldown"]

PRUNE_AT = 4096
"""Buckets kept before the full ones are dropped (a full bucket is the same as no bucket)."""


class KeyedCooldown:
    """``rate`` uses per ``per`` seconds for each key.

    Args:
        rate: Uses allowed per window.
        per: The window, in seconds.

    Example:
        >>> cooldown = KeyedCooldown(1, 5.0)
        >>> cooldown.hit((1, "1a2b3c4d")) is None
        True
        >>> cooldown.hit((1, "1a2b3c4d")) > 0
        True
    """

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self._buckets: dict[Hashable, app_commands.Cooldown] = {}

    def retry_after(self, key: Hashable) -> float:
        """Seconds until ``key`` may be used again (0.0: now), without using it."""
        bucket = self._buckets.get(key)
        if bucket is None or bucket.get_tokens() > 0:
            return 0.0
        return bucket.get_retry_after()

    def hit(self, key: Hashable) -> float | None:
        """Uses ``key`` once: ``None`` when allowed, else the seconds to wait (nothing was used)."""
        if len(self._buckets) >= PRUNE_AT:
            self._prune()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = app_commands.Cooldown(self.rate, self.per)
        return bucket.update_rate_limit()

    def _prune(self) -> None:
        for key in [k for k, bucket in self._buckets.items() if bucket.get_tokens() >= self.rate]:
            del self._buckets[key]
