"""The bot process of ``bench_bot.py``: started as ``python -m bot`` with only environment variables pointing
it at the fakes, its output followed line by line, its memory and CPU read from ``/proc``, and stopped with
SIGTERM (SIGKILL at exit as a last resort)."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bot.settings import VARIABLES
from pyjexactyl.testing import FakePanel
from tests.fake_discord import FakeDiscord

REPO = Path(__file__).resolve().parent.parent
BOT_ENV_NAMES = frozenset(variable.name for variable in VARIABLES)
"""Every variable of the bot: none is inherited from the shell running the benchmark."""
CLK_TCK = os.sysconf("SC_CLK_TCK")

_children: list[subprocess.Popen[bytes]] = []


@atexit.register
def _kill_leftovers() -> None:
    """Last resort (the normal path stops the bot with SIGTERM in ``stop_bot``)."""
    for proc in _children:
        if proc.poll() is None:
            proc.kill()
            with contextlib.suppress(Exception):
                proc.wait(5)


# ------------------------------------------------------------------------------------------ /proc


def rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} in /proc/{pid}/status")


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def bot_environment(fd: FakeDiscord, panel: FakePanel, data_dir: Path, guild_id: int) -> dict[str, str]:
    """The environment of the bot process: only variables point it at the fakes."""
    env = {k: v for k, v in os.environ.items() if k not in BOT_ENV_NAMES}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env.update(
        {
            "DISCORD_TOKEN": fd.token,
            "PANEL_URL": panel.url,
            "DATA_DIR": str(data_dir),
            "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "GUILD_IDS": str(guild_id),
            "DISCORD_API_BASE": fd.api_base,
            "DISCORD_GATEWAY_URL": fd.gateway_url,
            "LOG_LEVEL": "INFO",
        }
    )
    return env


_LINK_OPENED = re.compile(r"interaction user=(\d+) type=slash command=account link outcome=ok")


class BotLog:
    """The bot's output, copied to ``log_path`` line by line by a reader thread; tells the event loop when the
    bot has handled a ``/account link`` command (its log line), so a form is submitted only once discord.py has
    registered it, as a person would: no fixed pause."""

    def __init__(self, proc: subprocess.Popen[bytes], log_path: Path, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._opened: dict[int, int] = {}
        self._changed = asyncio.Event()
        self._thread = threading.Thread(target=self._read, args=(proc, log_path), name="bot-log", daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[bytes], log_path: Path) -> None:
        assert proc.stdout is not None
        with open(log_path, "wb") as log_file:
            for raw in proc.stdout:
                log_file.write(raw)
                log_file.flush()
                match = _LINK_OPENED.search(raw.decode("utf-8", "replace"))
                if match:
                    self._loop.call_soon_threadsafe(self._opened_one, int(match.group(1)))

    def _opened_one(self, user_id: int) -> None:
        self._opened[user_id] = self._opened.get(user_id, 0) + 1
        self._changed.set()
        self._changed = asyncio.Event()

    def link_commands(self, user_id: int) -> int:
        """How many ``/account link`` commands of ``user_id`` the bot has handled to the end."""
        return self._opened.get(user_id, 0)

    async def wait_link_command(self, user_id: int, count: int, timeout: float) -> None:
        """Waits until the bot has handled ``count`` ``/account link`` commands of ``user_id``."""
        async with asyncio.timeout(timeout):
            while self._opened.get(user_id, 0) < count:
                await self._changed.wait()


def spawn_bot(env: dict[str, str], *, cwd: Path, log_path: Path) -> tuple[subprocess.Popen[bytes], BotLog]:
    """``python -m bot``, as a user runs it; its output goes to ``log_path`` (see :class:`BotLog`)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=cwd,  # no stray .env; the bot package comes from PYTHONPATH
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    _children.append(proc)
    return proc, BotLog(proc, log_path, asyncio.get_running_loop())


async def wait_or_die(proc: subprocess.Popen[bytes], waiter: Any, what: str, log_path: Path) -> None:
    """Awaits ``waiter`` unless the bot process exits first."""
    task = asyncio.ensure_future(waiter)
    try:
        while not task.done():
            if proc.poll() is not None:
                raise RuntimeError(f"the bot exited (status {proc.returncode}) before {what}:\n{tail(log_path)}")
            await asyncio.wait({task}, timeout=0.05)
        task.result()
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


async def stop_bot(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> tuple[int | None, float]:
    """SIGTERM, wait (serving the fake meanwhile so the bot's goodbye can complete), then SIGKILL."""
    start = time.perf_counter()
    try:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(proc.wait, timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    return proc.returncode, time.perf_counter() - start


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text[-lines:])
