"""``/backup`` end to end: the real bot, through the fake Discord, against the fake panel.

Covers list (pagination, states), create (progress edits to completion, failure, time-out, throttle, limit),
download, delete and restore (confirm and cancel, locked backups, truncate), the ``backup`` autocomplete
(follows the chosen server, filters, 25 at most, 100-character names) and re-validation of what is submitted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import (
    Player,
    audit_for,
    button_id,
    buttons,
    confirm_message,
    link_account,
    new_account,
    text_of,
    wait_audit,
    wait_text,
)
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


# ---------------------------------------------------------------------------------------------- helpers


@pytest.fixture
def make_owner(panel: FakePanel, users: Callable[..., FakeUser], link: Any) -> Callable[..., Any]:
    async def make(server_name: str = "Backup Box", *, backup_limit: int = 10) -> Player:
        user = users("bk")
        account = new_account(panel, user, "bk")
        server = panel.add_server(account, server_name, backup_limit=backup_limit)
        await link_account(link, user, account)
        return Player(user, account, server)

    return make


async def run(discord: FakeDiscord, user: FakeUser, command: str, **options: Any) -> InteractionRecord:
    ix = await discord.slash(user, command, options=options, guild_id=GUILD_ID)
    await ix.wait_callback(3)
    assert ix.deferred, f"/{command} must defer first"
    assert ix.latency is not None and ix.latency < 3
    return ix


# ---------------------------------------------------------------------------------------------- list


async def test_list_shows_every_state_and_paginates(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Listed")
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


async def test_list_without_backups(bot: Any, discord: FakeDiscord, make_owner: Any) -> None:
    owner = await make_owner("Empty")
    ix = await run(discord, owner.user, "backup list", server=owner.server.identifier)
    message = await ix.wait_final(5)
    assert "has no backups yet" in text_of(message)
    assert "/backup create" in text_of(message)
    assert not buttons(message)


async def test_list_refuses_someone_elses_server(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Mine")
    other = panel.add_server(panel.admin, "Not Yours")
    ix = await run(discord, owner.user, "backup list", server=other.identifier)
    message = await ix.wait_final(5)
    assert f"No server matching “{other.identifier}”" in text_of(message)
    assert ix.ephemeral


# ---------------------------------------------------------------------------------------------- create


async def test_create_edits_progress_until_completed(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Progress")
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
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Failing")
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
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Slow")
    old_duration, old_wait = panel.runtime.backup_duration, bot.backup_wait
    panel.runtime.backup_duration, bot.backup_wait = 3.0, 0.3
    try:
        ix = await run(discord, owner.user, "backup create", server=owner.server.identifier, name="huge")
        text = await wait_text(ix, "Still running after", timeout=5)
    finally:
        panel.runtime.backup_duration, bot.backup_wait = old_duration, old_wait
    assert "/backup list" in text


async def test_create_without_a_name_uses_the_panels(bot: Any, discord: FakeDiscord, make_owner: Any) -> None:
    owner = await make_owner("Unnamed")
    ix = await run(discord, owner.user, "backup create", server=owner.server.identifier)
    text = await wait_text(ix, "✅ Backup completed")
    assert "Backup at " in text
    assert not owner.server.backups[0].is_locked


async def test_create_throttle_is_explained(bot: Any, discord: FakeDiscord, make_owner: Any) -> None:
    owner = await make_owner("Throttled", backup_limit=10)
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


async def test_create_limit_is_explained(bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any) -> None:
    owner = await make_owner("Full", backup_limit=1)
    panel.add_backup(owner.server, "the only one")
    ix = await run(discord, owner.user, "backup create", server=owner.server.identifier)
    message = await ix.wait_final(5)
    assert "Cannot create a new backup, this server has reached its limit of 1 backups." in text_of(message)

    owner.server.backup_limit = 0
    ix = await run(discord, owner.user, "backup create", server=owner.server.identifier)
    message = await ix.wait_final(5)
    assert "reached its limit of 0 backups" in text_of(message)


# ---------------------------------------------------------------------------------------------- download


async def test_download_gives_the_signed_link_privately(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Downloads")
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
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("NotYet")
    running = panel.add_backup(owner.server, "half-done", completed=False)
    ix = await run(discord, owner.user, "backup download", server=owner.server.identifier, backup=running.uuid)
    assert "is in progress: only completed backups can be downloaded" in text_of(await ix.wait_final(5))

    # A backup of another server (even one the user owns) is not accepted for this server.
    other = panel.add_server(owner.account, "Other Box")
    foreign = panel.add_backup(other, "elsewhere")
    ix = await run(discord, owner.user, "backup download", server=owner.server.identifier, backup=foreign.uuid)
    assert f"No backup matching “{foreign.uuid}” on **NotYet**" in text_of(await ix.wait_final(5))
    assert not any(r.path.endswith(f"{foreign.uuid}/download") for r in panel.requests)


# ---------------------------------------------------------------------------------------------- delete


async def test_delete_after_confirmation(bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any) -> None:
    owner = await make_owner("Deleting")
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
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Keeping")
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
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Locked")
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


# ---------------------------------------------------------------------------------------------- restore


async def test_restore_with_truncate_warns_and_restores(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Restoring")
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
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Careful")
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


async def test_only_the_invoker_can_confirm(bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any) -> None:
    owner = await make_owner("Guarded")
    backup = panel.add_backup(owner.server, "mine")
    ix = await run(discord, owner.user, "backup delete", server=owner.server.identifier, backup=backup.uuid)
    question = await confirm_message(ix, "Delete backup")
    stranger = FakeUser(id=owner.user.id + 2_000_000, username="stranger")
    with pytest.raises(PermissionError):  # ephemeral: nobody else can even see it
        await discord.click(stranger, question, button_id(question, "Delete backup"))
    click = await discord.click(owner.user, question, button_id(question, "Cancel"))
    await click.wait_final(5)
    assert backup.deleted_at is None


# ---------------------------------------------------------------------------------------------- autocomplete


async def test_backup_autocomplete_follows_the_chosen_server(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Auto")
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
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any, users: Callable[..., FakeUser]
) -> None:
    owner = await make_owner("Lonely")
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
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Sluggish")
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
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any
) -> None:
    owner = await make_owner("Alpha Box")
    panel.add_server(owner.account, "Beta Box")
    choices = await discord.autocomplete(
        owner.user, "backup create", {"server": "beta"}, focused="server", guild_id=GUILD_ID
    )
    assert [c["name"] for c in choices] == [f"Beta Box · {c['value']}" for c in choices]
    assert len(choices) == 1


# ---------------------------------------------------------------------------------------------- hygiene


async def test_not_linked_is_told_how_to_link(bot: Any, discord: FakeDiscord, users: Callable[..., FakeUser]) -> None:
    user = users("nolink")
    ix = await run(discord, user, "backup list", server="whatever")
    assert "/account link" in text_of(await ix.wait_final(5))
    assert ix.ephemeral


async def test_no_key_leaks_and_no_violations(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_owner: Any, log_records: list[str]
) -> None:
    owner = await make_owner("Hygiene")
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
