"""pytest plugin shipping :class:`~pyjexactyl.testing.FakePanel` fixtures.

Opt-in: installing pyjexactyl registers nothing with pytest. Load it in your root ``conftest.py``::

    pytest_plugins = ["pyjexactyl.testing.pytest_plugin"]

or on the command line (``pytest -p pyjexactyl.testing.pytest_plugin``). It provides:

* ``fake_panel`` (async, function scope): a started, seeded panel with ``latency=0``,
  ``power_delay=0.05`` and ``backup_duration=0.05``;
* ``fake_panel_sync``: the same panel served from a background thread (``start()``/``stop()``), for
  synchronous tests;
* ``fake_panel_factory`` (async): ``await fake_panel_factory(**options)`` returns another started panel
  with custom options; every panel it made is stopped at teardown.

The async fixtures need pytest-asyncio; without it only ``fake_panel_sync`` is usable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from . import FakePanel

F = TypeVar("F", bound=Callable[..., Any])

try:  # pytest-asyncio is a test dependency, not a runtime one
    import pytest_asyncio

    _fixture: Any = pytest_asyncio.fixture
except ImportError:  # pragma: no cover - depends on the environment
    _fixture = pytest.fixture


def _async_fixture(function: F) -> F:
    return cast(F, _fixture(function))


__all__ = ["FIXTURE_DEFAULTS", "fake_panel", "fake_panel_factory", "fake_panel_sync"]

#: Options of the panels the fixtures create.
FIXTURE_DEFAULTS: dict[str, Any] = {"latency": 0.0, "power_delay": 0.05, "backup_duration": 0.05}


@_async_fixture
async def fake_panel() -> AsyncIterator[FakePanel]:
    """A started, seeded :class:`FakePanel` on the test's event loop."""
    from . import FakePanel

    async with FakePanel(**FIXTURE_DEFAULTS) as panel:
        yield panel


@pytest.fixture
def fake_panel_sync() -> Iterator[FakePanel]:
    """A started, seeded :class:`FakePanel` served from a daemon thread (for synchronous tests)."""
    from . import FakePanel

    panel = FakePanel(**FIXTURE_DEFAULTS).start()
    try:
        yield panel
    finally:
        panel.stop()


@_async_fixture
async def fake_panel_factory() -> AsyncIterator[Callable[..., Awaitable[FakePanel]]]:
    """A coroutine function making started panels: ``await fake_panel_factory(client_rate_limit=5)``."""
    from . import FakePanel

    panels: list[FakePanel] = []

    async def make(**options: Any) -> FakePanel:
        panel = FakePanel(**{**FIXTURE_DEFAULTS, **options})
        await panel.start_async()
        panels.append(panel)
        return panel

    try:
        yield make
    finally:
        for panel in panels:
            await panel.stop_async()
