"""``bench_bot.py --linked-users N``: the bot's memory with N linked users, each with their own cached panel
client, and how many connections those clients keep open to the panel (read from ``/proc``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from pyjexactyl.testing import FakePanel
from tests.fake_discord import FakeDiscord

from ._bot_driver import Account, Driver, Level, link_all
from ._bot_process import BotLog, rss_mb, wait_or_die


def panel_connections(pid: int, panel_port: int) -> int:
    """TCP connections of ``pid`` to ``panel_port`` on 127.0.0.1 (from /proc: its socket inodes, matched with
    /proc/net/tcp)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if fields[9] in inodes and remote_port == panel_port and fields[3] == "01":  # ESTABLISHED
                    count += 1
    return count


async def memory_mode(
    fd: FakeDiscord,
    panel: FakePanel,
    proc: subprocess.Popen[bytes],
    bot_log: BotLog,
    accounts: Sequence[Account],
    rss_start: float,
) -> None:
    """Links every account, has each run ``/server status`` once, and prints the bot's RSS along the way."""
    pid = proc.pid
    users = len(accounts)
    t0 = time.perf_counter()
    await wait_or_die(proc, link_all(fd, bot_log, accounts), f"linking {users} users", Path("/dev/null"))
    linked_in = time.perf_counter() - t0
    await asyncio.sleep(1.0)
    rss_linked = rss_mb(pid)
    level = Level("server status", 50)
    driver = Driver(fd, panel, pid, accounts)
    t0 = time.perf_counter()
    while level.interactions < users:
        await driver.burst("server status", min(50, users - level.interactions), level)
    ran_in = time.perf_counter() - t0
    await asyncio.sleep(1.0)
    rss_clients = rss_mb(pid)
    port = int(panel.url.rsplit(":", 1)[1])
    connections = panel_connections(pid, port)
    hwm = rss_mb(pid, "VmHWM")
    print(f"\nmemory with {users} linked users (VmRSS of the bot process)")
    print(f"  {'after start (READY, commands synced, idle)':<58}{rss_start:7.1f} MB")
    print(f"  {f'after linking {users} users ({linked_in:.1f} s)':<58}{rss_linked:7.1f} MB")
    print(
        f"  {f'after each ran /server status once ({ran_in:.1f} s)':<58}{rss_clients:7.1f} MB"
        f"   (+{rss_clients - rss_start:.1f} MB over start, peak {hwm:.1f} MB)"
    )
    print(
        f"  open connections to the panel: {connections} (one pool shared by every user's client, at most "
        "POOL_SIZE = 100; idle ones close after aiohttp's keep-alive timeout)"
    )
    print(f"  panel clients kept: at most MAX_CLIENTS = 500 of the {users} made (least recently used dropped first)")
    print(f"  errors: {level.errors} {level.error_samples}")
