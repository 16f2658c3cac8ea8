"""End-to-end test harness: a fake Discord the real discord.py client logs into (API reference below).

Usage::

    from tests.fake_discord import FakeDiscord, FakeUser

    alice = FakeUser(id=4242, username="alice")
    async with FakeDiscord(guild_ids=[GUILD_ID]) as fd, fd.running(bot):
        ix = await fd.slash(alice, "server status", options={"server": "abcd1234"})
        message = await ix.wait_final(5)
        fd.assert_clean()
"""

from .fake_discord import FakeDiscord
from .guild_state import FakeChannel, GuildState
from .interaction_record import InteractionRecord
from .mentions import Mentions
from .message_store import MessageEdit, MessageLog
from .payloads import FakeRole, FakeUser, bot_token
from .permissions import FakeOverwrite
from .ratelimits import RateLimitBucket, RateLimitHit
from .records import RecordedDispatch, RecordedFrame, RecordedRequest

__all__ = [
    "FakeChannel",
    "FakeDiscord",
    "FakeOverwrite",
    "FakeRole",
    "FakeUser",
    "GuildState",
    "InteractionRecord",
    "Mentions",
    "MessageEdit",
    "MessageLog",
    "RateLimitBucket",
    "RateLimitHit",
    "RecordedDispatch",
    "RecordedFrame",
    "RecordedRequest",
    "bot_token",
]
