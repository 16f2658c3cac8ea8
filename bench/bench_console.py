"""Console benchmark: one client watching 100 servers' live consoles at once over the Wings websocket.

Prints figures; it is not a test. Run: ``.venv/bin/python bench/bench_console.py`` (about 2 minutes).

The benchmark process serves a FakePanel (and its fake Wings) with ``--servers`` running servers (the seed
has 5; the rest are created through the fake's API), each sending ``stats`` every second and, all together,
``--lines-per-second`` console lines. The client is a subprocess (this script with ``--client``) that opens
one :class:`~pyjexactyl.ConsoleSession` per server on one :class:`~pyjexactyl.AsyncJexactyl` and counts the
events it reads, so the RSS and CPU it reports are the client's alone (from ``/proc/self``).

Figures:

* RSS of the client process: after imports, with every console open, and at the end;
* CPU (utime + stime) of the client per 1,000 events over the steady window;
* panel HTTP requests per minute over the steady window, all of them and ``GET /websocket`` (tokens).

Token requests: a session asks for a new token only when Wings says ``token expiring``. Real Wings checks every
30 s and warns when <= 60 s remain of the panel's 10-minute token, so a session refreshes when its token is
540-570 s old: 100 / 9.25 min = ~10.8 requests per minute for 100 servers (target: <= 1 per server per 9
minutes, ~11/min; polling ``/resources`` every 10 s would take 600/min). To see several refreshes in a short
run the fake issues ``--token-ttl`` 60 s tokens by default (checked every 6 s, warned at <= 20 s: a refresh
at 40-46 s); the script measures the refresh interval per server at that TTL and checks it against the same
rule, then reports the rate the rule gives for the panel's 600 s tokens. ``--token-ttl 600 --duration 700``
measures the real rate directly (12 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLK_TCK = os.sysconf("SC_CLK_TCK")
POLL_INTERVAL = 10.0  # what a poller of /resources would use
PANEL_TTL = 600.0  # the panel's websocket token lifetime (§6.10)
WINGS_CHECK, WINGS_WARN = 30.0, 60.0  # real Wings: check every 30 s, warn at <= 60 s left (§8.3)


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int | str = "self") -> tuple[float, float]:
    """(utime, stime) of the process, all threads, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


# ------------------------------------------------------------------------------------------ the client


def python_heap_mb() -> float | None:
    """Memory Python objects hold now (``--tracemalloc``), after a collection; ``None`` when not tracing."""
    if not tracemalloc.is_tracing():
        return None
    gc.collect()
    return tracemalloc.get_traced_memory()[0] / 1e6


async def run_client(url: str, key: str, identifiers: list[str], duration: float, warmup: float) -> dict[str, Any]:
    from pyjexactyl import AsyncJexactyl, ConsoleSession

    rss_imported = rss_mb()
    counts: Counter[str] = Counter()
    async with AsyncJexactyl(url, key) as api:
        consoles: list[ConsoleSession] = [api.client.servers.console(i, logs=False) for i in identifiers]
        started = time.perf_counter()
        await asyncio.gather(*(console.__aenter__() for console in consoles))
        connect_seconds = time.perf_counter() - started
        rss_open = rss_mb()

        async def watch(console: ConsoleSession) -> None:
            async for event in console:
                counts[type(event).__name__] += 1

        watchers = [asyncio.create_task(watch(console)) for console in consoles]
        await asyncio.sleep(warmup)
        events_before, cpu_before, t_before = sum(counts.values()), cpu_seconds(), time.perf_counter()
        print(json.dumps({"window_start": time.time()}), flush=True)
        samples: list[float] = []
        heap_samples: list[float] = []
        for _ in range(int(duration // 10)):
            await asyncio.sleep(10)
            samples.append(round(rss_mb(), 1))
            heap = python_heap_mb()
            if heap is not None:
                heap_samples.append(round(heap, 2))
        await asyncio.sleep(duration % 10)
        window = time.perf_counter() - t_before
        cpu_after = cpu_seconds()
        user, system = cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1]
        cpu = user + system
        events = sum(counts.values()) - events_before
        print(json.dumps({"window_end": time.time()}), flush=True)
        reconnects = sum(c.reconnects for c in consoles)
        dropped = sum(c.dropped for c in consoles)
        for console in consoles:
            await console.close()
        for watcher in watchers:
            watcher.cancel()
    return {
        "rss_imported": rss_imported,
        "rss_open": rss_open,
        "rss_samples": samples,
        "heap_samples": heap_samples,
        "rss_end": rss_mb(),
        "connect_seconds": connect_seconds,
        "window": window,
        "events": events,
        "events_per_second": events / window,
        "cpu_ms_per_1000": cpu * 1000 / events * 1000 if events else float("nan"),
        "cpu_share": cpu / window,
        "cpu_system_share": system / cpu if cpu else 0.0,
        "kinds": dict(counts),
        "reconnects": reconnects,
        "dropped": dropped,
    }


def client_main(args: argparse.Namespace) -> None:
    if args.tracemalloc:
        tracemalloc.start()
    spec = json.loads(sys.stdin.readline())
    result = asyncio.run(run_client(spec["url"], spec["key"], spec["servers"], args.duration, args.warmup))
    print(json.dumps({"result": result}), flush=True)


# ------------------------------------------------------------------------------------------ the panel side


async def serve(args: argparse.Namespace) -> None:
    from pyjexactyl.testing import FakePanel

    panel = FakePanel(
        latency=0.0,
        power_delay=0.05,
        websocket_token_ttl=args.token_ttl,
        websocket_stats_interval=1.0,
    )
    panel.wings.record_frames = False
    await panel.start_async()
    try:
        owner = panel.user
        servers = [s for s in panel.servers if s.owner_id == owner.id and s.status is None]
        servers += panel.add_servers(owner, max(0, args.servers - len(servers)), "bench")
        servers = servers[: args.servers]
        for server in servers:
            if server.state != "running":
                server.state = "running"
        check, warn = panel.wings.token_check_interval, panel.wings.token_expiring_threshold

        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--client",
            "--duration",
            str(args.duration),
            "--warmup",
            str(args.warmup),
            *(["--tracemalloc"] if args.tracemalloc else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert child.stdin is not None and child.stdout is not None
        spec = {"url": panel.url, "key": owner.client_key, "servers": [s.identifier for s in servers]}
        child.stdin.write((json.dumps(spec) + "\n").encode())
        await child.stdin.drain()

        async def chatter() -> None:
            n = 0
            while True:
                await asyncio.sleep(1 / args.lines_per_second)
                server = servers[n % len(servers)]
                panel.console_output(server, f"[{time.strftime('%H:%M:%S')} INFO]: bench line {n}")
                n += 1

        talker = asyncio.create_task(chatter()) if args.lines_per_second > 0 else None
        window: dict[str, float] = {}
        result: dict[str, Any] = {}
        child_rss: list[float] = []
        try:
            while line := await child.stdout.readline():
                message = json.loads(line)
                window.update({k: v for k, v in message.items() if k.startswith("window")})
                result = message.get("result", result)
                if "window_start" in message:
                    child_rss.append(rss_mb(child.pid))
        finally:
            if talker is not None:
                talker.cancel()
            try:
                await asyncio.wait_for(child.wait(), 15)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
                await child.wait()
        if not result:
            raise SystemExit("the client failed; run it alone with --client to see why")
        report(args, panel, servers, window, result, check, warn)
    finally:
        await panel.stop_async()


def report(
    args: argparse.Namespace,
    panel: Any,
    servers: list[Any],
    window: dict[str, float],
    result: dict[str, Any],
    check: float,
    warn: float,
) -> None:
    start, end = window["window_start"], window["window_end"]
    minutes = (end - start) / 60
    in_window = [r for r in panel.requests if start <= r.timestamp < end]
    tokens = [r for r in in_window if r.path.endswith("/websocket")]
    all_tokens = [r for r in panel.requests if r.path.endswith("/websocket")]
    per_server: dict[str, list[float]] = {}
    for request in all_tokens:
        per_server.setdefault(request.path, []).append(request.timestamp)
    intervals = [b - a for times in per_server.values() for a, b in itertools.pairwise(times)]
    n = len(servers)
    expected_lo, expected_hi = args.token_ttl - warn, args.token_ttl - warn + check
    panel_lo, panel_hi = PANEL_TTL - WINGS_WARN, PANEL_TTL - WINGS_WARN + WINGS_CHECK
    print(f"Console benchmark: one client, {n} consoles, stats every 1 s, {args.lines_per_second} lines/s in all")
    print(f"  token TTL {args.token_ttl:.0f} s (fake Wings checks every {check:.0f} s, warns at <= {warn:.0f} s left)")
    print(
        f"  steady window {end - start:.0f} s after a {args.warmup:.0f} s warm-up; connect of all {n}: "
        f"{result['connect_seconds'] * 1000:.0f} ms"
    )
    print()
    print("client process")
    print(f"  RSS after imports           {result['rss_imported']:7.1f} MB")
    print(
        f"  RSS with {n} consoles open  {result['rss_open']:7.1f} MB  "
        f"(+{(result['rss_open'] - result['rss_imported']) * 1024 / n:.0f} kB per console)"
    )
    samples = ", ".join(f"{s:.1f}" for s in result["rss_samples"])
    print(f"  RSS every 10 s              {samples}")
    print(f"  RSS at the end              {result['rss_end']:7.1f} MB")
    if result["heap_samples"]:
        heap = ", ".join(f"{h:.2f}" for h in result["heap_samples"])
        print(f"  Python heap every 10 s      {heap} MB (tracemalloc, after gc)")
    print(
        f"  events in the window        {result['events']} ({result['events_per_second']:.0f}/s); since connect: "
        + ", ".join(f"{k} {v}" for k, v in sorted(result["kinds"].items()))
    )
    print(
        f"  CPU per 1,000 events        {result['cpu_ms_per_1000']:7.1f} ms  "
        f"({result['cpu_share'] * 100:.1f}% of a core; {result['cpu_system_share'] * 100:.0f}% of it in the kernel)"
    )
    print(f"  reconnects {result['reconnects']}, dropped {result['dropped']}")
    print()
    print("panel HTTP requests")
    print(f"  all requests in the window  {len(in_window) / minutes:7.1f} /min")
    print(
        f"  token requests (/websocket) {len(tokens) / minutes:7.1f} /min  "
        f"= {len(tokens) / minutes / n:.2f} per server per minute"
    )
    if intervals:
        lo, hi = min(intervals), max(intervals)
        ok = expected_lo - 1 <= lo and hi <= expected_hi + 1
        print(
            f"  refresh interval per server {lo:.1f}-{hi:.1f} s (rule: {expected_lo:.0f}-{expected_hi:.0f} s) "
            f"{'OK' if ok else 'MISMATCH'}"
        )
    rate_lo, rate_hi = n * 60 / panel_hi, n * 60 / panel_lo
    print(
        f"  with the panel's 600 s tokens: one refresh per server every {panel_lo:.0f}-{panel_hi:.0f} s = "
        f"{rate_lo:.1f}-{rate_hi:.1f} /min for {n} servers (target <= {n / 9:.1f}/min)"
    )
    print(
        f"  polling /resources every {POLL_INTERVAL:.0f} s instead: {n * 60 / POLL_INTERVAL:.0f} /min "
        f"(the panel's client budget is 720/min per user)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--duration", type=float, default=100.0, help="steady window in seconds")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--token-ttl", type=int, default=60)
    parser.add_argument("--lines-per-second", type=float, default=20.0)
    parser.add_argument("--tracemalloc", action="store_true", help="also report the client's Python heap (slower)")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args)
    else:
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
