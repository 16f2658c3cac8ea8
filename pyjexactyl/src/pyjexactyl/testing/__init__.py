"""A fake Jexactyl / Pterodactyl / Pelican panel for tests.

:class:`FakePanel` serves the panel's HTTP API over real HTTP on ``127.0.0.1`` with aiohttp, with the panel's
envelopes, errors, pagination, authentication, per-user rate limits, asynchronous power and backup behaviour,
and fault injection. It depends only on aiohttp and the standard library, so it can serve as an independent
reference for any client. Where the shared contract and the panel's own integration tests disagree, it follows
the tests (e.g. SSH key fingerprints are bare base64 SHA-256; see ``docs/design.md``, "Contract corrections").

``FakePanel(flavor=...)`` picks the panel:

* ``"pterodactyl"`` (default): Pterodactyl 1.11 = Jexactyl v3's core; 69 client and 42 application routes,
  ``ptlc_``/``ptla_`` keys, 720/240 requests per minute.
* ``"jexactyl"``: Jexactyl v3: the default plus its 39 client and 5 application routes (store with balances
  and costs, self-service servers, resource buying and earning, renewal, resource editing, client-side
  deletion, referrals, tickets, coupons, Discord link, Spigot plugins, analytics notes, approvals, user
  resources), the ``storefront`` (1/min, shared by store create, renew and delete), ``earn`` (1/min) and
  ``server-edit`` (5/min) throttles, ``renewable``/``renewal``/``bg`` on the client server object,
  ``discord_id``/``deployable``/``deploy_fee``/``private`` on application objects, and Jexactyl's core
  differences (account activity 5 per page, optional restore ``truncate``, a ``plugin`` permission group). Its
  broken routes answer 500 as Jexactyl does. ``panel.run_renewals(days)`` plays the daily renewal job
  (suspension at 0 days, deletion at -7); ``panel.jexactyl.settings`` holds prices, limits and switches;
  ``panel.add_coupon(...)``, ``panel.add_analytics_message(...)``.
* ``"jexactyl4"``: Jexactyl v4 (Everest): two-factor disabled by ``DELETE /account/two-factor`` only, v4
  tickets, a suspended account (``user.state = "suspended"``) gets 403, the client server object has
  ``status`` but no ``is_suspended``/``is_installing`` and ``limits.oom_killer``, the account has no names;
  application ``PATCH /servers/{id}`` instead of ``details``/``build``, ``POST /servers/{id}/toggle``,
  ``POST /users/{id}/suspend``, ``GET /eggs/{id}``, v4 user/server/egg objects. Billing and the other
  v4-only groups are not served.
* ``"pelican"``: Pelican: ``pacc_``/``papp_`` keys, 256 requests per minute on both APIs and per-server
  resource throttles (websocket 5/min, backup restore 3 per 15 min, database and allocation and schedule
  create 2/min, subuser create 10 per 15 min, file pull 5 per 10 min); no two-factor routes,
  ``DELETE /account/ssh-keys/{fingerprint}``, ``PUT /account/username``, ``PUT /backups/{b}/rename``,
  ``POST /settings/description`` (rename ignores a description), a flat permission list, Pelican's account,
  server, user and egg objects; no nests or locations but top-level eggs, database hosts, mounts, roles
  (``Root Admin`` built in), plugins, server transfers and user roles.

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

The fake Wings (:class:`FakeWings`, ``panel.wings``): each node listens on its own port of the panel's
host and ``GET /api/client/servers/{s}/websocket`` returns an HS256 JWT signed with the node's daemon
token and ``ws://127.0.0.1:<port>/api/servers/<uuid>/ws``. The socket speaks the Wings console protocol
as Wings 1.11 does: ``Origin`` check (the panel URL or ``websocket_allowed_origins``), ``auth`` →
``auth success`` + ``status`` (+ one ``stats`` when offline), JWT checks (signature, server, expiry,
``websocket.connect``, revocation), ``token expiring`` / ``token expired`` (``websocket_token_ttl`` scales
the check interval and the warning threshold), ``set state`` through the same state machine as
``POST /power``, ``send command`` with an echo and scripted answers, ``send logs`` from a bounded history,
``stats`` every ``websocket_stats_interval`` s while running, backup / restore / install / deletion /
transfer events and Wings' silent permission checks. Assigning ``server.state`` is seen by every socket::

    async with FakePanel(websocket_token_ttl=3) as panel:
        server = panel.server("Survival SMP")
        panel.wings.respond("list", ["There are 2 of a max of 20 players online: a, b"], server=server)
        panel.console_output(server, "[12:00:00 INFO]: hello")  # to every socket and the history
        server.state = "stopping"                                # a ``status`` event

Controls: ``console_output``, ``daemon_output``, ``daemon_message``, ``install_output``,
``transfer_logs``, ``transfer_status``, ``emit``, ``send_raw``, ``send_malformed``, ``crash``,
``finish_backup``, ``respond``, ``revoke_tokens``; faults: ``drop``, ``restart``, ``refuse_next``,
``set_node_down``, ``delay_frames``; records: ``frames`` (:class:`WingsFrame`), ``connections``
(:class:`WingsConnection`), ``received``, ``sent``, ``history``, ``open_connections``; waits:
``await panel.wings.wait_for(predicate)`` and ``wait_for_sync``.

Default seed (``seed=True``, every flavor; ``jexactyl`` adds store balances, renewable servers and a
``WELCOME`` coupon, ``pelican`` the roles ``Root Admin`` and ``Support`` and an ``example-plugin``):

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
from ._jexactyl_state import FakeAnalyticsMessage, FakeCoupon, JexactylSettings
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
    FakeStoreAccount,
    FakeSubuser,
    FakeTask,
    FakeUser,
    RecordedRequest,
)
from ._wings_control import FakeWings
from ._wings_events import StateOutput, WingsConnection, WingsFrame

__all__ = [
    "FakeActivity",
    "FakeAllocation",
    "FakeAnalyticsMessage",
    "FakeApiKey",
    "FakeBackup",
    "FakeCoupon",
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
    "FakeStoreAccount",
    "FakeSubuser",
    "FakeTask",
    "FakeUser",
    "FakeWings",
    "JexactylSettings",
    "RecordedRequest",
    "StateOutput",
    "WingsConnection",
    "WingsFrame",
]
