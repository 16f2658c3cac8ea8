"""REST plumbing of the fake: read and record every request, answer injected errors and rate limits, check the
bot token, route to the handler of the resource, and answer JSON the way discord.py needs it.

Handlers return ``(status, payload)``; an error payload's ``code`` is copied to ``RecordedRequest.error_code``.
Every request wakes the waiters (``fd.wait_*``) once its answer is decided.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .ratelimits import RateLimitHit, limited_body, limited_headers, major_parameter
from .records import RecordedRequest
from .state import FakeState, Json, discord_error

__all__ = ["Handler", "RestMixin", "Route", "json_response"]

Handler = Callable[..., Awaitable[tuple[int, Json]]]
Route = tuple[str, str, Handler, bool]
"""(method, path regex, handler, needs the bot token)"""

_CHANNEL_MESSAGE = re.compile(r"^/channels/\d+/messages/(\d+)$")
_WEBHOOK_MESSAGE = re.compile(r"^/webhooks/\d+/([^/]+)/messages/(@original|\d+)$")


def json_response(status: int, payload: Json, headers: Mapping[str, str] | None = None) -> web.Response:
    """discord.py only parses bodies whose Content-Type is exactly "application/json" (no charset)."""
    if payload is None and status == 204:
        return web.Response(status=204, headers=headers)
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(payload).encode(), headers=hdrs)


@dataclass
class InjectedError:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    body: Json
    retry_after: float | None


class RestMixin(FakeState):
    """Request recording and routing; the routes themselves come from the resource mixins."""

    _routes: list[Route]
    _injected: list[InjectedError]

    def inject_error(
        self,
        method: str,
        path_regex: str,
        status: int = 429,
        *,
        times: int = 1,
        body: Json = None,
        retry_after: float | None = 0.05,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and ``path_regex`` (searched in the
        path after the API base) with ``status``. A 429 carries ``retry_after`` and Discord's rate-limit
        headers (see :meth:`rate_limit_next` for the route-shaped way)."""
        self._injected.append(InjectedError(method.upper(), re.compile(path_regex), status, times, body, retry_after))

    async def _read_body(self, request: web.Request) -> tuple[Json, str, list[dict[str, Any]]]:
        ctype = request.content_type
        if ctype.startswith("multipart/"):
            form = await request.post()
            files: list[dict[str, Any]] = []
            raw_parts: list[str] = []
            body: Json = None
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
                    files.append(
                        {
                            "field": name,
                            "filename": value.filename,
                            "size": len(content),
                            "content_type": value.content_type,
                            "text": text,
                        }
                    )
                    raw_parts.append(text)
                else:
                    text = str(value)
                    raw_parts.append(text)
                    if name == "payload_json":
                        body = json.loads(text)
            return body, "\n".join(raw_parts), files
        raw = await request.text()
        if not raw:
            return None, "", []
        try:
            return json.loads(raw), raw, []
        except ValueError:
            return None, raw, []

    async def _rest_handler(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, raw, files = await self._read_body(request)
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            body=body,
            raw=raw,
            at=time.monotonic(),
            files=files,
        )
        self.requests.append(rec)
        try:
            status, payload, headers = await self._route(request, rec)
            rec.status = status
            if status >= 400 and isinstance(payload, dict) and isinstance(payload.get("code"), int):
                rec.error_code = payload["code"]
            return json_response(status, payload, headers)
        finally:
            self._log_attempt(rec)
            self._notify()

    def _log_attempt(self, rec: RecordedRequest) -> None:
        """Attach a PATCH of a message to that message's log (``attempts``), whatever it was answered."""
        if rec.method != "PATCH":
            return
        message_id: int | None = None
        if (m := _CHANNEL_MESSAGE.match(rec.path)) is not None:
            message_id = int(m.group(1))
        elif (m := _WEBHOOK_MESSAGE.match(rec.path)) is not None:
            if m.group(2) != "@original":
                message_id = int(m.group(2))
            elif (ix := self._ix_by_token.get(m.group(1))) is not None:
                message_id = ix.original_message_id
        log = self.store.meta.get(message_id) if message_id is not None else None
        if log is not None:
            log.attempts.append(rec)

    def _rate_limited(
        self, rec: RecordedRequest, hit: RateLimitHit, headers: dict[str, str]
    ) -> tuple[int, Json, dict[str, str]]:
        rec.note = f"rate limited ({hit.source} {hit.route!r}, retry_after={hit.retry_after:.3f}s)"
        return 429, limited_body(hit), headers

    async def _route(self, request: web.Request, rec: RecordedRequest) -> tuple[int, Json, dict[str, str]]:
        for inj in self._injected:
            if inj.times > 0 and inj.method == rec.method and inj.pattern.search(rec.path):
                inj.times -= 1
                if inj.status == 429:
                    hit = RateLimitHit(
                        at=rec.at,
                        method=rec.method,
                        path=rec.path,
                        route=f"{inj.method} {inj.pattern.pattern}",
                        bucket="fake-injected",
                        major=major_parameter(rec.path),
                        retry_after=inj.retry_after or 0.05,
                        scope="user",
                        is_global=False,
                        source="injected",
                        request=rec,
                    )
                    self.rate_limiter.hits.append(hit)
                    status, payload, headers = self._rate_limited(rec, hit, limited_headers(hit, limit=1))
                    return status, inj.body or payload, headers
                return inj.status, inj.body or discord_error(0, f"{inj.status}: injected error"), {}
        hit_or_none, headers = self.rate_limiter.check(rec)
        if hit_or_none is not None:
            return self._rate_limited(rec, hit_or_none, headers)
        for method, pattern, handler, needs_auth in self._routes:
            match = re.fullmatch(pattern, rec.path)
            if match is None or method != rec.method:
                continue
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                return 401, discord_error(0, "401: Unauthorized"), {}
            status, payload = await handler(rec, **match.groupdict())
            return status, payload, headers
        self.unhandled.append(f"{rec.method} {rec.path}")
        return 404, discord_error(0, "404: Not Found"), {}
