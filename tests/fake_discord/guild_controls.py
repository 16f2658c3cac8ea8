"""What a test does to the guild as its members and admins would, each change told to the bot as Discord tells it.

=====================================  ===================================================================
``await fd.add_channel(name)``          CHANNEL_CREATE; returns the :class:`FakeChannel`
``await fd.update_channel(ch, ...)``    CHANNEL_UPDATE (name, topic, position, parent)
``await fd.delete_channel(ch)``         CHANNEL_DELETE; its messages are gone (routes answer 10003)
``await fd.set_overwrite(ch, who, ..)`` CHANNEL_UPDATE with the overwrite for a role, @everyone or a member
``await fd.remove_overwrite(ch, who)``  CHANNEL_UPDATE
``await fd.add_role(role)``             GUILD_ROLE_CREATE
``await fd.update_role(role)``          GUILD_ROLE_UPDATE (same id, new name/permissions/mentionable)
``await fd.delete_role(role)``          GUILD_ROLE_DELETE; dropped from members, the bot and overwrites
``await fd.set_everyone_permissions``   GUILD_ROLE_UPDATE of @everyone
``await fd.set_bot_roles(roles)``       GUILD_MEMBER_UPDATE of the bot (always delivered, as on Discord)
``await fd.delete_message(m, by=u)``    MESSAGE_DELETE (only with the GUILD_MESSAGES intent, as on Discord)
=====================================  ===================================================================

Channel and role events need the GUILDS intent; an event the bot's intents exclude is recorded in
``fd.dispatches`` with ``delivered=False`` but not sent. Before the bot connects, changes only shape GUILD_CREATE.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .gateway import INTENT_GUILDS
from .guild_state import FakeChannel, GuildState
from .message_store import MessageLog
from .messages import MessageBuilder
from .payloads import FakeRole, FakeUser, member_payload, role_payload
from .permissions import FakeOverwrite
from .state import Ref, ref_id

__all__ = ["GuildControls", "Target"]

Target = FakeRole | FakeUser | int
"""Whom an overwrite is for: a role, a member, or an id (the guild's id is @everyone; a role id of the guild is
that role; any other id a member)."""
_UNSET: Any = object()


class GuildControls(MessageBuilder):
    """Changes to channels, roles, the bot member and messages, as members and admins make them."""

    # ------------------------------------------------------------------ channels

    async def add_channel(
        self,
        name: str = "alerts",
        *,
        guild_id: int | None = None,
        type: int = 0,
        topic: str | None = None,
        parent_id: int | None = None,
        position: int | None = None,
        overwrites: Iterable[FakeOverwrite] = (),
    ) -> FakeChannel:
        """Create a channel (a text channel by default) in the guild; CHANNEL_CREATE."""
        guild = self.guild(guild_id)
        channel = FakeChannel(
            id=self.snowflake(),
            guild_id=guild.id,
            name=name,
            type=type,
            position=len(guild.channels) if position is None else position,
            parent_id=parent_id,
            topic=topic,
            overwrites={o.id: o for o in overwrites},
        )
        self._register_channel(channel)
        await self._dispatch_event("CHANNEL_CREATE", channel.payload(), INTENT_GUILDS)
        return channel

    async def update_channel(
        self,
        channel: Ref,
        *,
        name: str | None = None,
        topic: str | None = _UNSET,
        position: int | None = None,
        parent_id: int | None = _UNSET,
    ) -> FakeChannel:
        """Change a channel's name, topic, position or category; CHANNEL_UPDATE."""
        found = self._channel(channel)
        if name is not None:
            found.name = name
        if topic is not _UNSET:
            found.topic = topic
        if position is not None:
            found.position = position
        if parent_id is not _UNSET:
            found.parent_id = parent_id
        await self._dispatch_event("CHANNEL_UPDATE", found.payload(), INTENT_GUILDS)
        return found

    async def delete_channel(self, channel: Ref) -> None:
        """Delete a channel; CHANNEL_DELETE. Its messages go with it (no MESSAGE_DELETE each, as on Discord)."""
        found = self._channel(channel)
        del self.guilds[found.guild_id].channels[found.id]
        del self._channels[found.id]
        self._deleted_channels.add(found.id)
        for mid, log in list(self.store.meta.items()):
            if log.channel_id == found.id and log.deleted_at is None:
                self.store.delete(mid, by=None)
        await self._dispatch_event("CHANNEL_DELETE", found.payload(), INTENT_GUILDS)

    def _overwrite_target(self, guild: GuildState, target: Target) -> tuple[int, int]:
        if isinstance(target, FakeRole):
            return target.id, 0
        if isinstance(target, FakeUser):
            return target.id, 1
        target_id = int(target)
        return target_id, 0 if target_id == guild.id or target_id in guild.roles else 1

    async def set_overwrite(self, channel: Ref, target: Target, *, allow: int = 0, deny: int = 0) -> FakeOverwrite:
        """Set (replace) the channel's overwrite for ``target``; CHANNEL_UPDATE.

        Example: ``await fd.set_overwrite(alerts, fd.bot_role(), deny=permissions.EMBED_LINKS)``.
        """
        found = self._channel(channel)
        target_id, kind = self._overwrite_target(self.guilds[found.guild_id], target)
        overwrite = FakeOverwrite(id=target_id, type=kind, allow=allow, deny=deny)
        found.overwrites[target_id] = overwrite
        await self._dispatch_event("CHANNEL_UPDATE", found.payload(), INTENT_GUILDS)
        return overwrite

    async def remove_overwrite(self, channel: Ref, target: Target) -> None:
        """Remove the channel's overwrite for ``target`` (if any); CHANNEL_UPDATE."""
        found = self._channel(channel)
        target_id, _ = self._overwrite_target(self.guilds[found.guild_id], target)
        found.overwrites.pop(target_id, None)
        await self._dispatch_event("CHANNEL_UPDATE", found.payload(), INTENT_GUILDS)

    # ------------------------------------------------------------------ roles and the bot member

    def bot_role(self, guild_id: int | None = None) -> FakeRole:
        """The managed role Discord gave the bot in the guild (it holds the bot's guild permissions)."""
        guild = self.guild(guild_id)
        for role in guild.roles.values():
            if role.bot_id == self.bot_user.id:
                return role
        raise LookupError(f"the bot has no managed role in guild {guild.id} (deleted?)")

    async def add_role(self, role: FakeRole, *, guild_id: int | None = None) -> FakeRole:
        """Add ``role`` to the guild; GUILD_ROLE_CREATE."""
        guild = self.guild(guild_id)
        if role.id in guild.roles or role.id == guild.id:
            raise ValueError(f"guild {guild.id} already has a role {role.id}")
        guild.roles[role.id] = role
        await self._dispatch_event(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role_payload(role)}, INTENT_GUILDS
        )
        return role

    async def update_role(self, role: FakeRole, *, guild_id: int | None = None) -> FakeRole:
        """Replace the role with the same id (new name, permissions, mentionable...); GUILD_ROLE_UPDATE."""
        guild = self.guild(guild_id)
        if role.id not in guild.roles:
            raise LookupError(f"guild {guild.id} has no role {role.id}")
        guild.roles[role.id] = role
        await self._dispatch_event(
            "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role_payload(role)}, INTENT_GUILDS
        )
        return role

    async def delete_role(self, role: FakeRole | int, *, guild_id: int | None = None) -> None:
        """Delete a role; GUILD_ROLE_DELETE. Members (and the bot) lose it; channel overwrites for it go too."""
        guild = self.guild(guild_id)
        role_id = role.id if isinstance(role, FakeRole) else int(role)
        if guild.roles.pop(role_id, None) is None:
            raise LookupError(f"guild {guild.id} has no role {role_id}")
        guild.bot_roles = [r for r in guild.bot_roles if r != role_id]
        for user_id, role_ids in guild.member_roles.items():
            guild.member_roles[user_id] = [r for r in role_ids if r != role_id]
        for channel in guild.channels.values():
            channel.overwrites.pop(role_id, None)
        data = {"guild_id": str(guild.id), "role_id": str(role_id)}
        await self._dispatch_event("GUILD_ROLE_DELETE", data, INTENT_GUILDS)

    async def set_everyone_permissions(self, permissions: int, *, guild_id: int | None = None) -> None:
        """Set @everyone's guild permissions; GUILD_ROLE_UPDATE."""
        guild = self.guild(guild_id)
        guild.everyone_permissions = int(permissions)
        everyone = FakeRole(id=guild.id, name="@everyone", permissions=guild.everyone_permissions, position=0)
        await self._dispatch_event(
            "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role_payload(everyone)}, INTENT_GUILDS
        )

    async def set_bot_roles(self, roles: Sequence[FakeRole | int], *, guild_id: int | None = None) -> None:
        """Give the bot member exactly these roles (include :meth:`bot_role` to keep it); GUILD_MEMBER_UPDATE."""
        guild = self.guild(guild_id)
        ids = [r.id if isinstance(r, FakeRole) else int(r) for r in roles]
        unknown = [r for r in ids if r not in guild.roles]
        if unknown:
            raise LookupError(f"guild {guild.id} has no role(s) {unknown} (fd.add_role first)")
        guild.bot_roles = ids
        data = {"guild_id": str(guild.id), **member_payload(self.bot_user, roles=ids)}
        await self._dispatch_event("GUILD_MEMBER_UPDATE", data, None)

    # ------------------------------------------------------------------ messages

    async def delete_message(self, message: Ref, *, by: FakeUser | None = None) -> MessageLog:
        """A member (``by``; default the guild owner) deletes a message of the bot; MESSAGE_DELETE.

        Later routes on it answer 404 Unknown Message; the log keeps ``deleted_at`` and ``deleted_by``.
        """
        mid = ref_id(message)
        log = self.store.meta.get(mid)
        if log is None or not self.store.delete(mid, by=by.id if by is not None else self.owner_id):
            raise LookupError(f"message {mid} is unknown to the fake or already deleted")
        await self._announce_delete(mid)
        return log
