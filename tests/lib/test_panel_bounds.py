"""What a panel can make the client do is bounded (issue 7): the client follows a 429's sooner reopening
rather than its own longer window."""

from __future__ import annotations

import asyncio
import time

from pyjexactyl import AsyncJexactyl
from pyjexactyl.testing import FakePanel

# ------------------------------------------------------------------------------------- throttle


async def test_a_429_reopening_sooner_than_the_clients_window_is_followed() -> None:
    """The client's window (30 s) is longer than the panel's (1 s). Another consumer of the same user's bucket
    uses it up; the panel answers our next request 429 with ``Retry-After: 1`` and the client retries after
    about a second, instead of waiting out its own window (which ``max_retry_wait`` would refuse at once)."""
    async with FakePanel(client_rate_limit=3, rate_period=1.0) as panel:
        key = panel.user.client_key
        async with (
            AsyncJexactyl(panel.url, key, client_rate_limit=3, rate_period=30, max_retry_wait=10) as api,
            AsyncJexactyl(panel.url, key, client_rate_limit=None, retries=0) as other,
        ):
            await api.client.account.get_account()  # opens the client's 30 s window
            await asyncio.gather(*(other.client.account.get_account() for _ in range(2)))  # bucket used up
            panel.clear_requests()
            started = time.monotonic()
            account = await api.client.account.get_account()
            elapsed = time.monotonic() - started
    assert account["attributes"]["username"] == "alice"
    statuses = [r.status for r in panel.requests]
    assert statuses == [429, 200], statuses
    assert elapsed < 5, f"took {elapsed:.1f} s: the client waited for its own window"


async def test_x_ratelimit_reset_alone_is_followed_too(fake_panel: FakePanel) -> None:
    async with AsyncJexactyl(
        fake_panel.url, fake_panel.user.client_key, client_rate_limit=5, rate_period=60, max_retry_wait=10
    ) as api:
        await api.client.account.get_account()
        reset = int(time.time()) + 1
        fake_panel.fail_next(
            1, 429, headers={"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
        )
        fake_panel.clear_requests()
        started = time.monotonic()
        await api.client.account.get_account()
        elapsed = time.monotonic() - started
    assert [r.status for r in fake_panel.requests] == [429, 200]
    assert elapsed < 5, f"took {elapsed:.1f} s: the client waited for its own 60 s window"
    assert time.time() >= reset - 0.05, "the client came back before the panel's reset"
