"""The base of every endpoint namespace: one definition per endpoint, written once, async.

A namespace holds ``async`` methods, one per panel route, plus child namespaces as attributes. The sync
:class:`~pyjexactyl.Jexactyl` client wraps the very same objects, so nothing is defined twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from .._paths import build_path, build_query
from ..responses import AsyncPaginatedResponse

if TYPE_CHECKING:
    from .._client import AsyncJexactyl

Includes = Iterable[str] | None
Params = Mapping[str, Any] | None
Expect = Literal["json", "text", "raw"]

__all__ = ["Expect", "Includes", "Namespace", "Params", "build_path", "build_query"]


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
