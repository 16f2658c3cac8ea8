"""``api.client.servers.startup`` against the fake panel, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl, Jexactyl
from pyjexactyl.exceptions import BadRequestError, ForbiddenError, InvalidArgumentError, ValidationError
from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.helpers import only_request


def startup_path(server: FakeServer, suffix: str = "") -> str:
    return f"/api/client/servers/{server.identifier}/startup{suffix}"


async def test_list_variables_returns_envelope_with_meta(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer
) -> None:
    before = len(fake_panel.requests)
    result = await api.client.servers.startup.list_variables(server.identifier)
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("GET", startup_path(server), 200)
    assert result["object"] == "list"
    names = [v["attributes"]["env_variable"] for v in result["data"]]
    assert names == ["SERVER_JARFILE", "MINECRAFT_VERSION", "BUILD_NUMBER", "DL_PATH"]
    meta = result["meta"]
    assert meta["startup_command"].endswith("-jar server.jar")
    assert "{{SERVER_JARFILE}}" in meta["raw_startup_command"]
    assert "Java 21" in meta["docker_images"]


async def test_update_variable(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    result = await api.client.servers.startup.update_variable(server.identifier, "SERVER_JARFILE", "paper.jar")
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("PUT", startup_path(server, "/variable"), 200)
    assert req.json == {"key": "SERVER_JARFILE", "value": "paper.jar"}
    assert result["object"] == "egg_variable"
    assert result["attributes"]["server_value"] == "paper.jar"
    assert result["meta"]["startup_command"].endswith("-jar paper.jar")
    assert server.environment["SERVER_JARFILE"] == "paper.jar"

    await api.client.servers.startup.update_variable(server.identifier, "BUILD_NUMBER", 196)
    assert fake_panel.requests[-1].json == {"key": "BUILD_NUMBER", "value": "196"}
    assert server.environment["BUILD_NUMBER"] == "196"

    await api.client.servers.startup.update_variable(server.identifier, "MINECRAFT_VERSION", None)
    assert fake_panel.requests[-1].json == {"key": "MINECRAFT_VERSION", "value": None}
    assert server.environment["MINECRAFT_VERSION"] is None


async def test_update_variable_panel_errors(api: AsyncJexactyl, server: FakeServer) -> None:
    startup = api.client.servers.startup
    with pytest.raises(ValidationError) as info:
        await startup.update_variable(server.identifier, "SERVER_JARFILE", "x" * 21)
    assert (info.value.errors[0].source_field, info.value.errors[0].rule) == ("value", "max")
    with pytest.raises(ValidationError):
        await startup.update_variable(server.identifier, "BUILD_NUMBER", None)
    with pytest.raises(BadRequestError) as ro:
        await startup.update_variable(server.identifier, "DL_PATH", "https://example.com/x.jar")
    assert "read-only" in ro.value.detail


async def test_subuser_without_startup_update(fake_panel: FakePanel, server: FakeServer) -> None:
    bob = fake_panel.add_user("bob")
    fake_panel.add_subuser(server, bob, ["startup.read"])
    async with AsyncJexactyl(fake_panel.url, bob.client_key, backoff_factor=0) as api:
        assert (await api.client.servers.startup.list_variables(server.identifier))["data"]
        with pytest.raises(ForbiddenError):
            await api.client.servers.startup.update_variable(server.identifier, "SERVER_JARFILE", "a.jar")


@pytest.mark.parametrize(("name", "value"), [("", "x"), (None, "x"), ("SERVER_JARFILE", True), ("K", ["a"])])
async def test_update_variable_local_checks(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, name: Any, value: Any
) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.startup.update_variable(server.identifier, name, value)
    assert len(fake_panel.requests) == before


@pytest.mark.parametrize("server_id", ["../../application/users", "abc/def", "%2e%2e", " "])
async def test_path_injection(api: AsyncJexactyl, fake_panel: FakePanel, server_id: str) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.startup.list_variables(server_id)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.startup.update_variable(server_id, "SERVER_JARFILE", "a.jar")
    assert len(fake_panel.requests) == before


def test_startup_sync_client(fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    server = panel.server("Creative")
    with Jexactyl(panel.url, panel.user.client_key, backoff_factor=0) as api:
        assert "startup_command" in api.client.servers.startup.list_variables(server.identifier)["meta"]
        result = api.client.servers.startup.update_variable(server.identifier, "SERVER_JARFILE", "fabric.jar")
        assert panel.requests[-1].json == {"key": "SERVER_JARFILE", "value": "fabric.jar"}
        assert result["attributes"]["server_value"] == "fabric.jar"
