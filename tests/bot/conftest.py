"""Fixtures of the bot test modules.

Fixtures:
    panel: a started, seeded :class:`FakePanel` with its default options (one per test).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from pyjexactyl.testing import FakePanel


@pytest_asyncio.fixture
async def panel() -> AsyncIterator[FakePanel]:
    async with FakePanel() as fake:
        yield fake
