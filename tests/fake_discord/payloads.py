"""Builders for the Discord JSON objects :class:`~tests.fake_discord.fake_discord.FakeDiscord` sends.

The shapes follow the TypedDicts in ``discord/types`` of the pinned discord.py (2.7.1), including the
keys that version indexes unconditionally.  Usage::

    from tests.fake_discord.payloads import FakeUser, user_payload

    alice = FakeUser(id=4242, username="alice")
    assert user_payload(alice)["username"] == "alice"
"""

from __future__ import annotations

import base64
import itertools
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "FakeRole",
    "FakeUser",
    "SnowflakeFactory",
    "bot_token",
    "channel_payload",
    "dm_channel_payload",
    "guild_create_payload",
    "iso_now",
    "member_payload",
    "role_payload",
    "user_payload",
]

DISCORD_EPOCH_MS = 1420070400000

# VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_EXTERNAL_EMOJIS
# | ADD_REACTIONS | USE_APPLICATION_COMMANDS: what an ordinary member of a guild has.
DEFAULT_MEMBER_PERMISSIONS = (
    (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 18) | (1 << 6) | (1 << 31)
)
# All of the above plus MANAGE_MESSAGES, what the bot gets in its guilds.
DEFAULT_BOT_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | (1 << 13)


@dataclass(frozen=True)
class FakeUser:
    """A Discord user that triggers interactions in the fake.

    ``FakeUser(id=1, username="alice")`` is enough; avatars stay ``None`` because CDN URLs are
    hard-coded to discord.com.
    """

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    discriminator: str = "0"
    avatar: str | None = None
    locale: str = "en-US"


@dataclass(frozen=True)
class FakeRole:
    """A guild role. ``permissions`` is the integer bit set (``discord.Permissions(...).value``)."""

    id: int
    name: str
    permissions: int = 0
    position: int = 1
    managed: bool = False
    mentionable: bool = False
    """Whether anyone may ping it (else only with Mention Everyone, as on Discord)."""
    bot_id: int | None = None
    """Set on the managed role Discord gives a bot (``tags.bot_id``)."""


@dataclass
class SnowflakeFactory:
    """Makes increasing, unique snowflakes whose timestamps are "now" (so ``created_at`` works)."""

    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __call__(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (1 << 17) | (next(self._counter) & 0x1FFFF)


def bot_token(user_id: int = 900000000000000001) -> str:
    """A fresh token with the shape of a real bot token for ``user_id``: base64 of the id, a 6-character
    timestamp part and an HMAC part, separated by dots (the bot refuses other shapes at start)."""
    head = base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
    return f"{head}.{secrets.token_urlsafe(6)[:6]}.{secrets.token_urlsafe(30)[:38]}"


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


def user_payload(user: FakeUser) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "username": user.username,
        "discriminator": user.discriminator,
        "global_name": user.global_name,
        "avatar": user.avatar,
        "bot": user.bot,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }


def member_payload(
    user: FakeUser,
    *,
    roles: list[int] | None = None,
    permissions: int | None = None,
    joined_at: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user": user_payload(user),
        "roles": [str(r) for r in roles or []],
        "joined_at": joined_at or iso_now(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "nick": None,
        "avatar": None,
        "banner": None,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def role_payload(role: FakeRole) -> dict[str, Any]:
    return {
        "id": str(role.id),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": role.mentionable,
        "flags": 0,
        **({"tags": {"bot_id": str(role.bot_id)}} if role.bot_id is not None else {}),
    }


def channel_payload(
    channel_id: int,
    guild_id: int,
    *,
    name: str = "general",
    permissions: int | None = 0,
    type: int = 0,
    position: int = 0,
    parent_id: int | None = None,
    topic: str | None = None,
    overwrites: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A guild channel object; ``permissions`` (the viewer's computed permissions, as in interaction payloads) is
    left out when ``None``."""
    data: dict[str, Any] = {
        "id": str(channel_id),
        "type": type,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": list(overwrites or []),
        "nsfw": False,
        "parent_id": str(parent_id) if parent_id is not None else None,
        "topic": topic,
        "last_message_id": None,
        "last_pin_timestamp": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def dm_channel_payload(channel_id: int, recipient: FakeUser) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 1,
        "last_message_id": None,
        "recipients": [user_payload(recipient)],
        "flags": 0,
    }


def guild_create_payload(
    *,
    guild_id: int,
    name: str,
    owner_id: int,
    bot_user: FakeUser,
    channels: list[dict[str, Any]],
    roles: list[FakeRole],
    everyone_permissions: int,
    bot_roles: list[int] | None = None,
) -> dict[str, Any]:
    everyone = FakeRole(id=guild_id, name="@everyone", permissions=everyone_permissions, position=0)
    now = iso_now()
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(owner_id),
        "unavailable": False,
        "large": False,
        "member_count": 1,
        "features": [],
        "preferred_locale": "en-US",
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "application_id": None,
        "incidents_data": None,
        "nsfw": False,
        "joined_at": now,
        "roles": [role_payload(everyone), *(role_payload(r) for r in roles)],
        "emojis": [],
        "stickers": [],
        "channels": channels,
        "threads": [],
        "members": [member_payload(bot_user, roles=list(bot_roles or []), joined_at=now)],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }
