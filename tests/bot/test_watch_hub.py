"""The console hub against FakePanel and its fake Wings: one session per (key, server), refcounted, staggered,
link changes, reachability. (Boards and alerts built on it are tested end to end in ``tests/e2e``.)"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.clients import PanelClients
from bot.crypto import KeyVault, generate_key
from bot.storage import Storage
from bot.watch import FeedStatus, FeedUnavailableError, PauseReason
from bot.watch.hub import ConsoleHub
from pyjexactyl.events import ConsoleOutput, StatusChanged
from pyjexactyl.testing import FakePanel, FakeServer
from pyjexactyl.testing import FakeUser as PanelUser

OWNER = 700000000000000101
OTHER = 700000000000000102


@dataclass
class Rig:
    panel: FakePanel
    storage: Storage
    vault: KeyVault
    hub: ConsoleHub
    account: PanelUser
    server: FakeServer

    async def link(self, discord_id: int, key: str) -> None:
        await self.storage.link_account(discord_id, 1, "owner", False, self.vault.encrypt(key))

    def ws_connections(self, server: FakeServer | None = None) -> list[object]:
        uuid = (server or self.server).uuid
        return [c for c in self.panel.wings.connections if c.server == uuid and c.status == 101]


@pytest_asyncio.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with FakePanel(power_delay=0.05) as panel, Storage.open(tmp_path / "bot.db") as storage:
        vault = KeyVault([generate_key()])
        panels = PanelClients(panel.url, storage, vault)
        hub = ConsoleHub(panels, storage, vault, stagger=0.0, linger=0.0, tick=0.05, retry_backoff=(0.2, 0.5))
        hub.start()
        account = panel.add_user("hubowner")
        server = panel.add_server(account, "Hub server", state="running")
        rig = Rig(panel, storage, vault, hub, account, server)
        await rig.link(OWNER, account.client_key)
        try:
            yield rig
        finally:
            await hub.close()
            await panels.close()


async def test_subscriptions_of_one_key_and_server_share_one_session(rig: Rig) -> None:
    first = await rig.hub.subscribe(OWNER, rig.server.identifier, purpose="board", details=True)
    second = await rig.hub.subscribe(OWNER, rig.server.identifier, purpose="console", queue_size=50)
    assert (await first.wait_ready(5)).link == "connected"
    assert (await second.wait_ready(5)).link == "connected"
    assert rig.hub.feed_count == 1
    assert len(rig.ws_connections()) == 1
    assert rig.hub.opens == 1
    await rig.hub.wait_for(lambda: first.snapshot.details is not None, 5)
    assert first.snapshot.details is not None and first.snapshot.details["name"] == "Hub server"
    assert first.snapshot.state == "running"

    rig.panel.console_output(rig.server, "hello from the game")
    async with asyncio.timeout(5):
        while True:
            event = await second.get()
            if isinstance(event, ConsoleOutput) and "hello from the game" in event.line:
                break
    first.close()
    assert rig.hub.feed_count == 1, "one subscriber is left: the session stays"
    second.close()
    await rig.hub.wait_for(lambda: rig.hub.feed_count == 0, 5)
    uuid = rig.server.uuid
    wings = rig.panel.wings
    await wings.wait_for(lambda: not [c for c in wings.connections if c.server == uuid and c.open], 5)


async def test_sessions_open_staggered(rig: Rig) -> None:
    rig.hub.stagger = 0.3
    servers = [rig.panel.add_server(rig.account, f"s{i}", state="running") for i in range(4)]
    subs = [await rig.hub.subscribe(OWNER, s.identifier, purpose="board") for s in servers]
    for sub in subs:
        await sub.wait_ready(5)
    tokens = [r for r in rig.panel.requests if r.path.endswith("/websocket")]
    assert len(tokens) == 4
    gaps = [b.timestamp - a.timestamp for a, b in itertools.pairwise(tokens)]
    assert min(gaps) >= 0.25, gaps


async def test_unlink_pauses_and_relink_resumes(rig: Rig) -> None:
    seen: list[FeedStatus] = []
    sub = await rig.hub.subscribe(
        OWNER,
        rig.server.identifier,
        purpose="board",
        listener=lambda s, e: seen.append(e) if isinstance(e, FeedStatus) else None,
    )
    assert (await sub.wait_ready(5)).link == "connected"
    await rig.storage.unlink(OWNER)
    await rig.hub.link_changed(OWNER)
    assert sub.snapshot.link == "paused" and sub.snapshot.pause is PauseReason.LINK_GONE
    assert seen[-1].pause is PauseReason.LINK_GONE
    with pytest.raises(FeedUnavailableError):
        await sub.send_command("say hi")
    await rig.hub.wait_for(lambda: rig.hub.feed_count == 0, 5)

    await rig.link(OWNER, rig.account.client_key)
    await rig.hub.link_changed(OWNER)
    assert (await sub.wait_ready(5)).link == "connected"
    sub.close()


async def test_a_revoked_key_pauses(rig: Rig) -> None:
    stranger = rig.panel.add_user("stranger")
    await rig.link(OTHER, stranger.client_key)
    sub = await rig.hub.subscribe(OTHER, rig.server.identifier, purpose="board")
    snapshot = await sub.wait_ready(5)
    assert snapshot.link == "paused" and snapshot.pause is PauseReason.SERVER_GONE  # not that key's server
    await rig.link(OTHER, "ptlc_" + "x" * 43)
    await rig.hub.link_changed(OTHER)
    snapshot = await sub.wait_ready(5)
    await rig.hub.wait_for(lambda: sub.snapshot.pause is PauseReason.KEY_REFUSED, 5)
    assert sub.snapshot.pause is not None and sub.snapshot.pause.link_gone
    sub.close()


async def test_node_down_is_reconnecting_then_unreachable_then_back(rig: Rig) -> None:
    rig.hub.reconnect_timeout = 0.5
    statuses: list[FeedStatus] = []
    sub = await rig.hub.subscribe(
        OWNER,
        rig.server.identifier,
        purpose="alert",
        listener=lambda s, e: statuses.append(e) if isinstance(e, FeedStatus) else None,
    )
    assert (await sub.wait_ready(5)).link == "connected"
    node = rig.server.node_id
    rig.panel.wings.set_node_down(node)
    rig.panel.wings.drop(rig.server)
    await rig.hub.wait_for(lambda: sub.snapshot.link in ("reconnecting", "unreachable"), 5)
    lost_since = sub.snapshot.since
    await rig.hub.wait_for(lambda: sub.snapshot.link == "unreachable", 10)
    assert sub.snapshot.since == lost_since, "the trouble began at the drop, whatever the state since"
    rig.panel.wings.set_node_down(node, down=False)
    await rig.hub.wait_for(lambda: sub.snapshot.link == "connected", 10)
    assert [s.link for s in statuses][-1] == "connected"
    sub.close()


async def test_power_through_the_subscription_is_noted(rig: Rig) -> None:
    sub = await rig.hub.subscribe(OWNER, rig.server.identifier, purpose="console", queue_size=20)
    await sub.wait_ready(5)
    await sub.set_power("stop")
    assert rig.hub.power_requested(rig.server.identifier) == "stop"
    async with asyncio.timeout(5):
        while True:
            event = await sub.get()
            if isinstance(event, StatusChanged) and event.state == "offline":
                break
    sub.close()


async def test_the_last_subscriber_closes_its_socket_while_the_key_serves_other_servers(rig: Rig) -> None:
    other = rig.panel.add_server(rig.account, "Other", state="running")
    staying = await rig.hub.subscribe(OWNER, other.identifier, purpose="board")
    leaving = await rig.hub.subscribe(OWNER, rig.server.identifier, purpose="board")
    await staying.wait_ready(5)
    await leaving.wait_ready(5)
    leaving.close()
    uuid = rig.server.uuid
    wings = rig.panel.wings
    await wings.wait_for(lambda: not [c for c in wings.connections if c.server == uuid and c.open], 5)
    assert [c for c in wings.connections if c.server == other.uuid and c.open], "the other session stays"
    staying.close()
