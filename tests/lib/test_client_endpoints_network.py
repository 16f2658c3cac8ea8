"""``api.client.servers.network`` against the fake panel, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl, Jexactyl
from pyjexactyl.exceptions import BadRequestError, InvalidArgumentError, NotFoundError, ValidationError
from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.helpers import only_request


def alloc_path(server: FakeServer, suffix: str = "") -> str:
    return f"/api/client/servers/{server.identifier}/network/allocations{suffix}"


async def test_list_allocations(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    listed = await api.client.servers.network.list_allocations(server.identifier)
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("GET", alloc_path(server), 200)
    rows = [a["attributes"] for a in listed["data"]]
    assert [(a["port"], a["is_default"], a["notes"]) for a in rows] == [(25565, True, None), (25566, False, "Dynmap")]


async def test_assign_note_primary_unassign(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    net = api.client.servers.network
    fake_panel.auto_allocation = True

    before = len(fake_panel.requests)
    assigned = await net.assign_allocation(server.identifier)
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", alloc_path(server), 200)
    assert req.body == b""
    assert assigned["object"] == "allocation"
    allocation_id = assigned["attributes"]["id"]
    assert assigned["attributes"]["is_default"] is False

    before = len(fake_panel.requests)
    noted = await net.set_allocation_note(server.identifier, allocation_id, "query port")
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", alloc_path(server, f"/{allocation_id}"), 200)
    assert req.json == {"notes": "query port"}
    assert noted["attributes"]["notes"] == "query port"

    await net.set_allocation_note(server.identifier, allocation_id, None)
    assert fake_panel.requests[-1].json == {"notes": None}
    assert fake_panel.store.allocations[allocation_id].notes is None

    before = len(fake_panel.requests)
    primary = await net.set_primary_allocation(server.identifier, allocation_id)
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", alloc_path(server, f"/{allocation_id}/primary"), 200)
    assert primary["attributes"]["is_default"] is True
    assert server.allocation_id == allocation_id

    with pytest.raises(BadRequestError):  # the primary allocation cannot be removed
        await net.unassign_allocation(server.identifier, allocation_id)
    old_primary = next(a for a in fake_panel.store.server_allocations(server) if a.port == 25565)
    before = len(fake_panel.requests)
    assert await net.unassign_allocation(server.identifier, old_primary.id) is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("DELETE", alloc_path(server, f"/{old_primary.id}"), 204)
    assert old_primary.server_id is None
    with pytest.raises(NotFoundError):
        await net.set_primary_allocation(server.identifier, old_primary.id)


async def test_assign_allocation_disabled_by_default(api: AsyncJexactyl, server: FakeServer) -> None:
    with pytest.raises(BadRequestError) as info:
        await api.client.servers.network.assign_allocation(server.identifier)
    assert info.value.code == "AutoAllocationNotEnabledException"


async def test_note_too_long_is_a_validation_error(api: AsyncJexactyl, server: FakeServer) -> None:
    with pytest.raises(ValidationError) as info:
        await api.client.servers.network.set_allocation_note(server.identifier, 2, "x" * 300)
    assert info.value.errors[0].source_field == "notes"


async def test_note_must_be_text(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.network.set_allocation_note(server.identifier, 2, 42)  # type: ignore[arg-type]
    assert len(fake_panel.requests) == before


@pytest.mark.parametrize(
    ("server_id", "allocation_id"),
    [("../../application/users", 1), ("ok", "1/primary"), ("ok", "../2"), ("ok", ""), ("ok", True), ("ok", 1.5)],
)
async def test_path_injection(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, server_id: str, allocation_id: Any
) -> None:
    server_id = server.identifier if server_id == "ok" else server_id
    net = api.client.servers.network
    before = len(fake_panel.requests)
    for call in (
        net.set_allocation_note(server_id, allocation_id, "x"),
        net.set_primary_allocation(server_id, allocation_id),
        net.unassign_allocation(server_id, allocation_id),
    ):
        with pytest.raises(InvalidArgumentError):
            await call
    assert len(fake_panel.requests) == before


def test_network_sync_client(fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    server = panel.server("Survival SMP")
    with Jexactyl(panel.url, panel.user.client_key, backoff_factor=0) as api:
        listed = api.client.servers.network.list_allocations(server.identifier)
        second = listed["data"][1]["attributes"]["id"]
        api.client.servers.network.set_allocation_note(server.identifier, second, "map")
        assert panel.requests[-1].json == {"notes": "map"}
        assert api.client.servers.network.set_primary_allocation(server.identifier, second)["attributes"]["is_default"]
        with pytest.raises(InvalidArgumentError):
            api.client.servers.network.unassign_allocation(server.identifier, "../1")
