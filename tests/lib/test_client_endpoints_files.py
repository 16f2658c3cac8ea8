"""``api.client.servers.files`` against the fake panel, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl, Jexactyl
from pyjexactyl.exceptions import InvalidArgumentError, NotFoundError, RateLimitedError
from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.helpers import only_request


def files_path(server: FakeServer, suffix: str) -> str:
    return f"/api/client/servers/{server.identifier}/files/{suffix}"


async def test_list_files(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    root = await api.client.servers.files.list_files(server.identifier)
    assert root["object"] == "list"
    assert {f["attributes"]["name"] for f in root["data"]} >= {"logs", "eula.txt", "server.properties"}
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.query) == ("GET", files_path(server, "list"), {"directory": ["/"]})

    logs = await api.client.servers.files.list_files(server.identifier, "/logs")
    assert [f["attributes"]["name"] for f in logs["data"]] == ["latest.log"]
    assert fake_panel.requests[-1].query == {"directory": ["/logs"]}


async def test_get_file_contents_returns_text(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    text = await api.client.servers.files.get_file_contents(server.identifier, "/server.properties")
    assert isinstance(text, str)
    assert text.startswith("motd=A Minecraft Server\n")
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.query) == (
        "GET",
        files_path(server, "contents"),
        {"file": ["/server.properties"]},
    )

    with pytest.raises(NotFoundError):
        await api.client.servers.files.get_file_contents(server.identifier, "/missing.txt")


async def test_download_file_returns_signed_url_envelope(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer
) -> None:
    before = len(fake_panel.requests)
    result = await api.client.servers.files.download_file(server.identifier, "/eula.txt")
    assert result["object"] == "signed_url"
    assert "/download/file?token=" in result["attributes"]["url"]
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.query) == ("GET", files_path(server, "download"), {"file": ["/eula.txt"]})


async def test_write_then_read(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    assert (
        await api.client.servers.files.write_file(server.identifier, "/notes/todo.txt", "line 1\n  spaced  \n") is None
    )
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", files_path(server, "write"), 204)
    assert req.query == {"file": ["/notes/todo.txt"]}
    assert req.body == b"line 1\n  spaced  \n"
    assert req.headers["content-type"].startswith("text/plain")
    assert server.files["/notes/todo.txt"].content == b"line 1\n  spaced  \n"
    assert (
        await api.client.servers.files.get_file_contents(server.identifier, "/notes/todo.txt") == "line 1\n  spaced  \n"
    )

    await api.client.servers.files.write_file(server.identifier, "/bin.dat", b"\x00\x01\xff")
    assert fake_panel.requests[-1].body == b"\x00\x01\xff"
    assert server.files["/bin.dat"].content == b"\x00\x01\xff"

    await api.client.servers.files.write_file(server.identifier, "/empty.txt", "")
    assert server.files["/empty.txt"].content == b""


async def test_rename_file(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    assert await api.client.servers.files.rename_file(server.identifier, "latest.log", "old.log", root="/logs") is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("PUT", files_path(server, "rename"), 204)
    assert req.json == {"root": "/logs", "files": [{"from": "latest.log", "to": "old.log"}]}
    assert "/logs/old.log" in server.files and "/logs/latest.log" not in server.files

    await api.client.servers.files.rename_file(server.identifier, "eula.txt", "EULA.txt")
    assert fake_panel.requests[-1].json == {"root": "/", "files": [{"from": "eula.txt", "to": "EULA.txt"}]}
    assert "/EULA.txt" in server.files


async def test_copy_file(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    assert await api.client.servers.files.copy_file(server.identifier, "/eula.txt") is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", files_path(server, "copy"), 204)
    assert req.json == {"location": "/eula.txt"}
    assert len([p for p in server.files if p.startswith("/eula")]) == 2


async def test_compress_and_decompress(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    archive = await api.client.servers.files.compress_files(server.identifier, ["eula.txt", "logs"])
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", files_path(server, "compress"), 200)
    assert req.json == {"root": "/", "files": ["eula.txt", "logs"]}
    assert archive["object"] == "file_object"
    name = archive["attributes"]["name"]
    assert name.endswith(".tar.gz") and "/" + name in server.files

    before = len(fake_panel.requests)
    assert await api.client.servers.files.decompress_file(server.identifier, name) is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", files_path(server, "decompress"), 204)
    assert req.json == {"root": "/", "file": name}

    await api.client.servers.files.compress_files(server.identifier, "latest.log", path="/logs")
    assert fake_panel.requests[-1].json == {"root": "/logs", "files": ["latest.log"]}


async def test_delete_files(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    assert await api.client.servers.files.delete_files(server.identifier, ["latest.log"], "/logs") is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", files_path(server, "delete"), 204)
    assert req.json == {"root": "/logs", "files": ["latest.log"]}
    assert "/logs/latest.log" not in server.files

    await api.client.servers.files.delete_files(server.identifier, ("eula.txt", "plugins"))
    assert fake_panel.requests[-1].json == {"root": "/", "files": ["eula.txt", "plugins"]}
    assert "/eula.txt" not in server.files and "/plugins" not in server.files


async def test_create_folder(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    assert await api.client.servers.files.create_folder(server.identifier, "world", "/plugins") is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", files_path(server, "create-folder"), 204)
    assert req.json == {"root": "/plugins", "name": "world"}
    assert server.files["/plugins/world"].is_dir


async def test_get_upload_file_url(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    result = await api.client.servers.files.get_upload_file_url(server.identifier)
    assert result["object"] == "signed_url"
    assert "/upload/file?token=" in result["attributes"]["url"]
    req = only_request(fake_panel, before)
    assert (req.method, req.path) == ("GET", files_path(server, "upload"))


async def test_chmod_files(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    assert (
        await api.client.servers.files.chmod_files(server.identifier, {"eula.txt": 600, "server.jar": "0755"}) is None
    )
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", files_path(server, "chmod"), 204)
    assert req.json == {
        "root": "/",
        "files": [{"file": "eula.txt", "mode": "600"}, {"file": "server.jar", "mode": "0755"}],
    }
    assert server.files["/eula.txt"].mode == "600"
    assert server.files["/server.jar"].mode == "755"

    await api.client.servers.files.chmod_files(server.identifier, [("latest.log", "0o640")], path="/logs")
    assert fake_panel.requests[-1].json == {"root": "/logs", "files": [{"file": "latest.log", "mode": "640"}]}
    assert server.files["/logs/latest.log"].mode == "640"


@pytest.mark.parametrize(
    "files_modes", [{}, {"eula.txt": "rwx"}, {"eula.txt": 999}, {"eula.txt": True}, [("eula.txt",)], "eula.txt"]
)
async def test_chmod_local_checks(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, files_modes: Any
) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.files.chmod_files(server.identifier, files_modes)
    assert len(fake_panel.requests) == before


async def test_pull_file(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    before = len(fake_panel.requests)
    result = await api.client.servers.files.pull_file(
        server.identifier, "https://example.com/dl/plugin.jar", directory="/plugins", filename="p.jar", foreground=True
    )
    assert result is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", files_path(server, "pull"), 204)
    assert req.json == {
        "url": "https://example.com/dl/plugin.jar",
        "directory": "/plugins",
        "filename": "p.jar",
        "use_header": False,
        "foreground": True,
    }
    assert "/plugins/p.jar" in server.files

    await api.client.servers.files.pull_file(server.identifier, "https://example.com/x/world.zip")
    assert fake_panel.requests[-1].json == {
        "url": "https://example.com/x/world.zip",
        "directory": None,
        "filename": None,
        "use_header": False,
        "foreground": False,
    }
    assert "/world.zip" in server.files


async def test_pull_file_throttle(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    for i in range(10):
        await api.client.servers.files.pull_file(server.identifier, f"https://example.com/{i}.jar")
    async with AsyncJexactyl(fake_panel.url, fake_panel.user.client_key, retries=0) as no_retry:
        with pytest.raises(RateLimitedError):
            await no_retry.client.servers.files.pull_file(server.identifier, "https://example.com/11.jar")


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("list_files", (None,)),
        ("get_file_contents", (b"/eula.txt",)),
        ("get_file_contents", ("",)),
        ("download_file", (1,)),
        ("rename_file", ("a", None)),
        ("copy_file", (["/a"],)),
        ("write_file", ("/a", 5)),
        ("write_file", (None, "text")),
        ("compress_files", ([],)),
        ("compress_files", ([1],)),
        ("decompress_file", (None,)),
        ("delete_files", ({"a": 1},)),
        ("create_folder", ("",)),
        ("pull_file", ("",)),
    ],
)
async def test_non_string_paths_are_refused(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, method: str, args: tuple[Any, ...]
) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await getattr(api.client.servers.files, method)(server.identifier, *args)
    assert len(fake_panel.requests) == before


@pytest.mark.parametrize("server_id", ["../../application/users", "1a2b3c4d/../x", "", "a?b", "a b"])
async def test_path_injection_in_server_id(api: AsyncJexactyl, fake_panel: FakePanel, server_id: str) -> None:
    before = len(fake_panel.requests)
    files = api.client.servers.files
    for call in (
        files.list_files(server_id),
        files.get_file_contents(server_id, "/eula.txt"),
        files.write_file(server_id, "/x", "y"),
        files.delete_files(server_id, ["eula.txt"]),
        files.get_upload_file_url(server_id),
    ):
        with pytest.raises(InvalidArgumentError):
            await call
    assert len(fake_panel.requests) == before


async def test_other_users_server_is_not_found(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    with pytest.raises(NotFoundError):
        await api.client.servers.files.list_files(fake_panel.server("Admin Server").identifier)


def test_files_sync_client(fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    server = panel.server("Creative")
    with Jexactyl(panel.url, panel.user.client_key, backoff_factor=0) as api:
        api.client.servers.files.write_file(server.identifier, "/ops.json", '["steve"]')
        assert api.client.servers.files.get_file_contents(server.identifier, "/ops.json") == '["steve"]'
        names = [f["attributes"]["name"] for f in api.client.servers.files.list_files(server.identifier)["data"]]
        assert "ops.json" in names
        api.client.servers.files.rename_file(server.identifier, "ops.json", "ops.bak")
        assert panel.requests[-1].json == {"root": "/", "files": [{"from": "ops.json", "to": "ops.bak"}]}
        api.client.servers.files.delete_files(server.identifier, ["ops.bak"])
        assert "/ops.bak" not in server.files
        with pytest.raises(InvalidArgumentError):
            api.client.servers.files.list_files("../../application/users")
