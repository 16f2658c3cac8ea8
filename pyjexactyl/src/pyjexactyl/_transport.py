"""The HTTP and websocket transport: the only module that touches aiohttp.

aiohttp's exceptions are translated here into :class:`~pyjexactyl.exceptions.PanelUnreachableError` and
:class:`~pyjexactyl.exceptions.PanelTimeoutError` (HTTP), and into
:class:`~pyjexactyl.exceptions.ConsoleDisconnectedError` and :class:`~pyjexactyl.exceptions.ConsoleAuthError`
(the Wings websocket), so nothing above this layer knows aiohttp. Bodies are read chunk by chunk up to the
client's ``max_response_bytes`` (:class:`~pyjexactyl.exceptions.ResponseTooLargeError` past it).
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
import weakref
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ._config import MAX_RESPONSE_BYTES
from ._paths import describe_path
from .exceptions import (
    ConsoleAuthError,
    ConsoleDisconnectedError,
    PanelTimeoutError,
    PanelUnreachableError,
    ResponseTooLargeError,
)

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
        session: An existing session to use instead (it is not closed by :meth:`close`); ``timeout`` still
            applies to every request.
        limit: Connection-pool size.
        max_response_bytes: Largest response body read, in bytes.
        owner: What names the client in the :class:`ResourceWarning` of a session nobody closed.

    A session it creates is closed by :meth:`close`; if nobody calls it, the session is still closed while
    its event loop can run: when ``asyncio.run`` ends (which closes every suspended async generator, here
    :func:`_close_when_abandoned`, before it closes the loop) or when the transport is garbage-collected
    with the loop still running. Either way that is one :class:`ResourceWarning` (shown with
    ``-W default`` or ``-X dev``) instead of aiohttp's "Unclosed client session" / "Unclosed connector"
    printed to stderr at exit.
    """

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        timeout: float,
        *,
        session: aiohttp.ClientSession | None = None,
        limit: int = 100,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        owner: str = "pyjexactyl client",
    ) -> None:
        self._base = base_url
        self._headers = CIMultiDict(headers)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._owns_session = session is None
        self._limit = limit
        self._max_body = max_response_bytes
        self._owner = owner
        self._guard: AsyncGenerator[None, None] | None = None
        self._finalizer: weakref.finalize[..., AiohttpTransport] | None = None
        self._ws_session: aiohttp.ClientSession | None = None
        self._ws_guard: AsyncGenerator[None, None] | None = None
        self._ws_finalizer: weakref.finalize[..., AiohttpTransport] | None = None

    async def _get_session(self) -> aiohttp.ClientSession:
        session = self._session
        if session is not None and not session.closed:
            return session
        connector = aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit)
        session = self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        self._owns_session = True
        self._guard, self._finalizer = await self._guard_session(session)
        return session

    async def _guard_session(
        self, session: aiohttp.ClientSession, *, warn: bool = True
    ) -> tuple[AsyncGenerator[None, None], weakref.finalize[..., AiohttpTransport]]:
        """Makes sure a session this transport created is closed even if nobody calls :meth:`close`."""
        # Started here, on the loop the session belongs to, so that the loop knows it (asyncgen hooks).
        guard = _close_when_abandoned(session, self._owner, warn=warn)
        await anext(guard)
        # Holds the guard (and through it the session) outside this object, so that a transport collected as
        # garbage does not take its session along unclosed: the callback has the loop close it.
        finalizer = weakref.finalize(self, _abandoned, asyncio.get_running_loop(), guard)
        finalizer.atexit = False
        return guard, finalizer

    async def _get_ws_session(self) -> aiohttp.ClientSession:
        """The session websockets open on: the caller's session when one was given, else a second one of ours
        whose connector has no connection limit. A websocket holds its connection for hours; on the HTTP pool
        (``max_concurrency`` connections) 100 open consoles would leave no connection for the token requests
        that keep them alive. Both sessions use aiohttp's default TLS verification and the same timeout."""
        if not self._owns_session and self._session is not None and not self._session.closed:
            return self._session
        session = self._ws_session
        if session is not None and not session.closed:
            return session
        session = self._ws_session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), timeout=self._timeout
        )
        self._ws_guard, self._ws_finalizer = await self._guard_session(session, warn=False)
        return session

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
            ResponseTooLargeError: the body is larger than ``max_response_bytes`` (nothing past the limit is
                read; the connection is closed).
        """
        url = URL(self._base + path, encoded=True)
        if query:
            url = url.with_query(list(query))
        headers = CIMultiDict(self._headers)
        if content_type is not None:
            headers["Content-Type"] = content_type
        shown = describe_path(path, query)
        session = await self._get_session()
        try:
            async with session.request(
                method, url, json=json, data=data, headers=headers, allow_redirects=False, timeout=self._timeout
            ) as response:
                body = await self._read_body(response, method, shown)
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

    async def _read_body(self, response: aiohttp.ClientResponse, method: str, shown: str) -> bytes:
        """The whole body, read chunk by chunk so that no more than ``max_response_bytes`` is ever held."""
        limit = self._max_body
        declared = response.content_length
        if declared is not None and declared > limit:
            raise _too_large(response, method, shown, limit)
        chunks: list[bytes] = []
        size = 0
        while chunk := await response.content.readany():
            size += len(chunk)
            if size > limit:
                raise _too_large(response, method, shown, limit)
            chunks.append(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

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
            session = await self._get_ws_session()
            ws = await session.ws_connect(
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
            raise ConsoleDisconnectedError(f"Could not reach Wings at {shown}: {type(exc).__name__}: {exc}") from exc
        return WebSocket(ws, shown)

    async def close(self) -> None:
        """Closes the sessions this transport created."""
        session, guard, finalizer = self._session, self._guard, self._finalizer
        self._session = self._guard = self._finalizer = None
        if finalizer is not None:
            finalizer.detach()
        if session is not None and self._owns_session and not session.closed:
            await session.close()
        if guard is not None:
            await guard.aclose()
        ws_session, ws_guard, ws_finalizer = self._ws_session, self._ws_guard, self._ws_finalizer
        self._ws_session = self._ws_guard = self._ws_finalizer = None
        if ws_finalizer is not None:
            ws_finalizer.detach()
        if ws_session is not None and not ws_session.closed:
            await ws_session.close()
        if ws_guard is not None:
            await ws_guard.aclose()


def _too_large(response: aiohttp.ClientResponse, method: str, shown: str, limit: int) -> ResponseTooLargeError:
    """Drops the connection (the rest of the body is never read) and builds the error."""
    response.close()
    return ResponseTooLargeError(response.status, method=method, path=shown, limit=limit, headers=response.headers)


async def _close_when_abandoned(
    session: aiohttp.ClientSession, owner: str, *, warn: bool = True
) -> AsyncGenerator[None, None]:
    """Suspended for as long as the transport's session is open. Closed by :meth:`AiohttpTransport.close`,
    or, if nobody calls it, by the event loop (``shutdown_asyncgens`` at the end of ``asyncio.run`` and of the
    sync client's loop) or by :func:`_abandoned`: the session is then closed here, with one warning (the
    websocket session of the same client closes without one: one client, one warning)."""
    try:
        yield
    finally:
        if not session.closed:
            await session.close()
            if warn:
                message = f"unclosed {owner}: close it with 'await api.close()' or 'async with'"
                warnings.warn(message, ResourceWarning, stacklevel=1, source=session)


def _abandoned(loop: asyncio.AbstractEventLoop, guard: AsyncGenerator[None, None]) -> None:
    """``weakref.finalize`` callback of a transport collected as garbage: has its loop close the session."""
    if loop.is_closed():  # too late: nothing can run on it any more
        return
    try:
        loop.call_soon_threadsafe(_close_guard, loop, guard)
    except RuntimeError:  # the loop closed meanwhile
        pass


_closing: set[asyncio.Task[None]] = set()
"""Tasks closing an abandoned session (asyncio keeps only weak references to tasks)."""


def _close_guard(loop: asyncio.AbstractEventLoop, guard: AsyncGenerator[None, None]) -> None:
    task = loop.create_task(_aclose(guard))
    _closing.add(task)
    task.add_done_callback(_closing.discard)


async def _aclose(guard: AsyncGenerator[None, None]) -> None:
    # A transport that became garbage while its loop shuts down (an open console keeps it alive until
    # asyncio.run cancels the console's task) can meet shutdown_asyncgens closing the same guard: "aclose():
    # asynchronous generator is already running". Whichever runs first closes the session; the other has
    # nothing left to do.
    with contextlib.suppress(RuntimeError):
        await guard.aclose()


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
