"""``/server status`` and the power commands end to end: the status card, power with its state edit, the
cooldown, kill confirmation, a suspended server and a rate-limited panel.

Each test links a fresh Discord user to a fresh panel user with exactly the servers it needs.
"""

from __future__ import annotations

from typing import Any

import discord as discord_py
import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import audit_for, button, buttons, text_of, wait_finished, wait_message
from tests.fake_discord import FakeDiscord

from .server_helpers import (
    Player,
    assert_answered_well,
    run,
)

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


async def test_status_of_a_running_server(discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    server = panel.add_server(player.account, "Lobby", state="running", memory=2048, disk=10240, cpu=200)
    ix = await run(discord, player, "server status", server=server.identifier)
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    embed = message["embeds"][0]
    assert "Lobby" in embed["title"] and server.identifier in embed["description"]
    assert embed["color"] == discord_py.Colour.green().value
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "running" in fields["State"]
    assert "of 200%" in fields["CPU"] and "▰" in fields["CPU"]
    assert "of 2.0 GiB" in fields["Memory"] and "%" in fields["Memory"]
    assert "of 10.0 GiB" in fields["Disk"]
    assert "received" in fields["Network"] and "sent" in fields["Network"]
    assert fields["Uptime"]


async def test_status_of_an_offline_server_by_name(discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    panel.add_server(player.account, "Quiet Place", memory=0)
    ix = await run(discord, player, "server status", server="quiet place")
    message = await ix.wait_final(5)
    embed = message["embeds"][0]
    assert embed["color"] == discord_py.Colour.red().value
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "offline" in fields["State"] and "memory no limit" in fields["Allocated"]


async def test_status_refuses_another_users_server(discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    someone_else = panel.add_user(f"other{player.discord_user.id % 100000}")
    theirs = panel.add_server(someone_else, "Not Yours")
    panel.clear_requests()
    ix = await run(discord, player, "server status", server=theirs.identifier)
    message = await ix.wait_final(5)
    assert "No server matching" in text_of(message)
    assert not any(theirs.identifier in r.path for r in panel.requests)  # never reached a panel path


async def test_status_of_a_server_gone_from_the_panel_is_a_404_message(
    discord: FakeDiscord, panel: FakePanel, player: Player
) -> None:
    server = panel.add_server(player.account, "Doomed")
    listed = await run(discord, player, "server list")  # fills the bot's per-user server cache
    await listed.wait_final(5)
    with panel.store.lock:
        panel.store.delete_server(server)
    ix = await run(discord, player, "server status", server=server.identifier)
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    assert "does not exist on your panel account" in text_of(message)


async def test_start_edits_the_answer_once_running(
    bot: Any, discord: FakeDiscord, panel: FakePanel, player: Player
) -> None:
    server = panel.add_server(player.account, "Starter")
    ix = await run(discord, player, "server start", server=server.identifier)
    first = await ix.wait_final(5)
    assert_answered_well(ix)
    assert "Sent **start** to **Starter**" in text_of(first) and "asynchronously" in text_of(first)
    done = await wait_message(ix, "is now running")
    assert done["id"] == first["id"]  # the same message was edited
    assert server.state == "running"
    audit = await audit_for(bot, player.discord_user)
    assert any(e.action == "server.power" and e.target == server.identifier and e.detail == "start" for e in audit)


async def test_stop_and_restart_follow_the_state(discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    server = panel.add_server(player.account, "Cycler", state="running")
    ix = await run(discord, player, "server restart", server=server.identifier)
    done = await wait_message(ix, "is now running")
    history = [m.get("content") for m in discord.store.meta[int(done["id"])].history]
    assert any("Sent **restart**" in (c or "") for c in history)
    assert server.state == "running"

    # Another server: one server takes one power signal per 5 s, whatever the signal (issue 8, item 7).
    other = panel.add_server(player.account, "Stopper", state="running")
    ix = await run(discord, player, "server stop", server=other.identifier)
    await wait_message(ix, "is now offline")
    assert other.state == "offline"


async def test_power_says_when_the_server_is_still_changing(
    bot: Any, discord: FakeDiscord, panel: FakePanel, player: Player
) -> None:
    server = panel.add_server(player.account, "Slowpoke")
    old_delay, old_wait = panel.runtime.power_delay, bot.power_wait
    panel.runtime.power_delay, bot.power_wait = 30.0, 0.4
    try:
        ix = await run(discord, player, "server start", server=server.identifier)
        message = await wait_message(ix, "still changing")
    finally:
        panel.runtime.power_delay, bot.power_wait = old_delay, old_wait
    assert "currently starting" in text_of(message) and "/server status" in text_of(message)


async def test_power_cooldown_stops_button_mashing(discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    server = panel.add_server(player.account, "Mashed", state="running")
    first = await run(discord, player, "server stop", server=server.identifier)
    await first.wait_final(5)
    second = await run(discord, player, "server stop", server=server.identifier)
    message = await second.wait_final(5)
    assert "Slow down" in text_of(message)
    assert second.ephemeral and second.latency is not None and second.latency < 3
    await wait_message(first, "is now offline")


async def test_kill_asks_first_and_kills_on_confirm(discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    server = panel.add_server(player.account, "Victim", state="running")
    ix = await run(discord, player, "server kill", server=server.identifier)
    question = await ix.wait_final(5)
    assert_answered_well(ix)
    assert "Kill **Victim**" in text_of(question)
    assert server.state == "running"  # nothing sent yet
    kill = button(question, "Kill server")
    assert kill["style"] == discord_py.ButtonStyle.danger.value
    click = await discord.click(player.discord_user, question, kill["custom_id"])
    await click.wait_final(5)
    await wait_message(ix, "is now offline")
    assert server.state == "offline"
    assert all(b.get("disabled") for b in buttons(discord.store.get(int(question["id"]))))


async def test_kill_cancelled_sends_nothing(bot: Any, discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    server = panel.add_server(player.account, "Survivor", state="running")
    panel.clear_requests()
    ix = await run(discord, player, "server kill", server=server.identifier)
    question = await ix.wait_final(5)
    click = await discord.click(player.discord_user, question, button(question, "Cancel")["custom_id"])
    await click.wait_final(5)
    await wait_message(ix, "Cancelled")
    await wait_finished(bot, discord, player.discord_user)  # the command has ended: nothing more will be sent
    assert server.state == "running"
    assert not any(r.path.endswith("/power") for r in panel.requests)


async def test_power_on_a_suspended_server_is_a_409_message(
    discord: FakeDiscord, panel: FakePanel, player: Player
) -> None:
    server = panel.add_server(player.account, "Frozen", suspended=True)
    ix = await run(discord, player, "server start", server=server.identifier)
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    assert "cannot do that right now" in text_of(message)
    assert server.state == "offline"


async def test_status_of_a_suspended_server_is_a_card_not_an_error(
    discord: FakeDiscord, panel: FakePanel, player: Player
) -> None:
    """The panel answers 409 for its usage; the card says the server is suspended (tests/e2e/test_status_card.py
    covers every such state)."""
    server = panel.add_server(player.account, "Iced", suspended=True)
    ix = await run(discord, player, "server status", server=server.identifier)
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    assert "cannot do that right now" not in text_of(message) and "suspended" in text_of(message)


async def test_rate_limited_panel_says_when_to_retry(discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    server = panel.add_server(player.account, "Busy")
    panel.fail_next(1, 429, path_prefix=f"/api/client/servers/{server.identifier}/power", retry_after=300)
    try:
        ix = await run(discord, player, "server start", server=server.identifier)
        message = await ix.wait_final(5)
    finally:
        panel.reset_faults()
    assert_answered_well(ix)
    assert "rate limited" in text_of(message) and "300 s" in text_of(message)
    assert server.state == "offline"
