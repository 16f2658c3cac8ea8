"""Panel faults during commands, through the real bot, FakeDiscord and FakePanel.

A refused connection, a slow panel (answers late, or later than ``PANEL_TIMEOUT``), 500/502/504 HTML pages,
malformed JSON, 429 storms and a panel that goes away in the middle of a paginated list. After each fault the
bot still answers the next interaction, every interaction got exactly one first response (a defer inside
3 s), and the fake Discord saw nothing that breaks Discord's limits.

"5 s" and "30 s" latencies are simulated against a short timeout (latency below / above ``PANEL_TIMEOUT``);
one test waits through a real 5 s latency with the default timeout.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.config import DEFAULT_PANEL_TIMEOUT
from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import Player, button_id, buttons, link_account, new_account, text_of
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID

pytestmark = pytest.mark.asyncio(loop_scope="module")

NEXT = "›"
UNREACHABLE = "The panel cannot be reached right now"
TIMED_OUT = "The panel did not answer in time"
UNREADABLE = "The panel sent an answer the bot could not read"


# ---------------------------------------------------------------------------------------------- helpers


def assert_deferred_in_time(ix: InteractionRecord) -> None:
    """One first response, a defer, inside 3 s, ephemeral."""
    assert len(ix.callbacks) == 1, ix.describe()
    assert ix.latency is not None and ix.latency < 3, ix.describe()
    assert ix.deferred, ix.describe()
    assert ix.ephemeral, ix.describe()


async def final_text(ix: InteractionRecord, timeout: float = 10.0) -> str:
    message = await ix.wait_final(timeout)
    assert_deferred_in_time(ix)
    return text_of(message)


@pytest.fixture(autouse=True)
def _after_each(discord: FakeDiscord, panel: FakePanel) -> Iterator[None]:
    yield
    panel.reset_faults()
    panel.set_latency(0.0)
    panel.reset_rate_limits()
    for ix in discord.interactions:  # every interaction so far got exactly one first response
        assert len(ix.callbacks) == 1, ix.describe()
    discord.assert_clean()


@pytest_asyncio.fixture(loop_scope="module")
async def new_player(
    bot: Any, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> AsyncIterator[Callable[..., Awaitable[Player]]]:
    async def make(*, timeout: float | None = None) -> Player:
        """Links a fresh player; their cached panel client is built with ``timeout`` (default: the bot's)."""
        default = bot.panels.timeout
        if timeout is not None:
            bot.panels.timeout = timeout
        try:
            user = users("fault")
            account = new_account(panel, user, "fault")
            server = panel.add_server(account, f"Box {user.id % 100000}", state="running")
            await link_account(link, user, account)
            await bot.panels.for_user(user.id)  # builds (and caches) the client with this timeout
        finally:
            bot.panels.timeout = default
        return Player(user, account, server)

    yield make


async def status(discord: FakeDiscord, player: Player, server: str | None = None) -> InteractionRecord:
    options = {"server": server or player.server.identifier}
    return await discord.slash(player.user, "server status", options=options, guild_id=GUILD_ID)


async def assert_still_up(discord: FakeDiscord, player: Player) -> None:
    """The bot answers the next interaction normally."""
    ix = await status(discord, player)
    text = await final_text(ix)
    assert player.server.name in text and "running" in text, text


# ---------------------------------------------------------------------------------------------- refused


async def test_refused_connection_says_the_panel_cannot_be_reached(
    bot: Any, discord: FakeDiscord, panel: FakePanel, new_player: Any, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player()
    warm = await status(discord, player)  # fills the server cache, so /server start reaches the power call
    await final_text(warm)
    power_before = sum(1 for r in panel.requests if r.path.endswith("/power"))

    await panel.stop_async()  # nothing listens on the panel's port any more: connections are refused
    try:
        answers = [
            await discord.slash(player.user, "server start", options={"server": player.server.identifier}),
            await status(discord, player),
            await discord.slash(player.user, "server list", guild_id=GUILD_ID),
        ]
        for ix in answers:
            assert UNREACHABLE in await final_text(ix), ix.describe()
        newcomer = users("newcomer")
        linked = await link(newcomer, "ptlc_" + "N" * 43)
        assert UNREACHABLE in text_of(linked.final)
        assert await bot.storage.get_link(newcomer.id) is None
    finally:
        await panel.start_async()  # same port

    assert sum(1 for r in panel.requests if r.path.endswith("/power")) == power_before
    audit = await bot.storage.recent_audit(10, discord_user_id=player.user.id)
    assert any(e.action == "server.power" and e.outcome == "failed: PanelUnreachableError" for e in audit)
    await assert_still_up(discord, player)


# ---------------------------------------------------------------------------------------------- latency


async def test_slow_panel_within_the_timeout_answers_late_after_an_early_defer(
    discord: FakeDiscord, panel: FakePanel, new_player: Any
) -> None:
    """A 5 s latency against the 15 s timeout, scaled down: 0.6 s latency, 1 s timeout."""
    player = await new_player(timeout=1.0)
    panel.set_latency(0.6)
    ix = await status(discord, player)
    text = await final_text(ix)
    assert player.server.name in text and "running" in text
    assert ix.final_at is not None and ix.final_at - ix.created_at >= 0.6
    panel.set_latency(0.0)
    await assert_still_up(discord, player)


async def test_panel_slower_than_the_timeout_gets_a_timeout_message(
    bot: Any, discord: FakeDiscord, panel: FakePanel, new_player: Any
) -> None:
    """A 30 s latency against the 15 s timeout, scaled down: 1 s latency, 0.5 s timeout."""
    player = await new_player(timeout=0.5)
    panel.set_latency(1.0)
    started = time.monotonic()
    ix = await status(discord, player)
    text = await final_text(ix, timeout=15)
    waited = time.monotonic() - started
    assert TIMED_OUT in text and "Try again in a moment" in text
    # The bot does not retry a timeout (retry_timeouts=False): the user hears after one timeout, not three.
    assert 0.5 <= waited < 0.5 + 1.0, waited
    panel.set_latency(0.0)
    await assert_still_up(discord, player)


async def test_power_action_timing_out_is_not_retried_and_says_to_check_first(
    bot: Any, discord: FakeDiscord, panel: FakePanel, new_player: Any
) -> None:
    player = await new_player(timeout=1.0)
    warm = await status(discord, player)
    await final_text(warm)
    panel.clear_requests()
    panel.set_latency(1.5)
    ix = await discord.slash(player.user, "server restart", options={"server": player.server.identifier})
    text = await final_text(ix)
    panel.set_latency(0.0)
    # The user has their answer: the request is not sent again (the panel records requests as they arrive).
    power = [r for r in panel.requests if r.path.endswith("/power")]
    assert len(power) == 1, [r.path for r in panel.requests]  # a POST that timed out is never sent twice
    assert TIMED_OUT in text
    assert "/server status" in text  # the signal may have been applied: the user is told to look first
    await assert_still_up(discord, player)


async def test_real_five_second_latency_with_the_default_timeout(
    bot: Any, discord: FakeDiscord, panel: FakePanel, new_player: Any
) -> None:
    assert bot.panels.timeout == DEFAULT_PANEL_TIMEOUT == 15.0
    player = await new_player()
    warm = await status(discord, player)  # the server list is cached: one 5 s round trip remains
    await final_text(warm)
    panel.set_latency(5.0)
    ix = await status(discord, player)
    await ix.wait_callback(3)
    assert ix.deferred and ix.latency is not None and ix.latency < 3
    text = await final_text(ix, timeout=15)
    assert ix.final_at is not None and 5.0 <= ix.final_at - ix.created_at < DEFAULT_PANEL_TIMEOUT
    assert player.server.name in text and "running" in text and TIMED_OUT not in text


# ---------------------------------------------------------------------------------------------- 5xx / bad bodies


@pytest.mark.parametrize("status_code", [500, 502, 504])
async def test_proxy_error_pages_say_the_panel_failed(
    discord: FakeDiscord, panel: FakePanel, new_player: Any, status_code: int
) -> None:
    player = await new_player()
    panel.fail_next(3, status_code, html=True, path_prefix="/api/client")
    ix = await status(discord, player)
    text = await final_text(ix)
    assert f"The panel or its node failed (HTTP {status_code})" in text
    assert "<html" not in text.lower() and "cloudflare" not in text.lower()
    assert "start it first" not in text  # a proxy's 502 is not "the server is offline"
    panel.reset_faults()
    await assert_still_up(discord, player)


async def test_a_gateway_timeout_on_a_power_action(discord: FakeDiscord, panel: FakePanel, new_player: Any) -> None:
    player = await new_player()
    await final_text(await status(discord, player))
    panel.fail_next(1, 504, path_prefix=f"/api/client/servers/{player.server.identifier}/power")
    ix = await discord.slash(player.user, "server stop", options={"server": player.server.identifier})
    assert "The panel or its node failed (HTTP 504)" in await final_text(ix)
    assert player.server.state == "running"
    await assert_still_up(discord, player)


async def test_malformed_json_says_the_answer_could_not_be_read(
    discord: FakeDiscord, panel: FakePanel, new_player: Any
) -> None:
    player = await new_player()
    panel.malformed_next(1, path_prefix="/api/client")
    assert UNREADABLE in await final_text(await status(discord, player))

    # A login or challenge page served with 200 (a misconfigured proxy) is not JSON either.
    page = "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>checking</body></html>"
    panel.fail_next(1, 200, html=True, body=page, path_prefix="/api/client")
    assert UNREADABLE in await final_text(await status(discord, player))
    await assert_still_up(discord, player)


async def test_json_of_the_wrong_shape_gets_a_reference_id(
    discord: FakeDiscord, panel: FakePanel, new_player: Any, log_records: list[str]
) -> None:
    player = await new_player()
    wrong = {"object": "list", "data": [{"object": "server", "attributes": {"name": "no identifier"}}]}
    panel.fail_next(1, 200, body=wrong, path_prefix="/api/client")
    ix = await discord.slash(player.user, "server list", guild_id=GUILD_ID)
    text = await final_text(ix)
    # Valid JSON missing what the bot needs is an unexpected error: a short reference, the details in the log.
    assert "Reference:" in text and "Traceback" not in text, text
    reference = text.split("`")[1]
    assert any(reference in line and "Traceback" in line for line in log_records)
    await assert_still_up(discord, player)


# ---------------------------------------------------------------------------------------------- 429


async def test_429_storm_says_busy_and_when_to_retry(
    bot: Any, discord: FakeDiscord, panel: FakePanel, new_player: Any
) -> None:
    player = await new_player()
    # Short waits are waited out (twice), then the user hears how long to wait.
    panel.fail_next(50, 429, retry_after=1, path_prefix="/api/client")
    started = time.monotonic()
    text = await final_text(await status(discord, player))
    assert "The panel is busy (rate limited). Try again in 1 s." in text
    assert time.monotonic() - started < 4.5
    panel.reset_faults()
    await assert_still_up(discord, player)


async def test_429_with_a_long_retry_after_answers_at_once_and_the_next_command_is_not_stuck(
    bot: Any, discord: FakeDiscord, panel: FakePanel, new_player: Any
) -> None:
    player = await new_player()
    panel.fail_next(50, 429, retry_after=120, path_prefix="/api/client")
    started = time.monotonic()
    text = await final_text(await status(discord, player))
    assert "Try again in 120 s" in text
    assert time.monotonic() - started < 2.0  # not waited out
    panel.reset_faults()
    # The panel recovered early; the user's next commands answer promptly (busy, or the real answer), and never
    # hang on "thinking" for the two minutes the panel asked for.
    for _ in range(2):
        ix = await status(discord, player)
        text = await final_text(ix, timeout=8)
        assert ix.final_at is not None and ix.final_at - ix.created_at < 6.0
        assert player.server.name in text or "Try again in" in text, text


async def test_the_backup_throttle_does_not_hold_back_the_users_other_commands(
    discord: FakeDiscord, panel: FakePanel, new_player: Any
) -> None:
    player = await new_player()
    for _ in range(2):
        made = await discord.slash(
            player.user, "backup create", options={"server": player.server.identifier}, guild_id=GUILD_ID
        )
        await made.wait_for(lambda r: "Backup completed" in text_of(r.last_message), 5)
    refused = await discord.slash(
        player.user, "backup create", options={"server": player.server.identifier}, guild_id=GUILD_ID
    )
    text = await final_text(refused)
    assert "limits how often" in text and "Try again in" in text  # about 600 s
    ix = await status(discord, player)
    await final_text(ix, timeout=8)
    assert ix.final_at is not None and ix.final_at - ix.created_at < 2.0
    await assert_still_up(discord, player)


async def test_429_storm_from_many_users_at_once(discord: FakeDiscord, panel: FakePanel, new_player: Any) -> None:
    players = [await new_player() for _ in range(5)]
    panel.fail_next(500, 429, retry_after=30, path_prefix="/api/client")
    ixs = [await status(discord, p) for p in players]
    for ix in ixs:
        assert "Try again in 30 s" in await final_text(ix)
    panel.reset_faults()


# ---------------------------------------------------------------------------------------------- pagination


async def _first_page(panel: FakePanel, player: Player) -> dict[str, Any]:
    """The panel's genuine first page of the player's server list, as the bot asks for it."""
    url = f"{panel.url}/api/client?per_page=100"
    async with aiohttp.ClientSession() as session, session.get(url, headers=panel.auth_headers(player.account)) as r:
        assert r.status == 200
        body: dict[str, Any] = await r.json()
        return body


async def test_panel_disappearing_while_the_list_is_fetched(
    discord: FakeDiscord, panel: FakePanel, new_player: Any
) -> None:
    player = await new_player()
    panel.add_servers(player.account, 499, "many")
    page_one = await _first_page(panel, player)
    assert page_one["meta"]["pagination"]["total_pages"] == 5
    # Page 1 arrives; then the panel is gone behind its proxy for the remaining pages.
    panel.fail_next(1, 200, body=page_one, path_prefix="/api/client")
    panel.fail_next(20, 502, html=True, path_prefix="/api/client")
    ix = await discord.slash(player.user, "server list", guild_id=GUILD_ID)
    text = await final_text(ix)
    assert "The panel or its node failed (HTTP 502)" in text
    assert not buttons(ix.last_message)  # no half list with buttons
    panel.reset_faults()
    await assert_still_up(discord, player)


async def test_panel_disappearing_while_turning_pages(discord: FakeDiscord, panel: FakePanel, new_player: Any) -> None:
    player = await new_player()
    panel.add_servers(player.account, 499, "page")
    ix = await discord.slash(player.user, "server list", guild_id=GUILD_ID)
    message = await ix.wait_final(10)
    assert_deferred_in_time(ix)
    assert buttons(message)[2]["label"] == "1/50"

    # The states of page 2 cannot be fetched: the page still turns, with unknown (white) states.
    panel.fail_next(100, 500, html=True, path_prefix="/api/client/servers/")
    click = await discord.click(player.user, message, button_id(message, NEXT))
    await click.wait_final(10)
    assert len(click.callbacks) == 1 and click.latency is not None and click.latency < 3
    page = discord.store.get(int(message["id"]))
    assert page is not None and buttons(page)[2]["label"] == "2/50"
    lines = str(page["embeds"][0]["description"]).splitlines()
    assert len(lines) == 10 and all(line.startswith("⚪") for line in lines)
    panel.reset_faults()

    # The panel goes away entirely while the user keeps clicking.
    await panel.stop_async()
    try:
        click = await discord.click(player.user, page, button_id(page, NEXT))
        await click.wait_final(10)
        assert len(click.callbacks) == 1 and click.latency is not None and click.latency < 3
        page = discord.store.get(int(message["id"]))
        assert page is not None and buttons(page)[2]["label"] == "3/50"
    finally:
        await panel.start_async()

    # It is back: states are shown again.
    click = await discord.click(player.user, page, button_id(page, NEXT))
    await click.wait_final(10)
    page = discord.store.get(int(message["id"]))
    assert page is not None and buttons(page)[2]["label"] == "4/50"
    lines = str(page["embeds"][0]["description"]).splitlines()
    assert all(line.startswith("🔴") for line in lines)  # offline servers, state known again
    await assert_still_up(discord, player)
