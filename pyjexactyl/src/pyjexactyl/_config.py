"""The one frozen configuration shared by :class:`AsyncJexactyl` and :class:`Jexactyl`."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlsplit

from .exceptions import InvalidArgumentError

try:
    __version__ = version("pyjexactyl")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0+unknown"

DEFAULT_TIMEOUT = 30.0
"""Seconds a request may take in total before :class:`~pyjexactyl.exceptions.PanelTimeoutError`."""

CLIENT_RATE_LIMIT = 720
"""The panel's default client-API limit per user per minute (``APP_API_CLIENT_RATELIMIT``)."""

APPLICATION_RATE_LIMIT = 240
"""The panel's default application-API limit per user per minute (``APP_API_APPLICATION_RATELIMIT``)."""

MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""The default cap on a response body, in bytes (64 MiB): past it, ``ResponseTooLargeError``."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def normalize_url(url: str) -> str:
    """Returns the panel URL without a trailing slash; a sub-path (``https://host/panel``) is kept.

    A bare host such as ``panel.example.com`` gets ``https://``. The placeholder URLs of the classic
    examples (``'debug'``, ``'panel'``) are accepted: nothing is validated until a request is sent.
    """
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidArgumentError(f"the panel URL must use http or https, not {parts.scheme!r}")
    if parts.query or parts.fragment:
        raise InvalidArgumentError("the panel URL must not carry a query or a fragment")
    return url.rstrip("/")


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Settings of one panel client. Built by the client constructors; immutable afterwards.

    Attributes:
        base_url: The panel URL, without a trailing slash.
        api_key: The bearer key. Hidden from ``repr``.
        retries: How many times a retryable failure is retried (so ``retries + 1`` attempts).
        backoff_factor: Base of the exponential backoff in seconds (``factor * 2**n`` plus jitter).
        extra_retry_codes: Statuses retried besides 429 (idempotent methods only unless ``retry_post``).
        retry_post: Also retry POST and PATCH on ``extra_retry_codes`` and connection errors.
        retry_timeouts: Retry a request that timed out (idempotent methods only unless ``retry_post``);
            an interactive caller may prefer to report a slow panel at once.
        max_retry_wait: A 429 asking to wait longer than this is raised instead of retried, and the
            client-side throttle raises :class:`RateLimitedError` rather than queue a request longer.
        debug: Log every request on the ``pyjexactyl`` logger.
        timeout: Seconds a request may take in total.
        client_rate_limit: Client-API requests allowed per ``rate_period`` (the panel's limit).
        application_rate_limit: Application-API requests allowed per ``rate_period``.
        rate_period: Length of the panel's rate-limit window, in seconds.
        max_concurrency: Requests in flight at once; more queue.
        page_concurrency: Pages fetched at once by ``collect()``.
        max_response_bytes: Largest response body read, in bytes; a larger one raises
            :class:`~pyjexactyl.exceptions.ResponseTooLargeError` without being read into memory.
        user_agent: The ``User-Agent`` header.
    """

    base_url: str
    api_key: str = field(repr=False)
    retries: int = 3
    backoff_factor: float = 1.0
    extra_retry_codes: frozenset[int] = frozenset()
    retry_post: bool = False
    retry_timeouts: bool = True
    max_retry_wait: float = 120.0
    debug: bool = False
    timeout: float = DEFAULT_TIMEOUT
    client_rate_limit: int | None = CLIENT_RATE_LIMIT
    application_rate_limit: int | None = APPLICATION_RATE_LIMIT
    rate_period: float = 60.0
    max_concurrency: int = 100
    page_concurrency: int = 8
    max_response_bytes: int = MAX_RESPONSE_BYTES
    user_agent: str = f"pyjexactyl/{__version__}"
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("pyjexactyl"), repr=False)

    @classmethod
    def build(
        cls,
        url: str,
        api_key: str,
        *,
        retries: int = 3,
        backoff_factor: float = 1.0,
        extra_retry_codes: Iterable[int] = (),
        retry_post: bool = False,
        retry_timeouts: bool = True,
        max_retry_wait: float = 120.0,
        debug: bool = False,
        logger: logging.Logger | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        client_rate_limit: int | None = CLIENT_RATE_LIMIT,
        application_rate_limit: int | None = APPLICATION_RATE_LIMIT,
        rate_period: float = 60.0,
        max_concurrency: int = 100,
        page_concurrency: int = 8,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        user_agent: str | None = None,
    ) -> ClientConfig:
        """Validates the constructor arguments and builds the config."""
        if not isinstance(api_key, str) or not api_key.strip():
            raise InvalidArgumentError("api_key must be a non-empty string")
        if retries < 0:
            raise InvalidArgumentError("retries must be 0 or more")
        if backoff_factor < 0:
            raise InvalidArgumentError("backoff_factor must be 0 or more")
        if timeout <= 0:
            raise InvalidArgumentError("timeout must be a positive number of seconds")
        if max_concurrency < 1 or page_concurrency < 1:
            raise InvalidArgumentError("max_concurrency and page_concurrency must be at least 1")
        for limit in (client_rate_limit, application_rate_limit):
            if limit is not None and limit < 1:
                raise InvalidArgumentError("rate limits must be at least 1 (or None to disable)")
        if rate_period <= 0:
            raise InvalidArgumentError("rate_period must be positive")
        if not isinstance(max_response_bytes, int) or isinstance(max_response_bytes, bool) or max_response_bytes < 1:
            raise InvalidArgumentError("max_response_bytes must be a positive number of bytes")
        codes = frozenset(int(c) for c in extra_retry_codes)
        log = logger or logging.getLogger("pyjexactyl")
        if debug and log.getEffectiveLevel() > logging.DEBUG:
            log.setLevel(logging.DEBUG)
        return cls(
            base_url=normalize_url(url),
            api_key=api_key.strip(),
            retries=retries,
            backoff_factor=backoff_factor,
            extra_retry_codes=codes,
            retry_post=retry_post,
            retry_timeouts=retry_timeouts,
            max_retry_wait=max_retry_wait,
            debug=debug,
            timeout=timeout,
            client_rate_limit=client_rate_limit,
            application_rate_limit=application_rate_limit,
            rate_period=rate_period,
            max_concurrency=max_concurrency,
            page_concurrency=page_concurrency,
            max_response_bytes=max_response_bytes,
            user_agent=user_agent or f"pyjexactyl/{__version__}",
            logger=log,
        )
