"""The record of one interaction the fake dispatched, filled in as the bot answers.

An :class:`InteractionRecord` is returned by ``fd.slash(...)``, ``fd.click(...)`` and
``fd.submit_modal(...)``::

    ix = await fd.slash(alice, "server status", options={"server": "abcd1234"})
    msg = await ix.wait_final(timeout=5)        # first real content (not the "thinking..." state)
    assert ix.deferred and ix.latency is not None and ix.latency < 3
    assert msg["embeds"][0]["title"] == "abcd1234"
    ix2 = await fd.click(alice, ix.last_message, "restart")
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .message_store import FLAG_EPHEMERAL, MessageStore
from .payloads import FakeUser
from .records import Notifier, RecordedRequest, iter_strings

__all__ = ["InteractionRecord"]


@dataclass(eq=False)
class InteractionRecord:
    """One interaction the fake dispatched, and everything the bot did in answer to it.

    Times are ``time.monotonic()`` stamps. Messages are plain Discord message dicts (``content``,
    ``embeds``, ``components``, ``flags``...), always the *current* state from the fake's store.
    """

    id: int
    token: str
    type: int
    name: str
    user: FakeUser
    guild_id: int | None
    channel_id: int
    payload: dict[str, Any]
    created_at: float
    source_message_id: int | None = None
    callbacks: list[RecordedRequest] = field(default_factory=list)
    followup_requests: list[RecordedRequest] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[RecordedRequest] = field(default_factory=list)
    deletes: list[RecordedRequest] = field(default_factory=list)
    first_response_at: float | None = None
    response_type: int | None = None
    original_message_id: int | None = None
    message_ids: list[int] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    final: dict[str, Any] | None = None
    final_at: float | None = None
    _store: MessageStore = field(default_factory=MessageStore, repr=False)
    _notifier: Notifier = field(default_factory=Notifier, repr=False)
    _defer_ephemeral: bool = field(default=False, repr=False)
    _first_followup_done: bool = field(default=False, repr=False)
    _touch_order: list[int] = field(default_factory=list, repr=False)
    _reported_unanswered: bool = field(default=False, repr=False)

    # ------------------------------------------------------------------ derived state

    @property
    def latency(self) -> float | None:
        """Seconds from dispatch to the first callback (``first_response_at - created_at``)."""
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.created_at

    @property
    def deferred(self) -> bool:
        """The initial response was a defer (type 5 "thinking" or type 6 deferred update)."""
        return self.response_type in (5, 6)

    @property
    def ephemeral(self) -> bool:
        """Whether the response message (or, without one, the first followup) has the EPHEMERAL flag."""
        msg = self.original_message
        if msg is None and self.followups:
            msg = self._store.get(int(self.followups[0]["id"])) or self.followups[0]
        if msg is None:
            return False
        return bool(int(msg.get("flags") or 0) & FLAG_EPHEMERAL)

    @property
    def original_message(self) -> dict[str, Any] | None:
        """Current state of ``@original`` (the response message, or the clicked message for type 6/7)."""
        if self.original_message_id is None:
            return None
        return self._store.get(self.original_message_id)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Current state of every message this interaction created or changed, in first-touch order."""
        out = []
        for mid in self.message_ids:
            msg = self._store.get(mid)
            if msg is not None:
                out.append(msg)
        return out

    @property
    def last_message(self) -> dict[str, Any] | None:
        """Current state of the message this interaction most recently created or changed."""
        for mid in reversed(self._touch_order):
            msg = self._store.get(mid)
            if msg is not None:
                return msg
        return None

    @property
    def is_final(self) -> bool:
        return self.final is not None

    def touch(self, message_id: int) -> None:
        if message_id not in self.message_ids:
            self.message_ids.append(message_id)
        self._touch_order.append(message_id)

    def all_payloads(self) -> list[Any]:
        """Every body the bot sent for this interaction: callbacks, followups and edits, in order."""
        reqs = sorted([*self.callbacks, *self.followup_requests, *self.edits], key=lambda r: r.at)
        return [r.body for r in reqs]

    def all_text(self) -> str:
        return "\n".join(s for body in self.all_payloads() for s in iter_strings(body))

    # ------------------------------------------------------------------ waiting

    def notify(self) -> None:
        self._notifier.notify()

    def mark_final(self, content: dict[str, Any]) -> None:
        if self.final is None:
            self.final = copy.deepcopy(content)
            self.final_at = time.monotonic()

    async def wait_for(self, predicate: Callable[[InteractionRecord], bool], timeout: float = 5.0) -> InteractionRecord:
        """Wait until ``predicate(self)`` is true (re-checked whenever the bot sends anything to the fake)."""
        await self._notifier.wait_until(lambda: predicate(self), timeout, self.describe)
        return self

    async def wait_final(self, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for the first non-deferred content and return it.

        That is a type 4 response, a type 7 update, the first followup, or an edit of a message (each
        returned as the message dict at that moment); a modal (type 9, returns the modal ``data``); or
        an autocomplete result (type 8, returns ``{"choices": [...]}``).
        """
        await self.wait_for(lambda r: r.final is not None, timeout)
        assert self.final is not None
        return self.final

    async def wait_callback(self, timeout: float = 5.0) -> RecordedRequest:
        """Wait for the first callback (accepted or not)."""
        await self.wait_for(lambda r: bool(r.callbacks), timeout)
        return self.callbacks[0]

    def describe(self) -> str:
        parts = [f"interaction {self.id} (type {self.type}, {self.name!r})"]
        parts.append(f"callbacks={[json.dumps(c.body)[:200] + f' -> {c.status}' for c in self.callbacks]}")
        parts.append(f"followups={len(self.followup_requests)} edits={len(self.edits)}")
        return " ".join(parts)
