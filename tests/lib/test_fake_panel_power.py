"""FakePanel over real HTTP: the state gate, power and commands, the websocket token, the request record, and
the fake started from synchronous code."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel, FakeServer, RecordedRequest
from tests.lib.helpers import call, error


# ---------------------------------------------------------------------------------- state gate
async def test_state_gate(fake_panel: FakePanel) -> None:
    panel = fake_panel
    suspended = panel.server("Suspended Server")
    status, body, _ = await call(panel, "GET", f"/api/client/servers/{suspended.identifier}")
    assert status == 200 and body["attributes"]["is_suspended"] is True
    assert body["attributes"]["status"] == "suspended"
    for suffix in ("/resources", "/backups", "/files/list", "/websocket"):
        status, body, _ = await call(panel, "GET", f"/api/client/servers/{suspended.identifier}{suffix}")
        assert (status, body) == (
            409,
            error(
                409,
                "ConflictHttpException",
                "This server is currently suspended and the functionality requested is unavailable.",
            ),
        ), suffix
    installing = panel.server("Installing Server")
    status, body, _ = await call(
        panel, "POST", f"/api/client/servers/{installing.identifier}/power", json={"signal": "start"}
    )
    assert (status, body) == (
        409,
        error(
            409,
            "ConflictHttpException",
            "This server has not yet completed its installation process, please try again later.",
        ),
    )
    # Root admins may still fetch the websocket of an installing server.
    status, body, _ = await call(
        panel, "GET", f"/api/client/servers/{installing.identifier}/websocket", key=panel.admin
    )
    assert status == 200 and body["data"]["socket"].endswith(f"/api/servers/{installing.uuid}/ws")


# ---------------------------------------------------------------------------------- power
async def _wait_state(panel: FakePanel, server: FakeServer, state: str, timeout: float = 2.0) -> dict[str, Any]:
    """The server's resources as the panel answers them, once the fake has reached ``state``."""
    await panel.wait_for(lambda: server.state == state, timeout)
    _, body, _ = await call(panel, "GET", f"/api/client/servers/{server.identifier}/resources")
    assert body["attributes"]["current_state"] == state
    return dict(body["attributes"])


async def test_power_changes_state_asynchronously(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Creative")
    stats = await _wait_state(panel, server, "offline")
    assert stats["resources"]["memory_bytes"] == 0 and stats["resources"]["uptime"] == 0
    status, body, _ = await call(
        panel, "POST", f"/api/client/servers/{server.identifier}/power", json={"signal": "start"}
    )
    assert (status, body) == (204, None)
    assert server.state == "starting"
    stats = await _wait_state(panel, server, "running")
    assert stats["resources"]["memory_bytes"] > 0 and stats["resources"]["cpu_absolute"] > 0
    await asyncio.sleep(0.01)
    stats = await _wait_state(panel, server, "running")
    assert stats["resources"]["uptime"] > 0
    assert set(stats["resources"]) == {
        "memory_bytes",
        "cpu_absolute",
        "disk_bytes",
        "network_rx_bytes",
        "network_tx_bytes",
        "uptime",
    }
    await call(panel, "POST", f"/api/client/servers/{server.identifier}/power", json={"signal": "stop"})
    assert server.state == "stopping"
    await _wait_state(panel, server, "offline")
    await call(panel, "POST", f"/api/client/servers/{server.identifier}/power", json={"signal": "restart"})
    await _wait_state(panel, server, "running")
    await call(panel, "POST", f"/api/client/servers/{server.identifier}/power", json={"signal": "kill"})
    assert server.state == "offline"


async def test_command(fake_panel: FakePanel) -> None:
    panel = fake_panel
    offline = panel.server("Creative")
    status, body, _ = await call(
        panel, "POST", f"/api/client/servers/{offline.identifier}/command", json={"command": "say hi"}
    )
    assert (status, body) == (502, error(502, "HttpException", "Server must be online in order to send commands."))
    running = panel.server("Survival SMP")
    status, body, _ = await call(
        panel, "POST", f"/api/client/servers/{running.identifier}/command", json={"command": ""}
    )
    assert status == 422 and body["errors"][0]["meta"] == {"source_field": "command", "rule": "required"}
    status, body, _ = await call(
        panel, "POST", f"/api/client/servers/{running.identifier}/command", json={"command": "say hi"}
    )
    assert (status, body) == (204, None)
    assert running.console == ["say hi"]


async def test_websocket_token(fake_panel: FakePanel) -> None:
    server = fake_panel.server("Survival SMP")
    status, body, _ = await call(fake_panel, "GET", f"/api/client/servers/{server.identifier}/websocket")
    assert status == 200 and set(body) == {"data"}
    port = fake_panel.wings.socket_url(server).split(":")[2].split("/")[0]
    assert body["data"]["socket"] == f"ws://127.0.0.1:{port}/api/servers/{server.uuid}/ws"
    header, payload, signature = body["data"]["token"].split(".")
    secret = fake_panel.store.nodes[server.node_id].daemon_token.encode()
    expected = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == signature
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["server_uuid"] == server.uuid and claims["permissions"] == ["*"]
    assert claims["user_uuid"] == fake_panel.user.uuid
    assert claims["exp"] - claims["iat"] == 600 and claims["iat"] - claims["nbf"] == 300
    assert claims["iss"] == fake_panel.url and claims["aud"] == ["https://node01.example.com:8080"]
    assert claims["jti"] == hashlib.md5(f"{fake_panel.user.id}{server.uuid}".encode()).hexdigest()
    assert claims["user_id"] == fake_panel.user.id and len(claims["unique_id"]) == 16


# ---------------------------------------------------------------------------------- recording
async def test_requests_are_recorded(fake_panel: FakePanel) -> None:
    panel = fake_panel
    panel.clear_requests()
    server = panel.server("Survival SMP")
    await call(panel, "POST", f"/api/client/servers/{server.identifier}/command?x=1&x=2", json={"command": "list"})
    assert len(panel.requests) == 1
    record = panel.requests[0]
    assert isinstance(record, RecordedRequest)
    assert (record.method, record.path, record.status) == (
        "POST",
        f"/api/client/servers/{server.identifier}/command",
        204,
    )
    assert record.query == {"x": ["1", "2"]} and record.json == {"command": "list"}
    assert record.key_identifier == panel.user.client_key[:16]
    assert record.headers["accept"] == "application/json"
    assert record.api == "client"


# ---------------------------------------------------------------------------------- sync mode
def test_sync_start_from_plain_test(fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    results: list[int] = []

    def worker() -> None:
        request = urllib.request.Request(panel.url + "/api/client/account", headers=panel.auth_headers())
        with urllib.request.urlopen(request) as response:
            results.append(response.status)
            assert json.loads(response.read())["attributes"]["username"] == "alice"

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 4
    request = urllib.request.Request(panel.url + "/api/client/servers/deadbeef", headers=panel.auth_headers())
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request)
    assert info.value.code == 404


def test_sync_context_manager_and_power() -> None:
    with FakePanel(power_delay=0.02) as panel:
        server = panel.server("Creative")
        request = urllib.request.Request(
            f"{panel.url}/api/client/servers/{server.identifier}/power",
            data=b'{"signal":"start"}',
            headers={**panel.auth_headers(), "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request) as response:
            assert response.status == 204
        panel.wait_for_sync(lambda: server.state == "running", 2)
    assert not panel.running
