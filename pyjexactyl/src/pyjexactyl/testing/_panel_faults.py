"""The fault-injection and throttle knobs of :class:`FakePanel`: latency, rate limits and the next
responses' faults (status, stream, malformed, drop)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._faults import Fault, FaultQueue
from ._ratelimit import FixedWindowLimiter

__all__ = ["PanelFaults"]


class PanelFaults:
    """:class:`FakePanel`'s knobs for latency, rate limits and faulty answers."""

    latency: float
    faults: FaultQueue
    client_limiter: FixedWindowLimiter
    application_limiter: FixedWindowLimiter
    _route_limiters: dict[str, FixedWindowLimiter]

    def set_latency(self, seconds: float) -> None:
        """Delay every following response by ``seconds``."""
        self.latency = max(0.0, seconds)

    def set_rate_limit(self, api: str, limit: int, period: float | None = None) -> None:
        """Change the throttle of ``"client"`` or ``"application"`` (and forget current windows)."""
        limiter = {"client": self.client_limiter, "application": self.application_limiter}[api]
        limiter.limit = limit
        if period is not None:
            limiter.period = period
        limiter.reset()

    def reset_rate_limits(self) -> None:
        """Forget every throttle window."""
        self.client_limiter.reset()
        self.application_limiter.reset()
        for limiter in self._route_limiters.values():
            limiter.reset()

    def fail_next(
        self,
        count: int,
        status: int,
        *,
        html: bool = False,
        body: str | bytes | Mapping[str, Any] | None = None,
        path_prefix: str | None = None,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next ``count`` requests (under ``path_prefix``) with ``status``.

        The body is the panel's JSON error envelope, an HTML error page like a proxy's (``html=True``),
        or ``body`` verbatim (a mapping is sent as JSON): with ``status=200`` and a list envelope as ``body``
        the panel can claim anything, e.g. an absurd ``total_pages``. ``retry_after`` adds a ``Retry-After``
        header, ``headers`` any others (``X-RateLimit-Reset``...). Faults are answered before
        authentication and rate limiting and change no state.
        """
        self.faults.add(
            Fault(
                "status",
                count,
                status=status,
                html=html,
                body=body,
                path_prefix=path_prefix,
                retry_after=retry_after,
                headers=headers,
            )
        )

    def stream_next(
        self,
        count: int,
        body: bytes | None = None,
        *,
        status: int = 200,
        chunk_size: int = 16384,
        path_prefix: str | None = None,
    ) -> None:
        """Answer the next ``count`` requests with ``body`` sent in chunks of ``chunk_size`` bytes, without a
        ``Content-Length`` (chunked transfer encoding); with ``body=None`` the stream never ends (JSON
        whitespace until the client hangs up). For testing how a client bounds what it reads."""
        self.faults.add(
            Fault("stream", count, status=status, body=body, path_prefix=path_prefix, chunk_size=chunk_size)
        )

    def malformed_next(self, count: int, *, path_prefix: str | None = None) -> None:
        """Answer the next ``count`` requests with 200 and a truncated JSON body."""
        self.faults.add(Fault("malformed", count, status=200, path_prefix=path_prefix))

    def drop_next(self, count: int, *, path_prefix: str | None = None) -> None:
        """Close the connection of the next ``count`` requests without answering.

        Clients see a disconnect (aiohttp: ``ServerDisconnectedError``). aiohttp's ``ClientSession``
        silently retries an idempotent request (GET, HEAD, PUT, DELETE...) once after a disconnect, so
        drop two to make such a request fail; a POST fails on the first drop.
        """
        self.faults.add(Fault("drop", count, path_prefix=path_prefix))

    def reset_faults(self) -> None:
        """Forget every queued fault."""
        self.faults.clear()
