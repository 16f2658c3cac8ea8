"""What a panel can make the client do is bounded (issue 7): the client follows a 429's sooner reopening
rather than its own longer window, an absurd ``total_pages`` costs a few requests through a bounded pool,
and a response body past ``max_response_bytes`` raises a typed error without being read into memory."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from pyjexactyl import AsyncJexactyl, ClientConfig, Jexactyl, ResponseTooLargeError, responses
from pyjexactyl.exceptions import InvalidArgumentError, JexactylError, MalformedResponseError, ServerError
from pyjexactyl.testing import FakePanel

# ------------------------------------------------------------------------------------- throttle


async def test_a_429_reopening_sooner_than_the_clients_window_is_followed() -> None:
    """The client's window (30 s) is longer than the panel's (1 s). Another consumer of the same user's bucket
    uses it up; the panel answers our next request 429 with ``Retry-After: 1`` and the client retries after
    about a second, instead of waiting out its own window (which ``max_retry_wait`` would refuse at once)."""
    async with FakePanel(client_rate_limit=3, rate_period=1.0) as panel:
        key = panel.user.client_key
        async with (
            AsyncJexactyl(panel.url, key, client_rate_limit=3, rate_period=30, max_retry_wait=10) as api,
            AsyncJexactyl(panel.url, key, client_rate_limit=None, retries=0) as other,
        ):
            await api.client.account.get_account()  # opens the client's 30 s window
            await asyncio.gather(*(other.client.account.get_account() for _ in range(2)))  # bucket used up
            panel.clear_requests()
            started = time.monotonic()
            account = await api.client.account.get_account()
            elapsed = time.monotonic() - started
    assert account["attributes"]["username"] == "alice"
    statuses = [r.status for r in panel.requests]
    assert statuses == [429, 200], statuses
    assert elapsed < 5, f"took {elapsed:.1f} s: the client waited for its own window"


async def test_x_ratelimit_reset_alone_is_followed_too(fake_panel: FakePanel) -> None:
    async with AsyncJexactyl(
        fake_panel.url, fake_panel.user.client_key, client_rate_limit=5, rate_period=60, max_retry_wait=10
    ) as api:
        await api.client.account.get_account()
        reset = int(time.time()) + 1
        fake_panel.fail_next(
            1, 429, headers={"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
        )
        fake_panel.clear_requests()
        started = time.monotonic()
        await api.client.account.get_account()
        elapsed = time.monotonic() - started
    assert [r.status for r in fake_panel.requests] == [429, 200]
    assert elapsed < 5, f"took {elapsed:.1f} s: the client waited for its own 60 s window"
    assert time.time() >= reset - 0.05, "the client came back before the panel's reset"


# ------------------------------------------------------------------------------------ pagination


def claimed_first_page(panel: FakePanel, total_pages: int) -> dict[str, object]:
    """A real first page of the user's server list that claims ``total_pages`` pages."""
    servers = [s for s in panel.servers if s.owner_id == panel.user.id]
    return {
        "object": "list",
        "data": [{"object": "server", "attributes": {"identifier": s.identifier, "name": s.name}} for s in servers],
        "meta": {
            "pagination": {
                "total": total_pages * 50,
                "count": len(servers),
                "per_page": 50,
                "current_page": 1,
                "total_pages": total_pages,
                "links": {},
            }
        },
    }


def runs_pagination_code(task: asyncio.Task[object]) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename == responses.__file__ and code.co_name != "collect"


def listing_requests(panel: FakePanel) -> int:
    return sum(1 for r in panel.requests if r.path == "/api/client")


async def test_an_absurd_total_pages_costs_a_few_requests(fake_panel: FakePanel) -> None:
    """Page 1 claims ten million pages; page 2, answered by the fake's real route, is past the end (no items,
    ``total_pages: 1``): the pool of 4 workers stops there."""
    fake_panel.fail_next(1, 200, body=claimed_first_page(fake_panel, 10_000_000), path_prefix="/api/client")
    async with AsyncJexactyl(fake_panel.url, fake_panel.user.client_key, page_concurrency=4) as api:
        servers = await api.client.servers.list_servers()
        assert servers.total_pages == 10_000_000
        peak = 0

        async def watch() -> None:  # samples, at every turn of the loop, the tasks pagination code runs
            nonlocal peak
            while True:
                peak = max(peak, sum(1 for t in asyncio.all_tasks() if runs_pagination_code(t)))
                await asyncio.sleep(0)

        watcher = asyncio.create_task(watch())
        started = time.monotonic()
        items = await asyncio.wait_for(servers.collect(), 30)
        elapsed = time.monotonic() - started
        watcher.cancel()
    assert len(items) == 4
    assert servers.total_pages == 1
    assert listing_requests(fake_panel) <= 1 + 4, "more pages were requested than the pool has workers"
    assert 1 <= peak <= 4, f"{peak} tasks at once"
    assert elapsed < 5


def test_an_absurd_total_pages_in_the_sync_client(fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    panel.fail_next(1, 200, body=claimed_first_page(panel, 10_000_000), path_prefix="/api/client")
    with Jexactyl(panel.url, panel.user.client_key, page_concurrency=3) as api:
        servers = api.client.servers.list_servers()
        assert len(servers.collect()) == 4
        assert [len(page) for page in servers] == [4]
    assert listing_requests(panel) <= 1 + 3


async def test_iteration_stops_at_a_page_past_the_end(fake_panel: FakePanel) -> None:
    fake_panel.fail_next(1, 200, body=claimed_first_page(fake_panel, 10_000_000), path_prefix="/api/client")
    async with AsyncJexactyl(fake_panel.url, fake_panel.user.client_key) as api:
        servers = await api.client.servers.list_servers()
        pages = [page async for page in servers.pages()]
    assert [len(p) for p in pages] == [4]
    assert listing_requests(fake_panel) == 2


async def test_the_first_failure_stops_collect_and_is_raised(fake_panel: FakePanel) -> None:
    """Page 1 claims 1000 pages; every later page takes 0.2 s and the first one to arrive fails with 500:
    ``collect()`` raises it, the other workers are cancelled, and no more pages are requested."""
    fake_panel.fail_next(1, 200, body=claimed_first_page(fake_panel, 1000), path_prefix="/api/client")
    async with AsyncJexactyl(
        fake_panel.url, fake_panel.user.client_key, page_concurrency=5, retries=0, backoff_factor=0
    ) as api:
        servers = await api.client.servers.list_servers()
        fake_panel.clear_requests()
        fake_panel.fail_next(1, 500, path_prefix="/api/client")
        fake_panel.set_latency(0.2)
        with pytest.raises(ServerError):
            await asyncio.wait_for(servers.collect(), 30)
        # No worker is left to ask for more: collect() has cancelled and awaited every one of them.
        workers = [t for t in asyncio.all_tasks() if "collect.<locals>.worker" in t.get_coro().__qualname__]
        assert workers == []
        # Every page request that reached the fake has been answered (the slow ones too).
        await fake_panel.wait_for(lambda: all(r.status is not None for r in fake_panel.requests), 5)
        fake_panel.set_latency(0)
    requested = listing_requests(fake_panel)
    assert requested <= 5, f"{requested} pages requested"


# ------------------------------------------------------------------------------------- body cap


async def test_a_body_past_max_response_bytes_raises_a_typed_error(fake_panel: FakePanel) -> None:
    fake_panel.add_servers(fake_panel.user, 20, name_prefix="big")
    async with AsyncJexactyl(fake_panel.url, fake_panel.user.client_key, max_response_bytes=4096) as api:
        assert api.config.max_response_bytes == 4096
        with pytest.raises(ResponseTooLargeError) as info:
            await api.client.servers.list_servers()
        error = info.value
        assert isinstance(error, MalformedResponseError) and isinstance(error, JexactylError)
        assert (error.status, error.method, error.path, error.limit) == (200, "GET", "/api/client", 4096)
        assert error.code == "ResponseTooLarge" and "max_response_bytes (4096 bytes)" in str(error)
        assert fake_panel.user.client_key not in str(error) + repr(error)
        # a body within the cap still reads, and the client keeps working after the refusal
        assert (await api.client.account.get_account())["attributes"]["username"] == "alice"
    assert sum(1 for r in fake_panel.requests if r.path == "/api/client") == 1, "the refusal was retried"


async def test_a_chunked_body_is_cut_at_the_cap_and_an_endless_one_ends(fake_panel: FakePanel) -> None:
    """No ``Content-Length`` to check first: the cap holds while reading. A panel streaming without end
    would never let a client that reads everything first finish."""
    account = {"object": "user", "attributes": {"username": "streamed"}}
    body = json.dumps(account).encode() + b" " * 3000
    async with AsyncJexactyl(fake_panel.url, fake_panel.user.client_key, max_response_bytes=64 * 1024) as api:
        fake_panel.stream_next(1, body, chunk_size=1000, path_prefix="/api/client/account")
        assert await api.client.account.get_account() == account
        fake_panel.stream_next(1, path_prefix="/api/client/account")
        with pytest.raises(ResponseTooLargeError) as info:
            await asyncio.wait_for(api.client.account.get_account(), 30)
        assert info.value.limit == 64 * 1024 and info.value.status == 200
        assert (await api.client.account.get_account())["attributes"]["username"] == "alice"


async def test_an_error_status_with_a_huge_body_is_refused_too(fake_panel: FakePanel) -> None:
    fake_panel.fail_next(1, 502, html=True, body="<html>" + "x" * 10_000 + "</html>")
    async with AsyncJexactyl(fake_panel.url, fake_panel.user.client_key, max_response_bytes=1000) as api:
        with pytest.raises(ResponseTooLargeError) as info:
            await api.client.account.get_account()
    assert info.value.status == 502


def test_max_response_bytes_on_every_constructor() -> None:
    default = 64 * 1024 * 1024
    assert ClientConfig.build("https://panel", "key").max_response_bytes == default
    assert AsyncJexactyl("https://panel", "key").config.max_response_bytes == default
    with Jexactyl("https://panel", "key", max_response_bytes=10) as api:
        assert api.config.max_response_bytes == 10
    assert ClientConfig.build("https://panel", "key", max_response_bytes=1).max_response_bytes == 1
    for bad in (0, -1, 1.5, True):
        with pytest.raises(InvalidArgumentError, match="max_response_bytes"):
            ClientConfig.build("https://panel", "key", max_response_bytes=bad)  # type: ignore[arg-type]
