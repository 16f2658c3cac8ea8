"""``/backup list`` and ``/backup download`` end to end (pagination, states, the signed link), and what every
``/backup`` command does for someone not linked and with the keys it handles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import button_id, buttons, text_of
from tests.fake_discord import FakeDiscord, FakeUser

from .backup_helpers import every_backup_answer_is_private, run  # noqa: F401 (a module's autouse fixture)

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


async def test_list_shows_every_state_and_paginates(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Listed")
    panel.add_backup(owner.server, "done-locked", locked=True, bytes=3 * 1024 * 1024)
    panel.add_backup(owner.server, "running-now", completed=False)
    panel.add_backup(owner.server, "went-wrong", successful=False)
    for i in range(9):
        panel.add_backup(owner.server, f"nightly-{i}")

    ix = await run(discord, owner.user, "backup list", server=owner.server.identifier)
    first = await ix.wait_final(5)
    assert ix.ephemeral
    page1 = text_of(first)
    assert "Backups of Listed" in page1
    assert "12 backup(s) · page 1/2" in page1
    assert page1.count("**") // 2 == 10  # ten backups on the first page
    labels = [b["label"] for b in buttons(first)]
    assert "1/2" in labels

    # Every state and the lock are shown, whichever page they are on.
    after = await discord.click(owner.user, first, button_id(first, "›"))
    await after.wait_final(5)
    page2 = text_of(after.last_message)
    assert "page 2/2" in page2
    both = page1 + page2
    assert "✅ 🔒 **done-locked**" in both and "3.0 MiB" in both
    assert "⏳ **running-now**" in both and "in progress" in both
    assert "❌ **went-wrong**" in both and "failed" in both
    assert "<t:" in both  # created as a Discord timestamp

    # Only the invoker turns the pages.
    stranger = FakeUser(id=owner.user.id + 1_000_000, username="stranger")
    with pytest.raises(PermissionError):
        await discord.click(stranger, after.last_message or first, button_id(first, "‹"))


async def test_list_without_backups(bot: Any, discord: FakeDiscord, backup_owner: Any) -> None:
    owner = await backup_owner("Empty")
    ix = await run(discord, owner.user, "backup list", server=owner.server.identifier)
    message = await ix.wait_final(5)
    assert "has no backups yet" in text_of(message)
    assert "/backup create" in text_of(message)
    assert not buttons(message)


async def test_list_refuses_someone_elses_server(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Mine")
    other = panel.add_server(panel.admin, "Not Yours")
    ix = await run(discord, owner.user, "backup list", server=other.identifier)
    message = await ix.wait_final(5)
    assert f"No server matching “{other.identifier}”" in text_of(message)
    assert ix.ephemeral


async def test_download_gives_the_signed_link_privately(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Downloads")
    backup = panel.add_backup(owner.server, "world-save")
    ix = await run(discord, owner.user, "backup download", server=owner.server.identifier, backup=backup.uuid)
    message = await ix.wait_final(5)
    assert ix.ephemeral
    text = text_of(message)
    assert "Download world-save" in text
    assert "download/backup?token=" in text
    assert "15 minutes" in text
    link = [b for b in buttons(message) if b.get("style") == 5]
    url = text.split("](", 1)[1].split(")", 1)[0]
    assert url.startswith(panel.url) or url.startswith("http")
    if len(url) <= 512:  # a link button too when Discord allows its length
        assert link and link[0]["url"] == url
    else:
        assert not link


async def test_download_refuses_unfinished_and_unknown_backups(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("NotYet")
    running = panel.add_backup(owner.server, "half-done", completed=False)
    ix = await run(discord, owner.user, "backup download", server=owner.server.identifier, backup=running.uuid)
    assert "is in progress: only completed backups can be downloaded" in text_of(await ix.wait_final(5))

    # A backup of another server (even one the user owns) is not accepted for this server.
    other = panel.add_server(owner.account, "Other Box")
    foreign = panel.add_backup(other, "elsewhere")
    ix = await run(discord, owner.user, "backup download", server=owner.server.identifier, backup=foreign.uuid)
    assert f"No backup matching “{foreign.uuid}” on **NotYet**" in text_of(await ix.wait_final(5))
    assert not any(r.path.endswith(f"{foreign.uuid}/download") for r in panel.requests)


async def test_not_linked_is_told_how_to_link(bot: Any, discord: FakeDiscord, users: Callable[..., FakeUser]) -> None:
    user = users("nolink")
    ix = await run(discord, user, "backup list", server="whatever")
    assert "/account link" in text_of(await ix.wait_final(5))
    assert ix.ephemeral


async def test_no_key_leaks_and_no_violations(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any, log_records: list[str]
) -> None:
    owner = await backup_owner("Hygiene")
    backup = panel.add_backup(owner.server, "h")
    ix = await run(discord, owner.user, "backup download", server=owner.server.identifier, backup=backup.uuid)
    await ix.wait_final(5)
    discord.assert_no_violations()
    for key in (owner.account.client_key, panel.application_key, panel.user.client_key):
        assert discord.find_in_payloads(key) == []
        assert not any(key in line for line in log_records)
    for interaction in discord.interactions:
        if interaction.type == 2 and interaction.name.startswith("backup "):
            assert interaction.ephemeral, interaction.describe()
