"""pyjexactyl: a Python client for the Jexactyl / Pterodactyl panel API.

Async core (:class:`AsyncJexactyl`) and the classic sync client (:class:`Jexactyl`) over the same endpoint
definitions, and a live console over the Wings websocket (``api.client.servers.console(id)``: a
:class:`ConsoleSession` yielding the typed events of :mod:`pyjexactyl.events`). The library logs only to the
``pyjexactyl`` logger and never configures logging.

Example::

    from pyjexactyl import Jexactyl

    api = Jexactyl("https://panel.example.com", "ptlc_...")
    my_servers = api.client.servers.list_servers()
    srv_id = my_servers[0]["attributes"]["identifier"]
    api.client.servers.send_power_action(srv_id, "start")
"""

import logging as _logging

from ._ansi import strip_ansi
from ._client import AsyncJexactyl
from ._config import ClientConfig, __version__
from ._console import ConsoleSession
from ._dialect import PanelInfo
from ._sync import Jexactyl
from .events import (
    BackupCompleted,
    BackupRestoreCompleted,
    ConsoleOutput,
    DaemonError,
    DaemonMessage,
    Dropped,
    Event,
    InstallCompleted,
    InstallOutput,
    InstallStarted,
    Reconnected,
    ServerDeleted,
    Stats,
    StatusChanged,
    TransferLogs,
    TransferStatus,
    UnknownEvent,
)
from .exceptions import (
    BadRequestError,
    ClientClosedError,
    ConflictError,
    ConsoleAuthError,
    ConsoleDisconnectedError,
    ConsoleError,
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
    "BackupCompleted",
    "BackupRestoreCompleted",
    "BadRequestError",
    "ClientClosedError",
    "ClientConfig",
    "ConflictError",
    "ConsoleAuthError",
    "ConsoleDisconnectedError",
    "ConsoleError",
    "ConsoleOutput",
    "ConsoleSession",
    "DaemonError",
    "DaemonMessage",
    "Dropped",
    "Event",
    "ForbiddenError",
    "InstallCompleted",
    "InstallOutput",
    "InstallStarted",
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
    "Reconnected",
    "ResponseTooLargeError",
    "ServerDeleted",
    "ServerError",
    "ServerOfflineError",
    "Stats",
    "StatusChanged",
    "TransferLogs",
    "TransferStatus",
    "UnauthorizedError",
    "UnknownEvent",
    "UnsupportedByPanelError",
    "ValidationError",
    "__version__",
    "strip_ansi",
]
