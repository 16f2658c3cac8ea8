"""The fake's gateway: HELLO, IDENTIFY (READY + GUILD_CREATE), RESUME with replay, heartbeats, dispatches.

Events the fake raises on its own (CHANNEL_*, GUILD_ROLE_*, MESSAGE_DELETE, ...) go through
:meth:`GatewayMixin._dispatch_event`, which honours the intents the bot IDENTIFYed with, as Discord does (the
bot's own GUILD_MEMBER_UPDATE always passes) and records each in ``fd.dispatches``. ``fd.dispatch(event, data)``
stays the raw way to send anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import secrets
import time
from typing import Any

from aiohttp import WSMsgType, web

from .payloads import user_payload
from .records import RecordedDispatch, RecordedFrame
from .state import Conn, FakeState, Session

__all__ = ["INTENT_GUILDS", "INTENT_GUILD_MEMBERS", "INTENT_GUILD_MESSAGES", "GatewayMixin"]

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12


class GatewayMixin(FakeState):
    """The websocket side of the fake."""

    async def _gateway_handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        conn = Conn(ws=ws, request=request)
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

    async def _send(self, conn: Conn, frame: dict[str, Any]) -> None:
        await conn.ws.send_str(json.dumps(frame))

    async def _on_frame(self, conn: Conn, raw: str) -> None:
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

    async def _identify(self, conn: Conn, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify_count += 1
        self.identify_payload = {k: v for k, v in data.items() if k != "token"}
        intents = data.get("intents")
        self.identify_intents = int(intents) if isinstance(intents, int) else None
        session = Session(session_id=secrets.token_hex(16), shard=data.get("shard"))
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

    def _guild_create(self, guild_id: int) -> dict[str, Any]:
        return self.guilds[guild_id].guild_create(self.bot_user)

    async def _resume(self, conn: Conn, data: dict[str, Any]) -> None:
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

    async def _dispatch_on(self, conn: Conn | None, session: Session, event: str, data: dict[str, Any]) -> None:
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

    async def _dispatch_event(self, event: str, data: dict[str, Any], intent: int | None) -> RecordedDispatch:
        """Send ``event`` if the bot subscribed to ``intent`` (None: always); record it either way.

        Before the bot's first IDENTIFY nothing is sent (GUILD_CREATE will carry the state).
        """
        wanted = intent is None or (self.identify_intents is not None and bool(self.identify_intents & intent))
        delivered = wanted and self._session is not None
        record = RecordedDispatch(event, copy.deepcopy(data), time.monotonic(), delivered, intent)
        self.dispatches.append(record)
        if delivered:
            await self.dispatch(event, data)
        self._notify()
        return record

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
