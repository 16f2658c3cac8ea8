"""The fake Wings' power, console, logs and stats: one state machine for HTTP and websocket."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from pyjexactyl.testing import FakePanel, FakeServer, StateOutput
from tests.lib.wings_client import WingsClient

Factory = Callable[..., Awaitable[FakePanel]]


@pytest.fixture
async def panel(fake_panel_factory: Factory) -> FakePanel:
    """No periodic ``stats`` (exact frame sequences); power steps of 50 ms."""
    return await fake_panel_factory(websocket_stats_interval=3600)


async def http(panel: FakePanel, method: str, path: str, **kwargs: object) -> tuple[int, object]:
    async with aiohttp.ClientSession(headers=panel.auth_headers()) as session:
        async with session.request(method, f"{panel.url}/api/client/servers{path}", **kwargs) as response:  # type: ignore[arg-type]
            body = await response.json() if response.status == 200 else None
            return response.status, body


def events(frames: list[tuple[str, list[str]]], name: str) -> list[list[str]]:
    return [args for event, args in frames if event == name]


def statuses(frames: list[tuple[str, list[str]]]) -> list[str]:
    return [args[0] for args in events(frames, "status")]


# ----------------------------------------------------------------------------------- power
async def test_set_state_runs_the_http_state_machine(panel: FakePanel) -> None:
    server = panel.server("Creative")
    async with await WingsClient.connect(panel, server) as client:
        await client.send("set state", "start")
        frames = await client.collect_until("status")
        daemon = [args[0] for args in events(frames, "console output")]
        check = "Checking server disk space usage, this could take a few seconds..."
        assert daemon[0] == f"\x1b[33m\x1b[1m[Pterodactyl Daemon]:\x1b[39m {check}\x1b[0m"
        assert statuses(frames) == ["starting"] and server.state == "starting"
        frames = await client.collect_until("status")
        assert any("Done (" in args[0] for args in events(frames, "console output"))
        assert statuses(frames) == ["running"]
        status, body = await http(panel, "GET", f"/{server.identifier}/resources")
        assert status == 200 and body["attributes"]["current_state"] == "running"  # type: ignore[index]
        # the HTTP power route drives the same sockets
        assert (await http(panel, "POST", f"/{server.identifier}/power", json={"signal": "stop"}))[0] == 204
        frames = await client.collect_until("status")
        assert statuses(frames) == ["stopping"]
        frames = await client.collect_until("stats")
        assert statuses(frames) == ["offline"]
        assert json.loads(frames[-1][1][0])["memory_bytes"] == 0  # zeroed stats after going offline
        assert panel.store.activity[-1].event == "server:power.stop"
    assert [a.event for a in panel.store.activity if a.event == "server:power.start"]  # logged as the token's user


async def test_state_written_by_a_test_reaches_the_sockets(panel: FakePanel) -> None:
    server = panel.server("Creative")
    async with await WingsClient.connect(panel, server) as client:
        panel.wings.state_output.clear()
        server.state = "running"
        assert await client.receive() == ("status", ["running"])
        server.state = "running"  # no change, no event
        server.state = "stopping"
        assert await client.receive() == ("status", ["stopping"])


async def test_kill_reports_stopping_then_offline(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        await client.send("set state", "kill")
        frames = await client.collect_until("stats")
        assert statuses(frames) == ["stopping", "offline"] and server.state == "offline"


async def test_power_permissions_are_silently_enforced(panel: FakePanel) -> None:
    server = panel.server("Creative")
    bob = panel.add_user("bob")
    panel.add_subuser(server, bob, ["control.console", "control.restart"])
    async with await WingsClient.connect(panel, server, user=bob) as client:
        for action in ("start", "stop", "kill"):
            await client.send("set state", action)
        assert await client.barrier() == [] and server.state == "offline"
        await client.send("set state", "restart")  # allowed
        assert await client.expect("status", ignore=("console output",)) == ["starting"]


async def test_another_power_action_in_progress_is_a_daemon_error(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    panel.runtime.power_delay = 30  # stays "stopping"
    async with await WingsClient.connect(panel, server) as client:
        await client.send("set state", "stop")
        assert await client.expect("status", ignore=("console output",)) == ["stopping"]
        for action in ("start", "restart", "stop"):
            await client.send("set state", action)
            (text,) = await client.expect("daemon error", ignore=("console output",))
            assert text.startswith("Error Event [") and text.endswith(
                "]: another power action is currently being processed for this server, please try again later"
            )
        await client.send("set state", "kill")  # kill passes the lock
        frames = await client.collect_until("stats")
        assert statuses(frames) == ["offline"]


async def test_start_on_a_running_server_is_a_daemon_error(panel: FakePanel) -> None:
    server = panel.server("Creative")
    server.state = "running"
    async with await WingsClient.connect(panel, server) as client:
        await client.send("set state", "start")
        error = await client.expect("daemon error")
        assert error[0].endswith("]: an unexpected error was encountered while handling this request")
        await client.send("set state", "dance")
        assert (await client.expect("daemon error"))[0].endswith("while handling this request")
    async with await WingsClient.connect(panel, server, user=panel.admin) as admin:
        await admin.send("set state", "start")
        assert (await admin.expect("daemon error"))[0].endswith("]: server is running")


async def test_suspended_or_restoring_servers_refuse_power(panel: FakePanel) -> None:
    server = panel.server("Creative")
    async with await WingsClient.connect(panel, server, user=panel.admin) as client:
        server.status = "suspended"
        await client.send("set state", "start")
        assert (await client.expect("daemon error"))[0].endswith("]: server is currently in a suspended state")
        server.status = "restoring_backup"
        await client.send("set state", "kill")
        assert (await client.expect("daemon error"))[0].endswith("]: server is currently being restored")
        server.status = "installing"
        await client.send("set state", "start")
        assert (await client.expect("daemon error"))[0].endswith("]: server is currently installing")


# ----------------------------------------------------------------------------------- console
async def test_commands_echo_and_scripted_answers(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    panel.wings.respond("list", ["There are 2 of a max of 20 players online: a, b"], server=server)
    panel.wings.respond("say", lambda srv, line: [f"[Server] {line.split(' ', 1)[1]} ({srv.name})"])
    async with await WingsClient.connect(panel, server) as client:
        await client.send("send command", "list")
        assert await client.receive() == ("console output", ["> list"])
        assert await client.receive() == ("console output", ["There are 2 of a max of 20 players online: a, b"])
        await client.send("send command", "say hi there")
        assert await client.receive() == ("console output", ["> say hi there"])
        assert await client.receive() == ("console output", ["[Server] hi there (Survival SMP)"])
        panel.wings.echo_format = None
        await client.send("send command", "unknown")
        assert await client.barrier() == []
        # POST /command prints to the same console
        panel.wings.echo_format = "{command}"
        status, _ = await http(panel, "POST", f"/{server.identifier}/command", json={"command": "list"})
        assert status == 204
        assert await client.receive() == ("console output", ["list"])
        assert await client.receive() == ("console output", ["There are 2 of a max of 20 players online: a, b"])
    assert server.console == ["list", "say hi there", "unknown", "list"]
    assert [a.properties["command"] for a in panel.store.activity if a.event == "server:console.command"][-1] == "list"
    other = panel.server("Creative")
    other.state = "running"
    async with await WingsClient.connect(panel, other) as client:
        await client.send("send command", "list")  # the global answer, not Survival's
        assert await client.receive() == ("console output", ["list"])
        assert await client.receive() == ("console output", ["There are 0 of a max of 20 players online: "])


async def test_commands_need_permission_and_a_running_server(panel: FakePanel) -> None:
    server = panel.server("Creative")
    async with await WingsClient.connect(panel, server) as client:
        await client.send("send command", "list")  # offline: ignored
        assert await client.barrier() == []
    server.state = "running"
    bob = panel.add_user("bob")
    panel.add_subuser(server, bob, ["control.start"])
    async with await WingsClient.connect(panel, server, user=bob) as client:
        await client.send("send command", "list")  # no control.console: ignored
        assert await client.barrier() == []
    assert server.console == []


# ----------------------------------------------------------------------------------- logs and stats
async def test_send_logs_replays_a_bounded_history(panel: FakePanel) -> None:
    server = panel.server("Creative")
    panel.wings.state_output = {"starting": StateOutput(daemon=["booting"], after=["boot 1", "boot 2"])}
    panel.wings.log_count = 3
    async with await WingsClient.connect(panel, server) as client:
        panel.console_output(server, "from a previous run")
        await client.send("send logs")  # offline: nothing
        assert events(await client.barrier(), "console output") == [["from a previous run"]]
        await client.send("set state", "start")
        await client.expect("status", ignore=("console output",))
        await client.expect("status", ignore=("console output",))
        panel.console_output(server, "line 3", "line 4")
        await client.receive()
        await client.receive()
        assert panel.wings.history(server) == ["boot 1", "boot 2", "line 3", "line 4"]  # no daemon line, reset
        await client.send("send logs")
        frames = await client.barrier()
        assert events(frames, "console output") == [["boot 2"], ["line 3"], ["line 4"]]
    assert len(panel.wings.received("send logs")) == 2


async def test_stats_tick_while_running_and_stop_when_offline(panel: FakePanel) -> None:
    server: FakeServer = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        panel.wings.stats_interval = 0.05  # applies at once, not after the hour the ticker was sleeping
        for _ in range(3):
            assert json.loads((await client.expect("stats", ignore=()))[0])["state"] == "running"
        server.state = "offline"
        frames = await client.collect_until("stats")
        assert statuses(frames) == ["offline"]
        await client.send("send stats")  # one answer, and no more ticks offline
        assert (await client.receive())[0] == "stats"
        await client.send("send command", "x")
        await client.send("send stats")
        assert (await client.receive())[0] == "stats"
    ticks = [f for f in panel.wings.sent("stats") if json.loads(f.args[0])["state"] == "running"]
    assert len(ticks) >= 3


async def test_crash_restarts_then_gives_up(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    panel.wings.state_output.clear()
    async with await WingsClient.connect(panel, server) as client:
        panel.wings.crash(server, exit_code=137, oom_killed=True)
        frames = await client.collect_until("status")
        assert statuses(frames) == ["offline"]
        frames = await client.collect_until("status")
        texts = [args[0] for args in events(frames, "console output")]
        lines = [text.split("\x1b[39m ")[1].removesuffix("\x1b[0m") for text in texts]
        assert lines == [
            "---------- Detected server process in a crashed state! ----------",
            "Exit code: 137",
            "Out of memory: true",
        ]
        assert statuses(frames) == ["starting"]
        await client.expect("status")  # running again
        panel.wings.crash(server)
        frames = await client.collect_until("stats")  # offline, then its zeroed stats
        assert statuses(frames) == ["offline"]
        frames = await client.barrier()
        assert "Aborting automatic restart, last crash occurred less than 60 seconds ago." in frames[-1][1][0]
        assert server.state == "offline"
