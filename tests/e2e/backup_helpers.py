"""Helpers of the ``/backup`` e2e modules: a linked owner with a server (``backup_owner``, a fixture in
``conftest.py``), running a backup command, and the check that every ``/backup`` answer of a module was private.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID


async def run(discord: FakeDiscord, user: FakeUser, command: str, **options: Any) -> InteractionRecord:
    ix = await discord.slash(user, command, options=options, guild_id=GUILD_ID)
    await ix.wait_callback(3)
    assert ix.deferred, f"/{command} must defer first"
    assert ix.latency is not None and ix.latency < 3
    return ix


@pytest.fixture(scope="module", autouse=True)
def every_backup_answer_is_private(discord: FakeDiscord) -> Iterator[None]:
    """After a module's tests: every ``/backup`` command it ran was answered ephemerally (import it into a
    ``/backup`` module to apply it there)."""
    yield
    for interaction in discord.interactions:
        if interaction.type == 2 and interaction.name.startswith("backup "):
            assert interaction.ephemeral, interaction.describe()
