"""The fake Wings websocket (§8) driven by raw aiohttp clients: connection, auth, frames, origin, JWT errors."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from pyjexactyl.testing import FakePanel
from pyjexactyl.testing._wings_jwt import node_jwt
from tests.lib.wings_client import WingsClient, ws_token

Factory = Callable[..., Awaitable[FakePanel]]


@pytest.fixture
async def panel(fake_panel_factory: Factory) -> FakePanel:
    """A panel whose sockets get no periodic ``stats`` (so frame sequences are exact)."""
    return await fake_panel_factory(websocket_stats_interval=3600)


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def forged(panel: FakePanel, server_name: str, **changes: Any) -> str:
    """A token signed with the server's node key, with the claims ``/websocket`` would give, changed."""
    server = panel.server(server_name)
    node = panel.store.nodes[server.node_id]
    claims: dict[str, Any] = {
        "server_uuid": server.uuid,
        "permissions": ["*"],
        "user_uuid": panel.user.uuid,
        "user_id": panel.user.id,
        "unique_id": "forgedforgedforg",
    }
    ttl = changes.pop("ttl", 600)
    claims.update(changes)
    return node_jwt(node, claims, ttl=ttl, panel_url=panel.url, jti="x")


# ----------------------------------------------------------------------------------- connection
async def test_websocket_route_points_at_the_node_listener(panel: FakePanel) -> None:
    server = panel.server("Creative")
    token, socket = await ws_token(panel, server)
    assert socket == panel.wings.socket_url(server)
    assert socket.startswith("ws://127.0.0.1:") and socket.endswith(f"/api/servers/{server.uuid}/ws")
    assert f":{panel.port}/" not in socket  # Wings is its own server, not the panel's port
    claims = claims_of(token)
    assert claims["exp"] - claims["iat"] == 600 and claims["server_uuid"] == server.uuid
    assert (panel.wings.token_check_interval, panel.wings.token_expiring_threshold) == (30, 60)  # Wings' own


async def test_first_auth_of_an_offline_server(panel: FakePanel) -> None:
    server = panel.server("Creative")
    async with await WingsClient.connect(panel, server, auth=False) as client:
        await client.send("auth", client.token)
        frames = [await client.receive() for _ in range(3)]
        assert [name for name, _ in frames] == ["auth success", "status", "stats"]
        assert frames[0][1] == [] and frames[1][1] == ["offline"]
        stats = json.loads(frames[2][1][0])
        assert list(stats) == [
            "memory_bytes",
            "memory_limit_bytes",
            "cpu_absolute",
            "network",
            "uptime",
            "state",
            "disk_bytes",
        ]
        assert (
            stats["state"] == "offline"
            and stats["memory_bytes"] == 0
            and stats["network"]
            == {
                "rx_bytes": 0,
                "tx_bytes": 0,
            }
        )
        assert stats["disk_bytes"] == server.disk_bytes
        assert await client.barrier() == []  # nothing else was sent


async def test_first_auth_of_a_running_server_sends_no_stats(panel: FakePanel) -> None:
    async with await WingsClient.connect(panel, panel.server("Survival SMP"), auth=False) as client:
        await client.send("auth", client.token)
        assert await client.receive() == ("auth success", [])
        assert await client.receive() == ("status", ["running"])
        assert await client.barrier() == []


async def test_reauth_keeps_the_session_without_a_new_status(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        fresh, _ = await ws_token(panel, server)
        await client.send("auth", fresh)
        assert await client.receive() == ("auth success", [])
        assert await client.barrier() == []
        panel.console_output(server, "still here")
        assert await client.expect("console output") == ["still here"]
    assert len(panel.wings.received("auth")) == 2


async def test_frames_are_go_json_lines(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        panel.console_output(server, "<b>&</b> \x1b[31mred\x1b[0m")
        message = await client.receive_raw()
        assert message.data == (
            '{"event":"console output","args":["\\u003cb\\u003e\\u0026\\u003c/b\\u003e \\u001b[31mred\\u001b[0m"]}\n'
        )
        await client.send("send stats")
        raw = (await client.receive_raw()).data
        assert raw.startswith('{"event":"stats","args":["{\\"memory_bytes\\":') and raw.endswith("\n")
    auth_success = panel.wings.sent("auth success")[0]
    assert auth_success.data == '{"event":"auth success"}\n' and auth_success.args == []


async def test_stats_agree_with_resources(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        await client.send("send stats")
        stats = json.loads((await client.expect("stats", ignore=()))[0])
    async with aiohttp.ClientSession(headers=panel.auth_headers()) as http:
        async with http.get(f"{panel.url}/api/client/servers/{server.identifier}/resources") as response:
            resources = (await response.json())["attributes"]["resources"]
    assert stats["state"] == "running"
    assert stats["memory_bytes"] == resources["memory_bytes"] and stats["cpu_absolute"] == resources["cpu_absolute"]
    assert stats["disk_bytes"] == resources["disk_bytes"]
    assert stats["memory_limit_bytes"] == server.memory * 1024 * 1024
    assert stats["uptime"] > 0 and resources["uptime"] >= stats["uptime"]


async def test_undecodable_frames_are_dropped_and_the_socket_stays_open(panel: FakePanel) -> None:
    async with await WingsClient.connect(panel, panel.server("Survival SMP")) as client:
        for raw in ["not json", "[1, 2]", '{"event": 5}', '{"event": "send stats", "args": [1]}', '"x"']:
            await client.ws.send_str(raw)
        await client.ws.send_bytes(b'{"event": "send stats", "args": "no list"}')
        await client.ws.send_str('{"Event": "send stats", "args": [null]}')  # Go: keys match case-insensitively
        assert (await client.receive())[0] == "stats"
        assert await client.barrier() == []
    assert [f.event for f in panel.wings.received()][-8:] == [None] * 6 + ["send stats", "send stats"]


async def test_events_before_auth_get_jwt_errors(panel: FakePanel) -> None:
    async with await WingsClient.connect(panel, panel.server("Survival SMP"), auth=False) as client:
        for event in ("send stats", "send logs", "set state", "send command", "whatever"):
            await client.send(event, "x")
            assert await client.receive() == ("jwt error", ["jwt: no jwt present"])
        panel.console_output("Survival SMP", "not for unauthenticated sockets")
        await client.auth()
        assert await client.receive() == ("status", ["running"])


# ----------------------------------------------------------------------------------- upgrade checks
@pytest.mark.parametrize("origin", [None, "http://evil.example", "PANEL/"])
async def test_a_wrong_origin_is_refused_with_403(panel: FakePanel, origin: str | None) -> None:
    if origin == "PANEL/":
        origin = panel.url + "/"
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await WingsClient.connect(panel, panel.server("Creative"), origin=origin)
    assert caught.value.status == 403
    assert panel.wings.connections[-1].status == 403 and panel.wings.connections[-1].origin == origin


async def test_allowed_origins(fake_panel_factory: Factory) -> None:
    panel = await fake_panel_factory(websocket_allowed_origins=["https://panel.example.com"])
    server = panel.server("Creative")
    async with await WingsClient.connect(panel, server, origin="https://panel.example.com"):
        pass
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await WingsClient.connect(panel, server, origin="https://other.example.com")
    panel.wings.allowed_origins = ["*"]
    async with await WingsClient.connect(panel, server, origin="https://other.example.com"):
        pass
    assert [c.status for c in panel.wings.connections] == [101, 403, 101]


async def test_unknown_server_or_other_node_is_404_and_plain_get_is_400(panel: FakePanel) -> None:
    server = panel.server("Creative")
    _, socket = await ws_token(panel, server)
    other_node = panel.add_node("Node 02", fqdn="node02.example.com")
    panel.add_allocations(other_node, "10.0.1.1", [25565])
    elsewhere = panel.add_server(panel.user, "Elsewhere", node=other_node)
    async with aiohttp.ClientSession() as http:
        for path in (socket.replace(server.uuid, "0" * 36), socket.replace(server.uuid, elsewhere.uuid)):
            async with http.get(path.replace("ws://", "http://")) as response:
                assert response.status == 404
                assert await response.json() == {"error": "The requested resource does not exist on this instance."}
        async with http.get(socket.replace("ws://", "http://"), headers={"Origin": panel.url}) as response:
            assert response.status == 400
    other_socket = panel.wings.socket_url(elsewhere)
    assert other_socket.split("/")[2] != socket.split("/")[2]  # each node has its own port
    async with await WingsClient.connect(panel, elsewhere) as client:
        assert client.status == "offline"


# ----------------------------------------------------------------------------------- JWT errors
async def _auth_reply(client: WingsClient, token: str) -> tuple[str, str]:
    await client.send("auth", token)
    name, args = await client.receive()
    return name, args[0]


async def test_bad_tokens_on_auth(panel: FakePanel) -> None:
    server = panel.server("Creative")
    async with await WingsClient.connect(panel, server, auth=False) as client:
        good = client.token
        bad_signature = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
        generic = "an unexpected error was encountered while handling this request"
        for token in (bad_signature, "not-a-jwt", ""):
            name, text = await _auth_reply(client, token)
            assert name == "daemon error" and text.startswith("Error Event [") and text.endswith(f"]: {generic}")
        name, text = await _auth_reply(client, forged(panel, "Creative", ttl=-5))
        assert (name, text.split("]: ", 1)[1]) == ("jwt error", "jwt: exp claim is invalid")
        name, text = await _auth_reply(client, forged(panel, "Creative", permissions=["control.console"]))
        assert (name, text.split("]: ", 1)[1]) == ("jwt error", "jwt: missing connect permission")
        other_node_token = node_jwt(
            panel.add_node("Node 02"), claims_of(good), ttl=600, panel_url=panel.url, jti=claims_of(good)["jti"]
        )
        name, text = await _auth_reply(client, other_node_token)
        assert name == "daemon error"
        await client.send("send stats")  # still unauthenticated
        assert await client.receive() == ("jwt error", ["jwt: no jwt present"])


async def test_admin_errors_permission_reveals_the_reason(panel: FakePanel) -> None:
    server = panel.server("Creative")  # a root admin who does not own it gets the admin.* permissions
    async with await WingsClient.connect(panel, server, user=panel.admin) as client:
        assert "admin.websocket.errors" in claims_of(client.token)["permissions"]
        name, text = await _auth_reply(client, client.token[:-4] + "AAAA")
        assert name == "daemon error" and text.endswith("]: jwt: HMAC verification failed")


async def test_token_of_another_server_is_accepted_then_every_event_is_a_jwt_error(panel: FakePanel) -> None:
    creative, survival = panel.server("Creative"), panel.server("Survival SMP")
    other_token, _ = await ws_token(panel, survival)
    async with await WingsClient.connect(panel, creative, auth=False) as client:
        await client.send("auth", other_token)
        assert await client.receive() == ("auth success", [])
        mismatch = ("jwt error", ["jwt: server uuid mismatch"])
        assert await client.receive() == mismatch  # the status
        assert await client.receive() == mismatch  # the offline stats
        await client.send("send stats")
        assert await client.receive() == mismatch
        panel.console_output(creative, "hidden")
        assert await client.receive() == mismatch


async def test_token_expiring_then_refresh(fake_panel_factory: Factory) -> None:
    panel = await fake_panel_factory(websocket_token_ttl=3, websocket_stats_interval=3600)
    assert (panel.wings.token_check_interval, panel.wings.token_expiring_threshold) == (0.3, 1.0)
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        exp = claims_of(client.token)["exp"]
        await client.expect("token expiring", timeout=5)
        assert 0 < exp - time.time() <= 1.0  # warned before expiry, within the threshold
        fresh, _ = await ws_token(panel, server)
        await client.auth(fresh)
        panel.console_output(server, "after refresh")
        assert await client.expect("console output") == ["after refresh"]
        assert ("jwt error", ["jwt: exp claim is invalid"]) not in client.seen


async def test_token_expired_then_jwt_errors(fake_panel_factory: Factory) -> None:
    panel = await fake_panel_factory(websocket_token_ttl=2, websocket_stats_interval=3600)
    panel.wings.token_check_interval = 0.1
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        await client.expect("token expiring", timeout=5)
        await client.expect("token expired", timeout=5, ignore=("token expiring",))
        await client.expect("jwt error", timeout=5, ignore=("token expired",))
        panel.console_output(server, "lost")
        await client.send("send stats")
        inbound = await panel.wings.wait_for(lambda: panel.wings.received("send stats"))
        mark = panel.wings.frames.index(inbound[-1])
        # frames leave in order: anything written after the inbound frame was queued after "lost"
        await panel.wings.wait_for(lambda: any(f.direction == "out" for f in panel.wings.frames[mark:]))
        assert not [f for f in panel.wings.sent("console output") if f.args == ["lost"]]
        assert {tuple(f.args) for f in panel.wings.sent("jwt error")} == {("jwt: exp claim is invalid",)}
        # an expired token on auth is refused; a fresh one restores the session
        name, text = await _auth_reply(client, client.token)
        assert name == "jwt error" and text.endswith("jwt: exp claim is invalid")
        fresh, _ = await ws_token(panel, server)
        await client.send("auth", fresh)
        await client.expect("auth success", ignore=("jwt error",))
        panel.console_output(server, "back")
        assert await client.expect("console output", ignore=("jwt error", "token expiring")) == ["back"]


async def test_nothing_reaches_sockets_that_never_authenticated(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server, auth=False) as client:
        panel.console_output(server, "nobody hears this")
        assert panel.wings.history(server)[-1] == "nobody hears this"
        await client.send("send stats")  # answered after anything queued before it
        assert await client.receive() == ("jwt error", ["jwt: no jwt present"])
