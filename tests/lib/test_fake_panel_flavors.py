"""FakePanel's flavors: Pterodactyl 1.11 (default), Jexactyl v3, Jexactyl v4 and Pelican (§9, §10, §12 of the
contract and the panels' sources), over raw HTTP. The bot's core flows must work on every flavor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.helpers import call

Factory = Callable[..., Awaitable[FakePanel]]
FLAVORS = ("pterodactyl", "jexactyl", "jexactyl4", "pelican")


def base(server: FakeServer) -> str:
    return f"/api/client/servers/{server.identifier}"


@pytest.fixture(params=FLAVORS)
async def panel(request: pytest.FixtureRequest, fake_panel_factory: Factory) -> FakePanel:
    return await fake_panel_factory(flavor=request.param)


# ---------------------------------------------------------------------------- the bot's core flows
async def test_core_flows_on_every_flavor(panel: FakePanel) -> None:
    """link (account), list, details + resources, power, command, backups, admin user create."""
    status, account, _ = await call(panel, "GET", "/api/client/account")
    assert status == 200 and account["attributes"]["username"] == "alice"
    _, listing, _ = await call(panel, "GET", "/api/client")
    names = [s["attributes"]["name"] for s in listing["data"]]
    assert "Survival SMP" in names and listing["meta"]["pagination"]["total"] == 4
    server = panel.server("Creative")
    status, details, _ = await call(panel, "GET", base(server))
    assert status == 200 and details["attributes"]["identifier"] == server.identifier
    assert details["attributes"]["status"] is None
    _, usage, _ = await call(panel, "GET", base(server) + "/resources")
    assert usage["attributes"]["current_state"] == "offline" and usage["attributes"]["is_suspended"] is False
    assert (await call(panel, "POST", base(server) + "/power", json={"signal": "start"}))[0] == 204
    await panel.wait_for(lambda: server.state == "running")
    assert (await call(panel, "POST", base(server) + "/command", json={"command": "say hi"}))[0] == 204
    assert server.console == ["say hi"]
    status, created, _ = await call(panel, "POST", base(server) + "/backups", json={"name": "before"})
    assert status == 200 and created["object"] == "backup"
    uuid = created["attributes"]["uuid"]
    await panel.wait_for(lambda: server.backups[-1].completed_at is not None)
    _, backups, _ = await call(panel, "GET", base(server) + "/backups")
    assert [b["attributes"]["name"] for b in backups["data"]] == ["before"]
    _, link, _ = await call(panel, "GET", f"{base(server)}/backups/{uuid}/download")
    assert link["object"] == "signed_url"
    assert (await call(panel, "POST", base(server) + "/power", json={"signal": "kill"}))[0] == 204
    restore = await call(panel, "POST", f"{base(server)}/backups/{uuid}/restore", json={"truncate": False})
    assert restore[0] == 204
    await panel.wait_for(lambda: server.status is None)
    assert (await call(panel, "DELETE", f"{base(server)}/backups/{uuid}"))[0] == 204
    body: dict[str, Any] = {"email": "new@example.com", "username": "newbie", "first_name": "New", "last_name": "User"}
    status, user, _ = await call(panel, "POST", "/api/application/users", key=panel.application_key, json=body)
    assert status == 201, user
    assert user["attributes"]["username"] == "newbie"
    assert user["meta"]["resource"].endswith(f"/api/application/users/{user['attributes']['id']}")


# ---------------------------------------------------------------------------- keys and limits
@pytest.mark.parametrize(
    ("flavor", "prefixes", "limits"),
    [
        ("pterodactyl", ("ptlc_", "ptla_"), ("720", "240")),
        ("jexactyl", ("ptlc_", "ptla_"), ("720", "240")),
        ("jexactyl4", ("ptlc_", "ptla_"), ("720", "240")),
        ("pelican", ("pacc_", "papp_"), ("256", "256")),
    ],
)
async def test_key_prefixes_and_default_limits(
    fake_panel_factory: Factory, flavor: str, prefixes: tuple[str, str], limits: tuple[str, str]
) -> None:
    panel = await fake_panel_factory(flavor=flavor, client_rate_limit=None, application_rate_limit=None)
    assert (panel.user.client_key[:5], panel.application_key[:5]) == prefixes
    _, _, headers = await call(panel, "GET", "/api/client/account")
    _, _, app_headers = await call(panel, "GET", "/api/application/users", key=panel.application_key)
    assert (headers["X-RateLimit-Limit"], app_headers["X-RateLimit-Limit"]) == limits


# ---------------------------------------------------------------------------- Pelican
@pytest.fixture
async def pelican(fake_panel_factory: Factory) -> FakePanel:
    return await fake_panel_factory(flavor="pelican")


async def test_pelican_client_route_changes(pelican: FakePanel) -> None:
    assert (await call(pelican, "GET", "/api/client/account/two-factor"))[0] == 404
    _, account, _ = await call(pelican, "GET", "/api/client/account")
    assert "id" not in account["attributes"] and account["attributes"]["root_admin"] is False
    _, catalogue, _ = await call(pelican, "GET", "/api/client/permissions")
    assert isinstance(catalogue["attributes"]["permissions"], list)
    assert "control.console" in catalogue["attributes"]["permissions"]
    line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOaXIq09NH4a93EVdrvHYiZ67Wj+GBEBQ9ou4W0qSYm2"
    await call(pelican, "POST", "/api/client/account/ssh-keys", json={"name": "k", "public_key": line})
    fingerprint = "T2b3VnvHWUmfhDOFLqzZg2VfLgqJhWxzrMUy8WZ+V8M"
    status, _, _ = await call(pelican, "POST", "/api/client/account/ssh-keys/remove", json={"fingerprint": fingerprint})
    assert status == 405  # the path matches DELETE /ssh-keys/{fingerprint}
    assert (await call(pelican, "DELETE", f"/api/client/account/ssh-keys/{fingerprint}"))[0] == 204
    assert (await call(pelican, "DELETE", f"/api/client/account/ssh-keys/{fingerprint}"))[0] == 404
    server = pelican.server("Creative")
    server.description = "old"
    rename = {"name": "Renamed", "description": "ignored"}
    assert (await call(pelican, "POST", base(server) + "/settings/rename", json=rename))[0] == 204
    assert (server.name, server.description) == ("Renamed", "old")
    status, _, _ = await call(pelican, "POST", base(server) + "/settings/description", json={"description": "new"})
    assert status == 204 and server.description == "new"
    backup = pelican.add_backup(server, "nightly")
    status, body, _ = await call(
        pelican, "PUT", f"{base(server)}/backups/{backup.uuid}/rename", json={"name": "renamed"}
    )
    assert status == 200 and body["attributes"]["name"] == "renamed"
    status, _, _ = await call(
        pelican, "PUT", "/api/client/account/username", json={"username": "alice2", "password": "password"}
    )
    assert status == 204 and pelican.user.username == "alice2"
    _, details, _ = await call(pelican, "GET", base(server))
    attributes = details["attributes"]
    assert attributes["sftp_details"]["alias"] is None
    assert attributes["limits"]["oom_killer"] is False and attributes["limits"]["oom_disabled"] is True


async def test_pelican_resource_limits_are_per_server(pelican: FakePanel) -> None:
    survival, creative = pelican.server("Survival SMP"), pelican.server("Creative")
    for _ in range(5):
        assert (await call(pelican, "GET", base(survival) + "/websocket"))[0] == 200
    status, _, headers = await call(pelican, "GET", base(survival) + "/websocket")
    assert status == 429 and headers["X-RateLimit-Limit"] == "5"
    assert (await call(pelican, "GET", base(creative) + "/websocket"))[0] == 200


async def test_pelican_application_api(pelican: FakePanel) -> None:
    key = pelican.application_key
    assert (await call(pelican, "GET", "/api/application/nests", key=key))[0] == 404
    assert (await call(pelican, "GET", "/api/application/locations", key=key))[0] == 404
    _, eggs, _ = await call(pelican, "GET", "/api/application/eggs", key=key)
    egg = eggs["data"][0]["attributes"]
    assert egg["name"] == "Paper" and "nest" not in egg and egg["startup_commands"]
    _, one, _ = await call(pelican, "GET", "/api/application/eggs/1", key=key, params={"include": "variables"})
    assert one["attributes"]["relationships"]["variables"]["data"]
    _, user, _ = await call(pelican, "GET", "/api/application/users/2", key=key)
    assert "first_name" not in user["attributes"] and user["attributes"]["2fa_enabled"] is False
    body = {
        "name": "Pelican Server",
        "user": 2,
        "egg": 1,
        "environment": {"SERVER_JARFILE": "server.jar", "BUILD_NUMBER": "latest"},
        "limits": {"memory": 1024, "swap": 0, "disk": 2048, "io": 500, "cpu": 100},
        "feature_limits": {"databases": 0, "backups": 1},
        "oom_killer": True,
        "deploy": {"tags": [], "dedicated_ip": False, "port_range": []},
    }
    status, server, _ = await call(pelican, "POST", "/api/application/servers", key=key, json=body)
    assert status == 201, server
    assert server["attributes"]["container"]["image"] == "ghcr.io/pterodactyl/yolks:java_17"
    assert server["attributes"]["limits"]["oom_killer"] is True and "nest" not in server["attributes"]
    # roles, mounts, plugins, database hosts, transfers
    _, roles, _ = await call(pelican, "GET", "/api/application/roles", key=key)
    assert [r["attributes"]["name"] for r in roles["data"]] == ["Root Admin", "Support"]
    status, _, _ = await call(pelican, "PATCH", "/api/application/users/2/roles/assign", key=key, json={"roles": [2]})
    assert status == 200 and pelican.store.pelican.user_roles[2] == [2]
    mount = {"name": "maps", "source": "/srv/maps", "target": "/maps"}
    status, created, _ = await call(pelican, "POST", "/api/application/mounts", key=key, json=mount)
    assert status == 201 and created["attributes"]["name"] == "maps"
    mount_id = created["attributes"]["id"]
    attach = await call(pelican, "POST", f"/api/application/mounts/{mount_id}/servers", key=key, json={"servers": [1]})
    assert attach[0] == 200
    _, attached, _ = await call(pelican, "GET", f"/api/application/mounts/{mount_id}/servers", key=key)
    assert [s["attributes"]["id"] for s in attached["data"]] == [1]
    assert (await call(pelican, "DELETE", f"/api/application/mounts/{mount_id}", key=key))[0] == 400
    status, plugin, _ = await call(pelican, "POST", "/api/application/plugins/example-plugin/install", key=key)
    assert status == 200 and plugin["attributes"]["meta"]["status"] == "enabled"
    host = {"name": "db2", "host": "10.0.0.3", "port": 3306, "username": "panel"}
    assert (await call(pelican, "POST", "/api/application/database-hosts", key=key, json=host))[0] == 201
    free = next(a for a in pelican.store.allocations.values() if a.server_id is None)
    transfer = {"node_id": 1, "allocation_id": free.id}
    assert (await call(pelican, "POST", "/api/application/servers/2/transfer", key=key, json=transfer))[0] == 204
    assert pelican.server(2).transferring
    assert (await call(pelican, "POST", "/api/application/servers/2/transfer/cancel", key=key))[0] == 204


# ---------------------------------------------------------------------------- Jexactyl v4
@pytest.fixture
async def everest(fake_panel_factory: Factory) -> FakePanel:
    return await fake_panel_factory(flavor="jexactyl4")


async def test_everest_client_changes(everest: FakePanel) -> None:
    _, account, _ = await call(everest, "GET", "/api/client/account")
    assert set(account["attributes"]) == {"id", "admin", "username", "email", "language"}
    server = everest.server("Creative")
    _, details, _ = await call(everest, "GET", base(server))
    attributes = details["attributes"]
    assert "is_suspended" not in attributes and "is_installing" not in attributes and "status" in attributes
    assert attributes["limits"]["oom_killer"] is False and "oom_disabled" not in attributes["limits"]
    assert attributes["invocation"].startswith("java -Xms128M") and "{{SERVER_JARFILE}}" in attributes["invocation"]
    assert "subusers" in attributes["feature_limits"]
    assert (await call(everest, "POST", "/api/client/account/two-factor/disable", json={"password": "x"}))[0] == 404
    status, ticket, _ = await call(
        everest, "POST", "/api/client/account/tickets", json={"title": "Help", "message": "hi"}
    )
    assert status == 200 and ticket["object"] == "ticket"
    everest.user.state = "suspended"
    status, body, _ = await call(everest, "GET", "/api/client/account")
    assert (status, body["errors"][0]["code"]) == (403, "AccessDeniedHttpException")
    assert (await call(everest, "GET", base(server)))[0] == 403
    assert (await call(everest, "GET", "/api/client"))[0] == 200  # the server list is not behind the middleware


async def test_everest_application_changes(everest: FakePanel) -> None:
    key = everest.application_key
    # The path still matches DELETE /servers/{id}/{force?}, so the panel answers 405, not 404.
    assert (await call(everest, "PATCH", "/api/application/servers/2/details", key=key, json={}))[0] == 405
    _, server, _ = await call(everest, "GET", "/api/application/servers/2", key=key)
    attributes = server["attributes"]
    assert attributes["owner_id"] == 2 and "user" not in attributes and "suspended" not in attributes
    update = {"name": "Creative 2", "owner_id": 2, "feature_limits": {"backups": 5}, "limits": {"memory": 2048}}
    status, updated, _ = await call(everest, "PATCH", "/api/application/servers/2", key=key, json=update)
    assert status == 200 and updated["attributes"]["name"] == "Creative 2"
    assert (everest.server(2).memory, everest.server(2).backup_limit) == (2048, 5)
    _, egg, _ = await call(everest, "GET", "/api/application/eggs/1", key=key)
    assert egg["attributes"]["nest_id"] == 1 and "docker_image" not in egg["attributes"]
    assert (await call(everest, "GET", "/api/application/nests/1/eggs/1", key=key))[0] == 404
    _, user, _ = await call(everest, "GET", "/api/application/users/2", key=key)
    assert user["attributes"]["state"] == "active" and "first_name" not in user["attributes"]
    assert (await call(everest, "POST", "/api/application/users/2/suspend", key=key))[0] == 204
    assert everest.user.state == "suspended"
    free = next(a for a in everest.store.allocations.values() if a.server_id is None)
    body = {
        "name": "v4 server",
        "owner_id": 2,
        "node_id": 1,
        "egg_id": 1,
        "image": "ghcr.io/pterodactyl/yolks:java_21",
        "startup": "java -jar server.jar",
        "environment": {"SERVER_JARFILE": "server.jar", "BUILD_NUMBER": "latest"},
        "limits": {"memory": 1024, "swap": 0, "disk": 1024, "io": 500, "cpu": 100, "oom_killer": True},
        "feature_limits": {"databases": 0, "backups": 0, "allocations": 1, "subusers": 2},
        "allocation": {"default": free.id},
        "skip_scripts": False,
    }
    status, created, _ = await call(everest, "POST", "/api/application/servers", key=key, json=body)
    assert status == 201, created
    assert created["attributes"]["feature_limits"]["subusers"] == 2
    assert created["attributes"]["limits"]["oom_killer"] is True
