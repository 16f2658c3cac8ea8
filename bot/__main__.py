"""``python -m bot``: the same command line as the ``jexactyl-bot`` console script (:func:`bot.cli.main`).

Only the standard library is imported here and in :mod:`bot.cli`, so ``--help`` and ``--version`` always
work and a missing dependency is named instead of ending in a ``ModuleNotFoundError`` traceback. The runtime
(``run_bot``) is in :mod:`bot.runtime`.
"""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
