"""Helpers shared by the library test modules (``from tests.lib.helpers import only_request``)."""

from __future__ import annotations

from pyjexactyl.testing import FakePanel, RecordedRequest


def since(panel: FakePanel, mark: int) -> list[RecordedRequest]:
    """The requests the fake received after the first ``mark`` (``mark = len(panel.requests)`` before)."""
    return list(panel.requests[mark:])


def only_request(panel: FakePanel, before: int) -> RecordedRequest:
    """The one request the fake received after the first ``before``; fails if there were more or none."""
    new = since(panel, before)
    assert len(new) == 1, new
    return new[0]
