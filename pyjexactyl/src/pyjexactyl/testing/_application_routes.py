"""The 42 application-API routes (``/api/application``, §7 of the contract), in the panel's order.

Each panel area has its own module: ``_application_user_routes``, ``_application_node_routes`` (nodes,
allocations, deployable nodes), ``_application_location_routes``, ``_application_server_routes`` (reading and
updating a server), ``_application_server_lifecycle_routes`` (creation, suspension, reinstall, deletion),
``_application_database_routes`` and ``_application_nest_routes``; ``_application_prelude`` holds the
bindings and ACL every route checks first and the list/create responses they share.
"""

from __future__ import annotations

from . import (
    _application_database_routes,
    _application_location_routes,
    _application_nest_routes,
    _application_node_routes,
    _application_server_lifecycle_routes,
    _application_server_routes,
    _application_user_routes,
)
from ._application_prelude import application_prelude
from ._routing import Route

__all__ = ["ROUTES", "application_prelude"]

ROUTES: list[Route] = [
    *_application_user_routes.ROUTES,
    *_application_node_routes.ROUTES,
    *_application_location_routes.ROUTES,
    *_application_server_routes.ROUTES,
    *_application_server_lifecycle_routes.ROUTES,
    *_application_database_routes.ROUTES,
    *_application_nest_routes.ROUTES,
]
