"""Building and dispatching INTERACTION_CREATE payloads: the guild channel and member behind them, their computed
permissions (``member.permissions``, ``channel.permissions``, ``app_permissions``), roles created on the fly,
and the 3-second response deadline.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from ._lookup import check_can_use, find_command, wrap_options
from .gateway import INTENT_GUILDS
from .guild_state import FakeChannel
from .interaction_options import OptionBuilder
from .interaction_record import InteractionRecord
from .messages import MessageBuilder
from .payloads import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    FakeRole,
    FakeUser,
    channel_payload,
    dm_channel_payload,
    member_payload,
    role_payload,
    user_payload,
)

__all__ = ["InteractionBuilder"]

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class InteractionBuilder(OptionBuilder, MessageBuilder):
    """The payloads behind ``fd.slash`` and friends."""

    async def _ensure_roles(self, guild_id: int, roles: Sequence[int | FakeRole]) -> list[int]:
        """Role ids of ``roles``; roles the guild does not have yet are created (GUILD_ROLE_CREATE)."""
        ids = []
        known = self.roles.setdefault(guild_id, {})
        for r in roles:
            role = r if isinstance(r, FakeRole) else known.get(int(r)) or FakeRole(id=int(r), name=f"role-{r}")
            ids.append(role.id)
            if role.id not in known:
                known[role.id] = role
                data = {"guild_id": str(guild_id), "role": role_payload(role)}
                await self._dispatch_event("GUILD_ROLE_CREATE", data, INTENT_GUILDS)
        return ids

    def _interaction_channel(self, guild_id: int, channel_id: int | None) -> FakeChannel | None:
        """The guild channel an interaction comes from (default: the guild's first channel). An id the fake does
        not know becomes a text channel of the guild from now on (no CHANNEL_CREATE: the test named it)."""
        if guild_id not in self.guilds:
            return None
        cid = channel_id if channel_id is not None else self.channels[guild_id]
        channel = self.get_channel(cid)
        if channel is None:
            if cid in self._deleted_channels:
                raise LookupError(f"channel {cid} was deleted: nobody can use a command there")
            channel = FakeChannel(id=cid, guild_id=guild_id)
            self._register_channel(channel)
        elif channel.guild_id != guild_id:
            raise LookupError(f"channel {cid} belongs to guild {channel.guild_id}, not {guild_id}")
        return channel

    def _member_permissions(
        self,
        guild_id: int,
        channel: FakeChannel | None,
        user: FakeUser,
        roles: Sequence[int | FakeRole],
        explicit: int | None,
    ) -> int:
        """The member's permissions in ``channel`` (what ``member.permissions`` carries): @everyone's and what the
        roles grant (``explicit`` instead of the roles, if given), then the channel's overwrites. Without a
        modelled guild: ``explicit`` or an ordinary member's permissions."""
        if channel is None:
            return DEFAULT_MEMBER_PERMISSIONS if explicit is None else int(explicit)
        role_ids = [r.id if isinstance(r, FakeRole) else int(r) for r in roles]
        extra = {r.id: r for r in roles if isinstance(r, FakeRole)}
        return self.guilds[guild_id].permissions_in(channel, user.id, role_ids, explicit, extra)

    async def _new_interaction(
        self,
        *,
        itype: int,
        name: str,
        user: FakeUser,
        data: dict[str, Any],
        guild_id: int | None,
        channel_id: int | None,
        dm: bool,
        member_permissions: int | None,
        roles: Sequence[int | FakeRole],
        message: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> InteractionRecord:
        if self._session is None:
            raise RuntimeError(
                f"bot has not connected to the fake gateway yet (await fd.wait_ready()). {self.debug_summary()}"
            )
        self._ensure_user(user)
        iid = self.snowflake()
        token = f"fake-ix-token-{iid}-{secrets.token_hex(8)}"
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": user.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "app_permissions": str(DEFAULT_BOT_PERMISSIONS),
        }
        if dm:
            ch = self._dm_channels.setdefault(user.id, self.snowflake())
            channel_id = ch
            payload.update(
                {
                    "channel_id": str(ch),
                    "channel": dm_channel_payload(ch, user),
                    "user": user_payload(user),
                    "context": 1,
                    "authorizing_integration_owners": {"0": "0"},
                }
            )
            guild_id = None
        else:
            gid = guild_id if guild_id is not None else self.guild_ids[0]
            guild_id = gid
            channel = self._interaction_channel(gid, channel_id)
            if channel_id is None:
                channel_id = channel.id if channel is not None else self.snowflake()
            role_ids = (
                await self._ensure_roles(gid, roles)
                if gid in self.guild_ids
                else [r.id if isinstance(r, FakeRole) else int(r) for r in roles]
            )
            perms = self._member_permissions(gid, channel, user, roles, member_permissions)
            if channel is not None:
                self.guilds[gid].member_roles[user.id] = role_ids
                payload["app_permissions"] = str(self.bot_permissions(channel))
                channel_data = channel.payload(permissions=perms)
            else:
                channel_data = channel_payload(channel_id, gid, permissions=perms)
            payload.update(
                {
                    "guild_id": str(gid),
                    "guild": {"id": str(gid), "locale": "en-US", "features": []},
                    "guild_locale": "en-US",
                    "channel_id": str(channel_id),
                    "channel": channel_data,
                    "member": member_payload(user, roles=role_ids, permissions=perms),
                    "context": 0,
                    "authorizing_integration_owners": {"0": str(gid)},
                }
            )
        if message is not None:
            payload["message"] = copy.deepcopy(dict(message))
        if extra:
            payload.update(extra)
        record = InteractionRecord(
            id=iid,
            token=token,
            type=itype,
            name=name,
            user=user,
            guild_id=guild_id,
            channel_id=channel_id,
            payload=payload,
            created_at=time.monotonic(),
            source_message_id=int(message["id"]) if message is not None else None,
            _store=self.store,
            _notifier=self.notifier,
        )
        self.interactions.append(record)
        self._ix_by_id[iid] = record
        self._ix_by_token[token] = record
        wire = {k: v for k, v in payload.items() if not k.startswith("_")}
        record.created_at = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", wire)
        loop = asyncio.get_running_loop()
        self._deadlines[iid] = loop.call_later(self.response_deadline, self._deadline_passed, record)
        return record

    def _deadline_passed(self, ix: InteractionRecord) -> None:
        """Discord's response deadline for ``ix`` has passed: unanswered, it is a violation (waiters wake)."""
        self._deadlines.pop(ix.id, None)
        if not ix.callbacks and not ix._reported_unanswered:
            ix._reported_unanswered = True
            self._violate(self._where(ix), [f"no response within {self.response_deadline:g}s"])
            self._notify()

    async def _command_interaction(
        self,
        itype: int,
        user: FakeUser,
        path: str,
        options: Mapping[str, Any] | None,
        *,
        focused: str | None,
        guild_id: int | None,
        channel_id: int | None,
        member_permissions: int | None,
        roles: Sequence[int | FakeRole],
        dm: bool,
        check_permissions: bool,
    ) -> InteractionRecord:
        gid = None if dm else (guild_id if guild_id is not None else self.guild_ids[0])
        cmd, leaf, is_guild = find_command(self._commands, path, gid, dm)
        if gid is None:
            perms = DEFAULT_MEMBER_PERMISSIONS if member_permissions is None else int(member_permissions)
        else:
            channel = self._interaction_channel(gid, channel_id)
            perms = self._member_permissions(gid, channel, user, roles, member_permissions)
        if check_permissions:
            check_can_use(cmd, path, dm, perms)
        resolved: dict[str, dict[str, Any]] = {}
        role_ids = [r.id if isinstance(r, FakeRole) else int(r) for r in roles]
        extra = {r.id: r for r in roles if isinstance(r, FakeRole)}
        invoker = (user.id, role_ids, None if member_permissions is None else int(member_permissions), extra)
        leaf_options = self._build_options(path, leaf, options or {}, resolved, gid, focused, invoker)
        data: dict[str, Any] = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 1,
            "options": wrap_options(path, cmd, leaf_options),
        }
        if resolved:
            data["resolved"] = resolved
        if is_guild:
            data["guild_id"] = cmd["guild_id"]
        return await self._new_interaction(
            itype=itype,
            name=path,
            user=user,
            data=data,
            guild_id=gid,
            channel_id=channel_id,
            dm=dm,
            member_permissions=member_permissions,
            roles=roles,
        )
