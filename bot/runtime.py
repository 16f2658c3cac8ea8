"""``python -m bot run`` and ``rotate-keys``: load the configuration, open the resources, run, and turn every
expected failure into one sentence and a documented exit status.

The runtime owns the long-lived resources: it checks the data directory, opens the database, the key vault,
the panel clients and the health endpoint with ``async with``/``try``, hands them to the bot, and closes them
after it. SIGTERM/SIGINT shut down gracefully (see :meth:`bot.app.JexactylBot.close`); a second signal stops
without waiting for in-flight interactions.

Exit statuses (:mod:`bot.cli` documents them): 0 stopped normally, 1 an unexpected or transient failure
(Discord unreachable...), 78 (``EX_CONFIG``) a configuration error: the configuration does not load, the data
directory is not writable, Discord rejects the token, the encryption key cannot read the stored keys... With
``CONFIG_ERROR_DELAY`` seconds set (the Docker image sets 300), ``run`` waits that long before exiting with 78,
so a restart policy retries every few minutes instead of in a tight loop; SIGTERM/SIGINT end the wait at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, versions
from .config import BotConfig, ConfigError, config_error_delay, load_config, read_environment
from .logs import RedactingFilter, setup_logging

if TYPE_CHECKING:
    from .app import JexactylBot

__all__ = ["run_bot", "run_main"]

log = logging.getLogger("bot")


async def run_bot(
    config: BotConfig,
    *,
    on_start: Callable[[Any], None] | None = None,
    bot_options: Mapping[str, Any] | None = None,
) -> None:
    """Opens the resources, runs the bot until it is closed, then closes everything.

    Args:
        config: The validated configuration.
        on_start: Called with the bot object before it connects (tests use it to stop the bot).
        bot_options: Further :class:`discord.Client` options (tests pass ``guild_ready_timeout``).
    """
    from .datadir import DataDirLock, ensure_writable, used_directories

    for directory in used_directories(config):
        ensure_writable(directory)
    # Held until run_bot returns (the kernel drops it if the process dies): a second bot on this database and
    # rotate-keys refuse meanwhile.
    with DataDirLock(config, "run"):
        await _run_locked(config, on_start=on_start, bot_options=bot_options)
    log.info("stopped: panel sessions and the database are closed")


async def _run_locked(
    config: BotConfig, *, on_start: Callable[[Any], None] | None, bot_options: Mapping[str, Any] | None
) -> None:
    from .app import JexactylBot
    from .clients import PanelClients
    from .crypto import load_key_vault
    from .datadir import key_beside_database
    from .discord_endpoints import apply_discord_endpoints
    from .health import HealthServer
    from .rotate_keys import ensure_keys_decryptable
    from .storage import Storage

    apply_discord_endpoints(config.discord_api_base, config.discord_gateway_url)
    log.info("starting %s: panel %s, database %s", versions(), config.panel_url, config.database_path)
    async with Storage.open(config.database_path) as storage:
        await _refuse_new_key_for_old_links(config, storage)
        vault = load_key_vault(list(config.encryption_keys), config.data_dir, log)
        warning = key_beside_database(config)
        if warning:
            log.warning("%s", warning)
        await ensure_keys_decryptable(storage, vault)
        panels = PanelClients(
            config.panel_url,
            storage,
            vault,
            application_key=config.panel_application_key,
            timeout=config.panel_timeout,
        )
        health: HealthServer | None = None
        try:
            bot = JexactylBot(config=config, storage=storage, vault=vault, panels=panels, **(bot_options or {}))
            if on_start is not None:
                on_start(bot)
            if config.health_port is not None:
                health = HealthServer(bot, storage, host=config.health_host, port=config.health_port)
                await health.start()
            async with bot:
                await bot.start(config.discord_token)
        finally:
            if health is not None:
                await health.stop()
            await panels.close()


async def _refuse_new_key_for_old_links(config: BotConfig, storage: Any) -> None:
    """Refuses to start (before a key is generated) when links are stored but no key can read them."""
    from .crypto import SECRET_KEY_FILENAME, KeyVaultError

    key_file = config.data_dir / SECRET_KEY_FILENAME
    if config.encryption_keys or key_file.exists():
        return
    count = await storage.count_links()
    if count:
        raise KeyVaultError(
            f"{count} linked account(s) are stored, but ENCRYPTION_KEY is not set and {key_file} does not exist. "
            "Set ENCRYPTION_KEY to the key that encrypted them (or restore the key file); the bot will not "
            "generate a new key that cannot read them."
        )


async def _run_until_signal(config: BotConfig) -> None:
    """Runs :func:`run_bot`; the first SIGTERM/SIGINT shuts down gracefully, a second one at once."""
    holder: list[JexactylBot] = []
    loop = asyncio.get_running_loop()
    runner = asyncio.create_task(run_bot(config, on_start=holder.append), name="bot")
    closing: set[asyncio.Task[None]] = set()
    received: list[str] = []

    def stop(name: str) -> None:
        received.append(name)
        bot = holder[0] if holder else None
        if len(received) > 1:
            log.warning("%s again: stopping without waiting for in-flight interactions", name)
            if bot is not None:
                bot.force_close()
            else:
                runner.cancel()
            return
        if bot is None or bot.ws is None:
            # Not connected yet (opening the database, logging in, syncing commands): nothing is in flight.
            log.info("shutdown requested (%s) during start-up", name)
            runner.cancel()
            return
        log.info("shutdown requested (%s)", name)
        bot.begin_shutdown()
        task = asyncio.ensure_future(bot.close())
        closing.add(task)
        task.add_done_callback(closing.discard)

    installed: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop, sig.name)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-POSIX
            pass
    try:
        await runner
    except asyncio.CancelledError:
        if not received:
            raise
        log.info("stopped before the bot connected")
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _start_failure(exc: BaseException, config: BotConfig) -> tuple[str, int] | None:
    """A clear sentence and the exit status for an expected start-up failure; ``None`` for an unexpected one."""
    import aiohttp
    import discord

    from .crypto import KeyVaultError
    from .datadir import DataDirError
    from .discord_endpoints import DEFAULT_API_BASE, UnsupportedDiscordVersion
    from .health import HealthServerError
    from .migrations import SchemaVersionError
    from .rotate_keys import KeyRotationError, KeyVerificationError
    from .storage import StorageError

    if isinstance(exc, discord.LoginFailure):
        return (
            "Discord rejected DISCORD_TOKEN: the token is invalid or has been reset. Copy the bot's current token "
            "from https://discord.com/developers/applications (Bot → Reset Token) into DISCORD_TOKEN, "
            "without a 'Bot ' prefix. (`python -m bot check` tests it without starting the bot.)",
            EXIT_CONFIG,
        )
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return (
            "Discord refused the gateway connection: the bot asked for a privileged intent it is not granted.",
            EXIT_CONFIG,
        )
    if isinstance(exc, discord.ConnectionClosed):
        reason = f": {exc.reason}" if exc.reason else ""
        return f"the Discord gateway closed the connection (code {exc.code}{reason})", EXIT_FAILURE
    if isinstance(exc, discord.HTTPException):
        message = (
            f"Discord refused a request during start-up: {exc} (check that the bot is in every guild of GUILD_IDS "
            "and was invited with the applications.commands scope)"
        )
        return message, EXIT_CONFIG if isinstance(exc, discord.Forbidden) else EXIT_FAILURE
    if isinstance(exc, aiohttp.ClientError | discord.GatewayNotFound | TimeoutError):
        base = config.discord_api_base or DEFAULT_API_BASE
        return f"could not reach Discord at {base}: {type(exc).__name__}: {exc}", EXIT_FAILURE
    if isinstance(
        exc,
        DataDirError
        | KeyRotationError
        | KeyVerificationError
        | KeyVaultError
        | SchemaVersionError
        | HealthServerError
        | UnsupportedDiscordVersion,
    ):
        return str(exc), EXIT_CONFIG
    if isinstance(exc, StorageError):
        return str(exc), EXIT_FAILURE
    return None


def _print_error(message: str, secrets: Iterable[str] = ()) -> None:
    print(f"error: {RedactingFilter(secrets).redact(message)}", file=sys.stderr, flush=True)


def wait_before_config_exit(seconds: float) -> None:
    """Waits ``seconds`` (nothing for 0) before a configuration error ends ``run``, so that a restart policy
    (``restart: unless-stopped``) does not restart a misconfigured bot in a tight loop. SIGTERM/SIGINT end the
    wait at once."""
    if seconds <= 0:
        return
    stop = threading.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, lambda number, frame: stop.set()) for sig in signals}
    try:
        print(
            f"waiting {seconds:g} s (CONFIG_ERROR_DELAY) before exiting with status {EXIT_CONFIG}, so that a restart "
            "policy retries every few minutes instead of at once: fix the configuration, then restart the bot "
            "(a stop signal ends this wait)",
            file=sys.stderr,
            flush=True,
        )
        stop.wait(seconds)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_main(command: str, *, dotenv_path: str | Path | None = ".env") -> int:
    """``run`` or ``rotate-keys``: returns the exit status (:mod:`bot.cli` lists them)."""
    delay = command == "run"
    try:
        config = load_config(dotenv_path=dotenv_path)
    except ConfigError as exc:
        print(exc, file=sys.stderr, flush=True)
        if delay:
            wait_before_config_exit(config_error_delay(_environment(dotenv_path)))
        return EXIT_CONFIG
    secrets = [config.discord_token, config.panel_application_key or "", *config.encryption_keys]
    setup_logging(config.log_level, secrets)
    try:
        if command == "rotate-keys":
            from .rotate_keys import rotate_keys

            count = asyncio.run(rotate_keys(config))
            print(f"Re-encrypted {count} stored key(s) with the first ENCRYPTION_KEY.")
            return EXIT_OK
        asyncio.run(_run_until_signal(config))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        failure = _start_failure(exc, config)
        if failure is None:
            raise
        message, status = failure
        _print_error(message, secrets)
        if status == EXIT_CONFIG and delay:
            wait_before_config_exit(config.config_error_delay)
        return status
    return EXIT_OK


def _environment(dotenv_path: str | Path | None) -> Mapping[str, str]:
    try:
        return read_environment(dotenv_path)
    except ConfigError:
        return {}
