"""Secrets canary: two recognisable panel keys go through a representative end-to-end flow (link, info, list,
status, power, console, backup create/list/download, admin user create/list/info, a rate limit, a proxy error,
an unexpected error with its traceback, a revoked key, unlink) and must appear nowhere: not in a log record
(neither as written, after the redaction filter, nor as the bot asked for it to be written, before it), not in
any exception text the bot logged, not in any payload the bot sent to Discord, and not in the SQLite files.

One canary has the modern ``ptlc_`` shape the redaction filter recognises; the other is a legacy 48-character
key that no pattern catches, so only the bot's own care keeps it out of the logs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from pyjexactyl.testing import FakeUser as PanelUser
from tests.e2e.helpers import all_text, text_of
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import ADMIN_PERMISSIONS, GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

MODERN_ID, MODERN_SECRET = "ptlc_CANARYC4N4R", "CANARYsecretCANARYsecretCANARY42"
LEGACY_ID, LEGACY_SECRET = "CANARYlegacyKEY0", "CANARYlegacySECRETcanaryLEGACY99"
MODERN = MODERN_ID + MODERN_SECRET
LEGACY = LEGACY_ID + LEGACY_SECRET
NEEDLES = [MODERN, MODERN_SECRET, LEGACY, LEGACY_SECRET, "CANARYsecret", "CANARYlegacySECRET"]


class _RawCapture(logging.Handler):
    """Every record as the bot asked for it to be written: no redaction, with the exception text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        if record.exc_info and record.exc_info[1] is not None:
            exc: BaseException | None = record.exc_info[1]
            while exc is not None:  # the whole chain, with repr and args, not only the formatted traceback
                self.lines.append(f"{exc!r} {exc} {exc.args!r}")
                exc = exc.__cause__ or exc.__context__


@pytest.fixture(scope="module")
def raw_logs() -> Iterator[list[str]]:
    handler = _RawCapture()
    root = logging.getLogger()
    root.addHandler(handler)
    # As in production (bot.logs.setup_logging): discord.py never logs below INFO, whatever LOG_LEVEL says.
    discord_logger = logging.getLogger("discord")
    old = discord_logger.level
    discord_logger.setLevel(logging.INFO)
    yield handler.lines
    discord_logger.setLevel(old)
    root.removeHandler(handler)


def canary_account(panel: FakePanel, username: str, identifier: str, secret: str, *, admin: bool) -> PanelUser:
    """A panel user whose only client key is ``identifier + secret``."""
    user = panel.add_user(username, admin=admin, create_key=False)
    token = panel.add_api_key(user)
    with panel.store.lock:
        key = panel.store.api_keys.pop(token[:16])
        key.identifier, key.secret = identifier, secret
        panel.store.api_keys[identifier] = key
    user.client_key = identifier + secret
    return user


async def answered(ix: InteractionRecord, needle: str, timeout: float = 5.0) -> str:
    await ix.wait_for(lambda r: any(needle in text_of(m) for m in r.messages), timeout)
    assert len(ix.callbacks) == 1 and ix.latency is not None and ix.latency < 3, ix.describe()
    return all_text(ix)


async def test_canary_keys_appear_nowhere(
    bot: Any,
    discord: FakeDiscord,
    panel: FakePanel,
    users: Callable[..., FakeUser],
    link: Any,
    log_records: list[str],
    raw_logs: list[str],
) -> None:
    admin_user, legacy_user, member = users("canary"), users("legacy"), users("member")
    admin = canary_account(panel, "canaryadmin", MODERN_ID, MODERN_SECRET, admin=True)
    legacy = canary_account(panel, "canarylegacy", LEGACY_ID, LEGACY_SECRET, admin=False)
    box = panel.add_server(admin, "Canary Box", state="offline")
    nest = panel.add_server(legacy, "Legacy Nest", state="running")

    async def run(user: FakeUser, name: str, /, **options: Any) -> InteractionRecord:
        return await discord.slash(
            user, name, options=options or None, guild_id=GUILD_ID, member_permissions=ADMIN_PERMISSIONS
        )

    # -- the happy path
    for user, key, name in ((admin_user, MODERN, "canaryadmin"), (legacy_user, LEGACY, "canarylegacy")):
        linked = await link(user, key)
        assert f"Linked to panel account **{name}**" in text_of(linked.final)
    await answered(await run(admin_user, "account info"), "canaryadmin")
    await answered(await run(admin_user, "server list"), "Canary Box")
    await answered(await run(legacy_user, "server list"), "Legacy Nest")
    await answered(await run(admin_user, "server status", server=box.identifier), "offline")
    await answered(await run(admin_user, "server start", server=box.identifier), "is now running")
    await answered(await run(admin_user, "server command", server=box.identifier, command="say tweet"), "tweet")
    await answered(await run(legacy_user, "server command", server=nest.identifier, command="say chirp"), "chirp")
    await answered(await run(admin_user, "backup create", server=box.identifier, name="canary nest"), "completed")
    await answered(await run(admin_user, "backup list", server=box.identifier), "canary nest")
    backup = box.backups[-1]
    download = await answered(
        await run(admin_user, "backup download", server=box.identifier, backup=backup.uuid), "Download"
    )
    assert "http" in download
    created = await run(
        admin_user,
        "admin user create",
        username="chick",
        email="chick@example.com",
        first_name="Chick",
        last_name="Canary",
        member=member,
    )
    await answered(created, "Panel user created")
    await answered(await run(admin_user, "admin user list"), "chick")
    await answered(await run(admin_user, "admin user info", user=f"<@{member.id}>"), "chick@example.com")

    # -- failures, whose messages and logged exceptions must not carry the key either
    panel.fail_next(1, 429, retry_after=60, path_prefix="/api/client")
    await answered(await run(admin_user, "server status", server=box.identifier), "Try again in 60 s")
    panel.fail_next(1, 502, html=True, path_prefix="/api/client")
    await answered(await run(legacy_user, "server list"), "HTTP 502")
    panel.fail_next(1, 200, body={"object": "list", "data": [{"object": "server", "attributes": {}}]})
    await answered(await run(legacy_user, "server list"), "Reference:")  # an unexpected error, logged in full
    panel.reset_faults()
    with panel.store.lock:
        del panel.store.api_keys[LEGACY_ID]  # revoked on the panel
    await answered(await run(legacy_user, "server status", server=nest.identifier), "revoked")

    # -- unlink (a confirmation button)
    asked = await run(admin_user, "account unlink")
    question = await asked.wait_final(5)
    confirm = next(
        c["custom_id"]
        for row in question["components"]
        for c in row["components"]
        if c.get("label") == "Unlink account"
    )
    click = await discord.click(admin_user, question, confirm)
    await click.wait_final(5)
    await answered(asked, "Unlinked")

    # -- nowhere
    for needle in NEEDLES:
        assert discord.find_in_payloads(needle) == [], needle
        assert not [line for line in log_records if needle in line], needle
        assert not [line for line in raw_logs if needle in line], needle
    assert any("Traceback" in line for line in log_records)  # the exception text was there to search
    database: Path = bot.config.database_path
    files = [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
    assert database in files
    for path in files:
        data = path.read_bytes()
        for needle in NEEDLES:
            assert needle.encode() not in data, (path.name, needle)
