"""The library on Pterodactyl 1.11, Jexactyl v3, Jexactyl v4 and Pelican: dialect detection (panel_info), what
it costs, re-routed calls and UnsupportedByPanelError (issue 11, "Pelican and Jexactyl v4")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from pyjexactyl import AsyncJexactyl, Jexactyl, UnsupportedByPanelError
from pyjexactyl.testing import FakePanel
from tests.lib.helpers import since

Factory = Callable[..., Awaitable[FakePanel]]
FLAVORS = ("pterodactyl", "jexactyl", "jexactyl4", "pelican")
PROBES = {"/api/client/permissions", "/api/application/users"}


def probes(panel: FakePanel, mark: int = 0) -> list[str]:
    return [r.path for r in since(panel, mark) if r.path in PROBES and r.method == "GET"]


async def client_for(panel: FakePanel, key: str) -> AsyncJexactyl:
    return AsyncJexactyl(panel.url, key, retries=0)


# ------------------------------------------------------------------------------------ detection
@pytest.mark.parametrize(
    ("flavor", "expected", "possible"),
    [
        ("pterodactyl", "pterodactyl", ("pterodactyl", "jexactyl4")),
        ("jexactyl", "jexactyl", ("jexactyl",)),
        ("jexactyl4", "pterodactyl", ("pterodactyl", "jexactyl4")),
        ("pelican", "pelican", ("pelican",)),
    ],
)
async def test_panel_info_with_a_client_key_costs_one_request(
    fake_panel_factory: Factory, flavor: str, expected: str, possible: tuple[str, ...]
) -> None:
    panel = await fake_panel_factory(flavor=flavor)
    async with await client_for(panel, panel.user.client_key) as api:
        info = await api.panel_info()
        assert (info.flavor, info.possible) == (expected, possible)
        assert probes(panel) == ["/api/client/permissions"]
        assert await api.panel_info() == info
        assert len(panel.requests) == 1
        # The account object tells Pterodactyl from Jexactyl v4, for free.
        await api.client.account.get_account()
        info = await api.panel_info()
        assert info.certain and info.flavor == flavor and len(panel.requests) == 2


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_panel_info_with_an_application_key_is_certain(fake_panel_factory: Factory, flavor: str) -> None:
    panel = await fake_panel_factory(flavor=flavor)
    async with await client_for(panel, panel.application_key) as api:
        info = await api.panel_info()
    assert (info.flavor, info.certain) == (flavor, True)
    assert probes(panel) == ["/api/application/users"]
    assert panel.requests[0].query == {"per_page": ["1"]}


def test_panel_info_through_the_sync_client(fake_panel_sync: FakePanel) -> None:
    with Jexactyl(fake_panel_sync.url, fake_panel_sync.application_key) as api:
        info = api.panel_info()
    assert (info.flavor, info.version, info.name) == ("pterodactyl", "1.x", "Pterodactyl")


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_calls_that_are_the_same_everywhere_never_probe(fake_panel_factory: Factory, flavor: str) -> None:
    """The bot's core flows: no detection request on any panel."""
    panel = await fake_panel_factory(flavor=flavor)
    server = panel.server("Creative")
    async with await client_for(panel, panel.user.client_key) as api:
        await api.client.account.get_account()
        servers = await api.client.servers.list_servers()
        assert len(servers) == 4
        await api.client.servers.get_server(server.identifier)
        await api.client.servers.get_server_utilization(server.identifier)
        await api.client.servers.send_power_action(server.identifier, "kill")
        backup = await api.client.servers.backups.create_backup(server.identifier, name="b")
        await api.client.servers.backups.list_backups(server.identifier)
        await api.client.servers.backups.get_backup_download(server.identifier, backup["attributes"]["uuid"])
        await api.client.servers.settings.rename_server(server.identifier, "Renamed")
    async with await client_for(panel, panel.application_key) as admin:
        created = await admin.users.create_user("bob", "bob@example.com", "Bob", "Builder")
        await admin.users.delete_user(created["attributes"]["id"])
    assert probes(panel) == []


# ------------------------------------------------------------------------------------ unsupported calls
@pytest.fixture
async def pelican(fake_panel_factory: Factory) -> FakePanel:
    return await fake_panel_factory(flavor="pelican")


@pytest.fixture
async def everest(fake_panel_factory: Factory) -> FakePanel:
    return await fake_panel_factory(flavor="jexactyl4")


async def test_pelican_has_no_two_factor_routes(pelican: FakePanel) -> None:
    async with await client_for(pelican, pelican.user.client_key) as api:
        with pytest.raises(UnsupportedByPanelError) as caught:
            await api.client.account.get_2fa_setup_code()
        assert caught.value.panel == "Pelican" and caught.value.status == 404
        mark = len(pelican.requests)
        with pytest.raises(UnsupportedByPanelError, match="Pelican does not offer two-factor"):
            await api.client.account.disable_2fa("password")
        assert len(pelican.requests) == mark  # known now: refused before sending


async def test_pelican_has_no_nests_or_locations(pelican: FakePanel) -> None:
    async with await client_for(pelican, pelican.application_key) as api:
        with pytest.raises(UnsupportedByPanelError) as caught:
            await api.nests.list_nests()
        assert caught.value.panel == "Pelican" and caught.value.alternative == "api.eggs.list_eggs()"
        with pytest.raises(UnsupportedByPanelError):
            await api.locations.list_locations()
        egg = await api.nests.get_egg_info(1, 1)  # moved: /eggs/{egg}
        assert egg["attributes"]["name"] == "Paper"
        assert pelican.requests[-1].path == "/api/application/eggs/1"


async def test_jexactyl_only_calls_on_v4_name_the_panel(everest: FakePanel) -> None:
    async with await client_for(everest, everest.user.client_key) as api:
        await api.client.account.get_account()  # learns v4 for free
        with pytest.raises(UnsupportedByPanelError) as caught:
            await api.client.store.get_balance()
        assert caught.value.panel == "Jexactyl v4"
        with pytest.raises(UnsupportedByPanelError, match="renaming backups"):
            await api.client.servers.backups.rename_backup("1a2b3c4d", "x", "y")
    assert probes(everest) == []


# ------------------------------------------------------------------------------------ moved calls
async def test_ssh_key_removal_follows_the_panel(pelican: FakePanel, fake_panel: FakePanel) -> None:
    line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOaXIq09NH4a93EVdrvHYiZ67Wj+GBEBQ9ou4W0qSYm2"
    fingerprint = "T2b3VnvHWUmfhDOFLqzZg2VfLgqJhWxzrMUy8WZ+V8M"
    async with await client_for(fake_panel, fake_panel.user.client_key) as api:
        await api.client.account.create_ssh_key("k", line)
        mark = len(fake_panel.requests)
        await api.client.account.delete_ssh_key(fingerprint)
        assert [(r.method, r.path) for r in since(fake_panel, mark)] == [
            ("POST", "/api/client/account/ssh-keys/remove")
        ]
    async with await client_for(pelican, pelican.user.client_key) as api:
        await api.client.account.create_ssh_key("k", line)
        mark = len(pelican.requests)
        await api.client.account.delete_ssh_key(fingerprint)
        assert [(r.method, r.status) for r in since(pelican, mark)] == [("POST", 405), ("DELETE", 204)]
        assert pelican.store.ssh_keys == []
        await api.client.account.create_ssh_key("k", line)
        mark = len(pelican.requests)
        await api.client.account.delete_ssh_key(fingerprint)  # known now: straight to Pelican's route
        assert [(r.method, r.path) for r in since(pelican, mark)] == [
            ("DELETE", f"/api/client/account/ssh-keys/{fingerprint}")
        ]
        with pytest.raises(UnsupportedByPanelError, match="contains '/'"):
            await api.client.account.delete_ssh_key("abc/def")


async def test_rename_with_description_on_pelican_uses_the_description_route(pelican: FakePanel) -> None:
    server = pelican.server("Creative")
    async with await client_for(pelican, pelican.user.client_key) as api:
        mark = len(pelican.requests)
        await api.client.servers.settings.rename_server(server.identifier, "Lobby", description="Hub server")
    paths = [r.path.rsplit("/", 2)[-2:] for r in since(pelican, mark)]
    assert paths == [["client", "permissions"], ["settings", "rename"], ["settings", "description"]]
    assert (server.name, server.description) == ("Lobby", "Hub server")


async def test_disable_2fa_on_v4_uses_delete_once_known(everest: FakePanel) -> None:
    everest.user.totp_enabled = True
    async with await client_for(everest, everest.user.client_key) as api:
        await api.client.account.get_account()
        mark = len(everest.requests)
        await api.client.account.disable_2fa("password")
    assert [(r.method, r.status) for r in since(everest, mark)] == [("DELETE", 204)]
    assert everest.user.totp_enabled is False


# ------------------------------------------------------------------------------------ application dialects
def _limits() -> dict[str, int]:
    return {"memory_limit": 1024, "swap_limit": 0, "disk_limit": 2048}


async def test_create_server_reads_the_egg_where_each_panel_serves_it(fake_panel_factory: Factory) -> None:
    pelican = await fake_panel_factory(flavor="pelican")
    async with await client_for(pelican, pelican.application_key) as api:
        created = await api.servers.create_server("P", user_id=2, nest_id=1, egg_id=1, tags=[], **_limits())
        mark_paths = [(r.method, r.path, r.status) for r in pelican.requests]
    assert mark_paths[:3] == [
        ("GET", "/api/application/nests/1/eggs/1", 404),
        ("GET", "/api/application/eggs/1", 200),
        ("POST", "/api/application/servers", 201),
    ]
    post = pelican.requests[2].json
    assert post["docker_image"] == "ghcr.io/pterodactyl/yolks:java_17" and post["oom_killer"] is False
    assert post["deploy"]["tags"] == [] and "locations" not in post["deploy"] and "oom_disabled" not in post
    assert created["attributes"]["limits"]["oom_killer"] is False

    everest = await fake_panel_factory(flavor="jexactyl4")
    free = next(a for a in everest.store.allocations.values() if a.server_id is None)
    async with await client_for(everest, everest.application_key) as api:
        await api.panel_info()
        with pytest.raises(UnsupportedByPanelError, match="automatic deployment"):
            await api.servers.create_server("V", user_id=2, nest_id=1, egg_id=1, location_ids=[1], **_limits())
        created = await api.servers.create_server(
            "V", user_id=2, nest_id=1, egg_id=1, default_allocation=free.id, node_id=1, **_limits()
        )
    post = everest.requests[-1].json
    assert (post["owner_id"], post["node_id"], post["egg_id"]) == (2, 1, 1) and "user" not in post
    assert everest.requests[-2].path == "/api/application/eggs/1"
    assert created["attributes"]["owner_id"] == 2


async def test_v4_server_edits_use_one_patch(everest: FakePanel) -> None:
    async with await client_for(everest, everest.application_key) as api:
        updated = await api.servers.update_server_details(2, name="Creative 2")
        assert updated["attributes"]["name"] == "Creative 2"
        assert (everest.requests[-1].method, everest.requests[-1].path) == ("PATCH", "/api/application/servers/2")
        await api.servers.update_server_build(2, memory_limit=3072, backup_limit=4)
    body = everest.requests[-1].json
    assert everest.requests[-1].path == "/api/application/servers/2"
    assert body["limits"]["memory"] == 3072 and body["feature_limits"]["backups"] == 4 and body["owner_id"] == 2
    assert (everest.server(2).memory, everest.server(2).backup_limit) == (3072, 4)


async def test_root_admin_users_on_pelican_need_roles(pelican: FakePanel) -> None:
    async with await client_for(pelican, pelican.application_key) as api:
        with pytest.raises(UnsupportedByPanelError) as caught:
            await api.users.create_user("boss", "boss@example.com", "B", "Oss", root_admin=True)
        assert caught.value.alternative == "api.users.assign_roles()"
        created = await api.users.create_user("helper", "helper@example.com", "He", "Lper")
        user_id = created["attributes"]["id"]
        roles = [r["attributes"] async for r in await api.roles.list_roles()]
        support_id = next(r["id"] for r in roles if r["name"] == "Support")
        await api.users.assign_roles(user_id, [support_id])
        assert pelican.store.pelican.user_roles[user_id] == [support_id]
        with pytest.raises(UnsupportedByPanelError, match="changing root_admin"):
            await api.users.edit_user(user_id, root_admin=True)


# ------------------------------------------------------------------------------------ Pelican namespaces
async def test_pelican_application_namespaces(pelican: FakePanel) -> None:
    async with await client_for(pelican, pelican.application_key) as api:
        eggs = await (await api.eggs.list_eggs()).collect()
        assert [e["attributes"]["name"] for e in eggs] == ["Paper"]
        document = await api.eggs.export_egg(1)
        imported = await api.eggs.import_egg({**document, "name": "Paper copy"})
        await api.eggs.delete_egg(imported["attributes"]["id"])
        host = await api.database_hosts.create_database_host("db2", "10.0.0.3", 3306, "panel", "secret")
        host_id = host["attributes"]["id"]
        await api.database_hosts.update_database_host(host_id, "db2b", "10.0.0.4", 3307, "panel")
        assert (await api.database_hosts.get_database_host(host_id))["attributes"]["port"] == 3307
        await api.database_hosts.delete_database_host(host_id)
        mount = await api.mounts.create_mount("maps", "/srv/maps", "/maps", read_only=True)
        mount_id = mount["attributes"]["id"]
        await api.mounts.attach(mount_id, "servers", [1])
        assert [s["attributes"]["id"] for s in (await api.mounts.list_attached(mount_id, "servers"))["data"]] == [1]
        await api.mounts.detach(mount_id, "servers", 1)
        await api.mounts.delete_mount(mount_id)
        role = await api.roles.create_role("Moderators")
        await api.roles.update_role(role["attributes"]["id"], "Mods")
        await api.roles.delete_role(role["attributes"]["id"])
        installed = await api.plugins.install_plugin("example-plugin")
        assert installed["attributes"]["meta"]["status"] == "enabled"
        await api.plugins.disable_plugin("example-plugin")
        await api.plugins.uninstall_plugin("example-plugin")
        free = next(a for a in pelican.store.allocations.values() if a.server_id is None)
        await api.servers.transfer_server(2, node_id=1, allocation_id=free.id)
        assert pelican.server(2).transferring
        await api.servers.cancel_transfer(2)
    async with await client_for(pelican, pelican.application_key) as api:
        assert api._limiters["application"].limit == 256  # a papp_ key: Pelican's default before any answer


async def test_pelican_namespaces_elsewhere_are_unsupported(fake_panel: FakePanel) -> None:
    async with await client_for(fake_panel, fake_panel.application_key) as api:
        with pytest.raises(UnsupportedByPanelError) as caught:
            await api.roles.list_roles()
        assert caught.value.panel == "Pterodactyl"
        assert api._limiters["application"].limit == 240


async def test_default_rate_limits_follow_the_detected_dialect(pelican: FakePanel) -> None:
    # An unprefixed (legacy) key starts with Pterodactyl's defaults; learning Pelican lowers them.
    async with AsyncJexactyl("https://panel.example.com", "k" * 48) as api:
        assert api._limiters["client"].limit == 720
        api.dialect.observe({"pelican"}, "a test")
        assert (api._limiters["client"].limit, api._limiters["application"].limit) == (256, 256)
    async with AsyncJexactyl(pelican.url, pelican.user.client_key, retries=0, client_rate_limit=100) as api:
        assert (await api.panel_info()).flavor == "pelican"
        assert api._limiters["client"].limit == 100  # the caller's choice is kept
        assert api._limiters["application"].limit == 256
