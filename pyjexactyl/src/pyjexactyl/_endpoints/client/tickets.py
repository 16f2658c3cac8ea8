"""Client API: support tickets (``/api/client/account/tickets``), a Jexactyl feature (v3, and v4 with other
bodies)."""

from __future__ import annotations

from typing import Any

from ...exceptions import InvalidArgumentError
from ..base import Namespace, build_path

_TICKETS = "/api/client/account/tickets"
_TICKET = "/api/client/account/tickets/{ticket}"
TICKET_PANELS = ("jexactyl", "jexactyl4")


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{name} must be a non-empty string")
    return value


class Tickets(Namespace):
    """Support tickets the account opened, and their messages."""

    async def _v4(self) -> bool:
        """Jexactyl v4 names the text ``message``; v3 calls it ``description`` (asks the panel once if the
        client cannot tell yet; when undecided between Pterodactyl and v4, v4, as Pterodactyl has no tickets)."""
        return await self._client.dialect.is_one_of({"jexactyl4"}) is not False

    async def list_tickets(self) -> dict[str, Any]:
        """Lists the account's tickets.

        Returns:
            ``{'object': 'list', 'data': [{'object': 'ticket', 'attributes': {'id': 1, 'staff_email': 'system',
            'title': ..., 'status': 'pending', 'content': ..., 'created_at': ..., 'updated_at': ...}}]}``
            (status ``pending``, ``in-progress``, ``resolved`` or ``unresolved``).

        Raises:
            UnsupportedByPanelError: the panel has no tickets (Pterodactyl, Pelican).

        Example:
            >>> api.client.account.tickets.list_tickets()['data']  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(_TICKETS)
            return result

        return await self._only_on(TICKET_PANELS, "support tickets", call)

    async def get_ticket(self, ticket_id: int) -> dict[str, Any]:
        """Gets one ticket. Jexactyl v3 does not check that the ticket is the account's own.

        Args:
            ticket_id(int): The ticket's id.

        Raises:
            NotFoundError: no such ticket.
            UnsupportedByPanelError: the panel has no tickets.

        Example:
            >>> api.client.account.tickets.get_ticket(1)['attributes']['status']  # doctest: +SKIP
        """
        path = build_path(_TICKET, ticket=ticket_id)

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(path)
            return result

        return await self._only_on(TICKET_PANELS, "support tickets", call)

    async def list_messages(self, ticket_id: int) -> dict[str, Any]:
        """Lists a ticket's messages (Jexactyl v3; like :meth:`get_ticket`, no ownership check).

        Args:
            ticket_id(int): The ticket's id.

        Returns:
            ``{'object': 'list', 'data': [{'object': 'ticket_messages', 'attributes': {'id': 1, 'user_email': ...,
            'content': ..., 'created_at': ..., 'updated_at': ...}}]}``

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3 (v4 has no message list route).

        Example:
            >>> api.client.account.tickets.list_messages(1)['data']  # doctest: +SKIP
        """
        path = build_path(_TICKET + "/messages", ticket=ticket_id)

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(path)
            return result

        return await self._only_on(("jexactyl",), "a ticket message list", call, alternative="get_ticket()")

    async def create_ticket(self, title: str, description: str) -> dict[str, Any]:
        """Opens a ticket (at most the panel's configured number of open tickets per account).

        Args:
            title(str): The ticket's title.
            description(str): The first message.

        Returns:
            ``{'id': 4}`` on Jexactyl v3 (the new ticket's id); the ``ticket`` object on v4.

        Raises:
            BadRequestError: too many open tickets (``You already have 3 tickets open.``).
            UnsupportedByPanelError: the panel has no tickets.

        Example:
            >>> api.client.account.tickets.create_ticket('Down', 'It crashes at boot.')  # doctest: +SKIP
            {'id': 4}
        """
        body = {"title": _text("title", title)}
        text_key = "message" if await self._v4() else "description"
        body[text_key] = _text("description", description)

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._post(_TICKETS, body)
            return result

        return await self._only_on(TICKET_PANELS, "support tickets", call)

    async def send_message(self, ticket_id: int, description: str) -> None:
        """Adds a message to a ticket.

        Args:
            ticket_id(int): The ticket's id.
            description(str): The message.

        Raises:
            NotFoundError: no such ticket.
            UnsupportedByPanelError: the panel has no tickets.

        Example:
            >>> api.client.account.tickets.send_message(4, 'Here are the logs: ...')  # doctest: +SKIP
        """
        path = build_path(_TICKET + "/messages", ticket=ticket_id)
        text_key = "message" if await self._v4() else "description"
        body = {text_key: _text("description", description)}

        async def call() -> None:
            await self._post(path, body)

        await self._only_on(TICKET_PANELS, "support tickets", call)

    async def delete_ticket(self, ticket_id: int) -> None:
        """Closes and deletes a ticket with its messages.

        Args:
            ticket_id(int): The ticket's id.

        Raises:
            NotFoundError: no such ticket.
            UnsupportedByPanelError: the panel has no tickets.

        Example:
            >>> api.client.account.tickets.delete_ticket(4)  # doctest: +SKIP
        """
        path = build_path(_TICKET, ticket=ticket_id)

        async def call() -> None:
            await self._delete(path)

        await self._only_on(TICKET_PANELS, "support tickets", call)
