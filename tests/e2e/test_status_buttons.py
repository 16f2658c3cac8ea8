"""The ``/server status`` card's buttons (issue 10): Refresh, and the power actions that make sense for the state
(Start when offline; Stop, Restart and Kill when running; Kill behind a confirmation), only for the invoker, with
the invoker's own current key, under the link the card was made under, the server re-resolved at press time, and
the one power cooldown per (user, server) of the slash commands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel, FakeServer
from tests.e2e.helpers import (
    Player,
    audit_for,
    button_id,
    buttons,
    confirm_message,
    forged_click,
    link_account,
    linked_user,
    text_of,
    wait_finished,
    wait_message,
)
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

RETRY = re.compile(r"try again in \d+ s")


async def new_player(
    panel: FakePanel, users: Callable[..., FakeUser], link: Any, name: str, state: str = "offline", **kw: Any
) -> Player:
    user, account = await linked_user(panel, users, link, "card")
    return Player(user, account, panel.add_server(account, name, state=state, **kw))


async def card(discord: FakeDiscord, user: FakeUser, server: FakeServer) -> tuple[InteractionRecord, dict[str, Any]]:
    ix = await discord.slash(user, "server status", {"server": server.identifier}, guild_id=GUILD_ID)
    message = await ix.wait_final(5)
    return ix, message


def labels(message: dict[str, Any] | None) -> list[str]:
    return [str(b.get("label")) for b in buttons(message)]


def state_field(message: dict[str, Any] | None) -> str:
    embed = (message or {}).get("embeds", [{}])[0]
    return next((f["value"] for f in embed.get("fields") or [] if f["name"] == "State"), "")


def power_posts(panel: FakePanel, server: FakeServer) -> list[Any]:
    return [r for r in panel.requests if r.method == "POST" and r.path.endswith(f"/{server.identifier}/power")]


async def press(discord: FakeDiscord, user: FakeUser, message: dict[str, Any], label: str) -> InteractionRecord:
    click = await discord.click(user, message, button_id(message, label))
    await click.wait_callback()
    return click


def current(discord: FakeDiscord, message: dict[str, Any]) -> dict[str, Any]:
    found = discord.store.get(int(message["id"]))
    assert found is not None
    return found


async def test_buttons_follow_the_state(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "states")
    expected = {
        "offline": ["Refresh", "Start"],
        "running": ["Refresh", "Stop", "Restart", "Kill"],
        "starting": ["Refresh", "Stop", "Restart", "Kill"],
        "stopping": ["Refresh", "Kill"],
    }
    for state, wanted in expected.items():
        server = panel.add_server(account, f"S-{state}", state=state)
        _, message = await card(discord, user, server)
        assert labels(message) == wanted, state
    suspended = panel.add_server(account, "Frozen", suspended=True)
    _, message = await card(discord, user, suspended)
    assert labels(message) == ["Refresh"]
    assert "suspended" in text_of(message)


async def test_start_from_the_card_follows_the_state_and_renders_new_buttons(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Starter")
    _ix, message = await card(discord, player.user, player.server)
    panel.clear_requests()
    click = await press(discord, player.user, message, "Start")
    assert click.deferred and click.latency is not None and click.latency < 3
    await wait_message(click, "is now running", 10)
    await click.wait_for(lambda r: "Stop" in labels(current(discord, message)), 10)
    updated = current(discord, message)
    assert labels(updated) == ["Refresh", "Stop", "Restart", "Kill"]
    assert "running" in state_field(updated)
    assert player.server.state == "running"
    assert len(power_posts(panel, player.server)) == 1
    assert all(int(m.get("flags") or 0) & 64 for m in click.messages)
    await wait_finished(bot, discord, player.user)
    audit = await audit_for(bot, player.user)
    assert any(e.action == "server.power" and e.detail == "start" and e.outcome == "ok" for e in audit)
    assert bot.watch.power_requested(player.server.identifier) == "start"  # alerts will not call it a crash


async def test_refresh_reads_the_server_again(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Changing")
    _, message = await card(discord, player.user, player.server)
    assert "offline" in state_field(message)
    player.server.state = "running"  # started elsewhere (the panel, another bot)
    panel.clear_requests()
    click = await press(discord, player.user, message, "Refresh")
    assert click.deferred and click.latency is not None and click.latency < 3
    await click.wait_for(lambda r: "running" in state_field(current(discord, message)), 5)
    assert labels(current(discord, message)) == ["Refresh", "Stop", "Restart", "Kill"]
    assert not power_posts(panel, player.server)
    assert len(discord.interactions[-1].followups) == 0  # the card itself changed; no extra message


async def test_kill_asks_first_and_cancel_does_nothing(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Victim", state="running")
    _, message = await card(discord, player.user, player.server)
    panel.clear_requests()

    click = await press(discord, player.user, message, "Kill")
    question = await confirm_message(click, "Kill server")
    assert "without saving" in text_of(question)
    await discord.click(player.user, question, button_id(question, "Cancel"))
    await wait_message(click, "Cancelled")
    await wait_finished(bot, discord, player.user)
    assert not power_posts(panel, player.server) and player.server.state == "running"

    click = await press(discord, player.user, current(discord, message), "Kill")
    question = await confirm_message(click, "Kill server")
    await discord.click(player.user, question, button_id(question, "Kill server"))
    await wait_message(click, "is now offline", 10)
    await click.wait_for(lambda r: labels(current(discord, message)) == ["Refresh", "Start"], 10)
    assert len(power_posts(panel, player.server)) == 1 and player.server.state == "offline"


async def test_the_power_cooldown_covers_buttons_and_commands(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Mashed", state="running")
    _, message = await card(discord, player.user, player.server)
    panel.clear_requests()
    restart = await discord.slash(
        player.user, "server restart", {"server": player.server.identifier}, guild_id=GUILD_ID
    )
    await restart.wait_final(5)
    for label in ("Stop", "Restart"):
        click = await press(discord, player.user, message, label)
        refused = await wait_message(click, "try again in")
        assert RETRY.search(text_of(refused)) and player.server.identifier in text_of(refused)
    kill = await press(discord, player.user, message, "Kill")
    refused = await wait_message(kill, "try again in")  # peeked before asking: no question for nothing
    assert "Kill server" not in str(kill.messages)
    await wait_finished(bot, discord, player.user)
    assert len(power_posts(panel, player.server)) == 1


async def test_a_card_of_a_replaced_link_does_nothing(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Stale")
    _, message = await card(discord, player.user, player.server)
    await link_account(link, player.user, player.account)  # a new link, even to the same account
    panel.clear_requests()
    click = await press(discord, player.user, message, "Start")
    answer = await click.wait_final(5)
    assert "nothing was done" in text_of(answer)
    assert not panel.requests and player.server.state == "offline"


async def test_the_server_is_resolved_again_when_pressed(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    _owner, owner_account = await linked_user(panel, users, link, "lender")
    server = panel.add_server(owner_account, "Lent", state="running")
    helper, helper_account = await linked_user(panel, users, link, "borrower")
    subuser = panel.add_subuser(server, helper_account, ["control.start", "control.stop", "control.restart"])
    _, message = await card(discord, helper, server)
    server.subusers.remove(subuser)  # the owner took the access away after the card was shown
    panel.clear_requests()
    click = await press(discord, helper, message, "Stop")
    # With the helper's own key: refused whether the cached list still had it (the panel answers 404) or not.
    await click.wait_for(lambda r: "not exist on your panel account" in text_of(r.last_message), 5)
    await wait_finished(bot, discord, helper)
    assert server.state == "running"
    audit = await audit_for(bot, helper)
    assert not any(e.action == "server.power" and e.outcome == "ok" for e in audit)


async def test_only_the_invoker_can_press(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Mine")
    intruder, _ = await linked_user(panel, users, link, "intruder")
    _, message = await card(discord, player.user, player.server)
    with pytest.raises(PermissionError):  # ephemeral: nobody else can even see it
        await discord.click(intruder, message, button_id(message, "Start"))
    panel.clear_requests()
    forged = await forged_click(discord, intruder, message, "Start")  # a modified client pressing it anyway
    answer = await forged.wait_final(5)
    assert "not yours" in text_of(answer)
    assert not power_posts(panel, player.server) and player.server.state == "offline"


async def test_the_buttons_go_after_a_while_without_a_press(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    cog = bot.get_cog("Server")
    cog.status_timeout = 0.5  # 180 s in production
    try:
        player = await new_player(panel, users, link, "Idle")
        _, message = await card(discord, player.user, player.server)
    finally:
        cog.status_timeout = 180.0
    assert labels(message) == ["Refresh", "Start"]
    await discord.wait_edit(message, lambda m: not m.get("components"), after=0, timeout=5)
    assert "Idle" in text_of(current(discord, message))  # the card stays, only the buttons go
