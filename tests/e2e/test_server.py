"""``/server`` end to end: list pagination, status, power with its state edit, kill confirmation, console
commands, autocomplete, and the error messages, through the real bot, FakeDiscord and FakePanel.

Each test links a fresh Discord user to a fresh panel user with exactly the servers it needs.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import discord as discord_py
import pytest
import pytest_asyncio

from pyjexactyl.testing import FakePanel
from pyjexactyl.testing import FakeUser as PanelUser
from tests.e2e.helpers import audit_for, button, buttons, linked_user, text_of, wait_finished, wait_message
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

FIRST, PREVIOUS, NEXT, LAST = "≪", "‹", "›", "≫"


# ------------------------------------------------------------------------------------------ helpers


def counter(message: dict[str, Any] | None) -> dict[str, Any]:
    """The paginator's ``x/y`` page button (the middle one)."""
    return buttons(message)[2]


def lines(message: dict[str, Any]) -> list[str]:
    return str(message["embeds"][0].get("description") or "").splitlines()


def assert_answered_well(ix: InteractionRecord) -> None:
    """Deferred first (inside 3 s), and everything ephemeral."""
    assert ix.latency is not None and ix.latency < 3, ix.describe()
    assert ix.deferred, ix.describe()
    assert ix.ephemeral, ix.describe()
    for message in ix.messages:
        assert int(message.get("flags") or 0) & 64, message


@dataclass
class Player:
    """A Discord user linked to their own panel account."""

    discord_user: FakeUser
    account: PanelUser

    @property
    def key(self) -> str:
        return self.account.client_key


@pytest_asyncio.fixture(loop_scope="module")
async def player(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> AsyncIterator[Player]:
    """A freshly linked player without servers; after the test, no payload contains their key."""
    user, account = await linked_user(panel, users, link, "player")
    result = Player(user, account)
    yield result
    assert discord.find_in_payloads(account.client_key) == []


async def run(discord: FakeDiscord, who: Player | FakeUser, name: str, /, **options: Any) -> InteractionRecord:
    """Invokes ``/name`` with ``options`` as ``who`` in the test guild."""
    user = who.discord_user if isinstance(who, Player) else who
    return await discord.slash(user, name, options=options or None, guild_id=GUILD_ID)


def resources_requests(panel: FakePanel) -> int:
    return sum(1 for r in panel.requests if r.path.endswith("/resources"))


# ------------------------------------------------------------------------------------------ list


async def test_list_with_no_servers(discord: FakeDiscord, player: Player) -> None:
    ix = await run(discord, player, "server list")
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    assert "You have no servers on this panel account." in text_of(message)
    assert not message.get("components")


async def test_list_with_one_server_has_no_buttons(discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    server = panel.add_server(player.account, "Lonely <@everyone> *server*", state="running")
    ix = await run(discord, player, "server list")
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    assert not message.get("components")
    (line,) = lines(message)
    assert line.startswith("🟢") and f"`{server.identifier}`" in line
    assert "<@everyone>" not in line and "\\*server\\*" in line  # panel text is escaped


async def test_list_states_of_the_page_only_and_unknown_state_is_white(
    discord: FakeDiscord, panel: FakePanel, player: Player
) -> None:
    servers = panel.add_servers(player.account, 12, "st")
    servers[0].state = "running"
    servers[1].state = "starting"
    servers[2].status = "suspended"  # the panel answers 409 for its resources
    panel.clear_requests()
    ix = await run(discord, player, "server list")
    message = await ix.wait_final(5)
    shown = lines(message)
    assert len(shown) == 10
    assert shown[0].startswith("🟢") and shown[1].startswith("🟡") and shown[3].startswith("🔴")
    assert shown[2].startswith("⚪") and "suspended" in shown[2]
    assert resources_requests(panel) == 10  # only the shown page's states were fetched


@pytest.mark.parametrize(
    ("count", "pages", "last_page_size"),
    [(25, 3, 5), (26, 3, 6), (500, 50, 10)],
)
async def test_list_pagination(
    discord: FakeDiscord, panel: FakePanel, player: Player, count: int, pages: int, last_page_size: int
) -> None:
    servers = panel.add_servers(player.account, count, "pg")
    ix = await run(discord, player, "server list")
    message = await ix.wait_final(10)
    assert_answered_well(ix)
    assert counter(message)["label"] == f"1/{pages}"
    assert button(message, FIRST)["disabled"] and button(message, PREVIOUS)["disabled"]
    assert not button(message, NEXT).get("disabled") and not button(message, LAST).get("disabled")
    assert len(lines(message)) == 10 and servers[0].name in lines(message)[0]
    assert f"{count} servers" in text_of(message)

    async def press(label: str) -> dict[str, Any]:
        current = discord.store.get(int(message["id"]))
        click = await discord.click(player.discord_user, current, button(current, label)["custom_id"])
        await click.wait_final(10)
        assert click.latency is not None and click.latency < 3
        updated = discord.store.get(int(message["id"]))
        assert updated is not None
        return updated

    page = await press(NEXT)
    assert counter(page)["label"] == f"2/{pages}"
    assert servers[10].name in lines(page)[0]
    assert not button(page, PREVIOUS).get("disabled")

    page = await press(LAST)
    assert counter(page)["label"] == f"{pages}/{pages}"
    assert len(lines(page)) == last_page_size
    assert servers[-1].name in lines(page)[-1]
    assert button(page, NEXT)["disabled"] and button(page, LAST)["disabled"]
    assert f"page {pages} of {pages}" in text_of(page)

    page = await press(PREVIOUS)
    assert counter(page)["label"] == f"{pages - 1}/{pages}"
    assert servers[(pages - 2) * 10].name in lines(page)[0]

    page = await press(FIRST)
    assert counter(page)["label"] == f"1/{pages}"
    assert servers[0].name in lines(page)[0]


async def test_list_jump_to_page_and_invoker_only(
    discord: FakeDiscord, panel: FakePanel, player: Player, users: Callable[..., FakeUser]
) -> None:
    servers = panel.add_servers(player.account, 45, "jp")
    ix = await run(discord, player, "server list")
    message = await ix.wait_final(10)

    opened = await discord.click(player.discord_user, message, counter(message)["custom_id"])
    await opened.wait_callback()
    assert opened.modal is not None
    field = opened.modal["components"][0]["components"][0]["custom_id"]
    jumped = await discord.submit_modal(player.discord_user, opened.modal["custom_id"], {field: "4"}, origin=opened)
    await jumped.wait_final(5)
    page = discord.store.get(int(message["id"]))
    assert counter(page)["label"] == "4/5"
    assert servers[30].name in lines(page or {})[0]

    # The list is ephemeral: nobody else can even see it, let alone press its buttons.
    with pytest.raises(PermissionError):
        await discord.click(users("intruder"), message, button(message, NEXT)["custom_id"])


# ------------------------------------------------------------------------------------------ status


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


# ------------------------------------------------------------------------------------------ power


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


# ------------------------------------------------------------------------------------------ console


async def test_command_reaches_the_console_and_is_audited(
    bot: Any, discord: FakeDiscord, panel: FakePanel, player: Player
) -> None:
    server = panel.add_server(player.account, "Chatty", state="running")
    ix = await run(discord, player, "server command", server=server.identifier, command="say hello *world*")
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    assert "Chatty" in text_of(message) and "say hello" in text_of(message)
    assert server.console[-1] == "say hello *world*"
    audit = await audit_for(bot, player.discord_user)
    assert any(e.action == "server.command" and e.detail == "say hello *world*" for e in audit)


async def test_command_to_an_offline_server_says_start_it_first(
    discord: FakeDiscord, panel: FakePanel, player: Player
) -> None:
    server = panel.add_server(player.account, "Sleepy")
    ix = await run(discord, player, "server command", server=server.identifier, command="list")
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    assert "start it first" in text_of(message)
    assert server.console == []


async def test_command_option_is_limited_to_1000_characters(discord: FakeDiscord, player: Player) -> None:
    commands = discord.synced_commands(GUILD_ID)
    group = next(c for c in commands if c["name"] == "server")
    sub = next(o for o in group["options"] if o["name"] == "command")
    option = next(o for o in sub["options"] if o["name"] == "command")
    assert option["max_length"] == 1000 and option["min_length"] == 1


# ------------------------------------------------------------------------------------------ errors


async def test_every_server_command_when_not_linked(discord: FakeDiscord, users: Callable[..., FakeUser]) -> None:
    stranger = users("stranger")
    for command, options in [
        ("server list", {}),
        ("server status", {"server": "abcd1234"}),
        ("server start", {"server": "abcd1234"}),
        ("server command", {"server": "abcd1234", "command": "list"}),
    ]:
        ix = await run(discord, stranger, command, **options)
        message = await ix.wait_final(5)
        assert_answered_well(ix)
        assert "not linked a panel account" in text_of(message), command


# ------------------------------------------------------------------------------------------ autocomplete


async def test_autocomplete_is_fast_filtered_and_capped(discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    panel.add_servers(player.account, 30, "bulk")
    lobby = panel.add_server(player.account, "Lobby Alpha")
    panel.add_server(player.account, "lobby beta")
    for command in ("server status", "server start", "server stop", "server restart", "server kill", "server command"):
        started = time.monotonic()
        choices = await discord.autocomplete(player.discord_user, command, {"server": ""}, focused="server")
        assert time.monotonic() - started < 2.5
        assert len(choices) == 25, command

    choices = await discord.autocomplete(player.discord_user, "server status", {"server": "LOBBY"}, focused="server")
    assert sorted(c["name"] for c in choices) == sorted(
        [f"Lobby Alpha · {lobby.identifier}", f"lobby beta · {panel.server('lobby beta').identifier}"]
    )
    assert lobby.identifier in [c["value"] for c in choices]

    by_id = await discord.autocomplete(
        player.discord_user, "server status", {"server": lobby.identifier}, focused="server"
    )
    assert [c["value"] for c in by_id] == [lobby.identifier]


async def test_autocomplete_for_unlinked_users_and_slow_panels_is_empty(
    bot: Any,
    discord: FakeDiscord,
    panel: FakePanel,
    player: Player,
    users: Callable[..., FakeUser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert await discord.autocomplete(users("nobody"), "server status", {"server": ""}, focused="server") == []

    cog_module = sys.modules[type(bot.get_cog("Server")).__module__]  # the module the bot loaded
    assert cog_module.AUTOCOMPLETE_TIMEOUT <= 2.5  # the real budget, well inside Discord's 3 s
    monkeypatch.setattr(cog_module, "AUTOCOMPLETE_TIMEOUT", 0.3)  # same code path, faster test
    panel.add_server(player.account, "Far Away")
    bot.servers.cache.invalidate(player.discord_user.id)
    panel.set_latency(0.8)
    try:
        started = time.monotonic()
        choices = await discord.autocomplete(player.discord_user, "server status", {"server": ""}, focused="server")
        assert time.monotonic() - started < 0.8
        assert choices == []
        # The load the keystroke gave up on goes on and fills the cache (issue 8, item 5): wait for it.
        pending = bot.servers.cache.pending((player.discord_user.id, "servers"))
        assert pending is not None
        await asyncio.wait_for(asyncio.shield(pending), 5)
    finally:
        panel.set_latency(0.0)
    # The next keystroke gets the server.
    again = await discord.autocomplete(player.discord_user, "server status", {"server": "far"}, focused="server")
    assert [c["name"].split(" · ")[0] for c in again] == ["Far Away"]


async def test_the_list_of_synced_server_commands(discord: FakeDiscord) -> None:
    group = next(c for c in discord.synced_commands(GUILD_ID) if c["name"] == "server")
    names = sorted(o["name"] for o in group["options"])
    assert names == ["command", "console", "kill", "list", "renew", "restart", "start", "status", "stop"]
