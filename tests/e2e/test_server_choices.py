"""Server choices (issue 8, items 1 and 5): labels that cannot be spoofed, answers that name the server they
acted on, and an autocomplete cache that a slow panel or a made-up value cannot defeat.

A panel user can make anyone a subuser of their own server and give it any name. The victim's suggestions
then list that server too, so every label ends with the server's own identifier (the name is clipped, never
the identifier) and servers the user does not own say "shared".
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import linked_user, text_of, wait_message
from tests.fake_discord import FakeDiscord, FakeUser

from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

SERVER_COMMANDS = ("server status", "server start", "server stop", "server restart", "server kill", "server command")
BACKUP_COMMANDS = ("backup list", "backup create", "backup download", "backup delete", "backup restore")


def list_requests(panel: FakePanel) -> int:
    return sum(1 for r in panel.requests if r.path.rstrip("/") == "/api/client")


# ------------------------------------------------------------------------------------------ item 1: labels


async def test_a_spoofed_name_cannot_hide_the_identifier_of_a_shared_server(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    victim, account = await linked_user(panel, users, link, "victim")
    real = panel.add_server(account, "Survival")
    attacker = panel.add_user(f"attacker{victim.id % 100000}")
    # Named like the victim's server, its identifier, then padding so that a 100-character cut drops the
    # real identifier that follows.
    spoof = panel.add_server(attacker, f"Survival ({real.identifier})" + " " * 70 + "x" * 20)
    panel.add_subuser(spoof, account, ["control.console", "control.start", "backup.read", "backup.create"])

    for command in (*SERVER_COMMANDS, *BACKUP_COMMANDS):
        choices = await discord.autocomplete(
            victim, command, {"server": "surv"}, focused="server", guild_id=GUILD_ID
        )
        labels = {c["value"]: c["name"] for c in choices}
        assert set(labels) == {real.identifier, spoof.identifier}, command
        assert labels[real.identifier].endswith(real.identifier), labels
        assert "shared" not in labels[real.identifier]
        assert labels[spoof.identifier].endswith(f"shared · {spoof.identifier}"), labels
        assert all(len(label) <= 100 for label in labels.values())
    discord.assert_no_violations()


async def test_labels_drop_control_and_direction_characters(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "bidi")
    # U+202E (right-to-left override) would show the rest of the label reversed; a newline, a new line.
    server = panel.add_server(account, "Lobby\u202e\n\tdlrow")
    choices = await discord.autocomplete(
        user, "server status", {"server": "lobby"}, focused="server", guild_id=GUILD_ID
    )
    (label,) = [c["name"] for c in choices]
    assert label.endswith(server.identifier)
    assert not any(ch in label for ch in "\u202e\n\t"), repr(label)


async def test_answers_that_act_on_a_server_name_its_identifier(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "named")
    server = panel.add_server(account, "Arena", state="offline", backup_limit=5)
    ident = f"`{server.identifier}`"

    started = await discord.slash(user, "server start", {"server": server.identifier}, guild_id=GUILD_ID)
    assert ident in text_of(await started.wait_final(5))
    assert ident in text_of(await wait_message(started, "is now running"))

    sent = await discord.slash(
        user, "server command", {"server": server.identifier, "command": "say hi"}, guild_id=GUILD_ID
    )
    assert ident in text_of(await sent.wait_final(5))

    created = await discord.slash(user, "backup create", {"server": server.identifier}, guild_id=GUILD_ID)
    assert ident in text_of(await wait_message(created, "Completed"))


# ------------------------------------------------------------------------------------------ item 5: cache


async def test_a_made_up_server_does_not_reload_the_list_on_every_keystroke(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "typo")
    panel.add_servers(account, 450, "many")  # five pages of 100
    panel.clear_requests()
    for typed in ("n", "no", "nop", "nope", "nope!", "nope!!", "nope!!!", "x", "xy", "xyz"):
        choices = await discord.autocomplete(
            user, "backup delete", {"server": "made-up", "backup": typed}, focused="backup", guild_id=GUILD_ID
        )
        assert choices == []
    assert list_requests(panel) <= 5, f"{list_requests(panel)} server-list page requests for 10 keystrokes"


async def test_a_panel_slower_than_the_autocomplete_budget_still_fills_the_cache(
    bot: Any,
    discord: FakeDiscord,
    panel: FakePanel,
    users: Callable[..., FakeUser],
    link: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user, account = await linked_user(panel, users, link, "slow")
    cog_module = sys.modules[type(bot.get_cog("Server")).__module__]
    monkeypatch.setattr(cog_module, "AUTOCOMPLETE_TIMEOUT", 0.3)  # the same code path, a faster test
    panel.add_server(account, "Far Away")
    bot.servers.cache.invalidate(user.id)
    panel.set_latency(0.8)
    try:
        first = await discord.autocomplete(user, "server status", {"server": ""}, focused="server", guild_id=GUILD_ID)
        assert first == []  # too slow for this keystroke...
        pending = bot.servers.cache.pending((user.id, "servers"))
        assert pending is not None, "the load was dropped when the keystroke gave up"
        await asyncio.wait_for(asyncio.shield(pending), 5)  # ...but the load goes on and is kept
    finally:
        panel.set_latency(0.0)
    panel.clear_requests()
    again = await discord.autocomplete(user, "server status", {"server": "far"}, focused="server", guild_id=GUILD_ID)
    assert [c["value"] for c in again] == [panel.server("Far Away").identifier]
    assert list_requests(panel) == 0  # served from the cache the slow load filled


async def test_concurrent_refreshes_share_one_request(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "burst")
    server = panel.add_server(account, "Shared Load")
    panel.clear_requests()
    # /server list always asks the panel for a fresh list: five at once make one request.
    panel.set_latency(0.3)
    try:
        listed = [await discord.slash(user, "server list", guild_id=GUILD_ID) for _ in range(5)]
        for ix in listed:
            assert server.identifier in text_of(await ix.wait_final(5))
    finally:
        panel.set_latency(0.0)
    assert list_requests(panel) <= 2
