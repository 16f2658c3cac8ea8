"""The base of every endpoint namespace: one definition per endpoint, written once, async.

A namespace holds ``async`` methods, one per panel route, plus child namespaces as attributes. The sync
:class:`~pyjexactyl.Jexactyl` client wraps the very same objects, so nothing is defined twice.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .._dialect import ALL_FLAVORS, route_missing
from .._paths import build_path, build_query
from ..exceptions import JexactylApiError, UnsupportedByPanelError
from ..responses import AsyncPaginatedResponse

if TYPE_CHECKING:
    from .._client import AsyncJexactyl

Includes = Iterable[str] | None
Params = Mapping[str, Any] | None
Expect = Literal["json", "text", "raw"]

__all__ = ["Expect", "Includes", "Namespace", "Params", "build_path", "build_query", "only_on"]

T = TypeVar("T")
#: The panels that kept Pterodactyl's nests and locations (Pelican dropped them).
NEST_PANELS = ("pterodactyl", "jexactyl", "jexactyl4")


def only_on(
    flavors: Iterable[str], feature: str, alternative: str | None = None
) -> Callable[[Callable[..., Awaitable[T]]], Callable[..., Awaitable[T]]]:
    """Decorates an endpoint that only some panels offer (see :meth:`Namespace._only_on`); the method keeps
    its name, signature and docstring."""

    def decorate(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        @functools.wraps(method)
        async def wrapper(self: Namespace, *args: Any, **kwargs: Any) -> T:
            return await self._only_on(
                flavors, feature, lambda: method(self, *args, **kwargs), alternative=alternative
            )

        return wrapper

    return decorate


class Namespace:
    """A group of endpoints sharing one client."""

    def __init__(self, client: AsyncJexactyl) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client.url}>"

    async def _get(self, path: str, query: Params = None, *, expect: Expect = "json") -> Any:
        return await self._client.request("GET", path, params=query, expect=expect)

    async def _post(
        self,
        path: str,
        json: Any = None,
        query: Params = None,
        *,
        data: bytes | str | None = None,
        content_type: str | None = None,
    ) -> Any:
        return await self._client.request(
            "POST", path, params=query, json=json, data=data, content_type=content_type
        )

    async def _put(self, path: str, json: Any = None) -> Any:
        return await self._client.request("PUT", path, json=json)

    async def _patch(self, path: str, json: Any = None) -> Any:
        return await self._client.request("PATCH", path, json=json)

    async def _delete(self, path: str, json: Any = None, query: Params = None) -> Any:
        return await self._client.request("DELETE", path, json=json, params=query)

    async def _paginate(self, path: str, query: Params = None) -> AsyncPaginatedResponse:
        return await self._client.paginate(path, query)

    def _unsupported(self, feature: str, alternative: str | None = None) -> UnsupportedByPanelError:
        """The error for a call this panel does not offer (raised before sending)."""
        return UnsupportedByPanelError(self._client.dialect.name(), feature, alternative)

    async def _only_on(
        self,
        flavors: Iterable[str],
        feature: str,
        call: Callable[[], Awaitable[T]],
        *,
        alternative: str | None = None,
        broken: str | None = None,
    ) -> T:
        """Runs a call that only some panels (``flavors``) offer.

        When the client already knows the panel is none of them, nothing is sent. Otherwise the call is sent
        as is (no probe first): a "route not found" answer becomes :class:`UnsupportedByPanelError` naming
        the panel (the client's one probe, if it has not run yet, names it), and a success tells the client
        the panel is one of ``flavors``. ``broken`` marks a route
        those panels have but always answer 500 on; that 500 is reported the same way, with ``broken`` as
        the explanation.
        """
        dialect = self._client.dialect
        wanted = frozenset(flavors)
        if dialect.known(wanted) is False:
            raise self._unsupported(feature, alternative)
        try:
            result = await call()
        except JexactylApiError as exc:
            if broken is not None and exc.status == 500:
                dialect.observe(wanted, f"{exc.method} {exc.path} exists (it answered 500)")
                raise UnsupportedByPanelError(
                    dialect.name(), f"{feature} ({broken})", alternative, status=500, method=exc.method,
                    path=exc.path, headers=exc.headers,
                ) from exc
            if not route_missing(exc):
                raise
            dialect.observe(ALL_FLAVORS - wanted, f"{exc.method} {exc.path}: no such route")
            await dialect.detect(api="application" if exc.path.startswith("/api/application") else "client")
            raise UnsupportedByPanelError(
                dialect.name(), feature, alternative, status=exc.status, method=exc.method, path=exc.path,
                headers=exc.headers,
            ) from exc
        dialect.observe(wanted, f"{feature}: the panel answered")
        return result
