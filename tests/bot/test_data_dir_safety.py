"""The data directory (issue 8, items 4 and 11): a running bot holds a lock that ``rotate-keys`` and a second bot
refuse on, and everything the bot creates there is private to its user whatever the umask.
"""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from bot.crypto import KeyVault
from bot.storage import Storage
from pyjexactyl.testing import FakePanel
from tests.bot.helpers import bot_process, fakes_env, subprocess_env
from tests.fake_discord import FakeDiscord, FakeUser, bot_token

REPO_ROOT = Path(__file__).resolve().parents[2]
GUILD_ID = 910000000000000001
KEY_OLD = Fernet.generate_key().decode()
KEY_NEW = Fernet.generate_key().decode()


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return subprocess_env(data_dir, token=bot_token(), **extra)


def run_cli(cwd: Path, env: dict[str, str], *args: str, umask: int = -1) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        umask=umask,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------------------------------------- item 4


async def test_rotate_keys_and_a_second_bot_refuse_while_a_bot_runs_on_the_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    async with FakePanel() as panel, FakeDiscord(guild_ids=(GUILD_ID,)) as discord:
        account = panel.add_user("rotator")
        env = base_env(data_dir, ENCRYPTION_KEY=KEY_OLD, **fakes_env(panel, discord, GUILD_ID), LOG_LEVEL="INFO")
        async with bot_process(env, tmp_path) as running:
            await discord.wait_ready(20)
            await discord.wait_synced(guild_id=GUILD_ID, timeout=10)
            user = FakeUser(id=123456789012345678, username="rotator")
            opened = await discord.slash(user, "account link", guild_id=GUILD_ID)
            await running.wait_line(r"type=slash command=account link outcome=ok")
            assert opened.modal is not None
            field = opened.modal["components"][0]["components"][0]["custom_id"]
            submitted = await discord.submit_modal(user, opened.modal["custom_id"], {field: account.client_key})
            await submitted.wait_final(10)

            rotated = await asyncio.to_thread(
                run_cli, tmp_path, {**env, "ENCRYPTION_KEY": f"{KEY_NEW},{KEY_OLD}"}, "rotate-keys"
            )
            assert rotated.returncode == 78, (rotated.returncode, rotated.stdout, rotated.stderr)
            assert "a bot is running on this data directory" in rotated.stderr
            assert "stop the bot first" in rotated.stderr and "Traceback" not in rotated.stderr

            second = await asyncio.to_thread(run_cli, tmp_path, env, "run")
            assert second.returncode == 78, (second.returncode, second.stdout, second.stderr)
            assert "a bot is running on this data directory" in second.stderr
            assert "Traceback" not in second.stderr
            assert running.process.returncode is None  # the first bot is untouched

        # The first bot has stopped (killed, even): its lock went with it, and rotation now works.
        rotated = await asyncio.to_thread(
            run_cli, tmp_path, {**env, "ENCRYPTION_KEY": f"{KEY_NEW},{KEY_OLD}"}, "rotate-keys"
        )
        assert rotated.returncode == 0, rotated.stderr
        assert "Re-encrypted 1 stored key(s)" in rotated.stdout
    async with Storage.open(data_dir / "bot.db") as storage:
        link = await storage.get_link(123456789012345678)
        assert link is not None
        assert KeyVault([KEY_NEW]).decrypt(link.encrypted_key) == account.client_key


def test_the_readme_gives_the_order_of_the_rotation_steps() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    start = readme.index("#### Rotating the encryption key")
    section = readme[start : readme.index("\n#", start + 10)]
    steps = section[section.index("\n1. ") :]
    order = ["1. Stop the bot", "rotate-keys", "Remove the old key", "Start the bot"]
    positions = [steps.index(step) for step in order]
    assert positions == sorted(positions), steps


# ---------------------------------------------------------------------------------------------- item 11


def test_a_new_data_directory_and_database_are_private_with_a_permissive_umask(tmp_path: Path) -> None:
    """``python -m bot`` outside Docker with umask 000: it gets as far as logging in to (an unreachable)
    Discord, after creating the data directory, the database and the generated key."""
    data_dir = tmp_path / "fresh" / "nested" / "data"
    result = run_cli(tmp_path, base_env(data_dir), umask=0)
    assert result.returncode == 1, result.stderr  # Discord unreachable
    for directory in (tmp_path / "fresh", tmp_path / "fresh" / "nested", data_dir):
        assert mode(directory) == 0o700, (directory, oct(mode(directory)))
    created = [p for p in data_dir.iterdir() if p.name.startswith("bot.db") or p.name == "secret.key"]
    assert any(p.name == "bot.db" for p in created)
    for path in created:
        assert mode(path) == 0o600, (path.name, oct(mode(path)))


async def test_the_database_files_are_private_from_the_first_open(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "deep" / "state" / "bot.db"
        async with Storage.open(path) as storage:
            await storage.add_audit("server.command", discord_user_id=1, target="1a2b3c4d", detail="op me")
            names = sorted(p.name for p in path.parent.iterdir())
            assert {"bot.db", "bot.db-wal", "bot.db-shm"} <= set(names), names
            for name in names:
                assert mode(path.parent / name) == 0o600, (name, oct(mode(path.parent / name)))
            assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    finally:
        os.umask(old)


async def test_an_existing_database_made_readable_by_others_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    async with Storage.open(path):
        pass
    os.chmod(path, 0o644)
    async with Storage.open(path):
        assert mode(path) == 0o600
