"""Fixtures of the library tests (``fake_panel`` itself comes from the ``pyjexactyl`` pytest plugin).

Fixtures:
    api: an :class:`AsyncJexactyl` on ``fake_panel`` without retry back-off, with the seeded user's client key;
        a module that tests the application API sets ``API_KIND = "application"`` to get the application key.
    server: the seeded ``Survival SMP`` server (owned by the seeded user).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pyjexactyl import AsyncJexactyl
from pyjexactyl.testing import FakePanel, FakeServer

# The helpers assert too: rewrite them like the tests so that a failure shows the compared values.
pytest.register_assert_rewrite("tests.lib.helpers")


@pytest.fixture
async def api(request: pytest.FixtureRequest, fake_panel: FakePanel) -> AsyncIterator[AsyncJexactyl]:
    kind = getattr(request.module, "API_KIND", "client")
    key = fake_panel.application_key if kind == "application" else fake_panel.user.client_key
    async with AsyncJexactyl(fake_panel.url, key, backoff_factor=0) as client:
        yield client


@pytest.fixture
def server(fake_panel: FakePanel) -> FakeServer:
    return fake_panel.server("Survival SMP")
