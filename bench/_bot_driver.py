"""How ``bench_bot.py`` drives the bot: linked accounts, bursts of slash commands through FakeDiscord, what each
interaction took (one :class:`Level` per command and concurrency), and forgetting finished interactions so
the harness's own memory stays flat."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pyjexactyl.testing import FakePanel
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from ._bot_process import BotLog, cpu_seconds

GUILD_ID = 910000000000000001
MIN_ROUNDS = 5


# ------------------------------------------------------------------------------------------ stats


def pct(values: Sequence[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = math.floor(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# ------------------------------------------------------------------------------------------ setup


@dataclass
class Account:
    discord: FakeUser
    key: str
    servers: list[str]


@dataclass
class Level:
    command: str
    concurrency: int
    tag: str = ""
    first: list[float] = field(default_factory=list)
    final: list[float] = field(default_factory=list)
    errors: int = 0
    interactions: int = 0
    panel_calls: int = 0
    list_fetches: int = 0
    panel_429: int = 0
    bot_cpu: float = 0.0
    harness_cpu: float = 0.0
    wall: float = 0.0
    spread: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)


def make_accounts(panel: FakePanel, users: int, servers: int) -> list[Account]:
    ids = itertools.count(700000000000000001)
    accounts = []
    for i in range(users):
        owner = panel.add_user(f"bench{i:03d}", f"bench{i:03d}@example.com")
        refs = [panel.add_server(owner, f"bench-{i:03d}-{j}", state="running") for j in range(servers)]
        assert owner.client_key
        user_id = next(ids)
        accounts.append(
            Account(FakeUser(id=user_id, username=f"bench{i:03d}"), owner.client_key, [s.identifier for s in refs])
        )
    return accounts


def forget(fd: FakeDiscord, done: Sequence[InteractionRecord]) -> None:
    """Drops what the fake recorded for finished interactions (keeps the harness's memory flat)."""
    by_id: dict[int, Any] = getattr(fd, "_ix_by_id", {})
    by_token: dict[str, Any] = getattr(fd, "_ix_by_token", {})
    gone = {id(ix) for ix in done}
    for ix in done:
        by_id.pop(ix.id, None)
        by_token.pop(ix.token, None)
        for mid in ix.message_ids:
            fd.store.messages.pop(mid, None)
            fd.store.meta.pop(mid, None)
    fd.interactions[:] = [ix for ix in fd.interactions if id(ix) not in gone]
    fd.requests.clear()
    fd.gateway_frames.clear()
    session = getattr(fd, "_session", None)
    if session is not None and hasattr(session, "events"):
        del session.events[:-64]


def take_panel_requests(panel: FakePanel) -> list[Any]:
    with panel._requests_lock:
        taken = list(panel.requests)
        panel.requests.clear()
    return taken


# ------------------------------------------------------------------------------------------ driving


def message_text(message: dict[str, Any] | None) -> str:
    if not message:
        return ""
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
    return "\n".join(parts)


def check_final(command: str, account: Account, server: str, ix: InteractionRecord) -> str | None:
    """``None`` if the interaction was deferred and answered with the expected content, else why not."""
    if ix.response_type != 5:
        return f"first response type {ix.response_type} (expected 5, a defer)"
    if ix.final is None:
        return "no final answer"
    text = message_text(ix.final)
    if command == "server status":
        ok = f"`{server}`" in text
    else:
        ok = "Your servers" in text and all(f"`{s}`" in text for s in account.servers[:10])
    return None if ok else f"unexpected answer: {text[:160]!r}"


async def link_all(fd: FakeDiscord, bot_log: BotLog, accounts: Sequence[Account], concurrency: int = 50) -> None:
    """Links every account through the real ``/account link`` modal (``concurrency`` at a time)."""
    gate = asyncio.Semaphore(concurrency)

    async def link(account: Account) -> None:
        async with gate:
            user_id = account.discord.id
            handled = bot_log.link_commands(user_id)
            opened = await fd.slash(account.discord, "account link", guild_id=GUILD_ID)
            await opened.wait_callback(30)
            modal = opened.modal
            if modal is None:
                raise RuntimeError(f"/account link did not open a modal: {opened.describe()}")
            # discord.py registers the form once Discord's answer to its callback is back, before the command
            # ends: a person always types in between. Submit once the bot logged the command as handled.
            await bot_log.wait_link_command(user_id, handled + 1, 30)
            field_id = modal["components"][0]["components"][0]["custom_id"]
            values = {field_id: account.key}
            submitted = await fd.submit_modal(account.discord, modal["custom_id"], values, origin=opened)
            text = message_text(await submitted.wait_final(30))
            if "Linked to panel account" not in text:
                raise RuntimeError(f"linking {account.discord.username} failed: {text[:200]}")

    await asyncio.gather(*(link(a) for a in accounts))
    forget(fd, list(fd.interactions))


class Driver:
    def __init__(self, fd: FakeDiscord, panel: FakePanel, pid: int, accounts: Sequence[Account]) -> None:
        self.fd = fd
        self.panel = panel
        self.pid = pid
        self.accounts = accounts
        self._next = itertools.count()

    def _job(self) -> tuple[Account, str]:
        n = next(self._next)
        account = self.accounts[n % len(self.accounts)]
        return account, account.servers[(n // len(self.accounts)) % len(account.servers)]

    async def burst(self, command: str, size: int, level: Level, timeout: float = 60.0) -> None:
        fd = self.fd
        jobs = [self._job() for _ in range(size)]
        ixs = []
        for account, server in jobs:
            options = {"server": server} if command == "server status" else None
            ixs.append(await fd.slash(account.discord, command, options, guild_id=GUILD_ID))
            # let the fake read what the bot already sent, so its timestamps are not held up by this loop
            await asyncio.sleep(0)
        if size > 1:
            level.spread.append(ixs[-1].created_at - ixs[0].created_at)
        with contextlib.suppress(TimeoutError):
            await fd.wait_for(lambda: all(ix.final is not None for ix in ixs), timeout)
        for (account, server), ix in zip(jobs, ixs, strict=True):
            level.interactions += 1
            problem = check_final(command, account, server, ix)
            if problem is not None:
                level.errors += 1
                if len(level.error_samples) < 3:
                    level.error_samples.append(problem)
                continue
            assert ix.first_response_at is not None and ix.final_at is not None
            level.first.append(ix.first_response_at - ix.created_at)
            level.final.append(ix.final_at - ix.created_at)
        for request in take_panel_requests(self.panel):
            level.panel_calls += 1
            level.list_fetches += request.path.rstrip("/") == "/api/client"
            level.panel_429 += request.status == 429
        forget(fd, ixs)

    async def run_level(self, command: str, concurrency: int, samples: int) -> Level:
        level = Level(command, concurrency)
        rounds = max(MIN_ROUNDS, math.ceil(samples / concurrency))
        take_panel_requests(self.panel)
        cpu0, harness0, wall0 = cpu_seconds(self.pid), time.process_time(), time.perf_counter()
        for _ in range(rounds):
            await self.burst(command, concurrency, level)
            if concurrency > 1:
                await asyncio.sleep(0.05)  # let the burst's trailing work finish; bursts stay distinct
        level.wall = time.perf_counter() - wall0
        level.bot_cpu = cpu_seconds(self.pid) - cpu0
        level.harness_cpu = time.process_time() - harness0
        return level
