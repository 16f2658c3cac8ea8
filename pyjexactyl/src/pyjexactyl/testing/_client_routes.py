"""The 69 client-API routes (``/api/client``, §6 of the contract), in the panel's order.

Each panel area has its own module: ``_client_account_routes`` (account, API keys, SSH keys),
``_client_server_routes`` (one server: details, power, console, databases), ``_client_file_routes``,
``_client_schedule_routes``, ``_client_network_routes``, ``_client_subuser_routes``, ``_client_backup_routes``
and ``_client_settings_routes`` (startup and settings); ``_client_prelude`` holds what every route checks first.
"""

from __future__ import annotations

from . import (
    _client_account_routes,
    _client_backup_routes,
    _client_file_routes,
    _client_network_routes,
    _client_schedule_routes,
    _client_server_routes,
    _client_settings_routes,
    _client_subuser_routes,
)
from ._client_prelude import client_prelude
from ._routing import Route

__all__ = ["ROUTES", "client_prelude"]

ROUTES: list[Route] = [
    *_client_account_routes.ROUTES,
    *_client_server_routes.ROUTES,
    *_client_file_routes.ROUTES,
    *_client_schedule_routes.ROUTES,
    *_client_network_routes.ROUTES,
    *_client_subuser_routes.ROUTES,
    *_client_backup_routes.ROUTES,
    *_client_settings_routes.ROUTES,
]
