"""The panels :class:`~pyjexactyl.testing.FakePanel` can play, and the routes each one serves.

``pterodactyl`` (the default) is Pterodactyl 1.11 = Jexactyl v3's core; the other flavors start from its
routes, drop the ones the panel lacks, replace the ones that answer differently (same method and path) and
add their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ._application_routes import ROUTES as APPLICATION_ROUTES
from ._client_routes import ROUTES as CLIENT_ROUTES
from ._routing import Route

__all__ = ["FLAVORS", "FlavorSpec", "routes_for"]


@dataclass(frozen=True)
class FlavorSpec:
    """One panel: its name, default rate limits and routes.

    Attributes:
        name: What the panel calls itself.
        client_limit: Default client-API requests per minute per user.
        application_limit: Default application-API requests per minute per user.
        routes: Returns the routes the flavor adds or replaces.
        drop: Whether the flavor lacks a Pterodactyl route.
    """

    name: str
    client_limit: int
    application_limit: int
    routes: Callable[[], list[Route]] = list
    drop: Callable[[Route], bool] = field(default=lambda route: False)


def _jexactyl_routes() -> list[Route]:
    from . import _jexactyl_account, _jexactyl_admin, _jexactyl_core, _jexactyl_server_extras, _jexactyl_store

    return [
        *_jexactyl_core.CLIENT_ROUTES,
        *_jexactyl_core.APPLICATION_ROUTES,
        *_jexactyl_account.ROUTES,
        *_jexactyl_store.CLIENT_ROUTES,
        *_jexactyl_server_extras.CLIENT_ROUTES,
        *_jexactyl_admin.ROUTES,
    ]


def _everest_routes() -> list[Route]:
    from . import _everest_routes

    return [*_everest_routes.CLIENT_ROUTES, *_everest_routes.APPLICATION_ROUTES]


def _everest_drop(route: Route) -> bool:
    from . import _everest_routes

    return _everest_routes.dropped(route)


def _pelican_routes() -> list[Route]:
    from . import _pelican_admin, _pelican_mounts, _pelican_routes

    return [
        *_pelican_routes.CLIENT_ROUTES,
        *_pelican_routes.APPLICATION_ROUTES,
        *_pelican_admin.ROUTES,
        *_pelican_mounts.ROUTES,
    ]


def _pelican_drop(route: Route) -> bool:
    from . import _pelican_routes

    return _pelican_routes.dropped(route)


FLAVORS: dict[str, FlavorSpec] = {
    "pterodactyl": FlavorSpec("Pterodactyl 1.11", 720, 240),
    "jexactyl": FlavorSpec("Jexactyl v3", 720, 240, _jexactyl_routes),
    "jexactyl4": FlavorSpec("Jexactyl v4 (Everest)", 720, 240, _everest_routes, _everest_drop),
    "pelican": FlavorSpec("Pelican", 256, 256, _pelican_routes, _pelican_drop),
}


def routes_for(flavor: str) -> list[Route]:
    """Every route ``flavor`` serves."""
    spec = FLAVORS[flavor]
    added = spec.routes()
    replaced = {(r.method, r.path) for r in added}
    base = [r for r in [*CLIENT_ROUTES, *APPLICATION_ROUTES] if (r.method, r.path) not in replaced and not spec.drop(r)]
    return [*base, *added]
