"""Client (account) API endpoints: ``api.client``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base import Namespace
from .account import Account
from .servers import ClientServers
from .store import Store

if TYPE_CHECKING:
    from ..._client import AsyncJexactyl

__all__ = ["Account", "ClientAPI", "ClientServers", "Store"]


class ClientAPI(Namespace):
    """The client API, usable by any user with a client (account) key: ``account``, ``servers`` and (Jexactyl
    v3) ``store``."""

    def __init__(self, client: AsyncJexactyl) -> None:
        super().__init__(client)
        self.account = Account(client)
        self.servers = ClientServers(client)
        self.store = Store(client)
