"""Jexactyl v3's extras through the library against ``FakePanel(flavor="jexactyl")`` (§9 of the contract)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from pyjexactyl import (
    AsyncJexactyl,
    BadRequestError,
    Jexactyl,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnsupportedByPanelError,
)
from pyjexactyl.testing import FakePanel
from tests.lib.helpers import call, only_request, since

Factory = Callable[..., Awaitable[FakePanel]]


@pytest.fixture
async def jex(fake_panel_factory: Factory) -> FakePanel:
    return await fake_panel_factory(flavor="jexactyl")


@pytest.fixture
async def api(jex: FakePanel) -> AsyncIterator[AsyncJexactyl]:
    # retries=0: the store throttles answer 429 with a 60 s Retry-After, which these tests expect to see.
    async with AsyncJexactyl(jex.url, jex.user.client_key, retries=0) as client:
        yield client


@pytest.fixture
async def admin_api(jex: FakePanel) -> AsyncIterator[AsyncJexactyl]:
    async with AsyncJexactyl(jex.url, jex.application_key, retries=0) as client:
        yield client


# ------------------------------------------------------------------------------------ store
async def test_store_reads(api: AsyncJexactyl, jex: FakePanel) -> None:
    balance = await api.client.store.get_balance()
    assert balance == {
        "object": "user",
        "attributes": {
            "balance": 500,
            "cpu": 100,
            "memory": 2048,
            "disk": 4096,
            "slots": 1,
            "ports": 1,
            "backups": 1,
            "databases": 1,
        },
    }
    costs = (await api.client.store.get_costs())["attributes"]
    assert costs == {"cpu": 100, "memory": 50, "disk": 25, "slots": 250, "ports": 20, "backups": 20, "databases": 20}
    node = (await api.client.store.list_nodes())["data"][0]["attributes"]
    assert (node["name"], node["location"], node["deploy_fee"]) == ("Node 01", "eu1", 0)
    assert node["total"] == 151 and node["used"] == 6
    assert [n["attributes"] for n in (await api.client.store.list_nests())["data"]] == [{"id": 1, "name": "Minecraft"}]
    eggs = await api.client.store.list_eggs(1)
    assert eggs["data"][0]["attributes"]["name"] == "Paper"
    assert jex.requests[-1].json == {"id": 1}
    assert (await api.client.store.list_eggs())["data"] == eggs["data"]
    assert jex.requests[-1].json == {}


async def test_buying_resources_spends_credits(api: AsyncJexactyl, jex: FakePanel) -> None:
    await api.client.store.buy_resource("memory")
    assert (jex.user.store.balance, jex.user.store.memory) == (450, 3072)
    await api.client.store.buy_resource("cpu")
    assert (jex.user.store.balance, jex.user.store.cpu) == (350, 150)
    jex.user.store.balance = 10
    with pytest.raises(BadRequestError) as caught:
        await api.client.store.buy_resource("slots")
    assert caught.value.detail == "You do not have enough credits."


async def test_earning_is_throttled_once_a_minute(api: AsyncJexactyl, jex: FakePanel) -> None:
    await api.client.store.earn()
    assert jex.user.store.balance == 510
    with pytest.raises(RateLimitedError) as caught:
        await api.client.store.earn()
    assert caught.value.headers["X-RateLimit-Limit"] == "1" and caught.value.retry_after is not None
    # The 429 came from the route's own throttle (limit 1): the rest of the API is not held back.
    balance = await asyncio.wait_for(api.client.store.get_balance(), timeout=5)
    assert balance["attributes"]["balance"] == 510
    assert api._limiters["client"].limit == 720
    jex.jexactyl.settings.earn_enabled = False
    jex.reset_rate_limits()
    with pytest.raises(BadRequestError, match=r"Credit earning is currently disabled\."):
        await api.client.store.earn()


async def test_store_server_is_renewable_and_paid_with_resources(api: AsyncJexactyl, jex: FakePanel) -> None:
    created = await api.client.store.create_server(
        "Store Server",
        egg_id=1,
        nest_id=1,
        node_id=1,
        cpu=100,
        memory=2048,
        disk=4096,
        variables={"BUILD_NUMBER": "42"},
    )
    server = jex.server(created["id"])
    assert (server.name, server.memory, server.cpu, server.renewable, server.renewal) == (
        "Store Server",
        2048,
        100,
        True,
        7,
    )
    assert server.environment["BUILD_NUMBER"] == "42"
    assert jex.requests[-1].json["v1-1-BUILD_NUMBER"] == "42"
    store = jex.user.store
    assert (store.slots, store.cpu, store.memory, store.disk, store.ports) == (0, 0, 0, 0, 0)
    details = await api.client.servers.get_server(created["id"])
    assert (details["renewable"], details["renewal"], details["bg"]) == (True, 7, None)
    # renew and create share the storefront window (1 per minute per user)
    with pytest.raises(RateLimitedError):
        await api.client.servers.renew_server(created["id"])
    jex.reset_rate_limits()
    with pytest.raises(BadRequestError, match="enough server slots"):
        await api.client.store.create_server("Another", egg_id=1, nest_id=1, node_id=1, cpu=50, memory=1, disk=1)


async def test_store_create_refusals(api: AsyncJexactyl, jex: FakePanel) -> None:
    jex.user.verified = False
    with pytest.raises(BadRequestError, match="unverified accounts"):
        await api.client.store.create_server("Nope", egg_id=1, nest_id=1, node_id=1, cpu=50, memory=1, disk=1)
    jex.user.verified = True
    jex.reset_rate_limits()
    with pytest.raises(BadRequestError) as caught:
        await api.client.store.create_server("Nope", egg_id=1, nest_id=1, node_id=1, cpu=50, memory=9000, disk=1)
    assert caught.value.detail == "You only have2048 memory, so you cannot deploy this server."


async def test_renewal_days_suspension_and_renew(api: AsyncJexactyl, jex: FakePanel) -> None:
    server = jex.server("Creative")
    server.renewal = 1
    jex.run_renewals()
    assert (server.renewal, server.status) == (0, "suspended")
    with pytest.raises(Exception) as gated:
        await api.client.servers.get_server_utilization(server.identifier)
    assert getattr(gated.value, "status", None) == 409
    await api.client.servers.renew_server(server.identifier)  # exempt from the state gate
    assert (server.renewal, server.status, jex.user.store.balance) == (7, None, 300)
    jex.reset_rate_limits()
    jex.user.store.balance = 100
    with pytest.raises(BadRequestError, match="not have enough credits to renew"):
        await api.client.servers.renew_server(server.identifier)
    server.renewal = -6
    assert jex.run_renewals() == [server]
    with pytest.raises(NotFoundError):
        await api.client.servers.get_server(server.identifier)


async def test_editing_resources_moves_them_between_store_and_server(api: AsyncJexactyl, jex: FakePanel) -> None:
    server = jex.server("Creative")
    await api.client.servers.edit_resources(server.identifier, "memory", 1024)
    assert (server.memory, jex.user.store.memory) == (2048, 1024)
    await api.client.servers.edit_resources(server.identifier, "memory", -1024)
    assert (server.memory, jex.user.store.memory) == (1024, 2048)
    with pytest.raises(BadRequestError, match="cannot go below"):
        await api.client.servers.edit_resources(server.identifier, "memory", -1024)
    with pytest.raises(BadRequestError, match="resources available"):
        await api.client.servers.edit_resources(server.identifier, "disk", 4097)
    # server-edit allows five per minute, refused ones included: the four above, this one, then 429.
    await api.client.servers.edit_resources(server.identifier, "backup_limit", 1)
    with pytest.raises(RateLimitedError):
        await api.client.servers.edit_resources(server.identifier, "backup_limit", -1)


async def test_client_delete_refunds_and_reads_the_name(api: AsyncJexactyl, jex: FakePanel) -> None:
    server = jex.server("Creative")
    before = len(jex.requests)
    await api.client.servers.delete_server(server.identifier)
    get, post = since(jex, before)
    assert (get.method, get.path) == ("GET", f"/api/client/servers/{server.identifier}")
    assert post.json == {"name": "Creative"} and post.status == 204
    assert jex.user.store.slots == 2 and jex.user.store.memory == 2048 + 1024
    jex.reset_rate_limits()
    jex.jexactyl.settings.deletion_enabled = False
    with pytest.raises(BadRequestError, match="locked by administrators"):
        await api.client.servers.delete_server(jex.server("Survival SMP").identifier, name="x")


async def test_checkout_routes_return_the_bare_url(api: AsyncJexactyl, jex: FakePanel) -> None:
    url = await api.client.store.stripe_checkout(500)
    assert url.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    status, body, _ = await call(jex, "POST", "/api/client/store/stripe", json={"amount": 5})
    assert status == 200 and isinstance(body, str) and not body.startswith('"')  # the raw body is not JSON
    assert (await api.client.store.paypal_checkout(5)).startswith("https://www.paypal.com/checkoutnow?token=")
    assert await api.client.store.paypal_callback("EC-123") is None
    assert jex.requests[-1].status == 302
    jex.jexactyl.settings.stripe_enabled = False
    with pytest.raises(BadRequestError, match="module not enabled"):
        await api.client.store.stripe_checkout(5)


def test_checkout_url_through_the_sync_client(fake_panel_sync: FakePanel) -> None:
    # The default flavor has no store: the sync twin raises the same typed error.
    with Jexactyl(fake_panel_sync.url, fake_panel_sync.user.client_key) as api:
        with pytest.raises(UnsupportedByPanelError) as caught:
            api.client.store.stripe_checkout(5)
    assert caught.value.panel == "Pterodactyl or Jexactyl v4"


# ------------------------------------------------------------------------------------ account extras
async def test_coupons_username_verification_and_discord(api: AsyncJexactyl, jex: FakePanel) -> None:
    await api.client.account.use_coupon("WELCOME")
    assert jex.user.store.balance == 600 and jex.jexactyl.coupons["WELCOME"].uses == 4
    with pytest.raises(BadRequestError, match=r"Invalid coupon code specified\."):
        await api.client.account.use_coupon("NOPE")
    jex.add_coupon("OLD", 50, expired=True)
    with pytest.raises(BadRequestError, match=r"This coupon has expired\."):
        await api.client.account.use_coupon("OLD")
    with pytest.raises(BadRequestError) as caught:
        await api.client.account.update_username("alice2", "wrong")
    assert caught.value.code == "InvalidPasswordProvidedException"
    await api.client.account.update_username("alice2", "password")
    assert jex.user.username == "alice2"
    assert await api.client.account.verify_email() == {"success": True, "data": []}
    assert jex.jexactyl.verification_requests == [jex.user.id]
    latest = await api.client.account.get_latest_activity()
    assert latest["attributes"]["event"] == "user:account.username-changed"
    link = await api.client.account.get_discord_link()
    assert link.startswith("https://discord.com/api/oauth2/authorize?client_id=")
    await api.client.account.discord_callback("abc")
    assert jex.user.discord_id is not None
    await api.client.account.unlink_discord()
    assert jex.user.discord_id is None


async def test_broken_routes_are_reported_with_the_alternative(api: AsyncJexactyl, jex: FakePanel) -> None:
    with pytest.raises(UnsupportedByPanelError) as caught:
        await api.client.account.get_logs()
    assert caught.value.status == 500 and caught.value.alternative == "list_activity()"
    assert caught.value.panel == "Jexactyl v3"
    with pytest.raises(UnsupportedByPanelError):
        await api.client.account.clear_logs()
    server = jex.server("Survival SMP")
    with pytest.raises(UnsupportedByPanelError) as caught:
        await api.client.servers.get_analytics(server.identifier)
    assert "transformer" in caught.value.detail
    jex.add_analytics_message(server, "High memory", "Memory stayed above 90 %.")
    messages = await api.client.servers.list_analytics_messages(server.identifier)
    assert messages["data"][0]["attributes"]["title"] == "High memory"


async def test_referrals(api: AsyncJexactyl, jex: FakePanel) -> None:
    code = (await api.client.account.referrals.create_code())["attributes"]["code"]
    assert len(code) == 16 and code.isalnum() and code.upper() == code
    assert [c["attributes"]["code"] for c in (await api.client.account.referrals.list_codes())["data"]] == [code]
    with pytest.raises(BadRequestError, match="your own referral code"):
        await api.client.account.referrals.use_code(code)
    async with AsyncJexactyl(jex.url, jex.admin.client_key, retries=0) as admin:
        await admin.client.account.referrals.use_code(code)
        with pytest.raises(BadRequestError, match="already used a referral code"):
            await admin.client.account.referrals.use_code(code)
    assert (jex.user.store.balance, jex.admin.store.balance) == (750, 250)
    used = (await api.client.account.referrals.list_activity())["data"][0]["attributes"]
    assert (used["code"], used["user_email"]) == (code, "admin@example.com")
    with pytest.raises(ServerError):  # Jexactyl dereferences null for an unknown code
        await api.client.account.referrals.use_code("UNKNOWN")
    await api.client.account.referrals.delete_code(code)
    with pytest.raises(NotFoundError):
        await api.client.account.referrals.delete_code(code)


async def test_tickets(api: AsyncJexactyl, jex: FakePanel) -> None:
    created = await api.client.account.tickets.create_ticket("Down", "It crashes at boot.")
    assert jex.requests[-1].json == {"title": "Down", "description": "It crashes at boot."}
    ticket_id = created["id"]
    ticket = (await api.client.account.tickets.get_ticket(ticket_id))["attributes"]
    assert (ticket["title"], ticket["status"], ticket["staff_email"]) == ("Down", "pending", "system")
    await api.client.account.tickets.send_message(ticket_id, "logs attached")
    messages = (await api.client.account.tickets.list_messages(ticket_id))["data"]
    assert [m["attributes"]["content"] for m in messages] == ["It crashes at boot.", "logs attached"]
    assert len((await api.client.account.tickets.list_tickets())["data"]) == 1
    for _ in range(2):
        await api.client.account.tickets.create_ticket("More", "text")
    with pytest.raises(BadRequestError, match=r"You already have 3 tickets open\."):
        await api.client.account.tickets.create_ticket("Too many", "text")
    await api.client.account.tickets.delete_ticket(ticket_id)
    with pytest.raises(NotFoundError):
        await api.client.account.tickets.get_ticket(ticket_id)


async def test_plugins_and_background(api: AsyncJexactyl, jex: FakePanel) -> None:
    server = jex.server("Survival SMP")
    found = await api.client.servers.search_plugins(server.identifier, "luckperms")
    assert found["success"] is True and found["data"]["plugins"][0]["id"] == 28140
    await api.client.servers.install_plugin(server.identifier, 28140)
    assert "/plugins/28140.jar" in server.files
    await api.client.servers.set_background(server.identifier, "https://example.com/bg.png")
    assert server.bg == "https://example.com/bg.png"
    await api.client.servers.set_background(server.identifier, None)
    assert server.bg is None


# ------------------------------------------------------------------------------------ core differences
async def test_jexactyl_core_answers(api: AsyncJexactyl, jex: FakePanel) -> None:
    server = jex.server("Creative")
    with_egg = await api.client.servers.get_server(server.identifier, includes=["egg"])
    assert with_egg["relationships"]["egg"]["attributes"] == {"name": "Paper"}
    activity = await api.client.account.list_activity()
    assert activity.meta["pagination"]["per_page"] == 5
    permissions = await api.client.servers.list_permissions()
    assert permissions["attributes"]["permissions"]["plugin"]["keys"] == {
        "read": "Allows a user to view Spigot plugins.",
        "download": "Allows a user to download Spigot plugins.",
    }
    server.description = "kept"
    await api.client.servers.settings.rename_server(server.identifier, "Renamed")
    assert (server.name, server.description) == ("Renamed", "kept")


# ------------------------------------------------------------------------------------ application extras
async def test_user_resources_and_approvals(admin_api: AsyncJexactyl, jex: FakePanel) -> None:
    written = await admin_api.users.update_resources(
        2, balance=1000, cpu=200, memory=4096, disk=8192, slots=2, ports=2, backups=2, databases=2
    )
    assert written["balance"] == 1000
    patch = jex.requests[-1]
    assert (patch.method, patch.path, patch.status) == ("PATCH", "/api/application/users/2/resources", 500)
    assert patch.json["email"] == "alice@example.com" and patch.json["store_balance"] == 1000
    assert (jex.user.store.balance, jex.user.store.memory) == (1000, 4096)
    with pytest.raises(UnsupportedByPanelError) as caught:
        await admin_api.users.get_resources(2)
    assert caught.value.status == 500 and "get_balance" in (caught.value.alternative or "")
    user = (await admin_api.users.get_user_info(2))["attributes"]
    assert "discord_id" in user
    jex.user.approved = False
    await admin_api.approvals.approve(2)
    assert jex.user.approved is True
    with pytest.raises(UnsupportedByPanelError, match="delete_user"):
        await admin_api.approvals.deny(2)
    with pytest.raises(UnsupportedByPanelError):
        await admin_api.approvals.list_approvals()


async def test_application_delete_can_return_resources(admin_api: AsyncJexactyl, jex: FakePanel) -> None:
    server = jex.server("Creative")
    before = jex.user.store.memory
    status, _, _ = await call(
        jex,
        "DELETE",
        f"/api/application/servers/{server.id}",
        key=jex.application_key,
        params={"return_resources": "1"},
    )
    assert status == 204 and jex.user.store.memory == before + server.memory


# ------------------------------------------------------------------------------------ other panels
async def test_extras_on_pterodactyl_name_the_panel_after_one_probe(fake_panel: FakePanel) -> None:
    async with AsyncJexactyl(fake_panel.url, fake_panel.user.client_key, retries=0) as api:
        before = len(fake_panel.requests)
        with pytest.raises(UnsupportedByPanelError) as caught:
            await api.client.store.get_balance()
        assert caught.value.status == 404 and caught.value.panel == "Pterodactyl or Jexactyl v4"
        assert [r.path for r in since(fake_panel, before)] == ["/api/client/store", "/api/client/permissions"]
        # Known now: the next extra is refused without a request.
        before = len(fake_panel.requests)
        with pytest.raises(UnsupportedByPanelError):
            await api.client.servers.renew_server("1a2b3c4d")
        assert len(fake_panel.requests) == before


async def test_panel_info_on_jexactyl(api: AsyncJexactyl, jex: FakePanel) -> None:
    before = len(jex.requests)
    info = await api.panel_info()
    assert (info.flavor, info.version, info.certain, info.name) == ("jexactyl", "3.x", True, "Jexactyl v3")
    request = only_request(jex, before)
    assert request.path == "/api/client/permissions"
    assert await api.panel_info() == info
    assert len(jex.requests) == before + 1
