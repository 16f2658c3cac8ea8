"""``/server console`` (issue 10): a live console for the invoker, through the console hub. The last lines, edited
at most every 2 s while output arrives (a Discord 429 slows it), for up to 10 minutes (shortened here); buttons
Send command (a form), Refresh and Stop, only for the invoker and only under the link it was opened under; one
live console per user (a second one replaces the first, which says so); the subscription ends with it.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from bot.live_console import EDIT_INTERVAL
from pyjexactyl.testing import FakePanel, FakeServer
from tests.e2e.helpers import (
    Player,
    audit_for,
    button_id,
    buttons,
    confirm_message,
    forged_click,
    helper_without_websocket,
    link_account,
    linked_user,
    text_of,
    wait_finished,
)
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID, modal_field_ids

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

EDIT_ROUTE = "PATCH /webhooks/{application_id}/{token}/messages/{message_id}"
RETRY = re.compile(r"try again in \d+ s")


@pytest_asyncio.fixture(loop_scope="module", autouse=True)
async def quick(bot: Any) -> AsyncIterator[None]:
    """Sessions close 0.2 s after their last subscriber (30 s in production), so tests can see them close; edits
    come every 0.5 s except in the tests of the edit rate, which use the production interval (2 s)."""
    consoles = live(bot)
    linger, bot.watch.linger = bot.watch.linger, 0.2
    consoles.edit_interval = 0.5
    yield
    bot.watch.linger = linger
    consoles.edit_interval = EDIT_INTERVAL


@pytest.fixture
def production_pace(bot: Any) -> Iterator[None]:
    consoles = live(bot)
    consoles.edit_interval = EDIT_INTERVAL
    yield
    consoles.edit_interval = 0.5


def live(bot: Any) -> Any:
    return bot.get_cog("Server").live


async def new_player(panel: FakePanel, users: Callable[..., FakeUser], link: Any, name: str) -> Player:
    user, account = await linked_user(panel, users, link, "live")
    return Player(user, account, panel.add_server(account, name, state="running"))


async def open_console(
    discord: FakeDiscord, user: FakeUser, server: FakeServer
) -> tuple[InteractionRecord, dict[str, Any]]:
    ix = await discord.slash(user, "server console", {"server": server.identifier}, guild_id=GUILD_ID)
    message = await ix.wait_final(10)
    return ix, message


def shown(discord: FakeDiscord, message: dict[str, Any]) -> str:
    current = discord.store.get(int(message["id"]))
    return text_of(current)


def labels(discord: FakeDiscord, message: dict[str, Any]) -> list[str]:
    current = discord.store.get(int(message["id"]))
    return [str(b.get("label")) for row in (current or {}).get("components") or [] for b in row["components"]]


async def wait_shown(discord: FakeDiscord, message: dict[str, Any], needle: str, timeout: float = 6.0) -> str:
    await discord.wait_edit(message, lambda m: needle in text_of(m), after=0, timeout=timeout)
    return shown(discord, message)


def open_sockets(panel: FakePanel, server: FakeServer) -> int:
    return len([c for c in panel.wings.connections if c.server == server.uuid and c.open])


async def press(discord: FakeDiscord, user: FakeUser, message: dict[str, Any], label: str) -> InteractionRecord:
    current = discord.store.get(int(message["id"]))
    click = await discord.click(user, message, button_id(current, label))
    await click.wait_callback()
    return click


async def test_the_console_shows_the_recent_lines_and_follows_new_ones(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Followed")
    panel.console_output(player.server, "[12:00:00 INFO]: Done (3.2s)!", "\x1b[32mPlayer Steve joined\x1b[0m")
    ix, message = await open_console(discord, player.user, player.server)
    assert ix.ephemeral and ix.deferred and ix.latency is not None and ix.latency < 3
    assert [b.get("label") for b in buttons(message)] == ["Send command", "Refresh", "Stop"]
    assert "Console" in text_of(message) and player.server.identifier in text_of(message)
    text = await wait_shown(discord, message, "Player Steve joined")  # Wings replayed the recent lines
    assert "Done (3.2s)!" in text and "\x1b" not in text
    panel.console_output(player.server, "@everyone look ```")
    text = await wait_shown(discord, message, "@everyone look")
    assert text.count("```") == 2
    log = discord.message_log(message)
    assert all(edit.mentions is None or edit.mentions.notifies_nobody for edit in log.edits)
    assert live(bot).of(player.user.id) is not None
    await press(discord, player.user, message, "Stop")


@pytest.mark.usefixtures("production_pace")
async def test_edits_come_at_most_every_two_seconds_while_output_pours_in(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Flood")
    _, message = await open_console(discord, player.user, player.server)
    for n in range(140):  # 20 lines a second for 7 s
        panel.console_output(player.server, f"flood {n}")
        await asyncio.sleep(0.05)
    await wait_shown(discord, message, "flood 139")
    log = discord.message_log(message)
    times = log.edit_times()
    assert len(times) >= 3  # it did follow the output ...
    assert EDIT_INTERVAL == 2.0
    assert log.max_edits_within(2.0) == 1, [round(b - a, 2) for a, b in itertools.pairwise(times)]  # ... paced
    text = shown(discord, message)
    assert "flood 139" in text and "flood 100" not in text  # the latest lines, not all of them
    await press(discord, player.user, message, "Stop")


@pytest.mark.usefixtures("production_pace")
async def test_a_429_from_discord_slows_the_edits(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Limited")
    _, message = await open_console(discord, player.user, player.server)
    log = discord.message_log(message)
    panel.console_output(player.server, "warming up")
    await wait_shown(discord, message, "warming up")
    hits = len(discord.rate_limited)
    discord.rate_limit_next(EDIT_ROUTE, n=1, retry_after=1.5)
    stop = asyncio.Event()

    async def pour() -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            panel.console_output(player.server, f"line {n}")
            await asyncio.sleep(0.1)

    pouring = asyncio.create_task(pour())
    try:
        await discord.wait_rate_limited(EDIT_ROUTE, after=hits, timeout=10)
        limited_at = len(log.attempts)
        await discord.wait_edit(message, after=len(log.edits), timeout=10)  # the retried edit
        retried = len(log.edits) - 1
        await discord.wait_edit(message, after=retried + 1, timeout=15)  # the next one
    finally:
        stop.set()
        await pouring
    times = log.edit_times()
    assert EDIT_INTERVAL == 2.0
    assert times[retried + 1] - times[retried] >= 3.5, "after a 429 the interval widens (2 s -> 4 s or more)"
    assert log.attempts[limited_at - 1].status == 429
    assert log.max_edits_within(2.0) == 1
    await press(discord, player.user, message, "Stop")


async def test_send_command_through_the_form(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Commanded")
    panel.wings.respond("list", ["There are 1 of a max of 20 players online: Steve"], server=player.server)
    _, message = await open_console(discord, player.user, player.server)
    panel.clear_requests()
    opened = await press(discord, player.user, message, "Send command")
    assert opened.modal is not None  # a form is the first answer (no defer before it)
    modal_id, fields = modal_field_ids(opened)
    await bot.tracker.wait_finished(opened.id, 5)
    submitted = await discord.submit_modal(player.user, modal_id, {fields[0]: "list"}, origin=opened)
    await submitted.wait_callback()
    assert submitted.deferred and submitted.latency is not None and submitted.latency < 3
    text = await wait_shown(discord, message, "players online: Steve")
    assert "Sent: `list`" in text
    await wait_finished(bot, discord, player.user)
    assert player.server.console == ["list"]
    posts = [r for r in panel.requests if r.method == "POST" and r.path.endswith("/command")]
    assert len(posts) == 1 and not [f for f in panel.wings.received("send command") if f.server == player.server.uuid]
    audit = await audit_for(bot, player.user)
    assert any(e.action == "server.command" and e.detail == "list" and e.outcome == "ok" for e in audit)
    assert not submitted.followups  # nothing but the console itself answers
    await press(discord, player.user, message, "Stop")


async def test_the_form_shares_the_console_command_rate(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Rated")
    _, message = await open_console(discord, player.user, player.server)
    cog = bot.get_cog("Server")
    for _ in range(cog.console_rate.rate):  # the slash command's allowance, spent here
        assert cog.console_rate.hit(player.user.id) is None
    opened = await press(discord, player.user, message, "Send command")
    modal_id, fields = modal_field_ids(opened)
    await bot.tracker.wait_finished(opened.id, 5)
    submitted = await discord.submit_modal(player.user, modal_id, {fields[0]: "say too much"}, origin=opened)
    answer = await submitted.wait_final(5)
    assert RETRY.search(text_of(answer)) and submitted.ephemeral
    assert player.server.console == []
    await press(discord, player.user, message, "Stop")


async def test_refresh_asks_for_the_recent_lines_again(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Refreshed")
    panel.console_output(player.server, "old line")
    _, message = await open_console(discord, player.user, player.server)
    await wait_shown(discord, message, "old line")
    asked = len([f for f in panel.wings.received("send logs") if f.server == player.server.uuid])
    edits = discord.edit_count(message)
    click = await press(discord, player.user, message, "Refresh")
    assert click.deferred and click.latency is not None and click.latency < 3
    await discord.wait_edit(message, lambda m: "old line" in text_of(m), after=edits, timeout=6)
    assert len([f for f in panel.wings.received("send logs") if f.server == player.server.uuid]) == asked + 1
    assert shown(discord, message).count("old line") == 1
    await press(discord, player.user, message, "Stop")


async def test_stop_ends_it_and_the_session_closes(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Stopped")
    _, message = await open_console(discord, player.user, player.server)
    assert open_sockets(panel, player.server) == 1
    click = await press(discord, player.user, message, "Stop")
    assert click.deferred and click.latency is not None and click.latency < 3
    text = await wait_shown(discord, message, "Stopped following")
    assert "Run `/server console` again" in text
    assert labels(discord, message) == []
    assert live(bot).of(player.user.id) is None
    await panel.wings.wait_for(lambda: open_sockets(panel, player.server) == 0, 5)


async def test_a_second_console_replaces_the_first(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "First")
    second = panel.add_server(player.account, "Second", state="running")
    _, first_message = await open_console(discord, player.user, player.server)
    _, second_message = await open_console(discord, player.user, second)
    await wait_shown(discord, first_message, "Replaced by a newer live console")
    assert labels(discord, first_message) == []
    assert labels(discord, second_message) == ["Send command", "Refresh", "Stop"]
    assert live(bot).of(player.user.id).ref.identifier == second.identifier
    await panel.wings.wait_for(lambda: open_sockets(panel, player.server) == 0, 5)
    assert open_sockets(panel, second) == 1
    assert "Replaced" not in shown(discord, second_message) and "following live" in text_of(second_message)
    await press(discord, player.user, second_message, "Stop")


async def test_it_stops_following_after_its_time(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    consoles = live(bot)
    consoles.follow_for = 2.0  # ten minutes in production
    try:
        player = await new_player(panel, users, link, "Timed")
        _, message = await open_console(discord, player.user, player.server)
    finally:
        consoles.follow_for = 600.0
    text = await wait_shown(discord, message, "Stopped following after 2 s", timeout=8)
    assert "Run `/server console` again" in text
    assert labels(discord, message) == []
    assert consoles.of(player.user.id) is None
    await panel.wings.wait_for(lambda: open_sockets(panel, player.server) == 0, 5)


async def test_only_the_invoker_can_use_it(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Private")
    intruder, _ = await linked_user(panel, users, link, "nosy")
    _, message = await open_console(discord, player.user, player.server)
    with pytest.raises(PermissionError):  # ephemeral: nobody else can even see it
        await discord.click(intruder, message, button_id(message, "Stop"))
    forged = await forged_click(discord, intruder, message, "Stop")  # a modified client pressing it anyway
    answer = await forged.wait_final(5)
    assert "not yours" in text_of(answer)
    assert live(bot).of(player.user.id) is not None  # still following
    await press(discord, player.user, message, "Stop")


async def test_a_button_after_a_relink_does_nothing_and_ends_the_console(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Relinked")
    _, message = await open_console(discord, player.user, player.server)
    await link_account(link, player.user, player.account)
    click = await press(discord, player.user, message, "Refresh")
    assert "nothing was done" in text_of(await click.wait_final(5))
    await wait_shown(discord, message, "your panel link changed")
    assert labels(discord, message) == []


async def test_without_the_websocket_permission_it_says_why(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    helper, server = await helper_without_websocket(panel, users, link, "host", "No socket", "guest")
    ix = await discord.slash(helper, "server console", {"server": server.identifier}, guild_id=GUILD_ID)
    answer = await ix.wait_final(10)
    assert "cannot be opened" in text_of(answer) and "`websocket.connect`" in text_of(answer)
    assert not buttons(answer)
    await wait_finished(bot, discord, helper)
    assert live(bot).of(helper.id) is None


async def test_an_unlink_ends_the_console_by_itself(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Unlinked")
    _, message = await open_console(discord, player.user, player.server)
    ix = await discord.slash(player.user, "account unlink", guild_id=GUILD_ID)
    question = await confirm_message(ix, "Unlink account")
    await discord.click(player.user, question, button_id(question, "Unlink account"))
    text = await wait_shown(discord, message, "your panel link changed")
    assert "following live" not in text and labels(discord, message) == []
    assert live(bot).of(player.user.id) is None
    await panel.wings.wait_for(lambda: open_sockets(panel, player.server) == 0, 5)


async def test_with_the_node_down_it_says_why(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "remote")
    node = panel.add_node("Down under")
    server = panel.add_server(account, "Unreachable", state="running", node=node)
    panel.wings.set_node_down(node)
    try:
        ix = await discord.slash(user, "server console", {"server": server.identifier}, guild_id=GUILD_ID)
        answer = await ix.wait_final(10)
    finally:
        panel.wings.set_node_down(node, False)
    assert "cannot be opened" in text_of(answer) and "cannot be reached" in text_of(answer)
    assert not buttons(answer) and live(bot).of(user.id) is None


# Last in the module: it shuts the module's bot down.
async def test_a_shutdown_ends_every_live_console_saying_so(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Shutdown")
    _, message = await open_console(discord, player.user, player.server)
    consoles = live(bot)
    await bot.close()
    text = shown(discord, message)
    assert "the bot is restarting" in text, text
    assert labels(discord, message) == []
    assert consoles.of(player.user.id) is None
    await panel.wings.wait_for(lambda: open_sockets(panel, player.server) == 0, 5)
