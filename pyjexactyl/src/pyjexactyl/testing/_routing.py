"""Route declarations, the per-request context handed to route handlers, and response helpers."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiMapping

from ._changes import ChangeSignal
from ._envelope import Includes, PanelError, bad_request, single_issue
from ._state import FakeApiKey, FakeServer, FakeUser
from ._store import PanelStore
from ._validation import MISSING, RuleSpec, enforce

if TYPE_CHECKING:
    from ._wings_hooks import WingsHooks

__all__ = [
    "Ctx",
    "Route",
    "RouteTable",
    "Runtime",
    "accepted_empty_array",
    "json_response",
    "no_content",
]

Handler = Callable[["Ctx"], web.StreamResponse]
PermSpec = str | Callable[["Ctx"], str] | None


class Runtime:
    """State shared by all requests of one fake panel: the store, timings and the timer loop."""

    #: the fake Wings (set when the fake Wings is created for this runtime)
    wings: WingsHooks

    def __init__(
        self,
        store: PanelStore,
        *,
        power_delay: float,
        backup_duration: float,
        backup_throttle: tuple[int, float],
    ) -> None:
        self.store = store
        self.power_delay = power_delay
        self.backup_duration = backup_duration
        self.backup_throttle = backup_throttle
        self.url = ""
        self.loop: asyncio.AbstractEventLoop | None = None
        self.auto_allocation = False
        self.power_generation: dict[int, int] = {}
        self._handles: set[asyncio.TimerHandle] = set()
        self._handles_lock = threading.Lock()
        #: wakes tests waiting on the fake (``FakePanel.wait_for``) after every request and simulated change
        self.changes = ChangeSignal("fake panel")

    def later(self, delay: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` under the store lock after ``delay`` seconds on the server's loop."""
        loop = self.loop
        if loop is None or loop.is_closed():
            with self.store.lock:
                callback()
            self.changes.notify()
            return

        def run() -> None:
            with self._handles_lock:
                self._handles.discard(handle)
            with self.store.lock:
                callback()
            self.changes.notify()

        handle = loop.call_later(max(0.0, delay), run)
        with self._handles_lock:
            self._handles.add(handle)

    def cancel_timers(self) -> None:
        """Cancel every pending simulated transition (on shutdown)."""
        with self._handles_lock:
            for handle in self._handles:
                handle.cancel()
            self._handles.clear()


@dataclass
class Ctx:
    """What a route handler sees: the authenticated user, parsed input and resolved path objects."""

    runtime: Runtime
    request: web.Request
    user: FakeUser
    key: FakeApiKey
    params: Mapping[str, str]
    body: bytes
    data: Any  # parsed JSON body after TrimStrings / ConvertEmptyStringsToNull, or {} when absent
    server: FakeServer | None = None
    resolved: dict[str, Any] = field(default_factory=dict)

    @property
    def store(self) -> PanelStore:
        """The panel database."""
        return self.runtime.store

    @property
    def query(self) -> MultiMapping[str]:
        """The query string."""
        return self.request.query

    @property
    def query_items(self) -> list[tuple[str, str]]:
        """The query string as ordered pairs (used to build client pagination links)."""
        return list(self.request.query.items())

    @property
    def base_url(self) -> str:
        """Absolute URL of the requested path, without query."""
        return self.runtime.url + self.request.path

    @property
    def ip(self) -> str:
        """The caller's address."""
        return self.request.remote or "127.0.0.1"

    @property
    def srv(self) -> FakeServer:
        """The resolved ``{server}`` (client server routes only)."""
        assert self.server is not None
        return self.server

    def field(self, name: str, default: Any = None) -> Any:
        """A body field (``default`` when absent)."""
        if isinstance(self.data, Mapping):
            value = self.data.get(name, MISSING)
            return default if value is MISSING else value
        return default

    def has(self, name: str) -> bool:
        """Whether the body contains ``name``."""
        return isinstance(self.data, Mapping) and name in self.data

    def validate(
        self,
        rules: list[tuple[str, RuleSpec]],
        data: Any = None,
        attributes: Mapping[str, str] | None = None,
    ) -> None:
        """Validate the body (or ``data``); raises a 422."""
        payload = self.data if data is None else data
        enforce(payload if isinstance(payload, Mapping) else {}, rules, attributes)

    def includes(self) -> Includes:
        """``include=a,b`` or ``include[]=a``, with what the key may read (application ``r_*`` bits)."""
        names: set[str] = set()
        for key, value in self.request.query.items():
            if key in ("include", "include[]"):
                names.update(part.strip() for part in value.split(",") if part.strip())
        return Includes(names, self.can_read)

    def can_read(self, resource: str) -> bool:
        """``BaseTransformer::authorize``: an application key needs the read bit of ``resource``; an account
        key (a root admin's, on the application API) passes."""
        if self.key.kind != "application":
            return True
        return bool(self.key.permissions.get(f"r_{resource}", 0) & 1)

    def page_params(self, default: int, maximum: int | None) -> tuple[int, int]:
        """``(page, per_page)`` from the query, clamped the way the panel does."""
        page = _int(self.request.query.get("page"), 1)
        if page < 1:
            page = 1
        per_page = _int(self.request.query.get("per_page"), default)
        if per_page < 1:
            per_page = default
        if maximum is not None:
            per_page = min(per_page, maximum)
        return page, per_page

    def filters(self) -> dict[str, str]:
        """``filter[x]=v`` query parameters as ``{x: v}``."""
        out: dict[str, str] = {}
        for key, value in self.request.query.items():
            if key.startswith("filter[") and key.endswith("]"):
                out[key[7:-1]] = value
        return out

    def check_filters(self, allowed: list[str]) -> dict[str, str]:
        """Return the filters or raise 400 ``InvalidFilterQuery`` for one outside ``allowed``."""
        given = self.filters()
        unknown = [name for name in given if name not in allowed]
        if unknown:
            raise PanelError(
                400,
                "InvalidFilterQuery",
                f"Requested filter(s) `{', '.join(unknown)}` are not allowed. "
                f"Allowed filter(s) are `{', '.join(allowed)}`.",
            )
        return {k: v for k, v in given.items() if v != ""}

    def sort_key(self, allowed: list[str]) -> tuple[str, bool] | None:
        """``sort=field`` / ``sort=-field`` or 400 ``InvalidSortQuery``; returns ``(field, descending)``."""
        raw = self.request.query.get("sort")
        if not raw:
            return None
        descending = raw.startswith("-")
        name = raw.lstrip("-")
        if name not in allowed:
            raise PanelError(
                400,
                "InvalidSortQuery",
                f"Requested sort(s) `{name}` is not allowed. Allowed sort(s) are `{', '.join(allowed)}`.",
            )
        return name, descending


def _int(value: str | None, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value.strip())
    except ValueError:
        return default


@dataclass(frozen=True)
class Route:
    """One panel route."""

    method: str
    path: str
    handler: Handler
    api: str
    perm: PermSpec = None
    acl: tuple[str, int] | None = None
    gate: bool = True
    throttle: tuple[int, float] | None = None
    raw_body: bool = False
    #: Routes with the same bucket share one throttle window (Jexactyl's ``storefront``); default: the path.
    throttle_bucket: str | None = None
    #: ``"user"``: one window per user (Laravel's named limiters); ``"server"``: per server (Pelican's
    #: resource limits).
    throttle_scope: str = "user"


class RouteTable:
    """Collects routes declared with :meth:`route`."""

    def __init__(self, api: str, prefix: str) -> None:
        self.api = api
        self.prefix = prefix
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        perm: PermSpec = None,
        acl: tuple[str, int] | None = None,
        gate: bool = True,
        throttle: tuple[int, float] | None = None,
        raw_body: bool = False,
        throttle_bucket: str | None = None,
        throttle_scope: str = "user",
    ) -> Callable[[Handler], Handler]:
        """Decorator registering ``handler`` for ``method prefix+path``."""

        def decorator(handler: Handler) -> Handler:
            full = (self.prefix + path).rstrip("/") if path != "" else self.prefix
            self.routes.append(
                Route(
                    method,
                    full or "/",
                    handler,
                    self.api,
                    perm,
                    acl,
                    gate,
                    throttle,
                    raw_body,
                    throttle_bucket,
                    throttle_scope,
                )
            )
            return handler

        return decorator


# ------------------------------------------------------------------------------------ responses
def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """A JSON response (``application/json``)."""
    return web.Response(
        body=json.dumps(data, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
        headers=dict(headers or {}),
    )


def no_content() -> web.Response:
    """204 with an empty body."""
    return web.Response(status=204)


def accepted_empty_array() -> web.Response:
    """202 with the literal body ``[]``."""
    return json_response([], status=202)


# ------------------------------------------------------------------------------------ input
_NO_TRIM = {"password", "password_confirmation", "current_password"}


def normalise_input(value: Any, *, trim: bool, key: str | None = None) -> Any:
    """Laravel's ``TrimStrings`` + ``ConvertEmptyStringsToNull`` on a decoded JSON body."""
    if isinstance(value, str):
        if trim and key not in _NO_TRIM:
            value = value.strip()
        return None if value == "" else value
    if isinstance(value, dict):
        return {k: normalise_input(v, trim=trim, key=k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise_input(v, trim=trim) for v in value]
    return value


def parse_json_body(body: bytes, content_type: str, *, trim: bool) -> Any:
    """Decode a JSON request body, raising the panel's 400 for malformed JSON."""
    if not body.strip():
        return {}
    if "json" not in content_type.lower():
        return {}
    try:
        decoded = json.loads(body)
    except ValueError as exc:
        raise bad_request(f"The JSON data passed in the request appears to be malformed: {_json_error(exc)}") from None
    return normalise_input(decoded, trim=trim)


def _json_error(exc: ValueError) -> str:
    message = str(exc).lower()
    if "control character" in message:
        return "Control character error, possibly incorrectly encoded"
    return "Syntax error"


def require_string_query(ctx: Ctx, name: str) -> str:
    """A required query parameter (422 when absent)."""
    value = ctx.query.get(name)
    if value is None or value.strip() == "":
        raise single_issue(name, "required", f"The {name} field is required.")
    return value
