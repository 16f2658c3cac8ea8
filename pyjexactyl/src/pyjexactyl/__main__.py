"""``python -m pyjexactyl --version``: which pyjexactyl (and aiohttp, tenacity, Python) this environment has."""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from ._config import __version__


def _version_of(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:  # pragma: no cover - a broken environment
        return "not installed"


def main(argv: Sequence[str] | None = None) -> int:
    """Prints the version line (``--version``) or the help."""
    parser = argparse.ArgumentParser(
        prog="python -m pyjexactyl",
        description="pyjexactyl: a Python client for the Jexactyl / Pterodactyl / Pelican panel API. "
        "It is a library: import it (see its README); this command only reports versions.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=(
            f"pyjexactyl {__version__} (aiohttp {_version_of('aiohttp')}, tenacity {_version_of('tenacity')}, "
            f"Python {platform.python_version()})"
        ),
    )
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
