"""Paginated list responses.

The panel pages its lists (``meta.pagination``). :class:`AsyncPaginatedResponse` holds the first page and
fetches the others on demand with **the same query** (include, filters, sort, per_page), so nothing is lost
on page 2. :meth:`AsyncPaginatedResponse.collect` fetches every remaining page through a pool of
``page_concurrency`` workers once page 1 has said how many there are, and stops at the first failure. The
panel's word on the number of pages is checked as pages arrive: a page past the end (empty, or reporting a
smaller ``total_pages``) ends the list, so a panel that claims ten million pages costs a few requests, not ten
million. Pages are kept, so a response can be iterated and collected any number of times.
:class:`PaginatedResponse` is the same for the sync client.

Example (async)::

    servers = await api.client.servers.list_servers(includes=["egg"])
    len(servers)                      # total on the panel, all pages
    async for server in servers:      # every item, page after page
        print(server["attributes"]["name"])
    everything = await servers.collect()

Example (sync, as in the classic pyjexactyl)::

    allocs = api.nodes.list_node_allocations(node_id)
    for page in allocs:
        for item in page:
            print(item["attributes"]["port"])
    ports = allocs.collect()
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Mapping
from typing import Any, TypeVar, overload

__all__ = ["AsyncPaginatedResponse", "PaginatedResponse"]

T = TypeVar("T")
Item = dict[str, Any]
PageFetcher = Callable[[int], Awaitable[Any]]


class AsyncPaginatedResponse:
    """A list response from the panel, page 1 loaded, the rest fetched on demand.

    Args:
        fetch_page: Coroutine function returning the JSON envelope of page ``n`` with the original query.
        first: The JSON envelope of the first page fetched.
        page_concurrency: How many pages :meth:`collect` fetches at once.
    """

    def __init__(self, fetch_page: PageFetcher, first: Mapping[str, Any], *, page_concurrency: int = 8) -> None:
        self._fetch = fetch_page
        self.raw: Mapping[str, Any] = first
        self.meta: dict[str, Any] = dict(first.get("meta") or {})
        pagination = self.meta.get("pagination") or {}
        data = list(first.get("data") or [])
        self.data: list[Item] = data
        """Items of the first page fetched."""
        self.pagination: dict[str, Any] = dict(pagination)
        self.current_page: int = int(pagination.get("current_page") or 1)
        self.total_pages: int = max(int(pagination.get("total_pages") or 1), self.current_page)
        self.total: int = int(pagination.get("total", len(data)))
        self.per_page: int = int(pagination.get("per_page") or max(len(data), 1))
        self._pages: dict[int, list[Item]] = {self.current_page: data}
        self._page_concurrency = page_concurrency
        self._semaphore = asyncio.Semaphore(page_concurrency)

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> Item: ...
    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...
    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        """Indexes the first page fetched, like the classic ``my_servers[0]``."""
        return self.data[index]

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} total={self.total} pages={self.total_pages} "
            f"loaded={sorted(self._pages)}>"
        )

    @property
    def page_numbers(self) -> range:
        """The pages this response covers: from the first one fetched to the last (as known so far)."""
        return range(self.current_page, self.total_pages + 1)

    async def page(self, number: int) -> list[Item]:
        """Returns the items of page ``number``, fetching it once."""
        if number not in self._pages:
            async with self._semaphore:
                if number not in self._pages:
                    envelope = await self._fetch(number)
                    items = list((envelope or {}).get("data") or [])
                    self._pages[number] = items
                    self._learn_end(number, envelope, items)
        return self._pages[number]

    def _learn_end(self, number: int, envelope: Any, items: list[Item]) -> None:
        """Lowers :attr:`total_pages` when page ``number`` shows the list ends sooner than page 1 said: the
        panel answers a page past the end with no items and the real ``total_pages``."""
        pagination = envelope.get("meta", {}).get("pagination") if isinstance(envelope, Mapping) else None
        reported = pagination.get("total_pages") if isinstance(pagination, Mapping) else None
        last = self.total_pages
        if isinstance(reported, int) and not isinstance(reported, bool) and reported < last:
            last = reported
        if not items and number > self.current_page:
            last = min(last, number - 1)
        self.total_pages = max(last, self.current_page)

    async def pages(self) -> AsyncIterator[list[Item]]:
        """Yields each page's items in order, fetching lazily."""
        number = self.current_page
        while number <= self.total_pages:
            items = await self.page(number)
            if number > self.total_pages:  # that page was past the end after all
                return
            yield items
            number += 1

    async def __aiter__(self) -> AsyncIterator[Item]:
        async for page in self.pages():
            for item in page:
                yield item

    async def collect(self) -> list[Item]:
        """Returns every item of every page; the missing pages are fetched concurrently.

        ``page_concurrency`` workers take the next missing page number in turn, so no more requests (or
        tasks) exist at once, however many pages the panel claims. The first failure cancels the other
        workers and is raised; the pages fetched so far are kept for the next call.

        Example:
            >>> allocations = await api.nodes.list_node_allocations(1)  # doctest: +SKIP
            >>> len(await allocations.collect())  # doctest: +SKIP
            151
        """
        following = self.current_page

        def next_missing() -> int | None:
            nonlocal following
            while following <= self.total_pages:  # re-read: pages past the end lower it as they arrive
                number, following = following, following + 1
                if number not in self._pages:
                    return number
            return None

        async def worker() -> None:
            while (number := next_missing()) is not None:
                await self.page(number)

        loaded = sum(1 for n in self._pages if self.current_page <= n <= self.total_pages)
        missing = len(self.page_numbers) - loaded
        if missing > 0:
            workers = [asyncio.ensure_future(worker()) for _ in range(min(self._page_concurrency, missing))]
            try:
                done, _ = await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    failure = None if task.cancelled() else task.exception()
                    if failure is not None:
                        raise failure
            finally:
                for task in workers:
                    task.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
        return [item for n in self.page_numbers for item in self._pages.get(n, [])]


class PaginatedResponse:
    """The sync twin of :class:`AsyncPaginatedResponse`: iterating yields **pages** (lists of items), as in
    the classic pyjexactyl; ``collect()`` returns every item; ``resp[0]`` indexes the first page.

    Args:
        inner: The async response it drives.
        run: Runs a coroutine to completion on the client's event loop and returns its result.
    """

    def __init__(self, inner: AsyncPaginatedResponse, run: Callable[[Coroutine[Any, Any, Any]], Any]) -> None:
        self._inner = inner
        self._run = run

    def __len__(self) -> int:
        return len(self._inner)

    @overload
    def __getitem__(self, index: int) -> Item: ...
    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...
    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        return self._inner[index]

    def __iter__(self) -> Iterator[list[Item]]:
        inner = self._inner
        number = inner.current_page
        while number <= inner.total_pages:  # re-read: a page past the end lowers it
            items = self._run(inner.page(number))
            if number > inner.total_pages:
                return
            yield items
            number += 1

    def __repr__(self) -> str:
        return repr(self._inner).replace("AsyncPaginatedResponse", "PaginatedResponse")

    def collect(self) -> list[Item]:
        """Returns every item of every page (remaining pages fetched concurrently)."""
        result: list[Item] = self._run(self._inner.collect())
        return result

    def items(self) -> Iterator[Item]:
        """Yields every item of every page."""
        for page in self:
            yield from page

    @property
    def data(self) -> list[Item]:
        """Items of the first page fetched."""
        return self._inner.data

    @property
    def meta(self) -> dict[str, Any]:
        """The first page's ``meta`` (``pagination`` and any extra such as ``backup_count``)."""
        return self._inner.meta

    @property
    def raw(self) -> Mapping[str, Any]:
        """The first page's whole JSON envelope."""
        return self._inner.raw

    @property
    def pagination(self) -> dict[str, Any]:
        """The first page's ``meta.pagination``."""
        return self._inner.pagination

    @property
    def total(self) -> int:
        """Items on the panel across all pages."""
        return self._inner.total

    @property
    def total_pages(self) -> int:
        """The last page number."""
        return self._inner.total_pages
