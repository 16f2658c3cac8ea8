"""The request pipeline against FakePanel over real HTTP: retries, throttling, faults, pagination, logging."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from pyjexactyl import AsyncJexactyl, Jexactyl
from pyjexactyl.exceptions import (
    InvalidArgumentError,
    MalformedResponseError,
    NotFoundError,
    PanelTimeoutError,
    PanelUnreachableError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
)
from pyjexactyl.testing import FakePanel


def client(panel: FakePanel, **options: object) -> AsyncJexactyl:
    options.setdefault("backoff_factor", 0)
    return AsyncJexactyl(panel.url, panel.user.client_key, **options)  # type: ignore[arg-type]


def server_id(panel: FakePanel) -> str:
    return panel.add_server(panel.user, name="pipeline", state="running").identifier


def hits(panel: FakePanel, suffix: str) -> int:
    return sum(1 for r in panel.requests if r.path.endswith(suffix))


async def test_headers_sent(fake_panel: FakePanel) -> None:
    async with client(fake_panel) as api:
        await api.client.account.get_account()
    request = fake_panel.requests[-1]
    assert request.headers["accept"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {fake_panel.user.client_key}"
    assert request.headers["user-agent"].startswith("pyjexactyl/")


async def test_429_retried_after_retry_after(fake_panel: FakePanel) -> None:
    sid = server_id(fake_panel)
    fake_panel.fail_next(2, 429, retry_after=0.2, path_prefix="/api/client/servers")
    async with client(fake_panel, retries=3) as api:
        started = time.perf_counter()
        result = await api.client.servers.get_server_utilization(sid)
        elapsed = time.perf_counter() - started
    assert result["current_state"] == "running"
    assert hits(fake_panel, "/resources") == 3
    assert elapsed >= 0.4, "Retry-After was not honoured"


async def test_429_on_post_is_retried_too(fake_panel: FakePanel) -> None:
    sid = server_id(fake_panel)
    fake_panel.fail_next(1, 429, retry_after=0.05, path_prefix="/api/client/servers")
    async with client(fake_panel) as api:
        await api.client.servers.send_console_command(sid, "say hi")
    assert hits(fake_panel, "/command") == 2


async def test_429_gives_up_after_retries_and_on_long_waits(fake_panel: FakePanel) -> None:
    sid = server_id(fake_panel)
    fake_panel.fail_next(3, 429, retry_after=0.01, path_prefix="/api/client/servers")
    async with client(fake_panel, retries=2) as api:
        with pytest.raises(RateLimitedError) as info:
            await api.client.servers.get_server_utilization(sid)
    assert hits(fake_panel, "/resources") == 3
    assert info.value.retry_after == pytest.approx(0.01, abs=1)
    fake_panel.reset_faults()
    fake_panel.clear_requests()
    fake_panel.fail_next(1, 429, retry_after=600, path_prefix="/api/client/servers")
    async with client(fake_panel, retries=3, max_retry_wait=5) as api:
        with pytest.raises(RateLimitedError) as info:
            await api.client.servers.get_server_utilization(sid)
    assert info.value.retry_after == 600
    assert hits(fake_panel, "/resources") == 1


async def test_extra_retry_codes_only_for_idempotent_methods(fake_panel: FakePanel) -> None:
    sid = server_id(fake_panel)
    fake_panel.fail_next(1, 502, html=True, path_prefix="/api/client/servers")
    async with client(fake_panel) as api:
        with pytest.raises(ServerError) as info:
            await api.client.servers.get_server_utilization(sid)
    assert info.value.status == 502 and info.value.code == "HtmlErrorPage"
    fake_panel.fail_next(1, 502, html=True, path_prefix="/api/client/servers")
    async with client(fake_panel, extra_retry_codes=[502]) as api:
        assert (await api.client.servers.get_server_utilization(sid))["current_state"] == "running"
        fake_panel.clear_requests()
        fake_panel.fail_next(1, 502, path_prefix="/api/client/servers")
        with pytest.raises(ServerError):
            await api.client.servers.send_power_action(sid, "restart")
        assert hits(fake_panel, "/power") == 1, "a POST was replayed without opt-in"
    fake_panel.fail_next(1, 502, path_prefix="/api/client/servers")
    async with client(fake_panel, extra_retry_codes=[502], retry_post=True) as api:
        await api.client.servers.send_power_action(sid, "restart")


async def test_malformed_json(fake_panel: FakePanel) -> None:
    fake_panel.malformed_next(1)
    async with client(fake_panel) as api:
        with pytest.raises(MalformedResponseError):
            await api.client.account.get_account()


async def test_dropped_connections(fake_panel: FakePanel) -> None:
    sid = server_id(fake_panel)
    fake_panel.drop_next(3, path_prefix="/api/client/servers")
    async with client(fake_panel, retries=3) as api:
        assert (await api.client.servers.get_server_utilization(sid))["current_state"] == "running"
        fake_panel.reset_faults()
        fake_panel.clear_requests()
        fake_panel.drop_next(1, path_prefix="/api/client/servers")
        with pytest.raises(PanelUnreachableError):
            await api.client.servers.send_console_command(sid, "say once")
        assert hits(fake_panel, "/command") == 1, "a POST was replayed after a dropped connection"


async def test_unreachable_and_timeout() -> None:
    async with AsyncJexactyl("http://127.0.0.1:9", "ptlc_" + "x" * 43, backoff_factor=0, retries=1) as api:
        with pytest.raises(PanelUnreachableError) as info:
            await api.client.account.get_account()
    assert "ptlc_" not in str(info.value)
    async with FakePanel(latency=0.5) as panel:
        async with AsyncJexactyl(panel.url, panel.user.client_key, timeout=0.1, retries=0) as api:
            with pytest.raises(PanelTimeoutError):
                await api.client.account.get_account()


async def test_client_side_throttle_avoids_429s() -> None:
    async with FakePanel(client_rate_limit=5, rate_period=0.5) as panel:
        sid = panel.add_server(panel.user, name="t", state="running").identifier
        async with AsyncJexactyl(
            panel.url, panel.user.client_key, client_rate_limit=5, rate_period=0.5, backoff_factor=0
        ) as api:
            started = time.perf_counter()
            results = await asyncio.gather(*(api.client.servers.get_server_utilization(sid) for _ in range(12)))
            elapsed = time.perf_counter() - started
        assert len(results) == 12
        assert not [r for r in panel.requests if r.status == 429], "the burst was not queued client-side"
        assert elapsed >= 0.9


async def test_server_limit_learnt_from_429s_without_client_limit() -> None:
    async with FakePanel(client_rate_limit=5, rate_period=0.5) as panel:
        sid = panel.add_server(panel.user, name="t", state="running").identifier
        async with AsyncJexactyl(panel.url, panel.user.client_key, client_rate_limit=None, retries=6) as api:
            results = await asyncio.gather(*(api.client.servers.get_server_utilization(sid) for _ in range(12)))
        assert len(results) == 12


async def test_concurrency_cap() -> None:
    async with FakePanel(latency=0.1) as panel:
        async with AsyncJexactyl(panel.url, panel.user.client_key, max_concurrency=3) as api:
            started = time.perf_counter()
            await asyncio.gather(*(api.client.account.get_account() for _ in range(9)))
            assert time.perf_counter() - started >= 0.29


async def test_pagination_keeps_query_and_collects_repeatedly(fake_panel: FakePanel) -> None:
    fake_panel.add_servers(fake_panel.user, 26, name_prefix="page")
    async with client(fake_panel) as api:
        fake_panel.clear_requests()
        params = {"per_page": 10, "filter[name]": "page"}
        servers = await api.client.servers.list_servers(includes=["egg"], params=params)
        assert params == {"per_page": 10, "filter[name]": "page"}
        assert len(servers) == 26 and servers.total_pages == 3
        first = await servers.collect()
        second = await servers.collect()
        assert [s["attributes"]["name"] for s in first] == [s["attributes"]["name"] for s in second]
        assert len({s["attributes"]["identifier"] for s in first}) == 26
        assert all("egg" in s["attributes"]["relationships"] for s in first)
        items = [item async for item in servers]
        assert len(items) == 26
    listing = [r for r in fake_panel.requests if r.path == "/api/client"]
    assert len(listing) == 3, "pages were fetched more than once"
    for request in listing:
        assert request.query["per_page"] == ["10"]
        assert request.query["include"] == ["egg"]
        assert request.query["filter[name]"] == ["page"]
    assert sorted(r.query.get("page", ["1"])[0] for r in listing) == ["1", "2", "3"]


async def test_empty_list(fake_panel: FakePanel) -> None:
    stranger = fake_panel.add_user("nobody")
    async with AsyncJexactyl(fake_panel.url, stranger.client_key) as api:
        servers = await api.client.servers.list_servers()
        assert len(servers) == 0 and await servers.collect() == [] and servers.total_pages == 1


def test_sync_iterates_pages_and_collects(fake_panel_sync: FakePanel) -> None:
    fake_panel_sync.add_servers(fake_panel_sync.user, 21, name_prefix="sync")
    with Jexactyl(fake_panel_sync.url, fake_panel_sync.user.client_key) as api:
        servers = api.client.servers.list_servers(params={"per_page": 10})
        pages = [page for page in servers]
        assert [len(p) for p in pages][:2] == [10, 10]
        assert sum(len(p) for p in pages) == len(servers)
        assert len(servers.collect()) == len(servers) == len(servers.collect())
        assert servers[0]["attributes"]["identifier"]


async def test_sync_and_async_raise_the_same_types(fake_panel: FakePanel) -> None:
    async with client(fake_panel) as api:
        with pytest.raises(NotFoundError) as async_error:
            await api.client.servers.get_server("zzzzzzzz")
    sync_api = Jexactyl(fake_panel.url, fake_panel.user.client_key)
    try:
        with pytest.raises(NotFoundError) as sync_error:
            await asyncio.to_thread(sync_api.client.servers.get_server, "zzzzzzzz")
    finally:
        await asyncio.to_thread(sync_api.close)
    assert type(async_error.value) is type(sync_error.value)
    assert async_error.value.status == sync_error.value.status == 404


async def test_bad_key_and_injection(fake_panel: FakePanel) -> None:
    async with AsyncJexactyl(fake_panel.url, "ptlc_" + "Z" * 43, backoff_factor=0) as api:
        with pytest.raises(UnauthorizedError) as info:
            await api.client.account.get_account()
        assert "Z" * 20 not in str(info.value) and "Z" * 20 not in repr(info.value)
        fake_panel.clear_requests()
        with pytest.raises(InvalidArgumentError):
            await api.client.servers.get_server("../../application/users")
        assert fake_panel.requests == []


async def test_debug_logging_on_library_logger_only(fake_panel: FakePanel, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pyjexactyl")
    root_handlers = list(logging.getLogger().handlers)
    sid = server_id(fake_panel)
    async with client(fake_panel, debug=True) as api:
        await api.client.servers.get_server(sid, includes=["egg"])
    lines = [r.getMessage() for r in caplog.records if r.name == "pyjexactyl"]
    assert any(f"GET /api/client/servers/{sid}?include=egg 200" in line and "ms" in line for line in lines)
    assert all(fake_panel.user.client_key not in r.getMessage() for r in caplog.records)
    assert logging.getLogger().handlers == root_handlers


async def test_route_throttle_does_not_block_the_client() -> None:
    async with FakePanel(backup_throttle=(1, 600.0), backup_duration=0.01) as panel:
        server = panel.add_server(panel.user, name="b", state="running", backup_limit=5)
        async with AsyncJexactyl(panel.url, panel.user.client_key, backoff_factor=0) as api:
            await api.client.servers.backups.create_backup(server.identifier, name="one")
            with pytest.raises(RateLimitedError) as info:
                await api.client.servers.backups.create_backup(server.identifier, name="two")
            assert info.value.code == "TooManyRequestsHttpException"
            assert info.value.retry_after is not None and info.value.retry_after > 500
            started = time.perf_counter()
            await api.client.account.get_account()
            assert time.perf_counter() - started < 1, "a route's own throttle paused every request"


async def test_client_throttle_raises_instead_of_waiting_too_long(fake_panel: FakePanel) -> None:
    async with client(fake_panel, client_rate_limit=2, rate_period=30, max_retry_wait=0.5) as api:
        await api.client.account.get_account()
        await api.client.account.get_account()
        fake_panel.clear_requests()
        with pytest.raises(RateLimitedError) as info:
            await api.client.account.get_account()
    assert info.value.code == "ClientSideThrottle" and info.value.retry_after is not None
    assert info.value.retry_after > 25
    assert fake_panel.requests == [], "the throttled request was sent anyway"


async def test_url_with_sub_path_and_trailing_slash(fake_panel: FakePanel) -> None:
    async with AsyncJexactyl(fake_panel.url + "/panel/", fake_panel.user.client_key, backoff_factor=0) as api:
        with pytest.raises(NotFoundError):
            await api.client.account.get_account()
    assert fake_panel.requests[-1].path == "/panel/api/client/account"
    async with AsyncJexactyl(fake_panel.url + "/", fake_panel.user.client_key) as api:
        assert (await api.client.account.get_account())["attributes"]["username"] == fake_panel.user.username


async def test_timeouts_retried_unless_turned_off() -> None:
    async with FakePanel(latency=0.3) as panel:
        async with AsyncJexactyl(panel.url, panel.user.client_key, timeout=0.1, retries=2, backoff_factor=0) as api:
            with pytest.raises(PanelTimeoutError):
                await api.client.account.get_account()
        assert hits(panel, "/account") == 3
        panel.clear_requests()
        async with AsyncJexactyl(
            panel.url, panel.user.client_key, timeout=0.1, retries=2, backoff_factor=0, retry_timeouts=False
        ) as api:
            with pytest.raises(PanelTimeoutError):
                await api.client.account.get_account()
        # The fake records a request when it arrives; once it has answered the abandoned one, nothing else of
        # this call can arrive.
        await panel.wait_for(lambda: panel.requests[-1].status is not None)
        assert hits(panel, "/account") == 1
