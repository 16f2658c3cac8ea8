"""``api.client.servers.settings`` against the fake panel, over real HTTP."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl, Jexactyl
from pyjexactyl.exceptions import BadRequestError, ConflictError, InvalidArgumentError, ValidationError
from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.helpers import only_request

README_DOC = (
    "Renames the server.\n"
    "        Args:\n"
    "            server_id(str): Server identifier (abbreviated UUID)\n"
    "            name(str): New name for the server"
)


def settings_path(server: FakeServer, suffix: str) -> str:
    return f"/api/client/servers/{server.identifier}/settings/{suffix}"


def test_rename_server_docstring_matches_readme() -> None:
    api = Jexactyl("https://panel.example.com", "ptlc_" + "x" * 43)
    try:
        doc = api.client.servers.settings.rename_server.__doc__
        # Compared as cleaned text: Python 3.13 strips docstring indentation at compile time, 3.11 keeps it.
        assert doc is not None and inspect.cleandoc(doc).startswith(inspect.cleandoc(README_DOC))
        public = [n for n in dir(api.client.servers.settings) if not n.startswith("_")]
        assert {"reinstall_server", "rename_server"} <= set(public)
    finally:
        api.close()


async def test_rename_server(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    server.description = "keep me"
    before = len(fake_panel.requests)
    assert await api.client.servers.settings.rename_server(server.identifier, "Lobby") is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", settings_path(server, "rename"), 204)
    assert req.json == {"name": "Lobby"}
    assert (server.name, server.description) == ("Lobby", "keep me")

    await api.client.servers.settings.rename_server(server.identifier, "Hub", description="The main hub")
    assert fake_panel.requests[-1].json == {"name": "Hub", "description": "The main hub"}
    assert (server.name, server.description) == ("Hub", "The main hub")

    await api.client.servers.settings.rename_server(server.identifier, "Hub", description="")
    assert fake_panel.requests[-1].json == {"name": "Hub", "description": ""}
    assert server.description == ""

    details = await api.client.servers.get_server(server.identifier)
    assert details["name"] == "Hub"


async def test_rename_server_too_long_is_a_validation_error(api: AsyncJexactyl, server: FakeServer) -> None:
    with pytest.raises(ValidationError) as info:
        await api.client.servers.settings.rename_server(server.identifier, "x" * 192)
    assert info.value.errors[0].source_field == "name"


@pytest.mark.parametrize(("name", "description"), [("", None), ("   ", None), (None, None), ("ok", 5)])
async def test_rename_server_local_checks(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, name: Any, description: Any
) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.settings.rename_server(server.identifier, name, description)
    assert len(fake_panel.requests) == before


async def test_reinstall_server(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    server = fake_panel.server("Creative")
    before = len(fake_panel.requests)
    assert await api.client.servers.settings.reinstall_server(server.identifier) is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", settings_path(server, "reinstall"), 202)
    assert server.status == "installing"
    with pytest.raises(ConflictError):
        await api.client.servers.settings.reinstall_server(server.identifier)
    await fake_panel.wait_for(lambda: server.status is None)


async def test_update_docker_image(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    image = "ghcr.io/pterodactyl/yolks:java_21"
    before = len(fake_panel.requests)
    assert await api.client.servers.settings.update_docker_image(server.identifier, image) is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("PUT", settings_path(server, "docker-image"), 204)
    assert req.json == {"docker_image": image}
    assert server.image == image

    with pytest.raises(ValidationError) as info:
        await api.client.servers.settings.update_docker_image(server.identifier, "alpine:latest")
    assert info.value.errors[0].source_field == "docker_image"

    server.image = "custom/admin-image:1"
    with pytest.raises(BadRequestError):
        await api.client.servers.settings.update_docker_image(server.identifier, image)


@pytest.mark.parametrize("docker_image", ["", None, 17])
async def test_update_docker_image_local_checks(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, docker_image: Any
) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.settings.update_docker_image(server.identifier, docker_image)
    assert len(fake_panel.requests) == before


@pytest.mark.parametrize("server_id", ["../../application/users", "1a2b3c4d/settings", "..", "", "x\ny"])
async def test_path_injection(api: AsyncJexactyl, fake_panel: FakePanel, server_id: str) -> None:
    settings = api.client.servers.settings
    before = len(fake_panel.requests)
    for call in (
        settings.rename_server(server_id, "x"),
        settings.reinstall_server(server_id),
        settings.update_docker_image(server_id, "ghcr.io/pterodactyl/yolks:java_21"),
    ):
        with pytest.raises(InvalidArgumentError):
            await call
    assert len(fake_panel.requests) == before


def test_settings_sync_client(fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    server = panel.server("Creative")
    with Jexactyl(panel.url, panel.user.client_key, backoff_factor=0) as api:
        assert api.client.servers.settings.rename_server(server.identifier, "Lobby") is None
        assert panel.requests[-1].json == {"name": "Lobby"}
        assert server.name == "Lobby"
        api.client.servers.settings.update_docker_image(server.identifier, "ghcr.io/pterodactyl/yolks:java_17")
        assert server.image == "ghcr.io/pterodactyl/yolks:java_17"
        assert api.client.servers.settings.reinstall_server(server.identifier) is None
        assert panel.requests[-1].status == 202
