"""``api.client.servers.users`` (subusers) against the fake panel, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl, Jexactyl
from pyjexactyl.exceptions import BadRequestError, ForbiddenError, InvalidArgumentError, NotFoundError
from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.helpers import only_request


def users_path(server: FakeServer, suffix: str = "") -> str:
    return f"/api/client/servers/{server.identifier}/users{suffix}"


async def test_subuser_lifecycle(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    users = api.client.servers.users
    before = len(fake_panel.requests)
    created = await users.create_user(server.identifier, "carol@example.com", ["control.console", "control.start"])
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", users_path(server), 200)
    assert req.json == {"email": "carol@example.com", "permissions": ["control.console", "control.start"]}
    assert created["object"] == "server_subuser"
    attrs = created["attributes"]
    assert attrs["email"] == "carol@example.com"
    assert set(attrs["permissions"]) == {"control.console", "control.start", "websocket.connect"}
    user_uuid = attrs["uuid"]

    before = len(fake_panel.requests)
    listed = await users.list_users(server.identifier)
    assert only_request(fake_panel, before).path == users_path(server)
    assert [u["attributes"]["uuid"] for u in listed["data"]] == [user_uuid]

    before = len(fake_panel.requests)
    got = await users.get_user(server.identifier, user_uuid)
    req = only_request(fake_panel, before)
    assert (req.method, req.path) == ("GET", users_path(server, f"/{user_uuid}"))
    assert got["attributes"]["email"] == "carol@example.com"

    before = len(fake_panel.requests)
    updated = await users.update_user(server.identifier, user_uuid, ("file.read",))
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", users_path(server, f"/{user_uuid}"), 200)
    assert req.json == {"permissions": ["file.read"]}
    assert set(updated["attributes"]["permissions"]) == {"file.read", "websocket.connect"}

    # the new subuser can now reach the server
    carol = next(u for u in fake_panel.users if u.email == "carol@example.com")
    carol_key = fake_panel.add_api_key(carol)
    async with AsyncJexactyl(fake_panel.url, carol_key, backoff_factor=0) as as_carol:
        assert (await as_carol.client.servers.get_server(server.identifier))["name"] == "Survival SMP"

    before = len(fake_panel.requests)
    assert await users.delete_user(server.identifier, user_uuid) is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("DELETE", users_path(server, f"/{user_uuid}"), 204)
    assert server.subusers == []
    with pytest.raises(NotFoundError):
        await users.get_user(server.identifier, user_uuid)


async def test_create_user_panel_errors(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    users = api.client.servers.users
    with pytest.raises(BadRequestError) as owner:
        await users.create_user(server.identifier, "alice@example.com", ["control.console"])
    assert owner.value.code == "UserIsServerOwnerException"
    await users.create_user(server.identifier, "dave@example.com", ["control.console"])
    with pytest.raises(BadRequestError) as dup:
        await users.create_user(server.identifier, "dave@example.com", ["control.console"])
    assert dup.value.code == "ServerSubuserExistsException"


async def test_subuser_cannot_edit_itself(fake_panel: FakePanel, server: FakeServer) -> None:
    bob = fake_panel.add_user("bob")
    fake_panel.add_subuser(server, bob, ["user.read", "user.update"])
    async with AsyncJexactyl(fake_panel.url, bob.client_key, backoff_factor=0) as api:
        with pytest.raises(ForbiddenError):
            await api.client.servers.users.update_user(server.identifier, bob.uuid, ["user.read"])


@pytest.mark.parametrize(
    ("email", "permissions"),
    [
        ("", ["control.console"]),
        (None, ["control.console"]),
        ("e@example.com", "control.console"),
        ("e@example.com", []),
        ("e@example.com", [1]),
        ("e@example.com", None),
    ],
)
async def test_local_checks(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, email: Any, permissions: Any
) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.users.create_user(server.identifier, email, permissions)
    if email:
        with pytest.raises(InvalidArgumentError):
            await api.client.servers.users.update_user(server.identifier, fake_panel.admin.uuid, permissions)
    assert len(fake_panel.requests) == before


@pytest.mark.parametrize(
    ("server_id", "user_id"),
    [("../../application/users", "u"), ("ok", "../../../application/users/1"), ("ok", "a/b"), ("ok", "?x=1")],
)
async def test_path_injection(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, server_id: str, user_id: str
) -> None:
    server_id = server.identifier if server_id == "ok" else server_id
    users = api.client.servers.users
    before = len(fake_panel.requests)
    for call in (
        users.get_user(server_id, user_id),
        users.update_user(server_id, user_id, ["control.console"]),
        users.delete_user(server_id, user_id),
    ):
        with pytest.raises(InvalidArgumentError):
            await call
    if server_id != server.identifier:
        with pytest.raises(InvalidArgumentError):
            await users.list_users(server_id)
        with pytest.raises(InvalidArgumentError):
            await users.create_user(server_id, "x@example.com", ["control.console"])
    assert len(fake_panel.requests) == before


def test_subusers_sync_client(fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    server = panel.server("Creative")
    with Jexactyl(panel.url, panel.user.client_key, backoff_factor=0) as api:
        created = api.client.servers.users.create_user(server.identifier, "erin@example.com", ["file.read"])
        assert panel.requests[-1].json == {"email": "erin@example.com", "permissions": ["file.read"]}
        user_uuid = created["attributes"]["uuid"]
        assert api.client.servers.users.get_user(server.identifier, user_uuid)["attributes"]["email"] == (
            "erin@example.com"
        )
        api.client.servers.users.update_user(server.identifier, user_uuid, ["file.read", "file.update"])
        api.client.servers.users.delete_user(server.identifier, user_uuid)
        assert api.client.servers.users.list_users(server.identifier)["data"] == []
