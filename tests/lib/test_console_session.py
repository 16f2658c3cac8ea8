"""The live console (``api.client.servers.console``) against the fake Wings over real sockets (§6.10, §8):
connection, every event type, commands, power, stats and logs requests, offline commands, permission and
state-gate refusals, backpressure, malformed and unknown frames, logging without secrets."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

import pytest

from pyjexactyl import (
    AsyncJexactyl,
    BackupCompleted,
    BackupRestoreCompleted,
    ConflictError,
    ConsoleAuthError,
    ConsoleDisconnectedError,
    ConsoleOutput,
    ConsoleSession,
    DaemonError,
    DaemonMessage,
    Dropped,
    ForbiddenError,
    InstallCompleted,
    InstallOutput,
    InstallStarted,
    InvalidArgumentError,
    ServerDeleted,
    ServerOfflineError,
    Stats,
    StatusChanged,
    TransferLogs,
    TransferStatus,
    UnknownEvent,
    strip_ansi,
)
from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.console_helpers import WAIT, lines_of, read_line, read_until, websocket_requests


async def test_entering_connects_with_the_panel_origin_and_reports_the_state_then_the_recent_lines(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer
) -> None:
    fake_panel.console_output(server, "[12:00:00 INFO]: Done (3.2s)!", "[12:00:01 INFO]: Steve joined")
    before = websocket_requests(fake_panel, server.identifier)
    async with api.client.servers.console(server.identifier) as console:
        assert isinstance(console, ConsoleSession)
        assert console.connection_state == "open" and console.state == "running"
        events = await read_line(console, "[12:00:01 INFO]: Steve joined")
        assert events[0] == StatusChanged("running")
        assert lines_of(events)[-2:] == ["[12:00:00 INFO]: Done (3.2s)!", "[12:00:01 INFO]: Steve joined"]
        fake_panel.console_output(server, "live line")
        assert lines_of(await read_line(console, "live line")) == ["live line"]
    assert console.connection_state == "closed"
    assert websocket_requests(fake_panel, server.identifier) == before + 1  # one token for the whole session
    [connection] = fake_panel.wings.connections
    assert connection.origin == fake_panel.url and connection.status == 101 and connection.authenticated
    await fake_panel.wings.wait_for(lambda: not connection.open)  # leaving the block closed the socket
    assert [f.event for f in fake_panel.wings.received(server=server.uuid)] == ["auth", "send logs"]


async def test_logs_false_does_not_ask_for_the_recent_lines(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer
) -> None:
    fake_panel.console_output(server, "old line")
    async with api.client.servers.console(server.identifier, logs=False) as console:
        fake_panel.console_output(server, "new line")
        assert lines_of(await read_line(console, "new line")) == ["new line"]
    assert fake_panel.wings.received("send logs") == []


async def test_commands_power_stats_and_logs_go_over_the_socket(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    creative = fake_panel.server("Creative")
    fake_panel.wings.respond("list", ["There are 2 of a max of 20 players online: Steve, Alex"])
    async with api.client.servers.console(creative.identifier) as console:
        events = await read_until(console, lambda e: isinstance(e, Stats), keep_stats=True)
        assert events[0] == StatusChanged("offline")  # and one stats for an offline server
        assert events[1].memory_bytes == 0 and events[1].state == "offline"  # type: ignore[union-attr]

        await console.set_power("start")
        await read_until(console, lambda e: e == StatusChanged("running"))
        assert console.state == "running" and creative.state == "running"

        await console.send_command("list")
        events = await read_line(console, "There are 2 of a max of 20 players online: Steve, Alex")
        assert lines_of(events)[-2:] == ["> list", "There are 2 of a max of 20 players online: Steve, Alex"]

        stats_before = len(fake_panel.wings.sent("stats", server=creative.uuid))
        await console.request_stats()
        await fake_panel.wings.wait_for(lambda: len(fake_panel.wings.received("send stats")) == 1)
        await read_until(console, lambda e: isinstance(e, Stats), keep_stats=True)
        assert len(fake_panel.wings.sent("stats", server=creative.uuid)) > stats_before

        await console.request_logs()
        replay = await read_line(console, "There are 2 of a max of 20 players online: Steve, Alex")
        assert "> list" in lines_of(replay)

        await console.set_power("stop")
        await read_until(console, lambda e: e == StatusChanged("offline"))
    sent = [(f.event, f.args) for f in fake_panel.wings.received(server=creative.uuid)]
    assert ("set state", ["start"]) in sent and ("send command", ["list"]) in sent and ("set state", ["stop"]) in sent


async def test_a_power_action_while_another_runs_is_a_daemon_error(
    fake_panel_factory: Callable[..., Awaitable[FakePanel]],
) -> None:
    slow = await fake_panel_factory(power_delay=30)  # the server stays "stopping"
    server = slow.server("Survival SMP")
    async with AsyncJexactyl(slow.url, slow.user.client_key, backoff_factor=0) as client:
        async with client.client.servers.console(server.identifier, logs=False) as console:
            await console.set_power("stop")
            await read_until(console, lambda e: e == StatusChanged("stopping"))
            await console.set_power("restart")
            events = await read_until(console, lambda e: isinstance(e, DaemonError))
    assert "another power action" in events[-1].message  # type: ignore[union-attr]


async def test_every_wings_event_type_arrives_typed(fake_panel: FakePanel, server: FakeServer) -> None:
    # A root admin's token carries admin.websocket.install / .transfer, which install and transfer output need.
    async with AsyncJexactyl(fake_panel.url, fake_panel.admin.client_key, backoff_factor=0) as admin:
        async with admin.client.servers.console(server.identifier, logs=False) as console:
            wings = fake_panel.wings
            wings.console_output(server, "\x1b[33mcoloured\x1b[0m")
            wings.daemon_message(server, "Server marked as running...")
            wings.emit(server, "daemon error", "an unexpected error was encountered while handling this request")
            wings.emit(server, "install started", "")
            wings.install_output(server, "Downloading paper.jar")
            wings.emit(server, "install completed", "")
            wings.emit(server, "backup restore completed", "")
            wings.transfer_logs(server, "Archiving server files")
            wings.transfer_status(server, "success")
            backup = fake_panel.add_backup(server, "nightly")  # in progress until the fake finishes it
            backup.completed_at = None
            wings.finish_backup(backup, size=4096)
            wings.emit(server, "power usage", "42")  # an event this version does not know
            wings.emit(server, "deleted", "null")
            events = await read_until(console, lambda e: isinstance(e, ServerDeleted))
            with pytest.raises(StopAsyncIteration):  # the session ends after ServerDeleted
                await anext(console)
    kinds = [e for e in events if not isinstance(e, StatusChanged)]
    assert kinds[:9] == [
        ConsoleOutput("\x1b[33mcoloured\x1b[0m"),
        DaemonMessage("Server marked as running..."),
        DaemonError("an unexpected error was encountered while handling this request"),
        InstallStarted(),
        InstallOutput("Downloading paper.jar"),
        InstallCompleted(),
        BackupRestoreCompleted(),
        TransferLogs("Archiving server files"),
        TransferStatus("success"),
    ]
    [completed] = [e for e in kinds if isinstance(e, BackupCompleted)]
    assert completed.uuid == backup.uuid and completed.successful and completed.size_bytes == 4096
    assert completed.checksum == backup.checksum.removeprefix("sha1:") and completed.checksum_type == "sha1"
    assert kinds[-2:] == [UnknownEvent("power usage", ("42",)), ServerDeleted()]
    assert strip_ansi(kinds[0].line) == "coloured"  # type: ignore[union-attr]


async def test_backup_completed_without_the_uuid_suffix_as_newer_wings_send_it(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer
) -> None:
    fake_panel.wings.backup_event_suffix = False
    async with api.client.servers.console(server.identifier, logs=False) as console:
        backup = fake_panel.add_backup(server, "manual")
        backup.completed_at = None
        fake_panel.wings.finish_backup(backup, successful=False)
        events = await read_until(console, lambda e: isinstance(e, BackupCompleted))
    assert fake_panel.wings.sent("backup completed")[0].event == "backup completed"
    event = events[-1]
    assert isinstance(event, BackupCompleted) and event.uuid == backup.uuid and not event.successful


async def test_deleting_the_server_ends_the_session(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    server = fake_panel.add_server(fake_panel.user, "Doomed", state="running")
    async with api.client.servers.console(server.identifier, logs=False) as console:
        async with AsyncJexactyl(fake_panel.url, fake_panel.application_key) as app:
            await app.servers.delete_server(server.id)
        events = await read_until(console, lambda e: isinstance(e, ServerDeleted))
        with pytest.raises(StopAsyncIteration):
            await anext(console)
    assert events[-1] == ServerDeleted()
    assert console.connection_state == "closed" and console.reconnects == 0


async def test_a_command_to_an_offline_server_is_refused_before_sending(
    api: AsyncJexactyl, fake_panel: FakePanel
) -> None:
    creative = fake_panel.server("Creative")
    async with api.client.servers.console(creative.identifier) as console:
        assert console.state == "offline"
        with pytest.raises(ServerOfflineError) as caught:
            await console.send_command("say hello")
        assert caught.value.status == 502 and caught.value.code == "ConsoleServerOffline"
        assert "not sent" in str(caught.value)
        for bad in ("", "   ", "two\nlines"):
            with pytest.raises(InvalidArgumentError):
                await console.send_command(bad)
        with pytest.raises(InvalidArgumentError):
            await console.set_power("explode")  # type: ignore[arg-type]
        await console.request_stats()  # something that is sent, to prove the socket carries frames
        await fake_panel.wings.wait_for(lambda: fake_panel.wings.received("send stats"))
    assert fake_panel.wings.received("send command") == []


async def test_a_403_from_the_token_route_is_forbidden_at_once(fake_panel: FakePanel, server: FakeServer) -> None:
    bob = fake_panel.add_user("bob")
    subuser = fake_panel.add_subuser(server, bob, ["control.console"])
    subuser.permissions.remove("websocket.connect")  # the fake always grants it; take it away
    async with AsyncJexactyl(fake_panel.url, bob.client_key, backoff_factor=0) as client:
        console = client.client.servers.console(server.identifier)
        with pytest.raises(ForbiddenError) as caught:
            await console.__aenter__()
    assert caught.value.status == 403 and "websocket" in caught.value.detail
    assert console.connection_state == "closed"
    assert fake_panel.wings.connections == []


@pytest.mark.parametrize("name", ["Suspended Server", "Installing Server"])
async def test_a_409_from_the_token_route_is_a_conflict(api: AsyncJexactyl, fake_panel: FakePanel, name: str) -> None:
    server = fake_panel.server(name)
    with pytest.raises(ConflictError) as caught:
        async with api.client.servers.console(server.identifier):
            pass
    assert caught.value.status == 409
    assert websocket_requests(fake_panel, server.identifier) == 1  # not retried


async def test_a_jwt_error_other_than_expiry_raises_console_auth_error_with_the_reason(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer
) -> None:
    async with api.client.servers.console(server.identifier, logs=False) as console:
        fake_panel.wings.emit(server, "jwt error", "jwt: missing connect permission")
        with pytest.raises(ConsoleAuthError) as caught:
            await read_until(console, lambda e: False)
    assert caught.value.reason == "jwt: missing connect permission"
    assert "missing connect permission" in str(caught.value)
    assert console.connection_state == "closed"


async def test_revoked_tokens_raise_console_auth_error_without_reconnecting(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer
) -> None:
    async with api.client.servers.console(server.identifier, logs=False) as console:
        fake_panel.wings.revoke_tokens(server, fake_panel.user)
        fake_panel.console_output(server, "after the revocation")  # Wings turns it into a jwt error
        with pytest.raises(ConsoleAuthError) as caught:
            await read_until(console, lambda e: False)
    assert "denylist" in caught.value.reason
    tokens = [f.args[0] for f in fake_panel.wings.received("auth")]
    assert tokens and all(token not in str(caught.value) and token not in repr(caught.value) for token in tokens)
    assert len(fake_panel.wings.connections) == 1


async def test_a_handshake_refused_for_its_origin_is_an_auth_error(fake_panel: FakePanel, server: FakeServer) -> None:
    # The same panel reached under another name: the browser-style Origin no longer matches the node's panel URL.
    other_name = fake_panel.url.replace("127.0.0.1", "localhost")
    async with AsyncJexactyl(other_name, fake_panel.user.client_key, backoff_factor=0) as client:
        with pytest.raises(ConsoleAuthError) as caught:
            async with client.client.servers.console(server.identifier):
                pass
        assert "Origin" in str(caught.value) and caught.value.reason == "handshake refused (403)"
        fake_panel.wings.allowed_origins.append(other_name)
        async with client.client.servers.console(server.identifier) as console:
            assert console.state == "running"
    assert [c.status for c in fake_panel.wings.connections] == [403, 101]
    assert fake_panel.wings.connections[0].origin == other_name


async def test_a_slow_consumer_loses_the_oldest_lines_counted_but_never_stats_or_status(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer
) -> None:
    async with api.client.servers.console(server.identifier, logs=False, max_queue=20) as console:
        await read_until(console, lambda e: isinstance(e, StatusChanged))
        fake_panel.console_output(server, *(f"line {n}" for n in range(500)))
        fake_panel.wings.emit(server, "stats", json.dumps({"memory_bytes": 7, "state": "running"}))
        fake_panel.wings.emit(server, "status", "stopping")  # the last frame: once seen, all were read
        assert await console.wait_for_state("stopping", timeout=WAIT) == "stopping"
        assert console.dropped == 480
        events = await read_until(console, lambda e: e == StatusChanged("stopping"), keep_stats=True)
    assert events[0] == Dropped(480)
    assert lines_of(events) == [f"line {n}" for n in range(480, 500)]
    stats = [e for e in events if isinstance(e, Stats)]
    assert stats and stats[-1].memory_bytes == 7  # the latest stats, kept


async def test_malformed_frames_are_skipped_and_counted(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with api.client.servers.console(server.identifier, logs=False) as console:
        assert fake_panel.wings.send_malformed(server) == 1
        fake_panel.wings.send_raw(server, b'{"event":"console output","args":["binary frame"]}')
        fake_panel.console_output(server, "still alive")
        events = await read_line(console, "still alive")
        assert console.malformed_frames == 1 and console.connection_state == "open"
    assert lines_of(events) == ["binary frame", "still alive"]
    assert any("not a Wings event" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


async def test_debug_logs_connects_auths_reconnects_and_closes_never_the_token(
    fake_panel: FakePanel, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pyjexactyl")
    async with AsyncJexactyl(fake_panel.url, fake_panel.user.client_key, backoff_factor=0, debug=True) as client:
        async with client.client.servers.console(server.identifier, logs=False) as console:
            fake_panel.wings.drop(server)
            await read_until(console, lambda e: type(e).__name__ == "Reconnected")
    messages = [r.getMessage() for r in caplog.records if r.name == "pyjexactyl"]
    text = "\n".join(messages)
    for expected in ("connected to ws://", "authenticated", "dropped", "reconnected after 1 attempt", "closed"):
        assert expected in text, expected
    tokens = [f.args[0] for f in fake_panel.wings.received("auth")]
    assert len(tokens) == 2
    assert not any(token in text for token in tokens) and "eyJ" not in text


async def test_iterating_a_session_that_was_not_entered_or_is_closed(api: AsyncJexactyl, server: FakeServer) -> None:
    console = api.client.servers.console(server.identifier)
    with pytest.raises(RuntimeError, match="async with"):
        await anext(console)
    with pytest.raises(ConsoleDisconnectedError):
        await console.send_command("say hi")
    with pytest.raises(InvalidArgumentError):
        api.client.servers.console("../etc")
    with pytest.raises(InvalidArgumentError):
        api.client.servers.console(server.identifier, max_queue=0)
    async with console:
        await console.close()
        with pytest.raises(StopAsyncIteration):
            await anext(console)
        with pytest.raises(ConsoleDisconnectedError):
            await console.request_logs()
    with pytest.raises(RuntimeError, match="once"):
        await console.__aenter__()


async def test_closing_the_client_closes_its_open_consoles(fake_panel: FakePanel, server: FakeServer) -> None:
    async with AsyncJexactyl(fake_panel.url, fake_panel.user.client_key, backoff_factor=0) as client:
        console = client.client.servers.console(server.identifier, logs=False)
        await console.__aenter__()  # never exited: the client's close() must not leave it reconnecting
    assert console.connection_state == "closed"
    with pytest.raises(StopAsyncIteration):
        await anext(console)
    await fake_panel.wings.wait_for(lambda: not fake_panel.wings.open_connections())
    assert len(fake_panel.wings.connections) == 1


async def test_a_session_left_by_a_cancelled_task_closes_its_socket(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    """``async with console`` in a task that is cancelled: ``close()`` runs inside the cancelled task and must
    still close the socket (it used to re-raise the cancellation first, leaving the socket open while the client
    lived on: the bot's console hub cancels its readers to close them)."""
    server = fake_panel.server("Survival SMP")
    entered = asyncio.Event()

    async def follow() -> None:
        async with api.client.servers.console(server.identifier, logs=False) as console:
            entered.set()
            async for _ in console:
                pass

    task = asyncio.create_task(follow())
    await asyncio.wait_for(entered.wait(), WAIT)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    wings = fake_panel.wings
    await wings.wait_for(lambda: not [c for c in wings.connections if c.server == server.uuid and c.open], WAIT)
    assert not api.closed
