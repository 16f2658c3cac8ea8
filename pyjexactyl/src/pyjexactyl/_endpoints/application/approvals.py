"""Application API: Jexactyl v3's account approvals (``/api/application/approvals``): ``api.approvals``."""

from __future__ import annotations

from typing import Any

from ..base import Namespace, build_path

_APPROVALS = "/api/application/approvals"
JEXACTYL = ("jexactyl",)


class Approvals(Namespace):
    """New accounts waiting for an administrator's approval (when a Jexactyl v3 panel requires it)."""

    async def list_approvals(self) -> dict[str, Any]:
        """Accounts awaiting approval. Jexactyl v3 routes ``GET /approvals`` to a method its controller does
        not have, so the panel answers 500 to every call; this raises
        :class:`~pyjexactyl.exceptions.UnsupportedByPanelError`.

        Raises:
            UnsupportedByPanelError: always on current panels (status 500 on Jexactyl v3, 404 elsewhere).

        Example:
            >>> api.approvals.list_approvals()  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(_APPROVALS)
            return result

        return await self._only_on(
            JEXACTYL,
            "listing approvals",
            call,
            alternative="api.users.list_users()",
            broken="its route names a method that does not exist",
        )

    async def approve(self, user_id: int) -> None:
        """Approves an account: the user gets access to the panel. The panel does not check the key's
        resource permissions here.

        Args:
            user_id(int): Panel user ID.

        Raises:
            ServerError: no such user (Jexactyl answers 500 for an unknown id).
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.approvals.approve(14)  # doctest: +SKIP
        """
        path = build_path(_APPROVALS + "/approve/{user}", user=user_id)

        async def call() -> None:
            await self._post(path)

        await self._only_on(JEXACTYL, "account approvals", call)

    async def deny(self, user_id: int) -> None:
        """Denies (deletes) an account awaiting approval. Jexactyl v3's route names a misspelt controller
        namespace, so the panel answers 500 and nothing is deleted; this raises
        :class:`~pyjexactyl.exceptions.UnsupportedByPanelError` pointing at ``api.users.delete_user()``.

        Args:
            user_id(int): Panel user ID.

        Raises:
            UnsupportedByPanelError: always on current panels.

        Example:
            >>> api.approvals.deny(14)  # doctest: +SKIP
        """
        path = build_path(_APPROVALS + "/deny/{user}", user=user_id)

        async def call() -> None:
            await self._post(path)

        await self._only_on(
            JEXACTYL,
            "denying approvals",
            call,
            alternative="api.users.delete_user(user_id)",
            broken="its route names a controller namespace that does not exist",
        )
