"""FakePanel client API beyond power and backups: account, files, schedules, subusers, databases..."""

from __future__ import annotations

import base64
import os
import struct

from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.helpers import call


def base(server: FakeServer) -> str:
    return f"/api/client/servers/{server.identifier}"


# ---------------------------------------------------------------------------------- account
async def test_account_and_permissions(fake_panel: FakePanel) -> None:
    panel = fake_panel
    _, body, _ = await call(panel, "GET", "/api/client/account")
    assert body == {
        "object": "user",
        "attributes": {
            "id": 2,
            "admin": False,
            "username": "alice",
            "email": "alice@example.com",
            "first_name": "Alice",
            "last_name": "Liddell",
            "language": "en",
        },
    }
    _, body, _ = await call(panel, "GET", "/api/client/permissions")
    assert body["object"] == "system_permissions"
    assert "console" in body["attributes"]["permissions"]["control"]["keys"]
    status, body, _ = await call(
        panel, "PUT", "/api/client/account/email", json={"email": "x@example.com", "password": "no"}
    )
    assert (status, body["errors"][0]["code"]) == (400, "InvalidPasswordProvidedException")
    status, body, _ = await call(
        panel, "PUT", "/api/client/account/email", json={"email": "admin@example.com", "password": "password"}
    )
    assert status == 422 and body["errors"][0]["meta"]["rule"] == "unique"
    status, _, _ = await call(
        panel, "PUT", "/api/client/account/email", json={"email": "new@example.com", "password": "password"}
    )
    assert status == 204 and panel.user.email == "new@example.com"
    status, body, _ = await call(
        panel,
        "PUT",
        "/api/client/account/password",
        json={"current_password": "password", "password": "longer-pass", "password_confirmation": "nope"},
    )
    assert status == 422 and body["errors"][0]["detail"] == "The password confirmation does not match."
    _, body, _ = await call(panel, "GET", "/api/client/account/activity")
    assert body["data"][0]["attributes"]["event"] == "user:account.email-changed"
    assert body["meta"]["pagination"]["per_page"] == 25
    status, body, _ = await call(panel, "GET", "/api/client/account/activity", params={"filter[ip]": "1.2.3.4"})
    assert (status, body["errors"][0]["detail"]) == (
        400,
        "Requested filter(s) `ip` are not allowed. Allowed filter(s) are `event`.",
    )


async def test_api_keys(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, body, _ = await call(panel, "POST", "/api/client/account/api-keys", json={"description": ""})
    assert status == 422 and body["errors"][0]["meta"] == {"source_field": "description", "rule": "required"}
    status, body, _ = await call(
        panel, "POST", "/api/client/account/api-keys", json={"description": "bot", "allowed_ips": []}
    )
    assert status == 200 and body["object"] == "api_key"
    identifier, secret = body["attributes"]["identifier"], body["meta"]["secret_token"]
    assert identifier.startswith("ptlc_") and len(identifier) == 16 and len(secret) == 32
    assert (await call(panel, "GET", "/api/client/account", key=identifier + secret))[0] == 200
    _, body, _ = await call(panel, "GET", "/api/client/account/api-keys")
    assert "meta" not in body and len(body["data"]) == 2
    assert (await call(panel, "DELETE", f"/api/client/account/api-keys/{identifier}"))[0] == 204
    assert (await call(panel, "GET", "/api/client/account", key=identifier + secret))[0] == 401
    assert (await call(panel, "DELETE", "/api/client/account/api-keys/ptlc_nothere0000"))[0] == 404
    restricted = panel.add_api_key(panel.user, allowed_ips=["10.1.2.3"])
    status, body, _ = await call(panel, "GET", "/api/client/account", key=restricted)
    assert (
        status == 403
        and "does not have permission to access the API using these credentials" in body["errors"][0]["detail"]
    )


def _ed25519_line() -> str:
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + os.urandom(32)
    return "ssh-ed25519 " + base64.b64encode(blob).decode() + " me@host"


async def test_ssh_keys(fake_panel: FakePanel) -> None:
    panel = fake_panel
    line = _ed25519_line()
    status, body, _ = await call(
        panel, "POST", "/api/client/account/ssh-keys", json={"name": "laptop", "public_key": line}
    )
    assert status == 200 and len(body["attributes"]["fingerprint"]) == 43  # bare base64, no "SHA256:"
    assert body["attributes"]["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    status, body, _ = await call(
        panel, "POST", "/api/client/account/ssh-keys", json={"name": "again", "public_key": line}
    )
    assert status == 422 and body["errors"][0]["meta"]["source_field"] == "public_key"
    status, body, _ = await call(
        panel, "POST", "/api/client/account/ssh-keys", json={"name": "x", "public_key": "junk"}
    )
    assert (status, body["errors"][0]["detail"]) == (422, "The public key provided is not valid.")
    _, listing, _ = await call(panel, "GET", "/api/client/account/ssh-keys")
    fingerprint = listing["data"][0]["attributes"]["fingerprint"]
    assert (await call(panel, "POST", "/api/client/account/ssh-keys/remove", json={"fingerprint": fingerprint}))[
        0
    ] == 204
    _, listing, _ = await call(panel, "GET", "/api/client/account/ssh-keys")
    assert listing["data"] == []


async def test_two_factor(fake_panel: FakePanel) -> None:
    panel = fake_panel
    status, body, _ = await call(panel, "GET", "/api/client/account/two-factor")
    assert status == 200 and body["data"]["image_url_data"].startswith("otpauth://totp/")
    status, body, _ = await call(
        panel, "POST", "/api/client/account/two-factor", json={"code": "000000", "password": "password"}
    )
    if status == 400:  # a random code could, in theory, be right
        assert body["errors"][0]["code"] == "TwoFactorAuthenticationTokenInvalid"
    code = panel.totp_code(panel.user)
    status, body, _ = await call(
        panel, "POST", "/api/client/account/two-factor", json={"code": code, "password": "password"}
    )
    assert status == 200 and len(body["attributes"]["tokens"]) == 10
    assert panel.user.totp_enabled
    status, body, _ = await call(panel, "POST", "/api/client/account/two-factor/disable", json={"password": "bad"})
    assert (status, body["errors"][0]["detail"]) == (400, "The password provided was not valid.")
    assert (await call(panel, "POST", "/api/client/account/two-factor/disable", json={"password": "password"}))[
        0
    ] == 204
    assert not panel.user.totp_enabled


# ---------------------------------------------------------------------------------- files
async def test_files(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Creative")
    status, body, _ = await call(panel, "GET", base(server) + "/files/list")
    assert status == 200 and "meta" not in body
    names = [f["attributes"]["name"] for f in body["data"]]
    assert names[:2] == ["logs", "plugins"] and "server.properties" in names
    entry = body["data"][0]["attributes"]
    assert entry["is_file"] is False and entry["mimetype"] == "inode/directory" and entry["mode"] == "drwxr-xr-x"
    status, body, _ = await call(
        panel,
        "POST",
        base(server) + "/files/write",
        params={"file": "/config/app.yml"},
        data=b"key: value\n",
        headers={**panel.auth_headers(), "Content-Type": "text/plain"},
    )
    assert (status, body) == (204, None)
    status, body, headers = await call(
        panel, "GET", base(server) + "/files/contents", params={"file": "config/app.yml"}
    )
    assert (status, body) == (200, "key: value\n") and headers["Content-Type"].startswith("text/plain")
    status, body, _ = await call(panel, "GET", base(server) + "/files/contents", params={"file": "/missing"})
    assert (status, body["errors"][0]["code"]) == (404, "DaemonConnectionException")
    status, body, _ = await call(panel, "GET", base(server) + "/files/contents")
    assert status == 422
    rename = {"root": "/config", "files": [{"from": "app.yml", "to": "renamed.yml"}]}
    assert (await call(panel, "PUT", base(server) + "/files/rename", json=rename))[0] == 204
    assert "/config/renamed.yml" in server.files
    assert (await call(panel, "POST", base(server) + "/files/copy", json={"location": "/config/renamed.yml"}))[0] == 204
    assert "/config/renamed copy.yml" in server.files
    status, body, _ = await call(
        panel, "POST", base(server) + "/files/compress", json={"root": "/", "files": ["config"]}
    )
    assert status == 200 and body["object"] == "file_object" and body["attributes"]["name"].endswith(".tar.gz")
    assert (await call(panel, "POST", base(server) + "/files/create-folder", json={"root": "/", "name": "world"}))[
        0
    ] == 204
    chmod = {"root": "/", "files": [{"file": "eula.txt", "mode": "600"}]}
    assert (await call(panel, "POST", base(server) + "/files/chmod", json=chmod))[0] == 204
    assert server.files["/eula.txt"].mode == "600"
    assert (
        await call(panel, "POST", base(server) + "/files/delete", json={"root": "/", "files": ["config", "world"]})
    )[0] == 204
    assert not any(path.startswith("/config") or path == "/world" for path in server.files)
    status, body, _ = await call(panel, "GET", base(server) + "/files/download", params={"file": "eula.txt"})
    assert body["attributes"]["url"].startswith("https://node01.example.com:8080/download/file?token=")
    status, body, _ = await call(panel, "GET", base(server) + "/files/upload")
    assert body["attributes"]["url"].startswith("https://node01.example.com:8080/upload/file?token=")
    pull = {"url": "https://example.com/plugin.jar", "directory": "/plugins"}
    assert (await call(panel, "POST", base(server) + "/files/pull", json=pull))[0] == 204
    assert "/plugins/plugin.jar" in server.files


# ---------------------------------------------------------------------------------- schedules
async def test_schedules_and_tasks(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Survival SMP")
    schedule = {"name": "restart", "minute": "0", "hour": "4", "day_of_month": "*", "month": "*", "day_of_week": "*"}
    status, body, _ = await call(panel, "POST", base(server) + "/schedules", json=schedule)
    assert status == 200 and body["object"] == "server_schedule"
    assert body["attributes"]["cron"] == {
        "day_of_week": "*",
        "day_of_month": "*",
        "month": "*",
        "hour": "4",
        "minute": "0",
    }
    assert body["attributes"]["relationships"]["tasks"] == {"object": "list", "data": []}
    schedule_id = body["attributes"]["id"]
    status, body, _ = await call(panel, "POST", base(server) + "/schedules", json={**schedule, "minute": "99x"})
    assert (status, body["errors"][0]["code"]) == (400, "DisplayException")
    path = f"{base(server)}/schedules/{schedule_id}/tasks"
    status, body, _ = await call(
        panel, "POST", path, json={"action": "command", "payload": "say bye", "time_offset": 0}
    )
    assert status == 200 and body["object"] == "schedule_task" and body["attributes"]["sequence_id"] == 1
    status, body, _ = await call(panel, "POST", path, json={"action": "power", "time_offset": 5})
    assert status == 422 and body["errors"][0]["meta"] == {"source_field": "payload", "rule": "required_unless"}
    status, body, _ = await call(panel, "POST", path, json={"action": "backup", "time_offset": 5, "sequence_id": 1})
    assert status == 200 and body["attributes"]["sequence_id"] == 1
    _, body, _ = await call(panel, "GET", f"{base(server)}/schedules/{schedule_id}")
    tasks = body["attributes"]["relationships"]["tasks"]["data"]
    assert [(t["attributes"]["action"], t["attributes"]["sequence_id"]) for t in tasks] == [
        ("backup", 1),
        ("command", 2),
    ]
    status, body, _ = await call(panel, "POST", f"{base(server)}/schedules/{schedule_id}/execute")
    assert (status, body) == (202, [])
    assert server.console == ["say bye"]
    task_id = tasks[0]["attributes"]["id"]
    assert (await call(panel, "DELETE", f"{path}/{task_id}"))[0] == 204
    assert (await call(panel, "DELETE", f"{base(server)}/schedules/{schedule_id}"))[0] == 204
    assert (await call(panel, "GET", f"{base(server)}/schedules/{schedule_id}"))[0] == 404


# ---------------------------------------------------------------------------------- subusers
async def test_subusers(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Creative")
    status, body, _ = await call(
        panel,
        "POST",
        base(server) + "/users",
        json={"email": "dave@example.com", "permissions": ["control.console", "bogus"]},
    )
    assert status == 200 and body["object"] == "server_subuser"
    assert body["attributes"]["permissions"] == ["control.console", "websocket.connect"]
    user_uuid = body["attributes"]["uuid"]
    status, body, _ = await call(
        panel, "POST", base(server) + "/users", json={"email": "dave@example.com", "permissions": []}
    )
    assert status == 422
    status, body, _ = await call(
        panel, "POST", base(server) + "/users", json={"email": "dave@example.com", "permissions": ["control.start"]}
    )
    assert (status, body["errors"][0]["code"]) == (400, "ServerSubuserExistsException")
    status, body, _ = await call(
        panel, "POST", base(server) + "/users", json={"email": "alice@example.com", "permissions": ["control.start"]}
    )
    assert (status, body["errors"][0]["code"]) == (400, "UserIsServerOwnerException")
    status, body, _ = await call(
        panel, "POST", f"{base(server)}/users/{user_uuid}", json={"permissions": ["file.read"]}
    )
    assert status == 200 and body["attributes"]["permissions"] == ["file.read", "websocket.connect"]
    _, body, _ = await call(panel, "GET", base(server) + "/users")
    assert [s["attributes"]["uuid"] for s in body["data"]] == [user_uuid]
    assert (await call(panel, "DELETE", f"{base(server)}/users/{user_uuid}"))[0] == 204
    assert (await call(panel, "GET", f"{base(server)}/users/{user_uuid}"))[0] == 404


# ---------------------------------------------------------------------------------- databases
async def test_databases(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Creative")
    status, body, _ = await call(panel, "POST", base(server) + "/databases", json={"database": "shop", "remote": "%"})
    assert status == 200 and body["attributes"]["name"] == f"s{server.id}_shop"
    assert body["attributes"]["relationships"]["password"]["object"] == "database_password"
    db_id = body["attributes"]["id"]
    assert isinstance(db_id, str)
    status, body, _ = await call(panel, "POST", base(server) + "/databases", json={"database": "shop", "remote": "%"})
    assert status == 422 and body["errors"][0]["detail"] == (
        "The database name you have selected is already in use by this server."
    )
    assert (await call(panel, "POST", base(server) + "/databases", json={"database": "two", "remote": "%"}))[0] == 200
    status, body, _ = await call(panel, "POST", base(server) + "/databases", json={"database": "three", "remote": "%"})
    assert (status, body["errors"][0]["code"]) == (400, "TooManyDatabasesException")
    _, body, _ = await call(panel, "GET", base(server) + "/databases")
    assert len(body["data"]) == 2 and "relationships" not in body["data"][0]["attributes"]
    _, body, _ = await call(panel, "GET", base(server) + "/databases", params={"include": "password"})
    assert "password" in body["data"][0]["attributes"]["relationships"]
    status, body, _ = await call(panel, "POST", f"{base(server)}/databases/{db_id}/rotate-password")
    assert status == 200
    assert (await call(panel, "DELETE", f"{base(server)}/databases/{db_id}"))[0] == 204


# ---------------------------------------------------------------------------------- network
async def test_network_allocations(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Survival SMP")
    status, body, _ = await call(panel, "POST", base(server) + "/network/allocations")
    assert (status, body["errors"][0]["code"]) == (400, "AutoAllocationNotEnabledException")
    panel.auto_allocation = True
    status, body, _ = await call(panel, "POST", base(server) + "/network/allocations")
    assert status == 200 and body["attributes"]["is_default"] is False
    new_id = body["attributes"]["id"]
    status, body, _ = await call(panel, "POST", base(server) + "/network/allocations")
    assert body["errors"][0]["detail"] == "Cannot assign additional allocations to this server: limit has been reached."
    status, body, _ = await call(panel, "POST", f"{base(server)}/network/allocations/{new_id}", json={"notes": "web"})
    assert status == 200 and body["attributes"]["notes"] == "web"
    status, body, _ = await call(panel, "POST", f"{base(server)}/network/allocations/{server.allocation_id}/primary")
    assert body["attributes"]["is_default"] is True
    status, body, _ = await call(panel, "DELETE", f"{base(server)}/network/allocations/{server.allocation_id}")
    assert body["errors"][0]["detail"] == "You cannot delete the primary allocation for this server."
    assert (await call(panel, "DELETE", f"{base(server)}/network/allocations/{new_id}"))[0] == 204
    other = panel.server("Creative")
    status, body, _ = await call(
        panel, "POST", f"{base(server)}/network/allocations/{other.allocation_id}", json={"notes": None}
    )
    assert status == 404


# ---------------------------------------------------------------------------------- startup & settings
async def test_startup_and_settings(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Creative")
    status, body, _ = await call(panel, "GET", base(server) + "/startup")
    assert status == 200 and set(body["meta"]) == {"startup_command", "docker_images", "raw_startup_command"}
    assert body["meta"]["startup_command"].endswith("-jar server.jar")
    assert body["meta"]["raw_startup_command"].endswith("{{SERVER_JARFILE}}")
    variable = {"key": "SERVER_JARFILE", "value": "x" * 30}
    status, body, _ = await call(panel, "PUT", base(server) + "/startup/variable", json=variable)
    assert status == 422 and body["errors"][0]["meta"] == {"source_field": "value", "rule": "max"}
    status, body, _ = await call(
        panel, "PUT", base(server) + "/startup/variable", json={"key": "DL_PATH", "value": "x"}
    )
    assert (status, body["errors"][0]["detail"]) == (
        400,
        "The environment variable you are trying to edit is read-only.",
    )
    status, body, _ = await call(
        panel, "PUT", base(server) + "/startup/variable", json={"key": "SERVER_JARFILE", "value": "paper.jar"}
    )
    assert status == 200 and body["attributes"]["server_value"] == "paper.jar"
    assert body["meta"]["startup_command"].endswith("-jar paper.jar")
    status, _, _ = await call(
        panel, "POST", base(server) + "/settings/rename", json={"name": "Renamed", "description": "d"}
    )
    assert status == 204 and (server.name, server.description) == ("Renamed", "d")
    status, body, _ = await call(panel, "POST", base(server) + "/settings/rename", json={"name": ""})
    assert status == 422
    status, body, _ = await call(panel, "PUT", base(server) + "/settings/docker-image", json={"docker_image": "nope"})
    assert status == 422 and body["errors"][0]["meta"]["rule"] == "in"
    image = "ghcr.io/pterodactyl/yolks:java_21"
    assert (await call(panel, "PUT", base(server) + "/settings/docker-image", json={"docker_image": image}))[0] == 204
    assert server.image == image
    status, body, _ = await call(panel, "POST", base(server) + "/settings/reinstall")
    assert (status, body) == (202, [])
    assert server.status == "installing"
    await panel.wait_for(lambda: server.status is None)
    _, body, _ = await call(panel, "GET", base(server) + "/activity")
    events = [e["attributes"]["event"] for e in body["data"]]
    assert events[0] == "server:reinstall" and "server:settings.rename" in events


async def test_many_servers(fake_panel: FakePanel) -> None:
    panel = fake_panel
    owner = panel.add_user("bulk")
    servers = panel.add_servers(owner, 500)
    assert len({s.identifier for s in servers}) == 500
    assert servers[0].name == "srv-001" and servers[-1].name == "srv-500"
    _, body, _ = await call(panel, "GET", "/api/client", key=owner, params={"per_page": "100", "page": "5"})
    pagination = body["meta"]["pagination"]
    assert (pagination["total"], pagination["count"], pagination["total_pages"]) == (500, 100, 5)
    assert body["data"][-1]["attributes"]["name"] == "srv-500"
