"""The connection steps of a console session: token, websocket, ``auth`` handshake (§6.10, §8.1, §8.4).

:class:`Link` holds the one current socket of a :class:`~pyjexactyl.ConsoleSession`. It never logs or
shows the token; the socket URL it logs holds no secret (Wings takes the token in the ``auth`` frame).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from ._console_frames import Control, encode_frame, parse_frame
from ._transport import WebSocket
from .events import DaemonError, Event, StatusChanged
from .exceptions import (
    ConsoleAuthError,
    ConsoleDisconnectedError,
    MalformedResponseError,
    PanelUnreachableError,
    RateLimitedError,
    ServerError,
)

if TYPE_CHECKING:
    from ._endpoints.client.servers import ClientServers

__all__ = ["Link", "is_expiry", "is_transient"]

STATUS_WAIT = 5.0
"""Seconds to wait, after ``auth success`` on a fresh socket, for the ``status`` Wings sends next."""

NO_JWT = "no jwt present"


def is_expiry(reason: str) -> bool:
    """Whether a ``jwt error`` reason is about the token's expiry (a fresh token fixes it).

    Wings' JWT library reports ``jwt: exp claim is invalid``; other libraries say ``expired``.

    Example:
        >>> is_expiry("Error Event [3f2a]: jwt: exp claim is invalid"), is_expiry("jwt: missing connect permission")
        (True, False)
    """
    lowered = reason.lower()
    return "exp claim" in lowered or "expired" in lowered


def is_transient(exc: BaseException) -> bool:
    """Whether a failure to (re)connect or to refresh the token is worth another attempt.

    The node or the panel being unreachable, slow, overloaded or rate limiting is; the panel refusing the
    token (403 without ``websocket.connect``, 404 server gone, 409 suspended / installing / transferring),
    Wings refusing the token or the ``Origin``, and bad arguments are final.
    """
    if isinstance(exc, ConsoleDisconnectedError | PanelUnreachableError | RateLimitedError | ServerError):
        return True
    if isinstance(exc, MalformedResponseError):
        return True  # a proxy's page while the panel restarts
    return isinstance(exc, TimeoutError | ConnectionError)


class Link:
    """The current websocket of one server's console.

    Args:
        servers: The ``api.client.servers`` namespace (``get_websocket`` and the client's transport).
        server_id: Server identifier.
        heartbeat: Seconds between pings, or ``None``.
    """

    def __init__(self, servers: ClientServers, server_id: str, *, heartbeat: float | None) -> None:
        self._servers = servers
        self._client = servers._client
        self._server_id = server_id
        self._heartbeat = heartbeat
        self._ws: WebSocket | None = None
        self._log: logging.Logger = self._client.config.logger
        self._debug = self._client.config.debug
        self.expiring_during_handshake = False
        """Wings warned ``token expiring`` before the session took over the socket: refresh at once."""

    async def fetch_token(self) -> tuple[str, str]:
        """``(token, socket URL)`` from ``GET /servers/{id}/websocket`` (one panel request)."""
        answer: Any = await self._servers.get_websocket(self._server_id)
        data = answer.get("data") if isinstance(answer, dict) else None
        token = data.get("token") if isinstance(data, dict) else None
        socket = data.get("socket") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token or not isinstance(socket, str) or not socket:
            raise MalformedResponseError(
                200,
                "UnexpectedBody",
                "The panel's websocket answer has no data.token / data.socket",
                method="GET",
                path=f"/api/client/servers/{self._server_id}/websocket",
            )
        return token, socket

    async def open(self) -> list[Event]:
        """Fetches a token, connects, authenticates, and waits for Wings' first ``status``.

        Returns the events that arrived meanwhile (the ``status``, and whatever Wings broadcast); the caller
        delivers them once the socket is known to be good, so a handshake that fails half-way delivers
        nothing. The new socket replaces the previous one (which must be closed already).

        Raises:
            JexactylApiError: the panel refused the token request (``ForbiddenError``, ``ConflictError`` ...).
            ConsoleAuthError: Wings refused the token or the ``Origin``.
            ConsoleDisconnectedError: the node could not be reached or did not answer ``auth`` in time.
        """
        token, url = await self.fetch_token()
        ws = await self._client._open_websocket(url, heartbeat=self._heartbeat)
        if self._debug:
            self._log.debug("pyjexactyl: console %s connected to %s", self._server_id, ws.url)
        try:
            events = await self._handshake(ws, token)
        except BaseException:
            await ws.close()
            raise
        self._ws = ws
        return events

    async def _handshake(self, ws: WebSocket, token: str) -> list[Event]:
        loop = asyncio.get_running_loop()
        timeout = self._client.config.timeout
        deadline = loop.time() + timeout
        authenticated = refreshed = False
        events: list[Event] = []
        self.expiring_during_handshake = False
        await ws.send(encode_frame("auth", token))
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                if authenticated:
                    return events  # no status: carry on without knowing the state
                raise ConsoleDisconnectedError(f"Wings did not answer auth for {self._server_id} within {timeout} s")
            try:
                async with asyncio.timeout(remaining):
                    text = await ws.receive()
            except TimeoutError:
                continue
            if text is None:
                raise ConsoleDisconnectedError(
                    f"Wings closed the console socket of {self._server_id} during auth ({describe(ws)})"
                )
            frame = parse_frame(text)
            if isinstance(frame, Control):
                if frame.name == "auth success" and not authenticated:
                    authenticated = True
                    if self._debug:
                        self._log.debug("pyjexactyl: console %s authenticated", self._server_id)
                    deadline = min(deadline, loop.time() + STATUS_WAIT)
                elif frame.name == "token expiring":
                    self.expiring_during_handshake = True
                elif frame.name == "token expired" or is_expiry(frame.reason):
                    if refreshed:
                        raise ConsoleAuthError(
                            f"Wings refused a fresh console token of {self._server_id} as expired (is the node's "
                            "clock right?)",
                            reason=frame.reason or frame.name,
                        )
                    refreshed = True  # a token that expired in transit: one more, once
                    token, _ = await self.fetch_token()
                    await ws.send(encode_frame("auth", token))
                elif frame.name == "jwt error" and not (NO_JWT in frame.reason and not authenticated):
                    raise ConsoleAuthError(
                        f"Wings refused the console token of {self._server_id}: {frame.reason}", reason=frame.reason
                    )
                # else: "no jwt present" answers Wings' own events racing our auth frame; ignore them
            elif isinstance(frame, DaemonError) and not authenticated:
                # Wings answers a token it cannot even parse or verify (bad signature) with a daemon error
                raise ConsoleAuthError(
                    f"Wings refused the console token of {self._server_id}: {frame.message}", reason=frame.message
                )
            elif frame is not None:
                events.append(frame)
                if authenticated and isinstance(frame, StatusChanged):
                    return events

    async def send(self, frame: str) -> None:
        """Sends one frame on the current socket.

        Raises:
            ConsoleDisconnectedError: there is no open socket.
        """
        ws = self._ws
        if ws is None or ws.closed:
            raise ConsoleDisconnectedError(f"The console socket of {self._server_id} is not open")
        await ws.send(frame)

    async def receive(self) -> str | None:
        """The next frame of the current socket, ``None`` once it closed."""
        ws = self._ws
        return None if ws is None else await ws.receive()

    def closed_as_deleted(self) -> bool:
        """Whether Wings closed the socket because the server was deleted."""
        return self._ws is not None and "deleted" in self._ws.close_reason

    def describe_close(self) -> str:
        """How the current socket closed, for logs."""
        return "no socket" if self._ws is None else describe(self._ws)

    async def close(self) -> None:
        """Closes the current socket (it stays readable as closed for :meth:`describe_close`)."""
        if self._ws is not None:
            await self._ws.close()
            if self._debug:
                self._log.debug("pyjexactyl: console %s socket closed (%s)", self._server_id, describe(self._ws))


def describe(ws: WebSocket) -> str:
    reason = f", {ws.close_reason}" if ws.close_reason else ""
    return f"close code {ws.close_code}{reason}"
