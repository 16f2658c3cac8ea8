"""Application API ``api.servers.create_server`` against the fake panel over real HTTP: deployment, explicit
allocations, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl
from pyjexactyl.exceptions import (
    BadRequestError,
    InvalidArgumentError,
    JexactylApiError,
    ValidationError,
)
from tests.lib.helpers import since

API_KIND = "application"

PAPER_STARTUP = (
    "java -Xms128M -XX:MaxRAMPercentage=95.0 -Dterminal.jline=false -Dterminal.ansi=true -jar {{SERVER_JARFILE}}"
)
JAVA_17 = "ghcr.io/pterodactyl/yolks:java_17"
EGG_DEFAULTS = {"SERVER_JARFILE": "server.jar", "MINECRAFT_VERSION": "latest", "BUILD_NUMBER": "latest", "DL_PATH": ""}
NO_VIABLE_NODE = (
    "Bad API Request(400) - NoViableNodeException - No nodes satisfying the requirements specified for "
    "automatic deployment could be found."
)


# ----------------------------------------------------------------------------------- creating
async def test_create_server_by_deployment(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    created = await api.servers.create_server(
        name="Deployed",
        user_id=2,
        nest_id=1,
        egg_id=1,
        memory_limit=2048,
        swap_limit=0,
        disk_limit=10240,
        location_ids=[1],
        port_range=[25600, "25610-25620"],
        environment={"MINECRAFT_VERSION": "1.20.4"},
        backup_limit=2,
        external_id="whmcs-77",
        description="made by a test",
    )
    egg_request, post = since(fake_panel, mark)
    assert (egg_request.method, egg_request.path) == ("GET", "/api/application/nests/1/eggs/1")
    assert egg_request.query == {"include": ["variables"]}
    assert (post.method, post.path, post.status) == ("POST", "/api/application/servers", 201)
    assert post.json == {
        "name": "Deployed",
        "user": 2,
        "egg": 1,
        "docker_image": JAVA_17,
        "startup": PAPER_STARTUP,
        "environment": {**EGG_DEFAULTS, "MINECRAFT_VERSION": "1.20.4"},
        "limits": {"memory": 2048, "swap": 0, "disk": 10240, "io": 500, "cpu": 0},
        "feature_limits": {"databases": 0, "allocations": 0, "backups": 2},
        "skip_scripts": False,
        "oom_disabled": True,
        "start_on_completion": True,
        "external_id": "whmcs-77",
        "description": "made by a test",
        "deploy": {"locations": [1], "dedicated_ip": False, "port_range": ["25600", "25610-25620"]},
    }
    attributes = created["attributes"]
    assert created["object"] == "server"
    assert attributes["name"] == "Deployed" and attributes["user"] == 2 and attributes["egg"] == 1
    assert attributes["external_id"] == "whmcs-77"
    assert attributes["container"]["image"] == JAVA_17
    assert attributes["container"]["environment"]["MINECRAFT_VERSION"] == "1.20.4"
    assert attributes["limits"]["memory"] == 2048 and attributes["feature_limits"]["backups"] == 2
    info = await api.servers.get_server_info(attributes["id"], includes=["allocations"])
    [allocation] = info["relationships"]["allocations"]["data"]
    assert allocation["attributes"]["port"] in {25600, *range(25610, 25621)}


async def test_create_server_on_explicit_allocation(api: AsyncJexactyl, fake_panel: Any) -> None:
    created = await api.servers.create_server(
        "Explicit",
        1,
        1,
        1,
        1024,
        -1,
        4096,
        default_allocation=40,
        additional_allocations=[41, 42],
        docker_image="ghcr.io/pterodactyl/yolks:java_21",
        startup_cmd="java -jar server.jar",
        cpu_limit=150,
        io_limit=600,
        database_limit=None,
        oom_disabled=False,
        start_on_completion=False,
        skip_scripts=True,
    )
    body = fake_panel.requests[-1].json
    assert body["allocation"] == {"default": 40, "additional": [41, 42]}
    assert "deploy" not in body and "external_id" not in body and "description" not in body
    assert body["docker_image"] == "ghcr.io/pterodactyl/yolks:java_21"
    assert body["startup"] == "java -jar server.jar"
    assert body["limits"] == {"memory": 1024, "swap": -1, "disk": 4096, "io": 600, "cpu": 150}
    assert body["feature_limits"] == {"databases": None, "allocations": 0, "backups": 0}
    assert (body["oom_disabled"], body["start_on_completion"], body["skip_scripts"]) == (False, False, True)
    assert body["environment"] == EGG_DEFAULTS
    attributes = created["attributes"]
    assert attributes["allocation"] == 40
    assert attributes["container"]["startup_command"] == "java -jar server.jar"
    info = await api.servers.get_server_info(attributes["id"], includes=["allocations"])
    assert sorted(a["attributes"]["id"] for a in info["relationships"]["allocations"]["data"]) == [40, 41, 42]


async def test_create_server_needs_one_placement(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.servers.create_server("x", 1, 1, 1, 1024, 0, 1024)
    with pytest.raises(InvalidArgumentError):
        await api.servers.create_server("x", 1, 1, 1, 1024, 0, 1024, location_ids=[], default_allocation=None)
    with pytest.raises(InvalidArgumentError):
        await api.servers.create_server("x", 1, 1, 1, 1024, 0, 1024, location_ids=[1], default_allocation=40)
    with pytest.raises(InvalidArgumentError):
        await api.servers.create_server("x", 1, 1, 1, 1024, 0, 1024, location_ids=[1], additional_allocations=[41])
    assert since(fake_panel, mark) == []


async def test_create_server_no_viable_node(api: AsyncJexactyl) -> None:
    with pytest.raises(JexactylApiError) as err:
        await api.servers.create_server(
            name="My Paper Server",
            user_id=1,
            nest_id=1,
            egg_id=1,
            memory_limit=8000,
            swap_limit=0,
            disk_limit=0,
            location_ids=[199],
        )
    assert str(err.value) == NO_VIABLE_NODE
    assert isinstance(err.value, BadRequestError) and err.value.status == 400


async def test_create_server_invalid_variable(api: AsyncJexactyl) -> None:
    with pytest.raises(ValidationError) as err:
        await api.servers.create_server(
            "Bad", 1, 1, 1, 1024, 0, 1024, location_ids=[1], environment={"SERVER_JARFILE": "x" * 30}
        )
    assert err.value.errors[0].source_field == "environment.SERVER_JARFILE"
