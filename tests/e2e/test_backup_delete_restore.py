"""``/backup delete`` and ``/backup restore`` end to end: confirm and cancel, locked backups, truncate, and only
the invoker can confirm."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import audit_for, button_id, buttons, confirm_message, text_of, wait_audit, wait_text
from tests.fake_discord import FakeDiscord, FakeUser

from .backup_helpers import every_backup_answer_is_private, run  # noqa: F401 (a module's autouse fixture)

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


async def test_delete_after_confirmation(bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any) -> None:
    owner = await backup_owner("Deleting")
    backup = panel.add_backup(owner.server, "old-one")
    ix = await run(discord, owner.user, "backup delete", server=owner.server.identifier, backup=backup.uuid)
    question = await confirm_message(ix, "Delete backup")
    assert "Delete the backup **old-one**" in text_of(question)
    assert "cannot be undone" in text_of(question)
    assert backup.deleted_at is None  # nothing happens before the click
    danger = next(b for b in buttons(question) if b["label"] == "Delete backup")
    assert danger["style"] == 4  # danger

    click = await discord.click(owner.user, question, button_id(question, "Delete backup"))
    await click.wait_final(5)
    await wait_text(ix, "Deleted the backup **old-one**")
    assert backup.deleted_at is not None
    assert all(b.get("disabled") for b in buttons(discord.store.get(int(question["id"]))))
    entries = await audit_for(bot, owner.user)
    assert any(e.action == "backup.delete" and e.outcome == "ok" and backup.uuid in e.target for e in entries)


async def test_delete_cancelled_keeps_the_backup(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Keeping")
    backup = panel.add_backup(owner.server, "precious")
    ix = await run(discord, owner.user, "backup delete", server=owner.server.identifier, backup=backup.uuid)
    question = await confirm_message(ix, "Delete backup")
    click = await discord.click(owner.user, question, button_id(question, "Cancel"))
    await click.wait_final(5)
    await wait_text(ix, "Cancelled: nothing was done.")
    assert backup.deleted_at is None
    assert not any(r.method == "DELETE" and backup.uuid in r.path for r in panel.requests)
    await wait_audit(bot, discord, owner.user, "backup.delete", "not confirmed")


async def test_delete_of_a_locked_backup_is_refused_by_the_panel(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Locked")
    backup = panel.add_backup(owner.server, "keep-forever", locked=True)
    ix = await run(discord, owner.user, "backup delete", server=owner.server.identifier, backup="keep-forever")
    question = await confirm_message(ix, "Delete backup")
    assert "🔒 locked" in text_of(question)
    click = await discord.click(owner.user, question, button_id(question, "Delete backup"))
    await click.wait_final(5)
    await wait_text(ix, "Cannot delete a backup that is marked as locked.")
    assert backup.deleted_at is None
    entries = await audit_for(bot, owner.user)
    assert any(e.action == "backup.delete" and e.outcome == "failed: BadRequestError" for e in entries)


async def test_restore_with_truncate_warns_and_restores(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Restoring")
    backup = panel.add_backup(owner.server, "known-good")
    ix = await run(
        discord, owner.user, "backup restore", server=owner.server.identifier, backup=backup.uuid, truncate=True
    )
    question = await confirm_message(ix, "Restore backup")
    text = text_of(question)
    assert "truncate is on: every file on the server is deleted first" in text
    assert owner.server.status is None

    click = await discord.click(owner.user, question, button_id(question, "Restore backup"))
    await click.wait_final(5)
    restoring = f"Restoring **known-good** onto **Restoring** `{owner.server.identifier}` after deleting every file"
    await wait_text(ix, restoring)
    restore = [r for r in panel.requests if r.path.endswith(f"/backups/{backup.uuid}/restore")]
    assert restore and restore[-1].json == {"truncate": True}
    assert owner.server.status == "restoring_backup"
    entries = await audit_for(bot, owner.user)
    assert any(
        e.action == "backup.restore" and e.outcome == "ok" and "truncate=True" in (e.detail or "") for e in entries
    )


async def test_restore_without_truncate_and_cancel(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Careful")
    backup = panel.add_backup(owner.server, "snapshot")
    ix = await run(discord, owner.user, "backup restore", server=owner.server.identifier, backup=backup.uuid)
    question = await confirm_message(ix, "Restore backup")
    assert "truncate is on" not in text_of(question)
    assert "other files are kept" in text_of(question)
    click = await discord.click(owner.user, question, button_id(question, "Cancel"))
    await click.wait_final(5)
    await wait_text(ix, "Cancelled: nothing was done.")
    assert not any(r.path.endswith(f"/backups/{backup.uuid}/restore") for r in panel.requests)

    # A failed backup cannot be restored: refused before any confirmation.
    failed = panel.add_backup(owner.server, "broken", successful=False)
    ix = await run(discord, owner.user, "backup restore", server=owner.server.identifier, backup=failed.uuid)
    assert "is failed: only completed backups can be restored" in text_of(await ix.wait_final(5))


async def test_only_the_invoker_can_confirm(
    bot: Any, discord: FakeDiscord, panel: FakePanel, backup_owner: Any
) -> None:
    owner = await backup_owner("Guarded")
    backup = panel.add_backup(owner.server, "mine")
    ix = await run(discord, owner.user, "backup delete", server=owner.server.identifier, backup=backup.uuid)
    question = await confirm_message(ix, "Delete backup")
    stranger = FakeUser(id=owner.user.id + 2_000_000, username="stranger")
    with pytest.raises(PermissionError):  # ephemeral: nobody else can even see it
        await discord.click(stranger, question, button_id(question, "Delete backup"))
    click = await discord.click(owner.user, question, button_id(question, "Cancel"))
    await click.wait_final(5)
    assert backup.deleted_at is None
