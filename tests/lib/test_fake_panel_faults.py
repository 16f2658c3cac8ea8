"""FakePanel rate limiting, latency and fault injection."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from pyjexactyl.testing import FakePanel
from tests.lib.helpers import call

Factory = Callable[..., Awaitable[FakePanel]]


# ---------------------------------------------------------------------------------- rate limit
async def test_rate_limit_headers_and_429(fake_panel_factory: Factory) -> None:
    panel = await fake_panel_factory(client_rate_limit=3, rate_period=30)
    remaining = []
    for _ in range(3):
        status, _, headers = await call(panel, "GET", "/api/client/account")
        assert status == 200 and headers["X-RateLimit-Limit"] == "3"
        remaining.append(headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    before = int(time.time())
    status, body, headers = await call(panel, "GET", "/api/client/account")
    assert status == 429
    assert body == {"errors": [{"code": "ThrottleRequestsException", "status": "429", "detail": "Too Many Attempts."}]}
    assert headers["X-RateLimit-Remaining"] == "0" and headers["X-RateLimit-Limit"] == "3"
    retry_after = int(headers["Retry-After"])
    assert 1 <= retry_after <= 30
    assert before + retry_after - 1 <= int(headers["X-RateLimit-Reset"]) <= before + retry_after + 1


async def test_rate_limit_is_per_user_and_per_api(fake_panel_factory: Factory) -> None:
    panel = await fake_panel_factory(client_rate_limit=2, application_rate_limit=2)
    second_key = panel.add_api_key(panel.user)
    assert (await call(panel, "GET", "/api/client/account"))[0] == 200
    assert (await call(panel, "GET", "/api/client/account", key=second_key))[0] == 200
    # Same user, other key: same bucket.
    assert (await call(panel, "GET", "/api/client/account", key=second_key))[0] == 429
    # Other user: own bucket.
    assert (await call(panel, "GET", "/api/client/account", key=panel.admin))[0] == 200
    # Application API: separate bucket for the admin.
    status, _, headers = await call(panel, "GET", "/api/application/users", key=panel.application_key)
    assert status == 200 and headers["X-RateLimit-Remaining"] == "1"
    # 401s are not counted.
    for _ in range(5):
        assert (await call(panel, "GET", "/api/client/account", key="ptlc_" + "0" * 43))[0] == 401
    assert (await call(panel, "GET", "/api/client/account", key=panel.admin))[0] == 200


async def test_rate_limit_window_expires(fake_panel_factory: Factory) -> None:
    panel = await fake_panel_factory(client_rate_limit=1, rate_period=0.3)
    assert (await call(panel, "GET", "/api/client/account"))[0] == 200
    assert (await call(panel, "GET", "/api/client/account"))[0] == 429
    await asyncio.sleep(0.35)  # the window itself must pass: time is what this test is about
    assert (await call(panel, "GET", "/api/client/account"))[0] == 200


async def test_errors_inside_routes_carry_rate_limit_headers(fake_panel: FakePanel) -> None:
    status, _, headers = await call(fake_panel, "GET", "/api/client/servers/deadbeef")
    assert status == 404 and headers["X-RateLimit-Remaining"] == "719"
    status, _, headers = await call(fake_panel, "GET", "/api/client/servers/deadbeef")
    assert headers["X-RateLimit-Remaining"] == "718"


# ---------------------------------------------------------------------------------- latency
async def test_latency_overlaps_concurrent_requests(fake_panel: FakePanel) -> None:
    fake_panel.set_latency(0.2)
    started = time.monotonic()
    results = await asyncio.gather(*(call(fake_panel, "GET", "/api/client/account") for _ in range(5)))
    elapsed = time.monotonic() - started
    assert [r[0] for r in results] == [200] * 5
    assert 0.2 <= elapsed < 0.6
    fake_panel.set_latency(0)


# ---------------------------------------------------------------------------------- faults
async def test_fail_next_json_status(fake_panel: FakePanel) -> None:
    panel = fake_panel
    panel.fail_next(2, 503, retry_after=2.5)
    for _ in range(2):
        status, body, headers = await call(panel, "GET", "/api/client/account")
        assert status == 503 and headers["Retry-After"] == "3"
        assert body["errors"][0]["status"] == "503"
    assert (await call(panel, "GET", "/api/client/account"))[0] == 200
    panel.fail_next(1, 429, retry_after=7)
    status, body, headers = await call(panel, "GET", "/api/client/account")
    assert (status, headers["Retry-After"]) == (429, "7")
    assert body["errors"][0]["code"] == "ThrottleRequestsException"


async def test_fail_next_path_prefix_and_html(fake_panel: FakePanel) -> None:
    panel = fake_panel
    panel.fail_next(1, 502, html=True, path_prefix="/api/client/servers")
    assert (await call(panel, "GET", "/api/client/account"))[0] == 200
    server = panel.server("Survival SMP")
    status, body, headers = await call(panel, "GET", f"/api/client/servers/{server.identifier}")
    assert status == 502 and headers["Content-Type"].startswith("text/html")
    assert "502 Bad Gateway" in body
    panel.fail_next(1, 500, body={"custom": True})
    status, body, _ = await call(panel, "GET", "/api/client/account")
    assert (status, body) == (500, {"custom": True})


async def test_faults_do_not_change_state(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Creative")
    panel.fail_next(1, 500)
    status, _, _ = await call(panel, "POST", f"/api/client/servers/{server.identifier}/power", json={"signal": "start"})
    assert status == 500 and server.state == "offline"


async def test_malformed_next(fake_panel: FakePanel) -> None:
    fake_panel.malformed_next(1)
    async with aiohttp.ClientSession() as http:
        async with http.get(fake_panel.url + "/api/client/account", headers=fake_panel.auth_headers()) as resp:
            assert resp.status == 200 and resp.content_type == "application/json"
            with pytest.raises(ValueError):
                json.loads(await resp.read())
    assert (await call(fake_panel, "GET", "/api/client/account"))[0] == 200


async def test_drop_next(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Survival SMP")
    panel.drop_next(1)
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            async with http.post(
                f"{panel.url}/api/client/servers/{server.identifier}/command",
                json={"command": "list"},
                headers=panel.auth_headers(),
            ):
                pass
        assert server.console == []
        assert panel.requests[-1].status is None
        # aiohttp retries an idempotent request once by itself after a disconnect: drop two.
        panel.drop_next(2)
        with pytest.raises(aiohttp.ServerDisconnectedError):
            async with http.get(panel.url + "/api/client/account", headers=panel.auth_headers()):
                pass
        async with http.get(panel.url + "/api/client/account", headers=panel.auth_headers()) as resp:
            assert resp.status == 200


async def test_fail_next_extra_headers(fake_panel: FakePanel) -> None:
    fake_panel.fail_next(1, 429, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000000"})
    status, _, headers = await call(fake_panel, "GET", "/api/client/account")
    assert (status, headers["X-RateLimit-Reset"], headers["X-RateLimit-Remaining"]) == (429, "1700000000", "0")
    assert "Retry-After" not in headers


async def test_stream_next_sends_chunks_without_content_length(fake_panel: FakePanel) -> None:
    fake_panel.stream_next(1, b'{"streamed": true}' + b" " * 5000, chunk_size=1000)
    async with aiohttp.ClientSession() as http:
        async with http.get(fake_panel.url + "/api/client/account", headers=fake_panel.auth_headers()) as resp:
            assert resp.status == 200 and resp.content_length is None
            assert resp.headers["Transfer-Encoding"] == "chunked"
            assert json.loads(await resp.read()) == {"streamed": True}
        fake_panel.stream_next(1)  # without end: read a good deal of it, then hang up
        async with http.get(fake_panel.url + "/api/client/account", headers=fake_panel.auth_headers()) as resp:
            received = 0
            async for chunk in resp.content.iter_any():
                received += len(chunk)
                if received > 1_000_000:
                    break
            assert received > 1_000_000
    assert (await call(fake_panel, "GET", "/api/client/account"))[0] == 200


async def test_reset_faults(fake_panel: FakePanel) -> None:
    fake_panel.fail_next(5, 500)
    fake_panel.drop_next(5)
    fake_panel.reset_faults()
    assert (await call(fake_panel, "GET", "/api/client/account"))[0] == 200
