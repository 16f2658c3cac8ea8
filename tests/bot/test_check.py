"""``python -m bot check`` against a FakePanel and a fake Discord: in-process and as the real command."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from cryptography.fernet import Fernet

from bot.check import CheckReport, Status, check_main, run_checks
from bot.config import BotConfig, load_config
from bot.crypto import KeyVault
from bot.storage import Storage
from pyjexactyl.testing import FakePanel
from tests.bot.helpers import free_port
from tests.fake_discord import FakeDiscord, bot_token

DISCORD_TOKEN = bot_token()
LINKED_USER = 710000000000000001


@pytest_asyncio.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=DISCORD_TOKEN) as fake:
        yield fake


def base_env(panel: FakePanel, discord: FakeDiscord, data_dir: Path, key: str) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": discord.token,
        "PANEL_URL": panel.url,
        "DATA_DIR": str(data_dir),
        "ENCRYPTION_KEY": key,
        "DISCORD_API_BASE": discord.api_base,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
    }


async def seed_link(data_dir: Path, key: str, panel_key: str) -> None:
    """One linked account whose panel key is encrypted with ``key``."""
    async with Storage.open(data_dir / "bot.db") as storage:
        await storage.link_account(LINKED_USER, 2, "alice", False, KeyVault([key]).encrypt(panel_key))


async def passing_env(panel: FakePanel, discord: FakeDiscord, data_dir: Path) -> dict[str, str]:
    """An environment every check passes with: an application key and one linked account in ``data_dir``."""
    key = Fernet.generate_key().decode()
    await seed_link(data_dir, key, panel.user.client_key or "")
    return {**base_env(panel, discord, data_dir, key), "PANEL_APPLICATION_KEY": panel.application_key}


def secrets_of(panel: FakePanel, env: dict[str, str]) -> list[str]:
    values = [panel.application_key, panel.user.client_key, panel.admin.client_key, DISCORD_TOKEN]
    values += [v for k, v in env.items() if k in ("ENCRYPTION_KEY", "PANEL_APPLICATION_KEY") and v]
    for value in env.get("ENCRYPTION_KEY", "").split(","):
        values.append(value)
    return [v for v in values if v]


def assert_no_secret(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, "a secret was printed"


def line(report: CheckReport, name: str) -> str:
    found = [f"{r.status.value} {r.detail}" for r in report.results if r.name == name]
    assert found, f"no {name!r} line in {report.lines()}"
    return found[0]


def config_for(env: dict[str, str]) -> BotConfig:
    return load_config(env, dotenv_path=None)


async def test_everything_passes_with_an_application_key(
    panel: FakePanel, discord: FakeDiscord, tmp_path: Path
) -> None:
    env = await passing_env(panel, discord, tmp_path)
    report = await run_checks(config_for(env))
    text = "\n".join(report.lines())
    assert report.ok, text
    assert line(report, "panel").startswith("✔ panel reachable at " + panel.url)
    assert line(report, "PANEL_APPLICATION_KEY").startswith("✔ an application key")
    assert line(report, "stored keys") == "✔ all 1 stored panel key(s) decrypt"
    assert line(report, "Discord token").startswith("✔ Discord accepts DISCORD_TOKEN")
    assert line(report, "data directory").startswith("✔")
    assert text.endswith("All checks passed: the bot can start.")
    assert_no_secret(text, secrets_of(panel, env))


async def test_an_admins_client_key_passes_and_says_so(panel: FakePanel, discord: FakeDiscord, tmp_path: Path) -> None:
    env = {
        **base_env(panel, discord, tmp_path, Fernet.generate_key().decode()),
        "PANEL_APPLICATION_KEY": panel.admin.client_key or "",
    }
    report = await run_checks(config_for(env))
    assert report.ok, report.lines()
    assert line(report, "PANEL_APPLICATION_KEY").startswith("✔ an admin's client key (panel user 'admin')")


async def test_a_non_admins_client_key_fails(panel: FakePanel, discord: FakeDiscord, tmp_path: Path) -> None:
    env = {
        **base_env(panel, discord, tmp_path, Fernet.generate_key().decode()),
        "PANEL_APPLICATION_KEY": panel.user.client_key or "",
    }
    report = await run_checks(config_for(env))
    assert not report.ok
    assert "not a panel administrator" in line(report, "PANEL_APPLICATION_KEY")
    assert_no_secret("\n".join(report.lines()), secrets_of(panel, env))


async def test_an_unknown_key_is_refused(panel: FakePanel, discord: FakeDiscord, tmp_path: Path) -> None:
    env = {
        **base_env(panel, discord, tmp_path, Fernet.generate_key().decode()),
        "PANEL_APPLICATION_KEY": "ptla_" + "x" * 43,
    }
    report = await run_checks(config_for(env))
    assert "refused this key (401)" in line(report, "PANEL_APPLICATION_KEY")
    assert "x" * 43 not in "\n".join(report.lines())


async def test_a_wrong_encryption_key_fails(panel: FakePanel, discord: FakeDiscord, tmp_path: Path) -> None:
    await seed_link(tmp_path, Fernet.generate_key().decode(), panel.user.client_key or "")
    report = await run_checks(config_for(base_env(panel, discord, tmp_path, Fernet.generate_key().decode())))
    assert not report.ok
    stored = line(report, "stored keys")
    assert stored.startswith("✘ 1 of 1 stored panel key(s) cannot be decrypted") and str(LINKED_USER) in stored


async def test_an_unreachable_panel_fails(discord: FakeDiscord, tmp_path: Path) -> None:
    env = {
        "DISCORD_TOKEN": discord.token,
        "PANEL_URL": f"http://127.0.0.1:{free_port()}",
        "DATA_DIR": str(tmp_path),
        "DISCORD_API_BASE": discord.api_base,
        "PANEL_APPLICATION_KEY": "ptla_" + "a" * 43,
    }
    report = await run_checks(config_for(env))
    assert not report.ok
    assert "cannot be reached" in line(report, "panel")
    assert line(report, "PANEL_APPLICATION_KEY").startswith("- not checked")
    # No ENCRYPTION_KEY and no key file: a warning, and check does not generate one.
    assert line(report, "encryption key").startswith("! ENCRYPTION_KEY is not set")
    assert not (tmp_path / "secret.key").exists()


async def test_a_proxy_error_page_is_not_a_panel(panel: FakePanel, discord: FakeDiscord, tmp_path: Path) -> None:
    panel.fail_next(1, 502, html=True)
    report = await run_checks(config_for(base_env(panel, discord, tmp_path, Fernet.generate_key().decode())))
    assert "with a web page" in line(report, "panel")


async def test_a_rejected_discord_token_fails(panel: FakePanel, discord: FakeDiscord, tmp_path: Path) -> None:
    wrong = bot_token()
    env = {**base_env(panel, discord, tmp_path, Fernet.generate_key().decode()), "DISCORD_TOKEN": wrong}
    report = await run_checks(config_for(env))
    assert not report.ok
    assert line(report, "Discord token").startswith("✘ Discord rejected DISCORD_TOKEN (401)")
    assert wrong not in "\n".join(report.lines())


def test_a_token_of_the_wrong_shape_is_named_without_contacting_discord(capsys: pytest.CaptureFixture[str]) -> None:
    env = {"DISCORD_TOKEN": "notatoken", "PANEL_URL": "https://panel.mygameserver.net"}
    assert check_main(env, dotenv_path=None) == 1
    out = capsys.readouterr().out
    assert "✘ configuration: DISCORD_TOKEN does not look like a bot token (9 characters)" in out
    assert "Discord token:" not in out  # nothing was sent to Discord
    assert "notatoken" not in out


async def test_a_key_generated_beside_the_database_is_a_warning(
    panel: FakePanel, discord: FakeDiscord, tmp_path: Path
) -> None:
    env = base_env(panel, discord, tmp_path, "")
    report = await run_checks(config_for(env))
    assert report.ok, report.lines()  # a warning, not a failure
    warning = line(report, "key storage")
    assert warning.startswith(f"! ENCRYPTION_KEY is not set, so the encryption key is kept in {tmp_path}/secret.key")
    assert f"in the same directory as the database it protects ({tmp_path}/bot.db)" in warning
    assert "Set ENCRYPTION_KEY instead" in warning and "back it up somewhere else" in warning
    with_key = await run_checks(config_for(base_env(panel, discord, tmp_path, Fernet.generate_key().decode())))
    assert not [r for r in with_key.results if r.name == "key storage"]


async def test_an_unwritable_data_dir_fails(panel: FakePanel, discord: FakeDiscord, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    data_dir = tmp_path / "ro"
    data_dir.mkdir()
    data_dir.chmod(0o500)
    try:
        report = await run_checks(config_for(base_env(panel, discord, data_dir, Fernet.generate_key().decode())))
    finally:
        data_dir.chmod(0o700)
    assert "is not writable" in line(report, "data directory")


def test_configuration_problems_are_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = check_main({"PANEL_URL": "ftp://x", "ENCRYPTION_KEY": "not-a-key"}, dotenv_path=None)
    out = capsys.readouterr().out
    assert status == 1
    assert out.count("✘ configuration:") == 3
    assert "not-a-key" not in out


async def run_check_command(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "check",
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode or 0, out.decode()


async def test_the_command_exits_0_when_the_bot_can_start(
    panel: FakePanel, discord: FakeDiscord, tmp_path: Path
) -> None:
    env = await passing_env(panel, discord, tmp_path)
    status, out = await run_check_command(env, tmp_path)
    assert status == 0, out
    assert f"✔ panel: panel reachable at {panel.url}" in out
    assert "✔ PANEL_APPLICATION_KEY: an application key" in out
    assert "✘" not in out
    assert_no_secret(out, secrets_of(panel, env))


async def test_the_command_exits_1_with_a_wrong_key_and_prints_no_secret(
    panel: FakePanel, discord: FakeDiscord, tmp_path: Path
) -> None:
    await seed_link(tmp_path, Fernet.generate_key().decode(), panel.user.client_key or "")
    env = {
        **base_env(panel, discord, tmp_path, Fernet.generate_key().decode()),
        "PANEL_APPLICATION_KEY": panel.user.client_key or "",
    }
    status, out = await run_check_command(env, tmp_path)
    assert status == 1, out
    assert "✘ stored keys: 1 of 1 stored panel key(s) cannot be decrypted" in out
    assert "✘ PANEL_APPLICATION_KEY: a client key of 'alice'" in out
    assert "2 check(s) failed" in out
    assert Status.FAIL.value in out
    assert_no_secret(out, secrets_of(panel, env))


# ---------------------------------------------------------------------------------------------- issue 8, item 8


async def test_admin_without_guild_ids_is_named(panel: FakePanel, discord: FakeDiscord, tmp_path: Path) -> None:
    """Without GUILD_IDS anyone can invite the bot to a guild they administer: /admin is then off, and check
    says so (a warning: the bot starts)."""
    env = await passing_env(panel, discord, tmp_path)
    report = await run_checks(config_for(env))
    assert report.ok
    admin = line(report, "/admin")
    assert admin.startswith("! /admin is off") and "GUILD_IDS" in admin
    with_guilds = await run_checks(config_for({**env, "GUILD_IDS": "910000000000000001"}))
    assert line(with_guilds, "/admin").startswith("✔ /admin is on in 1 guild")
