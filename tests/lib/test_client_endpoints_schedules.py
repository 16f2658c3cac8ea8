"""``api.client.servers.schedules`` against the fake panel, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl, Jexactyl
from pyjexactyl.exceptions import BadRequestError, ForbiddenError, InvalidArgumentError, NotFoundError
from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.helpers import only_request


def sched_path(server: FakeServer, suffix: str = "") -> str:
    return f"/api/client/servers/{server.identifier}/schedules{suffix}"


async def test_schedule_lifecycle(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    schedules = api.client.servers.schedules
    before = len(fake_panel.requests)
    created = await schedules.create_schedule(server.identifier, "nightly restart", 0, 4, "*", "*", "*")
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", sched_path(server), 200)
    assert req.json == {
        "name": "nightly restart",
        "is_active": True,
        "only_when_online": False,
        "minute": "0",
        "hour": "4",
        "day_of_week": "*",
        "day_of_month": "*",
        "month": "*",
    }
    attrs = created["attributes"]
    assert created["object"] == "server_schedule"
    assert attrs["cron"] == {"day_of_week": "*", "day_of_month": "*", "month": "*", "hour": "4", "minute": "0"}
    schedule_id = attrs["id"]

    before = len(fake_panel.requests)
    listed = await schedules.list_schedules(server.identifier)
    assert (only_request(fake_panel, before).path) == sched_path(server)
    assert [s["attributes"]["id"] for s in listed["data"]] == [schedule_id]

    before = len(fake_panel.requests)
    details = await schedules.get_schedule_details(server.identifier, schedule_id)
    req = only_request(fake_panel, before)
    assert (req.method, req.path) == ("GET", sched_path(server, f"/{schedule_id}"))
    assert details["attributes"]["name"] == "nightly restart"
    assert details["attributes"]["relationships"]["tasks"]["data"] == []

    before = len(fake_panel.requests)
    updated = await schedules.update_schedule(
        server.identifier,
        schedule_id,
        "weekday restart",
        "30",
        "5",
        "1-5",
        "*",
        "*",
        is_active=False,
        only_when_online=True,
    )
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", sched_path(server, f"/{schedule_id}"), 200)
    assert req.json == {
        "name": "weekday restart",
        "is_active": False,
        "only_when_online": True,
        "minute": "30",
        "hour": "5",
        "day_of_week": "1-5",
        "day_of_month": "*",
        "month": "*",
    }
    assert updated["attributes"]["is_active"] is False
    assert updated["attributes"]["only_when_online"] is True
    assert updated["attributes"]["cron"]["day_of_week"] == "1-5"

    before = len(fake_panel.requests)
    assert await schedules.delete_schedule(server.identifier, schedule_id) is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("DELETE", sched_path(server, f"/{schedule_id}"), 204)
    assert server.schedules == []
    with pytest.raises(NotFoundError):
        await schedules.get_schedule_details(server.identifier, schedule_id)


async def test_invalid_cron_is_a_bad_request(api: AsyncJexactyl, server: FakeServer) -> None:
    with pytest.raises(BadRequestError) as info:
        await api.client.servers.schedules.create_schedule(server.identifier, "bad", "61x", "*", "*", "*", "*")
    assert "cron" in info.value.detail


async def test_tasks_and_run(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    schedules = api.client.servers.schedules
    schedule_id = (await schedules.create_schedule(server.identifier, "announce", "*/5", "*", "*", "*", "*"))[
        "attributes"
    ]["id"]
    tasks = sched_path(server, f"/{schedule_id}/tasks")

    before = len(fake_panel.requests)
    first = await schedules.create_task(server.identifier, schedule_id, "command", "say hello")
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", tasks, 200)
    assert req.json == {"action": "command", "payload": "say hello", "time_offset": 0, "continue_on_failure": False}
    assert first["object"] == "schedule_task"
    assert (first["attributes"]["sequence_id"], first["attributes"]["payload"]) == (1, "say hello")

    backup = await schedules.create_task(server.identifier, schedule_id, "backup", None, time_offset=30)
    assert fake_panel.requests[-1].json == {"action": "backup", "time_offset": 30, "continue_on_failure": False}
    assert backup["attributes"]["sequence_id"] == 2

    inserted = await schedules.create_task(
        server.identifier, schedule_id, "power", "restart", time_offset=900, continue_on_failure=True, sequence_id=1
    )
    assert fake_panel.requests[-1].json == {
        "action": "power",
        "payload": "restart",
        "time_offset": 900,
        "continue_on_failure": True,
        "sequence_id": 1,
    }
    assert inserted["attributes"]["sequence_id"] == 1
    assert inserted["attributes"]["continue_on_failure"] is True

    task_id = first["attributes"]["id"]
    before = len(fake_panel.requests)
    updated = await schedules.update_task(server.identifier, schedule_id, task_id, "command", "say bye", time_offset=10)
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", f"{tasks}/{task_id}", 200)
    assert req.json == {"action": "command", "payload": "say bye", "time_offset": 10, "continue_on_failure": False}
    assert (updated["attributes"]["payload"], updated["attributes"]["time_offset"]) == ("say bye", 10)

    details = await schedules.get_schedule_details(server.identifier, schedule_id)
    task_rows = details["attributes"]["relationships"]["tasks"]["data"]
    listed = [(t["attributes"]["sequence_id"], t["attributes"]["action"]) for t in task_rows]
    assert listed == [(1, "power"), (2, "command"), (3, "backup")]

    before = len(fake_panel.requests)
    assert await schedules.run_schedule(server.identifier, schedule_id) is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", sched_path(server, f"/{schedule_id}/execute"), 202)
    ran = await schedules.get_schedule_details(server.identifier, schedule_id)
    assert ran["attributes"]["last_run_at"] is not None

    before = len(fake_panel.requests)
    assert await schedules.delete_task(server.identifier, schedule_id, task_id) is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("DELETE", f"{tasks}/{task_id}", 204)
    details = await schedules.get_schedule_details(server.identifier, schedule_id)
    assert [t["attributes"]["id"] for t in details["attributes"]["relationships"]["tasks"]["data"]] == [
        inserted["attributes"]["id"],
        backup["attributes"]["id"],
    ]


async def test_run_inactive_schedule_is_refused(api: AsyncJexactyl, server: FakeServer) -> None:
    schedules = api.client.servers.schedules
    created = await schedules.create_schedule(server.identifier, "off", "0", "0", "*", "*", "*", is_active=False)
    with pytest.raises(BadRequestError):
        await schedules.run_schedule(server.identifier, created["attributes"]["id"])


async def test_backup_task_with_zero_backup_limit_is_forbidden(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    server = fake_panel.add_server(fake_panel.user, "No Backups", backup_limit=0)
    schedules = api.client.servers.schedules
    schedule_id = (await schedules.create_schedule(server.identifier, "b", "0", "0", "*", "*", "*"))["attributes"]["id"]
    with pytest.raises(ForbiddenError):
        await schedules.create_task(server.identifier, schedule_id, "backup", None)


@pytest.mark.parametrize(
    ("action", "payload", "kwargs"),
    [
        ("reboot", "x", {}),
        ("command", None, {}),
        ("command", "   ", {}),
        ("power", "explode", {}),
        ("power", None, {}),
        ("command", "say", {"time_offset": 901}),
        ("command", "say", {"time_offset": -1}),
        ("command", "say", {"time_offset": "5"}),
        ("command", "say", {"time_offset": True}),
        ("command", "say", {"sequence_id": 0}),
        ("command", 5, {}),
    ],
)
async def test_task_local_checks(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, action: Any, payload: Any, kwargs: dict[str, Any]
) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.schedules.create_task(server.identifier, 1, action, payload, **kwargs)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.schedules.update_task(server.identifier, 1, 1, action, payload, **kwargs)
    assert len(fake_panel.requests) == before


@pytest.mark.parametrize(
    ("name", "cron"),
    [
        ("", ("0", "0", "*", "*", "*")),
        (None, ("0", "0", "*", "*", "*")),
        ("n", ("", "0", "*", "*", "*")),
        ("n", ("0", None, "*", "*", "*")),
        ("n", ("0", "0", "*", "*", True)),
    ],
)
async def test_schedule_local_checks(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, name: Any, cron: tuple[Any, ...]
) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.schedules.create_schedule(server.identifier, name, *cron)
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.schedules.update_schedule(server.identifier, 1, name, *cron)
    assert len(fake_panel.requests) == before


@pytest.mark.parametrize(
    ("server_id", "schedule_id", "task_id"),
    [
        ("../../application/users", 1, 1),
        ("ok", "1/execute", 1),
        ("ok", "../../users", 1),
        ("ok", 1, "2/../3"),
        ("ok", 1, "."),
        ("ok", "1#x", 1),
    ],
)
async def test_path_injection(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer, server_id: str, schedule_id: Any, task_id: Any
) -> None:
    server_id = server.identifier if server_id == "ok" else server_id
    s = api.client.servers.schedules
    before = len(fake_panel.requests)
    calls = [
        s.update_task(server_id, schedule_id, task_id, "command", "say"),
        s.delete_task(server_id, schedule_id, task_id),
    ]
    if task_id == 1:
        calls += [
            s.get_schedule_details(server_id, schedule_id),
            s.update_schedule(server_id, schedule_id, "n", "0", "0", "*", "*", "*"),
            s.delete_schedule(server_id, schedule_id),
            s.run_schedule(server_id, schedule_id),
            s.create_task(server_id, schedule_id, "command", "say"),
        ]
    for call in calls:
        with pytest.raises(InvalidArgumentError):
            await call
    assert len(fake_panel.requests) == before


def test_schedules_sync_client(fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    server = panel.server("Creative")
    with Jexactyl(panel.url, panel.user.client_key, backoff_factor=0) as api:
        schedules = api.client.servers.schedules
        created = schedules.create_schedule(server.identifier, "hourly", "0", "*", "*", "*", "*")
        schedule_id = created["attributes"]["id"]
        task = schedules.create_task(server.identifier, schedule_id, "power", "start")
        assert panel.requests[-1].json == {
            "action": "power",
            "payload": "start",
            "time_offset": 0,
            "continue_on_failure": False,
        }
        assert schedules.run_schedule(server.identifier, schedule_id) is None
        assert panel.requests[-1].status == 202
        schedules.delete_task(server.identifier, schedule_id, task["attributes"]["id"])
        schedules.delete_schedule(server.identifier, schedule_id)
        assert schedules.list_schedules(server.identifier)["data"] == []
