"""Every message the bot created in the fake, its current state, and its life: edits with times, deletion.

``fd.store`` is a :class:`MessageStore`; ``fd.message_log(message)`` returns a message's :class:`MessageLog`::

    log = fd.message_log(board)                 # board: a message dict or id
    assert log.current["embeds"][0]["title"] == "mc-1"     # latest state wins
    assert log.max_edits_within(60.0) <= 4                 # edits per minute
    assert [e.message["content"] for e in log.edits][-1] == log.current["content"]
    assert log.attempts[-1].status == 429                  # every PATCH, answered or refused
"""

from __future__ import annotations

import bisect
import copy
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .mentions import Mentions
from .payloads import iso_now
from .records import RecordedRequest

__all__ = ["FLAG_EPHEMERAL", "FLAG_LOADING", "MessageEdit", "MessageLog", "MessageStore"]

FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7


@dataclass
class MessageEdit:
    """One accepted change of a message: ``message`` is the state right after it, ``at`` a monotonic stamp.

    ``index`` counts from 0 per message; ``request`` is the PATCH (or callback/followup) that made it, if any.
    """

    index: int
    at: float
    message: dict[str, Any]
    body: Any
    request: RecordedRequest | None
    mentions: Mentions | None


@dataclass
class MessageLog:
    """The life of one message (also ``fd.store.meta[message_id]``).

    ``history`` holds every state, creation first (``history[i + 1]`` is ``edits[i].message``);
    ``attempts`` every PATCH of it the bot sent, including the ones answered 429/403/404;
    ``mentions`` what the creation mentioned and notified (see :class:`~tests.fake_discord.mentions.Mentions`).
    """

    guild_id: int | None
    channel_id: int
    interaction_id: int | None
    history: list[dict[str, Any]] = field(default_factory=list)
    message_id: int = 0
    created_at: float = 0.0
    created_by: RecordedRequest | None = None
    mentions: Mentions | None = None
    edits: list[MessageEdit] = field(default_factory=list)
    attempts: list[RecordedRequest] = field(default_factory=list)
    deleted_at: float | None = None
    deleted_by: int | None = None
    """Who deleted it: a user id (``fd.delete_message(..., by=user)``), the bot's id, or None (not deleted)."""
    embeds_stripped: int = 0
    """How many times Discord dropped this message's embeds for want of Embed Links."""
    _current: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def current(self) -> dict[str, Any] | None:
        """The current state, or ``None`` once deleted."""
        return None if self.deleted_at is not None else self._current

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def ephemeral(self) -> bool:
        return bool(int((self.history[0] if self.history else {}).get("flags") or 0) & FLAG_EPHEMERAL)

    def edit_times(self) -> list[float]:
        return [e.at for e in self.edits]

    def max_edits_within(self, seconds: float) -> int:
        """The largest number of accepted edits inside any window of ``seconds`` (e.g. 60 for "per minute")."""
        times = self.edit_times()
        best = 0
        for i, start in enumerate(times):
            best = max(best, bisect.bisect_right(times, start + seconds) - i)
        return best


class MessageStore:
    """Current state of every message the bot created (interaction responses, followups, channel posts)."""

    def __init__(self) -> None:
        self.messages: dict[int, dict[str, Any]] = {}
        self.meta: dict[int, MessageLog] = {}

    def add(
        self,
        message: dict[str, Any],
        *,
        guild_id: int | None,
        interaction_id: int | None,
        request: RecordedRequest | None = None,
        mentions: Mentions | None = None,
    ) -> MessageLog:
        mid = int(message["id"])
        self.messages[mid] = message
        log = MessageLog(
            guild_id,
            int(message["channel_id"]),
            interaction_id,
            [copy.deepcopy(message)],
            message_id=mid,
            created_at=time.monotonic(),
            created_by=request,
            mentions=mentions,
            _current=message,
        )
        self.meta[mid] = log
        return log

    def update(
        self,
        message_id: int,
        changes: dict[str, Any],
        *,
        request: RecordedRequest | None = None,
        mentions: Mentions | None = None,
    ) -> dict[str, Any]:
        msg = self.messages[message_id]
        for key in ("content", "embeds", "components", "poll"):
            if key in changes:
                value = changes[key]
                msg[key] = ("" if key == "content" else []) if value is None else copy.deepcopy(value)
        if "attachments" in changes:
            # the body lists the existing attachments to keep (by id); new uploads are added by the caller
            kept = {str(a.get("id")) for a in changes["attachments"] or [] if isinstance(a, dict)}
            msg["attachments"] = [a for a in msg.get("attachments") or [] if str(a.get("id")) in kept]
        if "flags" in changes and changes["flags"] is not None:
            keep = int(msg.get("flags") or 0) & FLAG_EPHEMERAL
            msg["flags"] = (int(changes["flags"]) & ~FLAG_LOADING) | keep
        msg["flags"] = int(msg.get("flags") or 0) & ~FLAG_LOADING
        msg["edited_timestamp"] = iso_now()
        snapshot = copy.deepcopy(msg)
        log = self.meta[message_id]
        log.history.append(snapshot)
        log.edits.append(MessageEdit(len(log.edits), time.monotonic(), snapshot, changes, request, mentions))
        return msg

    def get(self, message_id: int) -> dict[str, Any] | None:
        return self.messages.get(message_id)

    def delete(self, message_id: int, *, by: int | None) -> bool:
        """Forget the message's current state (its log stays, marked deleted); False if it was not there."""
        if self.messages.pop(message_id, None) is None:
            return False
        log = self.meta.get(message_id)
        if log is not None:
            log.deleted_at = time.monotonic()
            log.deleted_by = by
        return True

    def in_channel(self, channel_id: int) -> Iterator[dict[str, Any]]:
        """Current messages of a channel a member can see (not ephemeral), oldest first."""
        for mid, msg in self.messages.items():
            log = self.meta.get(mid)
            if log is not None and log.channel_id == channel_id and not int(msg.get("flags") or 0) & FLAG_EPHEMERAL:
                yield msg
