"""Building, checking and recording messages -- shared by interaction responses and channel routes.

Every message body is checked against Discord's limits (:mod:`~tests.fake_discord.limits`) and the shape of
``allowed_mentions``; every create and edit is logged (``fd.store``, ``fd.message_log``) with the mentions it
makes and whom it notifies (:mod:`~tests.fake_discord.mentions`). Two mention rules of this project are checked
too: a message that notifies someone without an explicit ``allowed_mentions`` is a violation, and with
``require_allowed_mentions=True`` so is any public message created without one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from . import limits
from .gateway import INTENT_DIRECT_MESSAGES, INTENT_GUILD_MESSAGES, GatewayMixin
from .interaction_record import InteractionRecord
from .mentions import Mentions, check_allowed_mentions, resolve_mentions
from .message_store import FLAG_EPHEMERAL, FLAG_LOADING, MessageLog
from .payloads import FakeUser, iso_now, user_payload
from .records import RecordedRequest

__all__ = ["INTERACTION_KIND", "MessageBuilder"]

INTERACTION_KIND = {2: "slash command", 3: "component", 4: "autocomplete", 5: "modal submit"}


class MessageBuilder(GatewayMixin):
    """Message objects, their checks, their mentions and their log."""

    async def _announce_delete(self, message_id: int) -> None:
        """MESSAGE_DELETE for a message that is gone (needs the GUILD_MESSAGES or DIRECT_MESSAGES intent)."""
        log = self.store.meta.get(message_id)
        if log is None or log.ephemeral:
            return
        data: dict[str, Any] = {"id": str(message_id), "channel_id": str(log.channel_id)}
        if log.guild_id is not None:
            data["guild_id"] = str(log.guild_id)
        intent = INTENT_GUILD_MESSAGES if log.guild_id is not None else INTENT_DIRECT_MESSAGES
        await self._dispatch_event("MESSAGE_DELETE", data, intent)

    def _where(self, ix: InteractionRecord) -> str:
        return f"{INTERACTION_KIND.get(ix.type, ix.type)} {ix.name!r} #{ix.id}"

    def _message_problems(self, body: Mapping[str, Any], merged: Mapping[str, Any] | None = None) -> list[str]:
        """Limit problems of a create (``merged`` None) or of an edit whose result would be ``merged``."""
        return limits.check_message(merged if merged is not None else body) + check_allowed_mentions(
            body.get("allowed_mentions")
        )

    def _mentions_for(self, body: Mapping[str, Any], channel_id: int, *, ephemeral: bool, edit: bool) -> Mentions:
        channel = self.get_channel(channel_id)
        if channel is None:
            return resolve_mentions(
                body, roles={}, bot_permissions=0, bot_user_id=self.bot_user.id, ephemeral=ephemeral, edit=edit
            )
        guild = self.guilds[channel.guild_id]
        return resolve_mentions(
            body,
            roles=guild.roles,
            bot_permissions=guild.bot_permissions(channel, self.bot_user.id),
            bot_user_id=self.bot_user.id,
            ephemeral=ephemeral,
            edit=edit,
        )

    def _check_mention_policy(self, where: str, body: Mapping[str, Any], mentions: Mentions) -> None:
        if body.get("allowed_mentions") is not None:
            return
        if not mentions.notifies_nobody:
            who = sorted(mentions.notified_users), sorted(mentions.notified_roles), mentions.notified_everyone
            self._violate(where, [f"notifies users/roles/everyone {who} without an explicit allowed_mentions"])
        elif self.require_allowed_mentions and not (mentions.edit or mentions.ephemeral):
            self._violate(where, ["public message sent without allowed_mentions"])

    def _apply_mentions(self, message: dict[str, Any], mentions: Mentions) -> None:
        message["mention_everyone"] = mentions.everyone or mentions.here
        message["mention_roles"] = [str(r) for r in sorted(mentions.roles)]
        message["mentions"] = [
            user_payload(self.users.get(u) or FakeUser(id=u, username=f"user{u}")) for u in sorted(mentions.users)
        ]

    def _new_message(
        self,
        *,
        channel_id: int,
        body: Mapping[str, Any],
        flags: int,
        ix: InteractionRecord | None,
        files: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        mid = self.snowflake()
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "author": user_payload(self.bot_user),
            "content": body.get("content") or "",
            "embeds": copy.deepcopy(body.get("embeds") or []),
            "components": copy.deepcopy(body.get("components") or []),
            "attachments": self._attachments(files),
            "flags": flags,
            "type": 0,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
        }
        if body.get("poll") is not None:
            msg["poll"] = copy.deepcopy(body["poll"])
        if ix is not None:
            msg["type"] = 20 if ix.type == 2 else 19 if ix.type in (3, 5) else 0
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
            msg["interaction_metadata"] = self._interaction_metadata(ix)
            if ix.type == 2:
                msg["interaction"] = {
                    "id": str(ix.id),
                    "type": ix.type,
                    "name": ix.name,
                    "user": user_payload(ix.user),
                }
        return msg

    def _record_create(
        self,
        message: dict[str, Any],
        body: Mapping[str, Any],
        *,
        guild_id: int | None,
        ix: InteractionRecord | None,
        request: RecordedRequest | None,
        where: str,
    ) -> MessageLog:
        """Store a new message with the mentions it makes (checked against the mention rules)."""
        ephemeral = bool(int(message.get("flags") or 0) & FLAG_EPHEMERAL)
        mentions = self._mentions_for(body, int(message["channel_id"]), ephemeral=ephemeral, edit=False)
        self._apply_mentions(message, mentions)
        self._check_mention_policy(where, body, mentions)
        return self.store.add(
            message,
            guild_id=guild_id,
            interaction_id=ix.id if ix is not None else None,
            request=request,
            mentions=mentions,
        )

    def _record_edit(
        self, message_id: int, body: dict[str, Any], *, request: RecordedRequest | None, where: str
    ) -> dict[str, Any]:
        """Apply an accepted edit; a new ``content`` rebuilds the mention fields. An edit notifies nobody, except
        the first content of a deferred ("thinking") response, which Discord delivers like a new message."""
        current = self.store.messages[message_id]
        flags = int(current.get("flags") or 0)
        placeholder = bool(flags & FLAG_LOADING)
        mentions: Mentions | None = None
        if "content" in body or placeholder:
            mentions = self._mentions_for(
                body, int(current["channel_id"]), ephemeral=bool(flags & FLAG_EPHEMERAL), edit=not placeholder
            )
            self._check_mention_policy(where, body, mentions)
        message = self.store.update(message_id, body, request=request, mentions=mentions)
        log = self.store.meta[message_id]
        if placeholder and log.mentions is None:
            log.mentions = mentions
        if mentions is not None:
            self._apply_mentions(message, mentions)
            log.history[-1].update(
                {k: copy.deepcopy(message[k]) for k in ("mention_everyone", "mention_roles", "mentions")}
            )
        return message

    def _attachments(self, files: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for f in files:
            aid = self.snowflake()
            url = f"http://{self.host}:{self.port}/attachments/{aid}/{f.get('filename')}"
            out.append(
                {
                    "id": str(aid),
                    "filename": f.get("filename") or "file",
                    "size": int(f.get("size") or 0),
                    "url": url,
                    "proxy_url": url,
                    "content_type": f.get("content_type"),
                }
            )
        return out

    def _interaction_metadata(self, ix: InteractionRecord) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "id": str(ix.id),
            "type": ix.type,
            "user": user_payload(ix.user),
            "authorizing_integration_owners": ix.payload.get("authorizing_integration_owners", {}),
        }
        if ix.source_message_id is not None and ix.type == 3:
            meta["interacted_message_id"] = str(ix.source_message_id)
        origin = ix.payload.get("_origin_metadata")
        if ix.type == 5 and isinstance(origin, dict):
            meta["triggering_interaction_metadata"] = origin
        return meta

    @staticmethod
    def _merged(msg: Mapping[str, Any], changes: Mapping[str, Any] | None) -> dict[str, Any]:
        merged = dict(msg)
        for key, value in (changes or {}).items():
            if key in ("content", "embeds", "components", "flags"):
                merged[key] = value
        return merged
