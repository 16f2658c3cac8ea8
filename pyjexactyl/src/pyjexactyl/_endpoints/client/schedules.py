"""Client API: a server's schedules and their tasks (``/api/client/servers/{server}/schedules``)."""

from __future__ import annotations

from typing import Any, Literal

from ...exceptions import InvalidArgumentError
from ..base import Namespace, build_path

_SCHEDULES = "/api/client/servers/{server}/schedules"
_SCHEDULE = "/api/client/servers/{server}/schedules/{schedule}"
_TASK = "/api/client/servers/{server}/schedules/{schedule}/tasks/{task}"

TASK_ACTIONS = ("command", "power", "backup")
TaskAction = Literal["command", "power", "backup"]
_POWER_PAYLOADS = ("start", "stop", "restart", "kill")
MAX_TIME_OFFSET = 900

CronPart = str | int


def _cron(name: str, value: object) -> str:
    """Checks one cron field and returns it as the string the panel requires."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidArgumentError(f"{name} must be a cron field string such as '*/5', not {type(value).__name__}")
    text = str(value).strip()
    if not text:
        raise InvalidArgumentError(f"{name} must not be empty (use '*' for every value)")
    return text


def _schedule_body(
    name: str,
    minute: CronPart,
    hour: CronPart,
    day_of_week: CronPart,
    day_of_month: CronPart,
    month: CronPart,
    is_active: bool,
    only_when_online: bool,
) -> dict[str, Any]:
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgumentError("name must be a non-empty string")
    return {
        "name": name,
        "is_active": bool(is_active),
        "only_when_online": bool(only_when_online),
        "minute": _cron("minute", minute),
        "hour": _cron("hour", hour),
        "day_of_week": _cron("day_of_week", day_of_week),
        "day_of_month": _cron("day_of_month", day_of_month),
        "month": _cron("month", month),
    }


def _task_body(
    action: str,
    payload: str | None,
    time_offset: int,
    continue_on_failure: bool,
    sequence_id: int | None,
) -> dict[str, Any]:
    if action not in TASK_ACTIONS:
        raise InvalidArgumentError(f"action must be one of {', '.join(TASK_ACTIONS)}; got {action!r}")
    if payload is not None and not isinstance(payload, str):
        raise InvalidArgumentError(f"payload must be a string, not {type(payload).__name__}")
    if action != "backup" and (payload is None or not payload.strip()):
        raise InvalidArgumentError(f"payload is required for a {action!r} task")
    if action == "power" and payload not in _POWER_PAYLOADS:
        raise InvalidArgumentError(f"a power task's payload must be one of {', '.join(_POWER_PAYLOADS)}")
    if isinstance(time_offset, bool) or not isinstance(time_offset, int):
        raise InvalidArgumentError("time_offset must be a whole number of seconds")
    if not 0 <= time_offset <= MAX_TIME_OFFSET:
        raise InvalidArgumentError(f"time_offset must be between 0 and {MAX_TIME_OFFSET} seconds")
    body: dict[str, Any] = {"action": action}
    if payload:
        body["payload"] = payload
    body["time_offset"] = time_offset
    body["continue_on_failure"] = bool(continue_on_failure)
    if sequence_id is not None:
        if isinstance(sequence_id, bool) or not isinstance(sequence_id, int) or sequence_id < 1:
            raise InvalidArgumentError("sequence_id must be an integer of at least 1")
        body["sequence_id"] = sequence_id
    return body


class Schedules(Namespace):
    """Cron-like schedules that run console commands, power actions and backups on a server."""

    async def list_schedules(self, server_id: str) -> dict[str, Any]:
        """Lists the server's schedules, each with its tasks.

        Args:
            server_id(str): Server identifier (abbreviated UUID).

        Returns:
            ``{'object': 'list', 'data': [{'object': 'server_schedule', 'attributes': {'id': 1, 'name': ...,
            'cron': {'day_of_week': '*', 'day_of_month': '*', 'month': '*', 'hour': '4', 'minute': '0'},
            'is_active': True, 'is_processing': False, 'only_when_online': False, 'last_run_at': None,
            'next_run_at': ..., 'relationships': {'tasks': {...}}}}]}``

        Example:
            >>> api.client.servers.schedules.list_schedules('1a2b3c4d')['data']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_SCHEDULES, server=server_id))
        return result

    async def create_schedule(
        self,
        server_id: str,
        name: str,
        minute: CronPart,
        hour: CronPart,
        day_of_week: CronPart,
        day_of_month: CronPart,
        month: CronPart,
        is_active: bool = True,
        only_when_online: bool = False,
    ) -> dict[str, Any]:
        """Creates a schedule. The cron fields use the usual syntax (``*``, ``*/5``, ``1-5``, ``0,30``).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            name(str): The schedule's name.
            minute(str): Cron minute field.
            hour(str): Cron hour field.
            day_of_week(str): Cron day-of-week field (``0``-``6``, Sunday is 0).
            day_of_month(str): Cron day-of-month field.
            month(str): Cron month field.
            is_active(bool): Whether it runs.
            only_when_online(bool): Run only while the server is running.

        Returns:
            The new ``server_schedule`` object.

        Raises:
            BadRequestError: the fields do not form a valid cron expression.

        Example:
            >>> api.client.servers.schedules.create_schedule('1a2b3c4d', 'nightly restart',  # doctest: +SKIP
            ...     minute='0', hour='4', day_of_week='*', day_of_month='*', month='*')
        """
        body = _schedule_body(name, minute, hour, day_of_week, day_of_month, month, is_active, only_when_online)
        result: dict[str, Any] = await self._post(build_path(_SCHEDULES, server=server_id), body)
        return result

    async def get_schedule_details(self, server_id: str, schedule_id: int) -> dict[str, Any]:
        """Gets one schedule with its tasks.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            schedule_id(int): The schedule's numeric ``id``.

        Example:
            >>> api.client.servers.schedules.get_schedule_details('1a2b3c4d', 3)  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_SCHEDULE, server=server_id, schedule=schedule_id))
        return result

    async def update_schedule(
        self,
        server_id: str,
        schedule_id: int,
        name: str,
        minute: CronPart,
        hour: CronPart,
        day_of_week: CronPart,
        day_of_month: CronPart,
        month: CronPart,
        is_active: bool = True,
        only_when_online: bool = False,
    ) -> dict[str, Any]:
        """Replaces a schedule's name, timing and flags (every field is sent; its tasks are kept).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            schedule_id(int): The schedule's numeric ``id``.
            name(str): The schedule's name.
            minute(str): Cron minute field.
            hour(str): Cron hour field.
            day_of_week(str): Cron day-of-week field.
            day_of_month(str): Cron day-of-month field.
            month(str): Cron month field.
            is_active(bool): Whether it runs.
            only_when_online(bool): Run only while the server is running.

        Returns:
            The updated ``server_schedule`` object.

        Example:
            >>> api.client.servers.schedules.update_schedule('1a2b3c4d', 3, 'nightly restart',  # doctest: +SKIP
            ...     '30', '4', '*', '*', '*')
        """
        body = _schedule_body(name, minute, hour, day_of_week, day_of_month, month, is_active, only_when_online)
        path = build_path(_SCHEDULE, server=server_id, schedule=schedule_id)
        result: dict[str, Any] = await self._post(path, body)
        return result

    async def delete_schedule(self, server_id: str, schedule_id: int) -> None:
        """Deletes a schedule and its tasks.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            schedule_id(int): The schedule's numeric ``id``.

        Example:
            >>> api.client.servers.schedules.delete_schedule('1a2b3c4d', 3)  # doctest: +SKIP
        """
        await self._delete(build_path(_SCHEDULE, server=server_id, schedule=schedule_id))

    async def run_schedule(self, server_id: str, schedule_id: int) -> None:
        """Runs a schedule now, whatever its timing (the panel answers 202 and queues it).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            schedule_id(int): The schedule's numeric ``id``.

        Example:
            >>> api.client.servers.schedules.run_schedule('1a2b3c4d', 3)  # doctest: +SKIP
        """
        await self._post(build_path(_SCHEDULE + "/execute", server=server_id, schedule=schedule_id))

    async def create_task(
        self,
        server_id: str,
        schedule_id: int,
        action: TaskAction,
        payload: str | None,
        time_offset: int = 0,
        continue_on_failure: bool = False,
        sequence_id: int | None = None,
    ) -> dict[str, Any]:
        """Adds a task to a schedule (10 tasks at most per schedule).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            schedule_id(int): The schedule's numeric ``id``.
            action(str): ``command``, ``power`` or ``backup``.
            payload(str): The console command, the power signal (``start``, ``stop``, ``restart``,
                ``kill``), or for a backup the files to ignore, one per line (may be ``None``).
            time_offset(int): Seconds to wait after the previous task, 0 to 900.
            continue_on_failure(bool): Run the next tasks even if this one fails.
            sequence_id(int): Position in the schedule (1 = first; later tasks move down); default last.

        Returns:
            The new ``schedule_task`` object.

        Raises:
            InvalidArgumentError: unknown action, missing or invalid payload, offset out of range.
            BadRequestError: the schedule already has 10 tasks.
            ForbiddenError: a backup task on a server whose backup limit is 0.

        Example:
            >>> api.client.servers.schedules.create_task('1a2b3c4d', 3, 'command', 'say restarting')  # doctest: +SKIP
        """
        body = _task_body(action, payload, time_offset, continue_on_failure, sequence_id)
        path = build_path(_SCHEDULE + "/tasks", server=server_id, schedule=schedule_id)
        result: dict[str, Any] = await self._post(path, body)
        return result

    async def update_task(
        self,
        server_id: str,
        schedule_id: int,
        task_id: int,
        action: TaskAction,
        payload: str | None,
        time_offset: int = 0,
        continue_on_failure: bool = False,
        sequence_id: int | None = None,
    ) -> dict[str, Any]:
        """Replaces a task's action, payload, offset and flags.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            schedule_id(int): The schedule's numeric ``id``.
            task_id(int): The task's numeric ``id``.
            action(str): ``command``, ``power`` or ``backup``.
            payload(str): As for :meth:`create_task`.
            time_offset(int): Seconds to wait after the previous task, 0 to 900.
            continue_on_failure(bool): Run the next tasks even if this one fails.
            sequence_id(int): Move the task to this position (default: keep it).

        Returns:
            The updated ``schedule_task`` object.

        Example:
            >>> api.client.servers.schedules.update_task('1a2b3c4d', 3, 7, 'power', 'restart')  # doctest: +SKIP
        """
        body = _task_body(action, payload, time_offset, continue_on_failure, sequence_id)
        path = build_path(_TASK, server=server_id, schedule=schedule_id, task=task_id)
        result: dict[str, Any] = await self._post(path, body)
        return result

    async def delete_task(self, server_id: str, schedule_id: int, task_id: int) -> None:
        """Deletes a task from a schedule (the later tasks move up).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            schedule_id(int): The schedule's numeric ``id``.
            task_id(int): The task's numeric ``id``.

        Example:
            >>> api.client.servers.schedules.delete_task('1a2b3c4d', 3, 7)  # doctest: +SKIP
        """
        await self._delete(build_path(_TASK, server=server_id, schedule=schedule_id, task=task_id))
