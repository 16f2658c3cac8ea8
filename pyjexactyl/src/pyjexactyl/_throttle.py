"""Client-side throttling, so a burst queues instead of drawing 429s from the panel."""

from __future__ import annotations

import asyncio
import time

from .exceptions import RateLimitedError


class WindowLimiter:
    """A fixed-window limiter mirroring the panel's: ``limit`` requests per ``period`` seconds.

    The window opens at the first request, as the panel's does, and lasts a little longer than the panel's
    (5% plus 50 ms): the panel starts its window when the request *arrives*, so a client window of exactly
    the same length would reopen early and draw a 429 whose ``Retry-After`` (whole seconds) costs more than
    the margin. What the panel reports corrects it:
    ``X-RateLimit-Remaining`` lowers what is left (other clients of the same user draw from the same
    bucket), ``X-RateLimit-Limit`` lowers the limit, and a 429's ``Retry-After`` (or ``X-RateLimit-Reset``)
    says exactly when the panel's bucket reopens: the client waits until then, and no longer, even when its
    own window claims more (it started at another time, or is longer than the panel's).

    Args:
        limit: Requests per window; ``None`` disables the limiter.
        period: Window length in seconds.
    """

    def __init__(self, limit: int | None, period: float) -> None:
        self.limit = limit
        self.period = period
        self.margin = period * 0.05 + 0.05
        self._window_end = 0.0
        self._used = 0
        self._blocked_until = 0.0

    async def acquire(self, max_wait: float | None = None) -> None:
        """Waits until one more request fits in the window, then counts it.

        Args:
            max_wait: Longest acceptable wait in seconds.

        Raises:
            RateLimitedError: the wait would exceed ``max_wait`` (``retry_after`` says how long it is).
        """
        if self.limit is None:
            return
        while True:
            now = time.monotonic()
            if now < self._blocked_until:
                wait = self._blocked_until - now
            elif now >= self._window_end or self._used < self.limit:
                if now >= self._window_end:
                    self._window_end = now + self.period + self.margin
                    self._used = 0
                self._used += 1
                return
            else:
                wait = max(self._window_end - now, 0.001)
            if max_wait is not None and wait > max_wait:
                raise RateLimitedError(
                    429,
                    "ClientSideThrottle",
                    f"The panel's rate limit is used up for the next {wait:.0f} s (throttled before sending).",
                    retry_after=wait,
                )
            await asyncio.sleep(wait)

    def observe(self, limit: int | None, remaining: int | None, retry_after: float | None) -> None:
        """Takes what a response said about the panel's bucket into account.

        ``retry_after`` pauses the whole bucket: pass it only for a 429 of the API-wide limiter (one that
        says ``X-RateLimit-Remaining: 0``), not for a route's own throttle such as backup creation. The panel's
        word is final there: the client's window ends when the panel's does, sooner or later than it claimed.
        """
        if self.limit is None:
            return
        if limit is not None and 0 < limit < self.limit:
            self.limit = limit
        if remaining is not None and time.monotonic() < self._window_end:
            self._used = max(self._used, self.limit - remaining)
        if retry_after is not None:
            reopens = time.monotonic() + retry_after
            self._blocked_until = reopens
            # Used up until the panel reopens, then a fresh window: not the rest of a longer window of ours.
            self._window_end = reopens
            self._used = self.limit
