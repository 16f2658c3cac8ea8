"""Watch benchmark (issue 10): the real bot (``python -m bot``, a subprocess) keeping 50 status boards and 50
alerts on 100 servers whose stats change every second, against FakeDiscord + FakePanel with its fake Wings.

Prints figures; it is not a test. Run: ``.venv/bin/python bench/bench_watch.py`` (about 5 minutes; ``--help``).

Set-up: ``--owners`` panel users (10) each own a tenth of ``--servers`` (100) running servers; their keys are
linked in the bot's database before it starts (as ``/account link`` stores them). The bot adds 50 boards (one
per server, servers 0-49, five per channel) and 50 alerts (servers 50-99, with a mentionable role) through the
real ``/board add`` and ``/alert add`` commands. FakeDiscord models Discord's edit limit (5 edits per 5 s per
channel). Every second the benchmark changes each running server's disk use, so every stats frame (one per
second per server) would change its board: only the bot's coalescing keeps the edits down.

Figures:
* **steady window** (``--duration`` s, no state changes): panel HTTP requests per minute (all of them, and the
  ``GET /websocket`` token requests), Discord edits per board per minute (mean and max), the bot's RSS and CPU;
* **state changes** (``--changes`` s): every second a random board's server goes offline or back; the time from
  the change (``FakeServer.state`` set in this process) to the first edit of its board that shows it: p50, p99,
  max. Two alert servers crash meanwhile (alerts posted).

Token requests: a session asks for a token only when Wings says ``token expiring`` (real Wings: checks every 30 s
and warns at <= 60 s left of the panel's 600 s token, so a refresh at 540-570 s: 100 / 9.25 min = 10.8/min). A
few-minute window with 600 s tokens would see none, so the fake issues ``--token-ttl`` 60 s tokens by default
(checked every 6 s, warned at <= 20 s: a refresh at 40-46 s); the script reports the measured rate at that TTL,
the rate the same rule gives for 600 s tokens, and adds the other requests measured in the window.
``--token-ttl 600 --duration 700`` measures the real rate directly (about 14 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_bot import cpu_seconds, pct, rss_mb, spawn_bot, stop_bot, tail, verdict, wait_or_die  # noqa: E402

from bot.crypto import KeyVault  # noqa: E402
from bot.storage import Storage  # noqa: E402
from pyjexactyl.testing import FakePanel, FakeServer  # noqa: E402
from tests.fake_discord import FakeDiscord, FakeRole, FakeUser, InteractionRecord  # noqa: E402
from tests.fake_discord import permissions as P  # noqa: E402
from tests.fake_discord.payloads import DEFAULT_MEMBER_PERMISSIONS  # noqa: E402

GUILD_ID = 910000000000000001
MANAGER = DEFAULT_MEMBER_PERMISSIONS | P.MANAGE_CHANNELS
ONCALL = FakeRole(id=960000000000000009, name="oncall", mentionable=True)
PANEL_TTL, WINGS_REFRESH_AGE = 600.0, 555.0  # the panel's token lifetime; real Wings refreshes at 540-570 s
TARGETS = {"panel_per_min": 12.0, "edits_per_board_min": 4.0, "state_p99_s": 3.0, "rss_mb": 120.0, "cpu_pct": 10.0}


def text_of(message: dict[str, Any] | None) -> str:
    if not message:
        return ""
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        parts += [f"{f.get('name')} {f.get('value')}" for f in embed.get("fields") or []]
    return "\n".join(parts)


def environment(fd: FakeDiscord, panel: FakePanel, data_dir: Path, key: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PANEL_", "BOARD_", "ALERT_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env.update(
        {
            "DISCORD_TOKEN": fd.token,
            "PANEL_URL": panel.url,
            "DATA_DIR": str(data_dir),
            "ENCRYPTION_KEY": key,
            "GUILD_IDS": str(GUILD_ID),
            "DISCORD_API_BASE": fd.api_base,
            "DISCORD_GATEWAY_URL": fd.gateway_url,
            "LOG_LEVEL": "INFO",
        }
    )
    return env


async def command(fd: FakeDiscord, user: FakeUser, name: str, **options: Any) -> InteractionRecord:
    ix = await fd.slash(user, name, options=options, guild_id=GUILD_ID, member_permissions=MANAGER)
    await ix.wait_final(30)
    return ix


def panel_requests_between(panel: FakePanel, start: float, end: float) -> list[Any]:
    with panel._requests_lock:
        return [r for r in panel.requests if start <= r.timestamp <= end]


async def run(args: argparse.Namespace) -> int:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    key = Fernet.generate_key().decode()
    async with (
        FakePanel(latency=0.02, power_delay=0.2, websocket_token_ttl=args.token_ttl, client_rate_limit=0) as panel,
        FakeDiscord(guild_ids=(GUILD_ID,)) as fd,
    ):
        fd.limit_message_edits(limit=5, per=5.0)
        ids = itertools.count(700000000000000001)
        owners: list[FakeUser] = []
        servers: list[FakeServer] = []
        per_owner = args.servers // args.owners
        vault = KeyVault([key])
        async with Storage.open(data_dir / "bot.db") as storage:
            for i in range(args.owners):
                account = panel.add_user(f"watch{i:02d}", f"watch{i:02d}@example.com")
                user = FakeUser(id=next(ids), username=f"watch{i:02d}")
                owners.append(user)
                await storage.link_account(
                    user.id, account.id, account.username, False, vault.encrypt(account.client_key or "")
                )
                servers += [panel.add_server(account, f"srv-{i:02d}-{j}", state="running") for j in range(per_owner)]
        owner_of = {s.identifier: owners[n // per_owner] for n, s in enumerate(servers)}

        log_path = data_dir / "bot.log"
        board_messages: dict[str, dict[str, Any]] = {}
        proc, _ = spawn_bot(environment(fd, panel, data_dir, key), cwd=data_dir, log_path=log_path)
        try:
            await wait_or_die(proc, fd.wait_ready(60), "it connected", log_path)
            await wait_or_die(proc, fd.wait_synced(guild_id=GUILD_ID, timeout=60), "it synced", log_path)
            rss_start = rss_mb(proc.pid)
            await fd.add_role(ONCALL)
            board_channels = [await fd.add_channel(f"boards-{i}") for i in range(args.boards // 5)]
            alert_channels = [await fd.add_channel(f"alerts-{i}") for i in range(5)]
            boards, alerted = servers[: args.boards], servers[args.boards : args.boards + args.alerts]
            started = time.monotonic()

            async def add_board(n: int, server: FakeServer) -> None:
                channel = board_channels[n // 5]
                ix = await command(
                    fd, owner_of[server.identifier], "board add", server=server.identifier, channel=channel
                )
                if "posted in" not in text_of(ix.final):
                    raise RuntimeError(f"board add failed: {text_of(ix.final)}")

            async def add_alert(n: int, server: FakeServer) -> None:
                channel = alert_channels[n % 5]
                options = {"server": server.identifier, "channel": channel, "role": ONCALL}
                ix = await command(fd, owner_of[server.identifier], "alert add", **options)
                if "will now post" not in text_of(ix.final):
                    raise RuntimeError(f"alert add failed: {text_of(ix.final)}")

            jobs = [add_board(n, s) for n, s in enumerate(boards)] + [add_alert(n, s) for n, s in enumerate(alerted)]
            for batch in range(0, len(jobs), 10):
                await wait_or_die(
                    proc, asyncio.gather(*jobs[batch : batch + 10]), "boards and alerts were added", log_path
                )
            setup_seconds = time.monotonic() - started
            for channel in board_channels:
                for message in fd.messages_in(channel):
                    for server in boards:
                        if server.identifier in text_of(message):
                            board_messages[server.identifier] = message
            assert len(board_messages) == len(boards), len(board_messages)

            rng = random.Random(7)
            stop_churn = asyncio.Event()

            async def churn() -> None:  # every second each running server's disk use changes
                while not stop_churn.is_set():
                    for server in servers:
                        if server.state == "running":
                            server.disk_bytes = rng.randint(200, 300) * 1024 * 1024
                    await asyncio.sleep(1.0)

            churner = asyncio.create_task(churn())
            await asyncio.sleep(args.warmup)  # every session open, first edits done

            # ---------------------------------------------------------------- steady window
            rss_samples = [rss_mb(proc.pid)]
            cpu_before, wall_before, t0, t0_wall = (
                cpu_seconds(proc.pid),
                time.perf_counter(),
                time.monotonic(),
                time.time(),
            )
            for _ in range(int(args.duration // 10)):
                await asyncio.sleep(10)
                if proc.poll() is not None:
                    raise RuntimeError(f"the bot exited:\n{tail(log_path)}")
                rss_samples.append(rss_mb(proc.pid))
            await asyncio.sleep(args.duration % 10)
            t1, t1_wall = time.monotonic(), time.time()
            cpu_share = (cpu_seconds(proc.pid) - cpu_before) / (time.perf_counter() - wall_before) * 100
            minutes = (t1 - t0) / 60
            requests = panel_requests_between(panel, t0_wall, t1_wall)
            kinds = Counter("token" if r.path.endswith("/websocket") else f"{r.method} {r.path}" for r in requests)
            tokens = kinds.pop("token", 0)
            other = sum(kinds.values())
            edits = [
                len([e for e in fd.message_log(m).edits if t0 <= e.at <= t1]) / minutes for m in board_messages.values()
            ]
            rate_429 = len([h for h in fd.rate_limited if t0 <= h.at <= t1])

            # ---------------------------------------------------------------- state changes
            changes: list[tuple[str, str, float, int]] = []
            crashed = alerted[:2]
            posts_before = sum(len(fd.messages_in(c)) for c in alert_channels)
            cpu_b, wall_b = cpu_seconds(proc.pid), time.perf_counter()
            for second in range(int(args.changes)):
                server = rng.choice(boards)
                target = "offline" if server.state == "running" else "running"
                log = fd.message_log(board_messages[server.identifier])
                changes.append((server.identifier, target, time.monotonic(), len(log.edits)))
                server.state = target
                if second in (5, 15) and crashed:
                    panel.wings.crash(crashed.pop(), restart=False)
                await asyncio.sleep(1.0)
            await asyncio.sleep(5)
            cpu_changes = (cpu_seconds(proc.pid) - cpu_b) / (time.perf_counter() - wall_b) * 100
            latencies: list[float] = []
            missed = 0
            dots = {"running": "🟢", "offline": "🔴"}
            for identifier, target, at, index in changes:
                log = fd.message_log(board_messages[identifier])
                shown = next(
                    (
                        e
                        for e in log.edits[index:]
                        if (e.message.get("embeds") or [{}])[0].get("title", "").startswith(dots[target])
                    ),
                    None,
                )
                if shown is None:
                    missed += 1
                else:
                    latencies.append(shown.at - at)
            alert_posts = sum(len(fd.messages_in(c)) for c in alert_channels) - posts_before
            stop_churn.set()
            await churner
            rss_end = rss_mb(proc.pid)
        finally:
            status, stop_seconds = await stop_bot(proc)
        marked = sum("monitoring paused" in text_of(fd.message_log(m).current) for m in board_messages.values())

    token_rate = tokens / minutes
    per_server_interval = args.servers / token_rate * 60 if token_rate else float("nan")
    token_rate_600 = args.servers / WINGS_REFRESH_AGE * 60
    panel_rate_600 = token_rate_600 + other / minutes
    edits_mean = sum(edits) / len(edits)
    rss_peak = max([*rss_samples, rss_end])
    print(
        f"\nbench_watch: {args.servers} servers (stats every 1 s, disk use changing every second), "
        f"{len(boards)} boards, {len(alerted)} alerts, {args.owners} owners; token TTL {args.token_ttl:g} s; "
        f"setup {setup_seconds:.1f} s\n"
    )
    print(f"steady window: {minutes * 60:.0f} s")
    print(
        f"  panel requests: {tokens} token + {other} other in {minutes:.2f} min = {token_rate:.1f} token/min "
        f"(each server every {per_server_interval:.1f} s at {args.token_ttl:g} s tokens) "
        f"+ {other / minutes:.2f} other/min"
    )
    if args.token_ttl != PANEL_TTL:
        print(
            f"  with the panel's 600 s tokens (refresh at ~{WINGS_REFRESH_AGE:.0f} s): {token_rate_600:.1f} token/min "
            f"+ {other / minutes:.2f} other/min = {panel_rate_600:.1f}/min"
        )
    else:
        panel_rate_600 = token_rate + other / minutes
    if kinds:
        print(f"  other requests: {dict(kinds.most_common(5))}")
    print(f"  Discord edits per board per minute: mean {edits_mean:.2f}, max {max(edits):.2f} (429s drawn: {rate_429})")
    print(
        f"  bot RSS: {rss_start:.1f} MB after start, {rss_samples[0]:.1f} MB with everything open, "
        f"peak {rss_peak:.1f} MB, {rss_end:.1f} MB at the end"
    )
    print(f"  bot CPU: {cpu_share:.1f}% of one core (steady), {cpu_changes:.1f}% during the state changes")
    print(f"state changes: {len(changes)} ({missed} never shown)")
    print(
        f"  change -> board edit: p50 {pct(latencies, 50):.3f} s, p99 {pct(latencies, 99):.3f} s, "
        f"max {max(latencies):.3f} s"
    )
    print(f"  alerts posted for the {2 - len(crashed)} crashes: {alert_posts}")
    print(
        f"shutdown: SIGTERM -> exit {stop_seconds:.2f} s, status {status}; {marked} of {len(board_messages)} boards "
        "show \"monitoring paused (bot restarting)\"\n"
    )
    checks = [
        (
            f"panel requests/min {panel_rate_600:.1f} <= {TARGETS['panel_per_min']:g}",
            panel_rate_600 <= TARGETS["panel_per_min"],
        ),
        (
            f"edits/board/min max {max(edits):.2f} <= {TARGETS['edits_per_board_min']:g}",
            max(edits) <= TARGETS["edits_per_board_min"],
        ),
        (
            f"state change p99 {pct(latencies, 99):.2f} s < {TARGETS['state_p99_s']:g}",
            pct(latencies, 99) < TARGETS["state_p99_s"] and not missed,
        ),
        (f"RSS peak {rss_peak:.1f} MB < {TARGETS['rss_mb']:g}", rss_peak < TARGETS["rss_mb"]),
        (f"CPU {cpu_share:.1f}% < {TARGETS['cpu_pct']:g}%", cpu_share < TARGETS["cpu_pct"]),
    ]
    for label, ok in checks:
        print(f"  {verdict(ok)}  {label}")
    return 0 if all(ok for _, ok in checks) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--owners", type=int, default=10)
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--alerts", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=40.0, help="seconds after the set-up before measuring")
    parser.add_argument("--duration", type=float, default=150.0, help="seconds of the steady window")
    parser.add_argument("--changes", type=float, default=60.0, help="seconds of state changes (one per second)")
    parser.add_argument("--token-ttl", type=int, default=60, help="websocket token lifetime the fake issues")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
