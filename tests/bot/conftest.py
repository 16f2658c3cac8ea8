"""Fixtures of the bot test modules.

Fixtures:
    panel: a started, seeded :class:`FakePanel` with its default options (one per test).
    db_path: where a test's database goes (its directory does not exist yet).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from pyjexactyl.testing import FakePanel


@pytest_asyncio.fixture
async def panel() -> AsyncIterator[FakePanel]:
    async with FakePanel() as fake:
        yield fake


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "sub" / "bot.db"
