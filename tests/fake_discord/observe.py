"""What tests read and wait on: channel messages and their logs, requests, 429s; and the rate-limit controls.

Every wait is event-driven: its condition is re-checked whenever the bot sends the fake anything (each REST
request, once its answer is decided) and whenever the fake dispatches an event; it raises ``TimeoutError``
with a summary of the last requests after ``timeout`` seconds. Waits for *new* things take ``after`` (an index,
default: how many there are when the wait starts) -- pass the count taken before the action that causes the
thing to leave no race::

    n = fd.edit_count(board)
    panel.servers["abc"].state = "offline"
    edit = await fd.wait_edit(board, lambda m: "Offline" in m["embeds"][0]["title"], after=n)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .mentions import Mentions
from .message_store import MessageEdit, MessageLog
from .ratelimits import RateLimitBucket, RateLimitHit, RouteMatcher
from .records import RecordedRequest
from .state import FakeState, Ref, ref_id

__all__ = ["Observe"]

MessagePredicate = Callable[[dict[str, Any]], bool]


class Observe(FakeState):
    """Message queries, waits and rate-limit controls."""

    # ------------------------------------------------------------------ messages

    def message_log(self, message: Ref) -> MessageLog:
        """The log of a message the bot created (edits with times, attempts, mentions, deletion)."""
        mid = ref_id(message)
        log = self.store.meta.get(mid)
        if log is None:
            raise LookupError(f"message {mid} was never created through the fake")
        return log

    def edit_count(self, message: Ref) -> int:
        """How many edits of the message the fake accepted so far."""
        return len(self.message_log(message).edits)

    def mentions_of(self, message: Ref) -> Mentions:
        """What the message's creation mentioned and whom it notified."""
        mentions = self.message_log(message).mentions
        if mentions is None:
            raise LookupError(f"message {ref_id(message)} has no recorded mentions (a deferred placeholder?)")
        return mentions

    def messages_in(self, channel: Ref) -> list[dict[str, Any]]:
        """Current state of every message members can see in the channel (not ephemeral, not deleted), oldest
        first: channel posts and public interaction messages alike."""
        return list(self.store.in_channel(ref_id(channel)))

    async def wait_message(
        self,
        channel: Ref,
        predicate: MessagePredicate | None = None,
        *,
        since: float | None = None,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """The oldest message of the channel whose *current* state satisfies ``predicate`` (any, without one),
        created at or after ``since`` (a ``time.monotonic()`` stamp), once there is one."""
        cid = ref_id(channel)
        found: list[dict[str, Any]] = []

        def check() -> bool:
            for msg in self.store.in_channel(cid):
                log = self.store.meta[int(msg["id"])]
                if (since is None or log.created_at >= since) and (predicate is None or predicate(msg)):
                    found.append(msg)
                    return True
            return False

        await self._wait_until(check, timeout, f"a message in channel {cid} matching the predicate")
        return found[0]

    async def wait_edit(
        self,
        message: Ref,
        predicate: MessagePredicate | None = None,
        *,
        after: int | None = None,
        timeout: float = 5.0,
    ) -> MessageEdit:
        """The first accepted edit with index >= ``after`` whose resulting state satisfies ``predicate``."""
        log = self.message_log(message)
        start = len(log.edits) if after is None else after
        found: list[MessageEdit] = []

        def check() -> bool:
            for edit in log.edits[start:]:
                if predicate is None or predicate(edit.message):
                    found.append(edit)
                    return True
            return False

        await self._wait_until(check, timeout, f"an edit #{start}+ of message {log.message_id} matching the predicate")
        return found[0]

    async def wait_deleted(self, message: Ref, *, timeout: float = 5.0) -> MessageLog:
        """Wait until the message is deleted (by the bot, a member, or with its channel)."""
        log = self.message_log(message)
        await self._wait_until(lambda: log.deleted, timeout, f"message {log.message_id} to be deleted")
        return log

    # ------------------------------------------------------------------ requests

    async def wait_request(
        self,
        method: str,
        path_regex: str,
        *,
        status: int | None = None,
        after: int | None = None,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """The first request (index >= ``after`` in ``fd.requests``) with ``method`` whose path matches
        ``path_regex`` (searched) and, if given, that was answered ``status``."""
        pattern = re.compile(path_regex)
        start = len(self.requests) if after is None else after
        found: list[RecordedRequest] = []

        def check() -> bool:
            for rec in self.requests[start:]:
                if rec.method == method.upper() and pattern.search(rec.path) and rec.status:
                    if status is None or rec.status == status:
                        found.append(rec)
                        return True
            return False

        await self._wait_until(check, timeout, f"a request {method} {path_regex} (status {status})")
        return found[0]

    # ------------------------------------------------------------------ rate limits

    @property
    def rate_limited(self) -> list[RateLimitHit]:
        """Every 429 the fake served (injected, bucket model, ``inject_error``), in order."""
        return self.rate_limiter.hits

    def rate_limit_next(
        self,
        route: str,
        n: int = 1,
        retry_after: float = 1.0,
        *,
        scope: str = "user",
        is_global: bool = False,
        bucket: str | None = None,
    ) -> None:
        """Answer the next ``n`` requests matching ``route`` with 429 and ``retry_after`` seconds.

        ``route``: ``"PATCH /channels/{channel_id}/messages/{message_id}"`` (any message edit), literal ids for
        one channel or message, method optional. ``scope``: ``user``, ``shared`` or ``global``
        (``is_global=True`` makes it the global limit: discord.py then pauses every request).
        """
        self.rate_limiter.inject(route, n, retry_after, scope=scope, is_global=is_global, bucket=bucket)

    def add_rate_limit(
        self,
        route: str,
        limit: int,
        per: float,
        *,
        headers: bool = True,
        scope: str = "user",
        bucket: str | None = None,
    ) -> RateLimitBucket:
        """Model a bucket: at most ``limit`` requests matching ``route`` per ``per`` seconds per channel, guild
        or webhook; beyond, 429 until the window resets. ``headers`` announce the bucket on every answer."""
        return self.rate_limiter.add_bucket(route, limit, per, headers=headers, scope=scope, bucket=bucket)

    def limit_message_edits(self, limit: int = 5, per: float = 5.0, *, headers: bool = True) -> RateLimitBucket:
        """The message-edit bucket as Discord runs it for bots: ``limit`` edits per ``per`` seconds per channel."""
        return self.add_rate_limit(
            "PATCH /channels/{channel_id}/messages/{message_id}", limit, per, headers=headers, bucket="message-edit"
        )

    def clear_rate_limits(self) -> None:
        """Drop injected 429s and modelled buckets (the record of 429s served stays)."""
        self.rate_limiter.clear()

    async def wait_rate_limited(
        self, route: str | None = None, *, after: int | None = None, timeout: float = 5.0
    ) -> RateLimitHit:
        """The first 429 served (index >= ``after`` in ``fd.rate_limited``) to a request matching ``route``."""
        matcher = RouteMatcher.parse(route) if route is not None else None
        start = len(self.rate_limiter.hits) if after is None else after
        found: list[RateLimitHit] = []

        def check() -> bool:
            for hit in self.rate_limiter.hits[start:]:
                if matcher is None or matcher.matches(hit.method, hit.path):
                    found.append(hit)
                    return True
            return False

        await self._wait_until(check, timeout, f"a 429 for {route or 'any route'}")
        return found[0]
