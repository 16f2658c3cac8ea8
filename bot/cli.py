"""The bot's command line: the ``jexactyl-bot`` console script and ``python -m bot`` (both call :func:`main`).

::

    python -m bot [run]        start the bot (the default command)
    python -m bot check        can the bot start with this configuration? (exit 0 if so)
    python -m bot health       ask the running bot's health endpoint (the container's HEALTHCHECK)
    python -m bot rotate-keys  re-encrypt the stored keys with the first ENCRYPTION_KEY
    python -m bot init         write a .env with a fresh ENCRYPTION_KEY
    python -m bot --version    jexactyl-bot, pyjexactyl, discord.py and Python versions
    python -m bot <command> --help

Only the standard library is imported here. ``--help``, ``--version``, ``init`` and ``health`` work even where
the bot's dependencies are missing; ``run``, ``check`` and ``rotate-keys`` first check that they can be
imported, and name what to install instead of failing with a ``ModuleNotFoundError`` traceback.

Exit statuses: 0 success; 1 failure (``check`` found a problem, Discord unreachable, unexpected error); 2 wrong
usage; 3 missing dependencies; 78 (``EX_CONFIG``) a configuration error (``run``, ``rotate-keys``).
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXIT_USAGE",
    "MISSING_DEPENDENCIES_STATUS",
    "REQUIREMENTS",
    "build_parser",
    "main",
    "missing_requirements",
    "versions",
]

REQUIREMENTS: dict[str, str] = {
    "pyjexactyl": "pyjexactyl==3.1.0",
    "discord": "discord.py>=2.7,<3",
    "aiosqlite": "aiosqlite>=0.20",
    "cryptography": "cryptography>=50.0.0",
    "dotenv": "python-dotenv>=1.0",
}
"""Import name -> the requirement (as in pyproject.toml's ``dependencies``; a test keeps them equal)."""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
"""Wrong usage (argparse's status)."""
MISSING_DEPENDENCIES_STATUS = 3
"""A dependency is missing."""
EXIT_CONFIG = 78
"""``EX_CONFIG`` of sysexits.h: the configuration is wrong; restarting without changing it cannot help."""

_NEEDS_DEPENDENCIES = frozenset({"run", "check", "rotate-keys"})


def _version_of(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def versions() -> str:
    """``jexactyl-bot X (pyjexactyl X, discord.py X, Python X)``, read from the installed metadata."""
    return (
        f"jexactyl-bot {_version_of('jexactyl-bot')} (pyjexactyl {_version_of('pyjexactyl')}, "
        f"discord.py {_version_of('discord.py')}, Python {platform.python_version()})"
    )


def missing_requirements() -> list[str]:
    """The requirements whose package cannot be imported in this environment."""
    return [requirement for module, requirement in REQUIREMENTS.items() if importlib.util.find_spec(module) is None]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m bot``."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="jexactyl-bot: a Discord bot for a Jexactyl / Pterodactyl panel. Configuration comes from "
        "environment variables and a .env file in the working directory (see `init`).",
        epilog="Exit statuses: 0 success, 1 failure, 2 wrong usage, 3 missing dependencies, 78 configuration "
        "error (run, rotate-keys). `python -m bot <command> --help` describes each command.",
    )
    parser.add_argument("--version", action="version", version=versions())
    commands = parser.add_subparsers(dest="command", metavar="command", title="commands")
    commands.add_parser(
        "run",
        help="start the bot (the default)",
        description="Start the bot and run until SIGTERM/SIGINT (in-flight interactions get up to 8 s; a second "
        "signal stops at once). A configuration error exits with status 78, after CONFIG_ERROR_DELAY seconds "
        "(default 0; the Docker image sets 300) so that a restart policy does not spin.",
    )
    commands.add_parser(
        "check",
        help="check the configuration, data directory, database, keys, panel and Discord token",
        description="Check everything the bot needs to start and print one line per check (✔ ok, ! warning, "
        "✘ failure, - skipped). Exits 0 only if the bot can start. Never prints a key or token.",
    )
    commands.add_parser(
        "health",
        help="ask the running bot's health endpoint (HEALTH_PORT); exits 0 when healthy",
        description="GET http://HEALTH_HOST:HEALTH_PORT/health and exit 0 for 200, else 1 (the Docker image's "
        "HEALTHCHECK).",
    )
    commands.add_parser(
        "rotate-keys",
        help="re-encrypt every stored API key with the first ENCRYPTION_KEY",
        description="Put a new key first in ENCRYPTION_KEY (keep the old one after it), run this, then drop the "
        "old key.",
    )
    init = commands.add_parser(
        "init",
        help="write a .env with a fresh ENCRYPTION_KEY, ready to fill in",
        description="Write a .env (mode 0600; an existing file is never overwritten) with a freshly generated "
        "ENCRYPTION_KEY, empty DISCORD_TOKEN and PANEL_URL to fill in, and every optional variable commented "
        "out. Then fill it in and run `python -m bot check`.",
    )
    target = init.add_mutually_exclusive_group()
    target.add_argument("--path", default=".env", help="the file to write (default: .env)")
    target.add_argument(
        "--stdout",
        action="store_true",
        help="print the file instead of writing it (e.g. `docker run --rm jexactyl-bot init --stdout > .env`)",
    )
    return parser


def _report_missing(missing: list[str]) -> int:
    listed = " ".join(f"'{r}'" for r in missing)
    print(
        "jexactyl-bot cannot start: these packages are not installed in this environment "
        f"({sys.executable}): {', '.join(missing)}.\n"
        "Install the bot with its dependencies:  pip install jexactyl-bot\n"
        "(from a checkout:  pip install -e ./pyjexactyl -e .   or just the missing ones:  "
        f"pip install {listed})",
        file=sys.stderr,
    )
    return MISSING_DEPENDENCIES_STATUS


def main(argv: Sequence[str] | None = None) -> int:
    """Parses the command line, checks the dependencies the command needs, runs it; returns the exit status."""
    try:
        args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help, --version (0) or wrong usage (2, after printing the usage)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    command = args.command or "run"
    if command == "init":
        from .settings import init_main

        return init_main(args.path, to_stdout=args.stdout)
    if command == "health":
        from .health import probe_main

        return probe_main()
    if command in _NEEDS_DEPENDENCIES and (missing := missing_requirements()):
        return _report_missing(missing)
    if command == "check":
        from .check import check_main

        return check_main(configure_logging=True)
    from .runtime import run_main

    return run_main(command)
