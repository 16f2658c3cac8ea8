"""Client API: Jexactyl v3's store (``/api/client/store``): credits, resources and self-service servers.

Only Jexactyl v3 has these routes; on another panel each call raises
:class:`~pyjexactyl.exceptions.UnsupportedByPanelError` naming the panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ...exceptions import InvalidArgumentError
from ..base import Namespace

_STORE = "/api/client/store"
JEXACTYL = ("jexactyl",)

STORE_RESOURCES = ("cpu", "memory", "disk", "slots", "ports", "backups", "databases")
StoreResource = Literal["cpu", "memory", "disk", "slots", "ports", "backups", "databases"]


def _positive_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(f"{name} must be a whole number of at least {minimum}")
    return value


def _optional_int(name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(f"{name} must be a whole number or None")
    return value


class Store(Namespace):
    """Jexactyl v3's store: the account's credits and unspent resources, prices, buying resources, earning
    credits, and deploying a server from the resources the account holds."""

    async def get_balance(self) -> dict[str, Any]:
        """Gets the account's credit balance and the resources it holds but has not put into a server.

        Returns:
            ``{'object': 'user', 'attributes': {'balance': 500, 'cpu': 100, 'memory': 2048, 'disk': 4096,
            'slots': 1, 'ports': 1, 'backups': 1, 'databases': 1}}`` (memory and disk in MiB, cpu in percent).

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.store.get_balance()['attributes']['balance']  # doctest: +SKIP
            500
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(_STORE)
            return result

        return await self._only_on(JEXACTYL, "a store", call)

    async def get_costs(self) -> dict[str, Any]:
        """Gets the store's prices in credits: one unit of each resource as :meth:`buy_resource` sells it.

        Returns:
            ``{'object': 'cost', 'attributes': {'cpu': 100, 'memory': 50, 'disk': 25, 'slots': 250, 'ports': 20,
            'backups': 20, 'databases': 20}}``. The values come from the panel's settings table and may be
            strings.

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.store.get_costs()['attributes']['memory']  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(_STORE + "/costs")
            return result

        return await self._only_on(JEXACTYL, "store prices", call)

    async def list_nodes(self) -> dict[str, Any]:
        """Lists the nodes the store may deploy to, with their deployment fee and allocation use.

        Returns:
            ``{'object': 'list', 'data': [{'object': 'node', 'attributes': {'id': 1, 'name': 'Node 01',
            'deploy_fee': 0, 'location': 'eu1', 'total': 151, 'used': 6}}]}``

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> [n['attributes']['name'] for n in api.client.store.list_nodes()['data']]  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(_STORE + "/nodes")
            return result

        return await self._only_on(JEXACTYL, "store nodes", call)

    async def list_nests(self) -> dict[str, Any]:
        """Lists the nests (server families) the store offers (the public ones).

        Returns:
            ``{'object': 'list', 'data': [{'object': 'nest', 'attributes': {'id': 1, 'name': 'Minecraft'}}]}``

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.store.list_nests()['data'][0]['attributes']['name']  # doctest: +SKIP
        """

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(_STORE + "/nests")
            return result

        return await self._only_on(JEXACTYL, "store nests", call)

    async def list_eggs(self, nest_id: int | None = None) -> dict[str, Any]:
        """Lists the eggs (server types) of a public nest.

        Args:
            nest_id(int): The nest; ``None`` lets the panel pick its first public nest.

        Returns:
            ``{'object': 'list', 'data': [{'object': 'egg', 'attributes': {'id': 1, 'name': 'Paper',
            'docker_images': {'Java 17': 'ghcr.io/...'}}}]}``

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.store.list_eggs(1)['data']  # doctest: +SKIP
        """
        body: dict[str, Any] = {}
        if nest_id is not None:
            body["id"] = _positive_int("nest_id", nest_id, 1)

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._post(_STORE + "/eggs", body)
            return result

        return await self._only_on(JEXACTYL, "store eggs", call)

    async def create_server(
        self,
        name: str,
        egg_id: int,
        nest_id: int,
        node_id: int,
        cpu: int,
        memory: int,
        disk: int,
        ports: int = 1,
        backups: int | None = None,
        databases: int | None = None,
        description: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Deploys a server paid with the account's store resources (one slot, the given cpu, memory, disk,
        ports, backups and databases) plus the node's deployment fee in credits.

        The panel requires a verified e-mail address, a public nest and enough of every resource, and keeps
        to the limits an administrator set. The route is throttled (``storefront``: one call per minute per
        user, shared with renewing and deleting a server).

        Args:
            name(str): Server name, 3-191 characters.
            egg_id(int): The egg (see :meth:`list_eggs`).
            nest_id(int): The egg's nest (see :meth:`list_nests`).
            node_id(int): The node (see :meth:`list_nodes`).
            cpu(int): CPU in percent of one core, at least 50.
            memory(int): Memory in MiB, at least 1.
            disk(int): Disk in MiB, at least 1.
            ports(int): Allocations (ports), at least 1.
            backups(int): Backup slots (``None``: none).
            databases(int): Databases (``None``: none).
            description(str): Description, 3-191 characters.
            variables(dict): Egg variable values by name, e.g. ``{'SERVER_JARFILE': 'paper.jar'}``; the others
                get their defaults.

        Returns:
            ``{'id': '1a2b3c4d'}``: the new server's identifier.

        Raises:
            BadRequestError: a store rule refused it, e.g. ``You do not have enough server slots in order to
                deploy a server.``
            RateLimitedError: another store action happened within the minute.
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.store.create_server('Survival', egg_id=1, nest_id=1, node_id=1,  # doctest: +SKIP
            ...                                cpu=100, memory=2048, disk=4096)
            {'id': '1a2b3c4d'}
        """
        if not isinstance(name, str) or not 3 <= len(name.strip()) <= 191:
            raise InvalidArgumentError("name must be a string of 3 to 191 characters")
        body: dict[str, Any] = {
            "name": name,
            "description": description,
            "cpu": _positive_int("cpu", cpu, 50),
            "memory": _positive_int("memory", memory, 1),
            "disk": _positive_int("disk", disk, 1),
            "ports": _positive_int("ports", ports, 1),
            "backups": _optional_int("backups", backups),
            "databases": _optional_int("databases", databases),
            "egg": _positive_int("egg_id", egg_id, 1),
            "nest": _positive_int("nest_id", nest_id, 1),
            "node": _positive_int("node_id", node_id, 1),
        }
        for env_name, value in (variables or {}).items():
            if not isinstance(env_name, str) or not env_name:
                raise InvalidArgumentError("variables must map variable names to values")
            body[f"v1-{egg_id}-{env_name}"] = value

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._post(_STORE + "/create", body)
            return result

        return await self._only_on(JEXACTYL, "deploying servers from a store", call)

    async def buy_resource(self, resource: StoreResource) -> None:
        """Buys one unit of a resource with credits: cpu +50 %, memory or disk +1024 MiB, otherwise +1.

        Args:
            resource(str): One of ``cpu``, ``memory``, ``disk``, ``slots``, ``ports``, ``backups``,
                ``databases``.

        Raises:
            BadRequestError: not enough credits (``You do not have enough credits.``).
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.store.buy_resource('memory')  # doctest: +SKIP
        """
        if resource not in STORE_RESOURCES:
            raise InvalidArgumentError(f"resource must be one of {', '.join(STORE_RESOURCES)}; got {resource!r}")

        async def call() -> None:
            await self._post(_STORE + "/resources", {"resource": resource})

        await self._only_on(JEXACTYL, "buying resources", call)

    async def earn(self) -> None:
        """Earns the panel's passive-earning amount of credits (``earn`` throttle: once per minute).

        Raises:
            BadRequestError: earning is disabled (``Credit earning is currently disabled.``).
            RateLimitedError: called again within the minute.
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.store.earn()  # doctest: +SKIP
        """

        async def call() -> None:
            await self._post(_STORE + "/earn")

        await self._only_on(JEXACTYL, "earning credits", call)

    async def stripe_checkout(self, amount: int) -> str:
        """Starts buying credits through Stripe and returns the checkout page's URL to send the buyer to.

        The panel answers with the bare URL (not JSON); this returns it as a string.

        Args:
            amount(int): Credits to buy.

        Returns:
            The Stripe checkout URL, e.g. ``'https://checkout.stripe.com/c/pay/cs_...'``.

        Raises:
            BadRequestError: Stripe is not enabled on the panel.
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> url = api.client.store.stripe_checkout(500)  # doctest: +SKIP
        """
        return await self._checkout("stripe", amount)

    async def paypal_checkout(self, amount: int) -> str:
        """Starts buying credits through PayPal and returns the approval page's URL to send the buyer to.

        The panel answers with the bare URL (not JSON); this returns it as a string.

        Args:
            amount(int): Credits to buy.

        Returns:
            The PayPal approval URL.

        Raises:
            BadRequestError: PayPal is not enabled on the panel, or PayPal refused the order.
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> url = api.client.store.paypal_checkout(500)  # doctest: +SKIP
        """
        return await self._checkout("paypal", amount)

    async def paypal_callback(self, token: str) -> None:
        """Completes a PayPal purchase (what PayPal's redirect calls): the credits are added and the panel
        redirects the browser to ``/store``; this returns ``None`` without following the redirect.

        Args:
            token(str): The ``token`` query parameter PayPal sent back.

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.store.paypal_callback('5O190127TN364715T')  # doctest: +SKIP
        """
        if not isinstance(token, str) or not token.strip():
            raise InvalidArgumentError("token must be a non-empty string")

        async def call() -> None:
            await self._get(_STORE + "/paypal/callback", {"token": token}, expect="raw")

        await self._only_on(JEXACTYL, "PayPal purchases", call)

    async def _checkout(self, gateway: str, amount: int) -> str:
        amount = _positive_int("amount", amount, 1)

        async def call() -> str:
            raw: bytes = await self._client.request(
                "POST", f"{_STORE}/{gateway}", json={"amount": amount}, expect="raw"
            )
            # The panel sends the URL itself as the body (not a JSON string); a JSON-quoted one is unquoted too.
            return raw.decode("utf-8", "replace").strip().strip('"').replace("\\/", "/")

        return await self._only_on(JEXACTYL, f"{gateway.capitalize()} purchases", call)
