"""The request pipeline of :class:`~pyjexactyl.AsyncJexactyl`: throttle, first attempt, retries (tenacity),
error mapping, decoding, debug logging, and pagination on top of it."""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import time
from collections.abc import Mapping
from typing import Any, Literal

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ._config import ClientConfig
from ._paths import describe_path, encode_query
from ._retry import RetryPolicy, parse_retry_after
from ._throttle import WindowLimiter
from ._transport import AiohttpTransport, RawResponse
from .exceptions import ClientClosedError, MalformedResponseError, error_from_response
from .responses import AsyncPaginatedResponse

__all__ = ["ROUTE_THROTTLE_CEILING", "RequestPipeline"]

ROUTE_THROTTLE_CEILING = 60
"""Rate-limit headers with a smaller limit come from a route's own throttle, not the API-wide one (every panel's
API-wide default is 240 per minute or more; route throttles are 1-10)."""


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class RequestPipeline:
    """Sends requests for :class:`~pyjexactyl.AsyncJexactyl`, which inherits it (``api.request``,
    ``api.paginate``)."""

    _config: ClientConfig
    _log: logging.Logger
    _closed: bool
    _transport: AiohttpTransport
    _limiters: dict[str, WindowLimiter]
    _concurrency: asyncio.Semaphore

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
            raise ClientClosedError(f"The client was closed: {method} {shown} was not sent", method=method, path=shown)
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
            raw = await self._transport.send(method, path, query=query, json=json, data=data, content_type=content_type)
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
