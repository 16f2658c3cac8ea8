"""Application API ``api.servers`` against the fake panel over real HTTP: reading, updating, actions, paths
(creation: ``test_application_server_creation.py``; databases: ``test_application_server_databases.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl
from pyjexactyl.exceptions import (
    InvalidArgumentError,
    NotFoundError,
    ValidationError,
)
from tests.lib.helpers import since

API_KIND = "application"

PAPER_STARTUP = (
    "java -Xms128M -XX:MaxRAMPercentage=95.0 -Dterminal.jline=false -Dterminal.ansi=true -jar {{SERVER_JARFILE}}"
)
JAVA_17 = "ghcr.io/pterodactyl/yolks:java_17"
EGG_DEFAULTS = {"SERVER_JARFILE": "server.jar", "MINECRAFT_VERSION": "latest", "BUILD_NUMBER": "latest", "DL_PATH": ""}


# ----------------------------------------------------------------------------------- reading
async def test_list_servers(api: AsyncJexactyl, fake_panel: Any) -> None:
    params = {"per_page": 2}
    mark = len(fake_panel.requests)
    servers = await api.servers.list_servers(includes=("egg", "nest"), params=params)
    assert len(servers) == 5 and servers.total_pages == 3
    items = await servers.collect()
    assert [s["attributes"]["name"] for s in items] == [
        "Survival SMP",
        "Creative",
        "Suspended Server",
        "Installing Server",
        "Admin Server",
    ]
    assert items[0]["attributes"]["relationships"]["egg"]["attributes"]["name"] == "Paper"
    assert params == {"per_page": 2}
    requests = since(fake_panel, mark)
    assert len(requests) == 3
    for request in requests:
        assert request.path == "/api/application/servers"
        assert request.query["include"] == ["egg,nest"] and request.query["per_page"] == ["2"]
    found = await (await api.servers.list_servers(params={"filter[name]": "creat"})).collect()
    assert [s["attributes"]["id"] for s in found] == [2]


async def test_get_server_info(api: AsyncJexactyl, fake_panel: Any) -> None:
    attributes = await api.servers.get_server_info(server_id=1, includes=["user", "subusers", "location"])
    assert attributes["id"] == 1 and attributes["name"] == "Survival SMP"
    assert attributes["relationships"]["user"]["attributes"]["username"] == "alice"
    assert attributes["relationships"]["location"]["attributes"]["short"] == "eu1"
    request = fake_panel.requests[-1]
    assert request.path == "/api/application/servers/1"
    assert request.query == {"include": ["user,subusers,location"]}

    envelope = await api.servers.get_server_info(1, detail=True)
    assert envelope["object"] == "server" and envelope["attributes"]["id"] == 1

    await api.servers.update_server_details(2, external_id="whmcs-2")
    by_external = await api.servers.get_server_info(external_id="whmcs-2")
    assert by_external["id"] == 2
    assert fake_panel.requests[-1].path == "/api/application/servers/external/whmcs-2"
    with pytest.raises(NotFoundError):
        await api.servers.get_server_info(server_id=999)

    mark = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.servers.get_server_info()
    with pytest.raises(InvalidArgumentError):
        await api.servers.get_server_info(server_id=1, external_id="whmcs-2")
    assert since(fake_panel, mark) == []


# ----------------------------------------------------------------------------------- updating
async def test_update_server_details_fills_current(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    updated = await api.servers.update_server_details(2, name="Creative 2")
    get, patch = since(fake_panel, mark)
    assert (get.method, get.path) == ("GET", "/api/application/servers/2")
    assert (patch.method, patch.path, patch.status) == ("PATCH", "/api/application/servers/2/details", 200)
    assert patch.json == {"name": "Creative 2", "user": 2, "external_id": None, "description": ""}
    assert updated["attributes"]["name"] == "Creative 2"

    updated = await api.servers.update_server_details(2, user_id=1, external_id="ext-2", description="Builds")
    assert fake_panel.requests[-1].json == {
        "name": "Creative 2",
        "user": 1,
        "external_id": "ext-2",
        "description": "Builds",
    }
    attributes = updated["attributes"]
    assert (attributes["user"], attributes["external_id"], attributes["description"]) == (1, "ext-2", "Builds")

    kept = await api.servers.update_server_details(2, name="Creative 3")
    assert kept["attributes"]["external_id"] == "ext-2" and kept["attributes"]["description"] == "Builds"
    cleared = await api.servers.update_server_details(2, external_id="")
    assert fake_panel.requests[-1].json["external_id"] is None
    assert cleared["attributes"]["external_id"] is None

    mark = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.servers.update_server_details(2)
    assert since(fake_panel, mark) == []


async def test_update_server_build_fills_current(api: AsyncJexactyl, fake_panel: Any) -> None:
    before = await api.servers.get_server_info(1)
    mark = len(fake_panel.requests)
    updated = await api.servers.update_server_build(1, memory_limit=8192, backup_limit=5, add_allocations=[60])
    get, patch = since(fake_panel, mark)
    assert (get.method, get.path) == ("GET", "/api/application/servers/1")
    assert (patch.method, patch.path, patch.status) == ("PATCH", "/api/application/servers/1/build", 200)
    limits, features = before["limits"], before["feature_limits"]
    assert patch.json == {
        "allocation": before["allocation"],
        "oom_disabled": limits["oom_disabled"],
        "limits": {
            "memory": 8192,
            "swap": limits["swap"],
            "disk": limits["disk"],
            "io": limits["io"],
            "cpu": limits["cpu"],
            "threads": limits["threads"],
        },
        "feature_limits": {"databases": features["databases"], "allocations": features["allocations"], "backups": 5},
        "add_allocations": [60],
    }
    after = updated["attributes"]
    assert after["limits"]["memory"] == 8192 and after["feature_limits"]["backups"] == 5
    assert after["limits"]["disk"] == limits["disk"] and after["feature_limits"]["databases"] == features["databases"]
    info = await api.servers.get_server_info(1, includes=["allocations"])
    assert 60 in [a["attributes"]["id"] for a in info["relationships"]["allocations"]["data"]]

    moved = await api.servers.update_server_build(
        1, allocation_id=60, remove_allocations=[2], threads="0-1", oom_disabled=False, cpu_limit=300, io_limit=700
    )
    body = fake_panel.requests[-1].json
    assert body["allocation"] == 60 and body["remove_allocations"] == [2] and "add_allocations" not in body
    assert body["limits"]["threads"] == "0-1" and body["limits"]["cpu"] == 300 and body["oom_disabled"] is False
    assert body["limits"]["memory"] == 8192 and body["feature_limits"]["backups"] == 5
    assert moved["attributes"]["allocation"] == 60
    assert moved["attributes"]["limits"]["threads"] == "0-1"
    assert moved["attributes"]["limits"]["oom_disabled"] is False


async def test_update_server_startup_fills_current(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    updated = await api.servers.update_server_startup(2, environment={"MINECRAFT_VERSION": "1.20.4"})
    get, patch = since(fake_panel, mark)
    assert (get.method, get.path) == ("GET", "/api/application/servers/2")
    assert get.query == {"include": ["variables"]}
    assert (patch.method, patch.path, patch.status) == ("PATCH", "/api/application/servers/2/startup", 200)
    assert patch.json == {
        "startup": PAPER_STARTUP,
        "environment": {**EGG_DEFAULTS, "MINECRAFT_VERSION": "1.20.4"},
        "egg": 1,
        "image": JAVA_17,
        "skip_scripts": False,
    }
    assert updated["attributes"]["container"]["environment"]["MINECRAFT_VERSION"] == "1.20.4"

    again = await api.servers.update_server_startup(
        2, docker_image="ghcr.io/pterodactyl/yolks:java_21", startup_cmd="java -jar x.jar", skip_scripts=True, egg_id=1
    )
    body = fake_panel.requests[-1].json
    assert body["environment"]["MINECRAFT_VERSION"] == "1.20.4"  # kept from the server, not reset to the default
    assert body["image"] == "ghcr.io/pterodactyl/yolks:java_21" and body["startup"] == "java -jar x.jar"
    assert body["skip_scripts"] is True and body["egg"] == 1
    container = again["attributes"]["container"]
    assert container["image"] == "ghcr.io/pterodactyl/yolks:java_21"
    assert container["startup_command"] == "java -jar x.jar"

    with pytest.raises(ValidationError) as err:
        await api.servers.update_server_startup(2, environment={"BUILD_NUMBER": None})
    assert err.value.errors[0].source_field == "environment.BUILD_NUMBER"


# ------------------------------------------------------------------------------------ actions
async def test_suspend_unsuspend_reinstall(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    assert await api.servers.suspend_server(2) is None
    assert (await api.servers.get_server_info(2))["suspended"] is True
    assert await api.servers.unsuspend_server(2) is None
    assert (await api.servers.get_server_info(2))["suspended"] is False
    assert await api.servers.reinstall_server(2) is None
    posts = [(r.method, r.path, r.status) for r in since(fake_panel, mark) if r.method == "POST"]
    assert posts == [
        ("POST", "/api/application/servers/2/suspend", 204),
        ("POST", "/api/application/servers/2/unsuspend", 204),
        ("POST", "/api/application/servers/2/reinstall", 204),
    ]
    assert all(r.body == b"" for r in since(fake_panel, mark) if r.method == "POST")


async def test_delete_server(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    assert await api.servers.delete_server(5) is None
    assert await api.servers.delete_server(4, force=True) is None
    assert [(r.method, r.path, r.status) for r in since(fake_panel, mark)] == [
        ("DELETE", "/api/application/servers/5", 204),
        ("DELETE", "/api/application/servers/4/force", 204),
    ]
    for server_id in (4, 5):
        with pytest.raises(NotFoundError):
            await api.servers.get_server_info(server_id)


def test_rebuild_server_is_not_shipped() -> None:
    from pyjexactyl._endpoints.application import Servers

    assert not hasattr(Servers, "rebuild_server")


# ------------------------------------------------------------------------------ path injection
async def test_server_path_injection_refused(api: AsyncJexactyl, fake_panel: Any) -> None:
    bad = "../../client"
    mark = len(fake_panel.requests)
    calls = [
        lambda: api.servers.get_server_info(server_id=bad),
        lambda: api.servers.get_server_info(external_id="../users/1"),
        lambda: api.servers.update_server_details(bad, name="x"),
        lambda: api.servers.update_server_build(bad, memory_limit=1),
        lambda: api.servers.update_server_startup(bad),
        lambda: api.servers.suspend_server(bad),
        lambda: api.servers.unsuspend_server(bad),
        lambda: api.servers.reinstall_server(bad),
        lambda: api.servers.delete_server(bad),
        lambda: api.servers.delete_server(bad, force=True),
        lambda: api.servers.list_server_databases(bad),
        lambda: api.servers.get_server_database_info(bad, 1),
        lambda: api.servers.get_server_database_info(1, bad),
        lambda: api.servers.create_server_database(bad, "x", "%", 1),
        lambda: api.servers.reset_server_database_password(1, bad),
        lambda: api.servers.delete_server_database(1, bad),
        lambda: api.servers.create_server("x", 1, bad, 1, 1, 0, 1, location_ids=[1]),
        lambda: api.servers.create_server("x", 1, 1, bad, 1, 0, 1, location_ids=[1]),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError):
            await call()
    assert since(fake_panel, mark) == []
