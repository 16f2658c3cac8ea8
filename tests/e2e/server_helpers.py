"""Helpers of the ``/server`` e2e modules: the player they link (the ``player`` fixture is in ``conftest.py``),
running a command as them, and reading the paginator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyjexactyl.testing import FakePanel
from pyjexactyl.testing import FakeUser as PanelUser
from tests.e2e.helpers import buttons
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID

FIRST, PREVIOUS, NEXT, LAST = "≪", "‹", "›", "≫"


def counter(message: dict[str, Any] | None) -> dict[str, Any]:
    """The paginator's ``x/y`` page button (the middle one)."""
    return buttons(message)[2]


def lines(message: dict[str, Any]) -> list[str]:
    return str(message["embeds"][0].get("description") or "").splitlines()


def assert_answered_well(ix: InteractionRecord) -> None:
    """Deferred first (inside 3 s), and everything ephemeral."""
    assert ix.latency is not None and ix.latency < 3, ix.describe()
    assert ix.deferred, ix.describe()
    assert ix.ephemeral, ix.describe()
    for message in ix.messages:
        assert int(message.get("flags") or 0) & 64, message


@dataclass
class Player:
    """A Discord user linked to their own panel account."""

    discord_user: FakeUser
    account: PanelUser

    @property
    def key(self) -> str:
        return self.account.client_key


async def run(discord: FakeDiscord, who: Player | FakeUser, name: str, /, **options: Any) -> InteractionRecord:
    """Invokes ``/name`` with ``options`` as ``who`` in the test guild."""
    user = who.discord_user if isinstance(who, Player) else who
    return await discord.slash(user, name, options=options or None, guild_id=GUILD_ID)


def resources_requests(panel: FakePanel) -> int:
    return sum(1 for r in panel.requests if r.path.endswith("/resources"))
