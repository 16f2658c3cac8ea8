"""Helpers shared by the bot test modules (``from tests.bot.helpers import free_port``), and a running
``python -m bot`` process whose output can be awaited line by line (:func:`bot_process`)."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyjexactyl.testing import FakePanel
    from tests.fake_discord import FakeDiscord

REPO_ROOT = Path(__file__).resolve().parents[2]
CLOSED = "http://127.0.0.1:9"
"""The discard port: nothing answers there, so a bot pointed at it reaches nothing before its own checks."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def subprocess_env(data_dir: Path, *, token: str, **extra: str) -> dict[str, str]:
    """The whole environment of a ``python -m bot`` subprocess (nothing inherited but ``PATH``): ``token``,
    ``DATA_DIR``, the panel and Discord at :data:`CLOSED`, then ``extra``."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO_ROOT),
        "DISCORD_TOKEN": token,
        "PANEL_URL": CLOSED,
        "DATA_DIR": str(data_dir),
        "DISCORD_API_BASE": f"{CLOSED}/api/v10",
        "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway",
    }
    env.update(extra)
    return env


def fakes_env(panel: FakePanel, discord: FakeDiscord, guild_id: int) -> dict[str, str]:
    """The variables that point the bot at a running FakePanel and FakeDiscord, in guild ``guild_id``."""
    return {
        "PANEL_URL": panel.url,
        "DISCORD_TOKEN": discord.token,
        "DISCORD_API_BASE": discord.api_base,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
        "GUILD_IDS": str(guild_id),
    }


@dataclass
class BotProcess:
    """A ``python -m bot`` subprocess; its output (stdout and stderr together) is read as it comes."""

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
            self._wake()
        self._wake()

    def _wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait_line(self, pattern: str, timeout: float = 10.0) -> str:
        """The first output line matching ``pattern`` (a regular expression), waiting for it to be printed."""
        regex = re.compile(pattern)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for entry in self.lines:
                        if regex.search(entry):
                            return entry
                    if self.process.stdout is None or self.process.stdout.at_eof():
                        break  # everything the process printed has been read
                    await self.changed.wait()
        except TimeoutError:
            pass
        raise AssertionError(f"no output line matching {pattern!r} in:\n{self.output}")

    async def wait_exit(self, timeout: float = 10.0) -> int:
        """The exit status, once the process has ended and its output has been read."""
        return await asyncio.wait_for(self.process.wait(), timeout)


@asynccontextmanager
async def bot_process(env: Mapping[str, str], cwd: Path, *args: str) -> AsyncIterator[BotProcess]:
    """Runs ``python -m bot *args`` with exactly ``env``; kills it on exit if it is still running."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=dict(env),
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
