"""REST routes of interactions: the initial callback (``/interactions/{id}/{token}/callback``), followups and
edits/deletes of interaction messages through the application's webhook, with Discord's rules: the 3-second
first response, one initial response, the allowed callback types, the 15-minute token, ephemeral defers.
"""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from . import limits
from .interaction_record import InteractionRecord
from .message_store import FLAG_EPHEMERAL, FLAG_LOADING
from .messages import INTERACTION_KIND, MessageBuilder
from .records import RecordedRequest
from .rest import RestMixin, Route
from .state import Json, discord_error

__all__ = ["InteractionRoutes"]

TOKEN_LIFETIME_S = 15 * 60
# interaction type -> callback types Discord accepts as the initial response
_ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


class InteractionRoutes(MessageBuilder, RestMixin):
    """Interaction callbacks and the interaction webhook."""

    def _interaction_routes(self) -> list[Route]:
        app = r"(?P<app>\d+)"
        tok = r"(?P<token>[^/]+)"
        mid = r"(?P<mid>@original|\d+)"
        return [
            ("POST", rf"/interactions/(?P<iid>\d+)/{tok}/callback", self._h_callback, False),
            ("POST", rf"/webhooks/{app}/{tok}", self._h_followup, False),
            ("GET", rf"/webhooks/{app}/{tok}/messages/{mid}", self._h_webhook_get, False),
            ("PATCH", rf"/webhooks/{app}/{tok}/messages/{mid}", self._h_webhook_edit, False),
            ("DELETE", rf"/webhooks/{app}/{tok}/messages/{mid}", self._h_webhook_delete, False),
        ]

    async def _h_callback(self, rec: RecordedRequest, iid: str, token: str) -> tuple[int, Json]:
        ix = self._ix_by_id.get(int(iid))
        if ix is None or ix.token != token:
            return 404, discord_error(10062, "Unknown interaction")
        where = self._where(ix)
        ix.callbacks.append(rec)
        if ix.first_response_at is None:
            ix.first_response_at = rec.at
        try:
            answer = self._callback(ix, rec, where)
        finally:
            ix.notify()
        if self.callback_delay > 0:
            await asyncio.sleep(self.callback_delay)
        return answer

    def _callback(self, ix: InteractionRecord, rec: RecordedRequest, where: str) -> tuple[int, Json]:
        body = rec.body if isinstance(rec.body, dict) else {}
        cb_type = body.get("type")
        data = body.get("data") or {}
        if cb_type == 8 and ix.type == 4:
            ix.choices = list(data.get("choices") or [])

        if ix.response_type is not None:
            if cb_type == 9 and ix.response_type in (5, 6):
                self._violate(where, ["modal sent after a defer (a modal must be the first response)"])
            else:
                self._violate(where, [f"second initial response (type {cb_type} after type {ix.response_type})"])
            return 400, discord_error(40060, "Interaction has already been acknowledged.")

        elapsed = rec.at - ix.created_at
        if elapsed > self.response_deadline:
            self._violate(where, [f"first response after {elapsed:.2f}s (> {self.response_deadline:g}s)"])
            if self.reject_violations:
                return 404, discord_error(10062, "Unknown interaction")

        problems: list[str] = []
        if cb_type not in _ALLOWED_CALLBACKS.get(ix.type, set()):
            if cb_type == 9:
                problems.append(f"modal is not a valid response to a {INTERACTION_KIND.get(ix.type)}")
            else:
                problems.append(f"callback type {cb_type} is not valid for a {INTERACTION_KIND.get(ix.type)}")
        elif cb_type in (6, 7) and ix.source_message_id is None:
            problems.append(f"callback type {cb_type} needs a message (modal was not opened from a component)")
        flags = int(data.get("flags") or 0)
        if cb_type == 5 and flags & ~FLAG_EPHEMERAL:
            problems.append(f"deferred response with flags {flags} (only EPHEMERAL=64 is allowed)")
        if cb_type == 4:
            problems += self._message_problems(data)
        elif cb_type == 7 and ix.source_message_id is not None:
            source = self.store.get(ix.source_message_id) or {}
            problems += self._message_problems(data, self._merged(source, data))
        elif cb_type == 8:
            problems += limits.check_autocomplete_choices(data.get("choices") or [])
        elif cb_type == 9:
            problems += limits.check_modal(data)
        self._violate(where, problems)
        if (rej := self._reject_for(problems)) is not None:
            return rej

        ix.response_type = cb_type
        message: dict[str, Any] | None = None
        if cb_type == 4:
            message = self._new_message(channel_id=ix.channel_id, body=data, flags=flags, ix=ix, files=rec.files)
            self._record_create(message, data, guild_id=ix.guild_id, ix=ix, request=rec, where=where)
            ix.original_message_id = int(message["id"])
            ix.touch(ix.original_message_id)
            ix.mark_final(message)
        elif cb_type == 5:
            ix._defer_ephemeral = bool(flags & FLAG_EPHEMERAL)
            loading = FLAG_LOADING | (flags & FLAG_EPHEMERAL)
            message = self._new_message(channel_id=ix.channel_id, body={}, flags=loading, ix=ix)
            self.store.add(message, guild_id=ix.guild_id, interaction_id=ix.id, request=rec)
            ix.original_message_id = int(message["id"])
            ix.touch(ix.original_message_id)
        elif cb_type in (6, 7) and ix.source_message_id is not None:
            ix.original_message_id = ix.source_message_id
            if cb_type == 7:
                message = self._record_edit(ix.source_message_id, data, request=rec, where=where)
                message["attachments"] = [*message.get("attachments", []), *self._attachments(rec.files)]
                ix.touch(ix.source_message_id)
                ix.mark_final(message)
            else:
                message = self.store.get(ix.source_message_id)
        elif cb_type == 8:
            ix.mark_final({"choices": ix.choices or []})
        elif cb_type == 9:
            ix.modal = copy.deepcopy(data)
            ix.mark_final(ix.modal)

        msg_flags = int(message.get("flags") or 0) if message else 0
        info: dict[str, Any] = {
            "id": str(ix.id),
            "type": ix.type,
            "response_message_loading": cb_type == 5,
            "response_message_ephemeral": bool(msg_flags & FLAG_EPHEMERAL),
        }
        resource: dict[str, Any] = {"type": cb_type}
        if message is not None:
            info["response_message_id"] = message["id"]
            resource["message"] = copy.deepcopy(message)
        return 200, {"interaction": info, "resource": resource}

    def _webhook_ix(self, app: str, token: str) -> tuple[InteractionRecord | None, tuple[int, Json] | None]:
        ix = self._ix_by_token.get(token)
        if ix is None or int(app) != self.application_id:
            return None, (404, discord_error(10015, "Unknown Webhook"))
        if time.monotonic() - ix.created_at > TOKEN_LIFETIME_S:
            self._violate(self._where(ix), ["interaction token used after 15 minutes"])
            return None, (401, discord_error(50027, "Invalid Webhook Token"))
        return ix, None

    async def _h_followup(self, rec: RecordedRequest, app: str, token: str) -> tuple[int, Json]:
        ix, err = self._webhook_ix(app, token)
        if ix is None:
            assert err is not None
            return err
        try:
            return self._followup(ix, rec)
        finally:
            ix.notify()

    def _followup(self, ix: InteractionRecord, rec: RecordedRequest) -> tuple[int, Json]:
        where = self._where(ix)
        body = rec.body if isinstance(rec.body, dict) else {}
        ix.followup_requests.append(rec)
        if ix.response_type is None:
            self._violate(where, ["followup sent before the interaction was acknowledged"])
            return 404, discord_error(10015, "Unknown Webhook")
        problems = self._message_problems(body)
        self._violate(where, problems)
        if (rej := self._reject_for(problems)) is not None:
            return rej
        flags = int(body.get("flags") or 0)
        original = ix.original_message
        replaces_loading = (
            ix.response_type == 5
            and not ix._first_followup_done
            and original is not None
            and int(original.get("flags") or 0) & FLAG_LOADING
        )
        ix._first_followup_done = True
        if replaces_loading and ix.original_message_id is not None:
            if flags & FLAG_EPHEMERAL and not ix._defer_ephemeral:
                self._violate(
                    where,
                    [
                        "followup asked for ephemeral but replaces a PUBLIC defer: Discord shows it to "
                        "everyone (defer with ephemeral=True instead)"
                    ],
                )
            message = self._record_edit(ix.original_message_id, {**body, "flags": None}, request=rec, where=where)
            if rec.files:
                message["attachments"] = self._attachments(rec.files)
            mid = ix.original_message_id
        else:
            keep = flags & (FLAG_EPHEMERAL | (1 << 2) | (1 << 12) | limits.FLAG_IS_COMPONENTS_V2)
            message = self._new_message(channel_id=ix.channel_id, body=body, flags=keep, ix=ix, files=rec.files)
            self._record_create(message, body, guild_id=ix.guild_id, ix=ix, request=rec, where=where)
            mid = int(message["id"])
        ix.followups.append(copy.deepcopy(message))
        ix.touch(mid)
        ix.mark_final(message)
        return 200, message

    def _resolve_webhook_message(self, ix: InteractionRecord, mid: str) -> int | None:
        if mid == "@original":
            return ix.original_message_id
        message_id = int(mid)
        meta = self.store.meta.get(message_id)
        if meta is None or (meta.interaction_id != ix.id and message_id != ix.original_message_id):
            return None
        return message_id

    async def _h_webhook_get(self, rec: RecordedRequest, app: str, token: str, mid: str) -> tuple[int, Json]:
        ix, err = self._webhook_ix(app, token)
        if ix is None:
            assert err is not None
            return err
        message_id = self._resolve_webhook_message(ix, mid)
        message = self.store.get(message_id) if message_id is not None else None
        if message is None:
            return 404, discord_error(10008, "Unknown Message")
        return 200, message

    async def _h_webhook_edit(self, rec: RecordedRequest, app: str, token: str, mid: str) -> tuple[int, Json]:
        ix, err = self._webhook_ix(app, token)
        if ix is None:
            assert err is not None
            return err
        try:
            where = self._where(ix)
            body = rec.body if isinstance(rec.body, dict) else {}
            ix.edits.append(rec)
            message_id = self._resolve_webhook_message(ix, mid)
            message = self.store.get(message_id) if message_id is not None else None
            if message_id is None or message is None:
                if mid == "@original":
                    self._violate(where, ["edit of @original before any response"])
                return 404, discord_error(10008, "Unknown Message")
            problems = self._message_problems(body, self._merged(message, body))
            self._violate(where, problems)
            if (rej := self._reject_for(problems)) is not None:
                return rej
            message = self._record_edit(message_id, body, request=rec, where=where)
            message["attachments"] = [*message.get("attachments", []), *self._attachments(rec.files)]
            if message_id == ix.original_message_id:
                ix._first_followup_done = True
            ix.touch(message_id)
            ix.mark_final(message)
            return 200, message
        finally:
            ix.notify()

    async def _h_webhook_delete(self, rec: RecordedRequest, app: str, token: str, mid: str) -> tuple[int, Json]:
        ix, err = self._webhook_ix(app, token)
        if ix is None:
            assert err is not None
            return err
        ix.deletes.append(rec)
        message_id = self._resolve_webhook_message(ix, mid)
        if message_id is None or not self.store.delete(message_id, by=self.bot_user.id):
            return 404, discord_error(10008, "Unknown Message")
        await self._announce_delete(message_id)
        ix.notify()
        return 204, None
