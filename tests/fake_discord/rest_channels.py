"""REST routes of channels and their messages, with Discord's permission rules and error codes.

Channel messages are a resource: create (``POST /channels/{c}/messages``), fetch one (``GET .../{m}``), history
(``GET /channels/{c}/messages``), edit (``PATCH .../{m}``), delete (``DELETE .../{m}``). In a guild channel the
bot's permissions are computed as Discord does and enforced:

=========================  =====================================================================================
unknown or deleted channel  404, code 10003 Unknown Channel
unknown or deleted message  404, code 10008 Unknown Message (also: ephemeral messages, another channel's message)
no View Channel             403, code 50001 Missing Access (every route)
create                      Send Messages (Attach Files with files), else 403 50013 Missing Permissions
fetch one                   Read Message History, else 403 50013
history                     without Read Message History: 200 with no messages (as Discord answers)
edit, delete own message    View Channel only (Send Messages is not needed, as on Discord)
embeds without Embed Links  silently dropped from the message (create and edit); an empty result is 400 50006
=========================  =====================================================================================

A deleted message is announced with MESSAGE_DELETE (if the bot has the GUILD_MESSAGES intent).
"""

from __future__ import annotations

from typing import Any

from . import limits
from .guild_state import FakeChannel
from .messages import MessageBuilder
from .payloads import dm_channel_payload
from .permissions import ATTACH_FILES, EMBED_LINKS, READ_MESSAGE_HISTORY, SEND_MESSAGES, VIEW_CHANNEL, describe
from .records import RecordedRequest
from .rest import RestMixin, Route
from .state import Json, discord_error

__all__ = ["ChannelRoutes"]

HISTORY_LIMIT_MAX = 100
_SENDABLE_FLAGS = (1 << 2) | (1 << 12) | limits.FLAG_IS_COMPONENTS_V2


def _unknown_channel() -> tuple[int, Json]:
    return 404, discord_error(10003, "Unknown Channel")


def _unknown_message() -> tuple[int, Json]:
    return 404, discord_error(10008, "Unknown Message")


def _empty(message: dict[str, Any] | Any, files: bool = False) -> bool:
    if not isinstance(message, dict):
        return True
    keys = ("content", "embeds", "components", "sticker_ids", "poll", "attachments")
    return not files and not any(message.get(k) for k in keys)


class ChannelRoutes(MessageBuilder, RestMixin):
    """Channel and channel-message routes."""

    def _channel_routes(self) -> list[Route]:
        c = r"(?P<cid>\d+)"
        m = r"(?P<mid>\d+)"
        return [
            ("POST", rf"/channels/{c}/messages", self._h_channel_post, True),
            ("GET", rf"/channels/{c}/messages", self._h_channel_history, True),
            ("GET", rf"/channels/{c}/messages/{m}", self._h_channel_get_msg, True),
            ("PATCH", rf"/channels/{c}/messages/{m}", self._h_channel_edit, True),
            ("DELETE", rf"/channels/{c}/messages/{m}", self._h_channel_delete, True),
            ("POST", rf"/channels/{c}/typing", self._h_typing, True),
            ("GET", rf"/channels/{c}", self._h_channel_get, True),
        ]

    # ------------------------------------------------------------------ access

    def _dm_user(self, channel_id: int) -> int | None:
        return next((u for u, c in self._dm_channels.items() if c == channel_id), None)

    def _open(
        self, rec: RecordedRequest, cid: str, needed: int = 0
    ) -> tuple[FakeChannel | None, tuple[int, Json] | None]:
        """The guild channel (None for a DM) if the bot may use it for ``needed``, else the error answer."""
        channel_id = int(cid)
        channel = self.get_channel(channel_id)
        if channel is None:
            if self._dm_user(channel_id) is not None:
                return None, None
            rec.note = "deleted channel" if channel_id in self._deleted_channels else "unknown channel"
            return None, _unknown_channel()
        perms = self.bot_permissions(channel)
        if not perms & VIEW_CHANNEL:
            rec.note = "missing VIEW_CHANNEL"
            return channel, (403, discord_error(50001, "Missing Access"))
        missing = needed & ~perms
        if missing:
            rec.note = f"missing {describe(missing)}"
            return channel, (403, discord_error(50013, "Missing Permissions"))
        return channel, None

    def _visible_message(self, cid: str, mid: str) -> dict[str, Any] | None:
        message = self.store.get(int(mid))
        if message is None or message["channel_id"] != cid:
            return None
        log = self.store.meta.get(int(mid))
        if log is not None and log.ephemeral:
            return None
        return message

    def _strip_embeds(self, rec: RecordedRequest, channel: FakeChannel | None, body: dict[str, Any]) -> bool:
        """Drop the embeds, as Discord does, when the bot lacks Embed Links. True if it did."""
        if channel is None or not body.get("embeds") or self.bot_permissions(channel) & EMBED_LINKS:
            return False
        body["embeds"] = []
        rec.note = "embeds stripped: no EMBED_LINKS"
        return True

    # ------------------------------------------------------------------ routes

    async def _h_channel_get(self, rec: RecordedRequest, cid: str) -> tuple[int, Json]:
        channel, err = self._open(rec, cid)
        if err is not None:
            return err
        if channel is None:
            user_id = self._dm_user(int(cid))
            assert user_id is not None
            return 200, dm_channel_payload(int(cid), self.users[user_id])
        return 200, channel.payload(permissions=self.bot_permissions(channel))

    async def _h_typing(self, rec: RecordedRequest, cid: str) -> tuple[int, Json]:
        _, err = self._open(rec, cid, SEND_MESSAGES)
        return err or (204, None)

    async def _h_channel_post(self, rec: RecordedRequest, cid: str) -> tuple[int, Json]:
        channel, err = self._open(rec, cid, SEND_MESSAGES | (ATTACH_FILES if rec.files else 0))
        if err is not None:
            return err
        where = f"POST /channels/{cid}/messages"
        body = dict(rec.body) if isinstance(rec.body, dict) else {}
        problems = self._message_problems(body)
        self._violate(where, problems)
        if (rej := self._reject_for(problems)) is not None:
            return rej
        stripped = self._strip_embeds(rec, channel, body)
        if _empty(body, files=bool(rec.files)):
            if not stripped:
                self._violate(where, ["empty message (no content, embeds, components, files, stickers or poll)"])
            return 400, discord_error(50006, "Cannot send an empty message")
        flags = int(body.get("flags") or 0) & _SENDABLE_FLAGS
        message = self._new_message(channel_id=int(cid), body=body, flags=flags, ix=None, files=rec.files)
        guild_id = channel.guild_id if channel is not None else None
        log = self._record_create(message, body, guild_id=guild_id, ix=None, request=rec, where=where)
        log.embeds_stripped += int(stripped)
        self.channel_messages.append(message)
        return 200, message

    async def _h_channel_history(self, rec: RecordedRequest, cid: str) -> tuple[int, Json]:
        channel, err = self._open(rec, cid)
        if err is not None:
            return err
        if channel is not None and not self.bot_permissions(channel) & READ_MESSAGE_HISTORY:
            rec.note = "no READ_MESSAGE_HISTORY: no messages"
            return 200, []
        try:
            limit = min(max(int(rec.query.get("limit", 50)), 1), HISTORY_LIMIT_MAX)
        except ValueError:
            return 400, discord_error(50035, "Invalid Form Body")
        ordered = sorted(self.store.in_channel(int(cid)), key=lambda m: int(m["id"]))
        ids = [int(m["id"]) for m in ordered]
        if "around" in rec.query:
            around = int(rec.query["around"])
            pivot = next((i for i, x in enumerate(ids) if x >= around), len(ids))
            start = max(pivot - limit // 2, 0)
            chosen = ordered[start : start + limit]
        elif "after" in rec.query:
            after = int(rec.query["after"])
            chosen = [m for m in ordered if int(m["id"]) > after][:limit]
        else:
            before = int(rec.query["before"]) if "before" in rec.query else None
            older = [m for m in ordered if before is None or int(m["id"]) < before]
            chosen = older[-limit:]
        return 200, sorted(chosen, key=lambda m: int(m["id"]), reverse=True)

    async def _h_channel_get_msg(self, rec: RecordedRequest, cid: str, mid: str) -> tuple[int, Json]:
        _, err = self._open(rec, cid, READ_MESSAGE_HISTORY)
        if err is not None:
            return err
        message = self._visible_message(cid, mid)
        return (200, message) if message is not None else _unknown_message()

    async def _h_channel_edit(self, rec: RecordedRequest, cid: str, mid: str) -> tuple[int, Json]:
        channel, err = self._open(rec, cid)
        if err is not None:
            return err
        message = self._visible_message(cid, mid)
        if message is None:
            return _unknown_message()
        where = f"PATCH /channels/{cid}/messages/{mid}"
        body = dict(rec.body) if isinstance(rec.body, dict) else {}
        problems = self._message_problems(body, self._merged(message, body))
        self._violate(where, problems)
        if (rej := self._reject_for(problems)) is not None:
            return rej
        stripped = self._strip_embeds(rec, channel, body)
        if _empty(self._merged(message, body), files=bool(rec.files)):
            return 400, discord_error(50006, "Cannot send an empty message")
        message = self._record_edit(int(mid), body, request=rec, where=where)
        message["attachments"] = [*message.get("attachments", []), *self._attachments(rec.files)]
        self.store.meta[int(mid)].embeds_stripped += int(stripped)
        return 200, message

    async def _h_channel_delete(self, rec: RecordedRequest, cid: str, mid: str) -> tuple[int, Json]:
        _, err = self._open(rec, cid)
        if err is not None:
            return err
        if self._visible_message(cid, mid) is None:
            return _unknown_message()
        self.store.delete(int(mid), by=self.bot_user.id)
        await self._announce_delete(int(mid))
        return 204, None
