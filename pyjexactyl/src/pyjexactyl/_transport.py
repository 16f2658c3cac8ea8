"""The HTTP transport: the only module that touches aiohttp.

aiohttp's exceptions are translated here into :class:`~pyjexactyl.exceptions.PanelUnreachableError` and
:class:`~pyjexactyl.exceptions.PanelTimeoutError`, so nothing above this layer knows aiohttp. Bodies are read
chunk by chunk up to the client's ``max_response_bytes``
(:class:`~pyjexactyl.exceptions.ResponseTooLargeError` past it).
"""

from __future__ import annotations

import asyncio
import warnings
import weakref
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ._config import MAX_RESPONSE_BYTES
from ._paths import describe_path
from .exceptions import PanelTimeoutError, PanelUnreachableError, ResponseTooLargeError


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

    async def _get_session(self) -> aiohttp.ClientSession:
        session = self._session
        if session is not None and not session.closed:
            return session
        connector = aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit)
        session = self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        self._owns_session = True
        # Started here, on the loop the session belongs to, so that the loop knows it (asyncgen hooks).
        guard = _close_when_abandoned(session, self._owner)
        await anext(guard)
        self._guard = guard
        # Holds the guard (and through it the session) outside this object, so that a transport collected as
        # garbage does not take its session along unclosed: the callback has the loop close it.
        self._finalizer = weakref.finalize(self, _abandoned, asyncio.get_running_loop(), guard)
        self._finalizer.atexit = False
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

    async def close(self) -> None:
        """Closes the session if this transport created it."""
        session, guard, finalizer = self._session, self._guard, self._finalizer
        self._session = self._guard = self._finalizer = None
        if finalizer is not None:
            finalizer.detach()
        if session is not None and self._owns_session and not session.closed:
            await session.close()
        if guard is not None:
            await guard.aclose()


def _too_large(response: aiohttp.ClientResponse, method: str, shown: str, limit: int) -> ResponseTooLargeError:
    """Drops the connection (the rest of the body is never read) and builds the error."""
    response.close()
    return ResponseTooLargeError(response.status, method=method, path=shown, limit=limit, headers=response.headers)


async def _close_when_abandoned(session: aiohttp.ClientSession, owner: str) -> AsyncGenerator[None, None]:
    """Suspended for as long as the transport's session is open. Closed by :meth:`AiohttpTransport.close`,
    or, if nobody calls it, by the event loop (``shutdown_asyncgens`` at the end of ``asyncio.run`` and of the
    sync client's loop) or by :func:`_abandoned`: the session is then closed here, with one warning."""
    try:
        yield
    finally:
        if not session.closed:
            await session.close()
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
    task = loop.create_task(guard.aclose())
    _closing.add(task)
    task.add_done_callback(_closing.discard)
