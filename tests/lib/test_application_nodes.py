"""Application API ``api.nodes`` against the fake panel over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl
from pyjexactyl.exceptions import BadRequestError, InvalidArgumentError, JexactylApiError, NotFoundError

API_KIND = "application"

NODE_KEYS = {
    "name",
    "description",
    "location_id",
    "fqdn",
    "scheme",
    "behind_proxy",
    "public",
    "memory",
    "memory_overallocate",
    "disk",
    "disk_overallocate",
    "daemon_base",
    "daemon_sftp",
    "daemon_listen",
    "upload_size",
    "maintenance_mode",
}


async def new_node(api: AsyncJexactyl, name: str = "node02") -> dict[str, Any]:
    return await api.nodes.create_node(name, 1, f"{name}.example.com", 16384, 200000)


async def test_list_nodes_with_includes(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    nodes = await api.nodes.list_nodes(includes=("allocations", "location"))
    [node] = await nodes.collect()
    assert node["attributes"]["name"] == "Node 01"
    relationships = node["attributes"]["relationships"]
    assert relationships["location"]["attributes"]["short"] == "eu1"
    assert len(relationships["allocations"]["data"]) == 151
    [request] = fake_panel.requests[mark:]
    assert request.path == "/api/application/nodes" and request.query == {"include": ["allocations,location"]}


async def test_list_nodes_params_not_mutated_and_kept(api: AsyncJexactyl, fake_panel: Any) -> None:
    await new_node(api, "node02")
    await new_node(api, "node03")
    params = {"per_page": 1, "sort": "-id"}
    mark = len(fake_panel.requests)
    nodes = await api.nodes.list_nodes(includes=["location"], params=params)
    names = [n["attributes"]["name"] for n in await nodes.collect()]
    assert names == ["node03", "node02", "Node 01"]
    assert params == {"per_page": 1, "sort": "-id"}
    requests = fake_panel.requests[mark:]
    assert len(requests) == 3
    for request in requests:
        assert request.query["sort"] == ["-id"] and request.query["per_page"] == ["1"]
        assert request.query["include"] == ["location"]


async def test_get_node_details_and_alias(api: AsyncJexactyl, fake_panel: Any) -> None:
    details = await api.nodes.get_node_details(1, includes=["location"])
    assert details["object"] == "node"
    attributes = details["attributes"]
    assert attributes["id"] == 1 and attributes["fqdn"] == "node01.example.com"
    assert attributes["relationships"]["location"]["attributes"]["id"] == 1
    assert fake_panel.requests[-1].query == {"include": ["location"]}
    info = await api.nodes.get_node_info(1, includes=["location"])
    assert info == details
    assert fake_panel.requests[-1].path == "/api/application/nodes/1"
    with pytest.raises(NotFoundError):
        await api.nodes.get_node_details(77)


async def test_get_node_config_is_raw_json(api: AsyncJexactyl, fake_panel: Any) -> None:
    config = await api.nodes.get_node_config(1)
    assert "object" not in config
    assert config["api"]["port"] == 8080
    assert config["system"]["sftp"]["bind_port"] == 2022
    assert config["remote"] == fake_panel.url.rstrip("/")
    assert fake_panel.requests[-1].path == "/api/application/nodes/1/configuration"


async def test_create_node_body(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    created = await api.nodes.create_node(
        "node02",
        1,
        "node02.example.com",
        16384,
        200000,
        memory_overallocate=10,
        scheme="http",
        daemon_listen=8443,
        public=False,
        description="Second node",
    )
    [request] = fake_panel.requests[mark:]
    assert (request.method, request.path, request.status) == ("POST", "/api/application/nodes", 201)
    assert request.json == {
        "name": "node02",
        "description": "Second node",
        "location_id": 1,
        "fqdn": "node02.example.com",
        "scheme": "http",
        "behind_proxy": False,
        "public": False,
        "memory": 16384,
        "memory_overallocate": 10,
        "disk": 200000,
        "disk_overallocate": 0,
        "daemon_base": "/var/lib/pterodactyl/volumes",
        "daemon_sftp": 2022,
        "daemon_listen": 8443,
        "upload_size": 100,
        "maintenance_mode": False,
    }
    attributes = created["attributes"]
    assert attributes["name"] == "node02" and attributes["scheme"] == "http" and attributes["public"] is False
    assert attributes["daemon_listen"] == 8443 and attributes["memory_overallocate"] == 10
    assert created["meta"]["resource"].endswith(f"/api/application/nodes/{attributes['id']}")
    with pytest.raises(InvalidArgumentError):
        await api.nodes.create_node("x", 1, "x.example.com", 1, 1, scheme="ftp")


async def test_edit_node_sends_full_object(api: AsyncJexactyl, fake_panel: Any) -> None:
    before = (await api.nodes.get_node_details(1))["attributes"]
    mark = len(fake_panel.requests)
    edited = await api.nodes.edit_node(1, maintenance_mode=True, memory=32768)
    get, patch = fake_panel.requests[mark:]
    assert (get.method, get.path) == ("GET", "/api/application/nodes/1")
    assert (patch.method, patch.path, patch.status) == ("PATCH", "/api/application/nodes/1", 200)
    assert NODE_KEYS <= set(patch.json)
    expected = {key: before[key] for key in NODE_KEYS}
    expected.update(maintenance_mode=True, memory=32768)
    assert {key: patch.json[key] for key in NODE_KEYS} == expected
    after = edited["attributes"]
    assert after["maintenance_mode"] is True and after["memory"] == 32768
    for key in NODE_KEYS - {"maintenance_mode", "memory"}:
        assert after[key] == before[key], key


async def test_edit_node_use_ssl_and_reset_secret(api: AsyncJexactyl, fake_panel: Any) -> None:
    old_token = (await api.nodes.get_node_config(1))["token"]
    edited = await api.nodes.edit_node(1, use_ssl=False, reset_secret=True, description=None)
    patch = fake_panel.requests[-1]
    assert patch.json["scheme"] == "http" and patch.json["reset_secret"] is True
    assert "use_ssl" not in patch.json and patch.json["description"] is None
    assert edited["attributes"]["scheme"] == "http"
    assert (await api.nodes.get_node_config(1))["token"] != old_token


async def test_edit_node_refuses_bad_changes_locally(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError, match="colour"):
        await api.nodes.edit_node(1, colour="blue")
    with pytest.raises(InvalidArgumentError):
        await api.nodes.edit_node(1)
    with pytest.raises(InvalidArgumentError):
        await api.nodes.edit_node(1, scheme="gopher")
    with pytest.raises(InvalidArgumentError):
        await api.nodes.edit_node(1, use_ssl=True, scheme="http")
    assert fake_panel.requests[mark:] == []


async def test_delete_node(api: AsyncJexactyl, fake_panel: Any) -> None:
    node_id = (await new_node(api))["attributes"]["id"]
    mark = len(fake_panel.requests)
    assert await api.nodes.delete_node(node_id) is None
    [request] = fake_panel.requests[mark:]
    assert (request.method, request.path, request.status) == ("DELETE", f"/api/application/nodes/{node_id}", 204)
    with pytest.raises(NotFoundError):
        await api.nodes.get_node_details(node_id)
    with pytest.raises(BadRequestError) as err:
        await api.nodes.delete_node(1)
    assert err.value.code == "HasActiveServersException"


async def test_list_node_allocations_151_at_per_page_10(api: AsyncJexactyl, fake_panel: Any) -> None:
    params = {"per_page": 10, "filter[ip]": "10.0.0.1"}
    mark = len(fake_panel.requests)
    allocations = await api.nodes.list_node_allocations(1, includes=["server"], params=params)
    assert len(allocations) == 151 and allocations.total_pages == 16
    pages = [page async for page in allocations.pages()]
    assert [len(p) for p in pages] == [10] * 15 + [1]
    ports = [a["attributes"]["port"] for a in await allocations.collect()]
    assert ports == list(range(25565, 25716))
    assert params == {"per_page": 10, "filter[ip]": "10.0.0.1"}
    requests = fake_panel.requests[mark:]
    assert [r.query.get("page", ["1"])[0] for r in requests] == [str(n) for n in range(1, 17)]
    for request in requests:
        assert request.path == "/api/application/nodes/1/allocations"
        assert request.query["per_page"] == ["10"]
        assert request.query["filter[ip]"] == ["10.0.0.1"]
        assert request.query["include"] == ["server"]


async def test_list_node_allocations_unassigned_filter(api: AsyncJexactyl) -> None:
    free = await (await api.nodes.list_node_allocations(1, params={"filter[server_id]": "", "per_page": 500})).collect()
    assert all(a["attributes"]["assigned"] is False for a in free)
    assert 0 < len(free) < 151


async def test_create_and_delete_allocations(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    assert await api.nodes.create_allocations(1, "10.0.0.9", [30000, "30001-30003"], alias="play.example.com") is None
    [request] = fake_panel.requests[mark:]
    assert (request.method, request.path, request.status) == ("POST", "/api/application/nodes/1/allocations", 204)
    assert request.json == {"ip": "10.0.0.9", "ports": ["30000", "30001-30003"], "alias": "play.example.com"}
    created = await (await api.nodes.list_node_allocations(1, params={"filter[ip]": "10.0.0.9"})).collect()
    assert sorted(a["attributes"]["port"] for a in created) == [30000, 30001, 30002, 30003]
    assert {a["attributes"]["alias"] for a in created} == {"play.example.com"}

    await api.nodes.create_allocations(1, "10.0.0.10", "31000")
    assert fake_panel.requests[-1].json == {"ip": "10.0.0.10", "ports": ["31000"]}

    victim = created[0]["attributes"]["id"]
    mark = len(fake_panel.requests)
    assert await api.nodes.delete_allocation(1, victim) is None
    [request] = fake_panel.requests[mark:]
    assert (request.method, request.path, request.status) == (
        "DELETE",
        f"/api/application/nodes/1/allocations/{victim}",
        204,
    )
    left = await (await api.nodes.list_node_allocations(1, params={"filter[ip]": "10.0.0.9"})).collect()
    assert len(left) == 3
    with pytest.raises(BadRequestError) as err:
        await api.nodes.delete_allocation(1, 1)  # primary allocation of server 1
    assert err.value.code == "ServerUsingAllocationException"
    with pytest.raises(InvalidArgumentError):
        await api.nodes.create_allocations(1, "10.0.0.9", [])


async def test_list_deployable_nodes(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    nodes = await api.nodes.list_deployable_nodes(1024, 2048, location_ids=[1])
    [node] = await nodes.collect()
    assert node["attributes"]["id"] == 1
    assert "sum_memory" in node["attributes"] and "sum_disk" in node["attributes"]
    [request] = fake_panel.requests[mark:]
    assert request.path == "/api/application/nodes/deployable"
    assert request.query == {"memory": ["1024"], "disk": ["2048"], "location_ids[]": ["1"]}

    paged = await api.nodes.list_deployable_nodes(1024, 2048, params={"page": 1, "per_page": 5})
    assert paged.pagination["total"] == 1

    with pytest.raises(JexactylApiError) as err:
        await api.nodes.list_deployable_nodes(1024, 2048, location_ids=[199, 200])
    assert err.value.code == "NoViableNodeException"
    assert fake_panel.requests[-1].query["location_ids[]"] == ["199", "200"]
    mark = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.nodes.list_deployable_nodes(1024, 2048, location_ids=["eu1"])
    assert fake_panel.requests[mark:] == []


@pytest.mark.parametrize("bad", ["../../client", "1/allocations", "..", "1#x"])
async def test_node_path_injection_refused(api: AsyncJexactyl, fake_panel: Any, bad: str) -> None:
    mark = len(fake_panel.requests)
    calls = [
        lambda: api.nodes.get_node_details(bad),
        lambda: api.nodes.get_node_info(bad),
        lambda: api.nodes.get_node_config(bad),
        lambda: api.nodes.edit_node(bad, memory=1),
        lambda: api.nodes.delete_node(bad),
        lambda: api.nodes.list_node_allocations(bad),
        lambda: api.nodes.create_allocations(bad, "10.0.0.1", ["30000"]),
        lambda: api.nodes.delete_allocation(1, bad),
        lambda: api.nodes.delete_allocation(bad, 1),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError):
            await call()
    assert fake_panel.requests[mark:] == []
