"""The ``jexactyl-bot`` console script and ``python -m bot``: checks that the bot's dependencies can be
imported before anything imports them, so a broken install gets a sentence naming what to install instead
of a ``ModuleNotFoundError`` traceback.

Only the standard library is imported here.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence

__all__ = ["MISSING_DEPENDENCIES_STATUS", "REQUIREMENTS", "main", "missing_requirements"]

REQUIREMENTS: dict[str, str] = {
    "pyjexactyl": "pyjexactyl==3.1.0",
    "discord": "discord.py>=2.7,<3",
    "aiosqlite": "aiosqlite>=0.20",
    "cryptography": "cryptography>=50.0.0",
    "dotenv": "python-dotenv>=1.0",
}
"""Import name -> the requirement (as in pyproject.toml's ``dependencies``; a test keeps them equal)."""

MISSING_DEPENDENCIES_STATUS = 3
"""Exit status when a dependency is missing (2 is a usage or configuration error)."""


def missing_requirements() -> list[str]:
    """The requirements whose package cannot be imported in this environment."""
    return [requirement for module, requirement in REQUIREMENTS.items() if importlib.util.find_spec(module) is None]


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the bot's command line (``python -m bot --help``) after checking its dependencies."""
    missing = missing_requirements()
    if missing:
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
    from .__main__ import main as run

    return run(argv)
