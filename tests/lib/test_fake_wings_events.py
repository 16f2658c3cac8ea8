"""Events the fake Wings sends on its own: backups, restores, installs, deletion, transfers, revocations."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from pyjexactyl.testing import FakePanel
from tests.lib.wings_client import WingsClient, ws_token

Factory = Callable[..., Awaitable[FakePanel]]


@pytest.fixture
async def panel(fake_panel_factory: Factory) -> FakePanel:
    return await fake_panel_factory(websocket_stats_interval=3600)


async def call(panel: FakePanel, method: str, path: str, *, key: str | None = None, **kwargs: object) -> int:
    headers = panel.auth_headers(key)
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.request(method, panel.url + path, **kwargs) as response:  # type: ignore[arg-type]
            await response.read()
            return response.status


async def test_backup_completed_event(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    bob = panel.add_user("bob")
    panel.add_subuser(server, bob, ["control.console"])  # no backup.read
    async with (
        await WingsClient.connect(panel, server) as owner,
        await WingsClient.connect(panel, server, user=bob) as sub,
    ):
        assert await call(panel, "POST", f"/api/client/servers/{server.identifier}/backups") == 200
        backup = server.backups[-1]
        args = await owner.expect(f"backup completed:{backup.uuid}")
        payload = json.loads(args[0])
        assert list(payload) == ["checksum", "checksum_type", "file_size", "is_successful", "uuid"]
        assert payload["uuid"] == backup.uuid and payload["is_successful"] is True
        assert payload["checksum"] == backup.checksum.removeprefix("sha1:") and payload["checksum_type"] == "sha1"  # type: ignore[union-attr]
        assert payload["file_size"] == backup.bytes > 0
        assert await sub.barrier() == []  # filtered: bob lacks backup.read
        # Wings >= 1.7 really drops the ":<uuid>"; a failed backup has no checksum
        panel.wings.backup_event_suffix = False
        panel.runtime.backup_duration = 3600
        panel.reset_rate_limits()
        assert await call(panel, "POST", f"/api/client/servers/{server.identifier}/backups") == 200
        pending = server.backups[-1]
        panel.wings.finish_backup(pending, successful=False)
        payload = json.loads((await owner.expect("backup completed"))[0])
        assert payload == {
            "checksum": "",
            "checksum_type": "sha1",
            "file_size": 0,
            "is_successful": False,
            "uuid": pending.uuid,
        }
        assert pending.completed_at is not None and not pending.is_successful
    assert [f.event for f in panel.wings.sent("backup completed")] == [
        f"backup completed:{backup.uuid}",
        "backup completed",
    ]


async def test_restore_events(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    backup = panel.add_backup(server)
    async with await WingsClient.connect(panel, server) as client:
        status = await call(
            panel,
            "POST",
            f"/api/client/servers/{server.identifier}/backups/{backup.uuid}/restore",
            json={"truncate": False},
        )
        assert status == 204
        frames = await client.collect_until("backup restore completed")
    messages = [args[0] for event, args in frames if event == "daemon message"]
    assert "(restoring): server.properties" in messages
    assert messages[-1] == "Completed server restoration from local backup."
    assert frames[-1] == ("backup restore completed", [""])
    assert ("status", ["offline"]) in frames  # a restore stops the server first


async def test_install_events_and_install_output_permission(panel: FakePanel) -> None:
    server = panel.server("Creative")
    async with (
        await WingsClient.connect(panel, server) as owner,
        await WingsClient.connect(panel, server, user=panel.admin) as admin,
    ):
        assert await call(panel, "POST", f"/api/client/servers/{server.identifier}/settings/reinstall") == 202
        owner_frames = await owner.collect_until("install completed")
        admin_frames = await admin.collect_until("install completed")
    expected_start = [
        ("install started", [""]),
        ("daemon message", ["Starting installation process, this could take a few minutes..."]),
    ]
    assert owner_frames[:2] == expected_start and admin_frames[:2] == expected_start
    assert [e for e, _ in owner_frames].count("install output") == 0
    assert [a for e, a in admin_frames if e == "install output"] == [
        [line] for line in panel.wings.install_script_output
    ]
    assert owner_frames[-2:] == [("daemon message", ["Installation process completed."]), ("install completed", [""])]
    assert panel.wings.install_script_output  # the default script is not empty


async def test_deleting_the_server_sends_deleted_and_closes(panel: FakePanel) -> None:
    server = panel.server("Creative")
    async with await WingsClient.connect(panel, server) as client:
        assert await call(panel, "DELETE", f"/api/application/servers/{server.id}", key=panel.application_key) == 204
        assert await client.receive() == ("deleted", ["null"])
        closing = await client.closed()
        assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 1001 and closing.extra == "server deleted"
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        async with aiohttp.ClientSession() as session:
            await session.ws_connect(panel.wings.socket_url(server), headers={"Origin": panel.url})
    assert caught.value.status == 404


async def test_deleting_a_server_mid_transfer_completes_the_transfer_first(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        server.transferring = True
        assert (
            await call(panel, "DELETE", f"/api/application/servers/{server.id}/force", key=panel.application_key) == 204
        )
        assert await client.receive() == ("transfer status", ["completed"])
        assert await client.receive() == ("deleted", ["null"])
        assert (await client.closed()).data == 1001
    await panel.wings.wait_for(lambda: panel.wings.connections[-1].close_code == 1001)


async def test_transfer_events_need_the_transfer_permission(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with (
        await WingsClient.connect(panel, server) as owner,
        await WingsClient.connect(panel, server, user=panel.admin) as admin,
    ):
        panel.wings.transfer_logs(server, "Archiving files", "Sending archive")
        panel.wings.transfer_status(server, "success")
        assert await owner.barrier() == [("transfer status", ["success"])]
        assert await admin.barrier() == [
            ("transfer logs", ["Archiving files"]),
            ("transfer logs", ["Sending archive"]),
            ("transfer status", ["success"]),
        ]


async def test_injected_events_raw_and_malformed_frames(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    async with await WingsClient.connect(panel, server) as client:
        panel.wings.daemon_message(server, "Server is being updated")
        assert await client.receive() == ("daemon message", ["Server is being updated"])
        panel.wings.daemon_output(server, "Server marked as running...")
        assert await client.receive() == (
            "console output",
            ["\x1b[33m\x1b[1m[Pterodactyl Daemon]:\x1b[39m Server marked as running...\x1b[0m"],
        )
        assert panel.wings.history(server)[-1:] != ["Server marked as running..."]
        panel.wings.emit(server, "future event", "a", "b")
        assert await client.receive() == ("future event", ["a", "b"])
        panel.wings.install_output(server, "hidden from owners")  # filtered like Wings
        assert panel.wings.send_malformed(server) == 1
        message = await client.receive_raw()
        assert message.type == aiohttp.WSMsgType.TEXT and message.data == '{"event":"console output","args":["trunc'
        assert panel.wings.send_raw(server, b"\x00\x01") == 1
        message = await client.receive_raw()
        assert message.type == aiohttp.WSMsgType.BINARY and message.data == b"\x00\x01"
        assert await client.barrier() == []
    raw = [f for f in panel.wings.sent() if f.event is None]
    assert [f.data for f in raw] == ['{"event":"console output","args":["trunc', b"\x00\x01"]


async def test_changing_a_subuser_revokes_their_live_tokens(panel: FakePanel) -> None:
    server = panel.server("Survival SMP")
    bob = panel.add_user("bob")
    panel.add_subuser(server, bob, ["control.console"])
    async with await WingsClient.connect(panel, server, user=bob) as client:
        path = f"/api/client/servers/{server.identifier}/users/{bob.uuid}"
        assert await call(panel, "POST", path, json={"permissions": ["control.console", "control.start"]}) == 200
        await client.send("send stats")
        denied = ("jwt error", ["jwt: created too far in past (denylist)"])
        assert await client.receive() == denied
        name, args = (await client.send("auth", client.token), await client.receive())[1]
        assert name == "jwt error" and args[0].endswith("]: jwt: created too far in past (denylist)")
        fresh, _ = await ws_token(panel, server, bob)  # fetched right after: accepted
        await client.auth(fresh)
        await client.send("send stats")
        assert (await client.receive())[0] == "stats"
        # removing the subuser revokes again
        assert await call(panel, "DELETE", path) == 204
        await client.send("send stats")
        assert await client.receive() == denied
