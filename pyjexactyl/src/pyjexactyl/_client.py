"""The async client: request pipeline (throttle, retry, error mapping, logging) and the namespace tree."""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import time
import weakref
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Literal

import aiohttp
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ._config import APPLICATION_RATE_LIMIT, CLIENT_RATE_LIMIT, DEFAULT_TIMEOUT, MAX_RESPONSE_BYTES, ClientConfig
from ._dialect import Dialect, PanelInfo
from ._endpoints.application import (
    Approvals,
    DatabaseHosts,
    Eggs,
    Locations,
    Mounts,
    Nests,
    Nodes,
    Plugins,
    Roles,
    Servers,
    Users,
)
from ._endpoints.client import ClientAPI
from ._paths import describe_path, encode_query
from ._retry import RetryPolicy, parse_retry_after
from ._throttle import WindowLimiter
from ._transport import AiohttpTransport, RawResponse, WebSocket
from .exceptions import ClientClosedError, MalformedResponseError, error_from_response
from .responses import AsyncPaginatedResponse

__all__ = ["AsyncJexactyl"]

ROUTE_THROTTLE_CEILING = 60
"""Rate-limit headers with a smaller limit come from a route's own throttle, not the API-wide one (every panel's
API-wide default is 240 per minute or more; route throttles are 1-10)."""
PELICAN_RATE_LIMIT = 256
"""Pelican's default limit per user per minute, on the client and the application API alike."""
_APPLICATION_KEY_PREFIXES = ("ptla_", "papp_")
_PELICAN_KEY_PREFIXES = ("pacc_", "papp_")


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class AsyncJexactyl:
    """Async client for the Jexactyl / Pterodactyl panel API.

    One :class:`aiohttp.ClientSession` per client, created on the first request and reused (keep-alive);
    close it with ``async with`` or :meth:`close`; a closed client refuses further requests
    (:class:`~pyjexactyl.exceptions.ClientClosedError`). Requests are throttled to the panel's rate limit,
    capped in concurrency, retried on 429 (honouring ``Retry-After``) and on connection errors for
    idempotent methods, and failures raise typed :mod:`pyjexactyl.exceptions`.

    Args:
        url: The panel URL, e.g. ``https://panel.example.com`` (a trailing slash or a sub-path is fine).
        api_key: A client (``ptlc_``) or application (``ptla_``) API key. Never logged or shown.
        retries: How many times a retryable failure is retried.
        backoff_factor: Base of the exponential backoff between retries, in seconds.
        extra_retry_codes: Statuses retried besides 429, e.g. ``[502, 504]`` (idempotent methods only
            unless ``retry_post=True``).
        debug: Log every request (method, path, status, milliseconds) on the ``pyjexactyl`` logger.
        logger: Logger to use instead of ``logging.getLogger("pyjexactyl")``.
        timeout: Seconds a request may take in total.
        retry_post: Also retry POST/PATCH on ``extra_retry_codes`` and connection errors.
        retry_timeouts: Retry requests that timed out (default); ``False`` reports a slow panel at once.
        max_retry_wait: A 429 asking to wait longer than this many seconds is raised, not retried.
        client_rate_limit: Client-API requests per ``rate_period`` (panel default 720 per minute);
            ``None`` disables client-side throttling.
        application_rate_limit: Application-API requests per ``rate_period`` (panel default 240).
        rate_period: The panel's rate-limit window in seconds.
        max_concurrency: Requests in flight at once; more wait their turn.
        page_concurrency: Pages ``collect()`` fetches at once.
        max_response_bytes: Largest response body read, in bytes (64 MiB by default); past it the request
            raises :class:`~pyjexactyl.exceptions.ResponseTooLargeError` without reading the rest.
        session: An existing :class:`aiohttp.ClientSession` to use, e.g. one shared by many clients (not
            closed by :meth:`close`; each client still applies its own ``timeout``).

    Example:
        >>> async with AsyncJexactyl("https://panel.example.com", key) as api:  # doctest: +SKIP
        ...     servers = await api.client.servers.list_servers()
        ...     print(await servers.collect())
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        retries: int = 3,
        backoff_factor: float = 1,
        extra_retry_codes: Iterable[int] = (),
        debug: bool = False,
        logger: logging.Logger | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry_post: bool = False,
        retry_timeouts: bool = True,
        max_retry_wait: float = 120.0,
        client_rate_limit: int | None = CLIENT_RATE_LIMIT,
        application_rate_limit: int | None = APPLICATION_RATE_LIMIT,
        rate_period: float = 60.0,
        max_concurrency: int = 100,
        page_concurrency: int = 8,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        config = ClientConfig.build(
            url,
            api_key,
            retries=retries,
            backoff_factor=backoff_factor,
            extra_retry_codes=extra_retry_codes,
            retry_post=retry_post,
            retry_timeouts=retry_timeouts,
            max_retry_wait=max_retry_wait,
            debug=debug,
            logger=logger,
            timeout=timeout,
            client_rate_limit=client_rate_limit,
            application_rate_limit=application_rate_limit,
            rate_period=rate_period,
            max_concurrency=max_concurrency,
            page_concurrency=page_concurrency,
            max_response_bytes=max_response_bytes,
        )
        self._setup(config, session)

    @classmethod
    def from_config(cls, config: ClientConfig, session: aiohttp.ClientSession | None = None) -> AsyncJexactyl:
        """Builds a client from an existing :class:`ClientConfig` (the sync client uses this)."""
        self = cls.__new__(cls)
        self._setup(config, session)
        return self

    def _setup(self, config: ClientConfig, session: aiohttp.ClientSession | None) -> None:
        self._config = config
        self._log = config.logger
        self._closed = False
        headers = {
            "Authorization": f"Bearer {config.api_key}",
            "Accept": "application/json",
            "User-Agent": config.user_agent,
        }
        self._transport = AiohttpTransport(
            config.base_url,
            headers,
            config.timeout,
            session=session,
            limit=config.max_concurrency,
            max_response_bytes=config.max_response_bytes,
            owner=repr(self),
        )
        self._limiters = {
            "client": WindowLimiter(config.client_rate_limit, config.rate_period),
            "application": WindowLimiter(config.application_rate_limit, config.rate_period),
        }
        self._concurrency = asyncio.Semaphore(config.max_concurrency)
        self._consoles: weakref.WeakSet[Any] = weakref.WeakSet()  # open ConsoleSessions, closed by close()
        self._dialect = Dialect(
            self._probe,
            application_key=config.api_key.startswith(_APPLICATION_KEY_PREFIXES),
            on_change=self._dialect_changed,
        )
        if config.api_key.startswith(_PELICAN_KEY_PREFIXES):
            # Only a hint for the throttle (Pelican's default is 256 per minute); the dialect itself is learnt
            # from the panel's answers.
            self._dialect_changed(frozenset({"pelican"}))
        self.client = ClientAPI(self)
        """The client (account) API: ``api.client.account``, ``api.client.servers`` and below."""
        self.locations = Locations(self)
        self.nests = Nests(self)
        self.nodes = Nodes(self)
        self.servers = Servers(self)
        self.user = Users(self)
        self.users = self.user
        self.approvals = Approvals(self)
        """Jexactyl v3's account approvals (``/api/application/approvals``)."""
        self.eggs = Eggs(self)
        """Pelican's top-level eggs (``/api/application/eggs``)."""
        self.database_hosts = DatabaseHosts(self)
        """Pelican's database hosts (``/api/application/database-hosts``)."""
        self.mounts = Mounts(self)
        """Pelican's mounts (``/api/application/mounts``)."""
        self.roles = Roles(self)
        """Pelican's roles (``/api/application/roles``)."""
        self.plugins = Plugins(self)
        """Pelican's panel plugins (``/api/application/plugins``)."""

    @property
    def url(self) -> str:
        """The panel URL, without a trailing slash."""
        return self._config.base_url

    @property
    def config(self) -> ClientConfig:
        """The client's frozen configuration."""
        return self._config

    @property
    def dialect(self) -> Dialect:
        """What the client has learnt of the panel's kind (see :meth:`panel_info`)."""
        return self._dialect

    async def panel_info(self) -> PanelInfo:
        """Which panel this is: Pterodactyl 1.11, Jexactyl v3, Jexactyl v4 or Pelican, and what the client
        could tell of its version.

        The answer comes from what the panel has answered so far; when that does not decide it, the client
        asks the panel once (one ``GET``; never again for the client's lifetime). A client key cannot tell
        Pterodactyl from Jexactyl v4 until the client has read an account or server object
        (:attr:`PanelInfo.possible` lists both until then).

        Returns:
            A :class:`~pyjexactyl.PanelInfo`, e.g. ``PanelInfo(flavor='jexactyl', version='3.x',
            possible=('jexactyl',), evidence="GET /api/client/permissions: ...")``.

        Example:
            >>> info = await api.panel_info()  # doctest: +SKIP
            >>> info.flavor, info.name  # doctest: +SKIP
            ('pelican', 'Pelican')
        """
        await self._dialect.detect()
        return self._dialect.info()

    async def _probe(self, path: str, params: Mapping[str, Any]) -> Any:
        return await self.request("GET", path, params=params)

    def _dialect_changed(self, candidates: frozenset[str]) -> None:
        """Default rate limits follow the panel: Pelican allows 256 requests per minute on both APIs."""
        pelican = candidates == frozenset({"pelican"})
        for api, default in (("client", CLIENT_RATE_LIMIT), ("application", APPLICATION_RATE_LIMIT)):
            configured = self._config.client_rate_limit if api == "client" else self._config.application_rate_limit
            limiter = self._limiters[api]
            if configured != default or limiter.limit is None:
                continue  # the caller chose a limit; keep it
            if pelican and limiter.limit == default:  # not yet corrected by the panel's own headers
                limiter.limit = PELICAN_RATE_LIMIT

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r})"

    async def __aenter__(self) -> AsyncJexactyl:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called: the client then refuses every request."""
        return self._closed

    async def close(self) -> None:
        """Closes the open console sessions and the HTTP session (unless it was given to the constructor), and
        refuses every later request with :class:`~pyjexactyl.exceptions.ClientClosedError`. Closing again does
        nothing."""
        self._closed = True
        await self._close_session()

    async def _close_session(self) -> None:
        """Closes the console sessions and the HTTP session but keeps accepting requests (a new session opens):
        what the sync :class:`~pyjexactyl.Jexactyl` does on ``close()``, since it may be used again afterwards."""
        for console in list(self._consoles):
            await console.close()
        await self._transport.close()

    async def _open_websocket(self, url: str, *, heartbeat: float | None) -> WebSocket:
        """Opens a Wings websocket with ``Origin: <panel URL>`` and the client's TLS settings and timeout
        (used by console sessions). A closed client refuses (:class:`~pyjexactyl.exceptions.ClientClosedError`)."""
        if self._closed:
            raise ClientClosedError("The client was closed: the console websocket was not opened")
        return await self._transport.ws_connect(url, origin=self._config.base_url, heartbeat=heartbeat)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: bytes | str | None = None,
        content_type: str | None = None,
        expect: Literal["json", "text", "raw"] = "json",
        retry_post: bool | None = None,
    ) -> Any:
        """Sends one API request through the throttle and the retry policy and decodes the answer.

        Endpoint methods call this; use it directly only for a route pyjexactyl does not cover.

        Args:
            method: HTTP method.
            path: Path below the panel URL, built with quoted identifiers, e.g. ``/api/client/account``.
            params: Query parameters.
            json: JSON body.
            data: Raw body (sent as-is).
            content_type: Content type of a raw body.
            expect: ``json`` (``None`` for an empty body), ``text`` or ``raw`` bytes.
            retry_post: Per-call override of ``retry_post``.

        Returns:
            The decoded body: a dict or list for JSON, ``None`` for an empty (204) answer.

        Raises:
            JexactylApiError: the panel answered with an error status (a subclass per status).
            PanelUnreachableError: the panel could not be reached (``PanelTimeoutError`` on timeout).
            ClientClosedError: the client was closed; nothing was sent.
        """
        method = method.upper()
        query = encode_query(params or {})
        if self._closed:
            shown = describe_path(path, query)
            raise ClientClosedError(
                f"The client was closed: {method} {shown} was not sent", method=method, path=shown
            )
        policy = RetryPolicy(self._config, method, retry_post)
        try:
            raw = await self._send_once(method, path, query, json, data, content_type)
        except Exception as first:
            if self._config.retries == 0 or not policy.should_retry(first):
                raise
            raw = await self._retry(policy, first, method, path, query, json, data, content_type)
        return self._decode(raw, method, path, expect)

    async def _retry(
        self,
        policy: RetryPolicy,
        first: Exception,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        json: Any,
        data: bytes | str | None,
        content_type: str | None,
    ) -> RawResponse:
        """Attempts 2 to ``retries + 1`` after a retryable first failure, driven by tenacity.

        The first attempt runs outside tenacity: most requests succeed at once, and building the retry
        machinery for each of them was a measurable share of the bot's CPU.
        """

        def log_retry(exc: BaseException | None, attempt_number: int) -> None:
            name = type(exc).__name__ if exc else "?"
            self._log.info("pyjexactyl: retrying %s %s after %s (attempt %d)", method, path, name, attempt_number)

        def failure(state: RetryCallState) -> tuple[BaseException | None, int]:
            """The error of the attempt tenacity just ran, and that attempt's overall number."""
            return (state.outcome.exception() if state.outcome else None), state.attempt_number + 1

        log_retry(first, 1)
        await asyncio.sleep(policy.delay(first, 1))
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._config.retries),
            retry=retry_if_exception(policy.should_retry),
            wait=lambda state: policy.delay(*failure(state)),
            before_sleep=lambda state: log_retry(*failure(state)),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                raw = await self._send_once(method, path, query, json, data, content_type)
        return raw

    async def _send_once(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        json: Any,
        data: bytes | str | None,
        content_type: str | None,
    ) -> RawResponse:
        limiter = self._limiters["application" if path.startswith("/api/application") else "client"]
        async with self._concurrency:
            await limiter.acquire(self._config.max_retry_wait)
            started = time.perf_counter()
            raw = await self._transport.send(
                method, path, query=query, json=json, data=data, content_type=content_type
            )
        elapsed = (time.perf_counter() - started) * 1000
        if self._config.debug:
            self._log.debug("%s %s %d %.1fms", method, describe_path(path, query), raw.status, elapsed)
        retry_after = parse_retry_after(raw.headers) if raw.status == 429 else None
        remaining = _int_header(raw.headers, "X-RateLimit-Remaining")
        header_limit = _int_header(raw.headers, "X-RateLimit-Limit")
        if header_limit is not None and header_limit < ROUTE_THROTTLE_CEILING:
            # The headers describe a route's own throttle (Laravel reports the throttle with the least left):
            # Jexactyl's storefront (1/min), server-edit (5/min), file pulls (10 per 5 min), Pelican's
            # per-server limits. They say nothing about the API-wide bucket.
            header_limit = remaining = None
        # Only the API-wide limiter's 429 (remaining 0) closes the bucket; a route's own throttle (backup
        # creation: 2 per 10 minutes per server) must not hold back every other request.
        limiter.observe(header_limit, remaining, retry_after if remaining == 0 else None)
        if raw.status >= 400:
            raise error_from_response(
                raw.status,
                raw.body,
                raw.headers,
                method=method,
                path=describe_path(path, query),
                retry_after=retry_after,
            )
        return raw

    def _decode(self, raw: RawResponse, method: str, path: str, expect: str) -> Any:
        if expect == "raw":
            return raw.body
        if expect == "text":
            return raw.body.decode("utf-8", "replace")
        if raw.status == 204 or not raw.body.strip():
            return None
        try:
            return jsonlib.loads(raw.body)
        except ValueError:
            snippet = raw.body[:80].decode("utf-8", "replace")
            raise MalformedResponseError(
                raw.status,
                "MalformedJson",
                f"The panel answered {method} {path} with a body that is not JSON: {snippet!r}",
                method=method,
                path=path,
                headers=raw.headers,
            ) from None

    async def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> AsyncPaginatedResponse:
        """Fetches the first page of a list and returns a response that fetches the rest with the same
        query (include, filters, sort, per_page)."""
        base = dict(params or {})

        async def fetch(page: int) -> Any:
            return await self.request("GET", path, params={**base, "page": page})

        first = await self.request("GET", path, params=base)
        if not isinstance(first, Mapping):
            raise MalformedResponseError(
                200, "UnexpectedBody", f"Expected a list envelope from GET {path}", method="GET", path=path
            )
        return AsyncPaginatedResponse(fetch, first, page_concurrency=self._config.page_concurrency)

