"""The per-user cache behind autocomplete and server resolution."""

from __future__ import annotations

import asyncio

import pytest

from bot.servers import TTLCache


async def test_concurrent_callers_share_one_load_and_failures_are_not_kept() -> None:
    cache = TTLCache(ttl=30)
    calls = 0

    async def load() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return "servers"

    assert await asyncio.gather(*(cache.get((1, "s"), load) for _ in range(5))) == ["servers"] * 5
    assert calls == 1

    async def broken() -> str:
        raise RuntimeError("panel down")

    with pytest.raises(RuntimeError):
        await cache.get((2, "s"), broken)
    assert await cache.get((2, "s"), load) == "servers", "a failed load was kept"


async def test_refresh_keeps_serving_the_old_value_until_the_new_one_is_in() -> None:
    cache = TTLCache(ttl=30)

    async def old() -> str:
        return "old"

    async def new() -> str:
        return "new"

    async def broken() -> str:
        raise RuntimeError("panel down")

    async def must_not_load() -> str:
        raise AssertionError("the cached value was evicted")

    await cache.get((1, "s"), old)
    with pytest.raises(RuntimeError):
        await cache.refresh((1, "s"), broken)
    assert await cache.get((1, "s"), must_not_load) == "old"
    assert await cache.refresh((1, "s"), new) == "new"
    assert await cache.get((1, "s"), must_not_load) == "new"
    cache.invalidate(1)
    assert await cache.get((1, "s"), new) == "new"
