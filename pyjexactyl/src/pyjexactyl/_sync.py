"""The sync client, built generically over the async core.

:class:`Jexactyl` owns one :class:`AsyncJexactyl` and one event loop running in a private daemon thread.
Attribute access is proxied: a namespace comes back wrapped, an ``async`` endpoint method comes back as a
plain function (same name, same docstring, same signature) that runs the coroutine on that loop and waits
for it, and an :class:`AsyncPaginatedResponse` result is handed back as a :class:`PaginatedResponse`. So
every endpoint is defined once, and sync and async raise the same exceptions.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import inspect
import logging
import sys
import threading
import time
import warnings
from collections.abc import Callable, Coroutine, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from ._client import AsyncJexactyl
from ._config import (
    APPLICATION_RATE_LIMIT,
    CLIENT_RATE_LIMIT,
    DEFAULT_TIMEOUT,
    MAX_RESPONSE_BYTES,
    ClientConfig,
)
from ._endpoints.base import Namespace
from .responses import AsyncPaginatedResponse, PaginatedResponse

if TYPE_CHECKING:
    from ._sync_types import SyncClientAPI, SyncLocations, SyncNests, SyncNodes, SyncServers, SyncUsers

    class _TypedNamespaces:
        """What type checkers and IDEs see of :class:`Jexactyl`'s namespaces: the typed interfaces generated
        in ``_sync_types`` (the same attributes as its ``SyncRoot``; a test keeps them in step)."""

        client: SyncClientAPI
        locations: SyncLocations
        nests: SyncNests
        nodes: SyncNodes
        servers: SyncServers
        user: SyncUsers
        users: SyncUsers

else:
    # At run time Jexactyl's namespaces come from ``__getattr__`` and its class is exactly as before.
    _TypedNamespaces = object

__all__ = ["Jexactyl"]

T = TypeVar("T")


EXIT_WAIT = 0.5
"""Seconds the interpreter's exit waits, in all, for the clients nobody closed to close their sessions."""

CLOSE_WAIT = 5.0
"""Seconds :meth:`Jexactyl.close` waits for the loop thread to end."""

_live: set[_LoopThread] = set()
"""Loop threads started and not stopped yet (the exit hook stops them)."""
_live_lock = threading.RLock()  # re-entrant: a __del__ run by the GC may stop a loop while this thread holds it


class _LoopThread:
    """An event loop in a daemon thread, started on first use, stopped by :meth:`stop` or at interpreter exit.

    Stopping cancels the calls in flight on the loop (a caller waiting on one gets ``CancelledError`` instead
    of waiting forever), runs ``on_stop`` (the client's ``close()``) there, finishes the loop's async
    generators, and lets the thread close its own loop; the caller may wait for that or not.

    Why an exit hook: a daemon thread is frozen once the interpreter starts finalising, so nothing may wait
    on the loop from then on (``Jexactyl.__del__`` run at that stage used to wait forever). ``atexit``
    callbacks run after the non-daemon threads have been joined and before daemon threads are frozen: the
    hook stops every loop still running, waiting :data:`EXIT_WAIT` seconds at most.

    Args:
        label: What the :class:`ResourceWarning` of an unclosed client names, e.g. ``Jexactyl(url=...)``.
        on_stop: Coroutine function run on the loop before it stops.
    """

    def __init__(self, label: str, on_stop: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._label = label
        self._on_stop = on_stop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=_LoopThread._main, args=(loop, ready), name="pyjexactyl-loop", daemon=True
                )
                try:
                    thread.start()
                except BaseException:
                    loop.close()
                    raise
                ready.wait()
                self._loop, self._thread = loop, thread
                with _live_lock:
                    _live.add(self)
            return self._loop

    @staticmethod
    def _main(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
            # stop() was called and the client is closed: end what is left, as asyncio.run does.
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    @property
    def running(self) -> bool:
        return self._loop is not None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self._ensure()
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("a sync pyjexactyl call was made from inside its own event loop")
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    def stop(self, wait: float | None) -> threading.Thread | None:
        """Closes the client on the loop and stops it; never blocks unless ``wait`` is given.

        Safe from any thread, the loop thread included (it then never waits), and from ``__del__``.

        Args:
            wait: Seconds to wait for the thread to end; ``None`` returns at once.

        Returns:
            The thread that was running the loop, or ``None`` if none was.
        """
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return None
        with _live_lock:
            _live.discard(self)
        try:
            loop.call_soon_threadsafe(self._begin_stop, loop)
        except RuntimeError:  # the loop is already closed
            return None
        if wait is not None and threading.current_thread() is not thread:
            thread.join(wait)
        return thread

    def _begin_stop(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the loop: cancels the calls in flight, runs ``on_stop`` (both bounded), then stops the loop."""
        on_stop = self._on_stop

        async def close_then_stop() -> None:
            try:
                others = asyncio.all_tasks(loop) - {asyncio.current_task()}
                for task in others:
                    task.cancel()
                if others:
                    await asyncio.wait(others, timeout=CLOSE_WAIT)
                await asyncio.wait_for(on_stop(), CLOSE_WAIT)
            except Exception:  # the loop stops whatever happened; a failed close has nobody to report to
                pass
            finally:
                loop.stop()

        loop.create_task(close_then_stop())

    def abandon(self, source: object = None) -> threading.Thread | None:
        """The client was not closed (garbage-collected, or the interpreter is exiting): stops without
        waiting, then warns once with a :class:`ResourceWarning` (shown with ``-W default`` or ``-X dev``).

        Returns:
            The loop's thread if it was running, so the caller may wait for it.
        """
        thread = self.stop(wait=None)
        if thread is not None:
            self.warn_unclosed(source)
        return thread

    def warn_unclosed(self, source: object = None) -> None:
        """The one :class:`ResourceWarning` of a client that was not closed."""
        message = f"unclosed {self._label}: close it with close() or a with block"
        warnings.warn(message, ResourceWarning, stacklevel=1, source=source)


def _stop_all_at_exit() -> None:
    """``atexit`` hook: stops the loop of every client still open, waiting :data:`EXIT_WAIT` s in all."""
    with _live_lock:
        loops = list(_live)
    stopped = [(loop_thread, loop_thread.stop(wait=None)) for loop_thread in loops]
    deadline = time.monotonic() + EXIT_WAIT
    for _, thread in stopped:
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
    for loop_thread, thread in stopped:  # after the waiting: a warning made an error must not stop the rest
        if thread is not None:
            loop_thread.warn_unclosed()


atexit.register(_stop_all_at_exit)


class _SyncNamespace:
    """A namespace seen through the sync client."""

    __slots__ = ("_sync_cache", "_sync_run", "_sync_target")

    def __init__(self, target: object, run: Callable[[Coroutine[Any, Any, Any]], Any]) -> None:
        self._sync_target = target
        self._sync_run = run
        self._sync_cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        cache = self._sync_cache
        if name in cache:
            return cache[name]
        value = _wrap(getattr(self._sync_target, name), self._sync_run)
        if not name.startswith("_"):
            cache[name] = value
        return value

    def __dir__(self) -> Iterable[str]:
        return sorted(n for n in dir(self._sync_target) if not n.startswith("_"))

    @property
    def __doc__(self) -> str | None:  # type: ignore[override]
        return type(self._sync_target).__doc__

    def __repr__(self) -> str:
        return repr(self._sync_target)


def _wrap(value: Any, run: Callable[[Coroutine[Any, Any, Any]], Any]) -> Any:
    if isinstance(value, Namespace):
        return _SyncNamespace(value, run)
    if inspect.iscoroutinefunction(value):
        method = value

        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            result = run(method(*args, **kwargs))
            if isinstance(result, AsyncPaginatedResponse):
                return PaginatedResponse(result, run)
            return result

        return call
    return value


class Jexactyl(_TypedNamespaces):
    """Sync client for the Jexactyl / Pterodactyl panel API: the classic pyjexactyl interface.

    It has the same constructor and the same tree as :class:`AsyncJexactyl` (``api.client.servers``,
    ``api.servers``, ``api.nodes``, ``api.user`` ...) without ``await``. Nothing touches the network until
    the first call. Close it with :meth:`close` or a ``with`` block; a script that does not still ends at
    its last line (the client is closed at exit).

    Args:
        url: The panel URL.
        api_key: A client (``ptlc_``) or application (``ptla_``) API key.
        retries: How many times a retryable failure (429 always) is retried.
        backoff_factor: Base of the exponential backoff, in seconds.
        extra_retry_codes: Statuses retried besides 429, e.g. ``[502, 504]``.
        debug: Log each request on the ``pyjexactyl`` logger.
        logger: A logger to use instead.
        timeout: Seconds a request may take.
        **options: The other :class:`AsyncJexactyl` options (``retry_post``, ``client_rate_limit`` ...).

    Example:
        >>> api = Jexactyl("https://panel.example.com", "ptlc_...")  # doctest: +SKIP
        >>> my_servers = api.client.servers.list_servers()  # doctest: +SKIP
        >>> my_servers[0]["attributes"]["identifier"]  # doctest: +SKIP
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
        self._config = config
        self._async = AsyncJexactyl.from_config(config)
        self._loop = _LoopThread(repr(self), self._async.close)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run(coro)

    @property
    def async_client(self) -> AsyncJexactyl:
        """The :class:`AsyncJexactyl` this client drives; its calls run on the private loop thread."""
        return self._async

    @property
    def config(self) -> ClientConfig:
        """The client's frozen configuration."""
        return self._config

    @property
    def url(self) -> str:
        """The panel URL, without a trailing slash."""
        return self._config.base_url

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _wrap(getattr(self.async_client, name), self._run)

    def __dir__(self) -> Iterable[str]:
        names = set(super().__dir__()) | {"client", "locations", "nests", "nodes", "servers", "user", "users"}
        return sorted(n for n in names if not n.startswith("_"))

    def __repr__(self) -> str:
        return f"Jexactyl(url={self.url!r})"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Sends one request (see :meth:`AsyncJexactyl.request`) and waits for the answer."""
        return _wrap(self.async_client.request, self._run)(method, path, **kwargs)

    def close(self) -> None:
        """Closes the HTTP session and stops the private event loop (a later call starts them again).

        A script need not call it: a client still open when the interpreter exits is closed then (with a
        :class:`ResourceWarning`, shown only with ``-W default`` or ``-X dev``), and one that is garbage-collected
        is closed in the background.
        """
        self._loop.stop(wait=CLOSE_WAIT)

    def __enter__(self) -> Jexactyl:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __del__(self, _finalizing: Callable[[], bool] = sys.is_finalizing) -> None:
        # Never waits: it may run on any thread (the loop's own included) and during interpreter finalisation,
        # when the loop thread is frozen (the atexit hook has stopped the loops by then).
        loop = getattr(self, "_loop", None)  # absent if __init__ failed
        if loop is None or not loop.running or _finalizing():
            return
        loop.abandon(source=self)
