"""Cron expressions as the panel evaluates them (``dragonmantank/cron-expression``, used by
``Utilities::getScheduleNextRunDate``): validation and the next run time of a schedule.

Fields: minute, hour, day of month, month, day of week. Each is a comma list of ``*``, ``n``, ``a-b`` (each
optionally ``/step``); months accept ``JAN``-``DEC`` and days of week ``SUN``-``SAT`` (``0`` and ``7`` are
Sunday). Day of month also accepts ``?``, ``L`` (last day), ``nW`` (nearest weekday) and ``LW``; day of week
``?``, ``nL`` (last such weekday of the month) and ``n#k`` (k-th such weekday). When both day fields are
restricted, a day matching either one runs, as in classic cron. The next run is the first whole minute after
the current one that matches, in UTC.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["CronError", "CronSchedule", "next_run"]

_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
_BOUNDS = {"minute": (0, 59), "hour": (0, 23), "day_of_month": (1, 31), "month": (1, 12), "day_of_week": (0, 7)}
_ITEM = re.compile(r"^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/(\d+))?$")

DayTest = Callable[[_dt.date], bool]


class CronError(ValueError):
    """The expression is not one the cron library accepts."""


def _value(field: str, text: str) -> int:
    upper = text.upper()
    if field == "month" and upper in {k.upper() for k in _MONTHS}:
        return next(v for k, v in _MONTHS.items() if k.upper() == upper)
    if field == "day_of_week" and upper in _DAYS:
        return _DAYS[upper]
    if not text.isdigit():
        raise CronError(f"{text!r} is not a valid {field} value")
    value = int(text)
    low, high = _BOUNDS[field]
    if not low <= value <= high:
        raise CronError(f"{value} is out of range for {field}")
    return value


def _values(field: str, part: str) -> set[int]:
    """The numbers a plain ``*`` / ``n`` / ``a-b`` list item (with an optional step) stands for."""
    match = _ITEM.match(part)
    if match is None:
        raise CronError(f"{part!r} is not a valid {field} expression")
    body, step_text = match.groups()
    low, high = _BOUNDS[field]
    if body == "*":
        start, end = low, high
    elif "-" in body:
        first, last = body.split("-", 1)
        start, end = _value(field, first), _value(field, last)
    else:
        start = _value(field, body)
        end = high if step_text else start
    step = int(step_text) if step_text else 1
    if step < 1 or step > high - low + 1:
        raise CronError(f"invalid step in {part!r}")
    values = set(range(start, end + 1, step)) if start <= end else set(range(start, high + 1, step))
    if field == "day_of_week" and 7 in values:
        values = (values - {7}) | {0}
    return values


def _weekday(date: _dt.date) -> int:
    """Cron's day of week: 0 = Sunday."""
    return (date.weekday() + 1) % 7


def _nearest_weekday(year: int, month: int, day: int) -> int:
    last = calendar.monthrange(year, month)[1]
    day = min(day, last)
    weekday = _dt.date(year, month, day).weekday()
    if weekday == 5:  # Saturday: Friday before, or Monday after when that would leave the month
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < last else day - 2
    return day


def _day_of_month_test(part: str) -> DayTest:
    if part == "?":
        return lambda date: True
    if part == "L":
        return lambda date: date.day == calendar.monthrange(date.year, date.month)[1]
    if part == "LW":
        return lambda date: date.day == _nearest_weekday(date.year, date.month, 31)
    if part.endswith("W"):
        day = _value("day_of_month", part[:-1])
        return lambda date: date.day == _nearest_weekday(date.year, date.month, day)
    days = _values("day_of_month", part)
    return lambda date: date.day in days


def _day_of_week_test(part: str) -> DayTest:
    if part == "?":
        return lambda date: True
    if "#" in part:
        day_text, nth_text = part.split("#", 1)
        day = _value("day_of_week", day_text) % 7
        if not nth_text.isdigit() or not 1 <= int(nth_text) <= 5:
            raise CronError(f"invalid nth weekday in {part!r}")
        nth = int(nth_text)
        return lambda date: _weekday(date) == day and (date.day - 1) // 7 + 1 == nth
    if part.endswith("L") and len(part) > 1:
        day = _value("day_of_week", part[:-1]) % 7
        return lambda date: _weekday(date) == day and date.day + 7 > calendar.monthrange(date.year, date.month)[1]
    days = _values("day_of_week", part)
    return lambda date: _weekday(date) in days


def _any(tests: list[DayTest]) -> DayTest:
    return lambda date: any(test(date) for test in tests)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed five-field expression."""

    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    day_test: DayTest

    @classmethod
    def parse(cls, minute: str, hour: str, day_of_month: str, month: str, day_of_week: str) -> CronSchedule:
        """Parse the five fields; raise :class:`CronError` for anything the cron library refuses."""
        fields = {"minute": minute, "hour": hour, "day_of_month": day_of_month, "month": month}
        sets: dict[str, frozenset[int]] = {}
        for name in ("minute", "hour", "month"):
            text = fields[name].strip()
            if not text:
                raise CronError(f"empty {name}")
            sets[name] = frozenset().union(*(_values(name, part) for part in text.split(",")))
        dom_text, dow_text = day_of_month.strip(), day_of_week.strip()
        if not dom_text or not dow_text:
            raise CronError("empty day field")
        dom = _any([_day_of_month_test(part) for part in dom_text.split(",")])
        dow = _any([_day_of_week_test(part) for part in dow_text.split(",")])
        if dom_text == "*" and dow_text == "*":
            day_test: DayTest = lambda date: True  # noqa: E731
        elif dow_text == "*":
            day_test = dom
        elif dom_text == "*":
            day_test = dow
        else:  # both restricted: either one matches (the library merges the two run dates)
            day_test = lambda date: dom(date) or dow(date)  # noqa: E731
        return cls(sets["minute"], sets["hour"], sets["month"], day_test)

    def next_after(self, moment: _dt.datetime) -> _dt.datetime:
        """The first whole minute after ``moment``'s minute that matches (``CronError`` if none in 5 years)."""
        current = moment.replace(second=0, microsecond=0) + _dt.timedelta(minutes=1)
        day = current.date()
        limit = day + _dt.timedelta(days=366 * 5)
        while day <= limit:
            if day.month in self.months and self.day_test(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = _dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=moment.tzinfo)
                        if candidate >= current:
                            return candidate
            day += _dt.timedelta(days=1)
        raise CronError("the expression never runs")


def next_run(
    minute: str, hour: str, day_of_month: str, month: str, day_of_week: str, *, now: _dt.datetime | None = None
) -> _dt.datetime:
    """``Utilities::getScheduleNextRunDate``: the next run after ``now`` (default: the current UTC time)."""
    schedule = CronSchedule.parse(minute, hour, day_of_month, month, day_of_week)
    return schedule.next_after(now or _dt.datetime.now(_dt.UTC))
