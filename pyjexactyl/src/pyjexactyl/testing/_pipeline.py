"""The aiohttp application behind :class:`FakePanel`: the request pipeline (recording, latency, fault
injection), each route's authentication, throttles and handler call, and the panel's error responses."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import math
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._application_routes import application_prelude
from ._auth import authenticate
from ._client_routes import client_prelude
from ._envelope import GENERIC_500, PanelError, error_body
from ._faults import Fault
from ._flavors import routes_for
from ._ratelimit import RateDecision, merge_headers
from ._routing import Ctx, Route, parse_json_body
from ._state import FakeUser, RecordedRequest, utcnow

if TYPE_CHECKING:
    from ._app import FakePanel

__all__ = ["build_app", "expects_json"]

log = logging.getLogger("pyjexactyl.testing")


_REDIRECT_BACK_CODES = {
    "ValidationException",
    "DisplayException",
    "TooManyBackupsException",
    "BackupLockedException",
    "InvalidPasswordProvidedException",
    "ServiceLimitExceededException",
    "TooManyDatabasesException",
    "NoSuitableDatabaseHostException",
    "AutoAllocationNotEnabledException",
    "NoAutoAllocationSpaceAvailableException",
    "ServerSubuserExistsException",
    "UserIsServerOwnerException",
    "FileSizeTooLargeException",
    "HasActiveServersException",
    "HasActiveNodesException",
    "ServerUsingAllocationException",
    "NoViableNodeException",
    "NoViableAllocationException",
    "TwoFactorAuthenticationTokenInvalid",
    "CidrOutOfRangeException",
    "PortOutOfRangeException",
    "InvalidPortMappingException",
    "TooManyPortsInRangeException",
}

_STATUS_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("BadRequestHttpException", "Bad Request"),
    401: ("AuthenticationException", "Unauthenticated."),
    403: ("AccessDeniedHttpException", "This action is unauthorized."),
    404: ("NotFoundHttpException", "The requested resource could not be found on the server."),
    405: ("MethodNotAllowedHttpException", "Method Not Allowed"),
    409: ("ConflictHttpException", "Conflict"),
    422: ("ValidationException", "The given data was invalid."),
    429: ("ThrottleRequestsException", "Too Many Attempts."),
    500: ("HttpException", GENERIC_500),
    502: ("HttpException", "Bad Gateway"),
    503: ("HttpException", "Service Unavailable"),
    504: (
        "DaemonConnectionException",
        "Could not establish a connection to the machine running this server. Please try again.",
    ),
}

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    520: "Web Server Returned an Unknown Error",
    521: "Web Server Is Down",
    522: "Connection Timed Out",
    524: "A Timeout Occurred",
}


def expects_json(request: web.Request) -> bool:
    """Laravel's ``expectsJson()``: the first Accept entry contains json, or an AJAX request accepting anything."""
    accept = request.headers.get("Accept", "")
    first = accept.split(",", 1)[0].split(";", 1)[0].strip().lower()
    if "/json" in first or "+json" in first:
        return True
    ajax = request.headers.get("X-Requested-With", "") == "XMLHttpRequest"
    return ajax and first in ("", "*/*", "*")


def _html_page(status: int, title: str, *, proxy: bool = False) -> str:
    if proxy:
        return (
            f"<!DOCTYPE html>\n<html>\n<head><title>{status} {html.escape(title)}</title></head>\n<body>\n"
            f"<center><h1>{status} {html.escape(title)}</h1></center>\n<hr><center>cloudflare</center>\n"
            "</body>\n</html>\n"
        )
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{html.escape(title)}</title></head>\n'
        f'<body><div class="code">{status}</div><div class="message">{html.escape(title)}</div></body>\n</html>\n'
    )


# ==================================================================================== pipeline
def _error_response(request: web.Request, panel: FakePanel, err: PanelError) -> web.StreamResponse:
    if expects_json(request):
        return web.Response(
            body=json.dumps(err.body(), indent=4).encode(),
            status=err.status,
            content_type="application/json",
            headers=err.headers,
        )
    base = panel.runtime.url
    if err.status == 401:
        raise_headers = dict(err.headers)
        raise_headers["Location"] = f"{base}/auth/login"
        return web.Response(
            status=302, headers=raise_headers, content_type="text/html", text=_html_page(302, "Redirecting")
        )
    if err.status == 422 or err.code in _REDIRECT_BACK_CODES:
        headers = dict(err.headers)
        headers["Location"] = request.headers.get("Referer") or f"{base}/"
        return web.Response(status=302, headers=headers, content_type="text/html", text=_html_page(302, "Redirecting"))
    return web.Response(
        status=err.status,
        headers=err.headers,
        content_type="text/html",
        text=_html_page(err.status, _REASONS.get(err.status, "Error")),
    )


def _fault_response(fault: Fault) -> web.StreamResponse:
    headers: dict[str, str] = dict(fault.headers or {})
    if fault.retry_after is not None:
        headers["Retry-After"] = str(max(0, math.ceil(fault.retry_after)))
    if fault.kind == "malformed":
        return web.Response(
            body=b'{"object":"list","data":[{"object":"server","attributes":{"name": "',
            status=200,
            content_type="application/json",
            headers=headers,
        )
    status = fault.status
    if fault.body is not None:
        if isinstance(fault.body, Mapping):
            return web.Response(
                body=json.dumps(dict(fault.body)).encode(),
                status=status,
                content_type="application/json",
                headers=headers,
            )
        raw = fault.body.encode() if isinstance(fault.body, str) else fault.body
        content_type = "text/html" if fault.html else "application/json"
        return web.Response(body=raw, status=status, content_type=content_type, headers=headers)
    if fault.html:
        return web.Response(
            text=_html_page(status, _REASONS.get(status, "Error"), proxy=True),
            status=status,
            content_type="text/html",
            headers={**headers, "Server": "cloudflare"},
        )
    code, detail = _STATUS_DEFAULTS.get(status, ("HttpException", _REASONS.get(status, "Error")))
    return web.Response(
        body=json.dumps(error_body(status, code, detail), indent=4).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


async def _stream(request: web.Request, fault: Fault) -> web.StreamResponse:
    """Sends ``fault.body`` (or whitespace without end) in chunks, without a ``Content-Length``."""
    response = web.StreamResponse(status=fault.status, headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    body = fault.body if isinstance(fault.body, bytes) else None
    size = fault.chunk_size
    filler = b" " * size
    sent = 0
    try:
        while body is None or sent < len(body):
            chunk = filler if body is None else body[sent : sent + size]
            await response.write(chunk)
            sent += len(chunk)
        await response.write_eof()
    except (ConnectionError, RuntimeError):  # the client hung up (aiohttp raises either, by version)
        pass
    return response


def _drop(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort() if hasattr(transport, "abort") else transport.close()


def _record_for(request: web.Request, body: bytes) -> RecordedRequest:
    parsed: Any = None
    if body and "json" in request.headers.get("Content-Type", "").lower():
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    peername = request.transport.get_extra_info("peername") if request.transport is not None else None
    peer = f"{peername[0]}:{peername[1]}" if isinstance(peername, tuple) and len(peername) >= 2 else None
    return RecordedRequest(
        method=request.method,
        path=request.path,
        query={key: request.query.getall(key) for key in dict.fromkeys(request.query.keys())},
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        json=parsed,
        timestamp=time.time(),
        peer=peer,
    )


def _unmatched(request: web.Request) -> PanelError | None:
    exc = request.match_info.http_exception
    if exc is None:
        return None
    path = request.path.lstrip("/")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        allowed = sorted(exc.allowed_methods)
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.insert(allowed.index("GET") + 1, "HEAD")
        return PanelError(
            405,
            "MethodNotAllowedHttpException",
            f"The {request.method} method is not supported for route {path}. Supported methods: {', '.join(allowed)}.",
        )
    return PanelError(404, "NotFoundHttpException", f"The route {path} could not be found.")


def build_app(panel: FakePanel) -> web.Application:
    """The aiohttp application serving ``panel``."""

    @web.middleware
    async def pipeline(request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        record = _record_for(request, body)
        panel._record(record)
        if panel.latency > 0:
            await asyncio.sleep(panel.latency)
        fault = panel.faults.take(request.path)
        if fault is not None:
            if fault.kind == "drop":
                _drop(request)
                raise asyncio.CancelledError
            response = await _stream(request, fault) if fault.kind == "stream" else _fault_response(fault)
        else:
            try:
                unmatched = _unmatched(request)
                if unmatched is not None:
                    raise unmatched
                response = await handler(request)
            except PanelError as err:
                response = _error_response(request, panel, err)
        record.status = response.status
        panel.runtime.changes.notify()
        return response

    app = web.Application(middlewares=[pipeline], client_max_size=64 * 1024 * 1024)
    for spec in routes_for(panel.flavor):
        if spec.method == "GET":
            app.router.add_get(spec.path, _make_handler(panel, spec), allow_head=True)
        else:
            app.router.add_route(spec.method, spec.path, _make_handler(panel, spec))
    return app


def _throttle_subject(panel: FakePanel, spec: Route, request: web.Request, user: FakeUser) -> str:
    """Whose window a route throttle counts: the user's, or the server's (Pelican's resource limits)."""
    if spec.throttle_scope == "server":
        with panel.store.lock:
            server = panel.store.find_server(request.match_info.get("server", ""))
        if server is not None:
            return server.uuid
    return user.uuid


def _make_handler(panel: FakePanel, spec: Route) -> Any:
    prelude = client_prelude if spec.api == "client" else application_prelude
    limiter = panel.client_limiter if spec.api == "client" else panel.application_limiter

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        store = panel.store
        with store.lock:
            user, key = authenticate(store, request.headers, spec.api, request.remote or "127.0.0.1")
        data: Any = {}
        if not spec.raw_body:
            trim = not request.path.startswith("/api/client/servers/") or "/files" not in request.path
            data = parse_json_body(body, request.headers.get("Content-Type", ""), trim=trim)
        decisions: list[RateDecision] = []
        if limiter.enabled:
            decisions.append(limiter.hit(f"{spec.api}:{user.uuid}"))
        if spec.throttle is not None and decisions and decisions[0].allowed:
            bucket = spec.throttle_bucket or spec.path
            route_limiter = panel._route_limiter(bucket, *spec.throttle)
            decisions.append(route_limiter.hit(f"{bucket}:{_throttle_subject(panel, spec, request, user)}"))
        headers = merge_headers(decisions)
        if any(not d.allowed for d in decisions):
            raise PanelError(429, "ThrottleRequestsException", "Too Many Attempts.", headers=headers)
        try:
            with store.lock:
                key.last_used_at = utcnow()
                ctx = Ctx(panel.runtime, request, user, key, request.match_info, body, data)
                prelude(ctx, spec)
                response = spec.handler(ctx)
        except PanelError as err:
            err.headers = {**headers, **err.headers}
            raise
        except Exception as exc:
            log.exception("FakePanel route %s %s crashed", spec.method, spec.path)
            raise PanelError(500, type(exc).__name__, GENERIC_500, headers=headers) from exc
        response.headers.update(headers)
        return response

    return handle
