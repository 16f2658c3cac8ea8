"""Client API: the key owner's account (``/api/client/account``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..._dialect import flavors_of_account, route_missing
from ...exceptions import InvalidArgumentError, JexactylApiError
from ...responses import AsyncPaginatedResponse
from ..base import Includes, Params, build_path, build_query
from .account_extras import AccountExtras
from .referrals import Referrals
from .tickets import Tickets

if TYPE_CHECKING:
    from ..._client import AsyncJexactyl

_ACCOUNT = "/api/client/account"
TWO_FACTOR_PANELS = ("pterodactyl", "jexactyl", "jexactyl4")


def _text(name: str, value: object) -> str:
    """Returns ``value`` if it is a non-blank string, else raises :class:`InvalidArgumentError`."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{name} must be a non-empty string")
    return value


class Account(AccountExtras):
    """The account the API key belongs to: details, e-mail, password, 2FA, API keys, SSH keys, activity;
    on Jexactyl v3 also ``referrals``, ``tickets``, coupons, username and e-mail verification."""

    def __init__(self, client: AsyncJexactyl) -> None:
        super().__init__(client)
        self.referrals = Referrals(client)
        self.tickets = Tickets(client)

    async def get_account(self) -> dict[str, Any]:
        """Gets the account's details.

        Returns:
            ``{'object': 'user', 'attributes': {'id': 1, 'admin': False, 'username': ..., 'email': ...,
            'first_name': ..., 'last_name': ..., 'language': 'en'}}``. Jexactyl v4 leaves out the names;
            Pelican sends ``uuid``, ``username``, ``email``, ``language``, ``image``, ``admin``,
            ``root_admin``, ``2fa_enabled``, ``created_at`` and ``updated_at`` (no ``id``). The client also
            learns the panel's kind from it (see ``api.panel_info()``).

        Example:
            >>> api.client.account.get_account()['attributes']['username']  # doctest: +SKIP
            'steve'
        """
        result: dict[str, Any] = await self._get(_ACCOUNT)
        attributes = result.get("attributes") if isinstance(result, dict) else None
        if isinstance(attributes, dict):
            self._client.dialect.observe(flavors_of_account(attributes), "GET /api/client/account: its fields")
        return result

    async def get_2fa_setup_code(self) -> dict[str, Any]:
        """Gets a new TOTP secret to set up two-factor authentication with.

        Returns:
            ``{'data': {'image_url_data': 'otpauth://totp/...', 'secret': '<base32>'}}``

        Raises:
            BadRequestError: two-factor authentication is already enabled.
            UnsupportedByPanelError: the panel manages two-factor authentication outside the API (Pelican).

        Example:
            >>> api.client.account.get_2fa_setup_code()['data']['secret']  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(_ACCOUNT + "/two-factor")
            return result

        return await self._only_on(TWO_FACTOR_PANELS, "two-factor authentication through the API", call)

    async def enable_2fa(self, code: str | int, password: str) -> dict[str, Any]:
        """Enables two-factor authentication with a code from the authenticator app.

        Args:
            code(str): The current 6-digit TOTP code (from the secret of :meth:`get_2fa_setup_code`).
            password(str): The account's current password.

        Returns:
            ``{'object': 'recovery_tokens', 'attributes': {'tokens': [... 10 recovery codes ...]}}``

        Raises:
            InvalidArgumentError: ``code`` is not 6 characters, or ``password`` is empty.
            BadRequestError: wrong password or code (``TwoFactorAuthenticationTokenInvalid``).
            UnsupportedByPanelError: the panel manages two-factor authentication outside the API (Pelican).

        Example:
            >>> api.client.account.enable_2fa('123456', 'hunter22')['attributes']['tokens']  # doctest: +SKIP
        """
        if isinstance(code, bool) or not isinstance(code, (str, int)):
            raise InvalidArgumentError("code must be the 6-digit code as a string")
        code = str(code).strip()
        if len(code) != 6:
            raise InvalidArgumentError(f"code must be 6 characters long; got {len(code)}")
        body = {"code": code, "password": _text("password", password)}

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._post(_ACCOUNT + "/two-factor", body)
            return result

        return await self._only_on(TWO_FACTOR_PANELS, "two-factor authentication through the API", call)

    async def disable_2fa(self, password: str) -> None:
        """Disables two-factor authentication; the panel checks the account's password.

        Uses ``POST /account/two-factor/disable`` (Pterodactyl 1.11.8+, Jexactyl develop) and
        ``DELETE /account/two-factor`` with the password in the body where that is the route (older
        Pterodactyl and Jexactyl v3 releases, Jexactyl v4): directly when the client knows the panel, else
        after a "route not found" answer.

        Args:
            password(str): The account's current password.

        Raises:
            BadRequestError: the password is wrong (``The password provided was not valid.``).
            UnsupportedByPanelError: the panel manages two-factor authentication outside the API (Pelican).

        Example:
            >>> api.client.account.disable_2fa('hunter22')  # doctest: +SKIP
        """
        body = {"password": _text("password", password)}

        async def call() -> None:
            if self._client.dialect.known({"jexactyl4"}) is True:
                await self._delete(_ACCOUNT + "/two-factor", body)
                return
            try:
                await self._post(_ACCOUNT + "/two-factor/disable", body)
            except JexactylApiError as exc:
                if exc.status not in (404, 405):
                    raise
                await self._delete(_ACCOUNT + "/two-factor", body)

        await self._only_on(TWO_FACTOR_PANELS, "two-factor authentication through the API", call)

    async def update_email(self, email: str, password: str) -> None:
        """Changes the account's e-mail address (the panel checks the current password first).

        Args:
            email(str): The new e-mail address (must not be used by another account).
            password(str): The account's current password.

        Raises:
            BadRequestError: the password is wrong (``InvalidPasswordProvidedException``).
            ValidationError: the address is invalid or taken.

        Example:
            >>> api.client.account.update_email('steve@example.com', 'hunter22')  # doctest: +SKIP
        """
        body = {"email": _text("email", email), "password": _text("password", password)}
        await self._put(_ACCOUNT + "/email", body)

    async def update_password(self, current_password: str, new_password: str, new_password_confirm: str) -> None:
        """Changes the account's password (at least 8 characters). Other sessions are logged out.

        Args:
            current_password(str): The account's current password.
            new_password(str): The new password.
            new_password_confirm(str): The new password again; must match ``new_password``.

        Raises:
            InvalidArgumentError: the confirmation does not match (checked before any request).
            BadRequestError: the current password is wrong.
            ValidationError: the new password is too short.

        Example:
            >>> api.client.account.update_password('hunter22', 'correct horse', 'correct horse')  # doctest: +SKIP
        """
        _text("current_password", current_password)
        _text("new_password", new_password)
        if new_password_confirm != new_password:
            raise InvalidArgumentError("new_password_confirm does not match new_password")
        body = {
            "current_password": current_password,
            "password": new_password,
            "password_confirmation": new_password_confirm,
        }
        await self._put(_ACCOUNT + "/password", body)

    async def api_key_list(self) -> dict[str, Any]:
        """Lists the account's client API keys (the secrets are never shown again).

        Returns:
            ``{'object': 'list', 'data': [{'object': 'api_key', 'attributes': {'identifier': ...,
            'description': ..., 'allowed_ips': [...], 'last_used_at': ..., 'created_at': ...}}]}``

        Example:
            >>> api.client.account.api_key_list()['data']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(_ACCOUNT + "/api-keys")
        return result

    async def api_key_create(self, description: str, allowed_ips: Iterable[str] | str | None = None) -> dict[str, Any]:
        """Creates a client API key (at most 25 per account).

        Args:
            description(str): What the key is for (required by the panel, at most 500 characters).
            allowed_ips(list): IPs or CIDR ranges the key may be used from (at most 50); empty or ``None``
                allows any address.

        Returns:
            The ``api_key`` object with ``meta.secret_token``: the 32-character secret. The bearer token is
            ``attributes.identifier + meta.secret_token``; it is shown only once.

        Raises:
            InvalidArgumentError: ``description`` is missing or blank.
            BadRequestError: the account already has 25 keys.

        Example:
            >>> key = api.client.account.api_key_create('backup script', ['10.0.0.0/8'])  # doctest: +SKIP
            >>> token = key['attributes']['identifier'] + key['meta']['secret_token']  # doctest: +SKIP
        """
        description = _text("description", description)
        if allowed_ips is None:
            ips: list[str] = []
        elif isinstance(allowed_ips, str):
            ips = [allowed_ips]
        else:
            ips = list(allowed_ips)
        if not all(isinstance(ip, str) and ip.strip() for ip in ips):
            raise InvalidArgumentError("allowed_ips must be a list of IP addresses or CIDR ranges (strings)")
        body = {"description": description, "allowed_ips": ips}
        result: dict[str, Any] = await self._post(_ACCOUNT + "/api-keys", body)
        return result

    async def api_key_delete(self, identifier: str) -> None:
        """Deletes (revokes) one of the account's API keys.

        Args:
            identifier(str): The key's 16-character identifier (``ptlc_...``), as listed by
                :meth:`api_key_list`.

        Raises:
            NotFoundError: no such key on this account.

        Example:
            >>> api.client.account.api_key_delete('ptlc_AbCdEfGhIjK')  # doctest: +SKIP
        """
        await self._delete(build_path(_ACCOUNT + "/api-keys/{identifier}", identifier=identifier))

    async def list_activity(self, includes: Includes = None, params: Params = None) -> AsyncPaginatedResponse:
        """Lists the account's activity log, newest first (paginated; 25 per page on Pterodactyl, 5 on
        Jexactyl v3; 100 at most).

        Args:
            includes(list|tuple): ``actor``.
            params(dict): e.g. ``{'filter[event]': 'auth:', 'sort': '-timestamp', 'per_page': 50}``.

        Example:
            >>> api.client.account.list_activity(params={'per_page': 100}).collect()  # doctest: +SKIP
        """
        return await self._paginate(_ACCOUNT + "/activity", build_query(includes, params))

    async def list_ssh_keys(self) -> dict[str, Any]:
        """Lists the SSH public keys the account can use for SFTP.

        Returns:
            ``{'object': 'list', 'data': [{'object': 'ssh_key', 'attributes': {'name': ...,
            'fingerprint': 'T2b3VnvHWUmfhDOFLqzZg2VfLgqJhWxzrMUy8WZ+V8M', 'public_key': '-----BEGIN PUBLIC KEY-----...',
            'created_at': ...}}]}``. The fingerprint is the key's base64 SHA-256 without padding and without a
            ``SHA256:`` prefix (unlike ``ssh-keygen -l``); the key comes back as PKCS#8 PEM.

        Example:
            >>> api.client.account.list_ssh_keys()['data']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(_ACCOUNT + "/ssh-keys")
        return result

    async def create_ssh_key(self, name: str, public_key: str) -> dict[str, Any]:
        """Adds an SSH public key to the account (RSA of at least 2048 bits, ECDSA or Ed25519; not DSA).

        Args:
            name(str): A label for the key.
            public_key(str): The public key: an OpenSSH line (the contents of ``~/.ssh/id_ed25519.pub``) or
                a PKCS#8 ``-----BEGIN PUBLIC KEY-----`` PEM block.

        Returns:
            The ``ssh_key`` object, with its ``fingerprint``.

        Raises:
            ValidationError: the key is invalid, too weak, or already on the account.

        Example:
            >>> api.client.account.create_ssh_key('laptop', open('id_ed25519.pub').read())  # doctest: +SKIP
        """
        body = {"name": _text("name", name), "public_key": _text("public_key", public_key)}
        result: dict[str, Any] = await self._post(_ACCOUNT + "/ssh-keys", body)
        return result

    async def delete_ssh_key(self, fingerprint: str) -> None:
        """Removes an SSH key from the account.

        Pterodactyl and Jexactyl take ``POST /account/ssh-keys/remove`` and answer 204 even when no key
        matched; Pelican takes ``DELETE /account/ssh-keys/{fingerprint}`` and answers 404 for an unknown key.
        The client sends Pelican's route when it knows the panel is Pelican, and otherwise switches to it when
        the first route is not found.

        Args:
            fingerprint(str): The key's fingerprint exactly as :meth:`list_ssh_keys` lists it (bare base64
                SHA-256, no ``SHA256:`` prefix).

        Raises:
            NotFoundError: no such key (Pelican only).
            UnsupportedByPanelError: Pelican, and the fingerprint contains ``/``: its route cannot match such a
                value (Laravel decodes ``%2F`` before routing); remove the key in the panel instead.

        Example:
            >>> api.client.account.delete_ssh_key('T2b3VnvHWUmfhDOFLqzZg2VfLgqJhWxzrMUy8WZ+V8M')  # doctest: +SKIP
        """
        fingerprint = _text("fingerprint", fingerprint)
        dialect = self._client.dialect
        if dialect.known({"pelican"}) is not True:
            try:
                await self._post(_ACCOUNT + "/ssh-keys/remove", {"fingerprint": fingerprint})
                return
            except JexactylApiError as exc:
                if not route_missing(exc):
                    raise
                dialect.observe({"pelican"}, f"{exc.method} {exc.path}: no such route")
        if "/" in fingerprint:
            raise self._unsupported(
                "deleting an SSH key whose fingerprint contains '/' through the API",
                "the panel's web interface",
            )
        await self._delete(build_path(_ACCOUNT + "/ssh-keys/{fingerprint}", fingerprint=fingerprint))
