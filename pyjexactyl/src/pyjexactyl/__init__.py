"""pyjexactyl: a Python client for the Jexactyl / Pterodactyl panel API.

Async core (:class:`AsyncJexactyl`) and the classic sync client (:class:`Jexactyl`) over the same endpoint
definitions. The library logs only to the ``pyjexactyl`` logger and never configures logging.

Example::

    from pyjexactyl import Jexactyl

    api = Jexactyl("https://panel.example.com", "ptlc_...")
    my_servers = api.client.servers.list_servers()
    srv_id = my_servers[0]["attributes"]["identifier"]
    api.client.servers.send_power_action(srv_id, "start")
"""

import logging as _logging

from ._client import AsyncJexactyl
from ._config import ClientConfig, __version__
from ._dialect import PanelInfo
from ._sync import Jexactyl
from .exceptions import (
    BadRequestError,
    ClientClosedError,
    ConflictError,
    ForbiddenError,
    InvalidArgumentError,
    JexactylApiError,
    JexactylError,
    MalformedResponseError,
    NotFoundError,
    PanelTimeoutError,
    PanelUnreachableError,
    RateLimitedError,
    ResponseTooLargeError,
    ServerError,
    ServerOfflineError,
    UnauthorizedError,
    UnsupportedByPanelError,
    ValidationError,
)
from .responses import AsyncPaginatedResponse, PaginatedResponse

_logging.getLogger("pyjexactyl").addHandler(_logging.NullHandler())

__all__ = [
    "AsyncJexactyl",
    "AsyncPaginatedResponse",
    "BadRequestError",
    "ClientClosedError",
    "ClientConfig",
    "ConflictError",
    "ForbiddenError",
    "InvalidArgumentError",
    "Jexactyl",
    "JexactylApiError",
    "JexactylError",
    "MalformedResponseError",
    "NotFoundError",
    "PaginatedResponse",
    "PanelInfo",
    "PanelTimeoutError",
    "PanelUnreachableError",
    "RateLimitedError",
    "ResponseTooLargeError",
    "ServerError",
    "ServerOfflineError",
    "UnauthorizedError",
    "UnsupportedByPanelError",
    "ValidationError",
    "__version__",
]
