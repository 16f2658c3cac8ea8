"""Client-API schedule and schedule-task routes of one server."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import _transformers as t
from ._client_prelude import SERVER, _log, _user_can
from ._cron import CronError, next_run
from ._envelope import PanelError, display_error, forbidden, list_of
from ._routing import Ctx, Route, RouteTable, accepted_empty_array, json_response, no_content
from ._state import FakeSchedule, FakeTask, utcnow
from ._wings import console_command, power

__all__ = ["ROUTES"]

table = RouteTable("client", "/api/client")
route = table.route


# ----------------------------------------------------------------------------------- schedules
def _schedule_rules() -> list[tuple[str, Any]]:
    return [
        ("name", "required|string|max:191"),
        ("is_active", "filled|boolean"),
        ("only_when_online", "filled|boolean"),
        ("minute", "required|string"),
        ("hour", "required|string"),
        ("day_of_month", "required|string"),
        ("day_of_week", "required|string"),
    ]


def _flag(ctx: Ctx, name: str) -> bool:
    """PHP's ``(bool) $request->input(name)``: absent, ``false``, ``0`` and ``"0"`` are false."""
    value = ctx.field(name)
    return bool(value) and value not in ("0", 0)


def _apply_schedule(ctx: Ctx, schedule: Any) -> None:
    """``ScheduleController::store`` / ``update``: the fields as sent, the next run from the cron library."""
    month = ctx.field("month")
    if month is None:
        raise PanelError(
            500, "TypeError", "An unexpected error was encountered while processing this request, please try again."
        )
    parts = [str(ctx.field(n)) for n in ("minute", "hour", "day_of_month")] + [str(month)]
    day_of_week = str(ctx.field("day_of_week"))
    try:
        next_run_at = next_run(parts[0], parts[1], parts[2], parts[3], day_of_week)
    except CronError:
        raise display_error(
            "DisplayException", "The cron data provided does not evaluate to a valid expression."
        ) from None
    active = _flag(ctx, "is_active")
    if schedule.is_active != active:
        # "Toggle the processing state of the scheduled task when it is enabled or disabled so that an invalid
        # state can be reset without manual database intervention" (panel issue 2425).
        schedule.is_processing = False
    schedule.name = str(ctx.field("name"))
    schedule.minute, schedule.hour, schedule.day_of_month = parts[0], parts[1], parts[2]
    schedule.month = parts[3]
    schedule.day_of_week = day_of_week
    schedule.is_active = active
    schedule.only_when_online = _flag(ctx, "only_when_online")
    schedule.next_run_at = next_run_at
    schedule.updated_at = utcnow()


@route("GET", SERVER + "/schedules", perm="schedule.read")
def list_schedules(ctx: Ctx) -> web.StreamResponse:
    """39. ``GET /servers/{server}/schedules``."""
    return json_response(list_of(t.schedule(s) for s in ctx.srv.schedules))


@route("POST", SERVER + "/schedules", perm="schedule.create")
def create_schedule(ctx: Ctx) -> web.StreamResponse:
    """40. ``POST /servers/{server}/schedules``."""
    ctx.validate(_schedule_rules())
    schedule = FakeSchedule(id=0, server_id=ctx.srv.id, name="", is_active=False)
    _apply_schedule(ctx, schedule)
    schedule.id = ctx.store.next_id("schedules")
    ctx.srv.schedules.append(schedule)
    _log(ctx, "server:schedule.create", {"name": schedule.name})
    return json_response(t.schedule(schedule))


@route("GET", SERVER + "/schedules/{schedule}", perm="schedule.read")
def get_schedule(ctx: Ctx) -> web.StreamResponse:
    """41. ``GET /servers/{server}/schedules/{schedule}``."""
    return json_response(t.schedule(ctx.resolved["schedule"]))


@route("POST", SERVER + "/schedules/{schedule}", perm="schedule.update")
def update_schedule(ctx: Ctx) -> web.StreamResponse:
    """42. ``POST /servers/{server}/schedules/{schedule}``."""
    ctx.validate(_schedule_rules())
    schedule = ctx.resolved["schedule"]
    _apply_schedule(ctx, schedule)
    _log(ctx, "server:schedule.update", {"name": schedule.name})
    return json_response(t.schedule(schedule))


@route("POST", SERVER + "/schedules/{schedule}/execute", perm="schedule.update")
def execute_schedule(ctx: Ctx) -> web.StreamResponse:
    """43. ``POST /servers/{server}/schedules/{schedule}/execute`` (202, body ``[]``).

    ``ProcessScheduleService``: refused without tasks; the schedule's active state does not matter.
    """
    schedule = ctx.resolved["schedule"]
    if not schedule.tasks:
        raise display_error("DisplayException", "Cannot process schedule for task execution: no tasks are registered.")
    server = ctx.srv
    try:
        schedule.next_run_at = next_run(
            schedule.minute, schedule.hour, schedule.day_of_month, schedule.month, schedule.day_of_week
        )
    except CronError:
        pass
    schedule.last_run_at = utcnow()
    for task in sorted(schedule.tasks, key=lambda x: x.sequence_id):
        if task.action == "command" and server.state in ("running", "starting"):
            console_command(ctx.runtime, server, task.payload)
        elif task.action == "power" and task.payload in ("start", "stop", "restart", "kill"):
            power(ctx.runtime, server, task.payload)
    _log(ctx, "server:schedule.execute", {"name": schedule.name})
    return accepted_empty_array()


@route("DELETE", SERVER + "/schedules/{schedule}", perm="schedule.delete")
def delete_schedule(ctx: Ctx) -> web.StreamResponse:
    """44. ``DELETE /servers/{server}/schedules/{schedule}``."""
    schedule = ctx.resolved["schedule"]
    ctx.srv.schedules.remove(schedule)
    _log(ctx, "server:schedule.delete", {"name": schedule.name})
    return no_content()


def _task_rules() -> list[tuple[str, Any]]:
    return [
        ("action", "required|in:command,power,backup"),
        ("payload", "required_unless:action,backup|string"),
        ("time_offset", "required|numeric|min:0|max:900"),
        ("sequence_id", "sometimes|required|numeric|min:1"),
        ("continue_on_failure", "sometimes|required|boolean"),
    ]


def _check_backup_task(ctx: Ctx) -> None:
    if ctx.field("action") == "backup" and not ctx.srv.backup_limit:
        raise forbidden(
            "A backup task cannot be created when the server's backup limit is set to 0.", "HttpForbiddenException"
        )


def _resequence(tasks: list[FakeTask]) -> None:
    tasks.sort(key=lambda x: x.sequence_id)


@route("POST", SERVER + "/schedules/{schedule}/tasks", perm="schedule.update")
def create_task(ctx: Ctx) -> web.StreamResponse:
    """45. ``POST /servers/{server}/schedules/{schedule}/tasks``."""
    ctx.validate(_task_rules())
    _check_backup_task(ctx)
    schedule = ctx.resolved["schedule"]
    if len(schedule.tasks) >= 10:
        raise display_error(
            "ServiceLimitExceededException",
            "Schedules may not have more than 10 tasks associated with them. Creating this task would put this "
            "schedule over the limit.",
        )
    last = max((x.sequence_id for x in schedule.tasks), default=0)
    sequence = int(float(ctx.field("sequence_id"))) if ctx.has("sequence_id") else last + 1
    sequence = min(sequence, last + 1)
    for other in schedule.tasks:
        if other.sequence_id >= sequence:
            other.sequence_id += 1
    task = FakeTask(
        id=ctx.store.next_id("tasks"),
        schedule_id=schedule.id,
        sequence_id=sequence,
        action=str(ctx.field("action")),
        payload=str(ctx.field("payload") or ""),
        time_offset=int(float(ctx.field("time_offset"))),
        continue_on_failure=bool(ctx.field("continue_on_failure", False))
        and ctx.field("continue_on_failure") not in ("0", 0),
    )
    schedule.tasks.append(task)
    _resequence(schedule.tasks)
    _log(ctx, "server:task.create", {"name": schedule.name, "action": task.action, "payload": task.payload})
    return json_response(t.task(task))


@route("POST", SERVER + "/schedules/{schedule}/tasks/{task}", perm="schedule.update")
def update_task(ctx: Ctx) -> web.StreamResponse:
    """46. ``POST /servers/{server}/schedules/{schedule}/tasks/{task}``."""
    ctx.validate(_task_rules())
    _check_backup_task(ctx)
    schedule, task = ctx.resolved["schedule"], ctx.resolved["task"]
    if ctx.has("sequence_id"):
        wanted = int(float(ctx.field("sequence_id")))
        if wanted != task.sequence_id:
            others = sorted((x for x in schedule.tasks if x is not task), key=lambda x: x.sequence_id)
            wanted = max(1, min(wanted, len(others) + 1))
            others.insert(wanted - 1, task)
            for index, other in enumerate(others, start=1):
                other.sequence_id = index
    task.action = str(ctx.field("action"))
    task.payload = str(ctx.field("payload") or "")
    task.time_offset = int(float(ctx.field("time_offset")))
    if ctx.has("continue_on_failure"):
        task.continue_on_failure = bool(ctx.field("continue_on_failure")) and ctx.field("continue_on_failure") not in (
            "0",
            0,
        )
    task.updated_at = utcnow()
    _resequence(schedule.tasks)
    _log(ctx, "server:task.update", {"name": schedule.name, "action": task.action, "payload": task.payload})
    return json_response(t.task(task))


@route("DELETE", SERVER + "/schedules/{schedule}/tasks/{task}")
def delete_task(ctx: Ctx) -> web.StreamResponse:
    """47. ``DELETE /servers/{server}/schedules/{schedule}/tasks/{task}``."""
    if not _user_can(ctx, "schedule.update"):
        raise forbidden("You do not have permission to perform this action.", "HttpForbiddenException")
    schedule, task = ctx.resolved["schedule"], ctx.resolved["task"]
    schedule.tasks.remove(task)
    for other in schedule.tasks:
        if other.sequence_id > task.sequence_id:
            other.sequence_id -= 1
    _log(ctx, "server:task.delete", {"name": schedule.name, "action": task.action, "payload": task.payload})
    return no_content()


ROUTES: list[Route] = table.routes
