"""The health endpoint (``GET /health``) and the probe the container's ``HEALTHCHECK`` runs.

The endpoint is off unless ``HEALTH_PORT`` is set and binds ``HEALTH_HOST`` (``127.0.0.1`` by default), so
it is reachable from inside the container (or the host) only. It answers::

    200 {"status": "ok", "gateway": "connected", "store": "ok", "latency_ms": 41.0}
    503 {"status": "unavailable", "gateway": "disconnected", "store": "ok", "latency_ms": null}

``gateway`` is ``connected``, ``disconnected`` (before the first READY or between sessions) or
``closing``; ``store`` is ``ok`` or ``unavailable``. Nothing else about the bot is disclosed.

``python -m bot health`` (:func:`probe_main`) GETs it with the standard library only (the slim image has
no curl) and exits 0 for a 200 and 1 otherwise.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from aiohttp import web

    from .app import JexactylBot
    from .storage import Storage

__all__ = ["HEALTH_PATH", "HealthServer", "HealthServerError", "health_report", "probe", "probe_main"]

log = logging.getLogger("bot.health")

HEALTH_PATH = "/health"
STORE_TIMEOUT = 2.0
"""Seconds the database ping may take before the store counts as unavailable."""
PROBE_TIMEOUT = 4.0
"""Seconds the probe waits for an answer (the Dockerfile's HEALTHCHECK allows 5)."""


class HealthServerError(RuntimeError):
    """The health endpoint could not be started (port in use, bad address)."""


async def health_report(bot: JexactylBot, storage: Storage) -> tuple[int, dict[str, Any]]:
    """The status code and JSON body ``GET /health`` answers with."""
    if bot.closing or bot.is_closed():
        gateway = "closing"
    elif bot.gateway_connected:
        gateway = "connected"
    else:
        gateway = "disconnected"
    try:
        store_ok = await asyncio.wait_for(storage.ping(), STORE_TIMEOUT)
    except Exception:  # a timeout or a broken connection: the store is not usable
        store_ok = False
    healthy = gateway == "connected" and store_ok
    body: dict[str, Any] = {
        "status": "ok" if healthy else "unavailable",
        "gateway": gateway,
        "store": "ok" if store_ok else "unavailable",
        "latency_ms": bot.latency_ms if gateway == "connected" else None,
    }
    return (200 if healthy else 503), body


class HealthServer:
    """``GET /health`` on ``host:port``, started and stopped by the entry point around the bot's lifetime.

    Args:
        bot: The bot whose gateway state is reported.
        storage: The database that must answer a ping.
        host: Address to bind (``127.0.0.1`` unless the operator says otherwise).
        port: Port to bind; ``0`` picks a free one (tests), see :attr:`port`.
    """

    def __init__(self, bot: JexactylBot, storage: Storage, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.bot = bot
        self.storage = storage
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The bound port (once started)."""
        if self._port is None:
            raise RuntimeError("the health server is not started")
        return self._port

    @property
    def url(self) -> str:
        """``http://host:port/health`` (once started)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{HEALTH_PATH}"

    async def _handle(self, request: web.Request) -> web.Response:
        from aiohttp import web

        status, body = await health_report(self.bot, self.storage)
        return web.json_response(body, status=status, headers={"Cache-Control": "no-store"})

    async def start(self) -> None:
        """Binds and serves. Raises :class:`HealthServerError` if the address cannot be bound."""
        from aiohttp import web

        app = web.Application()
        app.router.add_get(HEALTH_PATH, self._handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._requested_port)
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise HealthServerError(
                f"the health endpoint could not listen on {self.host}:{self._requested_port} "
                f"({exc.strerror or exc}): change HEALTH_PORT / HEALTH_HOST, or unset HEALTH_PORT to turn it off"
            ) from None
        address = runner.addresses[0]
        self._port = int(address[1])
        self._runner = runner
        log.info("health endpoint listening on %s", self.url)

    async def stop(self) -> None:
        """Stops serving (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


# ---------------------------------------------------------------------------------------------- the probe


def _setting(name: str, env: Mapping[str, str], dotenv: Mapping[str, str | None]) -> str | None:
    value = env.get(name)
    if value is None:
        value = dotenv.get(name)
    value = (value or "").strip()
    return value or None


def _read_dotenv(path: Path) -> Mapping[str, str | None]:
    if not path.is_file():
        return {}
    try:
        from dotenv import dotenv_values

        return dotenv_values(path)
    except Exception:  # the probe must not crash on an unreadable .env
        return {}


def probe_target(env: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env") -> tuple[str, int]:
    """The host and port to probe from ``HEALTH_HOST`` / ``HEALTH_PORT`` (environment first, then ``.env``).

    A wildcard bind address is probed on the loopback address. Raises ``ValueError`` when the endpoint is off
    or the port is not a number.
    """
    environ = os.environ if env is None else env
    dotenv = _read_dotenv(Path(dotenv_path)) if dotenv_path is not None else {}
    raw_port = _setting("HEALTH_PORT", environ, dotenv)
    if raw_port is None:
        raise ValueError("HEALTH_PORT is not set, so the health endpoint is off")
    try:
        port = int(raw_port, 10)
    except ValueError:
        raise ValueError(f"HEALTH_PORT must be a port number, not {raw_port[:20]!r}") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"HEALTH_PORT must be between 1 and 65535, not {port}")
    host = _setting("HEALTH_HOST", environ, dotenv) or "127.0.0.1"
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host in ("::", "[::]"):
        host = "::1"
    return host, port


def probe(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> tuple[bool, str]:
    """GETs ``http://host:port/health``; ``(healthy, one-line description)``."""
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}{HEALTH_PATH}"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    # Plain HTTP to a loopback address: no proxy must get in the way.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            status = int(response.status)
            text = response.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status = exc.code
        text = exc.read(4096).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return False, f"unhealthy: nothing answered at {url} ({reason})"
    try:
        body = json.loads(text)
        summary = ", ".join(f"{key}={value}" for key, value in body.items()) if isinstance(body, dict) else text
    except ValueError:
        summary = text.strip()[:200]
    if status == 200:
        return True, f"healthy: {summary}"
    return False, f"unhealthy (HTTP {status}): {summary}"


def probe_main(env: Mapping[str, str] | None = None, *, stream: TextIO | None = None) -> int:
    """``python -m bot health``: 0 when the local health endpoint says 200, else 1."""
    out = stream or sys.stdout
    try:
        host, port = probe_target(env)
    except ValueError as exc:
        print(f"unhealthy: {exc}", file=out)
        return 1
    healthy, message = probe(host, port)
    print(message, file=out)
    return 0 if healthy else 1
