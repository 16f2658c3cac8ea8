"""Start-up errors of ``python -m bot``, run as a real subprocess: a corrupt or wrong ``ENCRYPTION_KEY`` (or
``DATA_DIR/secret.key``) stops the bot with a clear message and a non-zero exit status, without a traceback and
without touching any link; an invalid ``PANEL_TIMEOUT`` is reported like every other configuration problem.

The last test links a user through the real ``/account link`` modal of a ``python -m bot`` process driven by
FakeDiscord and FakePanel, SIGKILLs the process, and finds the committed link intact.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import DEFAULT_PANEL_TIMEOUT, ConfigError, load_config
from bot.crypto import SECRET_KEY_FILENAME, KeyVault
from bot.datadir import key_beside_database
from bot.storage import Storage
from pyjexactyl.testing import FakePanel
from tests.bot.helpers import bot_process, fakes_env, subprocess_env
from tests.fake_discord import FakeDiscord, FakeUser, bot_token

REPO_ROOT = Path(__file__).resolve().parents[2]
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
KEY_C = Fernet.generate_key().decode()
LINKED_USER = 123456789012345678
PANEL_KEY = "ptlc_" + "L" * 43
TOKEN = bot_token()


def bot_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return subprocess_env(data_dir, token=TOKEN, **extra)


def run_bot(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=cwd, env=env, capture_output=True, text=True, timeout=30, check=False
    )


async def seed_link(data_dir: Path, key: str) -> None:
    """A database holding one link, its panel key encrypted with ``key``."""
    async with Storage.open(data_dir / "bot.db") as storage:
        await storage.link_account(LINKED_USER, 7, "keeper", False, KeyVault([key]).encrypt(PANEL_KEY))


async def assert_link_intact(data_dir: Path) -> None:
    async with Storage.open(data_dir / "bot.db") as storage:
        link = await storage.get_link(LINKED_USER)
        assert link is not None and link.panel_username == "keeper", "the link was lost"
        assert KeyVault([KEY_A]).decrypt(link.encrypted_key) == PANEL_KEY
        assert await storage.count_links() == 1


def assert_clean_failure(result: subprocess.CompletedProcess[str], status: int, *fragments: str) -> None:
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    for secret in (KEY_A, KEY_B, KEY_C, PANEL_KEY, TOKEN):
        assert secret not in result.stderr and secret not in result.stdout


@pytest.mark.parametrize(
    "configured",
    [KEY_B, f"{KEY_B},{KEY_C}"],
    ids=["another key", "other keys only"],
)
async def test_wrong_encryption_key_refuses_to_start_and_keeps_every_link(tmp_path: Path, configured: str) -> None:
    data_dir = tmp_path / "data"
    await seed_link(data_dir, KEY_A)
    result = run_bot(tmp_path, bot_env(data_dir, ENCRYPTION_KEY=configured))
    assert_clean_failure(
        result,
        78,
        "cannot be decrypted with the configured ENCRYPTION_KEY",
        str(LINKED_USER),
        "Refusing to start so that no links are lost",
    )
    await assert_link_intact(data_dir)


@pytest.mark.parametrize(
    ("configured", "fragment"),
    [
        ("not-a-fernet-key", "ENCRYPTION_KEY the value is not a valid Fernet key (it must be 32 url-safe"),
        (KEY_A[:-4], "ENCRYPTION_KEY the value is not a valid Fernet key (it must be 32 url-safe"),
        (f"{KEY_A},garbage", "ENCRYPTION_KEY entry 2 of 2 is not a valid Fernet key (it must be 32 url-safe"),
        (f"{KEY_A},", "ENCRYPTION_KEY entry 2 of 2 is empty"),
    ],
    ids=["garbage", "truncated", "second entry garbage", "stray comma"],
)
async def test_corrupt_encryption_key_is_a_configuration_error(tmp_path: Path, configured: str, fragment: str) -> None:
    data_dir = tmp_path / "data"
    await seed_link(data_dir, KEY_A)
    result = run_bot(tmp_path, bot_env(data_dir, ENCRYPTION_KEY=configured))
    assert_clean_failure(result, 78, "Invalid bot configuration", fragment)
    await assert_link_intact(data_dir)


async def test_key_file_holding_another_key_refuses_to_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    await seed_link(data_dir, KEY_A)
    (data_dir / SECRET_KEY_FILENAME).write_text(KEY_B + "\n")
    os.chmod(data_dir / SECRET_KEY_FILENAME, 0o600)
    result = run_bot(tmp_path, bot_env(data_dir))
    assert_clean_failure(result, 78, "cannot be decrypted", SECRET_KEY_FILENAME)
    await assert_link_intact(data_dir)


async def test_corrupt_key_file_refuses_to_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    await seed_link(data_dir, KEY_A)
    (data_dir / SECRET_KEY_FILENAME).write_text("this is not a key\n")
    os.chmod(data_dir / SECRET_KEY_FILENAME, 0o600)
    result = run_bot(tmp_path, bot_env(data_dir))
    assert_clean_failure(result, 78, "does not contain a valid Fernet key", SECRET_KEY_FILENAME)
    await assert_link_intact(data_dir)
    assert (data_dir / SECRET_KEY_FILENAME).read_text() == "this is not a key\n"  # not replaced


async def test_missing_key_with_stored_links_refuses_to_start(tmp_path: Path) -> None:
    """ENCRYPTION_KEY dropped from the environment (and no key file): the links cannot be read."""
    data_dir = tmp_path / "data"
    await seed_link(data_dir, KEY_A)
    result = run_bot(tmp_path, bot_env(data_dir))
    assert_clean_failure(result, 78, "linked account(s) are stored", "ENCRYPTION_KEY is not set")
    assert not (data_dir / "secret.key").exists(), "a new key was generated for links it cannot read"
    await assert_link_intact(data_dir)


# ---------------------------------------------------------------------------------------------- PANEL_TIMEOUT


def test_panel_timeout_defaults_and_parses() -> None:
    base = {"DISCORD_TOKEN": TOKEN, "PANEL_URL": "https://panel.mygameserver.net"}
    assert load_config(base).panel_timeout == DEFAULT_PANEL_TIMEOUT == 15.0
    assert load_config({**base, "PANEL_TIMEOUT": " 2.5 "}).panel_timeout == 2.5
    assert load_config({**base, "PANEL_TIMEOUT": "60"}).panel_timeout == 60.0
    assert "PANEL_TIMEOUT=" in (REPO_ROOT / ".env.example").read_text()


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf", "15s"])
def test_invalid_panel_timeout_is_reported(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config({"DISCORD_TOKEN": TOKEN, "PANEL_URL": "https://panel.mygameserver.net", "PANEL_TIMEOUT": value})
    (problem,) = info.value.problems
    assert problem.startswith("PANEL_TIMEOUT must be a number of seconds") and repr(value) in problem


def test_invalid_panel_timeout_stops_python_m_bot(tmp_path: Path) -> None:
    result = run_bot(tmp_path, bot_env(tmp_path / "data", ENCRYPTION_KEY=KEY_A, PANEL_TIMEOUT="0"))
    assert_clean_failure(result, 78, "PANEL_TIMEOUT must be a number of seconds greater than 0")


# ---------------------------------------------------------------------------------------------- SIGKILL


async def test_link_committed_through_the_bot_survives_sigkill(tmp_path: Path) -> None:
    guild_id = 910000000000000001
    data_dir = tmp_path / "data"
    async with FakePanel() as panel, FakeDiscord(guild_ids=(guild_id,)) as discord:
        account = panel.add_user("survivor")
        env = bot_env(data_dir, ENCRYPTION_KEY=KEY_A, **fakes_env(panel, discord, guild_id), LOG_LEVEL="WARNING")
        async with bot_process({**env, "LOG_LEVEL": "INFO"}, tmp_path) as process:
            await discord.wait_ready(20)
            await discord.wait_synced(guild_id=guild_id, timeout=10)
            user = FakeUser(id=LINKED_USER, username="survivor")
            opened = await discord.slash(user, "account link", guild_id=guild_id)
            # The form can be submitted once the command that opened it has ended (its log line).
            await process.wait_line(r"type=slash command=account link outcome=ok")
            assert opened.modal is not None
            field = opened.modal["components"][0]["components"][0]["custom_id"]
            submitted = await discord.submit_modal(user, opened.modal["custom_id"], {field: account.client_key})
            message = await submitted.wait_final(10)
            assert "Linked to panel account **survivor**" in message["content"]
            process.process.send_signal(signal.SIGKILL)  # no shutdown, no checkpoint
            assert await process.wait_exit(10) == -signal.SIGKILL
    async with Storage.open(data_dir / "bot.db") as storage:
        link = await storage.get_link(LINKED_USER)
        assert link is not None and link.panel_username == "survivor"
        assert KeyVault([KEY_A]).decrypt(link.encrypted_key) == account.client_key


# ---------------------------------------------------------------------------------------------- key location


def test_a_generated_key_beside_the_database_is_a_warning_at_start(tmp_path: Path) -> None:
    """Discord cannot be reached here: the bot gets as far as logging in, after the key has been generated."""
    data_dir = tmp_path / "data"
    result = run_bot(tmp_path, bot_env(data_dir))
    assert result.returncode == 1, result.stderr  # Discord unreachable: a transient failure, not 78
    assert "error: could not reach Discord at http://127.0.0.1:9/api/v10" in result.stderr
    assert (data_dir / SECRET_KEY_FILENAME).exists()
    assert (
        f"ENCRYPTION_KEY is not set, so the encryption key is kept in {data_dir}/secret.key, in the same "
        f"directory as the database it protects ({data_dir}/bot.db)"
    ) in result.stderr
    for misleading in ("shutting down", "in flight", "stopped: panel sessions", "Traceback"):
        assert misleading not in result.stderr


def _device(path: Path) -> int:
    return path.stat().st_dev


def test_where_the_key_file_is_kept(tmp_path: Path) -> None:
    base = {"DISCORD_TOKEN": TOKEN, "PANEL_URL": "https://panel.mygameserver.net"}
    config = load_config({**base, "DATA_DIR": str(tmp_path / "data")})
    assert "in the same directory as the database" in (key_beside_database(config) or "")
    elsewhere = load_config({**base, "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": str(tmp_path / "db" / "b.db")})
    assert "on the same volume as the database" in (key_beside_database(elsewhere) or "")
    assert key_beside_database(load_config({**base, "DATA_DIR": str(tmp_path), "ENCRYPTION_KEY": KEY_A})) is None
    shm = Path("/dev/shm")
    if not shm.is_dir() or _device(shm) == _device(tmp_path):
        pytest.skip("no second file system to put the database on")
    other_volume = load_config({**base, "DATA_DIR": str(tmp_path), "DATABASE_URL": str(shm / "jexactyl-test.db")})
    assert key_beside_database(other_volume) is None
