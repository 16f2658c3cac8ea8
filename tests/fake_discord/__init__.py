"""End-to-end test harness: a fake Discord the real discord.py client logs into.

Usage::

    from tests.fake_discord import FakeDiscord, FakeUser

    alice = FakeUser(id=4242, username="alice")
    async with FakeDiscord(guild_ids=[GUILD_ID]) as fd, fd.running(bot):
        ix = await fd.slash(alice, "server status", options={"server": "abcd1234"})
        message = await ix.wait_final(5)
        fd.assert_clean()

See :mod:`tests.fake_discord.fake_discord` for the full API and :mod:`tests.fake_discord.limits` for the checks.
"""

from .fake_discord import FakeDiscord
from .payloads import FakeRole, FakeUser, bot_token
from .records import InteractionRecord, RecordedFrame, RecordedRequest

__all__ = ["FakeDiscord", "FakeRole", "FakeUser", "InteractionRecord", "RecordedFrame", "RecordedRequest", "bot_token"]
