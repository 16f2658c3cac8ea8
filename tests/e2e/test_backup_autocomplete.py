"""The ``/backup`` autocompletes end to end: ``backup`` follows the chosen server, filters, shows 25 at most with
100-character names, and answers in time when the panel is slow; ``server`` lists the user's own servers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.fake_discord import FakeDiscord, FakeUser

from .backup_helpers import every_backup_answer_is_private, run  # noqa: F401 (a module's autouse fixture)
from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


async def test_backup_autocomplete_follows_the_chosen_server(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Auto")
    long_name = "a-really-long-backup-name-" * 6
    for i in range(28):
        panel.add_backup(owner.server, f"daily-{i:02d}")
    special = panel.add_backup(owner.server, "special-save", bytes=2048)
    panel.add_backup(owner.server, long_name)
    in_progress = panel.add_backup(owner.server, "special-running", completed=False)
    other = panel.add_server(owner.account, "Second")
    panel.add_backup(other, "second-only")

    choices = await discord.autocomplete(
        owner.user, "backup delete", {"server": owner.server.identifier}, focused="backup", guild_id=GUILD_ID
    )
    assert len(choices) == 25
    assert all(len(c["name"]) <= 100 for c in choices)
    assert not any("second-only" in c["name"] for c in choices)
    assert choices[0]["name"].startswith("special-running")  # newest first

    choices = await discord.autocomplete(
        owner.user,
        "backup delete",
        {"server": owner.server.identifier, "backup": "really-long"},
        focused="backup",
        guild_id=GUILD_ID,
    )
    assert len(choices) == 1 and len(choices[0]["name"]) == 100
    assert choices[0]["name"].startswith("a-really-long") and choices[0]["name"].endswith(")")
    assert "…" in choices[0]["name"]

    choices = await discord.autocomplete(
        owner.user,
        "backup restore",
        {"server": owner.server.identifier, "backup": "SPECIAL"},
        focused="backup",
        guild_id=GUILD_ID,
    )
    assert {c["value"] for c in choices} == {special.uuid, in_progress.uuid}
    by_value = {c["value"]: c["name"] for c in choices}
    assert by_value[special.uuid].startswith("special-save (2.0 KiB, ")
    assert by_value[in_progress.uuid].startswith("special-running (in progress, ")

    # The other server's backups when that server is chosen (by name, as a user may type it).
    choices = await discord.autocomplete(
        owner.user, "backup download", {"server": "Second"}, focused="backup", guild_id=GUILD_ID
    )
    assert [c["name"].split(" (")[0] for c in choices] == ["second-only"]


async def test_backup_autocomplete_without_a_usable_server_is_empty(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any, users: Callable[..., FakeUser]
) -> None:
    owner = await backup_owner("Lonely")
    panel.add_backup(owner.server, "x")
    assert await discord.autocomplete(owner.user, "backup delete", {}, focused="backup", guild_id=GUILD_ID) == []
    foreign = panel.add_server(panel.admin, "Foreign")
    panel.add_backup(foreign, "secret-stuff")
    assert (
        await discord.autocomplete(
            owner.user, "backup delete", {"server": foreign.identifier}, focused="backup", guild_id=GUILD_ID
        )
        == []
    )
    stranger = users("unlinked")
    assert (
        await discord.autocomplete(
            stranger, "backup delete", {"server": owner.server.identifier}, focused="backup", guild_id=GUILD_ID
        )
        == []
    )


async def test_backup_autocomplete_answers_in_time_when_the_panel_is_slow(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Sluggish")
    panel.add_backup(owner.server, "x")
    # Warm the server list, then make the backup list slow.
    await discord.autocomplete(owner.user, "backup list", {}, focused="server", guild_id=GUILD_ID)
    panel.set_latency(3.5)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        choices = await discord.autocomplete(
            owner.user,
            "backup delete",
            {"server": owner.server.identifier},
            focused="backup",
            guild_id=GUILD_ID,
            timeout=3.0,
        )
        assert choices == []
        assert loop.time() - started < 3.0
    finally:
        panel.set_latency(0.0)


async def test_server_autocomplete_lists_own_servers(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Alpha Box")
    panel.add_server(owner.account, "Beta Box")
    choices = await discord.autocomplete(
        owner.user, "backup create", {"server": "beta"}, focused="server", guild_id=GUILD_ID
    )
    assert [c["name"] for c in choices] == [f"Beta Box · {c['value']}" for c in choices]
    assert len(choices) == 1
