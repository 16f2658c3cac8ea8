"""Client API: Jexactyl v3's referral codes (``/api/client/account/referrals``)."""

from __future__ import annotations

from typing import Any

from ...exceptions import InvalidArgumentError
from ..base import Namespace, build_path

_REFERRALS = "/api/client/account/referrals"
JEXACTYL = ("jexactyl",)


class Referrals(Namespace):
    """Referral codes: up to five per account; using someone's code credits both accounts."""

    async def list_codes(self) -> dict[str, Any]:
        """Lists the account's referral codes.

        Returns:
            ``{'object': 'list', 'data': [{'object': 'referral_code', 'attributes': {'code': 'AB12CD34EF56GH78',
            'created_at': ...}}]}``

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> [c['attributes']['code'] for c in api.client.account.referrals.list_codes()['data']]  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(_REFERRALS)
            return result

        return await self._only_on(JEXACTYL, "referral codes", call)

    async def list_activity(self) -> dict[str, Any]:
        """Lists who used the account's referral codes.

        Returns:
            ``{'object': 'list', 'data': [{'object': 'referral_uses', 'attributes': {'code': ..., 'user_id': 7,
            'created_at': ..., 'user_email': 'bob@example.com'}}]}``

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.account.referrals.list_activity()['data']  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(_REFERRALS + "/activity")
            return result

        return await self._only_on(JEXACTYL, "referral codes", call)

    async def create_code(self) -> dict[str, Any]:
        """Creates a new 16-character referral code (at most five per account).

        Returns:
            ``{'object': 'referral_code', 'attributes': {'code': 'AB12CD34EF56GH78', 'created_at': ...}}``

        Raises:
            BadRequestError: the account already has five codes.
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.account.referrals.create_code()['attributes']['code']  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._post(_REFERRALS)
            return result

        return await self._only_on(JEXACTYL, "referral codes", call)

    async def use_code(self, code: str) -> None:
        """Uses another account's referral code: both accounts get the panel's referral reward in credits.
        An account can use one code, once.

        Args:
            code(str): The referral code.

        Raises:
            BadRequestError: the account already used a code, or the code is its own.
            ServerError: the code does not exist (Jexactyl answers 500 for an unknown code).
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.account.referrals.use_code('AB12CD34EF56GH78')  # doctest: +SKIP
        """
        if not isinstance(code, str) or not code.strip():
            raise InvalidArgumentError("code must be a non-empty string")

        async def call() -> None:
            await self._put(_REFERRALS + "/use-code", {"code": code})

        await self._only_on(JEXACTYL, "referral codes", call)

    async def delete_code(self, code: str) -> None:
        """Deletes one of the account's referral codes.

        Args:
            code(str): The referral code.

        Raises:
            NotFoundError: the account has no such code.
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.account.referrals.delete_code('AB12CD34EF56GH78')  # doctest: +SKIP
        """
        path = build_path(_REFERRALS + "/{code}", code=code)

        async def call() -> None:
            await self._delete(path)

        await self._only_on(JEXACTYL, "referral codes", call)
