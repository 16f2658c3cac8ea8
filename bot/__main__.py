"""Entry point: ``python -m bot`` runs the bot; ``python -m bot rotate-keys`` re-encrypts stored keys.

The entry point owns the long-lived resources: it configures logging, opens the key vault, the database
and the panel clients with ``async with``/``try``, hands them to the bot, and closes them after it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence

from .config import BotConfig, ConfigError, load_config
from .crypto import KeyVaultError, load_key_vault
from .discord_endpoints import apply_discord_endpoints
from .logs import setup_logging
from .rotate_keys import KeyRotationError, KeyVerificationError, ensure_keys_decryptable, rotate_keys
from .storage import Storage

log = logging.getLogger("bot")

USAGE = """usage: python -m bot [run | rotate-keys]

  run          start the bot (default)
  rotate-keys  re-encrypt every stored API key with the first ENCRYPTION_KEY
"""


async def run_bot(config: BotConfig, *, on_start: Callable[[object], None] | None = None) -> None:
    """Opens the resources, runs the bot until it is closed, then closes everything.

    Args:
        config: The validated configuration.
        on_start: Called with the bot object before it connects (tests use it to stop the bot).
    """
    from .app import JexactylBot
    from .clients import PanelClients

    apply_discord_endpoints(config.discord_api_base, config.discord_gateway_url)
    vault = load_key_vault(list(config.encryption_keys), config.data_dir, log)
    async with Storage.open(config.database_path) as storage:
        await ensure_keys_decryptable(storage, vault)
        panels = PanelClients(config.panel_url, storage, vault, application_key=config.panel_application_key)
        try:
            bot = JexactylBot(config=config, storage=storage, vault=vault, panels=panels)
            if on_start is not None:
                on_start(bot)
            async with bot:
                await bot.start(config.discord_token)
        finally:
            await panels.close()


async def _run_until_signal(config: BotConfig) -> None:
    holder: list[object] = []
    closing: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()

    def stop() -> None:
        log.info("shutdown requested")
        for bot in holder:
            task = asyncio.ensure_future(bot.close())  # type: ignore[attr-defined]
            closing.add(task)
            task.add_done_callback(closing.discard)

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-POSIX
            pass
    await run_bot(config, on_start=holder.append)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns the process exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "run"
    if command in ("-h", "--help", "help"):
        print(USAGE)
        return 0
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
            count = asyncio.run(rotate_keys(config))
            print(f"Re-encrypted {count} stored key(s) with the first ENCRYPTION_KEY.")
            return 0
        asyncio.run(_run_until_signal(config))
    except (KeyRotationError, KeyVerificationError, KeyVaultError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
