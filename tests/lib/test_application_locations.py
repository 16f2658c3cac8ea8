"""Application API ``api.locations`` against the fake panel over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl
from pyjexactyl.exceptions import BadRequestError, InvalidArgumentError, NotFoundError, ValidationError
from tests.lib.helpers import since

API_KIND = "application"


async def test_list_locations_keeps_query_on_every_page(api: AsyncJexactyl, fake_panel: Any) -> None:
    await api.locations.create_location("us.nyc", "New York")
    await api.locations.create_location("us.lax", "Los Angeles")
    params = {"per_page": 1}
    mark = len(fake_panel.requests)
    locations = await api.locations.list_locations(includes=["nodes"], params=params)
    assert len(locations) == 3
    items = await locations.collect()
    assert [i["attributes"]["short"] for i in items] == ["eu1", "us.nyc", "us.lax"]
    assert params == {"per_page": 1}
    requests = since(fake_panel, mark)
    assert [r.query.get("page", ["1"])[0] for r in requests] == ["1", "2", "3"]
    for request in requests:
        assert request.method == "GET" and request.path == "/api/application/locations"
        assert request.query["include"] == ["nodes"] and request.query["per_page"] == ["1"]
    assert items[0]["attributes"]["relationships"]["nodes"]["object"] == "list"


async def test_list_locations_filter(api: AsyncJexactyl) -> None:
    await api.locations.create_location("us.nyc", "New York")
    found = await (await api.locations.list_locations(params={"filter[short]": "nyc"})).collect()
    assert [i["attributes"]["long"] for i in found] == ["New York"]


async def test_get_location_info(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    info = await api.locations.get_location_info(1, includes=("nodes",))
    assert info["object"] == "location"
    assert info["attributes"]["id"] == 1
    assert info["attributes"]["short"] == "eu1"
    assert info["attributes"]["long"] == "Europe 1"
    [request] = since(fake_panel, mark)
    assert request.path == "/api/application/locations/1" and request.query["include"] == ["nodes"]
    with pytest.raises(NotFoundError):
        await api.locations.get_location_info(999)


async def test_create_location_sends_short_and_long(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    created = await api.locations.create_location("us.nyc", "New York")
    [request] = since(fake_panel, mark)
    assert (request.method, request.path, request.status) == ("POST", "/api/application/locations", 201)
    assert request.json == {"short": "us.nyc", "long": "New York"}
    assert created["object"] == "location"
    assert created["attributes"]["short"] == "us.nyc" and created["attributes"]["long"] == "New York"
    assert created["meta"]["resource"].endswith(f"/api/application/locations/{created['attributes']['id']}")

    bare = await api.locations.create_location("us.chi")
    assert bare["attributes"]["long"] is None
    with pytest.raises(ValidationError) as err:
        await api.locations.create_location("us.nyc")
    assert err.value.errors[0].source_field == "short"
    assert err.value.errors[0].rule == "unique"
    with pytest.raises(InvalidArgumentError):
        await api.locations.create_location("")


async def test_edit_location_description_fetches_short(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    edited = await api.locations.edit_location(1, description="Frankfurt")
    get, patch = since(fake_panel, mark)
    assert (get.method, get.path) == ("GET", "/api/application/locations/1")
    assert (patch.method, patch.path) == ("PATCH", "/api/application/locations/1")
    assert patch.json == {"short": "eu1", "long": "Frankfurt"}
    assert edited["attributes"]["short"] == "eu1" and edited["attributes"]["long"] == "Frankfurt"


async def test_edit_location_shortcode_only(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    edited = await api.locations.edit_location(1, shortcode="eu.fra")
    [patch] = since(fake_panel, mark)
    assert patch.json == {"short": "eu.fra"}
    assert edited["attributes"]["short"] == "eu.fra"
    assert edited["attributes"]["long"] == "Europe 1"
    both = await api.locations.edit_location(1, shortcode="eu.ber", description="Berlin")
    assert (both["attributes"]["short"], both["attributes"]["long"]) == ("eu.ber", "Berlin")
    assert fake_panel.requests[-1].json == {"short": "eu.ber", "long": "Berlin"}


async def test_edit_location_needs_a_change(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.locations.edit_location(1)
    assert since(fake_panel, mark) == []


async def test_delete_location(api: AsyncJexactyl, fake_panel: Any) -> None:
    created = await api.locations.create_location("tmp")
    location_id = created["attributes"]["id"]
    mark = len(fake_panel.requests)
    assert await api.locations.delete_location(location_id) is None
    [request] = since(fake_panel, mark)
    assert (request.method, request.path, request.status) == (
        "DELETE",
        f"/api/application/locations/{location_id}",
        204,
    )
    with pytest.raises(NotFoundError):
        await api.locations.get_location_info(location_id)
    with pytest.raises(BadRequestError) as err:
        await api.locations.delete_location(1)
    assert err.value.code == "HasActiveNodesException"


@pytest.mark.parametrize("bad", ["../../client", "1/../2", "..", "", "1?x=1", "a b"])
async def test_location_path_injection_refused(api: AsyncJexactyl, fake_panel: Any, bad: str) -> None:
    mark = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.locations.get_location_info(bad)
    with pytest.raises(InvalidArgumentError):
        await api.locations.edit_location(bad, shortcode="x")
    with pytest.raises(InvalidArgumentError):
        await api.locations.delete_location(bad)
    assert since(fake_panel, mark) == []
