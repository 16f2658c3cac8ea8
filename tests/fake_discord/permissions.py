"""Discord's permission arithmetic, as the API documentation describes it (independent of discord.py).

A member's permissions in a channel: the guild owner has all; otherwise @everyone's permissions OR those of the
member's roles; Administrator then grants all; otherwise the channel's overwrites apply in order -- @everyone's,
then the member's roles' (all allows and denies together), then the member's own. Implicitly, without View Channel
nothing of the channel is allowed, and in a text channel without Send Messages neither are Mention Everyone,
Send TTS, Attach Files nor Embed Links. Usage::

    from tests.fake_discord.permissions import SEND_MESSAGES, VIEW_CHANNEL, FakeOverwrite, channel_permissions

    deny_send = FakeOverwrite(id=guild_id, type=0, deny=SEND_MESSAGES)          # on @everyone
    perms = channel_permissions(base=VIEW_CHANNEL | SEND_MESSAGES, guild_id=guild_id,
                                overwrites={guild_id: deny_send}, role_ids=[], member_id=42)
    assert perms == VIEW_CHANNEL
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ADMINISTRATOR",
    "ALL",
    "ATTACH_FILES",
    "EMBED_LINKS",
    "MANAGE_CHANNELS",
    "MANAGE_MESSAGES",
    "MENTION_EVERYONE",
    "READ_MESSAGE_HISTORY",
    "SEND_MESSAGES",
    "VIEW_CHANNEL",
    "FakeOverwrite",
    "base_permissions",
    "channel_permissions",
    "describe",
]

CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_AUDIT_LOG = 1 << 7
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
VIEW_GUILD_INSIGHTS = 1 << 19
CHANGE_NICKNAME = 1 << 26
MANAGE_NICKNAMES = 1 << 27
MANAGE_ROLES = 1 << 28
MANAGE_WEBHOOKS = 1 << 29
MANAGE_GUILD_EXPRESSIONS = 1 << 30
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_EVENTS = 1 << 33
MODERATE_MEMBERS = 1 << 40
VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
CREATE_GUILD_EXPRESSIONS = 1 << 43
CREATE_EVENTS = 1 << 44

ALL = (1 << 53) - 1
"""Every permission bit (what an owner or an Administrator has)."""

GUILD_ONLY = (
    KICK_MEMBERS
    | BAN_MEMBERS
    | ADMINISTRATOR
    | MANAGE_GUILD
    | VIEW_AUDIT_LOG
    | VIEW_GUILD_INSIGHTS
    | CHANGE_NICKNAME
    | MANAGE_NICKNAMES
    | MANAGE_GUILD_EXPRESSIONS
    | MANAGE_EVENTS
    | MODERATE_MEMBERS
    | VIEW_CREATOR_MONETIZATION_ANALYTICS
    | CREATE_GUILD_EXPRESSIONS
    | CREATE_EVENTS
)
"""Permissions that exist at guild level only (a channel without View Channel keeps these)."""

CHANNEL = ALL & ~GUILD_ONLY
SEND_IMPLIED = MENTION_EVERYONE | SEND_TTS_MESSAGES | ATTACH_FILES | EMBED_LINKS
"""Implicitly denied in a text channel without Send Messages."""

_NAMES = {
    ADMINISTRATOR: "ADMINISTRATOR",
    MANAGE_CHANNELS: "MANAGE_CHANNELS",
    MANAGE_GUILD: "MANAGE_GUILD",
    VIEW_CHANNEL: "VIEW_CHANNEL",
    SEND_MESSAGES: "SEND_MESSAGES",
    MANAGE_MESSAGES: "MANAGE_MESSAGES",
    EMBED_LINKS: "EMBED_LINKS",
    ATTACH_FILES: "ATTACH_FILES",
    READ_MESSAGE_HISTORY: "READ_MESSAGE_HISTORY",
    MENTION_EVERYONE: "MENTION_EVERYONE",
    MANAGE_ROLES: "MANAGE_ROLES",
}


@dataclass(frozen=True)
class FakeOverwrite:
    """A channel permission overwrite: ``type`` 0 for a role (the guild id is @everyone), 1 for a member."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


def describe(bits: int) -> str:
    """``"VIEW_CHANNEL|SEND_MESSAGES"`` for the named bits in ``bits`` (others as ``1<<n``)."""
    names = []
    for n in range(bits.bit_length()):
        bit = 1 << n
        if bits & bit:
            names.append(_NAMES.get(bit, f"1<<{n}"))
    return "|".join(names) or "none"


def base_permissions(*, everyone: int, role_permissions: Iterable[int], is_owner: bool = False) -> int:
    """A member's guild-level permissions: @everyone's OR their roles'; owner and Administrator get all."""
    if is_owner:
        return ALL
    perms = everyone
    for value in role_permissions:
        perms |= value
    if perms & ADMINISTRATOR:
        return ALL
    return perms


def channel_permissions(
    *,
    base: int,
    guild_id: int,
    overwrites: Mapping[int, FakeOverwrite],
    role_ids: Iterable[int],
    member_id: int,
    text: bool = True,
) -> int:
    """Apply a channel's ``overwrites`` to the member's guild-level ``base`` permissions (see the module doc)."""
    if base & ADMINISTRATOR:
        return ALL
    perms = base
    everyone = overwrites.get(guild_id)
    if everyone is not None:
        perms = (perms & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role_id in role_ids:
        overwrite = overwrites.get(int(role_id))
        if overwrite is not None and overwrite.type == 0 and overwrite.id != guild_id:
            allow |= overwrite.allow
            deny |= overwrite.deny
    perms = (perms & ~deny) | allow
    member = overwrites.get(member_id)
    if member is not None and member.type == 1:
        perms = (perms & ~member.deny) | member.allow
    if not perms & VIEW_CHANNEL:
        return perms & ~CHANNEL
    if text and not perms & SEND_MESSAGES:
        perms &= ~SEND_IMPLIED
    return perms
