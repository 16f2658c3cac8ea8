"""The default seed of :class:`~pyjexactyl.testing.FakePanel` (``seed=True``).

========================  ====================================================================
Record                    Contents
========================  ====================================================================
users                     id 1 ``admin`` (admin@example.com, root admin, "Panel Admin");
                          id 2 ``alice`` (alice@example.com, regular user, "Alice Liddell").
                          Both have the password ``password`` and one client key
                          (``panel.admin.client_key`` / ``panel.user.client_key``).
application key           ``panel.application_key``: a ``ptla_`` key of ``admin`` with read and
                          write on every ``r_*`` resource.
location                  id 1 ``eu1`` ("Europe 1").
node                      id 1 ``Node 01`` (node01.example.com, https, daemon 8080, sftp 2022,
                          64 GiB memory, 1 TiB disk) in location 1.
allocations               151 on node 1: ``10.0.0.1`` ports 25565–25715 (ids 1–151).
nest / egg                nest 1 ``Minecraft``; egg 1 ``Paper`` with images Java 17 / Java 21,
                          a ``{{SERVER_JARFILE}}`` startup and the variables SERVER_JARFILE
                          (``required|string|max:20``), MINECRAFT_VERSION
                          (``nullable|string|max:20``), BUILD_NUMBER (``required|string|max:20``)
                          and DL_PATH (visible but read-only).
database host             id 1 ``MySQL 01`` (10.0.0.2:3306).
servers                   all owned by ``alice`` unless noted, egg Paper, node 1:

                          1. ``Survival SMP`` — running; allocations 25565 (primary) and 25566;
                             limits: 3 backups, 2 databases, 3 allocations.
                          2. ``Creative`` — offline; 3 backups, 2 databases, 1 allocation.
                          3. ``Suspended Server`` — status ``suspended``.
                          4. ``Installing Server`` — status ``installing``.
                          5. ``Admin Server`` — owned by ``admin``, offline.
========================  ====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from ._jexactyl_state import FakeCoupon
from ._pelican_state import ROOT_ADMIN_ROLE, FakePlugin, FakeRole
from ._state import FakeApiKey, FakeServer, FakeUser
from ._store import PanelStore

__all__ = ["PAPER_STARTUP", "SeedResult", "seed_default", "seed_flavor"]

PAPER_STARTUP = (
    "java -Xms128M -XX:MaxRAMPercentage=95.0 -Dterminal.jline=false -Dterminal.ansi=true -jar {{SERVER_JARFILE}}"
)


@dataclass
class SeedResult:
    """The seeded records the panel exposes as attributes."""

    admin: FakeUser
    user: FakeUser
    application_key: FakeApiKey
    servers: list[FakeServer]


def seed_default(store: PanelStore) -> SeedResult:
    """Fill ``store`` with the default seed described in the module docstring."""
    admin = store.create_user("admin", "admin@example.com", admin=True, first_name="Panel", last_name="Admin")
    user = store.create_user("alice", "alice@example.com", first_name="Alice", last_name="Liddell")
    admin.client_key = store.create_api_key(admin, description="seed admin key").token
    user.client_key = store.create_api_key(user, description="seed user key").token
    application_key = store.create_api_key(admin, kind="application", description="seed application key")

    location = store.create_location("eu1", "Europe 1")
    node = store.create_node("Node 01", location, fqdn="node01.example.com", description="Seeded node")
    store.create_allocations(node, "10.0.0.1", range(25565, 25716))
    nest = store.create_nest("Minecraft", "Minecraft - the classic game from Mojang.")
    store.create_egg(
        nest,
        "Paper",
        description="High performance Spigot fork that aims to fix gameplay and mechanics inconsistencies.",
        docker_images={"Java 17": "ghcr.io/pterodactyl/yolks:java_17", "Java 21": "ghcr.io/pterodactyl/yolks:java_21"},
        startup=PAPER_STARTUP,
        features=["eula", "java_version", "pid_limit"],
        config_files={
            "server.properties": {"parser": "properties", "find": {"server-port": "{{server.build.default.port}}"}}
        },
        config_startup={"done": ")! For help, type "},
        config_stop="stop",
        variables=[
            {
                "name": "Server Jar File",
                "env_variable": "SERVER_JARFILE",
                "default_value": "server.jar",
                "description": "The name of the server jarfile to run the server with.",
                "rules": "required|string|max:20",
            },
            {
                "name": "Minecraft Version",
                "env_variable": "MINECRAFT_VERSION",
                "default_value": "latest",
                "description": "The version of minecraft to download.",
                "rules": "nullable|string|max:20",
            },
            {
                "name": "Build Number",
                "env_variable": "BUILD_NUMBER",
                "default_value": "latest",
                "description": "The build number for the paper release.",
                "rules": "required|string|max:20",
            },
            {
                "name": "Download Path",
                "env_variable": "DL_PATH",
                "default_value": "",
                "description": "A URL to use to download a server.jar rather than the ones in the install script.",
                "user_editable": False,
                "rules": "nullable|string",
            },
        ],
    )
    store.create_database_host("MySQL 01", host="10.0.0.2", port=3306)

    survival = store.create_server(
        user,
        "Survival SMP",
        state="running",
        memory=4096,
        disk=20480,
        cpu=200,
        backup_limit=3,
        database_limit=2,
        allocation_limit=3,
    )
    extra = store.allocations[2]
    extra.server_id = survival.id
    extra.notes = "Dynmap"
    creative = store.create_server(user, "Creative", backup_limit=3, database_limit=2, allocation_limit=1)
    suspended = store.create_server(user, "Suspended Server", status="suspended")
    installing = store.create_server(user, "Installing Server", status="installing")
    admin_server = store.create_server(admin, "Admin Server")
    return SeedResult(admin, user, application_key, [survival, creative, suspended, installing, admin_server])


def seed_flavor(store: PanelStore, seeded: SeedResult) -> None:
    """What a flavor adds to the default seed.

    ``jexactyl``: ``alice`` holds a store balance of 500 credits and 100 % cpu, 2048 MiB memory, 4096 MiB disk,
    1 slot, port, backup and database; her servers are renewable with 7 days left (``Admin Server`` is not);
    a coupon ``WELCOME`` is worth 100 credits, 5 uses.

    ``pelican``: role 1 ``Root Admin`` (held by ``admin``) and role 2 ``Support``; a plugin ``example-plugin``
    that is not installed.
    """
    if store.flavor == "pelican":
        root = FakeRole(store.next_id("roles"), ROOT_ADMIN_ROLE)
        support = FakeRole(store.next_id("roles"), "Support")
        store.pelican.roles.update({root.id: root, support.id: support})
        store.pelican.user_roles[seeded.admin.id] = [root.id]
        store.pelican.plugins["example-plugin"] = FakePlugin("example-plugin", "Example Plugin")
        return
    if store.flavor != "jexactyl":
        return
    account = seeded.user.store
    account.balance, account.cpu, account.memory, account.disk = 500, 100, 2048, 4096
    account.slots = account.ports = account.backups = account.databases = 1
    for server in seeded.servers:
        server.renewable = server.owner_id == seeded.user.id
        server.renewal = store.jexactyl.settings.renewal_default
    store.jexactyl.coupons["WELCOME"] = FakeCoupon("WELCOME", 100, uses=5)
