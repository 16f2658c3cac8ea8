"""The state every part of :class:`~tests.fake_discord.fake_discord.FakeDiscord` shares, and the helpers they all use.

``FakeState`` is the base of the mixins the fake is made of (gateway, REST routes by resource, interactions,
guild controls, waits); it holds no behaviour beyond recording, waking waiters and looking things up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from . import limits
from .guild_state import FakeChannel, GuildState
from .interaction_record import InteractionRecord
from .message_store import MessageStore
from .payloads import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    FakeRole,
    FakeUser,
    SnowflakeFactory,
    bot_token,
)
from .ratelimits import RateLimiter
from .records import Notifier, RecordedDispatch, RecordedFrame, RecordedRequest

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["API_PREFIX", "FakeState", "HasId", "Json", "Ref", "discord_error", "ref_id"]

Json = Any
API_PREFIX = "/api/v10"


class HasId(Protocol):
    """Anything with an ``id``: a discord.py ``Message``/``TextChannel``/``Object``, a ``FakeChannel``..."""

    @property
    def id(self) -> int: ...


Ref = HasId | Mapping[str, Any] | int | str
"""A message or channel: an object with ``id``, a payload dict with ``"id"``, or the id."""


def ref_id(ref: Ref) -> int:
    if isinstance(ref, Mapping):
        return int(ref["id"])
    if isinstance(ref, int | str):
        return int(ref)
    return int(ref.id)


def discord_error(code: int, message: str, **extra: Any) -> dict[str, Any]:
    """Discord's JSON error body."""
    return {"code": code, "message": message, **extra}


@dataclass
class Session:
    session_id: str
    seq: int = 0
    events: list[tuple[int, str]] = field(default_factory=list)
    resumable: bool = True
    shard: list[int] | None = None


@dataclass(eq=False)
class Conn:
    ws: web.WebSocketResponse
    request: web.Request
    session: Session | None = None


class FakeState:
    """Shared state (see :class:`~tests.fake_discord.fake_discord.FakeDiscord` for the parameters)."""

    def __init__(
        self,
        *,
        application_id: int = 900000000000000001,
        guild_ids: Sequence[int] = (910000000000000001,),
        bot_user_id: int | None = None,
        token: str | None = None,
        bot_username: str = "FakeBot",
        owner_id: int = 920000000000000001,
        roles: Mapping[int, Sequence[FakeRole]] | None = None,
        response_deadline: float = limits.RESPONSE_DEADLINE_S,
        reject_violations: bool = True,
        heartbeat_interval_ms: int = 41250,
        host: str = "127.0.0.1",
        callback_delay: float = 0.0,
        require_allowed_mentions: bool = False,
    ) -> None:
        self.application_id = application_id
        self.guild_ids = list(guild_ids)
        self.bot_user = FakeUser(id=bot_user_id or application_id, username=bot_username, bot=True)
        self.token = token or bot_token(self.bot_user.id)
        self.owner_id = owner_id
        self.response_deadline = response_deadline
        self.reject_violations = reject_violations
        self.require_allowed_mentions = require_allowed_mentions
        self.callback_delay = callback_delay
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.host = host
        self._runner: web.AppRunner | None = None
        self._injected: list[Any] = []
        """Errors :meth:`~tests.fake_discord.rest.RestMixin.inject_error` queued."""

        self.snowflake = SnowflakeFactory()
        self.channels: dict[int, int] = {gid: self.snowflake() for gid in self.guild_ids}
        """The default text channel of each guild (``{guild_id: channel_id}``)."""
        self.roles: dict[int, dict[int, FakeRole]] = {gid: {} for gid in self.guild_ids}
        for gid, role_list in (roles or {}).items():
            self.roles.setdefault(gid, {}).update({r.id: r for r in role_list})
        self.guilds: dict[int, GuildState] = {}
        self._channels: dict[int, FakeChannel] = {}
        self._deleted_channels: set[int] = set()
        for gid in self.guild_ids:
            self._new_guild(gid)
        self._dm_channels: dict[int, int] = {}
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}

        # what the bot did, and what the fake did
        self.requests: list[RecordedRequest] = []
        self.gateway_frames: list[RecordedFrame] = []
        self.dispatches: list[RecordedDispatch] = []
        self.unhandled: list[str] = []
        self.violations: list[str] = []
        self.interactions: list[InteractionRecord] = []
        self.command_syncs: list[tuple[int | None, list[dict[str, Any]]]] = []
        self.channel_messages: list[dict[str, Any]] = []
        self.identify_payload: dict[str, Any] | None = None
        self.identify_intents: int | None = None
        self.identify_count = 0
        self.resume_count = 0
        self.store = MessageStore()
        self.rate_limiter = RateLimiter()

        self._ix_by_id: dict[int, InteractionRecord] = {}
        self._ix_by_token: dict[str, InteractionRecord] = {}
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        self._session: Session | None = None
        self._conn: Conn | None = None
        self._conns: list[Conn] = []
        self._ready = False
        self._deadlines: dict[int, asyncio.TimerHandle] = {}
        self.notifier = Notifier()
        self._port: int | None = None

    def _new_guild(self, guild_id: int) -> GuildState:
        bot_role = FakeRole(
            id=self.snowflake(),
            name=self.bot_user.username,
            permissions=DEFAULT_BOT_PERMISSIONS,
            managed=True,
            bot_id=self.bot_user.id,
        )
        roles = self.roles.setdefault(guild_id, {})
        roles[bot_role.id] = bot_role
        guild = GuildState(
            id=guild_id,
            name=f"Guild {guild_id}",
            owner_id=self.owner_id,
            everyone_permissions=DEFAULT_MEMBER_PERMISSIONS,
            roles=roles,
            bot_roles=[bot_role.id],
        )
        self.guilds[guild_id] = guild
        default = self.channels.get(guild_id) or self.snowflake()
        self.channels[guild_id] = default
        self._register_channel(FakeChannel(id=default, guild_id=guild_id))
        return guild

    def _register_channel(self, channel: FakeChannel) -> None:
        self.guilds[channel.guild_id].channels[channel.id] = channel
        self._channels[channel.id] = channel
        self._deleted_channels.discard(channel.id)

    # ------------------------------------------------------------------ lookups

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started (use `async with FakeDiscord(...) as fd`)")
        return self._port

    @property
    def api_base(self) -> str:
        """Value for ``DISCORD_API_BASE`` / ``discord.http.Route.BASE``."""
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Value for ``DISCORD_GATEWAY_URL`` / ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://{self.host}:{self.port}/gateway"

    def guild(self, guild_id: int | None = None) -> GuildState:
        """The guild's state (default: the first guild)."""
        gid = guild_id if guild_id is not None else self.guild_ids[0]
        try:
            return self.guilds[gid]
        except KeyError:
            raise LookupError(f"guild {gid} is not one of the fake's guilds {list(self.guilds)}") from None

    def get_channel(self, channel: Ref) -> FakeChannel | None:
        """The guild channel (``None`` if unknown or deleted)."""
        return self._channels.get(ref_id(channel))

    def _channel(self, channel: Ref) -> FakeChannel:
        found = self.get_channel(channel)
        if found is None:
            raise LookupError(f"channel {channel} is not a channel of the fake (deleted, or never added)")
        return found

    def bot_permissions(self, channel: Ref) -> int:
        """The bot's permissions in a guild channel, computed as Discord does (what the REST routes enforce)."""
        found = self._channel(channel)
        return self.guilds[found.guild_id].bot_permissions(found, self.bot_user.id)

    def channel_for(self, guild_id: int | None = None) -> int:
        """The default text channel of ``guild_id`` (default: the first guild)."""
        return self.channels[guild_id if guild_id is not None else self.guild_ids[0]]

    # ------------------------------------------------------------------ recording and waking

    def _notify(self) -> None:
        self.notifier.notify()

    async def _wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        await self.notifier.wait_until(predicate, timeout, lambda: f"{what}. {self.debug_summary()}")

    def debug_summary(self) -> str:
        last = [str(r) for r in self.requests[-8:]]
        return (
            f"connected={self._conn is not None} ready={self._ready} identifies={self.identify_count} "
            f"resumes={self.resume_count} last requests={last} unhandled={self.unhandled} "
            f"violations={self.violations}"
        )

    def _violate(self, where: str, problems: Sequence[str]) -> None:
        self.violations.extend(f"[{where}] {p}" for p in problems)

    def _reject_for(self, problems: Sequence[str]) -> tuple[int, Json] | None:
        if problems and self.reject_violations:
            errors = {"_errors": [{"message": p} for p in problems]}
            return 400, discord_error(50035, "Invalid Form Body", errors=errors)
        return None
