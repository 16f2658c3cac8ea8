"""The bot watches: one shared console session per (linked key, server) (:mod:`bot.watch.hub`), and what is
built on it: live status boards, crash/unreachable/disk alerts, and (issue 10's other half) live consoles.

See ``docs/design.md`` ("The watchers") for the hub's interface and the rules boards and alerts follow.
"""

from .model import DetailsChanged, FeedSnapshot, FeedStatus, LinkState, PauseReason, WatchEvent
from .subscription import DEFAULT_EVENTS, FeedUnavailableError, Subscription, SubscriptionClosedError

__all__ = [
    "DEFAULT_EVENTS",
    "DetailsChanged",
    "FeedSnapshot",
    "FeedStatus",
    "FeedUnavailableError",
    "LinkState",
    "PauseReason",
    "Subscription",
    "SubscriptionClosedError",
    "WatchEvent",
]
