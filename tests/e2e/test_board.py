"""``/board`` end to end: a public status message kept current from the shared console session (state changes
at once, usage at the interval, coalesced, escaped, mentioning nobody), listed, removed, removed quietly when
its message or channel is deleted, paused when the owner unlinks or the bot loses a permission, slowed by 429s;
and who may add one.

Real bot, FakeDiscord and FakePanel with its fake Wings; timings are shortened by ``tune`` (same ratios).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import pytest
import pytest_asyncio

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import button_id, confirm_message, text_of
from tests.fake_discord import FakeDiscord, FakeUser
from tests.fake_discord import permissions as P

from .conftest import GUILD_ID
from .watch_helpers import INTERVAL, STATE_GAP, board_id_of, command, new_owner, owner_server_channel, tune

ADMIN_ROLE = 950000000000000001
BOT_ENV = {"ADMIN_ROLE_IDS": str(ADMIN_ROLE)}

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


@pytest_asyncio.fixture(scope="module", loop_scope="module", autouse=True)
async def fast(bot: Any) -> None:
    tune(bot)


def board_in(discord: FakeDiscord, channel: Any) -> dict[str, Any]:
    boards = [m for m in discord.messages_in(channel) if m.get("embeds")]
    assert len(boards) == 1, boards
    return boards[0]


async def test_a_board_shows_the_server_and_follows_its_state_and_usage(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner, server, channel = await owner_server_channel(
        discord, panel, users, link, "boarder", "Survival <@everyone> **1**", "status"
    )
    ix = await command(discord, owner.user, "board add", server=server.identifier, channel=channel)
    assert "posted in" in text_of(ix.final), text_of(ix.final)
    assert ix.ephemeral
    board = board_in(discord, channel)
    shown = text_of(board)
    assert "running" in shown and server.identifier in shown
    assert "Survival" in shown and "@everyone" not in shown.replace("@\u200beveryone", ""), shown  # escaped
    assert "Updated <t:" in shown
    edit = await discord.wait_edit(board, lambda m: "CPU" in text_of(m), timeout=5)  # the first stats
    shown = text_of(edit.message)
    assert "Memory" in shown and "Disk" in shown and "Network" in shown and "▰" in shown, shown
    assert discord.mentions_of(board).notifies_nobody
    assert owner.account.client_key not in str(board)
    assert discord.find_in_payloads(owner.account.client_key) == []

    # a state change is shown within the state gap (2 s in production)
    edits = discord.edit_count(board)
    changed_at = time.monotonic()
    server.state = "offline"
    edit = await discord.wait_edit(board, lambda m: "offline" in text_of(m), after=edits, timeout=5)
    assert edit.at - changed_at <= STATE_GAP + 1.0

    # a burst of state changes is coalesced: the latest state wins, edits stay STATE_GAP apart
    edits = discord.edit_count(board)
    for state in ("starting", "running", "stopping", "offline", "starting", "running"):
        server.state = state
    await discord.wait_edit(board, lambda m: "🟢" in text_of(m), after=edits, timeout=5)
    assert discord.edit_count(board) - edits <= 2, [text_of(e.message)[:40] for e in discord.message_log(board).edits]

    # usage (a stats change) is shown at most every INTERVAL
    edits = discord.edit_count(board)
    last = discord.message_log(board).edit_times()[-1]
    server.disk_bytes = 3 * 1024**3
    edit = await discord.wait_edit(board, lambda m: "3.0 GiB" in text_of(m), after=edits, timeout=INTERVAL * 3)
    assert edit.at - last >= INTERVAL * 0.9
    times = discord.message_log(board).edit_times()
    assert all(b - a >= STATE_GAP * 0.9 for a, b in itertools.pairwise(times)), times


async def test_board_list_and_remove(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner, server, channel = await owner_server_channel(discord, panel, users, link, "lister", "Creative", "boards")
    added = await command(discord, owner.user, "board add", server=server.identifier, channel=channel)
    board_id = board_id_of(added)
    board = board_in(discord, channel)

    listed = await command(discord, owner.user, "board list")
    assert f"#{board_id}" in text_of(listed.final) and "Creative" in text_of(listed.final)
    assert "live" in text_of(listed.final)

    choices = await discord.autocomplete(
        owner.user, "board remove", {"board": "Creat"}, focused="board", guild_id=added.guild_id
    )
    assert [c["value"] for c in choices] == [str(board_id)]
    removed = await command(discord, owner.user, "board remove", board=str(board_id))
    assert "removed" in text_of(removed.final)
    await discord.wait_deleted(board)
    assert await bot.watchers.store.board(board_id) is None
    await bot.watch.wait_for(lambda: server.identifier not in [f.server_id for f in bot.watch.feeds()], 5)


async def test_a_deleted_message_or_channel_removes_the_board_quietly(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner, server, channel = await owner_server_channel(discord, panel, users, link, "deleter", "Lobby", "lobby-status")
    board_id = board_id_of(await command(discord, owner.user, "board add", server=server.identifier, channel=channel))
    board = board_in(discord, channel)
    await discord.delete_message(board)
    await bot.watchers.boards.changes.wait_for(lambda: board_id not in bot.watchers.boards.runners, 5)
    assert await bot.watchers.store.board(board_id) is None
    posts = len(discord.channel_messages)
    server.state = "offline"  # nothing is posted or edited anywhere for it any more
    assert len(discord.channel_messages) == posts

    other = await discord.add_channel("doomed")
    second = board_id_of(await command(discord, owner.user, "board add", server=server.identifier, channel=other))
    await discord.delete_channel(other)
    await bot.watchers.boards.changes.wait_for(lambda: second not in bot.watchers.boards.runners, 5)
    assert await bot.watchers.store.board(second) is None


async def test_unlinking_pauses_the_board_and_relinking_resumes_it(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner, server, channel = await owner_server_channel(discord, panel, users, link, "unlinker", "Skyblock", "sky")
    await command(discord, owner.user, "board add", server=server.identifier, channel=channel)
    board = board_in(discord, channel)
    edits = discord.edit_count(board)
    unlink = await discord.slash(owner.user, "account unlink", guild_id=GUILD_ID)
    question = await confirm_message(unlink, "Unlink account")
    await (await discord.click(owner.user, question, button_id(question, "Unlink account"))).wait_final(5)
    edit = await discord.wait_edit(
        board, lambda m: "the owner's panel link is gone" in text_of(m), after=edits, timeout=5
    )
    assert "paused" in text_of(edit.message)
    await link(owner.user, owner.account.client_key)
    await discord.wait_edit(board, lambda m: "link is gone" not in text_of(m) and "🟢" in text_of(m), timeout=5)


async def test_who_may_add_a_board_and_where(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner = await new_owner(panel, users, link, "member")
    server = owner.server(panel, "Factions", state="running")
    posts = len(discord.channel_messages)
    refused = await command(discord, owner.user, "board add", permissions=None, server=server.identifier)
    assert "Manage Channels" in text_of(refused.final) and refused.ephemeral

    hidden = await discord.add_channel("no-embeds")
    await discord.set_overwrite(hidden, discord.bot_role(), deny=P.EMBED_LINKS | P.SEND_MESSAGES)
    missing = await command(discord, owner.user, "board add", server=server.identifier, channel=hidden)
    text = text_of(missing.final)
    assert "Send Messages" in text and "Embed Links" in text and "View Channel" not in text, text
    assert len(discord.channel_messages) == posts, "nothing is posted before the checks pass"

    ops = await discord.add_channel("ops")
    ix = await discord.slash(
        owner.user,
        "board add",
        options={"server": server.identifier, "channel": ops},
        guild_id=GUILD_ID,
        roles=[ADMIN_ROLE],
    )
    assert "posted in" in text_of(await ix.wait_final(10)), "an ADMIN_ROLE_IDS role may, without Manage Channels"


async def test_a_lost_permission_pauses_the_board_with_a_log_line(
    bot: Any,
    discord: FakeDiscord,
    panel: FakePanel,
    users: Callable[..., FakeUser],
    link: Any,
    log_records: list[str],
) -> None:
    owner, server, channel = await owner_server_channel(discord, panel, users, link, "perm", "Prison", "prison")
    board_id = board_id_of(await command(discord, owner.user, "board add", server=server.identifier, channel=channel))
    await discord.set_overwrite(channel, discord.bot_role(), deny=P.VIEW_CHANNEL)
    server.state = "offline"  # the next edit is refused
    boards = bot.watchers.boards
    await boards.changes.wait_for(lambda: boards.status_of(board_id).startswith("paused"), 5)
    assert any(f"board {board_id}" in line and "paused" in line for line in log_records)
    stored = await bot.watchers.store.board(board_id)
    assert stored is not None and stored.paused
    listed = await command(discord, owner.user, "board list")
    assert "paused" in text_of(listed.final)

    await discord.remove_overwrite(channel, discord.bot_role())  # CHANNEL_UPDATE: allowed again, resumes
    board = board_in(discord, channel)
    await discord.wait_edit(board, lambda m: "offline" in text_of(m), timeout=5)
    stored = await bot.watchers.store.board(board_id)
    assert stored is not None and stored.paused is None


async def test_a_429_slows_the_board_instead_of_queueing_edits(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner, server, channel = await owner_server_channel(
        discord, panel, users, link, "limited", "Minigames", "minigames"
    )
    await command(discord, owner.user, "board add", server=server.identifier, channel=channel)
    board = board_in(discord, channel)
    await discord.wait_edit(board, lambda m: "CPU" in text_of(m), timeout=5)
    log = discord.message_log(board)
    attempts, edits = len(log.attempts), len(log.edits)
    route = f"PATCH /channels/{channel.id}/messages/{board['id']}"
    discord.rate_limit_next(route, n=1, retry_after=1.5)
    server.state = "offline"
    await discord.wait_rate_limited(route, timeout=5)
    for state in ("starting", "running", "stopping", "offline", "starting", "running"):  # while the edit waits
        server.state = state
    retried = await discord.wait_edit(board, after=edits, timeout=5)
    latest = await discord.wait_edit(board, lambda m: "🟢" in text_of(m), after=retried.index + 1, timeout=10)
    assert latest.at - retried.at >= STATE_GAP * 0.9
    assert len(log.attempts) - attempts == 3, [a.status for a in log.attempts[attempts:]]  # 429, retry, latest

    # usage edits are spaced x2 after the 429 (fast edits bring the spacing back afterwards)
    server.disk_bytes = 4 * 1024**3
    usage = await discord.wait_edit(board, lambda m: "4.0 GiB" in text_of(m), after=latest.index + 1, timeout=15)
    assert usage.at - latest.at >= 2 * 0.75 * INTERVAL * 0.95, usage.at - latest.at


async def test_an_overview_lists_every_server_of_the_key(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner = await new_owner(panel, users, link, "overseer")
    up = owner.server(panel, "Alpha _one_", state="running")
    owner.server(panel, "Beta", state="offline")
    channel = await discord.add_channel("overview")
    ix = await command(discord, owner.user, "board overview", channel=channel)
    assert "Overview board" in text_of(ix.final)
    board = board_in(discord, channel)
    edit = await discord.wait_edit(board, lambda m: "🟢" in text_of(m) and "🔴" in text_of(m), timeout=5)
    lines = text_of(edit.message)
    assert "Alpha \\_one\\_" in lines and "Beta" in lines and "CPU" in lines
    edits = discord.edit_count(board)
    up.state = "offline"
    await discord.wait_edit(board, lambda m: "🟢" not in text_of(m), after=edits, timeout=5)
