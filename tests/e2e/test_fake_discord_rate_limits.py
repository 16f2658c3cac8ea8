"""FakeDiscord's rate-limit answers, driven through the real discord.py client: injected 429s with Discord's
headers, the modelled message-edit bucket, and the records that tell a bot that slows down from one that queues.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from tests.fake_discord import FakeDiscord
from tests.fake_discord.ratelimits import RateLimitBucket, RouteMatcher

APP_ID = 900000000000000001
GUILD_ID = 910000000000000001
EDITS = "PATCH /channels/{channel_id}/messages/{message_id}"


class Client(discord.Client):
    def __init__(self, **options: Any) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05, **options)


@pytest.fixture
async def fd() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(application_id=APP_ID, guild_ids=[GUILD_ID]) as fake:
        yield fake


async def started(fd: FakeDiscord, client: discord.Client) -> discord.TextChannel:
    await client.wait_until_ready()
    channel = client.get_channel(fd.channel_for())
    assert isinstance(channel, discord.TextChannel)
    return channel


def test_routes_and_buckets() -> None:
    edits = RouteMatcher.parse(EDITS)
    assert edits.matches("PATCH", "/channels/1/messages/2") and not edits.matches("GET", "/channels/1/messages/2")
    one = RouteMatcher.parse("/api/v10/channels/1/messages/2")  # any method, one message, prefix tolerated
    assert one.matches("DELETE", "/channels/1/messages/2") and not one.matches("PATCH", "/channels/1/messages/3")
    with pytest.raises(ValueError):
        RouteMatcher.parse("PATCH channels/1")
    bucket = RateLimitBucket(edits, limit=2, per=5.0, bucket="b")
    assert [bucket.take("channels/1", 100.0)[0] for _ in range(3)] == [True, True, False]
    assert bucket.take("channels/2", 100.0)[0]  # per channel
    allowed, remaining, reset_after = bucket.take("channels/1", 101.0)
    assert (allowed, remaining, reset_after) == (False, 0, 4.0)
    assert bucket.take("channels/1", 105.0) == (True, 1, 5.0)  # a new window


async def test_injected_429s_carry_discords_answer_and_are_recorded(fd: FakeDiscord) -> None:
    async with fd.running(Client()) as client:
        channel = await started(fd, client)
        board = await channel.send("board v1")
        other = await channel.send("other")

        fd.rate_limit_next(f"PATCH /channels/{channel.id}/messages/{board.id}", 2, retry_after=0.1)
        await other.edit(content="other v2")  # another message: not limited
        started_at = time.monotonic()
        await board.edit(content="board v2")  # discord.py sleeps retry_after and retries, twice
        assert time.monotonic() - started_at >= 0.2
        assert [r.status for r in fd.message_log(board).attempts] == [429, 429, 200]
        assert [(h.source, h.scope, h.retry_after, h.method) for h in fd.rate_limited] == [
            ("injected", "user", 0.1, "PATCH")
        ] * 2
        assert fd.rate_limited[0].request is fd.message_log(board).attempts[0]
        assert "rate limited" in fd.message_log(board).attempts[0].note

        # what a 429 looks like on the wire
        fd.rate_limit_next("GET /channels/{channel_id}", 1, retry_after=1.25, scope="shared")
        fd.rate_limit_next("GET /channels/{channel_id}", 1, retry_after=0.5, is_global=True)
        async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fd.token}"}) as http:
            async with http.get(f"{fd.api_base}/channels/{channel.id}") as answer:
                assert answer.status == 429 and answer.headers["Content-Type"] == "application/json"
                body = await answer.json()
                assert body == {"message": "You are being rate limited.", "retry_after": 1.25, "global": False}
                headers = answer.headers
                assert headers["Retry-After"] == "2" and headers["X-RateLimit-Scope"] == "shared"
                assert headers["Via"] == "1.1 google"  # without it discord.py takes a 429 for a Cloudflare ban
                assert headers["X-RateLimit-Remaining"] == "0" and float(headers["X-RateLimit-Reset-After"]) == 1.25
                assert float(headers["X-RateLimit-Reset"]) > time.time() and headers["X-RateLimit-Bucket"]
            async with http.get(f"{fd.api_base}/channels/{channel.id}") as answer:
                assert answer.status == 429 and answer.headers["X-RateLimit-Global"] == "true"
                assert answer.headers["X-RateLimit-Scope"] == "global" and (await answer.json())["global"] is True
        hit = await fd.wait_rate_limited("GET /channels/{channel_id}", after=2)
        assert hit.retry_after == 1.25 and len(fd.rate_limited) == 4
        fd.assert_clean()


async def test_a_client_that_refuses_long_waits_gets_rate_limited_instead_of_queueing(fd: FakeDiscord) -> None:
    async with fd.running(Client(max_ratelimit_timeout=30.0)) as client:
        channel = await started(fd, client)
        board = await channel.send("board")
        fd.rate_limit_next(EDITS, 1, retry_after=45.0)
        with pytest.raises(discord.RateLimited) as limited:
            await board.edit(content="v2")
        assert limited.value.retry_after == 45.0
        assert len(fd.rate_limited) == 1 and fd.edit_count(board) == 0
        fd.assert_clean()


async def test_the_edit_bucket_model_makes_discord_py_wait_on_its_own(fd: FakeDiscord) -> None:
    bucket = fd.limit_message_edits(limit=3, per=0.4)
    async with fd.running(Client()) as client:
        channel = await started(fd, client)
        board = await channel.send("v0")
        started_at = time.monotonic()
        for i in range(1, 8):
            board = await board.edit(content=f"v{i}")
        elapsed = time.monotonic() - started_at
        log = fd.message_log(board)
        # 7 edits at 3 per 0.4 s span three windows: discord.py read the headers and waited, never hit a 429
        assert fd.rate_limited == [] and elapsed >= 0.8
        assert log.current is not None and log.current["content"] == "v7" and fd.edit_count(board) == 7
        assert bucket.windows  # the bucket counted per channel
        fd.assert_clean()


async def test_without_headers_the_bucket_answers_429_and_the_records_show_queueing(fd: FakeDiscord) -> None:
    fd.limit_message_edits(limit=2, per=1.0, headers=False)
    async with fd.running(Client()) as client:
        channel = await started(fd, client)
        naive = await channel.send("naive")
        states = [f"state {i}" for i in range(6)]

        # a naive updater edits on every state change: every change queues an edit, 429s pile up
        await asyncio.gather(*(naive.edit(content=s) for s in states))
        naive_log = fd.message_log(naive)
        assert len(naive_log.edits) == 6 and len(naive_log.attempts) > 6
        assert {h.source for h in fd.rate_limited} == {"bucket"} and all(h.retry_after <= 1.0 for h in fd.rate_limited)
        assert [r.status for r in naive_log.attempts].count(429) == len(fd.rate_limited)

        # a coalescing updater sends only the latest state: one edit, no 429 (another channel: a fresh bucket)
        other = await fd.add_channel("status")
        coalescing = await client.get_partial_messageable(other.id).send("coalescing")
        hits = len(fd.rate_limited)
        await coalescing.edit(content=states[-1])
        log = fd.message_log(coalescing)
        assert len(log.attempts) == 1 and len(fd.rate_limited) == hits
        assert log.current is not None and log.current["content"] == "state 5"
        fd.assert_clean()
