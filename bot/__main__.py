"""Entry point: ``python -m bot [run | check | health | rotate-keys]``.

The entry point owns the long-lived resources: it configures logging, opens the key vault, the database,
the panel clients and the health endpoint with ``async with``/``try``, hands them to the bot, and closes
them after it. SIGTERM/SIGINT shut down gracefully (see :meth:`bot.app.JexactylBot.close`); a second
signal stops without waiting for in-flight interactions.

Heavy imports (discord.py, aiohttp, the database) happen inside the commands that need them, so
``python -m bot health`` (the container's HEALTHCHECK, run every 30 s) starts quickly.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .config import BotConfig, ConfigError, load_config
from .logs import RedactingFilter, setup_logging

if TYPE_CHECKING:
    from .app import JexactylBot

log = logging.getLogger("bot")

USAGE = """usage: python -m bot [run | check | health | rotate-keys]

  run          start the bot (default)
  check        check the configuration, data directory, database, stored keys, panel and Discord token;
               exits 0 only if the bot can start
  health       ask the running bot's health endpoint (HEALTH_PORT) whether it is healthy; exits 0 or 1
  rotate-keys  re-encrypt every stored API key with the first ENCRYPTION_KEY
"""


async def run_bot(config: BotConfig, *, on_start: Callable[[Any], None] | None = None) -> None:
    """Opens the resources, runs the bot until it is closed, then closes everything.

    Args:
        config: The validated configuration.
        on_start: Called with the bot object before it connects (tests use it to stop the bot).
    """
    from .app import JexactylBot
    from .clients import PanelClients
    from .crypto import load_key_vault
    from .discord_endpoints import apply_discord_endpoints
    from .health import HealthServer
    from .rotate_keys import ensure_keys_decryptable
    from .storage import Storage

    apply_discord_endpoints(config.discord_api_base, config.discord_gateway_url)
    async with Storage.open(config.database_path) as storage:
        await _refuse_new_key_for_old_links(config, storage)
        vault = load_key_vault(list(config.encryption_keys), config.data_dir, log)
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
            bot = JexactylBot(config=config, storage=storage, vault=vault, panels=panels)
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
    log.info("stopped: panel sessions and the database are closed")


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


def _print_error(message: str, secrets: Iterable[str]) -> None:
    print(f"error: {RedactingFilter(secrets).redact(message)}", file=sys.stderr)


def _start_failure(exc: BaseException, config: BotConfig) -> str | None:
    """A clear sentence for an expected start-up failure, or ``None`` for an unexpected one."""
    import aiohttp
    import discord

    from .crypto import KeyVaultError
    from .discord_endpoints import DEFAULT_API_BASE
    from .health import HealthServerError
    from .rotate_keys import KeyRotationError, KeyVerificationError
    from .storage import SchemaVersionError, StorageError

    if isinstance(exc, discord.LoginFailure):
        return (
            "Discord rejected DISCORD_TOKEN: the token is invalid or has been reset. Copy the bot's current token "
            "from https://discord.com/developers/applications (Bot → Reset Token) into DISCORD_TOKEN, "
            "without a 'Bot ' prefix. (`python -m bot check` tests it without starting the bot.)"
        )
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return "Discord refused the gateway connection: the bot asked for a privileged intent it is not granted."
    if isinstance(exc, discord.ConnectionClosed):
        return f"the Discord gateway closed the connection (code {exc.code}{': ' + exc.reason if exc.reason else ''})"
    if isinstance(exc, discord.HTTPException):
        return (
            f"Discord refused a request during start-up: {exc} (check that the bot is in every guild of GUILD_IDS "
            "and was invited with the applications.commands scope)"
        )
    if isinstance(exc, aiohttp.ClientError | discord.GatewayNotFound | TimeoutError):
        base = config.discord_api_base or DEFAULT_API_BASE
        return f"could not reach Discord at {base}: {type(exc).__name__}: {exc}"
    if isinstance(
        exc,
        KeyRotationError | KeyVerificationError | KeyVaultError | StorageError | SchemaVersionError | HealthServerError,
    ):
        return str(exc)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns the process exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "run"
    if command in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    if command == "health":
        from .health import probe_main

        return probe_main()
    if command == "check":
        from .check import check_main

        return check_main(configure_logging=True)
    if command not in ("run", "rotate-keys"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        config = load_config()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    secrets = [config.discord_token, config.panel_application_key or "", *config.encryption_keys]
    setup_logging(config.log_level, secrets)
    try:
        if command == "rotate-keys":
            from .rotate_keys import rotate_keys

            count = asyncio.run(rotate_keys(config))
            print(f"Re-encrypted {count} stored key(s) with the first ENCRYPTION_KEY.")
            return 0
        asyncio.run(_run_until_signal(config))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = _start_failure(exc, config)
        if message is None:
            raise
        _print_error(message, secrets)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
