"""The real bot process (``python -m bot``) against FakePanel + FakeDiscord: SIGTERM mid-interaction, a
rejected token at start-up, and what the start-up, shutdown and per-interaction log lines say."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bot.config import load_config
from bot.crypto import KeyVault
from bot.discord_endpoints import reset_discord_endpoints
from bot.runtime import run_bot
from bot.storage import Storage
from pyjexactyl.testing import FakePanel
from tests.bot.helpers import bot_process
from tests.fake_discord import FakeDiscord, FakeUser, bot_token

from .conftest import GUILD_ID, modal_field_ids

pytestmark = pytest.mark.asyncio(loop_scope="module")


def bot_env(panel: FakePanel, discord: FakeDiscord, data_dir: Path, key: str, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(data_dir),
        "DISCORD_TOKEN": discord.token,
        "PANEL_URL": panel.url,
        "DATA_DIR": str(data_dir),
        "ENCRYPTION_KEY": key,
        "GUILD_IDS": str(GUILD_ID),
        "DISCORD_API_BASE": discord.api_base,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
        "LOG_LEVEL": "DEBUG",
        **extra,
    }


async def test_sigterm_lets_the_interaction_in_flight_finish(
    panel: FakePanel, discord: FakeDiscord, tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode()
    alice = FakeUser(id=730000000000000001, username="alice")
    client_key = panel.user.client_key or ""
    async with Storage.open(tmp_path / "bot.db") as storage:
        await storage.link_account(
            alice.id, panel.user.id, panel.user.username, False, KeyVault([key]).encrypt(client_key)
        )

    async with bot_process(bot_env(panel, discord, tmp_path, key), tmp_path) as bot:
        await discord.wait_ready(30)
        await discord.wait_synced(guild_id=GUILD_ID, timeout=30)
        panel.set_latency(1.5)
        try:
            slow = await discord.slash(alice, "server list", guild_id=GUILD_ID)
            await slow.wait_callback(3)  # deferred at once; the panel takes its time
            assert slow.deferred

            bot.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            await bot.wait_line(r"shutdown requested \(SIGTERM\)")

            # New commands are refused while the one in flight finishes.
            late = await discord.slash(alice, "server list", guild_id=GUILD_ID)
            refused = await late.wait_final(5)
            assert "restarting" in (refused.get("content") or "")

            final = await slow.wait_final(10)
            assert [e.get("title") for e in final.get("embeds", [])] == ["Your servers"]
            assert not slow.latency or slow.latency < 3

            status = await bot.wait_exit(10)
            took = time.monotonic() - signalled
        finally:
            panel.set_latency(0)

    assert status == 0, bot.output
    assert took < 8, took
    log = bot.output
    # One line per interaction, with its outcome.
    done = re.findall(r"interaction user=(\d+) type=slash command=server list outcome=(\S+) ms=\d+", log)
    assert sorted(done) == [(str(alice.id), "ok"), (str(alice.id), "rejected:restarting")], log
    # The start-up and shutdown lines say what happened, in order.
    said = [
        r"starting jexactyl-bot \S+ \(pyjexactyl \S+, discord\.py 2\.\S+, Python 3\.\S+\): panel http://127\.0\.0\.1",
        r"shutdown requested \(SIGTERM\)",
        r"shutting down: new commands are refused; 1 interaction\(s\) in flight",
        r"waiting up to 8 s for 1 in-flight interaction\(s\)",
        r"in-flight interactions finished",
        r"stopped: panel sessions and the database are closed",
    ]
    positions = [next((i for i, line in enumerate(bot.lines) if re.search(p, line)), -1) for p in said]
    assert -1 not in positions and positions == sorted(positions), (positions, log)
    assert "Traceback" not in log
    assert "voice will NOT be supported" not in log and "PyNaCl" not in log  # the bot never uses voice
    for secret in (client_key, key, discord.token, panel.application_key):
        assert secret not in log
    assert discord.violations == []


async def test_a_rejected_token_is_a_clear_error_not_a_traceback(
    panel: FakePanel, discord: FakeDiscord, tmp_path: Path
) -> None:
    wrong = bot_token()  # well formed, but not the one the fake Discord accepts
    env = bot_env(panel, discord, tmp_path, Fernet.generate_key().decode(), DISCORD_TOKEN=wrong)
    async with bot_process(env, tmp_path) as bot:
        status = await bot.wait_exit(30)
    assert status == 78, bot.output  # a configuration error (EX_CONFIG), exited at once (no CONFIG_ERROR_DELAY)
    assert "error: Discord rejected DISCORD_TOKEN" in bot.output
    assert "Traceback" not in bot.output
    assert wrong not in bot.output
    # Nothing was running, so nothing is said about shutting down or interactions in flight.
    for misleading in ("shutting down", "in flight", "stopped: panel sessions", "voice will NOT be supported"):
        assert misleading not in bot.output, bot.output


async def test_a_rejected_token_waits_config_error_delay_unless_stopped(
    panel: FakePanel, discord: FakeDiscord, tmp_path: Path
) -> None:
    """In the image (CONFIG_ERROR_DELAY=300) a rejected token must not become a restart loop that keeps
    logging in to Discord: the process waits, and ``docker stop`` ends the wait at once."""
    env = bot_env(
        panel, discord, tmp_path, Fernet.generate_key().decode(), DISCORD_TOKEN=bot_token(), CONFIG_ERROR_DELAY="300"
    )
    def logins() -> int:
        return len([r for r in discord.requests if r.path == "/users/@me"])

    before = logins()
    async with bot_process(env, tmp_path) as bot:
        await bot.wait_line(r"error: Discord rejected DISCORD_TOKEN")
        await bot.wait_line(r"waiting 300 s \(CONFIG_ERROR_DELAY\) before exiting with status 78")
        attempts = logins() - before
        bot.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        status = await bot.wait_exit(10)
    assert status == 78
    assert time.monotonic() - signalled < 5
    assert attempts == 1  # one attempt, not a loop
    assert "Traceback" not in bot.output


def components(message: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for row in message.get("components") or []:
        yield from row.get("components") or []


async def test_every_interaction_is_logged_once_and_expired_forms_are_answered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.interactions")
    async with FakePanel() as panel, FakeDiscord(guild_ids=(GUILD_ID,)) as fd:
        panel.add_servers(panel.user, 12)
        env = bot_env(panel, fd, tmp_path, Fernet.generate_key().decode(), LOG_LEVEL="INFO")
        config = load_config(env, dotenv_path=None)
        started: list[Any] = []
        task = asyncio.create_task(run_bot(config, on_start=started.append))
        try:
            await fd.wait_ready(15)
            await fd.wait_synced(guild_id=GUILD_ID, timeout=10)
            bot = started[0]
            alice = FakeUser(id=730000000000000002, username="alice")

            # A slash command that opens a form, and the form (submitted once the command has ended, as a
            # person would: discord.py registers the form when Discord has accepted it).
            opened = await fd.slash(alice, "account link", guild_id=GUILD_ID)
            await bot.tracker.wait_finished(opened.id, 5)
            modal_id, fields = modal_field_ids(opened)
            submitted = await fd.submit_modal(alice, modal_id, {fields[0]: panel.user.client_key}, origin=opened)
            await submitted.wait_final(10)

            # The same form again: its modal is gone, and discord.py alone would leave it unanswered.
            again = await fd.submit_modal(alice, modal_id, {fields[0]: panel.user.client_key}, origin=opened)
            answer = await again.wait_final(5)
            assert "no longer active" in (answer.get("content") or "")

            # A handled error.
            missing = await fd.slash(alice, "server status", {"server": "no-such-server"}, guild_id=GUILD_ID)
            await missing.wait_final(10)

            # A button, then the form it opens (the page jump), submitted with a page out of range.
            listed = await fd.slash(alice, "server list", guild_id=GUILD_ID)
            page = await listed.wait_final(10)
            next_button = next(c for c in components(page) if c.get("label") == "›")
            click = await fd.click(alice, page, next_button["custom_id"])
            await click.wait_final(10)
            counter = next(c for c in components(page) if re.fullmatch(r"\d+/\d+", c.get("label") or ""))
            jump = await fd.click(alice, page, counter["custom_id"])
            await bot.tracker.wait_finished(jump.id, 5)
            jump_id, jump_fields = modal_field_ids(jump)
            far = await fd.submit_modal(alice, jump_id, {jump_fields[0]: "99"}, origin=jump)
            assert "Pick a page from 1 to 2" in ((await far.wait_final(5)).get("content") or "")

            for ix in fd.interactions:
                await bot.tracker.wait_finished(ix.id, 5)
        finally:
            if started:
                await started[0].close()
            await asyncio.wait_for(task, 10)
            reset_discord_endpoints()

    lines = [r.getMessage() for r in caplog.records if r.name == "bot.interactions"]
    pattern = r"interaction user=(\d+) type=(\S+) command=(.+) outcome=(\S+) ms=\d+"
    outcomes = [re.fullmatch(pattern, line) for line in lines]
    assert all(outcomes), lines
    seen = [(m.group(2), m.group(3), m.group(4)) for m in outcomes if m]
    assert len(seen) == len(fd.interactions) == 8, seen
    assert all(m.group(1) == str(alice.id) for m in outcomes if m)
    # Forms and buttons are named after the command that opened them, never after a custom_id.
    assert seen.count(("slash", "account link", "ok")) == 1
    assert seen.count(("modal", "account link", "ok")) == 1
    assert seen.count(("modal", "?", "expired")) == 1
    assert [o for t, c, o in seen if c == "server status"] not in ([], ["ok"])
    assert seen.count(("slash", "server list", "ok")) == 1
    assert seen.count(("button", "server list", "ok")) == 2
    assert seen.count(("modal", "server list", "ok")) == 1
    assert not any(modal_id in line or next_button["custom_id"] in line for line in lines)
