"""Jexactyl v3's store (§9.2 of the contract: balances, costs, self-service servers, buying and earning
resources, checkout) and the behaviour it shares with the server extras (refunds, the daily renewal job). The
server extras are in ``_jexactyl_server_extras``, the application extras in ``_jexactyl_admin``. Served by
``FakePanel(flavor="jexactyl")`` only.

Throttles (§5.2): ``storefront`` (1 per minute per user) is one window shared by ``store/create``,
``servers/{s}/renew`` and ``servers/{s}/delete``; ``earn`` is 1 per minute; ``server-edit`` 5 per minute.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._envelope import GENERIC_500, PanelError, display_error, item, list_of
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import FakeServer
from ._store import PanelStore
from ._wings import finish_install, power

__all__ = ["CLIENT_ROUTES", "refund_resources", "run_renewals"]

client = RouteTable("client", "/api/client")

STOREFRONT = (1, 60.0)
EARN = (1, 60.0)

#: resource -> (units one purchase adds, settings cost key)
_PURCHASES = {
    "cpu": (50, "cpu"),
    "memory": (1024, "memory"),
    "disk": (1024, "disk"),
    "slots": (1, "slot"),
    "ports": (1, "port"),
    "backups": (1, "backup"),
    "databases": (1, "database"),
}


def _int_or_zero(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# ======================================================================================= store
@client.route("GET", "/store")
def store_user(ctx: Ctx) -> web.StreamResponse:
    """``GET /store``: the user's credits and unspent resources."""
    account = ctx.user.store
    return json_response(
        item(
            "user",
            {
                "balance": account.balance,
                "cpu": account.cpu,
                "memory": account.memory,
                "disk": account.disk,
                "slots": account.slots,
                "ports": account.ports,
                "backups": account.backups,
                "databases": account.databases,
            },
        )
    )


@client.route("GET", "/store/costs")
def store_costs(ctx: Ctx) -> web.StreamResponse:
    """``GET /store/costs``."""
    costs = ctx.store.jexactyl.settings.costs
    keys = (
        ("cpu", "cpu"),
        ("memory", "memory"),
        ("disk", "disk"),
        ("slots", "slot"),
        ("ports", "port"),
        ("backups", "backup"),
        ("databases", "database"),
    )
    return json_response(item("cost", {name: costs.get(key, 0) for name, key in keys}))


@client.route("GET", "/store/nodes")
def store_nodes(ctx: Ctx) -> web.StreamResponse:
    """``GET /store/nodes``: deployable nodes with allocation counts."""
    store = ctx.store
    rows = []
    for node in store.nodes.values():
        if not node.deployable:
            continue
        allocations = [a for a in store.allocations.values() if a.node_id == node.id]
        location = store.locations.get(node.location_id)
        rows.append(
            item(
                "node",
                {
                    "id": node.id,
                    "name": node.name,
                    "deploy_fee": node.deploy_fee,
                    "location": location.short if location else None,
                    "total": len(allocations),
                    "used": sum(1 for a in allocations if a.server_id is not None),
                },
            )
        )
    return json_response(list_of(rows))


@client.route("GET", "/store/nests")
def store_nests(ctx: Ctx) -> web.StreamResponse:
    """``GET /store/nests``: public nests."""
    nests = [n for n in ctx.store.nests.values() if not n.private]
    return json_response(list_of(item("nest", {"id": n.id, "name": n.name}) for n in nests))


@client.route("POST", "/store/eggs")
def store_eggs(ctx: Ctx) -> web.StreamResponse:
    """``POST /store/eggs``: eggs of a public nest (``id``, default the first public nest)."""
    store = ctx.store
    public = [n for n in store.nests.values() if not n.private]
    wanted = ctx.field("id")
    nest = next((n for n in public if str(n.id) == str(wanted)), None) if wanted is not None else None
    if nest is None:
        if wanted is not None or not public:
            raise PanelError(500, "ErrorException", GENERIC_500)  # ->first()->eggs on null
        nest = public[0]
    eggs = [e for e in store.eggs.values() if e.nest_id == nest.id]
    return json_response(
        list_of(item("egg", {"id": e.id, "name": e.name, "docker_images": dict(e.docker_images)}) for e in eggs)
    )


@client.route("POST", "/store/create", throttle=STOREFRONT, throttle_bucket="storefront")
def store_create(ctx: Ctx) -> web.StreamResponse:
    """``POST /store/create``: a server paid with store resources (``{"id": "<uuidShort>"}``)."""
    ctx.validate(
        [
            ("name", "required|string|min:3|max:191"),
            ("description", "nullable|string|min:3|max:191"),
            ("cpu", "required|int|min:50"),
            ("memory", "required|numeric|min:1"),
            ("disk", "required|numeric|min:1"),
            ("ports", "required|int|min:1"),
            ("backups", "nullable|int"),
            ("databases", "nullable|int"),
            ("egg", "required|int|min:1"),
            ("nest", "required|int|min:1"),
            ("node", "required|int|min:1"),
        ]
    )
    store, user, settings = ctx.store, ctx.user, ctx.store.jexactyl.settings
    node = store.nodes.get(int(ctx.field("node")))
    nest = store.nests.get(int(ctx.field("nest")))
    egg = store.eggs.get(int(ctx.field("egg")))
    if node is None or nest is None or egg is None:
        raise PanelError(500, "ErrorException", GENERIC_500)  # Node::find(...)->deploy_fee on null
    if not user.verified:
        raise display_error("DisplayException", "Server deployment is unavailable for unverified accounts.")
    if nest.private:
        raise display_error("DisplayException", "This nest is private and cannot be deployed to.")
    if user.store.slots < 1:
        raise display_error("DisplayException", "You do not have enough server slots in order to deploy a server.")
    wanted = {
        "cpu": _int_or_zero(ctx.field("cpu")),
        "memory": _int_or_zero(ctx.field("memory")),
        "disk": _int_or_zero(ctx.field("disk")),
        "ports": _int_or_zero(ctx.field("ports")),
        "backups": _int_or_zero(ctx.field("backups")),
        "databases": _int_or_zero(ctx.field("databases")),
    }
    for kind, amount in wanted.items():  # StoreVerificationService::checkUserResources
        held = getattr(user.store, kind)
        if held < amount:
            raise display_error("DisplayException", f"You only have{held} {kind}, so you cannot deploy this server.")
    for kind, key in (("cpu", "cpu"), ("memory", "memory"), ("disk", "disk"), ("ports", "port")):
        limit = settings.limits.get(key, 0)
        if limit < wanted[kind]:
            raise display_error(
                "DisplayException",
                f"You cannot deploy with {wanted[kind]} {kind}, as an admin has set a limit of {limit}",
            )
    for kind, key in (("backups", "backup"), ("databases", "database")):
        limit = settings.limits.get(key, 0)
        if ctx.field(kind) is not None and limit < wanted[kind]:
            raise display_error(
                "DisplayException",
                f"You cannot deploy with {wanted[kind]} {kind}, as an admin has set a limit of {limit}",
            )
    if node.deploy_fee > user.store.balance:
        raise display_error(
            "DisplayException",
            "You do not have enough credits to deploy to this node, as it has a deployment fee of "
            f"{node.deploy_fee} credits.",
        )
    free = next((a for a in store.allocations.values() if a.node_id == node.id and a.server_id is None), None)
    if free is None:
        raise display_error("NoViableAllocationException", "No allocations are available for deployment.")
    environment = {v.env_variable: ctx.field(f"v1-{egg.id}-{v.env_variable}", v.default_value) for v in egg.variables}
    server = store.create_server(
        user,
        str(ctx.field("name")),
        node=node,
        egg=egg,
        allocation=free,
        description=str(ctx.field("description") or ""),
        memory=wanted["memory"],
        disk=wanted["disk"],
        cpu=wanted["cpu"],
        swap=0,
        io=500,
        backup_limit=wanted["backups"],
        database_limit=_int_or_zero(ctx.field("databases")) if ctx.field("databases") is not None else None,
        allocation_limit=wanted["ports"],
        environment={k: None if v is None else str(v) for k, v in environment.items()},
    )
    server.renewable = True
    server.renewal = settings.renewal_default
    finish_install(ctx.runtime, server)
    account = user.store
    account.balance -= node.deploy_fee
    account.cpu -= wanted["cpu"]
    account.memory -= wanted["memory"]
    account.disk -= wanted["disk"]
    account.slots -= 1
    account.ports -= wanted["ports"]
    account.backups -= wanted["backups"]
    account.databases -= wanted["databases"]
    return json_response({"id": server.identifier})


@client.route("POST", "/store/resources")
def store_purchase(ctx: Ctx) -> web.StreamResponse:
    """``POST /store/resources``: one unit of a resource for its cost."""
    ctx.validate([("resource", "required|string|in:cpu,memory,disk,slots,ports,backups,databases")])
    resource = str(ctx.field("resource"))
    units, cost_key = _PURCHASES[resource]
    cost = ctx.store.jexactyl.settings.costs.get(cost_key, 0)
    account = ctx.user.store
    if account.balance < cost:
        raise display_error("DisplayException", "You do not have enough credits.")
    account.balance -= cost
    setattr(account, resource, getattr(account, resource) + units)
    return no_content()


@client.route("POST", "/store/earn", throttle=EARN, throttle_bucket="earn")
def store_earn(ctx: Ctx) -> web.StreamResponse:
    """``POST /store/earn``: the passive-earning amount."""
    settings = ctx.store.jexactyl.settings
    if not settings.earn_enabled:
        raise display_error("DisplayException", "Credit earning is currently disabled.")
    ctx.user.store.balance += settings.earn_amount
    return no_content()


def _checkout(ctx: Ctx, gateway: str, enabled: bool, base: str) -> web.StreamResponse:
    ctx.validate([("amount", "required|int")])
    if not enabled:
        raise display_error("DisplayException", f"Unable to purchase via {gateway}: module not enabled")
    token = ctx.store.random_string(24)
    # The panel sends the URL itself as the body: raw, unquoted, not valid JSON.
    return web.Response(body=f"{base}{token}".encode(), status=200, content_type="application/json")


@client.route("POST", "/store/stripe")
def store_stripe(ctx: Ctx) -> web.StreamResponse:
    """``POST /store/stripe``: the raw checkout URL."""
    enabled = ctx.store.jexactyl.settings.stripe_enabled
    return _checkout(ctx, "Stripe", enabled, "https://checkout.stripe.com/c/pay/cs_test_")


@client.route("POST", "/store/paypal")
def store_paypal(ctx: Ctx) -> web.StreamResponse:
    """``POST /store/paypal``: the raw approval URL."""
    enabled = ctx.store.jexactyl.settings.paypal_enabled
    return _checkout(ctx, "PayPal", enabled, "https://www.paypal.com/checkoutnow?token=")


@client.route("GET", "/store/paypal/callback")
def store_paypal_callback(ctx: Ctx) -> web.StreamResponse:
    """``GET /store/paypal/callback``: redirects to ``/store``."""
    return web.Response(status=302, headers={"Location": f"{ctx.runtime.url}/store"})


# ================================================================================= behaviour
def refund_resources(store: PanelStore, server: FakeServer) -> None:
    """``ServerDeletionService::returnResources``: the server's resources go back to its owner's store."""
    owner = store.users.get(server.owner_id)
    if owner is None:
        return
    account = owner.store
    account.cpu += server.cpu
    account.memory += server.memory
    account.disk += server.disk
    account.slots += 1
    account.ports += server.allocation_limit or 0
    account.backups += server.backup_limit or 0
    account.databases += server.database_limit or 0


def run_renewals(store: PanelStore, runtime: Any, days: int = 1) -> list[FakeServer]:
    """Jexactyl's daily ``p:schedule:renewal``: each renewable server loses a day, is suspended at 0 and
    deleted at -7. Returns the servers it deleted."""
    deleted: list[FakeServer] = []
    for _ in range(days):
        for server in [s for s in store.servers.values() if s.renewable]:
            server.renewal -= 1
            if server.renewal <= 0 and server.status != "suspended":
                server.status = "suspended"
                power(runtime, server, "kill")
            if server.renewal <= -7:
                store.delete_server(server)
                deleted.append(server)
    return deleted


CLIENT_ROUTES: list[Route] = client.routes
