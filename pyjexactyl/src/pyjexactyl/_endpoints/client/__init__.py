"""Client (account) API endpoints: ``api.client``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base import Namespace
from .account import Account
from .servers import ClientServers

if TYPE_CHECKING:
    from ..._client import AsyncJexactyl

__all__ = ["Account", "ClientAPI", "ClientServers"]


class ClientAPI(Namespace):
    """The client API, usable by any user with a client (account) key: ``account`` and ``servers``."""

    def __init__(self, client: AsyncJexactyl) -> None:
        super().__init__(client)
        self.account = Account(client)
        self.servers = ClientServers(client)
