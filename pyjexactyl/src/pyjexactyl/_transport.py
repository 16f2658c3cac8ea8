"""The HTTP transport: the only module that touches aiohttp.

aiohttp's exceptions are translated here into :class:`~pyjexactyl.exceptions.PanelUnreachableError` and
:class:`~pyjexactyl.exceptions.PanelTimeoutError`, so nothing above this layer knows aiohttp.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ._paths import describe_path
from .exceptions import PanelTimeoutError, PanelUnreachableError


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
                method, url, json=json, data=data, headers=headers, allow_redirects=False, timeout=self._timeout
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

    async def close(self) -> None:
        """Closes the session if this transport created it."""
        if self._session is not None and self._owns_session and not self._session.closed:
            await self._session.close()
        self._session = None
