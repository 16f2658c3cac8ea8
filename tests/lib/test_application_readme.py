"""The seed README's application-API examples, run as written with the sync ``Jexactyl`` client.

IDs are adapted to the fake panel's seed: the Paper egg is egg 1 (the README's panel had it as egg 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pyjexactyl import Jexactyl, PaginatedResponse
from pyjexactyl.exceptions import JexactylApiError

PAPER_EGG_ID = 1


@pytest.fixture
def api(fake_panel_sync: Any) -> Iterator[Jexactyl]:
    client = Jexactyl(fake_panel_sync.url, fake_panel_sync.application_key, backoff_factor=0)
    try:
        yield client
    finally:
        client.close()


def test_layout(api: Jexactyl) -> None:
    for name in ("locations", "nests", "nodes", "servers", "user", "users"):
        assert name in dir(api)
    assert [i for i in dir(api.user) if not i.startswith("_")] == [
        "assign_roles",
        "create_user",
        "delete_user",
        "edit_user",
        "get_resources",
        "get_user_info",
        "list_users",
        "remove_roles",
        "update_resources",
    ]
    assert "rebuild_server" not in dir(api.servers)
    doc = api.servers.create_server.__doc__
    assert doc is not None and doc.startswith("Creates a server")
    assert "Args:" in doc and "# doctest: +SKIP" in doc


def test_create_server_example(api: Jexactyl, fake_panel_sync: Any) -> None:
    # fmt: off
    result = api.servers.create_server(name='My Paper Server', user_id=1, nest_id=1,
                                       egg_id=PAPER_EGG_ID, memory_limit=8000, swap_limit=0,
                                       backup_limit=0, disk_limit=0, location_ids=[1])
    # fmt: on
    assert result["object"] == "server"
    assert result["attributes"]["name"] == "My Paper Server"
    post = fake_panel_sync.requests[-1]
    assert (post.method, post.path, post.status) == ("POST", "/api/application/servers", 201)
    assert post.json["deploy"] == {"locations": [1], "dedicated_ip": False, "port_range": []}
    assert post.json["limits"] == {"memory": 8000, "swap": 0, "disk": 0, "io": 500, "cpu": 0}


def test_create_server_bad_location_example(api: Jexactyl) -> None:
    with pytest.raises(JexactylApiError) as err:
        # fmt: off
        api.servers.create_server(name='My Paper Server', user_id=1, nest_id=1,
                                  egg_id=PAPER_EGG_ID, memory_limit=8000, swap_limit=0,
                                  disk_limit=0, location_ids=[199])
        # fmt: on
    assert str(err.value) == (
        "Bad API Request(400) - NoViableNodeException - No nodes satisfying the requirements specified for "
        "automatic deployment could be found."
    )


def test_user_examples(api: Jexactyl, fake_panel_sync: Any) -> None:
    # fmt: off
    # Create a new user
    result = api.user.create_user('test_user', 'test@gmail.com', 'Test', 'Name')
    # Get the ID of the created user
    user_id = result['attributes']['id']
    # Get the user info, also returned by create_user()
    info = api.user.get_user_info(user_id)
    # fmt: on
    assert info["object"] == "user"
    assert info["attributes"]["id"] == user_id and info["attributes"]["external_id"] is None
    assert info["attributes"] == result["attributes"]
    # Delete the user
    assert api.user.delete_user(user_id=user_id) is None
    assert fake_panel_sync.requests[-1].path == f"/api/application/users/{user_id}"
    assert fake_panel_sync.requests[-1].status == 204


def test_includes_examples(api: Jexactyl, fake_panel_sync: Any) -> None:
    # fmt: off
    nodes = api.nodes.list_nodes(includes=('allocations', 'location'))
    # fmt: on
    assert isinstance(nodes, PaginatedResponse)
    assert nodes[0]["attributes"]["relationships"]["location"]["attributes"]["short"] == "eu1"
    assert fake_panel_sync.requests[-1].query == {"include": ["allocations,location"]}
    # fmt: off
    server = api.servers.get_server_info(
        server_id=1,
        includes=['user', 'subusers', 'location'])
    # fmt: on
    assert set(server["relationships"]) == {"user", "subusers", "location"}
    assert fake_panel_sync.requests[-1].query == {"include": ["user,subusers,location"]}


def test_params_examples(api: Jexactyl, fake_panel_sync: Any) -> None:
    nodes = api.nodes.list_nodes(params={'per_page': 9001})  # fmt: skip
    assert fake_panel_sync.requests[-1].query == {"per_page": ["9001"]}
    assert len(nodes.collect()) == 1
    servers = api.servers.list_servers(params={'per_page': 9001})  # fmt: skip
    assert len(servers.collect()) == 5 and servers.total_pages == 1
    users = api.users.list_users(params={'per_page': 9001})  # fmt: skip
    assert [u["attributes"]["username"] for u in users.collect()] == ["admin", "alice"]
    assert fake_panel_sync.requests[-1].query == {"per_page": ["9001"]}


def test_paginated_allocations_example(api: Jexactyl, fake_panel_sync: Any) -> None:
    node_id = 1
    mark = len(fake_panel_sync.requests)
    # fmt: off
    # Create a list of all ports
    allocs = api.nodes.list_node_allocations(node_id)
    ports = []
    for page in allocs:
        for item in page:
            ports.append(item['attributes']['port'])
    # fmt: on
    assert len(ports) == 151
    assert len(fake_panel_sync.requests[mark:]) == 4  # 50 per page

    allocs = api.nodes.list_node_allocations(node_id)
    ports = allocs.collect()
    assert len(ports) == 151
    assert len(allocs.collect()) == 151  # collect() twice


def test_paginated_allocations_keep_query(api: Jexactyl, fake_panel_sync: Any) -> None:
    mark = len(fake_panel_sync.requests)
    allocs = api.nodes.list_node_allocations(1, includes=["node"], params={"per_page": 10, "filter[ip]": "10.0.0.1"})
    assert len(allocs.collect()) == 151
    pages = list(allocs)
    assert sum(len(p) for p in pages) == 151 and len(pages) == 16
    requests = fake_panel_sync.requests[mark:]
    assert len(requests) == 16  # iterating again re-uses the pages already fetched
    for request in requests:
        assert request.query["per_page"] == ["10"]
        assert request.query["filter[ip]"] == ["10.0.0.1"]
        assert request.query["include"] == ["node"]
