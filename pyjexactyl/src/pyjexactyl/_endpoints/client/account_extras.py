"""Client API: account routes only some panels have (Jexactyl v3's coupons, e-mail verification, logs and
Discord link; the username change of Jexactyl v3 and Pelican). :class:`~.account.Account` inherits them."""

from __future__ import annotations

from typing import Any

from ...exceptions import InvalidArgumentError
from ..base import Namespace

_ACCOUNT = "/api/client/account"
JEXACTYL = ("jexactyl",)


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{name} must be a non-empty string")
    return value


class AccountExtras(Namespace):
    """Account calls beyond Pterodactyl's: coupons, username, e-mail verification, latest activity, the
    broken account log, and the Discord link (Jexactyl v3); the username also on Pelican."""

    async def use_coupon(self, code: str) -> None:
        """Redeems a store coupon: its credits are added to the account's balance.

        Args:
            code(str): The coupon code.

        Raises:
            BadRequestError: ``Invalid coupon code specified.``, ``This coupon has expired.`` or ``This coupon
                has no uses left.``
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.account.use_coupon('WELCOME')  # doctest: +SKIP
        """
        body = {"code": _text("code", code)}

        async def call() -> None:
            await self._post(_ACCOUNT + "/coupon", body)

        await self._only_on(JEXACTYL, "store coupons", call)

    async def update_username(self, username: str, password: str) -> None:
        """Changes the account's username (the panel checks the current password first).

        Args:
            username(str): The new username (the panel's username rules; must not be taken).
            password(str): The account's current password.

        Raises:
            BadRequestError: the password is wrong (``InvalidPasswordProvidedException``).
            ValidationError: the username is invalid or taken.
            UnsupportedByPanelError: the panel has no username route (Pterodactyl, Jexactyl v4).

        Example:
            >>> api.client.account.update_username('steve2', 'hunter22')  # doctest: +SKIP
        """
        body = {"username": _text("username", username), "password": _text("password", password)}

        async def call() -> None:
            await self._put(_ACCOUNT + "/username", body)

        await self._only_on(("jexactyl", "pelican"), "changing the username", call)

    async def verify_email(self) -> dict[str, Any]:
        """Asks the panel to send the account an e-mail verification link (a verified address is needed to
        deploy servers from the store).

        Returns:
            ``{'success': True, 'data': []}``

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.account.verify_email()  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._post(_ACCOUNT + "/verify")
            return result

        return await self._only_on(JEXACTYL, "e-mail verification", call)

    async def get_latest_activity(self) -> dict[str, Any]:
        """Gets the account's newest activity-log entry.

        Returns:
            ``{'object': 'activity_log', 'attributes': {'id': ..., 'event': 'auth:success', ...}}``

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3 (use ``list_activity(params={'per_page': 1})``).

        Example:
            >>> api.client.account.get_latest_activity()['attributes']['event']  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(_ACCOUNT + "/activity/latest")
            return result

        return await self._only_on(
            JEXACTYL, "a latest-activity route", call, alternative="list_activity(params={'per_page': 1})"
        )

    async def get_logs(self) -> dict[str, Any]:
        """The account log of early Jexactyl v3 releases. Jexactyl still routes ``GET /account/logs`` but its
        controller was removed after v3.0.0, so the panel answers 500 to every call; this raises
        :class:`~pyjexactyl.exceptions.UnsupportedByPanelError` pointing at :meth:`list_activity`.

        Raises:
            UnsupportedByPanelError: always on current panels (status 500 on Jexactyl v3, 404 elsewhere).

        Example:
            >>> api.client.account.get_logs()  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(_ACCOUNT + "/logs")
            return result

        return await self._only_on(
            JEXACTYL,
            "an account log",
            call,
            alternative="list_activity()",
            broken="its route answers 500: the controller no longer exists",
        )

    async def clear_logs(self) -> None:
        """Clears the account log of early Jexactyl v3 releases (``DELETE /account/logs``); like
        :meth:`get_logs`, the panel answers 500 to every call, reported as
        :class:`~pyjexactyl.exceptions.UnsupportedByPanelError`.

        Raises:
            UnsupportedByPanelError: always on current panels.

        Example:
            >>> api.client.account.clear_logs()  # doctest: +SKIP
        """

        async def call() -> None:
            await self._delete(_ACCOUNT + "/logs")

        await self._only_on(
            JEXACTYL,
            "an account log",
            call,
            alternative="list_activity()",
            broken="its route answers 500: the controller no longer exists",
        )

    async def get_discord_link(self) -> str:
        """Gets the Discord OAuth URL that links a Discord account to this panel account.

        Returns:
            The URL (``https://discord.com/api/oauth2/authorize?...``); the panel sends it as a one-element
            JSON array.

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.account.get_discord_link()  # doctest: +SKIP
            'https://discord.com/api/oauth2/authorize?client_id=...'
        """

        async def call() -> str:
            result: Any = await self._get(_ACCOUNT + "/discord")
            return str(result[0]) if isinstance(result, list) and result else str(result)

        return await self._only_on(JEXACTYL, "Discord account linking", call)

    async def discord_callback(self, code: str) -> None:
        """Completes the Discord link (what Discord's OAuth redirect calls). The panel stores the Discord id
        and redirects the browser to ``/account``; this returns ``None`` without following the redirect.

        Args:
            code(str): The ``code`` query parameter Discord sent back.

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.account.discord_callback('NhhvTDYsFcdgNLnnLijcl7Ku7bEEeee')  # doctest: +SKIP
        """
        query = {"code": _text("code", code)}

        async def call() -> None:
            await self._get(_ACCOUNT + "/discord/callback", query, expect="raw")

        await self._only_on(JEXACTYL, "Discord account linking", call)

    async def unlink_discord(self) -> None:
        """Removes the Discord account linked to this panel account.

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.account.unlink_discord()  # doctest: +SKIP
        """

        async def call() -> None:
            await self._post(_ACCOUNT + "/discord/unlink")

        await self._only_on(JEXACTYL, "Discord account linking", call)
