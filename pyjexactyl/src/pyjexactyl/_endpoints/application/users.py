"""Application API: panel users (``/api/application/users``); ``api.user`` and ``api.users``."""

from __future__ import annotations

from typing import Any

from ..._dialect import flavors_of_application_user
from ...exceptions import InvalidArgumentError
from ...responses import AsyncPaginatedResponse
from ..base import Includes, Params, build_path, build_query
from .user_resources import UserResources
from .user_roles import UserRoles

_USERS = "/api/application/users"
_USER = "/api/application/users/{user}"
_EXTERNAL = "/api/application/users/external/{external_id}"

#: The fields the panel requires (or keeps) on every user update, in the order it declares them.
USER_FIELDS = ("external_id", "email", "username", "first_name", "last_name", "language", "root_admin")
#: Keys :meth:`Users.edit_user` accepts besides :data:`USER_FIELDS`.
EXTRA_USER_CHANGES = ("password", "discord_id")


def _one_of(user_id: int | str | None, external_id: str | None) -> None:
    if user_id is None and external_id is None:
        raise InvalidArgumentError("give either user_id or external_id")
    if user_id is not None and external_id is not None:
        raise InvalidArgumentError("give either user_id or external_id, not both")


class Users(UserResources, UserRoles):
    """Panel accounts: list, look up, create, edit and delete users (and, on Jexactyl v3, their store
    resources; on Pelican, their roles)."""

    async def list_users(
        self,
        email: str | None = None,
        uuid: str | None = None,
        username: str | None = None,
        external_id: str | None = None,
        includes: Includes = None,
        params: Params = None,
    ) -> AsyncPaginatedResponse:
        """Lists users (paginated, 50 per page by default). Filters match partially; when several are
        given a user must match all of them.

        Args:
            email(str): Filter by e-mail (``filter[email]``).
            uuid(str): Filter by UUID (``filter[uuid]``).
            username(str): Filter by username (``filter[username]``).
            external_id(str): Filter by external ID (``filter[external_id]``).
            includes(list|tuple): Relationships to add: ``servers``.
            params(dict): Extra query parameters, e.g. ``{'per_page': 9001}``, ``{'sort': '-id'}``.

        Example:
            >>> api.users.list_users(email='@example.com', params={'per_page': 9001})  # doctest: +SKIP
        """
        filters = {
            "filter[email]": email,
            "filter[uuid]": uuid,
            "filter[username]": username,
            "filter[external_id]": external_id,
        }
        return await self._paginate(_USERS, build_query(includes, params, **filters))

    async def get_user_info(
        self,
        user_id: int | str | None = None,
        external_id: str | None = None,
        detail: bool = True,
        includes: Includes = None,
        params: Params = None,
    ) -> dict[str, Any]:
        """Gets one user by panel ID or by external ID.

        Args:
            user_id(int): Panel user ID.
            external_id(str): The user's ID in another system (e.g. WHMCS).
            detail(bool): Return the whole envelope (the default) instead of only the ``attributes``.
            includes(list|tuple): Relationships to add: ``servers``.
            params(dict): Extra query parameters.

        Returns:
            ``{'object': 'user', 'attributes': {'id': 14, 'external_id': None, 'uuid': ..., 'username': ...,
            'email': ..., 'first_name': ..., 'last_name': ..., 'language': 'en', 'root_admin': False,
            '2fa': False, 'created_at': ..., 'updated_at': ...}}``

        Raises:
            InvalidArgumentError: neither or both of ``user_id`` and ``external_id`` given.

        Example:
            >>> api.user.get_user_info(14)  # doctest: +SKIP
            {'object': 'user', 'attributes': {'id': 14, 'external_id': None, ...}}
        """
        _one_of(user_id, external_id)
        if user_id is not None:
            path = build_path(_USER, user=user_id)
        else:
            path = build_path(_EXTERNAL, external_id=external_id)
        response: dict[str, Any] = await self._get(path, build_query(includes, params))
        return response if detail else response["attributes"]

    async def create_user(
        self,
        username: str,
        email: str,
        first_name: str,
        last_name: str,
        external_id: str | None = None,
        password: str | None = None,
        root_admin: bool = False,
        language: str = "en",
    ) -> dict[str, Any]:
        """Creates a user.

        Args:
            username(str): Unique username.
            email(str): Unique e-mail address.
            first_name(str): First name.
            last_name(str): Last name.
            external_id(str): The user's ID in another system (e.g. WHMCS), unique.
            password(str): Password; when omitted the panel picks a random one and e-mails the user a
                link to set theirs.
            root_admin(bool): Make the user a panel administrator.
            language(str): Interface language, e.g. ``'en'``.

        Returns:
            The new ``user`` envelope (``result['attributes']['id']`` is the new ID); ``meta.resource``
            holds its URL.

        Jexactyl v4 and Pelican keep no first and last name: they ignore them. Pelican makes administrators
        with roles, so ``root_admin=True`` is refused there (assign the root admin role with
        ``api.users.assign_roles`` instead); to tell, the client asks the panel once, only in that case.

        Raises:
            ValidationError: a field is missing or invalid, or the username / e-mail is taken.
            UnsupportedByPanelError: ``root_admin=True`` on Pelican.

        Example:
            >>> result = api.user.create_user('test_user', 'test@gmail.com', 'Test', 'Name')  # doctest: +SKIP
            >>> user_id = result['attributes']['id']  # doctest: +SKIP
        """
        body: dict[str, Any] = {
            "email": email,
            "username": username,
            "first_name": first_name,
            "last_name": last_name,
            "language": language,
            "root_admin": bool(root_admin),
        }
        if external_id is not None:
            body["external_id"] = external_id
        if password is not None:
            body["password"] = password
        if root_admin and await self._client.dialect.is_one_of({"pelican"}, api="application"):
            raise self._unsupported("making a root admin with root_admin=True", "api.users.assign_roles()")
        result: dict[str, Any] = await self._post(_USERS, body)
        return result

    async def edit_user(self, user_id: int | str, **changes: Any) -> dict[str, Any]:
        """Changes some of a user's fields. The panel requires the whole user on every update, so the
        current user is fetched and sent back with ``changes`` applied (the password only when given).

        Args:
            user_id(int): Panel user ID.
            **changes: Any of ``username``, ``email``, ``first_name``, ``last_name``, ``language``,
                ``root_admin``, ``external_id``, ``password``; ``discord_id`` (Jexactyl).

        Returns:
            The updated ``user`` envelope.

        Raises:
            InvalidArgumentError: no change or an unknown key (nothing is sent).

        Example:
            >>> api.user.edit_user(14, email='new@example.com', root_admin=True)  # doctest: +SKIP
        """
        unknown = sorted(set(changes) - set(USER_FIELDS) - set(EXTRA_USER_CHANGES))
        if unknown:
            raise InvalidArgumentError(
                f"edit_user got unknown field(s) {', '.join(unknown)}; known: {', '.join(USER_FIELDS)}, "
                f"{', '.join(EXTRA_USER_CHANGES)}"
            )
        if not changes:
            raise InvalidArgumentError("edit_user needs at least one change")
        path = build_path(_USER, user=user_id)
        current: dict[str, Any] = (await self._get(path))["attributes"]
        dialect = self._client.dialect
        dialect.observe(flavors_of_application_user(current), f"GET {path}: the user's fields")
        if dialect.known({"pelican"}) and "root_admin" in changes:
            raise self._unsupported("changing root_admin", "api.users.assign_roles() / remove_roles()")
        if dialect.known({"pelican", "jexactyl4"}) and {"first_name", "last_name"} & set(changes):
            raise self._unsupported("first and last names")
        body: dict[str, Any] = {key: current.get(key) for key in USER_FIELDS}
        body["root_admin"] = bool(body["root_admin"])
        body.update(changes)
        if body.get("password") is None:
            body.pop("password", None)
        result: dict[str, Any] = await self._patch(path, body)
        return result

    async def delete_user(self, user_id: int | str | None = None, external_id: str | None = None) -> None:
        """Deletes a user, by panel ID or external ID. The user must own no servers. This cannot be undone.

        Args:
            user_id(int): Panel user ID.
            external_id(str): The user's ID in another system; it is looked up first.

        Raises:
            InvalidArgumentError: neither or both of ``user_id`` and ``external_id`` given.
            BadRequestError: the user still owns servers.

        Example:
            >>> api.user.delete_user(user_id=14)  # doctest: +SKIP
        """
        _one_of(user_id, external_id)
        if user_id is None:
            found = await self._get(build_path(_EXTERNAL, external_id=external_id))
            user_id = found["attributes"]["id"]
        await self._delete(build_path(_USER, user=user_id))
