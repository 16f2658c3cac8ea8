"""Which panel the bot talks to (Pterodactyl 1.11, Jexactyl v3, Jexactyl v4 or Pelican), learnt lazily through
the library's dialect detection and shared by every member's client.

The bot talks to one panel (``PANEL_URL``), but each linked member has their own
:class:`~pyjexactyl.AsyncJexactyl`, and each client learns the panel's kind on its own
(:attr:`AsyncJexactyl.dialect`, :meth:`AsyncJexactyl.panel_info`). :class:`PanelKind` keeps what any of them
has learnt, so the bot asks the panel at most once in its life:

* **free**: every client the bot hands out is first told what the bot knows (:meth:`PanelKind.seed`, so its
  dialect-dependent calls need no probe of their own), and what it has learnt since is read back
  (:meth:`PanelKind.note`: the account object read when linking or by ``/admin`` tells Pelican and Jexactyl v4
  apart from Pterodactyl and Jexactyl v3; a v3 server object has ``renewable``);
* **once**: a question the answers so far do not decide (is this Jexactyl v3, with its store and renewal?)
  asks the library (:meth:`PanelKind.is_one_of` → ``await api.panel_info()``, one ``GET`` at most), under a
  lock, so concurrent commands share it.

Never from the key prefix: ``ptlc_`` keys exist on Jexactyl v4 and legacy keys on all of them.

Example:
    >>> if await bot.panels.kind.is_one_of(panel.api, JEXACTYL_V3) is False:  # doctest: +SKIP
    ...     raise UserFacingError(f"{bot.panels.kind.name} does not offer server renewal.")
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from pyjexactyl import AsyncJexactyl, PanelInfo

__all__ = ["JEXACTYL_V3", "NAMELESS", "PanelKind"]

JEXACTYL_V3 = frozenset({"jexactyl"})
"""The panel with a store, credits and server renewal."""
NAMELESS = frozenset({"jexactyl4", "pelican"})
"""Panels whose accounts have no first and last name (they ignore them on create)."""
_EVIDENCE = "what the bot learnt from another client of the same panel"


class PanelKind:
    """What the bot knows of its panel; see the module docstring."""

    def __init__(self) -> None:
        self._info: PanelInfo | None = None
        self._lock = asyncio.Lock()

    @property
    def info(self) -> PanelInfo | None:
        """The narrowest verdict any client has reached, or ``None`` before the first."""
        return self._info

    @property
    def possible(self) -> frozenset[str] | None:
        """The flavors still possible (``None``: nothing learnt yet)."""
        return None if self._info is None else frozenset(self._info.possible)

    @property
    def name(self) -> str:
        """The panel's name as far as it is known, e.g. ``"Pelican"``, ``"Pterodactyl or Jexactyl v4"``, or
        ``"this panel"``."""
        return self._info.name if self._info is not None else "this panel"

    def seed(self, api: AsyncJexactyl) -> None:
        """Tells a client what the bot already knows (no request), so it does not probe for it again."""
        possible = self.possible
        if possible is not None:
            api.dialect.observe(possible, _EVIDENCE)  # narrows only; an answer that contradicts it is ignored

    def note(self, api: AsyncJexactyl) -> None:
        """Keeps what ``api`` has learnt (no request): the client is seeded first, so its verdict is the
        intersection of both."""
        self.seed(api)
        info = api.dialect.info()
        if self._info is None or set(info.possible) < set(self._info.possible):
            self._info = info

    def known(self, flavors: Iterable[str]) -> bool | None:
        """Whether the panel is one of ``flavors``: ``True``/``False`` when what is known decides it, else
        ``None`` (nothing is sent)."""
        possible = self.possible
        if possible is None:
            return None
        wanted = frozenset(flavors)
        if possible <= wanted:
            return True
        if not possible & wanted:
            return False
        return None

    async def is_one_of(self, api: AsyncJexactyl, flavors: Iterable[str]) -> bool | None:
        """Like :meth:`known`, asking the panel through ``api`` (``panel_info()``: one ``GET``, once per client;
        the lock makes it once per bot) when what is known does not decide it. ``None`` when even that could
        not tell (a client key cannot tell Pterodactyl from Jexactyl v4 without an account or server object).

        Raises:
            JexactylError: the panel could not be asked (unreachable, key revoked...).
        """
        wanted = frozenset(flavors)
        self.note(api)
        answer = self.known(wanted)
        if answer is not None:
            return answer
        async with self._lock:
            self.note(api)  # another command may have learnt it meanwhile
            answer = self.known(wanted)
            if answer is None:
                await api.panel_info()
                self.note(api)
                answer = self.known(wanted)
        return answer
