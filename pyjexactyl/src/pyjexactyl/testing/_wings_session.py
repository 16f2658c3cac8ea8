"""One websocket connection to the fake Wings: what ``router/websocket/websocket.go`` does per socket."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from . import _wings_events as ev
from ._state import FakeServer
from ._wings_jwt import (
    ERR_DENYLIST,
    ERR_EXPIRED,
    ERR_NO_CONNECT,
    ERR_NO_JWT,
    ERR_UUID_MISMATCH,
    JwtFailure,
    WingsToken,
    verify_token,
)

if TYPE_CHECKING:
    from ._wings_hooks import WingsHooks

__all__ = ["WingsSession"]

_POWER_PERMISSIONS = {
    "start": "control.start",
    "stop": "control.stop",
    "kill": "control.stop",
    "restart": "control.restart",
}


@dataclass
class _Outgoing:
    data: str | bytes
    event: str | None
    args: list[str]
    due: float


@dataclass
class _Close:
    code: int | None  # None: abort the TCP connection without a close frame
    message: str
    due: float


class WingsSession:
    """A connected socket: its token, its writer queue and the handling of inbound events.

    Everything runs on the fake panel's event loop. Outgoing frames go through one queue so they keep
    their order and can be delayed (``FakeWings.delay_frames``) without blocking the sender.
    """

    def __init__(
        self,
        hub: WingsHooks,
        record: ev.WingsConnection,
        server: FakeServer,
        ws: web.WebSocketResponse,
        abort: Callable[[], None],
    ) -> None:
        self.hub = hub
        self.record = record
        self.server = server
        self.ws = ws
        self.token: WingsToken | None = None
        self.listening = False
        self._abort_transport = abort
        self.aborted = False
        #: the close code this side sent (``None`` when the client closed first or the socket was cut)
        self.sent_close: int | None = None
        self._queue: asyncio.Queue[_Outgoing | _Close] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write(), name=f"fake-wings-writer-{record.id}")
        self._expiry: asyncio.Task[None] | None = None
        self.closing = False

    # ---------------------------------------------------------------------------- token state
    def _denylisted(self, token: WingsToken) -> bool:
        return token.denylisted(self.hub.boot_time(self.server.node_id), self.hub.denied_jtis(self.server.node_id))

    def token_error(self) -> str | None:
        """``TokenValid``: why events cannot flow on this socket now, or ``None``."""
        token = self.token
        if token is None:
            return ERR_NO_JWT
        if token.expired():
            return ERR_EXPIRED
        if self._denylisted(token):
            return ERR_DENYLIST
        if not token.has_permission("websocket.connect", denylisted=False):
            return ERR_NO_CONNECT
        if token.server_uuid != self.server.uuid:
            return ERR_UUID_MISMATCH
        return None

    def can(self, permission: str) -> bool:
        """``HasPermission`` on the current token."""
        token = self.token
        return token is not None and token.has_permission(permission, denylisted=self._denylisted(token))

    # ---------------------------------------------------------------------------- output
    def send(self, event: str, args: list[str] | None = None) -> None:
        """``SendJson``: a ``jwt error`` instead while the token is invalid; permission-filtered events."""
        error = self.token_error()
        if error is not None:
            self.send_unsafe(ev.JWT_ERROR, [error])
            return
        if event == ev.INSTALL_OUTPUT and not self.can("admin.websocket.install"):
            return
        if event.startswith(ev.BACKUP_COMPLETED) and not self.can("backup.read"):
            return
        if event == ev.TRANSFER_LOGS and not self.can("admin.websocket.transfer"):
            return
        self.send_unsafe(event, args)

    def send_unsafe(self, event: str, args: list[str] | None = None) -> None:
        """``unsafeSendJson``: queue the frame whatever the token says."""
        self._enqueue(ev.encode_frame(event, args), event, list(args or []))

    def send_error(self, error: str, *, jwt_error: bool) -> None:
        """``SendErrorJson``: the real reason only for JWT errors or tokens with ``admin.websocket.errors``."""
        event, text = ev.DAEMON_ERROR, ev.GENERIC_ERROR
        if jwt_error or self.can("admin.websocket.errors"):
            event, text = (ev.JWT_ERROR if jwt_error else ev.DAEMON_ERROR), error
        self.send_unsafe(event, [f"Error Event [{uuid.uuid4()}]: {text}"])

    def send_raw(self, data: str | bytes) -> None:
        """Queue a frame verbatim (text for ``str``, binary for ``bytes``)."""
        self._enqueue(data, None, [])

    def _enqueue(self, data: str | bytes, event: str | None, args: list[str]) -> None:
        if self.closing:
            return
        due = time.monotonic() + self.hub.frame_delay(self.server.uuid)
        self._queue.put_nowait(_Outgoing(data, event, args, due))

    def close(self, code: int | None, message: str = "") -> None:
        """Close after the frames already queued: with a close frame, or abruptly when ``code`` is ``None``."""
        if self.closing:
            return
        self.closing = True
        self._queue.put_nowait(_Close(code, message, time.monotonic()))

    def abort_now(self) -> None:
        """Cut the TCP connection at once (frames still queued are lost), as a Wings crash or reboot does."""
        self.closing = True
        self._abort()

    def _abort(self) -> None:
        self.aborted = True
        self._abort_transport()

    async def _write(self) -> None:
        while True:
            item = await self._queue.get()
            wait = item.due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if isinstance(item, _Close):
                if item.code is None:
                    self._abort()
                else:
                    self.sent_close = item.code
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await self.ws.close(code=item.code, message=item.message.encode())
                return
            try:
                if isinstance(item.data, bytes):
                    await self.ws.send_bytes(item.data)
                else:
                    await self.ws.send_str(item.data)
            except (ConnectionError, RuntimeError):
                return
            self.hub.record_frame(
                ev.WingsFrame("out", self.record.id, self.server.uuid, item.event, item.args, item.data)
            )

    async def stop(self) -> None:
        """Cancel the writer and the expiry watch (the socket is gone)."""
        for task in (self._writer, self._expiry):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # ---------------------------------------------------------------------------- input
    def handle(self, event: str, args: list[str]) -> None:
        """``HandleInbound`` for one decoded message."""
        if event != ev.AUTH:
            error = self.token_error()
            if error is not None:
                self.send_unsafe(ev.JWT_ERROR, [error])
                return
        if event == ev.AUTH:
            self._auth("".join(args))
        elif event == ev.SET_STATE:
            self._set_state("".join(args))
        elif event == ev.SEND_LOGS:
            if self.server.state != "offline":
                history = self.hub.history(self.server)
                for line in history[-self.hub.log_count :] if self.hub.log_count > 0 else []:
                    self.send(ev.CONSOLE_OUTPUT, [line])
        elif event == ev.SEND_STATS:
            self.send(ev.STATS, [ev.stats_payload(self.server)])
        elif event == ev.SEND_COMMAND:
            if not self.can("control.console") or self.server.state == "offline":
                return
            self.hub.run_command(self.server, "".join(args), actor_uuid=self.token.user_uuid if self.token else None)

    def _auth(self, raw: str) -> None:
        node = self.hub.store.nodes.get(self.server.node_id)
        try:
            claims = verify_token(raw, node.daemon_token if node else "")
            token = WingsToken(claims, issued=self.hub.issued_at(claims))
            if self._denylisted(token):
                raise JwtFailure(ERR_DENYLIST)
            if not token.has_permission("websocket.connect", denylisted=False):
                raise JwtFailure(ERR_NO_CONNECT)
        except JwtFailure as exc:
            self.send_error(str(exc), jwt_error=exc.is_jwt_error)
            return
        first = self.token is None
        self.token = token
        self.record.authenticated = True
        self.record.user_uuid = token.user_uuid or None
        self.send_unsafe(ev.AUTH_SUCCESS)
        if not first:
            return
        self.listening = True
        self._expiry = asyncio.create_task(self._watch_expiry(), name=f"fake-wings-expiry-{self.record.id}")
        state = self.server.state
        self.send(ev.STATUS, [state])
        if state == "offline" and self.server.status != "installing" and not self.server.transferring:
            self.send(ev.STATS, [ev.stats_payload(self.server)])

    def _set_state(self, action: str) -> None:
        permission = _POWER_PERMISSIONS.get(action)
        if permission is not None and not self.can(permission):
            return
        server = self.server
        error: str | None = None
        if server.status == "restoring_backup":
            error = "server is currently being restored"
        elif server.transferring:
            error = "server is currently being transferred"
        elif server.status == "installing":
            error = "server is currently installing"
        elif action != "kill" and server.state == "stopping":
            self.send(ev.DAEMON_ERROR, [f"Error Event [{uuid.uuid4()}]: {ev.POWER_LOCKED}"])
            return
        elif permission is None:
            error = "attempting to handle unknown power action"
        elif action == "start" and server.state != "offline":
            error = "server is running"
        elif action in ("start", "restart") and server.suspended:
            error = "server is currently in a suspended state"
        if error is not None:
            self.send_error(error, jwt_error=False)
            return
        self.hub.socket_power(server, action, actor_uuid=self.token.user_uuid if self.token else None)

    async def _watch_expiry(self) -> None:
        """``listenForExpiration``: every check interval, ``token expiring`` / ``token expired``."""
        while True:
            await asyncio.sleep(self.hub.token_check_interval)
            token = self.token
            exp = token.exp if token is not None else None
            if exp is None:
                continue
            remaining = exp - time.time()
            with self.hub.store.lock:
                if remaining <= 0:
                    self.send(ev.TOKEN_EXPIRED)
                elif remaining <= self.hub.token_expiring_threshold:
                    self.send(ev.TOKEN_EXPIRING)
