"""The real bot process (``python -m bot``) against FakePanel + FakeDiscord: SIGTERM mid-interaction, and a
rejected token at start-up."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bot.__main__ import run_bot
from bot.config import load_config
from bot.crypto import KeyVault
from bot.discord_endpoints import reset_discord_endpoints
from bot.storage import Storage
from pyjexactyl.testing import FakePanel
from tests.fake_discord import FakeDiscord, FakeUser

from .conftest import GUILD_ID, modal_field_ids

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
            self.changed.set()
        self.changed.set()

    async def wait_line(self, pattern: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            for entry in self.lines:
                if regex.search(entry):
                    return entry
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.returncode is not None:
                raise AssertionError(f"no log line matching {pattern!r} in:\n{self.output}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                pass


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


@asynccontextmanager
async def bot_process(env: dict[str, str], cwd: Path) -> AsyncIterator[BotProcess]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    bot = BotProcess(process)
    reader = asyncio.create_task(bot.read())
    try:
        yield bot
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await asyncio.wait_for(reader, 5)


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

            status = await asyncio.wait_for(bot.process.wait(), 10)
            took = time.monotonic() - signalled
        finally:
            panel.set_latency(0)

    assert status == 0, bot.output
    assert took < 8, took
    log = bot.output
    # One line per interaction, with its outcome.
    done = re.findall(r"interaction user=(\d+) command=server list outcome=(\S+) ms=\d+", log)
    assert sorted(done) == [(str(alice.id), "ok"), (str(alice.id), "rejected:restarting")], log
    assert "waiting up to 8 s for 1 in-flight interaction(s)" in log
    assert "stopped: panel sessions and the database are closed" in log
    assert "Traceback" not in log
    for secret in (client_key, key, discord.token, panel.application_key):
        assert secret not in log
    assert discord.violations == []


async def test_a_rejected_token_is_a_clear_error_not_a_traceback(
    panel: FakePanel, discord: FakeDiscord, tmp_path: Path
) -> None:
    env = bot_env(panel, discord, tmp_path, Fernet.generate_key().decode(), DISCORD_TOKEN="not-the-right-token")
    async with bot_process(env, tmp_path) as bot:
        status = await asyncio.wait_for(bot.process.wait(), 30)
    assert status == 1
    assert "error: Discord rejected DISCORD_TOKEN" in bot.output
    assert "Traceback" not in bot.output
    assert "not-the-right-token" not in bot.output


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
            alice = FakeUser(id=730000000000000002, username="alice")

            # A slash command that opens a form, and the form.
            opened = await fd.slash(alice, "account link", guild_id=GUILD_ID)
            await opened.wait_callback()
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

            # A button.
            listed = await fd.slash(alice, "server list", guild_id=GUILD_ID)
            page = await listed.wait_final(10)
            next_button = next(c for c in components(page) if c.get("label") == "›")
            click = await fd.click(alice, page, next_button["custom_id"])
            await click.wait_final(10)

            expected = len(fd.interactions)
            deadline = time.monotonic() + 5
            while len(lines := [r.getMessage() for r in caplog.records if r.name == "bot.interactions"]) < expected:
                assert time.monotonic() < deadline, lines
                await asyncio.sleep(0.02)
        finally:
            if started:
                await started[0].close()
            await asyncio.wait_for(task, 10)
            reset_discord_endpoints()

    outcomes = [re.fullmatch(r"interaction user=(\d+) command=(.+) outcome=(\S+) ms=\d+", line) for line in lines]
    assert all(outcomes), lines
    seen = [(m.group(2), m.group(3)) for m in outcomes if m]
    assert len(seen) == expected == 6, seen
    assert all(m.group(1) == str(alice.id) for m in outcomes if m)
    assert seen.count(("account link", "ok")) == 1
    assert seen.count((modal_id, "ok")) == 1
    assert seen.count((modal_id, "expired")) == 1
    assert [o for c, o in seen if c == "server status"] not in ([], ["ok"])
    assert seen.count(("server list", "ok")) == 1
    assert seen.count((next_button["custom_id"], "ok")) == 1
