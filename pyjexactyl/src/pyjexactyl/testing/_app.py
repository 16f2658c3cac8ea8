"""The :class:`FakePanel` class: construction, lifecycle, the seeded records and the Jexactyl v3 extras.

Its builders are in ``_panel_builders``, its fault and throttle knobs in ``_panel_faults`` and the aiohttp
application it serves in ``_pipeline``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TypeVar

from aiohttp import web

from ._auth import totp_code
from ._faults import FaultQueue
from ._flavors import FLAVORS
from ._jexactyl_state import FakeAnalyticsMessage, FakeCoupon, JexactylData
from ._jexactyl_store import run_renewals
from ._panel_builders import PanelBuilders
from ._panel_faults import PanelFaults
from ._pipeline import build_app
from ._ratelimit import FixedWindowLimiter
from ._routing import Runtime
from ._seed import seed_default, seed_flavor
from ._state import FakeServer, FakeUser, RecordedRequest
from ._store import PanelStore
from ._wings_control import FakeWings

__all__ = ["FakePanel"]

T = TypeVar("T")


class FakePanel(PanelBuilders, PanelFaults):
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
