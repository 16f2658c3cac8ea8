"""``api.client.servers.databases`` against the fake panel, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl, Jexactyl
from pyjexactyl.exceptions import BadRequestError, ForbiddenError, InvalidArgumentError, NotFoundError, ValidationError
from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.helpers import only_request


def db_path(server: FakeServer, suffix: str = "") -> str:
    return f"/api/client/servers/{server.identifier}/databases{suffix}"


async def test_create_list_rotate_delete(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    dbs = api.client.servers.databases
    before = len(fake_panel.requests)
    created = await dbs.create_database(server.identifier, "minecraft")
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", db_path(server), 200)
    assert req.json == {"database": "minecraft", "remote": "%"}
    attrs = created["attributes"]
    assert created["object"] == "server_database"
    assert attrs["name"] == f"s{server.id}_minecraft"
    assert attrs["connections_from"] == "%"
    password = attrs["relationships"]["password"]["attributes"]["password"]
    database_id = attrs["id"]

    before = len(fake_panel.requests)
    listed = await dbs.list_databases(server.identifier)
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.query) == ("GET", db_path(server), {})
    assert [d["attributes"]["id"] for d in listed["data"]] == [database_id]
    assert "password" not in listed["data"][0]["attributes"].get("relationships", {})

    before = len(fake_panel.requests)
    with_passwords = await dbs.list_databases(server.identifier, include_passwords=True)
    assert only_request(fake_panel, before).query == {"include": ["password"]}
    listed_password = with_passwords["data"][0]["attributes"]["relationships"]["password"]["attributes"]["password"]
    assert listed_password == password

    before = len(fake_panel.requests)
    rotated = await dbs.rotate_database_password(server.identifier, database_id)
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", db_path(server, f"/{database_id}/rotate-password"), 200)
    assert req.body == b""
    new_password = rotated["attributes"]["relationships"]["password"]["attributes"]["password"]
    assert new_password != password
    assert server.databases[0].password == new_password

    before = len(fake_panel.requests)
    assert await dbs.delete_database(server.identifier, database_id) is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("DELETE", db_path(server, f"/{database_id}"), 204)
    assert server.databases == []
    with pytest.raises(NotFoundError):
        await dbs.delete_database(server.identifier, database_id)


async def test_create_database_with_remote(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    created = await api.client.servers.databases.create_database(server.identifier, "stats_db", remote="10.0.0.%")
    assert fake_panel.requests[-1].json == {"database": "stats_db", "remote": "10.0.0.%"}
    assert created["attributes"]["connections_from"] == "10.0.0.%"


async def test_create_database_panel_errors(api: AsyncJexactyl, server: FakeServer) -> None:
    dbs = api.client.servers.databases
    with pytest.raises(ValidationError) as info:
        await dbs.create_database(server.identifier, "no spaces allowed")
    assert info.value.errors[0].source_field == "database"
    await dbs.create_database(server.identifier, "one")
    await dbs.create_database(server.identifier, "two")
    with pytest.raises(BadRequestError) as limit:
        await dbs.create_database(server.identifier, "three")
    assert limit.value.code == "TooManyDatabasesException"


async def test_subuser_without_view_password_gets_null_password(fake_panel: FakePanel, server: FakeServer) -> None:
    bob = fake_panel.add_user("bob")
    fake_panel.add_subuser(server, bob, ["database.read", "database.create"])
    async with AsyncJexactyl(fake_panel.url, bob.client_key, backoff_factor=0) as api:
        await api.client.servers.databases.create_database(server.identifier, "shared")
        listed = await api.client.servers.databases.list_databases(server.identifier, include_passwords=True)
        assert listed["data"][0]["attributes"]["relationships"]["password"]["object"] == "null_resource"
        with pytest.raises(ForbiddenError):
            await api.client.servers.databases.delete_database(server.identifier, listed["data"][0]["attributes"]["id"])


@pytest.mark.parametrize(("name", "remote"), [("", "%"), ("  ", "%"), (None, "%"), ("ok_name", ""), ("ok_name", None)])
async def test_create_database_local_checks(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, name: Any, remote: Any
) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.databases.create_database(server.identifier, name, remote)
    assert len(fake_panel.requests) == before


@pytest.mark.parametrize(
    ("server_id", "database_id"),
    [("../../application/users", "abc"), ("ok", "../../../application/users"), ("ok", "a/b"), ("ok", "%2e%2e")],
)
async def test_path_injection(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, server_id: str, database_id: str
) -> None:
    server_id = server.identifier if server_id == "ok" else server_id
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.databases.rotate_database_password(server_id, database_id)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.databases.delete_database(server_id, database_id)
    if server_id != server.identifier:
        with pytest.raises(InvalidArgumentError):
            await api.client.servers.databases.list_databases(server_id)
    assert len(fake_panel.requests) == before


def test_databases_sync_client(fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    server = panel.server("Creative")
    with Jexactyl(panel.url, panel.user.client_key, backoff_factor=0) as api:
        created = api.client.servers.databases.create_database(server.identifier, "sync_db")
        assert panel.requests[-1].json == {"database": "sync_db", "remote": "%"}
        database_id = created["attributes"]["id"]
        listed = api.client.servers.databases.list_databases(server.identifier, include_passwords=True)
        assert [d["attributes"]["id"] for d in listed["data"]] == [database_id]
        api.client.servers.databases.rotate_database_password(server.identifier, database_id)
        api.client.servers.databases.delete_database(server.identifier, database_id)
        assert api.client.servers.databases.list_databases(server.identifier)["data"] == []
