"""Discord's rate-limit answers: injected 429s and an optional per-resource bucket model.

A route is written as Discord's documentation does: an optional method, then the path after ``/api/v10`` with
``{placeholders}`` for any id, or literal ids to target one channel or message::

    "PATCH /channels/{channel_id}/messages/{message_id}"     # every message edit
    "PATCH /channels/123/messages/456"                       # edits of message 456 only
    "/webhooks/{app}/{token}/messages/{message}"             # any method

A bucket counts requests per top-level resource (the channel, the guild, or the webhook id + token, as Discord
does) in fixed windows of ``per`` seconds; past ``limit`` it answers 429. Successful answers carry
``X-RateLimit-Limit/-Remaining/-Reset/-Reset-After/-Bucket`` (``headers=True``), so discord.py waits on its own
before the bucket is empty; ``headers=False`` hides them and the client learns only from 429s.
Every 429 carries ``Retry-After`` (whole seconds, rounded up), ``X-RateLimit-Scope``, ``Via`` (without it
discord.py takes a 429 for a Cloudflare ban) and the JSON body ``{"message", "retry_after", "global"}``.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

from .records import RecordedRequest

__all__ = ["RateLimitBucket", "RateLimitHit", "RateLimiter", "RouteMatcher", "major_parameter"]

API_PREFIX = "/api/v10"
SCOPES = ("user", "shared", "global")
_MAJOR = re.compile(r"^/(?:(channels|guilds)/(\d+)|webhooks/(\d+)/([^/]+)|interactions/(\d+)/([^/]+))")


def major_parameter(path: str) -> str:
    """The top-level resource Discord keys rate limits by: ``channels/1``, ``guilds/2``, ``webhooks/3/tok``."""
    m = _MAJOR.match(path)
    if m is None:
        return ""
    if m.group(1):
        return f"{m.group(1)}/{m.group(2)}"
    if m.group(3):
        return f"webhooks/{m.group(3)}/{m.group(4)}"
    return f"interactions/{m.group(5)}/{m.group(6)}"


@dataclass(frozen=True)
class RouteMatcher:
    """``"PATCH /channels/{channel_id}/messages/{message_id}"`` compiled (see the module doc)."""

    text: str
    method: str | None
    pattern: re.Pattern[str]

    @classmethod
    def parse(cls, route: str) -> RouteMatcher:
        method, _, path = route.strip().rpartition(" ")
        path = path.removeprefix(API_PREFIX)
        if not path.startswith("/"):
            raise ValueError(f"route {route!r}: the path must start with '/' (e.g. 'PATCH /channels/{{id}}/messages')")
        parts = re.split(r"(\{[^/{}]*\})", path)
        regex = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
        return cls(route.strip(), method.strip().upper() or None, re.compile(regex))

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and self.pattern.fullmatch(path) is not None


@dataclass
class RateLimitHit:
    """One 429 the fake served: when, to which request, why (``source`` "injected" or "bucket")."""

    at: float
    method: str
    path: str
    route: str
    bucket: str
    major: str
    retry_after: float
    scope: str
    is_global: bool
    source: str
    request: RecordedRequest

    def __str__(self) -> str:
        return f"429 {self.method} {self.path} ({self.source} {self.route!r}, retry_after={self.retry_after:.3f}s)"


@dataclass
class _Injection:
    matcher: RouteMatcher
    remaining: int
    retry_after: float
    scope: str
    is_global: bool
    bucket: str


@dataclass
class RateLimitBucket:
    """A modelled bucket (see the module doc); ``windows`` maps a major parameter to (window start, count)."""

    matcher: RouteMatcher
    limit: int
    per: float
    bucket: str
    headers: bool = True
    scope: str = "user"
    windows: dict[str, tuple[float, int]] = field(default_factory=dict)

    def take(self, major: str, now: float) -> tuple[bool, int, float]:
        """Count one request: ``(allowed, remaining, seconds until the window resets)``."""
        start, count = self.windows.get(major, (now, 0))
        if now - start >= self.per:
            start, count = now, 0
        reset_after = max(start + self.per - now, 0.0)
        if count >= self.limit:
            self.windows[major] = (start, count)
            return False, 0, reset_after
        count += 1
        self.windows[major] = (start, count)
        return True, self.limit - count, reset_after


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")


class RateLimiter:
    """Decides, for each request, whether the fake answers 429, and with which headers."""

    def __init__(self) -> None:
        self.injections: list[_Injection] = []
        self.buckets: list[RateLimitBucket] = []
        self.hits: list[RateLimitHit] = []

    def inject(
        self, route: str, n: int, retry_after: float, *, scope: str, is_global: bool, bucket: str | None
    ) -> None:
        _check_scope(scope)
        if n < 1 or retry_after < 0:
            raise ValueError("n must be >= 1 and retry_after >= 0")
        matcher = RouteMatcher.parse(route)
        self.injections.append(
            _Injection(matcher, n, retry_after, "global" if is_global else scope, is_global, bucket or _hash(route))
        )

    def add_bucket(
        self, route: str, limit: int, per: float, *, headers: bool, scope: str, bucket: str | None
    ) -> RateLimitBucket:
        _check_scope(scope)
        if limit < 1 or per <= 0:
            raise ValueError("limit must be >= 1 and per > 0")
        model = RateLimitBucket(RouteMatcher.parse(route), limit, per, bucket or _hash(route), headers, scope)
        self.buckets.append(model)
        return model

    def clear(self) -> None:
        self.injections.clear()
        self.buckets.clear()

    def check(self, rec: RecordedRequest) -> tuple[RateLimitHit | None, dict[str, str]]:
        """A 429 to serve for ``rec`` (and its headers), or ``None`` and the headers of a successful answer."""
        major = major_parameter(rec.path)
        for inj in self.injections:
            if inj.remaining > 0 and inj.matcher.matches(rec.method, rec.path):
                inj.remaining -= 1
                hit = RateLimitHit(
                    at=rec.at,
                    method=rec.method,
                    path=rec.path,
                    route=inj.matcher.text,
                    bucket=inj.bucket,
                    major=major,
                    retry_after=inj.retry_after,
                    scope=inj.scope,
                    is_global=inj.is_global,
                    source="injected",
                    request=rec,
                )
                self.hits.append(hit)
                return hit, limited_headers(hit, limit=1)
        headers: dict[str, str] = {}
        for model in self.buckets:
            if not model.matcher.matches(rec.method, rec.path):
                continue
            allowed, remaining, reset_after = model.take(major, time.monotonic())
            if not allowed:
                hit = RateLimitHit(
                    at=rec.at,
                    method=rec.method,
                    path=rec.path,
                    route=model.matcher.text,
                    bucket=model.bucket,
                    major=major,
                    retry_after=reset_after,
                    scope=model.scope,
                    is_global=False,
                    source="bucket",
                    request=rec,
                )
                self.hits.append(hit)
                return hit, limited_headers(hit, limit=model.limit)
            if model.headers:
                headers.update(_bucket_headers(model.limit, remaining, reset_after, model.bucket))
        return None, headers


def _hash(route: str) -> str:
    return "fake-" + re.sub(r"[^a-z0-9]+", "-", route.lower()).strip("-")


def _bucket_headers(limit: int, remaining: int, reset_after: float, bucket: str) -> dict[str, str]:
    # rounded up to the millisecond: a client that trusts them never comes back before the window has reset
    reset_after = math.ceil(reset_after * 1000) / 1000
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{math.ceil((time.time() + reset_after) * 1000) / 1000:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


def limited_headers(hit: RateLimitHit, *, limit: int) -> dict[str, str]:
    """The headers of a 429 answer (Discord's set, plus ``Via``)."""
    headers = _bucket_headers(limit, 0, hit.retry_after, hit.bucket)
    headers.update(
        {
            "Retry-After": str(math.ceil(hit.retry_after)),
            "X-RateLimit-Scope": hit.scope,
            "Via": "1.1 google",
        }
    )
    if hit.is_global:
        headers["X-RateLimit-Global"] = "true"
    return headers


def limited_body(hit: RateLimitHit) -> dict[str, Any]:
    retry_after = math.ceil(hit.retry_after * 1000) / 1000
    return {"message": "You are being rate limited.", "retry_after": retry_after, "global": hit.is_global}
