"""FakePanel backups: lifecycle, pagination, throttle, limit, lock, download and restore."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.helpers import call

Factory = Callable[..., Awaitable[FakePanel]]


def base(server: FakeServer) -> str:
    return f"/api/client/servers/{server.identifier}/backups"


BACKUP_KEYS = [
    "uuid",
    "is_successful",
    "is_locked",
    "name",
    "ignored_files",
    "checksum",
    "bytes",
    "created_at",
    "completed_at",
]


async def wait_completed(panel: FakePanel, server: FakeServer, uuid: str) -> dict[str, Any]:
    """The backup's attributes as the panel answers them, once the fake has completed it."""
    (backup,) = [b for b in server.backups if b.uuid == uuid]
    await panel.wait_for(lambda: backup.completed_at is not None)
    _, body, _ = await call(panel, "GET", f"{base(server)}/{uuid}")
    return dict(body["attributes"])


async def test_backup_lifecycle(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Creative")
    status, body, _ = await call(panel, "POST", base(server), json={"name": "nightly", "ignored": "logs\n*.log"})
    assert status == 200 and body["object"] == "backup"
    attributes = body["attributes"]
    assert list(attributes) == BACKUP_KEYS
    assert attributes["name"] == "nightly" and attributes["ignored_files"] == ["logs", "*.log"]
    assert (attributes["is_successful"], attributes["checksum"], attributes["bytes"], attributes["completed_at"]) == (
        False,
        None,
        0,
        None,
    )
    done = await wait_completed(panel, server, attributes["uuid"])
    assert done["is_successful"] is True and done["checksum"].startswith("sha1:") and done["bytes"] > 0

    status, body, _ = await call(panel, "GET", base(server))
    assert status == 200
    assert body["meta"] == {
        "pagination": {"total": 1, "count": 1, "per_page": 20, "current_page": 1, "total_pages": 1, "links": {}},
        "backup_count": 1,
    }

    status, body, _ = await call(panel, "POST", f"{base(server)}/{done['uuid']}/lock")
    assert status == 200 and body["attributes"]["is_locked"] is True
    status, body, _ = await call(panel, "DELETE", f"{base(server)}/{done['uuid']}")
    assert (status, body) == (
        400,
        {
            "errors": [
                {
                    "code": "BackupLockedException",
                    "status": "400",
                    "detail": "Cannot delete a backup that is marked as locked.",
                }
            ]
        },
    )
    status, body, _ = await call(panel, "GET", f"{base(server)}/{done['uuid']}/download")
    assert status == 200 and body["object"] == "signed_url"
    assert body["attributes"]["url"].startswith("https://node01.example.com:8080/download/backup?token=")
    await call(panel, "POST", f"{base(server)}/{done['uuid']}/lock")
    status, body, _ = await call(panel, "DELETE", f"{base(server)}/{done['uuid']}")
    assert (status, body) == (204, None)
    status, body, _ = await call(panel, "GET", f"{base(server)}/{done['uuid']}")
    assert status == 404


async def test_default_name_and_lock_on_create(fake_panel: FakePanel) -> None:
    server = fake_panel.server("Creative")
    status, body, _ = await call(fake_panel, "POST", base(server), json={"is_locked": True})
    assert status == 200
    assert body["attributes"]["name"].startswith("Backup at ") and body["attributes"]["is_locked"] is True


async def test_backup_throttle(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Survival SMP")
    for _ in range(2):
        status, _, _ = await call(panel, "POST", base(server), json={})
        assert status == 200
    status, body, headers = await call(panel, "POST", base(server), json={})
    assert status == 429
    assert body == {
        "errors": [
            {
                "code": "TooManyRequestsHttpException",
                "status": "429",
                "detail": "Only 2 backups may be generated within a 600 second span of time.",
            }
        ]
    }
    assert 1 <= int(headers["Retry-After"]) <= 600
    # Deleted backups still count toward the throttle.
    _, listing, _ = await call(panel, "GET", base(server))
    await panel.wait_for(lambda: all(b.completed_at is not None for b in server.backups))  # in progress: 409
    for entry in listing["data"]:
        await call(panel, "DELETE", f"{base(server)}/{entry['attributes']['uuid']}")
    status, _, _ = await call(panel, "POST", base(server), json={})
    assert status == 429


async def test_backup_throttle_is_configurable(fake_panel_factory: Factory) -> None:
    panel = await fake_panel_factory(backup_throttle=(1, 0.2))
    server = panel.server("Creative")
    assert (await call(panel, "POST", base(server), json={}))[0] == 200
    status, body, _ = await call(panel, "POST", base(server), json={})
    assert status == 429
    assert body["errors"][0]["detail"] == "Only 1 backups may be generated within a 0.2 second span of time."
    await asyncio.sleep(0.25)  # the throttle period itself must pass: time is what this test is about
    assert (await call(panel, "POST", base(server), json={}))[0] == 200


async def test_backup_limit(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Creative")
    for index in range(3):
        panel.add_backup(server, f"old {index}")
    status, body, _ = await call(panel, "POST", base(server), json={})
    assert (status, body["errors"][0]["code"], body["errors"][0]["detail"]) == (
        400,
        "TooManyBackupsException",
        "Cannot create a new backup, this server has reached its limit of 3 backups.",
    )
    zero = panel.add_server(panel.user, "No backups", backup_limit=0)
    status, body, _ = await call(panel, "POST", base(zero), json={})
    assert body["errors"][0]["detail"] == "Cannot create a new backup, this server has reached its limit of 0 backups."
    # Failed backups do not count toward the limit.
    other = panel.add_server(panel.user, "Failed ones", backup_limit=1)
    panel.add_backup(other, "broken", successful=False)
    status, _, _ = await call(panel, "POST", base(other), json={})
    assert status == 200


async def test_backup_pagination_limits(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.add_server(panel.user, "Many", backup_limit=100)
    for index in range(55):
        panel.add_backup(server, f"b{index}")
    _, body, _ = await call(panel, "GET", base(server))
    assert body["meta"]["pagination"]["per_page"] == 20 and body["meta"]["pagination"]["total_pages"] == 3
    assert body["meta"]["backup_count"] == 55
    _, body, _ = await call(panel, "GET", base(server), params={"per_page": "100", "page": "2"})
    pagination = body["meta"]["pagination"]
    assert (pagination["per_page"], pagination["count"], pagination["total_pages"]) == (50, 5, 2)
    assert pagination["links"] == {"previous": f"{panel.url}{base(server)}?per_page=100&page=1"}


async def test_restore(fake_panel: FakePanel) -> None:
    panel = fake_panel
    server = panel.server("Creative")
    pending = panel.add_backup(server, "pending", completed=False)
    status, body, _ = await call(panel, "POST", f"{base(server)}/{pending.uuid}/restore", json={"truncate": False})
    assert status == 400 and body["errors"][0]["code"] == "BadRequestHttpException"
    status, body, _ = await call(panel, "POST", f"{base(server)}/{pending.uuid}/restore", json={})
    assert status == 422 and body["errors"][0]["meta"] == {"source_field": "truncate", "rule": "required"}
    done = panel.add_backup(server, "done")
    status, body, _ = await call(panel, "POST", f"{base(server)}/{done.uuid}/restore", json={"truncate": True})
    assert (status, body) == (204, None)
    assert server.status == "restoring_backup"
    status, body, _ = await call(panel, "GET", f"/api/client/servers/{server.identifier}/resources")
    assert status == 409
    assert body["errors"][0]["detail"] == "This server is currently restoring from a backup, please try again later."
    await panel.wait_for(lambda: server.status is None)


async def test_backup_of_other_server_is_404(fake_panel: FakePanel) -> None:
    panel = fake_panel
    mine = panel.server("Creative")
    theirs = panel.server("Admin Server")
    foreign = panel.add_backup(theirs, "foreign")
    status, body, _ = await call(panel, "GET", f"{base(mine)}/{foreign.uuid}")
    assert status == 404
    assert body["errors"][0]["detail"] == "The requested resource was not found for this server."
