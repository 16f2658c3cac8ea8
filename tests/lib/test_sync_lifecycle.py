"""The sync client's private loop thread: closed, garbage-collected, or dropped from its own loop, it never
blocks the caller and never leaves a thread behind (the interpreter-exit side is in test_script_exit.py)."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from concurrent.futures import CancelledError

import pytest

from pyjexactyl import Jexactyl
from pyjexactyl.testing import FakePanel

WAIT = 10.0
"""Seconds a test waits for something that normally takes milliseconds."""


def loop_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "pyjexactyl-loop"}


def join_all(threads: set[threading.Thread]) -> None:
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive(), "the loop thread is still running"


def test_close_ends_the_loop_thread_and_the_client_can_be_used_again(fake_panel_sync: FakePanel) -> None:
    before = loop_threads()
    api = Jexactyl(fake_panel_sync.url, fake_panel_sync.user.client_key)
    api.client.account.get_account()
    mine = loop_threads() - before
    assert len(mine) == 1
    api.close()
    assert not any(t.is_alive() for t in mine)
    assert api.client.account.get_account()["attributes"]["username"] == "alice"
    api.close()
    assert loop_threads() <= before


def test_a_collected_unclosed_client_closes_in_the_background_with_one_warning(fake_panel_sync: FakePanel) -> None:
    before = loop_threads()
    api = Jexactyl(fake_panel_sync.url, fake_panel_sync.user.client_key)
    api.client.account.get_account()
    mine = loop_threads() - before
    with pytest.warns(ResourceWarning, match=r"unclosed Jexactyl\(url=") as caught:
        del api
        gc.collect()
    assert len([w for w in caught if issubclass(w.category, ResourceWarning)]) == 1
    join_all(mine)


def test_a_client_dropped_on_its_own_loop_thread_stops_without_waiting_for_itself(
    fake_panel_sync: FakePanel,
) -> None:
    """``__del__`` may run on the loop thread (the GC runs wherever the last reference goes): it must not
    wait for that very thread."""
    before = loop_threads()
    holder = [Jexactyl(fake_panel_sync.url, fake_panel_sync.user.client_key)]
    holder[0].client.account.get_account()
    mine = loop_threads() - before

    async def running_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    loop = holder[0]._run(running_loop())

    async def drop_the_last_reference() -> None:
        holder.clear()  # the Jexactyl's last reference goes away here, on its own loop thread
        gc.collect()

    with pytest.warns(ResourceWarning, match="unclosed Jexactyl"):
        asyncio.run_coroutine_threadsafe(drop_the_last_reference(), loop).result(WAIT)
    join_all(mine)
    assert loop.is_closed()


def test_close_while_a_call_waits_for_the_panel_ends_that_call(fake_panel_sync: FakePanel) -> None:
    fake_panel_sync.set_latency(1.5)
    api = Jexactyl(fake_panel_sync.url, fake_panel_sync.user.client_key, retries=0)
    outcome: list[BaseException | None] = []

    def call() -> None:
        try:
            api.client.account.get_account()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    mark = len(fake_panel_sync.requests)
    caller.start()
    fake_panel_sync.wait_for_sync(lambda: len(fake_panel_sync.requests) > mark, WAIT)  # the request is there
    started = time.monotonic()
    api.close()
    caller.join(WAIT)
    assert not caller.is_alive(), "the call in flight still waits after close()"
    assert time.monotonic() - started < 1.5, "close() waited for the panel's answer"
    assert len(outcome) == 1 and isinstance(outcome[0], CancelledError)
    # Let the fake finish the abandoned request, so that stopping it leaves no handler pending.
    fake_panel_sync.wait_for_sync(lambda: fake_panel_sync.requests[mark].status is not None, WAIT)
