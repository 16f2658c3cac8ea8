"""Library benchmark: pyjexactyl against py-dactyl 2.1.3 (sync and async) on the same FakePanel.

Prints figures; it is not a test. Run: ``.venv/bin/python bench/bench_client.py`` (``--repeat N``).

1. collect() of the 151 seeded allocations at per_page=10 with 20 ms panel latency.
   py-dactyl drops ``per_page`` on pages 2..n, so its own ``collect()`` returns the wrong items; the
   figure that matters is the correct page-by-page loop a py-dactyl user has to write.
   Target: pyjexactyl sync >= 4x faster than py-dactyl sync (correct loop).
2. 300 concurrent get_server_utilization calls at 20 ms. Target: <= 1.25x py-dactyl async.
3. 100 concurrent calls against a panel limit of 20 requests/second. Target: 100/100 succeed in
   <= 1.5x the 4 s floor (6 s).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from pydactyl import AsyncPterodactylClient, PterodactylClient

from pyjexactyl import AsyncJexactyl, Jexactyl
from pyjexactyl.testing import FakePanel

LATENCY = 0.02


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


async def atimed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = await fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_collect(repeat: int) -> None:
    panel = FakePanel(latency=LATENCY, client_rate_limit=1_000_000, application_rate_limit=1_000_000)
    panel.start()
    try:
        node_id = next(iter(panel.store.nodes))
        key = panel.application_key
        ours = Jexactyl(panel.url, key)
        ours_time, ours_items = timed(
            lambda: ours.nodes.list_node_allocations(node_id, params={"per_page": 10}).collect(), repeat
        )
        ours.close()
        theirs = PterodactylClient(panel.url, key)
        pd_time, pd_items = timed(
            lambda: theirs.nodes.list_node_allocations(node_id, params={"per_page": 10}).collect(), repeat
        )

        def pydactyl_correct() -> list[Any]:
            endpoint = f"application/nodes/{node_id}/allocations"
            items: list[Any] = []
            page = 1
            while True:
                response = theirs.nodes._api_request(endpoint=endpoint, params={"per_page": 10, "page": page})
                items.extend(response["data"])
                if page >= response["meta"]["pagination"]["total_pages"]:
                    return items
                page += 1

        pdc_time, pdc_items = timed(pydactyl_correct, repeat)
        unique = len({i["attributes"]["port"] for i in ours_items})
        print(f"1. collect() of 151 allocations, per_page=10, 20 ms latency (median of {repeat})")
        print(f"   pyjexactyl sync            {ours_time * 1000:7.1f} ms  items={len(ours_items)} unique={unique}")
        print(
            f"   py-dactyl sync collect()   {pd_time * 1000:7.1f} ms  items={len(pd_items)}"
            "  (per_page lost on page 2+)"
        )
        print(f"   py-dactyl sync, correct    {pdc_time * 1000:7.1f} ms  items={len(pdc_items)}")
        print(f"   speed-up vs correct py-dactyl: {pdc_time / ours_time:.1f}x (target >= 4x)")
    finally:
        panel.stop()


async def bench_concurrent_utilization(repeat: int) -> None:
    async with FakePanel(latency=LATENCY, client_rate_limit=1_000_000) as panel:
        server = panel.add_server(panel.user, name="bench", state="running")
        key = panel.user.client_key
        async with AsyncJexactyl(panel.url, key, client_rate_limit=None) as ours:
            await ours.client.servers.get_server_utilization(server.identifier)  # warm the pool

            async def run_ours() -> list[Any]:
                return await asyncio.gather(
                    *(ours.client.servers.get_server_utilization(server.identifier) for _ in range(300))
                )

            ours_time, ours_res = await atimed(run_ours, repeat)
        async with AsyncPterodactylClient(panel.url, key) as theirs:
            await theirs.client.servers.get_server_utilization(server.identifier)

            async def run_theirs() -> list[Any]:
                return await asyncio.gather(
                    *(theirs.client.servers.get_server_utilization(server.identifier) for _ in range(300))
                )

            pd_time, pd_res = await atimed(run_theirs, repeat)
    print(f"2. 300 concurrent get_server_utilization, 20 ms latency (median of {repeat})")
    print(f"   pyjexactyl async  {ours_time * 1000:7.1f} ms  ok={len(ours_res)}")
    print(f"   py-dactyl async   {pd_time * 1000:7.1f} ms  ok={len(pd_res)}")
    print(f"   ratio: {ours_time / pd_time:.2f}x py-dactyl (target <= 1.25x)")


async def bench_rate_limited() -> None:
    async with FakePanel(latency=LATENCY, client_rate_limit=20, rate_period=1.0) as panel:
        server = panel.add_server(panel.user, name="bench", state="running")
        key = panel.user.client_key
        async with AsyncJexactyl(panel.url, key, client_rate_limit=20, rate_period=1.0, retries=5) as ours:
            start = time.perf_counter()
            results = await asyncio.gather(
                *(ours.client.servers.get_server_utilization(server.identifier) for _ in range(100)),
                return_exceptions=True,
            )
            ours_time = time.perf_counter() - start
        ours_ok = sum(not isinstance(r, BaseException) for r in results)
        served_429 = sum(1 for r in panel.requests if r.status == 429)
        panel.clear_requests()
        await asyncio.sleep(1.1)
        async with AsyncPterodactylClient(panel.url, key) as theirs:
            start = time.perf_counter()
            results = await asyncio.gather(
                *(theirs.client.servers.get_server_utilization(server.identifier) for _ in range(100)),
                return_exceptions=True,
            )
            pd_time = time.perf_counter() - start
        pd_ok = sum(not isinstance(r, BaseException) for r in results)
    print("3. 100 concurrent calls against a 20 requests/second panel limit (floor 4 s)")
    print(f"   pyjexactyl async  {ours_time:5.2f} s  ok={ours_ok}/100  429s drawn={served_429}  "
          f"({ours_time / 4:.2f}x floor, target <= 1.5x)")
    print(f"   py-dactyl async   {pd_time:5.2f} s  ok={pd_ok}/100")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    bench_collect(args.repeat)
    asyncio.run(bench_concurrent_utilization(args.repeat))
    asyncio.run(bench_rate_limited())


if __name__ == "__main__":
    main()
