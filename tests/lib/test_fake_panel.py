"""FakePanel over real HTTP: the seed, envelopes and pagination, authentication, access and subuser permissions
(power, commands and the request record: ``test_fake_panel_power.py``)."""

from __future__ import annotations

from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.helpers import call, error


def srv(panel: FakePanel, name: str) -> FakeServer:
    return panel.server(name)


CLIENT_SERVER_KEYS = [
    "server_owner",
    "identifier",
    "internal_id",
    "uuid",
    "name",
    "node",
    "is_node_under_maintenance",
    "sftp_details",
    "description",
    "limits",
    "invocation",
    "docker_image",
    "egg_features",
    "feature_limits",
    "status",
    "is_suspended",
    "is_installing",
    "is_transferring",
    "relationships",
]


# ------------------------------------------------------------------------------------------ seed
def test_seed_contents() -> None:
    panel = FakePanel()
    assert panel.admin.root_admin and not panel.user.root_admin
    assert (panel.admin.id, panel.user.id) == (1, 2)
    for key in (panel.admin.client_key, panel.user.client_key):
        assert len(key) == 48 and key.startswith("ptlc_")
    assert len(panel.application_key) == 48 and panel.application_key.startswith("ptla_")
    states = {s.name: (s.owner_id, s.state, s.status) for s in panel.servers}
    assert states == {
        "Survival SMP": (2, "running", None),
        "Creative": (2, "offline", None),
        "Suspended Server": (2, "offline", "suspended"),
        "Installing Server": (2, "offline", "installing"),
        "Admin Server": (1, "offline", None),
    }
    server = panel.server(1)
    assert len(server.identifier) == 8 and server.uuid.startswith(server.identifier)
    assert panel.server(server.identifier) is server and panel.server(server.uuid) is server
    assert len(panel.store.allocations) == 151


# ---------------------------------------------------------------------------------- envelopes
async def test_server_list_pagination_and_links(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, body, headers = await call(panel, "GET", "/api/client", params={"per_page": "1"})
    assert status == 200
    assert headers["X-RateLimit-Limit"] == "720" and headers["X-RateLimit-Remaining"] == "719"
    assert body["object"] == "list" and len(body["data"]) == 1
    assert body["meta"]["pagination"] == {
        "total": 4,
        "count": 1,
        "per_page": 1,
        "current_page": 1,
        "total_pages": 4,
        "links": {"next": f"{panel.url}/api/client?per_page=1&page=2"},
    }
    item = body["data"][0]
    assert item["object"] == "server"
    assert list(item["attributes"]) == CLIENT_SERVER_KEYS
    assert set(item["attributes"]["relationships"]) == {"allocations", "variables"}

    status, body, _ = await call(panel, "GET", "/api/client", params={"per_page": "1", "page": "2"})
    assert body["meta"]["pagination"]["links"] == {
        "previous": f"{panel.url}/api/client?per_page=1&page=1",
        "next": f"{panel.url}/api/client?per_page=1&page=3",
    }
    status, body, _ = await call(panel, "GET", "/api/client", params={"page": "9"})
    assert body["data"] == []
    assert body["meta"]["pagination"]["current_page"] == 9
    assert body["meta"]["pagination"]["links"] == {"previous": f"{panel.url}/api/client?page=8"}

    status, body, _ = await call(panel, "GET", "/api/client")
    assert body["meta"]["pagination"]["links"] == {}
    assert body["meta"]["pagination"]["per_page"] == 50

    # Client links keep every query parameter, RFC3986-encoded.
    status, body, _ = await call(panel, "GET", "/api/client?filter[name]=e&per_page=1&include=egg")
    assert body["meta"]["pagination"]["links"]["next"] == (
        f"{panel.url}/api/client?filter%5Bname%5D=e&per_page=1&include=egg&page=2"
    )
    assert "egg" in body["data"][0]["attributes"]["relationships"]

    status, body, _ = await call(panel, "GET", "/api/client", params={"per_page": "500"})
    assert body["meta"]["pagination"]["per_page"] == 100


async def test_server_list_filters_and_types(fake_panel: FakePanel) -> None:
    panel = fake_panel
    _, body, _ = await call(panel, "GET", "/api/client", params={"filter[name]": "creat"})
    assert [s["attributes"]["name"] for s in body["data"]] == ["Creative"]
    creative = panel.server("Creative")
    _, body, _ = await call(panel, "GET", "/api/client", params={"filter[*]": creative.identifier})
    assert [s["attributes"]["name"] for s in body["data"]] == ["Creative"]
    _, body, _ = await call(panel, "GET", "/api/client", params={"filter[*]": "10.0.0.1:25566"})
    assert [s["attributes"]["name"] for s in body["data"]] == ["Survival SMP"]
    status, body, _ = await call(panel, "GET", "/api/client", params={"filter[ip]": "x"})
    assert status == 400 and body["errors"][0]["code"] == "InvalidFilterQuery"
    _, body, _ = await call(panel, "GET", "/api/client", params={"type": "admin-all"}, key=panel.admin)
    assert body["meta"]["pagination"]["total"] == 5
    _, body, _ = await call(panel, "GET", "/api/client", params={"type": "admin"}, key=panel.admin)
    assert body["meta"]["pagination"]["total"] == 4
    _, body, _ = await call(panel, "GET", "/api/client", params={"type": "admin"})
    assert body["data"] == []


async def test_server_details_meta_and_includes(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Survival SMP")
    status, body, _ = await call(panel, "GET", f"/api/client/servers/{server.identifier}?include=egg,subusers")
    assert status == 200
    attributes = body["attributes"]
    assert attributes["identifier"] == server.identifier and attributes["internal_id"] == server.id
    assert attributes["relationships"]["egg"] == {
        "object": "egg",
        "attributes": {"uuid": panel.store.eggs[1].uuid, "name": "Paper"},
    }
    assert attributes["relationships"]["subusers"] == {"object": "list", "data": []}
    allocations = attributes["relationships"]["allocations"]["data"]
    assert [a["attributes"]["port"] for a in allocations] == [25565, 25566]
    assert allocations[0]["attributes"]["is_default"] is True
    assert body["meta"] == {"is_server_owner": True, "user_permissions": ["*"]}
    _, body, _ = await call(panel, "GET", f"/api/client/servers/{server.uuid}", key=panel.admin)
    assert body["meta"]["user_permissions"][0] == "*" and "admin.websocket.errors" in body["meta"]["user_permissions"]


async def test_unpaginated_list_has_no_meta(fake_panel: FakePanel) -> None:
    server = fake_panel.server("Survival SMP")
    status, body, _ = await call(fake_panel, "GET", f"/api/client/servers/{server.identifier}/network/allocations")
    assert status == 200 and set(body) == {"object", "data"}
    assert body["data"][1]["attributes"] == {
        "id": 2,
        "ip": "10.0.0.1",
        "ip_alias": None,
        "port": 25566,
        "notes": "Dynmap",
        "is_default": False,
    }


# ---------------------------------------------------------------------------------- auth
async def test_authentication_errors(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, body, headers = await call(panel, "GET", "/api/client", headers={"Accept": "application/json"}, auth=False)
    assert (status, body) == (401, error(401, "AuthenticationException", "Unauthenticated."))
    assert "X-RateLimit-Limit" not in headers
    status, body, _ = await call(panel, "GET", "/api/client", key="ptlc_" + "x" * 43)
    assert status == 401
    status, body, _ = await call(panel, "GET", "/api/client", key=panel.user.client_key[:-1])
    assert status == 401
    status, body, _ = await call(panel, "GET", "/api/client", key=panel.application_key)
    assert (status, body) == (
        403,
        error(
            403,
            "AccessDeniedHttpException",
            "You are attempting to use an application API key on an endpoint that requires a client API key.",
        ),
    )
    status, body, _ = await call(panel, "GET", "/api/application/users", key=panel.user)
    assert (status, body) == (
        403,
        error(403, "AccessDeniedHttpException", "This account does not have permission to access the API."),
    )
    status, body, _ = await call(panel, "GET", "/api/application/users", key=panel.admin)
    assert status == 200 and body["meta"]["pagination"]["total"] == 2
    status, body, _ = await call(panel, "GET", "/api/application/users", key=panel.application_key)
    assert status == 200


async def test_unknown_route_and_wrong_method(fake_panel: FakePanel) -> None:
    status, body, _ = await call(
        fake_panel, "GET", "/api/client/nope", headers={"Accept": "application/json"}, auth=False
    )
    assert (status, body) == (404, error(404, "NotFoundHttpException", "The route api/client/nope could not be found."))
    status, body, _ = await call(fake_panel, "DELETE", "/api/client/account")
    assert status == 405 and body["errors"][0]["code"] == "MethodNotAllowedHttpException"
    assert body["errors"][0]["detail"] == (
        "The DELETE method is not supported for route api/client/account. Supported methods: GET, HEAD."
    )


async def test_without_accept_json_errors_become_redirects_and_html(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, _, headers = await call(panel, "GET", "/api/client", headers={}, auth=False)
    assert status == 302 and headers["Location"] == f"{panel.url}/auth/login"
    status, body, headers = await call(panel, "GET", "/api/client/nope", headers={"Accept": "text/html"}, auth=False)
    assert status == 404 and headers["Content-Type"].startswith("text/html") and "<html" in body
    auth = {"Authorization": f"Bearer {panel.user.client_key}"}
    status, body, _ = await call(panel, "GET", "/api/client/account", headers=auth, auth=False)
    assert status == 200 and body["attributes"]["username"] == "alice"  # success stays JSON


async def test_malformed_json_body(fake_panel: FakePanel) -> None:
    server = fake_panel.server("Creative")
    status, body, _ = await call(
        fake_panel,
        "POST",
        f"/api/client/servers/{server.identifier}/power",
        data=b"{nope",
        headers={**fake_panel.auth_headers(), "Content-Type": "application/json"},
    )
    assert status == 400 and body["errors"][0]["code"] == "BadRequestHttpException"
    assert body["errors"][0]["detail"].startswith("The JSON data passed in the request appears to be malformed:")


# ---------------------------------------------------------------------------------- access
async def test_inaccessible_server_is_404_not_403(fake_panel: FakePanel) -> None:
    panel = fake_panel
    admin_server = panel.server("Admin Server")
    status, body, _ = await call(panel, "GET", f"/api/client/servers/{admin_server.identifier}")
    assert (status, body) == (
        404,
        error(404, "NotFoundHttpException", "The requested resource does not exist on this server."),
    )
    status, body, _ = await call(panel, "POST", f"/api/client/servers/{admin_server.uuid}/power", json={"signal": "x"})
    assert status == 404
    status, body, _ = await call(panel, "GET", "/api/client/servers/deadbeef")
    assert (status, body) == (
        404,
        error(404, "NotFoundHttpException", "The requested resource could not be found on the server."),
    )


async def test_subuser_permissions(fake_panel: FakePanel) -> None:
    panel = fake_panel
    bob = panel.add_user("bob")
    server = panel.server("Creative")
    panel.add_subuser(server, bob, ["control.console", "control.start"])
    base = f"/api/client/servers/{server.identifier}"
    status, body, _ = await call(panel, "GET", base, key=bob)
    assert status == 200 and body["meta"] == {
        "is_server_owner": False,
        "user_permissions": ["control.console", "control.start", "websocket.connect"],
    }
    assert body["attributes"]["relationships"]["variables"] == {"object": "null_resource", "attributes": None}
    assert "[hidden]" in body["attributes"]["invocation"]
    status, body, _ = await call(panel, "GET", base + "/backups", key=bob)
    assert (status, body) == (403, error(403, "AccessDeniedHttpException", "This action is unauthorized."))
    status, _, _ = await call(panel, "POST", base + "/power", key=bob, json={"signal": "stop"})
    assert status == 403
    # An invalid signal: 403 for a subuser, 422 for the owner.
    status, _, _ = await call(panel, "POST", base + "/power", key=bob, json={"signal": "explode"})
    assert status == 403
    status, body, _ = await call(panel, "POST", base + "/power", json={"signal": "explode"})
    assert status == 422
    assert body["errors"] == [
        {
            "code": "ValidationException",
            "status": "422",
            "detail": "The selected signal is invalid.",
            "meta": {"source_field": "signal", "rule": "in"},
        }
    ]
    status, _, _ = await call(panel, "POST", base + "/power", key=bob, json={"signal": "start"})
    assert status == 204
    _, body, _ = await call(panel, "GET", "/api/client", key=bob)
    assert [s["attributes"]["name"] for s in body["data"]] == ["Creative"]
    assert body["data"][0]["attributes"]["server_owner"] is False
