"""FakePanel application API (``/api/application``)."""

from __future__ import annotations

from typing import Any

from pyjexactyl.testing import FakePanel
from tests.lib import helpers

APP = "/api/application"


async def call(
    panel: FakePanel, method: str, path: str, *, key: str | None = None, **kwargs: Any
) -> tuple[int, Any, Any]:
    """One raw request to ``/api/application`` + ``path`` (with the application key unless ``key`` is given)."""
    return await helpers.call(panel, method, APP + path, key=key or panel.application_key, **kwargs)


USER_KEYS = [
    "id",
    "external_id",
    "uuid",
    "username",
    "email",
    "first_name",
    "last_name",
    "language",
    "root_admin",
    "2fa",
    "created_at",
    "updated_at",
]


def new_user(**overrides: Any) -> dict[str, Any]:
    return {"email": "carol@example.com", "username": "carol", "first_name": "Carol", "last_name": "Jones", **overrides}


# ---------------------------------------------------------------------------------------- users
async def test_users_list_pagination_links_carry_only_page(fake_panel: FakePanel) -> None:
    panel = fake_panel
    for index in range(3):
        panel.add_user(f"user{index}")
    status, body, _ = await call(panel, "GET", "/users", params={"per_page": "2", "page": "2", "sort": "-id"})
    assert status == 200
    assert body["meta"]["pagination"] == {
        "total": 5,
        "count": 2,
        "per_page": 2,
        "current_page": 2,
        "total_pages": 3,
        "links": {"previous": f"{panel.url}{APP}/users?page=1", "next": f"{panel.url}{APP}/users?page=3"},
    }
    assert [u["attributes"]["id"] for u in body["data"]] == [3, 2]
    assert list(body["data"][0]["attributes"]) == USER_KEYS


async def test_users_filter_include_and_errors(fake_panel: FakePanel) -> None:
    panel = fake_panel
    _, body, _ = await call(panel, "GET", "/users", params={"filter[email]": "ALICE@"})
    assert [u["attributes"]["username"] for u in body["data"]] == ["alice"]
    _, body, _ = await call(panel, "GET", "/users/2", params={"include": "servers"})
    servers = body["attributes"]["relationships"]["servers"]["data"]
    assert len(servers) == 4 and servers[0]["object"] == "server"
    status, body, _ = await call(panel, "GET", "/users", params={"filter[password]": "x"})
    assert status == 400 and body["errors"][0]["code"] == "InvalidFilterQuery"
    status, body, _ = await call(panel, "GET", "/users", params={"sort": "email"})
    assert status == 400 and body["errors"][0]["code"] == "InvalidSortQuery"
    status, body, _ = await call(panel, "GET", "/users/999")
    assert (status, body["errors"][0]["detail"]) == (404, "The requested resource could not be found on the server.")


async def test_create_user_and_external_lookup(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, body, _ = await call(panel, "POST", "/users", json=new_user(external_id="whmcs-7"))
    assert status == 201
    assert body["attributes"]["username"] == "carol" and body["attributes"]["root_admin"] is False
    user_id = body["attributes"]["id"]
    assert body["meta"] == {"resource": f"{panel.url}{APP}/users/{user_id}"}
    status, body, _ = await call(panel, "GET", "/users/external/whmcs-7")
    assert status == 200 and body["attributes"]["id"] == user_id
    status, body, _ = await call(panel, "GET", "/users/external/nope")
    assert status == 404
    status, body, _ = await call(panel, "POST", "/users", json=new_user(external_id="whmcs-7"))
    assert status == 422
    assert [(e["meta"]["source_field"], e["meta"]["rule"]) for e in body["errors"]] == [
        ("email", "unique"),
        ("external_id", "unique"),
        ("username", "unique"),
    ]
    assert body["errors"][0]["detail"] == "The email has already been taken."
    status, body, _ = await call(panel, "POST", "/users", json={})
    assert [e["meta"]["source_field"] for e in body["errors"]] == ["email", "username", "first_name", "last_name"]
    assert body["errors"][2]["detail"] == "The first name field is required."
    status, body, _ = await call(panel, "PATCH", f"/users/{user_id}", json=new_user(first_name="Caroline"))
    assert status == 200 and body["attributes"]["first_name"] == "Caroline"
    status, _, _ = await call(panel, "DELETE", f"/users/{user_id}")
    assert status == 204
    status, body, _ = await call(panel, "DELETE", "/users/2")
    assert status == 400 and body["errors"][0]["code"] == "DisplayException"


async def test_application_key_acl(fake_panel: FakePanel) -> None:
    panel = fake_panel
    limited = panel.add_api_key(panel.admin, kind="application", permissions={"users": 1, "servers": 0})
    assert (await call(panel, "GET", "/users", key=limited))[0] == 200
    status, body, _ = await call(panel, "POST", "/users", key=limited, json=new_user())
    assert (status, body["errors"][0]["detail"]) == (403, "This action is unauthorized.")
    assert (await call(panel, "GET", "/servers", key=limited))[0] == 403


# ---------------------------------------------------------------------------------- servers
def server_body(panel: FakePanel, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "New",
        "user": panel.user.id,
        "egg": 1,
        "docker_image": "ghcr.io/pterodactyl/yolks:java_17",
        "startup": "java -jar {{SERVER_JARFILE}}",
        "environment": {"SERVER_JARFILE": "server.jar", "BUILD_NUMBER": "latest"},
        "limits": {"memory": 1024, "swap": 0, "disk": 2048, "io": 500, "cpu": 100},
        "feature_limits": {"databases": 1, "backups": 2, "allocations": 1},
    }
    body.update(overrides)
    return body


async def test_create_server_with_allocation(fake_panel: FakePanel) -> None:
    panel = fake_panel
    free = next(a for a in panel.store.allocations.values() if a.server_id is None)
    status, body, _ = await call(panel, "POST", "/servers", json=server_body(panel, allocation={"default": free.id}))
    assert status == 201 and "meta" not in body
    attributes = body["attributes"]
    assert attributes["allocation"] == free.id and attributes["status"] == "installing"
    assert attributes["container"]["environment"]["SERVER_JARFILE"] == "server.jar"
    assert attributes["container"]["environment"]["P_SERVER_LOCATION"] == "eu1"
    assert attributes["feature_limits"] == {"databases": 1, "allocations": 1, "backups": 2}
    status, body, _ = await call(panel, "POST", "/servers", json=server_body(panel, allocation={"default": free.id}))
    assert status == 422 and body["errors"][0]["meta"] == {"source_field": "allocation.default", "rule": "exists"}


async def test_create_server_validation(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, body, _ = await call(panel, "POST", "/servers", json={})
    fields = [e["meta"]["source_field"] for e in body["errors"]]
    assert status == 422
    assert fields[:5] == ["name", "user", "egg", "docker_image", "startup"]
    assert "limits" in fields and "feature_limits" in fields and "allocation.default" in fields
    env = {"SERVER_JARFILE": "a-much-too-long-jar-file-name.jar", "BUILD_NUMBER": "latest"}
    status, body, _ = await call(
        panel,
        "POST",
        "/servers",
        json=server_body(panel, environment=env, deploy={"locations": [1], "dedicated_ip": False, "port_range": []}),
    )
    assert status == 422
    assert body["errors"] == [
        {
            "code": "ValidationException",
            "status": "422",
            "detail": "The Server Jar File variable may not be greater than 20 characters.",
            "meta": {"source_field": "environment.SERVER_JARFILE", "rule": "max"},
        }
    ]


async def test_create_server_deploy(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, body, _ = await call(
        panel,
        "POST",
        "/servers",
        json=server_body(panel, deploy={"locations": [99], "dedicated_ip": False, "port_range": []}),
    )
    assert (status, body) == (
        400,
        {
            "errors": [
                {
                    "code": "NoViableNodeException",
                    "status": "400",
                    "detail": "No nodes satisfying the requirements specified for automatic deployment could be found.",
                }
            ]
        },
    )
    status, body, _ = await call(
        panel,
        "POST",
        "/servers",
        json=server_body(panel, deploy={"locations": [1], "dedicated_ip": False, "port_range": ["25700-25710"]}),
    )
    assert status == 201
    port = panel.store.allocations[body["attributes"]["allocation"]].port
    assert 25700 <= port <= 25710


async def test_servers_list_get_external_and_actions(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.add_server(panel.user, "External", external_id="ext-1")
    _, body, _ = await call(panel, "GET", "/servers", params={"filter[name]": "extern", "include": "allocations,user"})
    assert len(body["data"]) == 1
    relationships = body["data"][0]["attributes"]["relationships"]
    assert relationships["user"]["attributes"]["username"] == "alice"
    assert relationships["allocations"]["data"][0]["attributes"]["assigned"] is True
    status, body, _ = await call(panel, "GET", "/servers/external/ext-1")
    assert status == 200 and body["attributes"]["id"] == server.id
    assert (await call(panel, "GET", "/servers", params={"include": "transfer"}))[0] == 500
    assert (await call(panel, "POST", f"/servers/{server.id}/suspend"))[0] == 204
    assert server.suspended
    assert (await call(panel, "POST", f"/servers/{server.id}/unsuspend"))[0] == 204
    assert server.status is None
    status, body, _ = await call(
        panel, "PATCH", f"/servers/{server.id}/details", json={"name": "Renamed", "user": panel.admin.id}
    )
    assert status == 200 and body["attributes"]["name"] == "Renamed" and body["attributes"]["user"] == 1
    status, body, _ = await call(
        panel,
        "PATCH",
        f"/servers/{server.id}/build",
        json={
            "allocation": server.allocation_id,
            "memory": 2048,
            "swap": 0,
            "disk": 4096,
            "io": 500,
            "cpu": 50,
            "feature_limits": {"databases": 0, "allocations": 0, "backups": 5},
        },
    )
    assert status == 200 and body["attributes"]["limits"]["memory"] == 2048
    assert body["attributes"]["feature_limits"]["backups"] == 5
    assert (await call(panel, "DELETE", f"/servers/{server.id}/force"))[0] == 204
    assert (await call(panel, "GET", f"/servers/{server.id}"))[0] == 404


async def test_server_databases(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, body, _ = await call(
        panel, "POST", "/servers/2/databases", json={"database": "shop", "remote": "%", "host": 1}
    )
    assert status == 201 and body["attributes"]["database"] == "s2_shop"
    db_id = body["attributes"]["id"]
    assert body["meta"]["resource"] == f"{panel.url}{APP}/servers/2/databases/{db_id}"
    status, body, _ = await call(panel, "GET", "/servers/2/databases", params={"include": "password,host"})
    assert "meta" not in body
    assert set(body["data"][0]["attributes"]["relationships"]) == {"password", "host"}
    assert (await call(panel, "POST", f"/servers/2/databases/{db_id}/reset-password"))[0] == 204
    assert (await call(panel, "DELETE", f"/servers/2/databases/{db_id}"))[0] == 204
    assert (await call(panel, "GET", f"/servers/2/databases/{db_id}"))[0] == 404


# ---------------------------------------------------------------------------------- nodes
async def test_node_allocations_paginated(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, body, _ = await call(panel, "GET", "/nodes/1/allocations")
    pagination = body["meta"]["pagination"]
    assert (status, pagination["total"], pagination["per_page"], pagination["total_pages"]) == (200, 151, 50, 4)
    assert pagination["links"] == {"next": f"{panel.url}{APP}/nodes/1/allocations?page=2"}
    seen: list[int] = []
    for page in range(1, 5):
        _, body, _ = await call(panel, "GET", "/nodes/1/allocations", params={"page": str(page)})
        seen += [a["attributes"]["port"] for a in body["data"]]
    assert seen == list(range(25565, 25716))
    assert body["data"][0]["attributes"] == {
        "id": 151,
        "ip": "10.0.0.1",
        "alias": None,
        "port": 25715,
        "notes": None,
        "assigned": False,
    }
    _, body, _ = await call(panel, "GET", "/nodes/1/allocations", params={"filter[server_id]": "", "per_page": "500"})
    assert body["meta"]["pagination"]["total"] == 151 - 6
    _, body, _ = await call(panel, "GET", "/nodes/1/allocations", params={"filter[server_id]": "1"})
    assert [a["attributes"]["port"] for a in body["data"]] == [25565, 25566]


async def test_nodes_and_allocations_admin(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, body, _ = await call(panel, "GET", "/nodes/1/configuration")
    assert status == 200 and "object" not in body and body["api"]["port"] == 8080
    assert body["remote"] == panel.url
    node = {
        "name": "Node 02",
        "location_id": 1,
        "fqdn": "node02.example.com",
        "scheme": "https",
        "memory": 1024,
        "memory_overallocate": 0,
        "disk": 1024,
        "disk_overallocate": 0,
        "daemon_listen": 8080,
        "daemon_sftp": 2022,
    }
    status, body, _ = await call(panel, "POST", "/nodes", json=node)
    assert status == 201 and body["meta"]["resource"] == f"{panel.url}{APP}/nodes/2"
    status, body, _ = await call(
        panel, "POST", "/nodes/2/allocations", json={"ip": "10.0.0.9", "ports": ["3000-3002", "4000"]}
    )
    assert (status, body) == (204, None)
    _, body, _ = await call(panel, "GET", "/nodes/2/allocations")
    assert [a["attributes"]["port"] for a in body["data"]] == [3000, 3001, 3002, 4000]
    status, body, _ = await call(panel, "POST", "/nodes/2/allocations", json={"ip": "10.0.0.9", "ports": ["80"]})
    assert (status, body["errors"][0]["code"]) == (400, "PortOutOfRangeException")
    allocation_id = body and (await call(panel, "GET", "/nodes/2/allocations"))[1]["data"][0]["attributes"]["id"]
    assert (await call(panel, "DELETE", f"/nodes/2/allocations/{allocation_id}"))[0] == 204
    status, body, _ = await call(panel, "DELETE", "/nodes/1")
    assert (status, body["errors"][0]["code"]) == (400, "HasActiveServersException")
    status, body, _ = await call(panel, "GET", "/nodes/deployable", params={"memory": "1024", "disk": "1024"})
    assert status == 200 and "meta" not in body and "sum_memory" in body["data"][0]["attributes"]
    status, body, _ = await call(panel, "GET", "/nodes/deployable", params={"memory": "99999999", "disk": "1"})
    assert (status, body["errors"][0]["code"]) == (400, "NoViableNodeException")


async def test_locations_nests_and_eggs(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, body, _ = await call(panel, "POST", "/locations", json={"short": "us1", "long": "USA"})
    assert status == 201 and body["meta"]["resource"] == f"{panel.url}{APP}/locations/2"
    status, body, _ = await call(panel, "POST", "/locations", json={"short": "us1"})
    assert status == 422 and body["errors"][0]["meta"]["rule"] == "unique"
    status, body, _ = await call(panel, "DELETE", "/locations/1")
    assert (status, body["errors"][0]["code"]) == (400, "HasActiveNodesException")
    assert (await call(panel, "DELETE", "/locations/2"))[0] == 204
    _, body, _ = await call(panel, "GET", "/nests")
    assert body["meta"]["pagination"]["total"] == 1
    _, body, _ = await call(panel, "GET", "/nests/1/eggs", params={"include": "variables"})
    assert "meta" not in body
    egg = body["data"][0]["attributes"]
    assert egg["docker_images"]["Java 17"] == "ghcr.io/pterodactyl/yolks:java_17"
    variables = egg["relationships"]["variables"]["data"]
    assert variables[0]["attributes"]["env_variable"] == "SERVER_JARFILE"
    assert variables[0]["attributes"]["created_at"].endswith(".000000Z")
    assert (await call(panel, "GET", "/nests/1/eggs/1"))[0] == 200
    assert (await call(panel, "GET", "/nests/1/eggs/9"))[0] == 404
