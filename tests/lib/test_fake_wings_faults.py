"""Fault injection of the fake Wings (drops, restarts, refusals, node outages, delays) and its records."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from pyjexactyl.testing import FakePanel
from tests.lib.wings_client import WingsClient, ws_token

Factory = Callable[..., Awaitable[FakePanel]]


@pytest.fixture
async def panel(fake_panel_factory: Factory) -> FakePanel:
    return await fake_panel_factory(websocket_stats_interval=3600)


async def test_drop_cuts_one_servers_sockets_abruptly(panel: FakePanel) -> None:
    survival, creative = panel.server("Survival SMP"), panel.server("Creative")
    async with (
        await WingsClient.connect(panel, survival) as first,
        await WingsClient.connect(panel, survival) as second,
        await WingsClient.connect(panel, creative) as other,
    ):
        assert panel.wings.drop(survival) == 2
        for client in (first, second):
            message = await client.closed()
            assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)  # no close frame
        await panel.wings.wait_for(lambda: len(panel.wings.open_connections()) == 1)
        assert await other.barrier() == []  # the other server's socket is untouched
    closed = [c for c in panel.wings.connections if c.server == survival.uuid]
    assert [c.close_code for c in closed] == [1006, 1006] and not any(c.open for c in closed)


async def test_drop_with_a_close_code_and_by_node(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        panel.console_output(server, "last words")
        assert panel.wings.drop(node=server.node_id, code=1012) == 1
        assert await client.receive() == ("console output", ["last words"])  # pending frames go first
        message = await client.closed()
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 1012
    await panel.wings.wait_for(lambda: panel.wings.connections[-1].close_code == 1012)


async def test_restart_denies_old_tokens(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        old_token = client.token
        assert panel.wings.restart(server.node_id) == 1
        await client.closed()
    async with await WingsClient.connect(panel, server, auth=False) as client:
        await client.send("auth", old_token)
        name, args = await client.receive()
        assert name == "jwt error" and args[0].endswith("]: jwt: created too far in past (denylist)")
        await client.auth()  # the token connect() fetched after the restart
        assert await client.receive() == ("status", ["running"])


async def test_refuse_next_connections(panel: FakePanel) -> None:
    survival, creative = panel.server("Survival SMP"), panel.server("Creative")
    panel.wings.refuse_next(2)
    panel.wings.refuse_next(1, status=503, server=creative)
    for expected in (502, 502):
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await WingsClient.connect(panel, survival)
        assert caught.value.status == expected
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await WingsClient.connect(panel, creative)
    assert caught.value.status == 503
    async with await WingsClient.connect(panel, survival) as client:
        assert client.status == "running"
    assert [c.status for c in panel.wings.connections] == [502, 502, 503, 101]


async def test_node_down_refuses_connections_until_it_is_back(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    other_node = panel.add_node("Node 02")
    panel.add_allocations(other_node, "10.0.1.1", [25565])
    elsewhere = panel.add_server(panel.user, "Elsewhere", node=other_node)
    _, socket = await ws_token(panel, server)
    async with await WingsClient.connect(panel, server) as client, await WingsClient.connect(panel, elsewhere) as safe:
        panel.wings.set_node_down(server.node_id)
        assert panel.wings.node_down(server.node_id) and not panel.wings.node_down(other_node)
        await client.closed()
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectorError):
                await session.ws_connect(socket, headers={"Origin": panel.url})
        assert await safe.barrier() == []  # another node is not affected
        panel.wings.set_node_down(server.node_id, False)
        async with await WingsClient.connect(panel, server) as again:
            assert again.status == "running"
    assert panel.wings.socket_url(server) == socket  # same port after coming back


async def test_delay_frames(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        panel.wings.delay_frames(0.3, server=server)
        started = time.monotonic()
        panel.console_output(server, "slow", "and ordered")
        assert await client.receive() == ("console output", ["slow"])
        assert await client.receive() == ("console output", ["and ordered"])
        assert time.monotonic() - started >= 0.3
        panel.wings.delay_frames(0, server=server)
        await client.send("send stats")
        assert (await client.receive())[0] == "stats"
    stamps = [f.timestamp for f in panel.wings.sent("console output")]
    assert stamps[1] - stamps[0] < 0.3  # a latency per frame, not a queue that slows down


async def test_records_and_waits(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        await client.send("send logs")
        frame = (await panel.wings.wait_for(lambda: panel.wings.received("send logs", server=server.uuid)))[0]
        assert frame.direction == "in" and frame.args == [] and frame.connection == panel.wings.connections[-1].id
        (connection,) = panel.wings.open_connections(server)
        assert connection.authenticated and connection.user_uuid == panel.user.uuid and connection.origin == panel.url
        with pytest.raises(TimeoutError):
            await panel.wings.wait_for(lambda: panel.wings.received("never"), timeout=0.05)
    panel.wings.clear_frames()
    assert panel.wings.frames == [] and panel.wings.connections == []


def test_sync_panel_and_wait_for_sync(fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    server = panel.server("Survival SMP")
    panel.wings.stats_interval = 3600

    async def session() -> list[str]:
        async with await WingsClient.connect(panel, server) as client:
            panel.console_output(server, "from the test thread")  # crosses to the panel's thread
            await client.send("send command", "list")
            lines = [(await client.receive())[1][0] for _ in range(3)]
            await asyncio.to_thread(panel.wings.wait_for_sync, lambda: panel.wings.received("send command"))
            server.state = "stopping"  # assigned on this thread, sent from the panel's loop
            assert await client.expect("status", ignore=()) == ["stopping"]
            return lines

    lines = asyncio.run(session())
    assert lines == ["from the test thread", "> list", "There are 0 of a max of 20 players online: "]
    panel.wings.wait_for_sync(lambda: not panel.wings.open_connections())
    assert panel.wings.drop() == 0


def test_wait_for_sync_predicates_may_call_controls(fake_panel_sync: FakePanel) -> None:
    """The predicate runs outside the recorder's lock: a control inside it waits for the panel's loop, and that
    loop may first have to wake the waiters (a frame or a close was recorded), which takes that lock."""
    panel = fake_panel_sync
    loop = panel.wings._loop
    assert loop is not None
    calls: list[int] = []

    def busy_loop_then_control() -> bool:
        calls.append(1)
        loop.call_soon_threadsafe(panel.wings.notify)  # the loop wakes the waiters before it runs the control
        panel.wings.open_connections()
        return len(calls) >= 2

    assert panel.wings.wait_for_sync(busy_loop_then_control, 5.0)
