"""The panel's clock (UTC, whole seconds) and its two timestamp formats: Carbon's ``toAtomString`` (transformers)
and Laravel's model JSON."""

from __future__ import annotations

import datetime as _dt

__all__ = ["iso", "raw_ts", "utcnow"]


def utcnow() -> _dt.datetime:
    """Return the current UTC time truncated to whole seconds (the panel stores seconds)."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0)


def iso(value: _dt.datetime | None) -> str | None:
    """Carbon ``toAtomString`` in UTC: ``2024-05-01T12:00:00+00:00``."""
    if value is None:
        return None
    return value.astimezone(_dt.UTC).replace(microsecond=0).isoformat()


def raw_ts(value: _dt.datetime | None) -> str | None:
    """Laravel's model JSON date format: ``2024-05-01T12:00:00.000000Z``."""
    if value is None:
        return None
    return value.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
