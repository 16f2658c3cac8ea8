"""A fake Discord (REST + gateway) on 127.0.0.1 that the real, unmodified discord.py client logs into.

:class:`FakeDiscord` is assembled from mixins, one module each (see the package docstring for the whole API):
``state`` (shared state), ``gateway`` (websocket), ``rest`` (request plumbing, rate limits), ``rest_app``
(login, commands), ``rest_interactions`` (callbacks, webhooks), ``rest_channels`` (channels, messages,
permissions), ``messages`` (building, checking and logging messages), ``interaction_options`` /
``interactions`` (driving the bot), ``guild_controls`` (channels, roles, overwrites, deletions), ``observe``
(queries, waits, rate-limit controls). Usage::

    async with FakeDiscord(guild_ids=[GUILD_ID]) as fd, fd.running(bot):
        ix = await fd.slash(alice, "server status", options={"server": "abcd1234"})
        message = await ix.wait_final(5)
        fd.assert_clean()
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .guild_controls import GuildControls
from .interactions import InteractionDriver
from .observe import Observe
from .records import RecordedFrame, RecordedRequest, iter_strings
from .rest_app import AppRoutes
from .rest_channels import ChannelRoutes
from .rest_interactions import InteractionRoutes
from .state import API_PREFIX

if TYPE_CHECKING:
    import discord

__all__ = ["FakeDiscord"]


class FakeDiscord(Observe, GuildControls, InteractionDriver, InteractionRoutes, ChannelRoutes, AppRoutes):
    """Fake Discord REST API + gateway for end-to-end tests of a discord.py bot.

    Parameters (taken by :class:`~tests.fake_discord.state.FakeState`, the one ``__init__``):
        application_id: the application (and, by default, bot user) id.
        guild_ids: guilds the bot is in; each gets one text channel (``fd.channels[guild_id]``), @everyone with an
            ordinary member's permissions, and a managed role for the bot (``fd.bot_role()``).
        bot_user_id: the bot user's id (defaults to ``application_id``, as on Discord).
        token: the bot token the fake accepts (REST ``Authorization: Bot ...`` and IDENTIFY); by default a fresh
            one shaped like a real bot token (:func:`~tests.fake_discord.payloads.bot_token`).
        roles: extra roles per guild (``{guild_id: [FakeRole(...)]}``); unknown role ids passed to
            :meth:`slash` are created on the fly (GUILD_ROLE_CREATE).
        response_deadline: seconds the bot has for the first interaction response (Discord: 3).
        reject_violations: answer limit-breaking requests with Discord's error instead of accepting them.
        callback_delay: seconds the fake waits before answering an interaction callback, to model the round
            trip to real Discord (the callback is recorded on arrival; only the answer is late).
        require_allowed_mentions: a public message created without ``allowed_mentions`` is a violation (a
            message that *notifies* someone without one always is).
    """

    # ================================================================== lifecycle

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        self._routes = [*self._app_routes(), *self._interaction_routes(), *self._channel_routes()]
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway_handler)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest_handler)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        for deadline in self._deadlines.values():
            deadline.cancel()
        self._deadlines.clear()
        for conn in list(self._conns):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001)
        self._conn = None
        self._ready = False
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @contextlib.asynccontextmanager
    async def running(self, client: discord.Client, *, timeout: float = 10.0) -> AsyncIterator[discord.Client]:
        """Point discord.py at this fake, start ``client`` and wait for READY; close and reset on exit.

        If ``client.start`` fails (bad sync, login error...) its exception is raised here.
        """
        from bot.discord_endpoints import apply_discord_endpoints, reset_discord_endpoints

        apply_discord_endpoints(self.api_base, self.gateway_url)
        task = asyncio.create_task(client.start(self.token), name="fake-discord-bot")
        try:
            ready = asyncio.create_task(self.wait_ready(timeout))
            done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                ready.cancel()
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await ready
                task.result()
                raise RuntimeError("client.start() returned before the gateway was READY")
            await ready
            yield client
        finally:
            await client.close()
            if not task.done():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(task, 5)
            elif not task.cancelled():
                task.exception()  # retrieved (it was raised above if it mattered)
            reset_discord_endpoints()

    # ================================================================== waiting

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` is true, re-checked whenever the bot sends anything to the fake
        (e.g. ``await fd.wait_for(lambda: len(fd.channel_messages) == 2)``)."""
        await self._wait_until(predicate, timeout, "fd.wait_for predicate")

    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Wait until the bot is connected: IDENTIFY answered with READY + GUILD_CREATEs, or RESUMED."""
        await self._wait_until(lambda: self._ready, timeout, "the bot to IDENTIFY/RESUME")

    async def wait_synced(self, guild_id: int | None = None, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait for a command sync (PUT) of the global (``guild_id=None``) or a guild's commands."""
        scope = "global" if guild_id is None else f"guild {guild_id}"
        await self._wait_until(lambda: guild_id in self._commands, timeout, f"a {scope} command sync")
        return self.synced_commands(guild_id)

    def synced_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The last synced global (``guild_id=None``) or guild commands, as echoed (with ids)."""
        return copy.deepcopy(self._commands.get(guild_id, []))

    # ================================================================== assertions

    def _sweep_unanswered(self) -> None:
        """Interactions past the deadline without any callback: Discord shows "did not respond"."""
        now = time.monotonic()
        for ix in self.interactions:
            if not ix.callbacks and not ix._reported_unanswered and now - ix.created_at > self.response_deadline:
                ix._reported_unanswered = True
                self._violate(self._where(ix), [f"no response within {self.response_deadline:g}s"])

    def assert_no_violations(self) -> None:
        """Raise ``AssertionError`` listing every violation (including interactions never answered)."""
        self._sweep_unanswered()
        if self.violations:
            raise AssertionError("Discord limit violations:\n  " + "\n  ".join(self.violations))

    def assert_clean(self) -> None:
        """No violations and no request the fake did not understand."""
        self.assert_no_violations()
        if self.unhandled:
            raise AssertionError("requests the fake Discord does not serve:\n  " + "\n  ".join(self.unhandled))

    def pop_violations(self) -> list[str]:
        """Return and clear the recorded violations (for tests that provoke one on purpose)."""
        self._sweep_unanswered()
        out, self.violations = self.violations, []
        return out

    def find_in_payloads(self, text: str) -> list[RecordedRequest | RecordedFrame]:
        """Every recorded REST request or gateway frame sent by the bot that contains ``text``.

        Searches raw bodies, decoded JSON strings (so escaping does not hide a match), query strings and
        uploaded file text. The bot token in IDENTIFY/RESUME and the Authorization header are not recorded.
        """
        hits: list[RecordedRequest | RecordedFrame] = []
        for req in self.requests:
            haystack = [req.raw, req.path, *req.query.values(), *iter_strings(req.body)]
            haystack += [str(f.get("text", "")) for f in req.files]
            if any(text in h for h in haystack):
                hits.append(req)
        for frame in self.gateway_frames:
            if text in frame.raw or any(text in s for s in iter_strings(frame.data)):
                hits.append(frame)
        return hits
