"""Bot benchmark: the real bot (``python -m bot``, a subprocess) against FakeDiscord + FakePanel.

Prints figures; it is not a test. Run: ``.venv/bin/python bench/bench_bot.py`` (``--quick`` for a smoke
run, ``--interactions N`` for the memory soak, ``--help`` for the rest).

The benchmark process serves a FakeDiscord (REST + gateway, on this event loop) and a FakePanel (20 ms
latency on every request, rate limits out of the way; its own thread) on 127.0.0.1, and starts the bot
through the entry point a user runs, with only environment variables pointing it at them. The bot's
memory is therefore its own: VmRSS is read from ``/proc/<pid>/status``.

Several Discord users are linked through the real ``/account link`` modal, each to its own panel user
(own client key, a few running servers), so concurrent interactions spread over users.

Measured, per command and concurrency level (bursts of C interactions dispatched back to back, several
bursts per level):
* first response: INTERACTION_CREATE dispatched -> the bot's first callback (the defer) reaches the fake;
* final answer: dispatched -> the first non-deferred content (the followup that replaces "thinking");
* overhead: final answer minus the panel time the command cannot avoid (the "floor", printed);
* bot CPU per interaction (utime+stime of the bot process) and the harness's own CPU use, so a
  saturated harness is visible rather than blamed on the bot.
Memory: VmRSS after start, idle after linking, before and during a soak of ``--interactions`` status
commands, and after it. Each status card keeps its buttons (a live view) for 180 s, so the soak's growth is the
views of the cards it showed; ``--second-soak-after 190`` waits for them to time out and soaks again: that second
soak's growth is the leak check.

Targets: first response p99 < 100 ms at 100 concurrent; final answer overhead < 20 ms over the panel
latency at p50; idle RSS < 80 MB; no RSS growth beyond noise (2 MB) over the soak.

``--linked-users N`` is a memory mode instead (issue 8, item 6): N Discord users are linked, each to their own
panel user with one server, and each runs ``/server status`` once, so the bot holds N cached panel clients;
it prints the bot's RSS after start, after linking and after the N commands, and how many connections the bot
has open to the panel (every user's client shares one connection pool).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench._bot_driver import (  # noqa: E402
    GUILD_ID,
    Driver,
    Level,
    link_all,
    make_accounts,
    pct,
    take_panel_requests,
    verdict,
)
from bench._bot_memory import memory_mode  # noqa: E402
from bench._bot_process import (  # noqa: E402
    bot_environment,
    cpu_seconds,
    rss_mb,
    spawn_bot,
    stop_bot,
    tail,
    wait_or_die,
)
from pyjexactyl.testing import FakePanel  # noqa: E402
from tests.fake_discord import FakeDiscord  # noqa: E402

LATENCY = 0.02
LEVELS = (1, 20, 100)
SOAK_CONCURRENCY = 100
RSS_NOISE_MB = 2.0
# panel time each command inherently needs at LATENCY (one round trip per sequential step)
FLOORS = {
    "server status": LATENCY,  # get_server || get_server_utilization (concurrent): one round trip
    "server list": 2 * LATENCY,  # list_servers (fresh), then the page's utilizations concurrently
}
TARGET_FIRST_P99_MS = 100.0
TARGET_OVERHEAD_P50_MS = 20.0
TARGET_IDLE_RSS_MB = 80.0


# ------------------------------------------------------------------------------------------ report


def print_table(levels: Sequence[Level]) -> None:
    head = (
        f"{'command':<20}{'conc':>5}{'n':>6}{'first p50':>11}{'first p99':>11}{'final p50':>11}"
        f"{'final p99':>11}{'ovh p50':>9}{'panel/ix':>10}{'bot CPU':>9}{'harness':>9}{'err':>5}"
    )
    print(head)
    print(f"{'':<20}{'':>5}{'':>6}{'ms':>11}{'ms':>11}{'ms':>11}{'ms':>11}{'ms':>9}{'':>10}{'ms/ix':>9}{'CPU':>9}")
    for lv in levels:
        floor = FLOORS[lv.command]
        overhead = pct(lv.final, 50) - floor
        per_ix = lv.panel_calls / lv.interactions if lv.interactions else math.nan
        print(
            f"{'/' + lv.command + lv.tag:<20}{lv.concurrency:>5}{len(lv.final):>6}"
            f"{pct(lv.first, 50) * 1000:>11.1f}{pct(lv.first, 99) * 1000:>11.1f}"
            f"{pct(lv.final, 50) * 1000:>11.1f}{pct(lv.final, 99) * 1000:>11.1f}"
            f"{overhead * 1000:>9.1f}{per_ix:>10.2f}"
            f"{lv.bot_cpu / max(lv.interactions, 1) * 1000:>9.2f}"
            f"{lv.harness_cpu / lv.wall * 100 if lv.wall else 0:>8.0f}%{lv.errors:>5}"
        )


def main_report_targets(
    levels: Sequence[Level], idle_rss: float, soak_growth: float | None, growth_label: str = "RSS growth over the soak"
) -> None:
    status = {lv.concurrency: lv for lv in levels if lv.command == "server status"}
    rows: list[tuple[str, str, bool]] = []
    if 100 in status:
        v = pct(status[100].first, 99) * 1000
        rows.append((f"first response p99 @100 concurrent < {TARGET_FIRST_P99_MS:.0f} ms", f"{v:.1f} ms", v < 100))
    if 1 in status:
        v = (pct(status[1].final, 50) - FLOORS["server status"]) * 1000
        rows.append((f"final answer overhead p50 @1 (status) < {TARGET_OVERHEAD_P50_MS:.0f} ms", f"{v:.1f} ms", v < 20))
    rows.append((f"idle RSS (after linking) < {TARGET_IDLE_RSS_MB:.0f} MB", f"{idle_rss:.1f} MB", idle_rss < 80))
    if soak_growth is not None:
        rows.append(
            (
                f"{growth_label} <= {RSS_NOISE_MB:.0f} MB (noise)",
                f"{soak_growth:+.1f} MB",
                soak_growth <= RSS_NOISE_MB,
            )
        )
    print("\ntargets")
    for label, value, ok in rows:
        print(f"  {label:<52}{value:>12}   {verdict(ok)}")
    extra = [lv for lv in levels if lv.command == "server status" and lv.concurrency != 1]
    if extra:
        info = ", ".join(
            f"@{lv.concurrency}: {(pct(lv.final, 50) - FLOORS['server status']) * 1000:.1f} ms" for lv in extra
        )
        print(f"  (status overhead p50 under load, for information: {info})")


# ------------------------------------------------------------------------------------------ main


async def run(args: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    me = asyncio.current_task()
    assert me is not None
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, me.cancel)

    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="bench-bot-"))
    data_dir = tmp / "data"
    data_dir.mkdir()
    log_path = tmp / "bot.log"
    panel = FakePanel(
        latency=LATENCY,
        client_rate_limit=100_000_000,
        application_rate_limit=100_000_000,
        rate_period=60.0,
    )
    fd = FakeDiscord(guild_ids=(GUILD_ID,), callback_delay=args.discord_rtt / 1000)
    proc: subprocess.Popen[bytes] | None = None
    failed = False
    try:
        panel.start()  # own thread and loop: its 20 ms sleeps are not queued behind the fake Discord
        await fd.start()
        if args.linked_users:  # memory mode: one server each
            accounts = make_accounts(panel, args.linked_users, 1)
        else:
            accounts = make_accounts(panel, args.users, args.servers)

        t0 = time.perf_counter()
        proc, bot_log = spawn_bot(bot_environment(fd, panel, data_dir, GUILD_ID), cwd=tmp, log_path=log_path)
        pid = proc.pid
        await wait_or_die(proc, fd.wait_ready(60), "gateway READY", log_path)
        t_ready = time.perf_counter() - t0
        await wait_or_die(proc, fd.wait_synced(guild_id=GUILD_ID, timeout=60), "the command sync", log_path)
        t_synced = time.perf_counter() - t0
        await asyncio.sleep(3.0)  # discord.py's on_ready comes guild_ready_timeout (2 s) after GUILD_CREATE
        rss_start = rss_mb(pid)

        print(
            f"bot: `{Path(sys.executable).name} -m bot` pid {pid}; panel latency {LATENCY * 1000:.0f} ms; "
            + (
                f"memory mode, {args.linked_users} users x 1 server"
                if args.linked_users
                else f"{args.users} linked users x {args.servers} servers"
            )
            + f"; {os.cpu_count()} CPUs"
        )
        print(f"startup: gateway READY {t_ready:.2f} s after spawn, guild commands synced at {t_synced:.2f} s")

        if args.linked_users:
            await memory_mode(fd, panel, proc, bot_log, accounts, rss_start)
            return 0
        await link_all(fd, bot_log, accounts)
        take_panel_requests(panel)
        await asyncio.sleep(1.0)
        rss_idle = rss_mb(pid)

        driver = Driver(fd, panel, pid, accounts)
        commands = ["server status"] if args.no_list else ["server status", "server list"]
        warm = Level("server status", 20)
        for command in commands:  # warm-up: per-user panel clients, server-list caches; not measured
            for _ in range(2):
                await driver.burst(command, len(accounts), warm)
        if warm.errors:
            print(f"warm-up errors: {warm.errors} {warm.error_samples}")

        levels: list[Level] = []
        for concurrency in LEVELS:
            for command in commands:
                levels.append(await driver.run_level(command, concurrency, args.samples))
        done_so_far = warm.interactions + sum(lv.interactions for lv in levels)

        # memory soak
        await asyncio.sleep(1.0)
        rss_before = rss_mb(pid)
        soak = Level("server status", SOAK_CONCURRENCY, tag=" soak")
        checkpoints: list[tuple[int, float]] = []
        step = max(args.interactions // 4, 1)
        next_mark = step
        cpu0, harness0, wall0 = cpu_seconds(pid), time.process_time(), time.perf_counter()
        while soak.interactions < args.interactions:
            await driver.burst("server status", min(SOAK_CONCURRENCY, args.interactions - soak.interactions), soak)
            if soak.interactions >= next_mark:
                checkpoints.append((soak.interactions, rss_mb(pid)))
                next_mark += step
        soak.wall = time.perf_counter() - wall0
        soak.bot_cpu = cpu_seconds(pid) - cpu0
        soak.harness_cpu = time.process_time() - harness0
        await asyncio.sleep(2.0)
        rss_after = rss_mb(pid)
        hwm = rss_mb(pid, "VmHWM")
        growth = rss_after - rss_before

        print()
        print_table([*levels, soak])
        print(
            f"(soak: the memory soak, back-to-back bursts of {SOAK_CONCURRENCY}.) Floors assumed at "
            f"{LATENCY * 1000:.0f} ms panel latency: /server status {FLOORS['server status'] * 1000:.0f} ms "
            "(get_server || get_server_utilization); /server list "
            f"{FLOORS['server list'] * 1000:.0f} ms (list_servers, then the page's utilizations in parallel). "
            "ovh = final p50 - floor. panel/ix > 2.00 on status = server-list refetches (30 s per-user cache; "
            f"+{LATENCY * 1000:.0f} ms each): "
            + ", ".join(f"@{lv.concurrency} {lv.list_fetches}" for lv in levels if lv.command == "server status")
            + f". 429s from the panel: {sum(lv.panel_429 for lv in [*levels, soak])}."
        )
        spreads = [x for lv in levels if lv.concurrency == max(LEVELS) for x in lv.spread]
        print(
            f"The harness dispatches a {max(LEVELS)}-interaction burst over {pct(spreads, 50) * 1000:.1f} ms (p50); "
            "each interaction is timed from its own dispatch. Load average before/after: "
            f"{load_before:.2f}/{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other work on the machine "
            "shows up in the tails)."
        )
        for lv in [*levels, soak]:
            if lv.error_samples:
                print(f"  errors /{lv.command} @{lv.concurrency}: {lv.error_samples}")

        print("\nmemory (VmRSS of the bot process)")
        rows = [
            ("after start (READY, commands synced, idle)", rss_start, ""),
            (f"idle after linking {args.users} users", rss_idle, ""),
            (f"before the soak (after {done_so_far} interactions)", rss_before, ""),
            (
                f"after the soak ({soak.interactions} more interactions)",
                rss_after,
                f"   growth over the soak {growth:+.1f} MB, since idle {rss_after - rss_idle:+.1f} MB, "
                f"peak (VmHWM) {hwm:.1f} MB",
            ),
        ]
        for label, mb, note in rows:
            print(f"  {label:<50}{mb:7.1f} MB{note}")
        marks = "  ".join(f"{n}: {mb:.1f}" for n, mb in checkpoints)
        print(f"  {'during the soak (interactions: MB)':<50}{marks}")
        leak_growth: float | None = growth
        leak_label = "RSS growth over the soak"
        if args.second_soak_after:
            # Every status card keeps its buttons (a live view) for 180 s: the first soak's growth is those views.
            # Once they have timed out, a second soak of the same size must not grow RSS again (their memory is
            # reused): that is the leak check.
            await asyncio.sleep(args.second_soak_after)
            rss_settled = rss_mb(pid)
            second = Level("server status", SOAK_CONCURRENCY, tag=" soak 2")
            while second.interactions < args.interactions:
                await driver.burst(
                    "server status", min(SOAK_CONCURRENCY, args.interactions - second.interactions), second
                )
            await asyncio.sleep(2.0)
            rss_second = rss_mb(pid)
            leak_growth = rss_second - rss_after
            leak_label = "RSS growth over a second soak"
            settled = f"{args.second_soak_after:.0f} s later (the cards' buttons timed out)"
            print(f"  {settled:<50}{rss_settled:7.1f} MB")
            again = f"after a second soak ({second.interactions} more)"
            print(f"  {again:<50}{rss_second:7.1f} MB   growth over the second soak {leak_growth:+.1f} MB")
            soak.errors += second.errors

        main_report_targets(levels, rss_idle, leak_growth, leak_label)

        if fd.violations or fd.unhandled:
            print(f"\nfake Discord: {len(fd.violations)} violations, unhandled routes {fd.unhandled[:5]}")
            for v in fd.violations[:5]:
                print(f"  {v}")
        errors = sum(lv.errors for lv in [*levels, soak]) + warm.errors
        failed = bool(errors or fd.violations)
    except BaseException:
        failed = True
        raise
    finally:
        if proc is not None:
            code, took = await stop_bot(proc)
            print(f"\nshutdown: SIGTERM -> exit status {code} in {took:.2f} s")
        with contextlib.suppress(Exception):
            await fd.close()
        with contextlib.suppress(Exception):
            panel.stop()
        warnings = []
        with contextlib.suppress(OSError):
            warnings = [
                line
                for line in log_path.read_text(errors="replace").splitlines()
                if (" WARNING " in line or " ERROR " in line or "Traceback" in line)
                and "voice will NOT be supported" not in line  # discord.py's usual notice (no PyNaCl)
            ]
        if warnings:
            print(f"bot log: {len(warnings)} warning/error lines, first ones:")
            for line in warnings[:8]:
                print(f"    {line[:220]}")
        if failed and log_path.exists():
            print(f"bot log tail:\n{tail(log_path)}")
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--interactions", type=int, default=2000, help="status commands in the memory soak")
    parser.add_argument(
        "--second-soak-after",
        type=float,
        default=0.0,
        help="after the soak, wait this many seconds (status cards' buttons time out after 180 s) and soak again",
    )
    parser.add_argument("--samples", type=int, default=300, help="samples per command and concurrency level")
    parser.add_argument("--users", type=int, default=20, help="linked Discord users (each its own panel user)")
    parser.add_argument("--servers", type=int, default=3, help="servers per panel user")
    parser.add_argument("--no-list", action="store_true", help="measure /server status only")
    parser.add_argument(
        "--discord-rtt",
        type=float,
        default=0.0,
        help="ms the fake Discord takes to answer an interaction callback (models real Discord's round trip)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 40 samples per level, 300-interaction soak")
    parser.add_argument(
        "--linked-users",
        type=int,
        default=0,
        metavar="N",
        help="memory mode: link N users, run /server status once each, print RSS (instead of the latency levels)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.samples = min(args.samples, 40)
        args.interactions = min(args.interactions, 300)
    if args.users < 1 or args.servers < 1 or args.samples < 1 or args.interactions < 1:
        parser.error("--users, --servers, --samples and --interactions must be positive")
    try:
        return asyncio.run(run(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
