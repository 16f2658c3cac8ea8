"""The async client: configuration, the namespace tree, dialect learning and lifecycle; the request pipeline
(throttle, retry, error mapping, logging) it inherits is in ``_request_pipeline``."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

import aiohttp

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
from ._request_pipeline import RequestPipeline
from ._throttle import WindowLimiter
from ._transport import AiohttpTransport, WebSocket
from .exceptions import ClientClosedError

__all__ = ["AsyncJexactyl"]

PELICAN_RATE_LIMIT = 256
"""Pelican's default limit per user per minute, on the client and the application API alike."""
_APPLICATION_KEY_PREFIXES = ("ptla_", "papp_")
_PELICAN_KEY_PREFIXES = ("pacc_", "papp_")


class AsyncJexactyl(RequestPipeline):
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
