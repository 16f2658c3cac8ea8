"""Retry decisions: which failures are retried and how long to wait. I/O-free; tenacity drives it."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from tenacity import RetryCallState

from ._config import IDEMPOTENT_METHODS, ClientConfig
from .exceptions import JexactylApiError, PanelTimeoutError, PanelUnreachableError, RateLimitedError


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait according to ``Retry-After`` (seconds or an HTTP date) or ``X-RateLimit-Reset``.

    Args:
        headers: Response headers (case-insensitive mapping or lower-cased keys).
        now: The current Unix time, for tests.

    Example:
        >>> parse_retry_after({"Retry-After": "3"})
        3.0
    """
    now = time.time() if now is None else now
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get("retry-after")
    if value:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - now)
            except (TypeError, ValueError, IndexError):
                pass
    reset = lowered.get("x-ratelimit-reset")
    if reset:
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            return None
    return None


class RetryPolicy:
    """Decides whether a failed attempt is retried and how long to wait first.

    Args:
        config: The client's configuration.
        method: HTTP method of the request.
        retry_post: Per-call override of ``config.retry_post``.
    """

    def __init__(self, config: ClientConfig, method: str, retry_post: bool | None = None) -> None:
        self.config = config
        self.method = method.upper()
        opt_in = config.retry_post if retry_post is None else retry_post
        self.replayable = self.method in IDEMPOTENT_METHODS or opt_in

    def should_retry(self, exc: BaseException) -> bool:
        """True when ``exc`` is worth another attempt."""
        if isinstance(exc, RateLimitedError):
            wait = exc.retry_after
            return wait is None or wait <= self.config.max_retry_wait
        if isinstance(exc, JexactylApiError):
            return self.replayable and exc.status in self.config.extra_retry_codes
        if isinstance(exc, PanelTimeoutError) and not self.config.retry_timeouts:
            return False
        if isinstance(exc, PanelUnreachableError):
            return self.replayable
        return False

    def wait(self, state: RetryCallState) -> float:
        """tenacity's ``wait`` hook: :meth:`delay` for the attempt that just failed."""
        exc = state.outcome.exception() if state.outcome else None
        return self.delay(exc, state.attempt_number)

    def delay(self, exc: BaseException | None, attempt_number: int) -> float:
        """Seconds to sleep after failed attempt ``attempt_number`` (1-based): the panel's ``Retry-After``
        when it gave one, else ``backoff_factor * 2**(attempt_number-1)`` with up to 25% jitter."""
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            return float(min(exc.retry_after, self.config.max_retry_wait)) + random.uniform(0, 0.05)
        base = float(self.config.backoff_factor) * 2.0 ** (attempt_number - 1)
        return base + random.uniform(0, base * 0.25)
