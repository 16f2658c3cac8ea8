"""Laravel's fixed-window request throttle (§5 of the contract)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FixedWindowLimiter", "RateDecision", "merge_headers"]


@dataclass(frozen=True)
class RateDecision:
    """Outcome of one :meth:`FixedWindowLimiter.hit`."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int = 0
    reset_at: int = 0

    def headers(self) -> dict[str, str]:
        """``X-RateLimit-*`` (and on refusal ``Retry-After`` / ``X-RateLimit-Reset``)."""
        out = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining)}
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after)
            out["X-RateLimit-Reset"] = str(self.reset_at)
        return out


class FixedWindowLimiter:
    """A counter per key that starts at the first hit and expires ``period`` seconds later.

    ``limit`` and ``period`` may be changed at any time; a limit of ``0`` or less disables the throttle.
    """

    def __init__(self, limit: int, period: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether the throttle applies at all."""
        return self.limit > 0

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._windows.clear()

    def hit(self, key: str) -> RateDecision:
        """Count one request for ``key`` (refused requests are not counted, as in Laravel)."""
        now = self._clock()
        with self._lock:
            expires, count = self._windows.get(key, (0.0, 0))
            if expires <= now:
                expires, count = now + self.period, 0
            if count >= self.limit:
                wait = max(1, math.ceil(expires - now))
                self._windows[key] = (expires, count)
                return RateDecision(False, self.limit, 0, wait, int(time.time()) + wait)
            count += 1
            self._windows[key] = (expires, count)
            return RateDecision(True, self.limit, max(0, self.limit - count))


def merge_headers(decisions: list[RateDecision]) -> dict[str, str]:
    """Headers of the throttle with the lowest remaining count (when several apply)."""
    if not decisions:
        return {}
    refused = [d for d in decisions if not d.allowed]
    chosen = refused[0] if refused else min(decisions, key=lambda d: d.remaining)
    return chosen.headers()
