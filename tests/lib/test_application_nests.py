"""Application API ``api.nests`` against the fake panel over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl
from pyjexactyl.exceptions import InvalidArgumentError, NotFoundError

API_KIND = "application"


async def test_list_nests(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    nests = await api.nests.list_nests(includes=["eggs"], params={"per_page": 10})
    items = await nests.collect()
    assert [n["attributes"]["name"] for n in items] == ["Minecraft"]
    eggs = items[0]["attributes"]["relationships"]["eggs"]["data"]
    assert [e["attributes"]["name"] for e in eggs] == ["Paper"]
    [request] = fake_panel.requests[mark:]
    assert request.path == "/api/application/nests"
    assert request.query == {"include": ["eggs"], "per_page": ["10"]}
    assert nests.pagination["total"] == 1


async def test_get_nest_info(api: AsyncJexactyl, fake_panel: Any) -> None:
    nest = await api.nests.get_nest_info(1)
    assert nest["object"] == "nest"
    assert nest["attributes"]["id"] == 1 and nest["attributes"]["name"] == "Minecraft"
    assert fake_panel.requests[-1].path == "/api/application/nests/1"
    with pytest.raises(NotFoundError):
        await api.nests.get_nest_info(42)


async def test_get_eggs_in_nest_is_unpaginated(api: AsyncJexactyl, fake_panel: Any) -> None:
    eggs = await api.nests.get_eggs_in_nest(1, includes=("variables",))
    assert eggs["object"] == "list"
    assert "meta" not in eggs
    [paper] = eggs["data"]
    assert paper["object"] == "egg" and paper["attributes"]["name"] == "Paper"
    variables = paper["attributes"]["relationships"]["variables"]["data"]
    assert {v["attributes"]["env_variable"] for v in variables} >= {"SERVER_JARFILE", "BUILD_NUMBER"}
    request = fake_panel.requests[-1]
    assert request.path == "/api/application/nests/1/eggs" and request.query == {"include": ["variables"]}


async def test_get_egg_info(api: AsyncJexactyl, fake_panel: Any) -> None:
    egg = await api.nests.get_egg_info(1, 1, includes=["variables"], params={"include": "nest"})
    attributes = egg["attributes"]
    assert egg["object"] == "egg"
    assert attributes["id"] == 1 and attributes["nest"] == 1 and attributes["name"] == "Paper"
    assert "ghcr.io/pterodactyl/yolks:java_17" in attributes["docker_images"].values()
    assert "{{SERVER_JARFILE}}" in attributes["startup"]
    assert set(attributes["relationships"]) == {"nest", "variables"}
    request = fake_panel.requests[-1]
    assert request.path == "/api/application/nests/1/eggs/1"
    assert request.query == {"include": ["nest,variables"]}
    with pytest.raises(NotFoundError):
        await api.nests.get_egg_info(1, 99)


async def test_nest_path_injection_refused(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    for call in (
        lambda: api.nests.get_nest_info("../../client"),
        lambda: api.nests.get_eggs_in_nest("1/eggs/../.."),
        lambda: api.nests.get_egg_info(1, "../../../users"),
        lambda: api.nests.get_egg_info("..", 1),
    ):
        with pytest.raises(InvalidArgumentError):
            await call()
    assert fake_panel.requests[mark:] == []
