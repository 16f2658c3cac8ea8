"""Which panel the client talks to: Pterodactyl 1.11, Jexactyl v3, Jexactyl v4 or Pelican.

The four share most of the API; where they differ, an endpoint asks :class:`Dialect` a question ("is this a
Pelican panel?") instead of guessing. The dialect is learnt from what the panel answers, never from the key
prefix alone:

* **Free observations.** Answers the library reads anyway narrow the candidates: an account object (Pelican's
  has ``root_admin`` and no ``id``; Jexactyl v4's has no ``first_name``), a client server object (Jexactyl v3
  adds ``renewable``; v4 drops ``is_suspended``; Pelican adds ``sftp_details.alias``), an application user, and
  the answer of a Jexactyl-only route (it works on Jexactyl v3; "route not found" elsewhere).
* **One probe, once, lazily.** Only when a call's route depends on the answer and the observations do not
  decide it, the client sends one extra request: ``GET /api/application/users?per_page=1`` when the call is
  an application call or the key is an application key (the user object tells all four apart), else
  ``GET /api/client/permissions`` (Pelican sends a flat list, Jexactyl v3 adds a ``plugin`` group). A probe
  is never sent for a call that is the same on every panel, and never twice: concurrent callers share it.
  The client probe cannot tell Pterodactyl from Jexactyl v4 (their client APIs are the same); the next
  account or server object the client reads does, and calls that differ between the two on the application
  API read such an object first anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .exceptions import ForbiddenError, JexactylApiError

__all__ = [
    "ALL_FLAVORS",
    "FLAVOR_NAMES",
    "Dialect",
    "Flavor",
    "PanelInfo",
    "flavors_of_account",
    "flavors_of_application_egg",
    "flavors_of_application_server",
    "flavors_of_application_user",
    "flavors_of_client_server",
    "flavors_of_permissions",
    "route_missing",
]

Flavor = Literal["pterodactyl", "jexactyl", "jexactyl4", "pelican"]
ALL_FLAVORS: frozenset[str] = frozenset({"pterodactyl", "jexactyl", "jexactyl4", "pelican"})
FLAVOR_NAMES: dict[str, str] = {
    "pterodactyl": "Pterodactyl",
    "jexactyl": "Jexactyl v3",
    "jexactyl4": "Jexactyl v4",
    "pelican": "Pelican",
}
_VERSIONS: dict[str, str] = {"pterodactyl": "1.x", "jexactyl": "3.x", "jexactyl4": "4.x (Everest)"}
_ORDER = ("pterodactyl", "jexactyl", "jexactyl4", "pelican")


@dataclass(frozen=True)
class PanelInfo:
    """What the client could tell of the panel.

    Attributes:
        flavor: ``"pterodactyl"``, ``"jexactyl"`` (v3), ``"jexactyl4"`` or ``"pelican"``: the most likely one
            when the answers left more than one possible.
        version: The version line the flavor implies (``"1.x"``, ``"3.x"``, ``"4.x (Everest)"``), or ``None``
            when it could tell nothing of it (Pelican reports no version to API keys).
        possible: Every flavor the answers so far allow, ``(flavor,)`` when it is certain.
        evidence: What told it, e.g. ``"GET /api/client/permissions: a 'plugin' permission group"``.
    """

    flavor: Flavor
    version: str | None
    possible: tuple[Flavor, ...]
    evidence: str

    @property
    def name(self) -> str:
        """The panel's name, e.g. ``"Jexactyl v3"``; ``"Pterodactyl or Jexactyl v4"`` while undecided."""
        return describe(frozenset(self.possible))

    @property
    def certain(self) -> bool:
        """Whether the flavor is the only one possible."""
        return len(self.possible) == 1


def describe(candidates: frozenset[str]) -> str:
    """A human name for a set of candidate flavors."""
    names = [FLAVOR_NAMES[f] for f in _ORDER if f in candidates]
    if not names or len(names) == len(_ORDER):
        return "this panel"
    return " or ".join(names)


# ------------------------------------------------------------------------------- reading answers
def flavors_of_permissions(body: Any) -> frozenset[str]:
    """``GET /api/client/permissions``: Pelican lists ``group.key`` strings; the others group them, and
    Jexactyl v3 adds a ``plugin`` group."""
    permissions = (body.get("attributes") or {}).get("permissions") if isinstance(body, Mapping) else None
    if isinstance(permissions, list):
        return frozenset({"pelican"})
    if isinstance(permissions, Mapping):
        if "plugin" in permissions:
            return frozenset({"jexactyl"})
        return frozenset({"pterodactyl", "jexactyl4"})
    return ALL_FLAVORS


def flavors_of_account(attributes: Mapping[str, Any]) -> frozenset[str]:
    """``GET /api/client/account``: Pelican's has ``root_admin`` and ``uuid``; v4's lacks ``first_name``."""
    if "root_admin" in attributes and "id" not in attributes:
        return frozenset({"pelican"})
    if "first_name" in attributes:
        return frozenset({"pterodactyl", "jexactyl"})
    if "id" in attributes and "admin" in attributes:
        return frozenset({"jexactyl4"})
    return ALL_FLAVORS


def flavors_of_client_server(attributes: Mapping[str, Any]) -> frozenset[str]:
    """A client ``server`` object."""
    if "renewable" in attributes or "renewal" in attributes:
        return frozenset({"jexactyl"})
    if "alias" in (attributes.get("sftp_details") or {}):
        return frozenset({"pelican"})
    if "status" in attributes and "is_suspended" not in attributes:
        return frozenset({"jexactyl4"})
    if "is_suspended" in attributes:
        return frozenset({"pterodactyl", "jexactyl", "pelican"})
    return ALL_FLAVORS


def flavors_of_application_egg(attributes: Mapping[str, Any]) -> frozenset[str]:
    """An application ``egg`` object: v4 names its nest ``nest_id``; Pelican has none but startup commands."""
    if "nest_id" in attributes:
        return frozenset({"jexactyl4"})
    if "startup_commands" in attributes or "tags" in attributes:
        return frozenset({"pelican"})
    if "nest" in attributes:
        return frozenset({"pterodactyl", "jexactyl"})
    return ALL_FLAVORS


def flavors_of_application_server(attributes: Mapping[str, Any]) -> frozenset[str]:
    """An application ``server`` object: v4 renames the foreign keys; Pelican has no ``nest``."""
    if "owner_id" in attributes:
        return frozenset({"jexactyl4"})
    if "user" in attributes and "nest" not in attributes:
        return frozenset({"pelican"})
    if "nest" in attributes:
        return frozenset({"pterodactyl", "jexactyl"})
    return ALL_FLAVORS


def flavors_of_application_user(attributes: Mapping[str, Any]) -> frozenset[str]:
    """An application ``user`` object."""
    if "avatar_url" in attributes or "role_name" in attributes or "state" in attributes:
        return frozenset({"jexactyl4"})
    if "is_managed_externally" in attributes or "2fa_enabled" in attributes:
        return frozenset({"pelican"})
    if "discord_id" in attributes:
        return frozenset({"jexactyl"})
    if "first_name" in attributes:
        return frozenset({"pterodactyl"})
    return ALL_FLAVORS


def route_missing(exc: JexactylApiError) -> bool:
    """Whether an error says the panel has no such route (not that a resource is missing): Laravel's
    ``The route ... could not be found.`` 404, or a 405 for a path that exists with other methods."""
    if exc.status == 405:
        return True
    return exc.status == 404 and exc.code == "NotFoundHttpException" and exc.detail.startswith("The route ")


# ------------------------------------------------------------------------------- the client's view
Probe = Callable[[str, Mapping[str, Any]], Awaitable[Any]]


class Dialect:
    """The candidates the client still considers, narrowed by observations and at most one probe.

    Args:
        probe: Sends a GET to a path with query parameters and returns the decoded body (the client's
            request pipeline).
        application_key: Whether the key looks like an application key (it picks the probe, nothing else).
        on_change: Called with the candidates whenever they narrow (the client adjusts its rate limits).
    """

    def __init__(
        self,
        probe: Probe,
        *,
        application_key: bool,
        on_change: Callable[[frozenset[str]], None] | None = None,
    ) -> None:
        self._probe = probe
        self._application_key = application_key
        self._on_change = on_change
        self.candidates: frozenset[str] = ALL_FLAVORS
        self.evidence = "nothing yet"
        self.probes = 0
        self._lock = asyncio.Lock()
        self._probed = False

    def observe(self, flavors: Iterable[str], evidence: str) -> None:
        """Narrow the candidates to ``flavors`` (an answer that contradicts what is known is ignored)."""
        narrowed = self.candidates & frozenset(flavors)
        if narrowed and narrowed != self.candidates:
            self.candidates = narrowed
            self.evidence = evidence
            if self._on_change is not None:
                self._on_change(narrowed)

    def known(self, flavors: Iterable[str]) -> bool | None:
        """Whether the panel is one of ``flavors``: ``True``/``False`` when the candidates decide it, else
        ``None`` (no request is sent)."""
        wanted = frozenset(flavors)
        if self.candidates <= wanted:
            return True
        if not self.candidates & wanted:
            return False
        return None

    async def is_one_of(self, flavors: Iterable[str], *, api: str = "client") -> bool | None:
        """Like :meth:`known`, probing the panel once (per client) when the candidates do not decide it.

        ``None`` means even the probe could not tell (Pterodactyl and Jexactyl v4 look alike to a client
        probe); the caller then keeps the behaviour that works on both.
        """
        wanted = frozenset(flavors)
        answer = self.known(wanted)
        if answer is not None or self._probed:
            return answer
        await self.detect(api=api)
        return self.known(wanted)

    async def detect(self, *, api: str = "client") -> frozenset[str]:
        """Probe the panel once if it has not been (concurrent callers wait for the same probe)."""
        async with self._lock:
            if self._probed or len(self.candidates) == 1:
                return self.candidates
            self._probed = True
            if self._application_key or api == "application":
                try:
                    await self._probe_application()
                    return self.candidates
                except ForbiddenError:
                    if self._application_key:
                        raise
                    # A client key that may not use the application API: ask the client API instead.
            await self._probe_client()
            return self.candidates

    async def _probe_application(self) -> None:
        path = "/api/application/users"
        self.probes += 1
        body = await self._probe(path, {"per_page": 1})
        data = body.get("data") if isinstance(body, Mapping) else None
        first = (data[0].get("attributes") or {}) if isinstance(data, list) and data else {}
        self.observe(flavors_of_application_user(first), f"GET {path}?per_page=1: the user object's fields")

    async def _probe_client(self) -> None:
        path = "/api/client/permissions"
        self.probes += 1
        body = await self._probe(path, {})
        self.observe(flavors_of_permissions(body), f"GET {path}: the permission catalogue's shape")

    def info(self) -> PanelInfo:
        """The current verdict."""
        possible = tuple(f for f in _ORDER if f in self.candidates)
        flavor = possible[0]
        version = _VERSIONS.get(flavor) if len(possible) == 1 else None
        return PanelInfo(flavor, version, possible, self.evidence)  # type: ignore[arg-type]

    def name(self) -> str:
        """The panel's name as far as it is known."""
        return describe(self.candidates)
