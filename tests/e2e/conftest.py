"""End-to-end fixtures: FakePanel + FakeDiscord + the real bot started through its entry point.

Each e2e test module gets its own panel, fake Discord and bot (module scope, module event loop). A module
may set ``BOT_ENV = {...}`` to add or override environment variables (``ADMIN_ROLE_IDS`` ...) and
``PANEL_FLAVOR = "jexactyl"`` (or ``"jexactyl4"``, ``"pelican"``) to play another panel, or parametrise
``panel_flavor`` (module scope, indirect) to run each of its tests against several panels, each with its own
panel, fake Discord and bot. Test modules must declare ``pytestmark = pytest.mark.asyncio(loop_scope="module")``.

Fixtures:
    panel_flavor: the FakePanel flavor the module's panel plays.
    panel: the started :class:`FakePanel` (fast power and backup transitions).
    discord: the started :class:`FakeDiscord`.
    bot: the running :class:`JexactylBot` (``bot.poll_interval`` is small).
    users: ``users()`` returns a new distinct Discord :class:`FakeUser`.
    link: ``await link(user, key)`` links through the real ``/account link`` modal; returns the record.
    log_records: every log record the bot process emitted (for secret-leak assertions).
    clean_discord: after the test, the fake Discord saw no limit violation and no unknown request (a module
        opts in with ``pytest.mark.usefixtures("clean_discord")`` in its ``pytestmark``).

Helpers that are plain functions (message text, buttons, linking a fresh player) are in ``helpers.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio
from cryptography.fernet import Fernet

from bot.config import load_config
from bot.discord_endpoints import reset_discord_endpoints
from bot.logs import RedactingFilter
from bot.runtime import run_bot
from pyjexactyl.testing import FakePanel
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

if TYPE_CHECKING:
    from tests.e2e.server_helpers import Player

# The helpers assert too: rewrite them like the tests so that a failure shows the compared values.
pytest.register_assert_rewrite("tests.e2e.helpers")

GUILD_ID = 910000000000000001
ADMIN_PERMISSIONS = 8  # Discord's ADMINISTRATOR bit

_user_ids = itertools.count(700000000000000001)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[str] = []
        self.addFilter(RedactingFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@pytest.fixture(scope="module")
def log_records() -> Iterator[list[str]]:
    handler = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler.records
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.fixture(scope="module")
def panel_flavor(request: pytest.FixtureRequest) -> str:
    """The module's ``PANEL_FLAVOR`` (default ``"pterodactyl"``), or the parameter of a module parametrised with
    ``pytest.mark.parametrize("panel_flavor", [...], indirect=True, scope="module")``."""
    return str(getattr(request, "param", None) or getattr(request.module, "PANEL_FLAVOR", "pterodactyl"))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def panel(panel_flavor: str) -> AsyncIterator[FakePanel]:
    async with FakePanel(flavor=panel_flavor, power_delay=0.05, backup_duration=0.05) as fake:
        yield fake


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def discord(panel_flavor: str) -> AsyncIterator[FakeDiscord]:  # one per flavor of a parametrised module
    async with FakeDiscord(guild_ids=(GUILD_ID,)) as fake:
        yield fake


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    panel: FakePanel,
    discord: FakeDiscord,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    log_records: list[str],
) -> AsyncIterator[Any]:
    data_dir: Path = tmp_path_factory.mktemp("bot-data")
    env = {
        "DISCORD_TOKEN": discord.token,
        "PANEL_URL": panel.url,
        "DATA_DIR": str(data_dir),
        "ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "GUILD_IDS": str(GUILD_ID),
        "DISCORD_API_BASE": discord.api_base,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
        "LOG_LEVEL": "DEBUG",
        **getattr(request.module, "BOT_ENV", {}),
    }
    config = load_config(env, dotenv_path=None)
    started: list[Any] = []
    # discord.py dispatches "ready" guild_ready_timeout (2 s) after the last GUILD_CREATE, from a task that closing
    # the client does not stop: a bot closed before then dispatched it on a closed client (a coroutine never
    # awaited). A short timeout, and the wait for ready below, make every module's bot fully started.
    task = asyncio.create_task(run_bot(config, on_start=started.append, bot_options={"guild_ready_timeout": 0.05}))
    ready = asyncio.create_task(discord.wait_ready(15))
    done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        ready.cancel()
        task.result()
        raise RuntimeError("the bot stopped before it was ready")
    await ready
    # Without GUILD_IDS (a module may unset it) the bot syncs its commands globally.
    await discord.wait_synced(guild_id=GUILD_ID if config.guild_ids else None, timeout=10)
    instance = started[0]
    await asyncio.wait_for(instance.wait_until_ready(), 10)
    instance.poll_interval = 0.05
    instance.power_wait = 3.0
    instance.backup_wait = 5.0
    try:
        yield instance
    finally:
        await instance.close()
        await asyncio.wait_for(task, 10)
        reset_discord_endpoints()


@pytest.fixture
def clean_discord(discord: FakeDiscord) -> Iterator[None]:
    yield
    discord.assert_clean()


@pytest.fixture
def users() -> Callable[..., FakeUser]:
    def make(name: str = "player") -> FakeUser:
        user_id = next(_user_ids)
        return FakeUser(id=user_id, username=f"{name}{user_id % 10000}")

    return make


def modal_field_ids(record: InteractionRecord) -> tuple[str, list[str]]:
    """The modal's custom_id and its text inputs' custom_ids, from the bot's modal response."""
    modal = record.modal
    assert modal is not None, "the bot did not answer with a modal"
    fields = [c["custom_id"] for row in modal["components"] for c in row["components"]]
    return modal["custom_id"], fields


@pytest.fixture
def link(discord: FakeDiscord, bot: Any) -> Callable[[FakeUser, str], Awaitable[InteractionRecord]]:
    async def do_link(user: FakeUser, key: str) -> InteractionRecord:
        opened = await discord.slash(user, "account link", guild_id=GUILD_ID)
        await opened.wait_callback()
        modal_id, fields = modal_field_ids(opened)
        # discord.py registers the form only once Discord's answer to the callback reaches it, before the
        # command's handler ends: a person always types in between. Wait for the handler to end.
        await bot.tracker.wait_finished(opened.id, 5)
        submitted = await discord.submit_modal(user, modal_id, {fields[0]: key}, origin=opened)
        await submitted.wait_final(10)
        return submitted

    return do_link


@pytest.fixture
def backup_owner(panel: FakePanel, users: Callable[..., FakeUser], link: Any) -> Callable[..., Any]:
    """Makes a linked Discord user owning one server (for the ``/backup`` modules)."""
    from tests.e2e.helpers import Player, link_account, new_account  # helpers import this module

    async def make(server_name: str = "Backup Box", *, backup_limit: int = 10) -> Player:
        user = users("bk")
        account = new_account(panel, user, "bk")
        server = panel.add_server(account, server_name, backup_limit=backup_limit)
        await link_account(link, user, account)
        return Player(user, account, server)

    return make


@pytest_asyncio.fixture(loop_scope="module")
async def player(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> AsyncIterator[Player]:
    """A freshly linked player without servers (the ``/server`` modules); after the test, no payload contains
    their key."""
    from tests.e2e.helpers import linked_user  # both import this module
    from tests.e2e.server_helpers import Player

    user, account = await linked_user(panel, users, link, "player")
    result = Player(user, account)
    yield result
    assert discord.find_in_payloads(account.client_key) == []
