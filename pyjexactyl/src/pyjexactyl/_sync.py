"""The sync client, built generically over the async core.

:class:`Jexactyl` owns one :class:`AsyncJexactyl` and one event loop running in a private daemon thread.
Attribute access is proxied: a namespace comes back wrapped, an ``async`` endpoint method comes back as a
plain function (same name, same docstring, same signature) that runs the coroutine on that loop and waits
for it, and an :class:`AsyncPaginatedResponse` result is handed back as a :class:`PaginatedResponse`. A
result that is an async context manager or an async iterator (a :class:`~pyjexactyl.ConsoleSession`) comes
back wrapped too, with ``__enter__``/``__exit__``/``__iter__`` and its coroutine methods as blocking calls. So
every endpoint is defined once, and sync and async raise the same exceptions.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
from collections.abc import Callable, Coroutine, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from ._client import AsyncJexactyl
from ._config import APPLICATION_RATE_LIMIT, CLIENT_RATE_LIMIT, DEFAULT_TIMEOUT, MAX_RESPONSE_BYTES, ClientConfig
from ._dialect import PanelInfo
from ._endpoints.base import Namespace
from ._loop import CLOSE_WAIT, LoopThread
from .responses import AsyncPaginatedResponse, PaginatedResponse

if TYPE_CHECKING:
    from ._sync_types import (
        SyncApprovals,
        SyncClientAPI,
        SyncDatabaseHosts,
        SyncEggs,
        SyncLocations,
        SyncMounts,
        SyncNests,
        SyncNodes,
        SyncPlugins,
        SyncRoles,
        SyncServers,
        SyncUsers,
    )

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
        approvals: SyncApprovals
        eggs: SyncEggs
        database_hosts: SyncDatabaseHosts
        mounts: SyncMounts
        roles: SyncRoles
        plugins: SyncPlugins

else:
    # At run time Jexactyl's namespaces come from ``__getattr__`` and its class is exactly as before.
    _TypedNamespaces = object

__all__ = ["Jexactyl"]

T = TypeVar("T")


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


class _SyncObject:
    """An async object seen through the sync client: ``async with`` becomes ``with``, ``async for`` becomes
    ``for``, coroutine methods become blocking calls, and plain attributes (properties) read through."""

    __slots__ = ("_sync_run", "_sync_target")

    def __init__(self, target: object, run: Callable[[Coroutine[Any, Any, Any]], Any]) -> None:
        self._sync_target = target
        self._sync_run = run

    def __getattr__(self, name: str) -> Any:
        return _wrap(getattr(self._sync_target, name), self._sync_run)

    def __dir__(self) -> Iterable[str]:
        return sorted(n for n in dir(self._sync_target) if not n.startswith("_"))

    @property
    def __doc__(self) -> str | None:  # type: ignore[override]
        return type(self._sync_target).__doc__

    def __repr__(self) -> str:
        return repr(self._sync_target)

    def __enter__(self) -> Any:
        target = self._sync_target
        if not hasattr(target, "__aenter__"):
            raise TypeError(f"{type(target).__name__} is not a context manager")
        entered = self._sync_run(target.__aenter__())
        return self if entered is target else _wrap_result(entered, self._sync_run)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Any:
        return self._sync_run(self._sync_target.__aexit__(exc_type, exc, tb))  # type: ignore[attr-defined]

    def __iter__(self) -> Any:
        target = self._sync_target
        if not hasattr(target, "__aiter__"):
            raise TypeError(f"{type(target).__name__} is not iterable")
        iterator = target.__aiter__()
        return self if iterator is target else _SyncObject(iterator, self._sync_run)

    def __next__(self) -> Any:
        step = self._sync_target.__anext__  # type: ignore[attr-defined]

        async def next_or_end() -> tuple[bool, Any]:
            # StopAsyncIteration is turned into a flag on the loop thread: futures refuse StopIteration-likes.
            try:
                return True, await step()
            except StopAsyncIteration:
                return False, None

        more, value = self._sync_run(next_or_end())
        if not more:
            raise StopIteration
        return _wrap_result(value, self._sync_run)


def _is_async_object(value: object) -> bool:
    kind = type(value)
    return hasattr(kind, "__aenter__") or hasattr(kind, "__anext__")


def _wrap_result(result: Any, run: Callable[[Coroutine[Any, Any, Any]], Any]) -> Any:
    if isinstance(result, AsyncPaginatedResponse):
        return PaginatedResponse(result, run)
    if _is_async_object(result):
        return _SyncObject(result, run)
    return result


def _wrap(value: Any, run: Callable[[Coroutine[Any, Any, Any]], Any]) -> Any:
    if isinstance(value, Namespace):
        return _SyncNamespace(value, run)
    if inspect.iscoroutinefunction(value):
        method = value

        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            return _wrap_result(run(method(*args, **kwargs)), run)

        return call
    if inspect.ismethod(value) and isinstance(value.__self__, Namespace):
        # A plain endpoint method that hands back an async object (``console()``): wrap what it returns.
        factory = value

        @functools.wraps(factory)
        def make(*args: Any, **kwargs: Any) -> Any:
            return _wrap_result(factory(*args, **kwargs), run)

        return make
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
        # Not AsyncJexactyl.close(): that would refuse every later call, and a closed Jexactyl may be used again.
        self._loop = LoopThread(repr(self), self._async._close_session)

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
        roots = {"client", "locations", "nests", "nodes", "servers", "user", "users", "approvals"}
        roots |= {"eggs", "database_hosts", "mounts", "roles", "plugins"}
        names = set(super().__dir__()) | roots
        return sorted(n for n in names if not n.startswith("_"))

    def __repr__(self) -> str:
        return f"Jexactyl(url={self.url!r})"

    def panel_info(self) -> PanelInfo:
        """Which panel this is (see :meth:`AsyncJexactyl.panel_info`); asks the panel at most once.

        Returns:
            A :class:`~pyjexactyl.PanelInfo` (``flavor``, ``version``, ``possible``, ``evidence``).

        Example:
            >>> api.panel_info().flavor  # doctest: +SKIP
            'jexactyl'
        """
        return self._run(self._async.panel_info())

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
