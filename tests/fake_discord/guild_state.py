"""The guilds the fake serves: channels with their permission overwrites, roles, the bot's roles, members' roles.

This is plain state with queries (permissions, payloads); :class:`~tests.fake_discord.guild_controls.GuildControls`
changes it and tells the bot through the gateway. Usage::

    guild = fd.guild()                                   # the first guild
    alerts = guild.channels[channel_id]                  # a FakeChannel
    assert guild.bot_permissions(alerts) & SEND_MESSAGES
    payload = guild.guild_create(fd.bot_user)           # what GUILD_CREATE carries
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .payloads import FakeRole, FakeUser, channel_payload, guild_create_payload
from .permissions import FakeOverwrite, base_permissions, channel_permissions

__all__ = ["TEXT_CHANNEL_TYPES", "FakeChannel", "GuildState"]

TEXT_CHANNEL_TYPES = (0, 5)
"""GUILD_TEXT and GUILD_ANNOUNCEMENT: where Send Messages implies the other send permissions."""


@dataclass
class FakeChannel:
    """A guild channel of the fake. Change it through ``fd.update_channel``/``fd.set_overwrite`` (which tell
    the bot with CHANNEL_UPDATE), not by assigning to it."""

    id: int
    guild_id: int
    name: str = "general"
    type: int = 0
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: dict[int, FakeOverwrite] = field(default_factory=dict)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self, *, permissions: int | None = None) -> dict[str, Any]:
        """The channel object (``permissions``: the viewer's, as interaction payloads carry it)."""
        return channel_payload(
            self.id,
            self.guild_id,
            name=self.name,
            permissions=permissions,
            type=self.type,
            position=self.position,
            parent_id=self.parent_id,
            topic=self.topic,
            overwrites=[o.payload() for o in self.overwrites.values()],
        )


@dataclass
class GuildState:
    """One guild: ``roles`` excludes @everyone (whose permissions are ``everyone_permissions``; its id is the
    guild's); ``bot_roles`` the bot member's role ids; ``member_roles`` the roles last seen per user."""

    id: int
    name: str
    owner_id: int
    everyone_permissions: int
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    bot_roles: list[int] = field(default_factory=list)
    member_roles: dict[int, list[int]] = field(default_factory=dict)

    def role_ids_of(self, user_id: int, bot_user_id: int) -> list[int]:
        if user_id == bot_user_id:
            return list(self.bot_roles)
        return list(self.member_roles.get(user_id, []))

    def base_permissions(
        self,
        user_id: int,
        role_ids: Iterable[int],
        explicit: int | None = None,
        extra_roles: Mapping[int, FakeRole] | None = None,
    ) -> int:
        """Guild-level permissions: @everyone's OR what the roles grant. ``explicit`` replaces what the roles
        grant (a test's ``member_permissions``); ``extra_roles`` are roles the guild does not have yet."""
        if explicit is not None:
            granted = [int(explicit)]
        else:
            known = {**(extra_roles or {}), **self.roles}
            granted = [known[r].permissions for r in role_ids if r in known]
        return base_permissions(
            everyone=self.everyone_permissions, role_permissions=granted, is_owner=user_id == self.owner_id
        )

    def permissions_in(
        self,
        channel: FakeChannel,
        user_id: int,
        role_ids: Sequence[int],
        explicit: int | None = None,
        extra_roles: Mapping[int, FakeRole] | None = None,
    ) -> int:
        """A member's permissions in ``channel`` (see :mod:`tests.fake_discord.permissions`)."""
        return channel_permissions(
            base=self.base_permissions(user_id, role_ids, explicit, extra_roles),
            guild_id=self.id,
            overwrites=channel.overwrites,
            role_ids=role_ids,
            member_id=user_id,
            text=channel.type in TEXT_CHANNEL_TYPES,
        )

    def bot_permissions(self, channel: FakeChannel, bot_user_id: int) -> int:
        return self.permissions_in(channel, bot_user_id, self.bot_roles)

    def guild_create(self, bot_user: FakeUser) -> dict[str, Any]:
        return guild_create_payload(
            guild_id=self.id,
            name=self.name,
            owner_id=self.owner_id,
            bot_user=bot_user,
            channels=[c.payload() for c in self.channels.values()],
            roles=list(self.roles.values()),
            everyone_permissions=self.everyone_permissions,
            bot_roles=self.bot_roles,
        )
