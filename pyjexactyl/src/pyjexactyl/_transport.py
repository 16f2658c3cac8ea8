"""The HTTP and websocket transport: the only module that touches aiohttp.

aiohttp's exceptions are translated here into :class:`~pyjexactyl.exceptions.PanelUnreachableError` and
:class:`~pyjexactyl.exceptions.PanelTimeoutError` (HTTP), and into
:class:`~pyjexactyl.exceptions.ConsoleDisconnectedError` and :class:`~pyjexactyl.exceptions.ConsoleAuthError`
(the Wings websocket), so nothing above this layer knows aiohttp.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ._paths import describe_path
from .exceptions import ConsoleAuthError, ConsoleDisconnectedError, PanelTimeoutError, PanelUnreachableError

WS_CLOSE_TIMEOUT = 5.0
"""Seconds to wait for the other side's close frame when closing a websocket."""


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A fully read HTTP response."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


class AiohttpTransport:
    """Sends requests over one lazily created, reused :class:`aiohttp.ClientSession`.

    Args:
        base_url: The panel URL, without a trailing slash.
        headers: Headers sent with every request (authorization, accept, user agent).
        timeout: Seconds a request may take in total.
        session: An existing session to use instead (it is not closed by :meth:`close`).
        limit: Connection-pool size.
    """

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        timeout: float,
        *,
        session: aiohttp.ClientSession | None = None,
        limit: int = 100,
    ) -> None:
        self._base = base_url
        self._headers = CIMultiDict(headers)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._owns_session = session is None
        self._limit = limit
        self._ws_session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
            self._owns_session = True
        return self._session

    async def send(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        json: object = None,
        data: bytes | str | None = None,
        content_type: str | None = None,
    ) -> RawResponse:
        """Sends one request and reads the whole response.

        Args:
            method: HTTP method.
            path: Path below the panel URL, already quoted (see ``build_path``).
            query: Query pairs.
            json: A JSON body.
            data: A raw body (``files/write``).
            content_type: Content type of a raw body.

        Raises:
            PanelTimeoutError: the panel did not answer in time.
            PanelUnreachableError: the connection failed or was dropped.
        """
        url = URL(self._base + path, encoded=True)
        if query:
            url = url.with_query(list(query))
        headers = CIMultiDict(self._headers)
        if content_type is not None:
            headers["Content-Type"] = content_type
        shown = describe_path(path, query)
        try:
            async with self._get_session().request(
                method, url, json=json, data=data, headers=headers, allow_redirects=False
            ) as response:
                body = await response.read()
                return RawResponse(response.status, response.headers, body)
        except TimeoutError as exc:
            raise PanelTimeoutError(
                f"The panel did not answer {method} {shown} in time", method=method, path=shown
            ) from exc
        except aiohttp.ClientError as exc:
            raise PanelUnreachableError(
                f"Could not reach the panel for {method} {shown}: {type(exc).__name__}: {exc}",
                method=method,
                path=shown,
            ) from exc

    def _get_ws_session(self) -> aiohttp.ClientSession:
        """The session websockets open on: the caller's session when one was given, else a second one of ours
        whose connector has no connection limit. A websocket holds its connection for hours; on the HTTP pool
        (``max_concurrency`` connections) 100 open consoles would leave no connection for the token requests
        that keep them alive. Both sessions use aiohttp's default TLS verification and the same timeout."""
        if not self._owns_session and self._session is not None and not self._session.closed:
            return self._session
        if self._ws_session is None or self._ws_session.closed:
            self._ws_session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0), timeout=self._timeout
            )
        return self._ws_session

    async def ws_connect(self, url: str, *, origin: str, heartbeat: float | None) -> WebSocket:
        """Opens a websocket to Wings.

        Args:
            url: The ``ws://`` or ``wss://`` URL the panel's ``/websocket`` route returned.
            origin: The ``Origin`` header (the panel URL: Wings refuses any other origin).
            heartbeat: Seconds between pings; a socket that does not answer one within half of that is
                treated as dropped. ``None`` sends no pings.

        Raises:
            ConsoleAuthError: Wings refused the handshake with 401 or 403 (an ``Origin`` it does not allow).
            ConsoleDisconnectedError: the node could not be reached, refused the handshake otherwise, or did
                not answer within the client's timeout.
        """
        shown = _describe_ws_url(url)
        try:
            ws = await self._get_ws_session().ws_connect(
                url,
                origin=origin,
                heartbeat=heartbeat,
                headers={"User-Agent": self._headers.get("User-Agent", "pyjexactyl")},
                timeout=aiohttp.ClientWSTimeout(ws_close=min(WS_CLOSE_TIMEOUT, self._timeout.total or 30.0)),
                autoclose=True,
                autoping=True,
            )
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status in (401, 403):
                raise ConsoleAuthError(
                    f"Wings refused the websocket handshake at {shown} with {exc.status}: the node only accepts "
                    f"the Origin it is configured for, and this client sends {origin!r}",
                    reason=f"handshake refused ({exc.status})",
                ) from None
            raise ConsoleDisconnectedError(
                f"Wings refused the websocket handshake at {shown} with {exc.status}", status=exc.status
            ) from exc
        except TimeoutError as exc:
            raise ConsoleDisconnectedError(f"Wings did not answer the websocket handshake at {shown} in time") from exc
        except aiohttp.ClientError as exc:
            raise ConsoleDisconnectedError(
                f"Could not reach Wings at {shown}: {type(exc).__name__}: {exc}"
            ) from exc
        return WebSocket(ws, shown)

    async def close(self) -> None:
        """Closes the sessions this transport created."""
        if self._session is not None and self._owns_session and not self._session.closed:
            await self._session.close()
        self._session = None
        if self._ws_session is not None and not self._ws_session.closed:
            await self._ws_session.close()
        self._ws_session = None


def _describe_ws_url(url: str) -> str:
    """``wss://node:8080/api/servers/<uuid>/ws`` without a query (none is expected; never show one)."""
    parsed = URL(url)
    return str(parsed.with_query(None).with_fragment(None).with_user(None))


class WebSocket:
    """An open websocket to Wings, with aiohttp's messages reduced to text frames and one close.

    Args:
        ws: The aiohttp websocket.
        shown: The URL to name in errors and logs.
    """

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, shown: str) -> None:
        self._ws = ws
        self.url = shown
        self.close_reason = ""
        """The reason the other side gave in its close frame (``server deleted``), or why the socket failed."""

    @property
    def closed(self) -> bool:
        """True once the socket is closed or closing."""
        return self._ws.closed

    @property
    def close_code(self) -> int | None:
        """The close code once closed (1006 when the connection was lost without a close frame)."""
        return self._ws.close_code

    async def receive(self) -> str | None:
        """The next text frame (binary frames are decoded as UTF-8), or ``None`` once the socket is closed.

        Pings are answered and a missed heartbeat closes the socket inside aiohttp.
        """
        while True:
            msg = await self._ws.receive()
            if msg.type is aiohttp.WSMsgType.TEXT:
                return str(msg.data)
            if msg.type is aiohttp.WSMsgType.BINARY:
                return bytes(msg.data).decode("utf-8", "replace")
            if msg.type is aiohttp.WSMsgType.CLOSE:
                self.close_reason = str(msg.extra or "")
                continue  # autoclose answers it; CLOSED follows
            if msg.type is aiohttp.WSMsgType.ERROR:
                self.close_reason = f"{type(msg.data).__name__}: {msg.data}"
                return None
            if msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                return None

    async def send(self, text: str) -> None:
        """Sends one text frame.

        Raises:
            ConsoleDisconnectedError: the socket is closed or the connection broke.
        """
        if self._ws.closed:
            raise ConsoleDisconnectedError(f"The websocket to {self.url} is closed")
        try:
            await self._ws.send_str(text)
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
            raise ConsoleDisconnectedError(f"The websocket to {self.url} broke while sending: {exc}") from exc

    async def close(self, code: int = 1000) -> None:
        """Closes the socket (waits briefly for Wings' close frame); never raises."""
        try:
            await self._ws.close(code=code)
        except (aiohttp.ClientError, ConnectionError, RuntimeError, TimeoutError):
            pass
