"""The :class:`FakePanel` class, its aiohttp application and request pipeline."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from ._application_routes import application_prelude
from ._auth import authenticate, totp_code
from ._client_routes import client_prelude
from ._envelope import GENERIC_500, PanelError, error_body
from ._faults import Fault, FaultQueue
from ._flavors import FLAVORS, routes_for
from ._jexactyl_state import FakeAnalyticsMessage, FakeCoupon, JexactylData
from ._jexactyl_store import run_renewals
from ._ratelimit import FixedWindowLimiter, RateDecision, merge_headers
from ._routing import Ctx, Route, Runtime, parse_json_body
from ._seed import seed_default, seed_flavor
from ._state import (
    FakeAllocation,
    FakeBackup,
    FakeDatabaseHost,
    FakeEgg,
    FakeLocation,
    FakeNest,
    FakeNode,
    FakeServer,
    FakeSubuser,
    FakeUser,
    RecordedRequest,
    utcnow,
)
from ._store import PanelStore
from ._wings_control import FakeWings

__all__ = ["FakePanel"]

T = TypeVar("T")

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


class FakePanel:
    """A fake Jexactyl / Pterodactyl / Pelican panel served over real HTTP on ``127.0.0.1``.

    By default it implements the client API (69 routes) and the application API (42 routes) of Pterodactyl
    1.11 (= Jexactyl v3's core) with the panel's envelopes, errors, pagination, authentication, rate limits
    and asynchronous power / backup behaviour; ``flavor`` picks another panel (see :mod:`pyjexactyl.testing`
    for what each one changes, an example and the seed).

    Args:
        flavor: ``"pterodactyl"`` (default), ``"jexactyl"`` (v3: store, renewal, tickets, referrals...),
            ``"jexactyl4"`` or ``"pelican"``.
        client_rate_limit: requests per window per user on ``/api/client`` (``0`` disables the throttle;
            default: the flavor's, 720 or Pelican's 256).
        application_rate_limit: requests per window per user on ``/api/application`` (default: the
            flavor's, 240 or Pelican's 256).
        rate_period: window length in seconds (fixed window).
        latency: seconds every request waits before it is answered (concurrent requests overlap).
        power_delay: seconds each power-state step (and a reinstall) takes.
        backup_duration: seconds a backup (or a restore) takes to complete.
        backup_throttle: ``(count, period)``: at most ``count`` backups per server per ``period`` s.
        seed: fill the panel with the default seed (see :mod:`pyjexactyl.testing`).
        host: address to bind.
        port: port to bind (``0`` picks a free one).
        random_seed: seed of the generator behind uuids, keys and identifiers (reproducible by default;
            ``None`` makes every panel different).
        websocket_token_ttl: lifetime in seconds of the websocket JWTs (the panel's is 600); the fake
            Wings' expiry check interval and ``token expiring`` threshold scale with it (see :class:`FakeWings`).
        websocket_stats_interval: seconds between websocket ``stats`` frames while a server runs.
        websocket_allowed_origins: ``Origin`` values the fake Wings accepts besides the panel URL (``"*"``: any).

    The fake Wings behind the panel is :attr:`wings` (a :class:`FakeWings`).
    """

    def __init__(
        self,
        *,
        flavor: str = "pterodactyl",
        client_rate_limit: int | None = None,
        application_rate_limit: int | None = None,
        rate_period: float = 60.0,
        latency: float = 0.0,
        power_delay: float = 0.2,
        backup_duration: float = 0.2,
        backup_throttle: tuple[int, float] = (2, 600.0),
        seed: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        random_seed: int | None = 0x5EED,
        websocket_token_ttl: int = 600,
        websocket_stats_interval: float = 1.0,
        websocket_allowed_origins: Iterable[str] = (),
    ) -> None:
        if flavor not in FLAVORS:
            raise ValueError(f"unknown flavor {flavor!r}; choose one of {', '.join(FLAVORS)}")
        spec = FLAVORS[flavor]
        if client_rate_limit is None:
            client_rate_limit = spec.client_limit
        if application_rate_limit is None:
            application_rate_limit = spec.application_limit
        self.flavor = flavor
        self.store = PanelStore(rng_seed=random_seed, flavor=flavor)
        self.runtime = Runtime(
            self.store, power_delay=power_delay, backup_duration=backup_duration, backup_throttle=backup_throttle
        )
        self.client_limiter = FixedWindowLimiter(client_rate_limit, rate_period)
        self.application_limiter = FixedWindowLimiter(application_rate_limit, rate_period)
        self._route_limiters: dict[str, FixedWindowLimiter] = {}
        self.faults = FaultQueue()
        self.latency = latency
        self.host = host
        self.port = port
        self.requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self._admin: FakeUser | None = None
        self._user: FakeUser | None = None
        self._application_key = ""
        if seed:
            result = seed_default(self.store)
            self._admin, self._user = result.admin, result.user
            self._application_key = result.application_key.token
            seed_flavor(self.store, result)
        #: the fake Wings: websocket controls, records and knobs (see :class:`FakeWings`)
        self.wings = FakeWings(
            self.runtime,
            host=host,
            token_ttl=websocket_token_ttl,
            stats_interval=websocket_stats_interval,
            allowed_origins=websocket_allowed_origins,
        )

    # ================================================================================ lifecycle
    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (available once started)."""
        if not self.runtime.url:
            raise RuntimeError("FakePanel is not running; use 'async with panel' or panel.start()")
        return self.runtime.url

    @property
    def running(self) -> bool:
        """Whether the HTTP server is up."""
        return self._runner is not None

    async def start_async(self) -> FakePanel:
        """Start serving on the running event loop (what ``async with panel`` does)."""
        if self._runner is not None:
            raise RuntimeError("FakePanel is already running")
        self.runtime.loop = asyncio.get_running_loop()
        runner = web.AppRunner(build_app(self), access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        address = runner.addresses[0]
        self.port = int(address[1])
        host = self.host if ":" not in self.host else f"[{self.host}]"
        self.runtime.url = f"http://{host}:{self.port}"
        self._runner = runner
        await self.wings.start()
        return self

    async def stop_async(self) -> None:
        """Stop serving and cancel pending simulated transitions."""
        runner, self._runner = self._runner, None
        self.runtime.cancel_timers()
        if runner is not None:
            await self.wings.stop()
            await runner.cleanup()
        self.runtime.loop = None

    async def __aenter__(self) -> FakePanel:
        return await self.start_async()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop_async()

    def start(self) -> FakePanel:
        """Serve from a daemon thread with its own event loop; for synchronous tests. Returns ``self``."""
        if self._thread is not None or self._runner is not None:
            raise RuntimeError("FakePanel is already running")
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start_async())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        thread = threading.Thread(target=run, name="FakePanel", daemon=True)
        self._thread, self._thread_loop = thread, loop
        thread.start()
        ready.wait()
        if failure:
            self._thread = self._thread_loop = None
            thread.join()
            loop.close()
            raise failure[0]
        return self

    def stop(self) -> None:
        """Stop a panel started with :meth:`start`."""
        thread, loop = self._thread, self._thread_loop
        if thread is None or loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self.stop_async(), loop)
        with contextlib.suppress(Exception):
            future.result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        self._thread = self._thread_loop = None

    def __enter__(self) -> FakePanel:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ================================================================================ seeded data
    @property
    def admin(self) -> FakeUser:
        """The seeded root admin (``admin``)."""
        if self._admin is None:
            raise RuntimeError("the panel was created with seed=False; add users with add_user()")
        return self._admin

    @property
    def user(self) -> FakeUser:
        """The seeded regular user (``alice``)."""
        if self._user is None:
            raise RuntimeError("the panel was created with seed=False; add users with add_user()")
        return self._user

    @property
    def application_key(self) -> str:
        """The seeded ``ptla_`` key (48 characters) with every ``r_*`` permission."""
        if not self._application_key:
            raise RuntimeError("the panel was created with seed=False; add one with add_api_key()")
        return self._application_key

    @property
    def servers(self) -> list[FakeServer]:
        """Every server, by id."""
        with self.store.lock:
            return list(self.store.servers.values())

    @property
    def users(self) -> list[FakeUser]:
        """Every user, by id."""
        with self.store.lock:
            return list(self.store.users.values())

    def server(self, ref: int | str) -> FakeServer:
        """A server by id, 8-character identifier, uuid or exact name."""
        with self.store.lock:
            if isinstance(ref, int):
                found = self.store.servers.get(ref)
            else:
                found = self.store.find_server(ref) or next(
                    (s for s in self.store.servers.values() if s.name == ref), None
                )
            if found is None:
                raise KeyError(ref)
            return found

    @property
    def auto_allocation(self) -> bool:
        """Whether ``POST /network/allocations`` may auto-assign (off by default, like the panel)."""
        return self.runtime.auto_allocation

    @auto_allocation.setter
    def auto_allocation(self, value: bool) -> None:
        self.runtime.auto_allocation = value

    # ================================================================================ builders
    def add_user(
        self,
        username: str,
        email: str | None = None,
        *,
        admin: bool = False,
        first_name: str = "Test",
        last_name: str = "User",
        external_id: str | None = None,
        password: str = "password",
        create_key: bool = True,
    ) -> FakeUser:
        """Add a user; unless ``create_key`` is false it gets a client key in ``.client_key``."""
        with self.store.lock:
            user = self.store.create_user(
                username,
                email,
                admin=admin,
                first_name=first_name,
                last_name=last_name,
                external_id=external_id,
                password=password,
            )
            if create_key:
                user.client_key = self.store.create_api_key(user).token
            return user

    def add_api_key(
        self,
        user: FakeUser,
        *,
        kind: str = "client",
        permissions: Mapping[str, int] | None = None,
        description: str | None = None,
        allowed_ips: Iterable[str] = (),
    ) -> str:
        """Add a key for ``user`` and return the 48-character bearer token.

        ``kind`` is ``"client"`` (``ptlc_``) or ``"application"`` (``ptla_``). For application keys,
        ``permissions`` maps resources (``"servers"`` or ``"r_servers"``) to bits (1 read, 2 write,
        3 both); resources not given default to 3.
        """
        with self.store.lock:
            key = self.store.create_api_key(
                user,
                kind=kind,
                permissions=dict(permissions) if permissions is not None else None,
                description=description,
                allowed_ips=allowed_ips,
            )
            return key.token

    def add_server(
        self,
        owner: FakeUser,
        name: str = "Server",
        *,
        state: str = "offline",
        status: str | None = None,
        suspended: bool = False,
        backup_limit: int = 3,
        database_limit: int | None = 2,
        allocation_limit: int | None = 3,
        node: FakeNode | None = None,
        egg: FakeEgg | None = None,
        memory: int = 1024,
        disk: int = 5120,
        cpu: int = 100,
        description: str = "",
        external_id: str | None = None,
    ) -> FakeServer:
        """Add a server owned by ``owner`` with one free allocation of ``node`` (the first node by default).

        ``state`` is the power state (``offline``/``starting``/``running``/``stopping``); ``status``
        the panel status (``None``, ``installing``, ``install_failed``, ``suspended``,
        ``restoring_backup``...). ``suspended=True`` is a shortcut for ``status="suspended"``.
        """
        with self.store.lock:
            return self.store.create_server(
                owner,
                name,
                node=node,
                egg=egg,
                state=state,
                status="suspended" if suspended else status,
                backup_limit=backup_limit,
                database_limit=database_limit,
                allocation_limit=allocation_limit,
                memory=memory,
                disk=disk,
                cpu=cpu,
                description=description,
                external_id=external_id,
            )

    def add_servers(self, owner: FakeUser, count: int, name_prefix: str = "srv") -> list[FakeServer]:
        """Add ``count`` offline servers named ``<prefix>-001``... (allocations are created as needed)."""
        width = max(3, len(str(count)))
        with self.store.lock:
            return [self.store.create_server(owner, f"{name_prefix}-{i:0{width}d}") for i in range(1, count + 1)]

    def add_subuser(self, server: FakeServer, user: FakeUser, permissions: Iterable[str]) -> FakeSubuser:
        """Make ``user`` a subuser of ``server`` (``websocket.connect`` is always added; unknown strings dropped)."""
        with self.store.lock:
            return self.store.create_subuser(server, user, permissions)

    def add_backup(
        self,
        server: FakeServer,
        name: str = "Backup",
        *,
        completed: bool = True,
        successful: bool = True,
        locked: bool = False,
        bytes: int = 52428800,
        ignored: Iterable[str] = (),
    ) -> FakeBackup:
        """Add a backup (finished unless ``completed`` is false).

        Backups added this way are treated as old: they do not count toward the creation throttle.
        """
        with self.store.lock:
            backup = self.store.create_backup(
                server, name, completed=completed, successful=successful, locked=locked, size=bytes, ignored=ignored
            )
            backup.created_monotonic = -math.inf
            return backup

    def add_location(self, short: str, long: str | None = None) -> FakeLocation:
        """Add a location."""
        with self.store.lock:
            return self.store.create_location(short, long)

    def add_node(self, name: str = "Node", *, location: FakeLocation | None = None, **fields: Any) -> FakeNode:
        """Add a node (in the first location by default); keyword arguments set :class:`FakeNode` fields."""
        with self.store.lock:
            if location is None:
                if not self.store.locations:
                    location = self.store.create_location("loc1")
                else:
                    location = next(iter(self.store.locations.values()))
            return self.store.create_node(name, location, **fields)

    def add_allocations(
        self, node: FakeNode, ip: str, ports: Iterable[int], alias: str | None = None
    ) -> list[FakeAllocation]:
        """Add one allocation per port on ``node``."""
        with self.store.lock:
            return self.store.create_allocations(node, ip, ports, alias)

    def add_nest(self, name: str, description: str | None = None) -> FakeNest:
        """Add a nest."""
        with self.store.lock:
            return self.store.create_nest(name, description)

    def add_egg(
        self,
        nest: FakeNest,
        name: str,
        *,
        docker_images: Mapping[str, str] | None = None,
        startup: str = "",
        variables: Iterable[Mapping[str, Any]] = (),
        **fields: Any,
    ) -> FakeEgg:
        """Add an egg; each of ``variables`` is a mapping of :class:`FakeEggVariable` fields."""
        with self.store.lock:
            return self.store.create_egg(
                nest,
                name,
                docker_images=dict(docker_images) if docker_images else None,
                startup=startup,
                variables=[dict(v) for v in variables],
                **fields,
            )

    def add_database_host(self, name: str, **fields: Any) -> FakeDatabaseHost:
        """Add a database host."""
        with self.store.lock:
            return self.store.create_database_host(name, **fields)

    def auth_headers(self, key: FakeUser | str | None = None) -> dict[str, str]:
        """``Authorization`` + ``Accept: application/json`` for a raw HTTP client.

        ``key`` is a user (their ``client_key``), a bearer token, or ``None`` for the seeded regular user.
        """
        if key is None:
            key = self.user
        token = key.client_key if isinstance(key, FakeUser) else key
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def totp_code(self, user: FakeUser) -> str:
        """The current two-factor code of ``user`` (after ``GET /account/two-factor``)."""
        if not user.totp_secret:
            raise ValueError("the user has no two-factor secret yet")
        return totp_code(user.totp_secret)

    # ================================================================================ Jexactyl v3
    @property
    def jexactyl(self) -> JexactylData:
        """Jexactyl v3's own records: ``settings`` (prices, limits, renewal cost and period, switches),
        tickets, referral codes, coupons, analytics notes (served with ``flavor="jexactyl"``)."""
        return self.store.jexactyl

    def add_coupon(self, code: str, credits: int, *, uses: int = 1, expired: bool = False) -> FakeCoupon:
        """Add a store coupon worth ``credits`` that can be used ``uses`` times."""
        with self.store.lock:
            coupon = FakeCoupon(code, credits, uses, expired)
            self.store.jexactyl.coupons[code] = coupon
            return coupon

    def add_analytics_message(
        self, server: FakeServer, title: str, content: str, kind: str = "warning"
    ) -> FakeAnalyticsMessage:
        """Add an analytics note about ``server`` (``GET /servers/{s}/analytics/messages``)."""
        with self.store.lock:
            message = FakeAnalyticsMessage(self.store.next_id("analytics_messages"), server.id, title, content, kind)
            self.store.jexactyl.analytics_messages.append(message)
            return message

    def run_renewals(self, days: int = 1) -> list[FakeServer]:
        """Run Jexactyl's daily renewal job ``days`` times: every renewable server loses a day of ``renewal``,
        is suspended when it reaches 0 and deleted at -7. Returns the deleted servers."""
        with self.store.lock:
            return run_renewals(self.store, self.runtime, days)

    # ================================================================================ knobs
    def console_output(self, server: FakeServer | int | str, *lines: str) -> None:
        """Make ``server`` print ``lines`` on its console (every websocket and the history see them).

        A shortcut for ``panel.wings.console_output``; the other websocket controls are on :attr:`wings`.
        """
        self.wings.console_output(server, *lines)

    def set_latency(self, seconds: float) -> None:
        """Delay every following response by ``seconds``."""
        self.latency = max(0.0, seconds)

    def set_rate_limit(self, api: str, limit: int, period: float | None = None) -> None:
        """Change the throttle of ``"client"`` or ``"application"`` (and forget current windows)."""
        limiter = {"client": self.client_limiter, "application": self.application_limiter}[api]
        limiter.limit = limit
        if period is not None:
            limiter.period = period
        limiter.reset()

    def reset_rate_limits(self) -> None:
        """Forget every throttle window."""
        self.client_limiter.reset()
        self.application_limiter.reset()
        for limiter in self._route_limiters.values():
            limiter.reset()

    def fail_next(
        self,
        count: int,
        status: int,
        *,
        html: bool = False,
        body: str | bytes | Mapping[str, Any] | None = None,
        path_prefix: str | None = None,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next ``count`` requests (under ``path_prefix``) with ``status``.

        The body is the panel's JSON error envelope, an HTML error page like a proxy's (``html=True``),
        or ``body`` verbatim (a mapping is sent as JSON): with ``status=200`` and a list envelope as ``body``
        the panel can claim anything, e.g. an absurd ``total_pages``. ``retry_after`` adds a ``Retry-After``
        header, ``headers`` any others (``X-RateLimit-Reset``...). Faults are answered before
        authentication and rate limiting and change no state.
        """
        self.faults.add(
            Fault(
                "status",
                count,
                status=status,
                html=html,
                body=body,
                path_prefix=path_prefix,
                retry_after=retry_after,
                headers=headers,
            )
        )

    def stream_next(
        self,
        count: int,
        body: bytes | None = None,
        *,
        status: int = 200,
        chunk_size: int = 16384,
        path_prefix: str | None = None,
    ) -> None:
        """Answer the next ``count`` requests with ``body`` sent in chunks of ``chunk_size`` bytes, without a
        ``Content-Length`` (chunked transfer encoding); with ``body=None`` the stream never ends (JSON
        whitespace until the client hangs up). For testing how a client bounds what it reads."""
        self.faults.add(
            Fault("stream", count, status=status, body=body, path_prefix=path_prefix, chunk_size=chunk_size)
        )

    def malformed_next(self, count: int, *, path_prefix: str | None = None) -> None:
        """Answer the next ``count`` requests with 200 and a truncated JSON body."""
        self.faults.add(Fault("malformed", count, status=200, path_prefix=path_prefix))

    def drop_next(self, count: int, *, path_prefix: str | None = None) -> None:
        """Close the connection of the next ``count`` requests without answering.

        Clients see a disconnect (aiohttp: ``ServerDisconnectedError``). aiohttp's ``ClientSession``
        silently retries an idempotent request (GET, HEAD, PUT, DELETE...) once after a disconnect, so
        drop two to make such a request fail; a POST fails on the first drop.
        """
        self.faults.add(Fault("drop", count, path_prefix=path_prefix))

    def reset_faults(self) -> None:
        """Forget every queued fault."""
        self.faults.clear()

    def clear_requests(self) -> None:
        """Empty :attr:`requests`."""
        with self._requests_lock:
            self.requests.clear()

    def _route_limiter(self, path: str, limit: int, period: float) -> FixedWindowLimiter:
        """The per-route throttle of ``path`` (created on first use)."""
        limiter = self._route_limiters.get(path)
        if limiter is None:
            limiter = self._route_limiters[path] = FixedWindowLimiter(limit, period)
        return limiter

    def _record(self, record: RecordedRequest) -> None:
        with self._requests_lock:
            self.requests.append(record)
        self.runtime.changes.notify()

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy and return its value. It is re-checked whenever the fake
        changes: a request arrives or is answered, a simulated transition happens (a power step, a backup or
        restore finishing, an install ending), a websocket frame or connection is recorded.

        Args:
            predicate: Reads the fake's state (records such as :class:`FakeServer` are live).
            timeout: Seconds before giving up.

        Raises:
            TimeoutError: when ``timeout`` seconds pass first.

        Example:
            >>> await panel.wait_for(lambda: panel.server("Creative").state == "running")  # doctest: +SKIP
        """
        return await self.runtime.changes.wait_for(predicate, timeout)

    def wait_for_sync(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """:meth:`wait_for` from a thread that is not running the panel (a panel served by :meth:`start`).

        Example:
            >>> panel.wait_for_sync(lambda: backup.completed_at is not None)  # doctest: +SKIP
        """
        return self.runtime.changes.wait_for_sync(predicate, timeout)


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
