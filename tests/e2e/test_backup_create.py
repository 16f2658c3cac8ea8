"""``/backup create`` end to end: progress edits to completion, failure, time-out, a name from the panel, the
throttle and the backup limit explained."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import audit_for, text_of, wait_text
from tests.fake_discord import FakeDiscord

from .backup_helpers import every_backup_answer_is_private, run  # noqa: F401 (a module's autouse fixture)

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


async def test_create_edits_progress_until_completed(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Progress")
    cog = bot.get_cog("Backups")
    old_duration, old_edit = panel.runtime.backup_duration, cog.progress_edit_seconds
    panel.runtime.backup_duration, cog.progress_edit_seconds = 0.6, 0.1
    try:
        ix = await run(
            discord, owner.user, "backup create", server=owner.server.identifier, name="pre-update", locked=True
        )
        first = await ix.wait_final(5)
        assert ix.ephemeral
        assert "⏳ Backup in progress" in text_of(first)
        assert "**pre-update** 🔒 on **Progress**" in text_of(first)
        assert "elapsed" in text_of(first)
        final = await wait_text(ix, "✅ Backup completed", timeout=10)
    finally:
        panel.runtime.backup_duration, cog.progress_edit_seconds = old_duration, old_edit

    assert "Completed in" in final and "MiB" in final and "/backup download" in final
    mid = int(first["id"])
    history = [text_of(state) for state in discord.store.meta[mid].history]
    progress = [h for h in history if "In progress;" in h and "elapsed" in h]
    assert progress, history  # at least one intermediate progress edit
    assert len(ix.edits) >= 3  # the answer, progress edit(s), the result: all on the same message
    assert len(ix.messages) == 1

    backup = next(b for b in owner.server.backups if b.name == "pre-update")
    assert backup.is_locked and backup.is_successful
    entries = await audit_for(bot, owner.user)
    assert any(
        e.action == "backup.create" and e.outcome == "ok" and owner.server.identifier in e.target for e in entries
    )


async def test_create_reports_a_failed_backup(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Failing")
    old = panel.runtime.backup_duration
    panel.runtime.backup_duration = 5.0
    try:
        ix = await run(discord, owner.user, "backup create", server=owner.server.identifier, name="doomed")
        await wait_text(ix, "⏳ Backup in progress")
        backup = next(b for b in owner.server.backups if b.name == "doomed")
        with panel.store.lock:
            panel.store.finish_backup(backup, successful=False)
        text = await wait_text(ix, "❌ Backup failed", timeout=5)
    finally:
        panel.runtime.backup_duration = old
    assert "Failed after" in text


async def test_create_stops_following_after_backup_wait(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Slow")
    old_duration, old_wait = panel.runtime.backup_duration, bot.backup_wait
    panel.runtime.backup_duration, bot.backup_wait = 3.0, 0.3
    try:
        ix = await run(discord, owner.user, "backup create", server=owner.server.identifier, name="huge")
        text = await wait_text(ix, "Still running after", timeout=5)
    finally:
        panel.runtime.backup_duration, bot.backup_wait = old_duration, old_wait
    assert "/backup list" in text


async def test_create_without_a_name_uses_the_panels(bot: Any, discord: FakeDiscord, backup_owner: Any) -> None:
    owner = await backup_owner("Unnamed")
    ix = await run(discord, owner.user, "backup create", server=owner.server.identifier)
    text = await wait_text(ix, "✅ Backup completed")
    assert "Backup at " in text
    assert not owner.server.backups[0].is_locked


async def test_create_throttle_is_explained(bot: Any, discord: FakeDiscord, backup_owner: Any) -> None:
    owner = await backup_owner("Throttled", backup_limit=10)
    for name in ("one", "two"):
        ix = await run(discord, owner.user, "backup create", server=owner.server.identifier, name=name)
        await wait_text(ix, "✅ Backup completed")
    ix = await run(discord, owner.user, "backup create", server=owner.server.identifier, name="three")
    message = await ix.wait_final(5)
    text = text_of(message)
    assert "Only 2 backups may be generated within a 600 second span of time." in text
    assert "Try again in" in text
    assert ix.ephemeral
    assert len(owner.server.backups) == 2
    entries = await audit_for(bot, owner.user)
    assert any(e.action == "backup.create" and e.outcome == "failed: RateLimitedError" for e in entries)


async def test_create_limit_is_explained(bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any) -> None:
    owner = await backup_owner("Full", backup_limit=1)
    panel.add_backup(owner.server, "the only one")
    ix = await run(discord, owner.user, "backup create", server=owner.server.identifier)
    message = await ix.wait_final(5)
    assert "Cannot create a new backup, this server has reached its limit of 1 backups." in text_of(message)

    owner.server.backup_limit = 0
    ix = await run(discord, owner.user, "backup create", server=owner.server.identifier)
    message = await ix.wait_final(5)
    assert "reached its limit of 0 backups" in text_of(message)
