"""A fake Jexactyl / Pterodactyl panel for tests.

:class:`FakePanel` serves the panel's HTTP API (the 69 client routes and 42 application routes of
Pterodactyl 1.11 / Jexactyl v3) over real HTTP on ``127.0.0.1`` with aiohttp, with the panel's envelopes,
errors, pagination, authentication, per-user rate limits, asynchronous power and backup behaviour, and
fault injection. It depends only on aiohttp and the standard library, so it can serve as an independent
reference for any client.

Async use::

    import aiohttp
    from pyjexactyl.testing import FakePanel

    async def test_power() -> None:
        async with FakePanel(power_delay=0.05) as panel:
            server = panel.server("Creative")
            headers = {"Authorization": f"Bearer {panel.user.client_key}", "Accept": "application/json"}
            async with aiohttp.ClientSession(panel.url, headers=headers) as http:
                async with http.post(f"/api/client/servers/{server.identifier}/power", json={"signal": "start"}) as r:
                    assert r.status == 204
            assert server.state == "starting"  # "running" after power_delay

Synchronous use (the server runs on its own loop in a daemon thread)::

    panel = FakePanel().start()
    try:
        ...  # call panel.url from any thread
    finally:
        panel.stop()

With the pytest plugin (opt-in: ``pytest_plugins = ["pyjexactyl.testing.pytest_plugin"]`` in a
``conftest.py``) tests just ask for the ``fake_panel`` (async) or ``fake_panel_sync`` fixture.

Test helpers: ``panel.fail_next(n, status, html=..., body=..., retry_after=..., headers=...)``,
``panel.malformed_next(n)``, ``panel.drop_next(n)``, ``panel.stream_next(n, body)`` (a chunked body without
``Content-Length``; ``body=None`` never ends), ``panel.set_latency(s)``,
``panel.set_rate_limit(api, limit, period)``, and the record of every request in ``panel.requests``
(:class:`RecordedRequest`). Records such as :class:`FakeServer` are live: change them and the next response
reflects it.

Default seed (``seed=True``):

* users: id 1 ``admin`` (admin@example.com, root admin) and id 2 ``alice`` (alice@example.com); password
  ``password``; each has a client key (``panel.admin.client_key``, ``panel.user.client_key``);
* ``panel.application_key``: a ``ptla_`` key of ``admin`` with read/write on every resource;
* location 1 ``eu1``; node 1 ``Node 01`` (node01.example.com); 151 allocations ``10.0.0.1:25565-25715``;
* nest 1 ``Minecraft`` with egg 1 ``Paper`` (Java 17/21 images; variables SERVER_JARFILE
  ``required|string|max:20``, MINECRAFT_VERSION, BUILD_NUMBER, read-only DL_PATH); database host 1;
* servers (owner ``alice`` unless noted): 1 ``Survival SMP`` running (2 allocations, limits 3 backups,
  2 databases, 3 allocations), 2 ``Creative`` offline, 3 ``Suspended Server`` (status ``suspended``),
  4 ``Installing Server`` (status ``installing``), 5 ``Admin Server`` (owner ``admin``, offline).
"""

from ._app import FakePanel
from ._state import (
    FakeActivity,
    FakeAllocation,
    FakeApiKey,
    FakeBackup,
    FakeDatabase,
    FakeDatabaseHost,
    FakeEgg,
    FakeEggVariable,
    FakeFile,
    FakeLocation,
    FakeNest,
    FakeNode,
    FakeSchedule,
    FakeServer,
    FakeSSHKey,
    FakeSubuser,
    FakeTask,
    FakeUser,
    RecordedRequest,
)

__all__ = [
    "FakeActivity",
    "FakeAllocation",
    "FakeApiKey",
    "FakeBackup",
    "FakeDatabase",
    "FakeDatabaseHost",
    "FakeEgg",
    "FakeEggVariable",
    "FakeFile",
    "FakeLocation",
    "FakeNest",
    "FakeNode",
    "FakePanel",
    "FakeSSHKey",
    "FakeSchedule",
    "FakeServer",
    "FakeSubuser",
    "FakeTask",
    "FakeUser",
    "RecordedRequest",
]
