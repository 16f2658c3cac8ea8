"""A fake Discord (REST + gateway) on 127.0.0.1 that the real, unmodified discord.py client logs into.

Mocks of ``discord.Interaction`` are blind to payload shapes, command registration and Discord's limits.
This fake serves the handful of REST routes and gateway opcodes discord.py 2.7.x uses, builds complete
``INTERACTION_CREATE`` payloads from the commands the bot actually synced, records everything the bot sends
back, and checks it against Discord's documented limits (``tests.fake_discord.limits``).

Usage (inside an async test; see ``tests/e2e/test_fake_discord.py`` for a complete bot)::

    from bot.discord_endpoints import apply_discord_endpoints, reset_discord_endpoints
    from tests.fake_discord import FakeDiscord, FakeUser

    alice = FakeUser(id=4242, username="alice")
    async with FakeDiscord(guild_ids=[GUILD_ID]) as fd:
        apply_discord_endpoints(fd.api_base, fd.gateway_url)
        task = asyncio.create_task(bot.start(fd.token))
        await fd.wait_ready(10)
        await fd.wait_synced(guild_id=GUILD_ID)          # if the bot syncs after connecting
        ix = await fd.slash(alice, "server status", options={"server": "abcd1234"})
        message = await ix.wait_final(5)
        click = await fd.click(alice, ix.last_message, "restart")
        await click.wait_final(5)
        fd.assert_clean()                                # no limit violations, no unhandled routes
        await bot.close(); await task
        reset_discord_endpoints()

    # or let the fake drive the bot's lifetime (applies and resets the endpoints itself):
    async with FakeDiscord(guild_ids=[GUILD_ID]) as fd, fd.running(bot):
        ...

Notes:
* Responses are JSON with ``Content-Type: application/json`` exactly (discord.py parses nothing else).
* A request the fake does not know gets a 404 and lands in ``fd.unhandled``.
* By default a payload that breaks a limit is answered like Discord would (400 / 404), so the bot sees
  the same error it would in production; ``reject_violations=False`` accepts it and only records it.
* The first followup after a type 5 defer *replaces* the "thinking" message and keeps the defer's
  ephemerality, as on Discord; asking for ``ephemeral=True`` there after a public defer is a violation.
* discord.py fires ``on_ready`` ``guild_ready_timeout`` (default 2 s) after the last GUILD_CREATE;
  interactions are served before that. Pass ``guild_ready_timeout=0.1`` to the bot to speed tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import limits
from ._lookup import check_can_use, find_command, find_component, modal_submit_components, wrap_options
from .payloads import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    FakeRole,
    FakeUser,
    SnowflakeFactory,
    bot_token,
    channel_payload,
    dm_channel_payload,
    guild_create_payload,
    iso_now,
    member_payload,
    role_payload,
    user_payload,
)
from .records import (
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    InteractionRecord,
    MessageStore,
    Notifier,
    RecordedFrame,
    RecordedRequest,
    iter_strings,
)

if TYPE_CHECKING:
    import discord

__all__ = ["FakeDiscord"]

API_PREFIX = "/api/v10"
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
TOKEN_LIFETIME_S = 15 * 60
_SELECT_TYPES = {3, 5, 6, 7, 8}
# interaction type -> callback types Discord accepts as the initial response
_ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
_INTERACTION_KIND = {2: "slash command", 3: "component", 4: "autocomplete", 5: "modal submit"}

Json = Any
Handler = Callable[..., Awaitable[tuple[int, Json]]]


def _error(code: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def _json_response(status: int, payload: Json, headers: Mapping[str, str] | None = None) -> web.Response:
    # discord.py only parses bodies whose Content-Type is exactly "application/json" (no charset).
    if payload is None and status == 204:
        return web.Response(status=204, headers=headers)
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(payload).encode(), headers=hdrs)


@dataclass
class _Session:
    session_id: str
    seq: int = 0
    events: list[tuple[int, str]] = field(default_factory=list)
    resumable: bool = True
    shard: list[int] | None = None


@dataclass(eq=False)
class _Conn:
    ws: web.WebSocketResponse
    request: web.Request
    session: _Session | None = None


@dataclass
class _InjectedError:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    body: Json
    retry_after: float | None


class FakeDiscord:
    """Fake Discord REST API + gateway for end-to-end tests of a discord.py bot.

    Parameters:
        application_id: the application (and, by default, bot user) id.
        guild_ids: guilds the bot is in; each gets one text channel (``fd.channels[guild_id]``).
        bot_user_id: the bot user's id (defaults to ``application_id``, as on Discord).
        token: the bot token the fake accepts (REST ``Authorization: Bot ...`` and IDENTIFY); by default a fresh
            one shaped like a real bot token (:func:`~tests.fake_discord.payloads.bot_token`).
        roles: extra roles per guild (``{guild_id: [FakeRole(...)]}``); unknown role ids passed to
            :meth:`slash` are created on the fly (GUILD_ROLE_CREATE).
        response_deadline: seconds the bot has for the first interaction response (Discord: 3).
        reject_violations: answer limit-breaking requests with Discord's error instead of accepting them.
        callback_delay: seconds the fake waits before answering an interaction callback, to model the round
            trip to real Discord (the callback is recorded on arrival; only the answer is late).
    """

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
    ) -> None:
        self.application_id = application_id
        self.guild_ids = list(guild_ids)
        self.bot_user = FakeUser(id=bot_user_id or application_id, username=bot_username, bot=True)
        self.token = token or bot_token(self.bot_user.id)
        self.owner_id = owner_id
        self.response_deadline = response_deadline
        self.reject_violations = reject_violations
        self.callback_delay = callback_delay
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.host = host

        self.snowflake = SnowflakeFactory()
        self.channels: dict[int, int] = {gid: self.snowflake() for gid in self.guild_ids}
        self._channel_guild: dict[int, int] = {cid: gid for gid, cid in self.channels.items()}
        self._dm_channels: dict[int, int] = {}
        self.roles: dict[int, dict[int, FakeRole]] = {gid: {} for gid in self.guild_ids}
        for gid, role_list in (roles or {}).items():
            self.roles.setdefault(gid, {}).update({r.id: r for r in role_list})
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}

        # what the bot did
        self.requests: list[RecordedRequest] = []
        self.gateway_frames: list[RecordedFrame] = []
        self.unhandled: list[str] = []
        self.violations: list[str] = []
        self.interactions: list[InteractionRecord] = []
        self.command_syncs: list[tuple[int | None, list[dict[str, Any]]]] = []
        self.channel_messages: list[dict[str, Any]] = []
        self.identify_payload: dict[str, Any] | None = None
        self.identify_count = 0
        self.resume_count = 0
        self.store = MessageStore()

        self._ix_by_id: dict[int, InteractionRecord] = {}
        self._ix_by_token: dict[str, InteractionRecord] = {}
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        self._injected: list[_InjectedError] = []
        self._session: _Session | None = None
        self._conn: _Conn | None = None
        self._conns: list[_Conn] = []
        self._ready = False
        self._deadlines: dict[int, asyncio.TimerHandle] = {}
        self.notifier = Notifier()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes: list[tuple[str, str, Handler, bool]] = []
        self._setup_routes()

    # ================================================================== lifecycle

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway_handler)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest_handler)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        for deadline in self._deadlines.values():
            deadline.cancel()
        self._deadlines.clear()
        for conn in list(self._conns):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001)
        self._conn = None
        self._ready = False
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

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

    @contextlib.asynccontextmanager
    async def running(self, client: discord.Client, *, timeout: float = 10.0) -> AsyncIterator[discord.Client]:
        """Point discord.py at this fake, start ``client`` and wait for READY; close and reset on exit.

        If ``client.start`` fails (bad sync, login error...) its exception is raised here.
        """
        from bot.discord_endpoints import apply_discord_endpoints, reset_discord_endpoints

        apply_discord_endpoints(self.api_base, self.gateway_url)
        task = asyncio.create_task(client.start(self.token), name="fake-discord-bot")
        try:
            ready = asyncio.create_task(self.wait_ready(timeout))
            done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                ready.cancel()
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await ready
                task.result()
                raise RuntimeError("client.start() returned before the gateway was READY")
            await ready
            yield client
        finally:
            await client.close()
            if not task.done():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(task, 5)
            elif not task.cancelled():
                task.exception()  # retrieved (it was raised above if it mattered)
            reset_discord_endpoints()

    # ================================================================== waiting helpers

    def _notify(self) -> None:
        self.notifier.notify()

    async def _wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        await self.notifier.wait_until(predicate, timeout, lambda: f"{what}. {self.debug_summary()}")

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` is true, re-checked whenever the bot sends anything to the fake
        (e.g. ``await fd.wait_for(lambda: len(fd.channel_messages) == 2)``)."""
        await self._wait_until(predicate, timeout, "fd.wait_for predicate")

    def debug_summary(self) -> str:
        last = [str(r) for r in self.requests[-8:]]
        return (
            f"connected={self._conn is not None} ready={self._ready} identifies={self.identify_count} "
            f"resumes={self.resume_count} last requests={last} unhandled={self.unhandled} "
            f"violations={self.violations}"
        )

    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Wait until the bot is connected: IDENTIFY answered with READY + GUILD_CREATEs, or RESUMED."""
        await self._wait_until(lambda: self._ready, timeout, "the bot to IDENTIFY/RESUME")

    async def wait_synced(self, guild_id: int | None = None, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait for a command sync (PUT) of the global (``guild_id=None``) or a guild's commands."""
        scope = "global" if guild_id is None else f"guild {guild_id}"
        await self._wait_until(lambda: guild_id in self._commands, timeout, f"a {scope} command sync")
        return self.synced_commands(guild_id)

    def synced_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The last synced global (``guild_id=None``) or guild commands, as echoed (with ids)."""
        return copy.deepcopy(self._commands.get(guild_id, []))

    # ================================================================== assertions

    def _sweep_unanswered(self) -> None:
        """Interactions past the deadline without any callback: Discord shows "did not respond"."""
        now = time.monotonic()
        for ix in self.interactions:
            if not ix.callbacks and not ix._reported_unanswered and now - ix.created_at > self.response_deadline:
                ix._reported_unanswered = True
                self._violate(self._where(ix), [f"no response within {self.response_deadline:g}s"])

    def assert_no_violations(self) -> None:
        """Raise ``AssertionError`` listing every violation (including interactions never answered)."""
        self._sweep_unanswered()
        if self.violations:
            raise AssertionError("Discord limit violations:\n  " + "\n  ".join(self.violations))

    def assert_clean(self) -> None:
        """No violations and no request the fake did not understand."""
        self.assert_no_violations()
        if self.unhandled:
            raise AssertionError("requests the fake Discord does not serve:\n  " + "\n  ".join(self.unhandled))

    def pop_violations(self) -> list[str]:
        """Return and clear the recorded violations (for tests that provoke one on purpose)."""
        self._sweep_unanswered()
        out, self.violations = self.violations, []
        return out

    def find_in_payloads(self, text: str) -> list[RecordedRequest | RecordedFrame]:
        """Every recorded REST request or gateway frame sent by the bot that contains ``text``.

        Searches raw bodies, decoded JSON strings (so escaping does not hide a match), query strings and
        uploaded file text. The bot token in IDENTIFY/RESUME and the Authorization header are not recorded.
        """
        hits: list[RecordedRequest | RecordedFrame] = []
        for req in self.requests:
            haystack = [req.raw, req.path, *req.query.values(), *iter_strings(req.body)]
            haystack += [str(f.get("text", "")) for f in req.files]
            if any(text in h for h in haystack):
                hits.append(req)
        for frame in self.gateway_frames:
            if text in frame.raw or any(text in s for s in iter_strings(frame.data)):
                hits.append(frame)
        return hits

    def inject_error(
        self,
        method: str,
        path_regex: str,
        status: int = 429,
        *,
        times: int = 1,
        body: Json = None,
        retry_after: float | None = 0.05,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and ``path_regex`` (searched in the
        path after the API base) with ``status``. A 429 carries ``retry_after`` and the ``Via`` header
        discord.py needs to treat it as a rate limit (not a Cloudflare ban)."""
        self._injected.append(_InjectedError(method.upper(), re.compile(path_regex), status, times, body, retry_after))

    # ================================================================== gateway

    async def _gateway_handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        conn = _Conn(ws=ws, request=request)
        self._conns.append(conn)
        try:
            hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-discord"]}
            await self._send(conn, {"op": 10, "d": hello, "s": None, "t": None})
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_frame(conn, msg.data)
                elif msg.type == WSMsgType.BINARY:
                    await self._on_frame(conn, msg.data.decode("utf-8", "replace"))
                elif msg.type == WSMsgType.ERROR:
                    break
        except (ConnectionError, RuntimeError):
            pass
        finally:
            self._conns.remove(conn)
            if self._conn is conn:
                self._conn = None
                self._ready = False
                self._notify()
        return ws

    async def _send(self, conn: _Conn, frame: dict[str, Any]) -> None:
        await conn.ws.send_str(json.dumps(frame))

    async def _on_frame(self, conn: _Conn, raw: str) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            self.unhandled.append(f"gateway: non-JSON frame {raw[:80]!r}")
            return
        op = frame.get("op")
        data = frame.get("d")
        recorded = copy.deepcopy(data)
        redacted_raw = raw
        if op in (2, 6) and isinstance(recorded, dict) and "token" in recorded:
            redacted_raw = raw.replace(str(recorded["token"]), "<redacted>")
            recorded["token"] = "<redacted>"
        self.gateway_frames.append(RecordedFrame(op=op, data=recorded, raw=redacted_raw, at=time.monotonic()))

        if op == 1:  # HEARTBEAT
            await self._send(conn, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:  # IDENTIFY
            await self._identify(conn, data)
        elif op == 6:  # RESUME
            await self._resume(conn, data)
        elif op in (3, 4, 8):  # presence, voice state, request guild members: accepted, recorded
            pass
        else:
            self.unhandled.append(f"gateway: op {op}")

    async def _identify(self, conn: _Conn, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify_count += 1
        self.identify_payload = {k: v for k, v in data.items() if k != "token"}
        session = _Session(session_id=secrets.token_hex(16), shard=data.get("shard"))
        self._session = session
        conn.session = session
        self._conn = conn
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**user_payload(self.bot_user), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(gid), "unavailable": True} for gid in self.guild_ids],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["fake-discord"],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        await self._dispatch_on(conn, session, "READY", ready)
        for gid in self.guild_ids:
            await self._dispatch_on(conn, session, "GUILD_CREATE", self._guild_create(gid))
        self._ready = True
        self._notify()

    async def _resume(self, conn: _Conn, data: dict[str, Any]) -> None:
        session = self._session
        ok = (
            data.get("token") == self.token
            and session is not None
            and session.resumable
            and data.get("session_id") == session.session_id
        )
        if not ok or session is None:
            await self._send(conn, {"op": 9, "d": False, "s": None, "t": None})
            return
        self.resume_count += 1
        conn.session = session
        self._conn = conn
        last = int(data.get("seq") or 0)
        for seq, text in session.events:
            if seq > last:
                await conn.ws.send_str(text)
        await self._dispatch_on(conn, session, "RESUMED", {"_trace": ["fake-discord"]})
        self._ready = True
        self._notify()

    async def _dispatch_on(self, conn: _Conn | None, session: _Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        text = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data})
        session.events.append((session.seq, text))
        if conn is not None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await conn.ws.send_str(text)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway DISPATCH to the bot (buffered for replay if the bot is between connections)."""
        if self._session is None:
            raise RuntimeError(f"bot has not connected to the fake gateway yet. {self.debug_summary()}")
        await self._dispatch_on(self._conn, self._session, event, data)

    def drop_gateway(self, *, code: int | None = None, resumable: bool = True) -> None:
        """Cut the bot's gateway connection.

        ``code=None`` aborts the TCP connection (no close frame); otherwise a close frame with ``code`` is
        sent. discord.py then reconnects and RESUMEs (answered with missed events + RESUMED); with
        ``resumable=False`` the RESUME gets INVALID_SESSION and the bot must IDENTIFY again.
        ``await fd.wait_ready()`` afterwards waits for the new connection.
        """
        conn = self._conn
        if conn is None:
            raise RuntimeError("no gateway connection to drop")
        self._conn = None
        self._ready = False
        if not resumable and self._session is not None:
            self._session.resumable = False
        if code is None:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
            else:  # pragma: no cover - transport already detached
                asyncio.get_running_loop().create_task(conn.ws.close(code=4000))
        else:
            asyncio.get_running_loop().create_task(conn.ws.close(code=code))
        self._notify()

    def _guild_create(self, guild_id: int) -> dict[str, Any]:
        channel = channel_payload(self.channels[guild_id], guild_id, permissions=DEFAULT_BOT_PERMISSIONS)
        return guild_create_payload(
            guild_id=guild_id,
            name=f"Guild {guild_id}",
            owner_id=self.owner_id,
            bot_user=self.bot_user,
            channels=[channel],
            roles=list(self.roles.get(guild_id, {}).values()),
            everyone_permissions=DEFAULT_BOT_PERMISSIONS,
        )

    # ================================================================== REST plumbing

    def _setup_routes(self) -> None:
        app = r"(?P<app>\d+)"
        tok = r"(?P<token>[^/]+)"
        mid = r"(?P<mid>@original|\d+)"
        add = self._routes.append
        # (method, path regex, handler, needs bot auth)
        add(("GET", r"/users/@me", self._h_me, True))
        add(("GET", r"/oauth2/applications/@me", self._h_app_info, True))
        add(("GET", r"/applications/@me", self._h_app_info, True))
        add(("GET", r"/gateway", self._h_gateway, False))
        add(("GET", r"/gateway/bot", self._h_gateway_bot, True))
        add(("PUT", rf"/applications/{app}/commands", self._h_put_commands, True))
        add(("PUT", rf"/applications/{app}/guilds/(?P<guild>\d+)/commands", self._h_put_commands, True))
        add(("GET", rf"/applications/{app}/commands", self._h_get_commands, True))
        add(("GET", rf"/applications/{app}/guilds/(?P<guild>\d+)/commands", self._h_get_commands, True))
        add(("POST", rf"/applications/{app}/commands", self._h_post_command, True))
        add(("POST", rf"/applications/{app}/guilds/(?P<guild>\d+)/commands", self._h_post_command, True))
        add(("POST", rf"/interactions/(?P<iid>\d+)/{tok}/callback", self._h_callback, False))
        add(("POST", rf"/webhooks/{app}/{tok}", self._h_followup, False))
        add(("GET", rf"/webhooks/{app}/{tok}/messages/{mid}", self._h_webhook_get, False))
        add(("PATCH", rf"/webhooks/{app}/{tok}/messages/{mid}", self._h_webhook_edit, False))
        add(("DELETE", rf"/webhooks/{app}/{tok}/messages/{mid}", self._h_webhook_delete, False))
        add(("POST", r"/channels/(?P<cid>\d+)/messages", self._h_channel_post, True))
        add(("GET", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._h_channel_get_msg, True))
        add(("PATCH", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._h_channel_edit, True))
        add(("DELETE", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._h_channel_delete, True))
        add(("POST", r"/channels/(?P<cid>\d+)/typing", self._h_typing, True))
        add(("GET", r"/channels/(?P<cid>\d+)", self._h_channel_get, True))

    async def _read_body(self, request: web.Request) -> tuple[Json, str, list[dict[str, Any]]]:
        ctype = request.content_type
        if ctype.startswith("multipart/"):
            form = await request.post()
            files: list[dict[str, Any]] = []
            raw_parts: list[str] = []
            body: Json = None
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
                    files.append(
                        {
                            "field": name,
                            "filename": value.filename,
                            "size": len(content),
                            "content_type": value.content_type,
                            "text": text,
                        }
                    )
                    raw_parts.append(text)
                else:
                    text = str(value)
                    raw_parts.append(text)
                    if name == "payload_json":
                        body = json.loads(text)
            return body, "\n".join(raw_parts), files
        raw = await request.text()
        if not raw:
            return None, "", []
        try:
            return json.loads(raw), raw, []
        except ValueError:
            return None, raw, []

    async def _rest_handler(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, raw, files = await self._read_body(request)
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            body=body,
            raw=raw,
            at=time.monotonic(),
            files=files,
        )
        self.requests.append(rec)
        try:
            return self._answer(rec, *await self._route(request, rec))
        finally:
            self._notify()

    def _answer(self, rec: RecordedRequest, status: int, payload: Json) -> web.Response:
        rec.status = status
        headers: dict[str, str] = {}
        if status == 429:
            headers["Via"] = "1.1 google"
        return _json_response(status, payload, headers)

    async def _route(self, request: web.Request, rec: RecordedRequest) -> tuple[int, Json]:
        for inj in self._injected:
            if inj.times > 0 and inj.method == rec.method and inj.pattern.search(rec.path):
                inj.times -= 1
                if inj.status == 429:
                    retry = inj.retry_after or 0.05
                    payload = inj.body or {
                        "message": "You are being rate limited.",
                        "retry_after": retry,
                        "global": False,
                    }
                    return 429, payload
                return inj.status, inj.body or _error(0, f"{inj.status}: injected error")
        for method, pattern, handler, needs_auth in self._routes:
            match = re.fullmatch(pattern, rec.path)
            if match is None or method != rec.method:
                continue
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                return 401, _error(0, "401: Unauthorized")
            return await handler(rec, **match.groupdict())
        self.unhandled.append(f"{rec.method} {rec.path}")
        return 404, _error(0, "404: Not Found")

    def _violate(self, where: str, problems: Sequence[str]) -> None:
        self.violations.extend(f"[{where}] {p}" for p in problems)

    def _reject_for(self, problems: Sequence[str]) -> tuple[int, Json] | None:
        if problems and self.reject_violations:
            return 400, _error(50035, "Invalid Form Body", errors={"_errors": [{"message": p} for p in problems]})
        return None

    # ================================================================== login / app / gateway routes

    async def _h_me(self, rec: RecordedRequest) -> tuple[int, Json]:
        return 200, {**user_payload(self.bot_user), "verified": True, "mfa_enabled": False, "locale": "en-US"}

    async def _h_app_info(self, rec: RecordedRequest) -> tuple[int, Json]:
        owner = FakeUser(id=self.owner_id, username="owner")
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "description": "",
            "icon": None,
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user_payload(owner),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "rpc_origins": [],
            "redirect_uris": [],
            "tags": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guild_ids),
            "integration_types_config": {"0": {}},
            "bot": user_payload(self.bot_user),
        }

    async def _h_gateway(self, rec: RecordedRequest) -> tuple[int, Json]:
        return 200, {"url": self.gateway_url}

    async def _h_gateway_bot(self, rec: RecordedRequest) -> tuple[int, Json]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    # ================================================================== application commands

    def _echo_command(self, guild_id: int | None, cmd: Mapping[str, Any]) -> dict[str, Any]:
        ctype = int(cmd.get("type") or 1)
        key = (guild_id, ctype, str(cmd.get("name")))
        cid = self._command_ids.setdefault(key, self.snowflake())
        out: dict[str, Any] = {
            "id": str(cid),
            "application_id": str(self.application_id),
            "version": str(self.snowflake()),
            "type": ctype,
            "name": cmd.get("name"),
            "description": cmd.get("description", ""),
            "options": copy.deepcopy(cmd.get("options") or []),
            "default_member_permissions": cmd.get("default_member_permissions"),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types", [0]),
            "nsfw": cmd.get("nsfw", False),
            "name_localizations": cmd.get("name_localizations"),
            "description_localizations": cmd.get("description_localizations"),
        }
        if guild_id is not None:
            out["guild_id"] = str(guild_id)
        return out

    def _check_app(self, app: str) -> tuple[int, Json] | None:
        if int(app) != self.application_id:
            return 403, _error(50001, "Missing Access")
        return None

    async def _h_put_commands(self, rec: RecordedRequest, app: str, guild: str | None = None) -> tuple[int, Json]:
        if (err := self._check_app(app)) is not None:
            return err
        guild_id = int(guild) if guild is not None else None
        if not isinstance(rec.body, list):
            return 400, _error(50035, "Invalid Form Body")
        problems = limits.check_command_list(rec.body)
        self._violate("sync " + ("global" if guild_id is None else f"guild {guild_id}"), problems)
        if (rej := self._reject_for(problems)) is not None:
            return rej
        echoed = [self._echo_command(guild_id, c) for c in rec.body]
        self._commands[guild_id] = echoed
        self.command_syncs.append((guild_id, copy.deepcopy(echoed)))
        return 200, echoed

    async def _h_get_commands(self, rec: RecordedRequest, app: str, guild: str | None = None) -> tuple[int, Json]:
        if (err := self._check_app(app)) is not None:
            return err
        return 200, self._commands.get(int(guild) if guild is not None else None, [])

    async def _h_post_command(self, rec: RecordedRequest, app: str, guild: str | None = None) -> tuple[int, Json]:
        if (err := self._check_app(app)) is not None:
            return err
        guild_id = int(guild) if guild is not None else None
        if not isinstance(rec.body, dict):
            return 400, _error(50035, "Invalid Form Body")
        current = [c for c in self._commands.get(guild_id, []) if c["name"] != rec.body.get("name")]
        problems = limits.check_command_list([*current, rec.body])
        self._violate("create command", problems)
        if (rej := self._reject_for(problems)) is not None:
            return rej
        echoed = self._echo_command(guild_id, rec.body)
        self._commands[guild_id] = [*current, echoed]
        return 201, echoed

    # ================================================================== messages

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

    # ================================================================== interaction callbacks

    def _where(self, ix: InteractionRecord) -> str:
        return f"{_INTERACTION_KIND.get(ix.type, ix.type)} {ix.name!r} #{ix.id}"

    async def _h_callback(self, rec: RecordedRequest, iid: str, token: str) -> tuple[int, Json]:
        ix = self._ix_by_id.get(int(iid))
        if ix is None or ix.token != token:
            return 404, _error(10062, "Unknown interaction")
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
            return 400, _error(40060, "Interaction has already been acknowledged.")

        elapsed = rec.at - ix.created_at
        if elapsed > self.response_deadline:
            self._violate(where, [f"first response after {elapsed:.2f}s (> {self.response_deadline:g}s)"])
            if self.reject_violations:
                return 404, _error(10062, "Unknown interaction")

        problems: list[str] = []
        if cb_type not in _ALLOWED_CALLBACKS.get(ix.type, set()):
            if cb_type == 9:
                problems.append(f"modal is not a valid response to a {_INTERACTION_KIND.get(ix.type)}")
            else:
                problems.append(f"callback type {cb_type} is not valid for a {_INTERACTION_KIND.get(ix.type)}")
        elif cb_type in (6, 7) and ix.source_message_id is None:
            problems.append(f"callback type {cb_type} needs a message (modal was not opened from a component)")
        flags = int(data.get("flags") or 0)
        if cb_type == 5 and flags & ~FLAG_EPHEMERAL:
            problems.append(f"deferred response with flags {flags} (only EPHEMERAL=64 is allowed)")
        if cb_type == 4:
            problems += limits.check_message(data)
        elif cb_type == 7 and ix.source_message_id is not None:
            source = self.store.get(ix.source_message_id) or {}
            problems += limits.check_message(self._merged(source, data))
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
            self.store.add(message, guild_id=ix.guild_id, interaction_id=ix.id)
            ix.original_message_id = int(message["id"])
            ix.touch(ix.original_message_id)
            ix.mark_final(message)
        elif cb_type == 5:
            ix._defer_ephemeral = bool(flags & FLAG_EPHEMERAL)
            loading = FLAG_LOADING | (flags & FLAG_EPHEMERAL)
            message = self._new_message(channel_id=ix.channel_id, body={}, flags=loading, ix=ix)
            self.store.add(message, guild_id=ix.guild_id, interaction_id=ix.id)
            ix.original_message_id = int(message["id"])
            ix.touch(ix.original_message_id)
        elif cb_type in (6, 7) and ix.source_message_id is not None:
            ix.original_message_id = ix.source_message_id
            if cb_type == 7:
                message = self.store.update(ix.source_message_id, data)
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
            return None, (404, _error(10015, "Unknown Webhook"))
        if time.monotonic() - ix.created_at > TOKEN_LIFETIME_S:
            self._violate(self._where(ix), ["interaction token used after 15 minutes"])
            return None, (401, _error(50027, "Invalid Webhook Token"))
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
            return 404, _error(10015, "Unknown Webhook")
        problems = limits.check_message(body)
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
            message = self.store.update(ix.original_message_id, {**body, "flags": None})
            if rec.files:
                message["attachments"] = self._attachments(rec.files)
            mid = ix.original_message_id
        else:
            keep = flags & (FLAG_EPHEMERAL | (1 << 2) | (1 << 12) | limits.FLAG_IS_COMPONENTS_V2)
            message = self._new_message(channel_id=ix.channel_id, body=body, flags=keep, ix=ix, files=rec.files)
            self.store.add(message, guild_id=ix.guild_id, interaction_id=ix.id)
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
            return 404, _error(10008, "Unknown Message")
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
                return 404, _error(10008, "Unknown Message")
            problems = limits.check_message(self._merged(message, body))
            self._violate(where, problems)
            if (rej := self._reject_for(problems)) is not None:
                return rej
            message = self.store.update(message_id, body)
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
        if message_id is None or self.store.messages.pop(message_id, None) is None:
            return 404, _error(10008, "Unknown Message")
        ix.notify()
        return 204, None

    # ================================================================== channel messages

    def _channel_guild_id(self, cid: str) -> tuple[bool, int | None]:
        channel_id = int(cid)
        if channel_id in self._channel_guild:
            return True, self._channel_guild[channel_id]
        return channel_id in self._dm_channels.values(), None

    async def _h_channel_get(self, rec: RecordedRequest, cid: str) -> tuple[int, Json]:
        known, guild_id = self._channel_guild_id(cid)
        if not known:
            return 404, _error(10003, "Unknown Channel")
        if guild_id is None:
            user_id = next(u for u, c in self._dm_channels.items() if c == int(cid))
            return 200, dm_channel_payload(int(cid), self.users[user_id])
        return 200, channel_payload(int(cid), guild_id, permissions=DEFAULT_BOT_PERMISSIONS)

    async def _h_typing(self, rec: RecordedRequest, cid: str) -> tuple[int, Json]:
        return 204, None

    async def _h_channel_post(self, rec: RecordedRequest, cid: str) -> tuple[int, Json]:
        known, guild_id = self._channel_guild_id(cid)
        if not known:
            return 404, _error(10003, "Unknown Channel")
        body = rec.body if isinstance(rec.body, dict) else {}
        problems = limits.check_message(body)
        self._violate(f"POST /channels/{cid}/messages", problems)
        if (rej := self._reject_for(problems)) is not None:
            return rej
        flags = int(body.get("flags") or 0) & ((1 << 2) | (1 << 12) | limits.FLAG_IS_COMPONENTS_V2)
        message = self._new_message(channel_id=int(cid), body=body, flags=flags, ix=None, files=rec.files)
        self.store.add(message, guild_id=guild_id, interaction_id=None)
        self.channel_messages.append(message)
        return 200, message

    async def _h_channel_get_msg(self, rec: RecordedRequest, cid: str, mid: str) -> tuple[int, Json]:
        message = self.store.get(int(mid))
        if message is None or message["channel_id"] != cid:
            return 404, _error(10008, "Unknown Message")
        return 200, message

    async def _h_channel_edit(self, rec: RecordedRequest, cid: str, mid: str) -> tuple[int, Json]:
        message = self.store.get(int(mid))
        if message is None or message["channel_id"] != cid:
            return 404, _error(10008, "Unknown Message")
        body = rec.body if isinstance(rec.body, dict) else {}
        problems = limits.check_message(self._merged(message, body))
        self._violate(f"PATCH /channels/{cid}/messages/{mid}", problems)
        if (rej := self._reject_for(problems)) is not None:
            return rej
        message = self.store.update(int(mid), body)
        message["attachments"] = [*message.get("attachments", []), *self._attachments(rec.files)]
        return 200, message

    async def _h_channel_delete(self, rec: RecordedRequest, cid: str, mid: str) -> tuple[int, Json]:
        message = self.store.get(int(mid))
        if message is None or message["channel_id"] != cid:
            return 404, _error(10008, "Unknown Message")
        del self.store.messages[int(mid)]
        return 204, None

    # ================================================================== building interactions

    def channel_for(self, guild_id: int | None = None) -> int:
        """The text channel of ``guild_id`` (default: the first guild)."""
        return self.channels[guild_id if guild_id is not None else self.guild_ids[0]]

    def _ensure_user(self, user: FakeUser) -> None:
        self.users[user.id] = user

    def _convert_option(
        self,
        definition: Mapping[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        guild_id: int | None,
        *,
        validate: bool,
    ) -> Any:
        otype = int(definition["type"])
        name = definition.get("name")
        if otype == 3:
            out: Any = str(value)
            if validate:
                n = len(out)
                if "min_length" in definition and n < int(definition["min_length"]):
                    raise ValueError(f"option {name!r}: {n} chars < min_length {definition['min_length']}")
                if "max_length" in definition and n > int(definition["max_length"]):
                    raise ValueError(f"option {name!r}: {n} chars > max_length {definition['max_length']}")
        elif otype == 4:
            out = int(value)
        elif otype == 5:
            out = bool(value)
        elif otype == 10:
            out = float(value)
        elif otype in (6, 7, 8, 9, 11):
            return self._resolve_snowflake_option(otype, value, resolved, guild_id)
        else:
            out = value
        if validate and otype in (4, 10):
            if definition.get("min_value") is not None and out < definition["min_value"]:
                raise ValueError(f"option {name!r}: {out} < min_value {definition['min_value']}")
            if definition.get("max_value") is not None and out > definition["max_value"]:
                raise ValueError(f"option {name!r}: {out} > max_value {definition['max_value']}")
        choices = definition.get("choices")
        if validate and choices and out not in [c.get("value") for c in choices]:
            raise ValueError(f"option {name!r}: {out!r} is not one of the choices {[c.get('value') for c in choices]}")
        return out

    def _resolve_snowflake_option(
        self, otype: int, value: Any, resolved: dict[str, dict[str, Any]], guild_id: int | None
    ) -> str:
        if otype == 11:
            att = value if isinstance(value, Mapping) else {"filename": str(value)}
            aid = self.snowflake()
            url = f"http://{self.host}:{self.port}/attachments/{aid}/{att.get('filename', 'file')}"
            resolved.setdefault("attachments", {})[str(aid)] = {
                "id": str(aid),
                "filename": att.get("filename", "file"),
                "size": int(att.get("size", 0)),
                "url": url,
                "proxy_url": url,
                "content_type": att.get("content_type"),
            }
            return str(aid)
        is_role = isinstance(value, FakeRole) or (
            otype in (8, 9)
            and not isinstance(value, FakeUser)
            and guild_id is not None
            and int(value) in self.roles.get(guild_id, {})
        )
        if otype == 8 or (otype == 9 and is_role):
            role = value if isinstance(value, FakeRole) else None
            if role is None and guild_id is not None:
                role = self.roles.get(guild_id, {}).get(int(value))
            role = role or FakeRole(id=int(value), name=f"role-{value}")
            resolved.setdefault("roles", {})[str(role.id)] = role_payload(role)
            return str(role.id)
        if otype == 7:
            cid = int(value)
            gid = self._channel_guild.get(cid, guild_id)
            resolved.setdefault("channels", {})[str(cid)] = {
                "id": str(cid),
                "name": "general",
                "type": 0,
                "permissions": str(DEFAULT_BOT_PERMISSIONS),
                "guild_id": str(gid) if gid is not None else None,
                "parent_id": None,
                "nsfw": False,
                "position": 0,
                "flags": 0,
                "rate_limit_per_user": 0,
                "last_message_id": None,
                "topic": None,
            }
            return str(cid)
        user = value if isinstance(value, FakeUser) else self.users.get(int(value))
        user = user or FakeUser(id=int(value), username=f"user{value}")
        self._ensure_user(user)
        resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
        if guild_id is not None:
            member = member_payload(user, permissions=DEFAULT_MEMBER_PERMISSIONS)
            member.pop("user")
            resolved.setdefault("members", {})[str(user.id)] = member
        return str(user.id)

    def _build_options(
        self,
        path: str,
        leaf: Mapping[str, Any],
        options: Mapping[str, Any],
        resolved: dict[str, dict[str, Any]],
        guild_id: int | None,
        focused: str | None,
    ) -> list[dict[str, Any]]:
        definitions = {o["name"]: o for o in leaf.get("options") or []}
        unknown = set(options) - set(definitions)
        if unknown:
            raise ValueError(f"/{path} has no option(s) {sorted(unknown)} (has {list(definitions)})")
        if focused is not None and focused not in definitions:
            raise ValueError(f"/{path} has no option {focused!r} to focus")
        out: list[dict[str, Any]] = []
        for name, definition in definitions.items():
            if name == focused:
                if not definition.get("autocomplete"):
                    raise ValueError(f"/{path} option {name!r} has no autocomplete")
                out.append(
                    {"name": name, "type": definition["type"], "value": str(options.get(name, "")), "focused": True}
                )
                continue
            if name not in options:
                if definition.get("required") and focused is None:
                    raise ValueError(f"/{path} is missing required option {name!r}")
                continue
            value = self._convert_option(definition, options[name], resolved, guild_id, validate=focused is None)
            out.append({"name": name, "type": definition["type"], "value": value})
        return out

    async def _ensure_roles(self, guild_id: int, roles: Sequence[int | FakeRole]) -> list[int]:
        ids = []
        known = self.roles.setdefault(guild_id, {})
        for r in roles:
            role = r if isinstance(r, FakeRole) else known.get(int(r)) or FakeRole(id=int(r), name=f"role-{r}")
            ids.append(role.id)
            if role.id not in known:
                known[role.id] = role
                if self._session is not None:
                    await self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role_payload(role)})
        return ids

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
            if channel_id is None:
                channel_id = self.channels.get(gid) or self.snowflake()
            self._channel_guild.setdefault(channel_id, gid)
            perms = DEFAULT_MEMBER_PERMISSIONS if member_permissions is None else int(member_permissions)
            role_ids = (
                await self._ensure_roles(gid, roles)
                if gid in self.guild_ids
                else [r.id if isinstance(r, FakeRole) else int(r) for r in roles]
            )
            payload.update(
                {
                    "guild_id": str(gid),
                    "guild": {"id": str(gid), "locale": "en-US", "features": []},
                    "guild_locale": "en-US",
                    "channel_id": str(channel_id),
                    "channel": channel_payload(channel_id, gid, permissions=perms),
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
        perms = DEFAULT_MEMBER_PERMISSIONS if member_permissions is None else int(member_permissions)
        if check_permissions:
            check_can_use(cmd, path, dm, perms)
        resolved: dict[str, dict[str, Any]] = {}
        leaf_options = self._build_options(path, leaf, options or {}, resolved, gid, focused)
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

    # ================================================================== public interaction API

    async def slash(
        self,
        user: FakeUser,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        member_permissions: int | None = None,
        roles: Sequence[int | FakeRole] = (),
        dm: bool = False,
        check_permissions: bool = True,
    ) -> InteractionRecord:
        """Invoke ``/command`` (e.g. ``"server status"``) as ``user`` and return the interaction record.

        The command is looked up in the synced commands (guild commands first, then global); options are
        converted to their declared types and validated like the Discord client would (required options,
        choices, min/max) — a mistake in the test raises ``ValueError``/``LookupError`` here. Values for
        user/role/channel options may be ``FakeUser``/``FakeRole``/ids; attachments a filename or dict.
        ``member_permissions`` defaults to an ordinary member's; commands whose
        ``default_member_permissions`` the member lacks raise ``PermissionError`` unless
        ``check_permissions=False``. Returns immediately after the dispatch; await ``ix.wait_final()``.
        """
        return await self._command_interaction(
            2,
            user,
            command,
            options,
            focused=None,
            guild_id=guild_id,
            channel_id=channel_id,
            member_permissions=member_permissions,
            roles=roles,
            dm=dm,
            check_permissions=check_permissions,
        )

    async def autocomplete(
        self,
        user: FakeUser,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        focused: str,
        timeout: float = 3.0,
        guild_id: int | None = None,
        channel_id: int | None = None,
        member_permissions: int | None = None,
        roles: Sequence[int | FakeRole] = (),
        dm: bool = False,
    ) -> list[dict[str, Any]]:
        """Send an autocomplete interaction (type 4) with ``focused`` being typed; return the choices.

        The value typed so far is ``options[focused]`` (default ``""``). The choices are returned even if
        the fake rejected them for breaking a limit (the violation is recorded).
        """
        ix = await self._command_interaction(
            4,
            user,
            command,
            options,
            focused=focused,
            guild_id=guild_id,
            channel_id=channel_id,
            member_permissions=member_permissions,
            roles=roles,
            dm=dm,
            check_permissions=True,
        )
        await ix.wait_for(lambda r: r.choices is not None, timeout)
        return list(ix.choices or [])

    async def click(
        self,
        user: FakeUser,
        message: Mapping[str, Any] | int | str,
        custom_id: str,
        *,
        values: Sequence[str] | None = None,
        member_permissions: int | None = None,
        roles: Sequence[int | FakeRole] = (),
    ) -> InteractionRecord:
        """Press the button (or choose ``values`` in the select menu) ``custom_id`` on a recorded message.

        ``message`` is a message dict (``ix.last_message``, ``ix.messages[i]``, ``fd.channel_messages[i]``)
        or its id; the fake uses the message's *current* state. Clicking a disabled component, or someone
        else's ephemeral message, raises.
        """
        mid = int(message["id"] if isinstance(message, Mapping) else message)
        current = self.store.get(mid)
        meta = self.store.meta.get(mid)
        if current is None or meta is None:
            raise LookupError(f"message {mid} is unknown to the fake (or was deleted)")
        if int(current.get("flags") or 0) & FLAG_EPHEMERAL and meta.interaction_id is not None:
            owner = self._ix_by_id[meta.interaction_id].user
            if owner.id != user.id:
                raise PermissionError(f"message {mid} is ephemeral to {owner.username}; {user.username} cannot see it")
        comp = find_component(current, custom_id)
        if comp.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        ctype = int(comp["type"])
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if ctype in _SELECT_TYPES:
            chosen = list(values or [])
            lo, hi = int(comp.get("min_values", 1)), int(comp.get("max_values", 1))
            if not lo <= len(chosen) <= hi:
                raise ValueError(f"select {custom_id!r} takes {lo}-{hi} values, got {len(chosen)}")
            if ctype == 3:
                allowed = [o.get("value") for o in comp.get("options") or []]
                bad = [v for v in chosen if v not in allowed]
                if bad:
                    raise ValueError(f"select {custom_id!r} has no option(s) {bad} (has {allowed})")
            data["values"] = chosen
        elif values is not None:
            raise ValueError(f"component {custom_id!r} is a button; values are for select menus")
        return await self._new_interaction(
            itype=3,
            name=custom_id,
            user=user,
            data=data,
            guild_id=meta.guild_id,
            channel_id=meta.channel_id,
            dm=meta.guild_id is None and meta.channel_id in self._dm_channels.values(),
            member_permissions=member_permissions,
            roles=roles,
            message=current,
        )

    async def submit_modal(
        self,
        user: FakeUser,
        modal_custom_id: str,
        values: Mapping[str, Any],
        *,
        origin: InteractionRecord | None = None,
        member_permissions: int | None = None,
        roles: Sequence[int | FakeRole] = (),
    ) -> InteractionRecord:
        """Submit the modal the bot opened (type 9 response to ``origin``) with ``{field_custom_id: value}``.

        Without ``origin`` the most recent interaction that opened a modal with that custom_id is used.
        Text inputs are validated like the client does (required, min/max length).
        """
        if origin is None:
            origin = next(
                (ix for ix in reversed(self.interactions) if ix.modal and ix.modal.get("custom_id") == modal_custom_id),
                None,
            )
            if origin is None:
                raise LookupError(f"no interaction opened a modal {modal_custom_id!r}")
        if origin.modal is None:
            raise LookupError(f"{self._where(origin)} did not answer with a modal")
        if origin.modal.get("custom_id") != modal_custom_id:
            raise LookupError(f"the modal opened by {self._where(origin)} is {origin.modal.get('custom_id')!r}")
        used: set[str] = set()
        components = modal_submit_components(origin.modal.get("components") or [], values, used)
        unknown = set(values) - used
        if unknown:
            raise ValueError(f"modal {modal_custom_id!r} has no field(s) {sorted(unknown)} (has {sorted(used)})")
        message = self.store.get(origin.source_message_id) if origin.source_message_id is not None else None
        origin_meta = self._interaction_metadata(origin)
        return await self._new_interaction(
            itype=5,
            name=modal_custom_id,
            user=user,
            data={"custom_id": modal_custom_id, "components": components},
            guild_id=origin.guild_id,
            channel_id=origin.channel_id,
            dm=origin.guild_id is None,
            member_permissions=member_permissions,
            roles=roles,
            message=message,
            extra={"_origin_metadata": origin_meta},
        )
