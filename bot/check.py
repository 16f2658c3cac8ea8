"""``python -m bot check``: can the bot start with this configuration?

Checks, in order, and prints one ✔ / ✘ line (``!`` for a warning, ``-`` for a skipped check) per item:

1. the configuration (every problem of :func:`bot.config.load_config`), and whether ``/admin`` is on (it needs
   ``GUILD_IDS``: a warning without it);
2. ``DATA_DIR`` (and the database's directory) exists or can be created, and is writable: if not, the
   message names the user the bot runs as and the ``chown 10001:10001`` a Docker bind mount needs;
3. the encryption key (``ENCRYPTION_KEY``, or ``DATA_DIR/secret.key``), with a warning when the key is kept
   on the same volume as the database it protects;
4. the database opens (migrations applied) and every stored panel key decrypts with that key;
5. the panel answers at ``PANEL_URL`` like a panel (an unauthenticated request gets its 401 JSON);
6. ``PANEL_APPLICATION_KEY``, if set: an application key, or an administrator's client key;
7. Discord accepts ``DISCORD_TOKEN`` (``GET /users/@me``, at ``DISCORD_API_BASE`` if set).

The exit status is 0 only if nothing failed. No key or token is ever printed: messages never include them,
and every line goes through the same redaction as the logs. Checking has no side effect beyond what the bot
does at start (it creates ``DATA_DIR`` and the database); it never generates an encryption key.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from .check_local import check_admin, check_data_dir, check_database, check_key_location, load_vault
from .check_remote import check_application_key, check_discord, check_panel
from .check_report import CheckReport, CheckResult, Status
from .config import BotConfig, ConfigError, load_config

__all__ = ["CheckReport", "CheckResult", "Status", "check_main", "run_checks"]


async def run_checks(config: BotConfig) -> CheckReport:
    """Runs every check against ``config`` (already validated) and returns the report."""
    report = CheckReport(secrets=[config.discord_token, config.panel_application_key or "", *config.encryption_keys])
    report.add("configuration", Status.OK, f"valid (panel {config.panel_url}, data directory {config.data_dir})")
    check_admin(report, config)
    data_ok = check_data_dir(report, config)
    if data_ok or config.encryption_keys:
        vault, vault_ok = load_vault(report, config)
    else:  # the key file would be in the unusable directory
        report.add("encryption key", Status.SKIP, "not checked: the data directory is not usable")
        vault, vault_ok = None, False
    check_key_location(report, config)
    if data_ok:
        await check_database(report, config, vault, vault_ok)
    else:
        report.add("database", Status.SKIP, "not checked: the data directory is not usable")
    panel_ok = await check_panel(report, config)
    await check_application_key(report, config, panel_ok)
    await check_discord(report, config)
    return report


def config_report(error: ConfigError) -> CheckReport:
    """The report for a configuration that does not load: one ✘ line per problem."""
    report = CheckReport()
    for problem in error.problems:
        report.add("configuration", Status.FAIL, problem)
    return report


def check_main(
    env: Mapping[str, str] | None = None,
    *,
    dotenv_path: str | Path | None = ".env",
    stream: TextIO | None = None,
    configure_logging: bool = False,
) -> int:
    """``python -m bot check``: prints the report; 0 if the bot can start, else 1.

    ``configure_logging`` (the command line) sends warnings of the libraries to stderr through the
    redacting filter.
    """
    out = stream or sys.stdout
    try:
        config = load_config(env, dotenv_path=dotenv_path)
    except ConfigError as exc:
        report = config_report(exc)
    else:
        if configure_logging:
            from .logs import setup_logging

            secrets = [config.discord_token, config.panel_application_key or "", *config.encryption_keys]
            setup_logging("WARNING", secrets)
        report = asyncio.run(run_checks(config))
    for line in report.lines():
        print(line, file=out)
    return 0 if report.ok else 1
