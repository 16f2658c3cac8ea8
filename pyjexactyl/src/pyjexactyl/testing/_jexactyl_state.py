"""Records only a Jexactyl v3 panel keeps: its settings, tickets, referral codes, coupons and analytics notes.

They live in :attr:`PanelStore.jexactyl <pyjexactyl.testing._store.PanelStore.jexactyl>` (on every panel; only
``FakePanel(flavor="jexactyl")`` serves routes that use them). The per-user store balance is
:attr:`FakeUser.store <pyjexactyl.testing.FakeUser.store>` and the renewal fields are on
:class:`~pyjexactyl.testing.FakeServer`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from ._state import utcnow

__all__ = [
    "FakeAnalyticsMessage",
    "FakeCoupon",
    "FakeReferralCode",
    "FakeReferralUse",
    "FakeTicket",
    "FakeTicketMessage",
    "JexactylData",
    "JexactylSettings",
]


def _costs() -> dict[str, int]:
    return {"cpu": 100, "memory": 50, "disk": 25, "slot": 250, "port": 20, "backup": 20, "database": 20}


def _limits() -> dict[str, int]:
    return {
        # store deployment limits (jexactyl::store:limit:<cpu|memory|disk|slot|port|backup|database>)
        "cpu": 400,
        "memory": 8192,
        "disk": 20480,
        "slot": 5,
        "port": 5,
        "backup": 5,
        "database": 5,
        # server edit limits (jexactyl::store:limit:<server column>)
        "allocation_limit": 5,
        "backup_limit": 5,
        "database_limit": 5,
    }


@dataclass
class JexactylSettings:
    """The ``jexactyl::*`` settings the store, renewal, tickets and referral routes read.

    ``costs`` are credits per unit as :func:`buy_resource` sells it (keys ``cpu``, ``memory``, ``disk``,
    ``slot``, ``port``, ``backup``, ``database``); ``limits`` are the administrator's caps.
    """

    costs: dict[str, int] = field(default_factory=_costs)
    limits: dict[str, int] = field(default_factory=_limits)
    renewal_cost: int = 200
    renewal_default: int = 7
    editing_enabled: bool = True
    deletion_enabled: bool = True
    earn_enabled: bool = True
    earn_amount: int = 10
    tickets_max: int = 3
    referral_reward: int = 250
    stripe_enabled: bool = True
    paypal_enabled: bool = True
    discord_client_id: str = "1234567890"


@dataclass
class FakeTicket:
    """A support ticket (``status``: ``pending``, ``in-progress``, ``resolved`` or ``unresolved``)."""

    id: int
    client_id: int
    title: str
    content: str
    status: str = "pending"
    staff_id: int | None = None
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeTicketMessage:
    """One message of a ticket."""

    id: int
    ticket_id: int
    user_id: int | None
    content: str
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeReferralCode:
    """A user's referral code."""

    id: int
    user_id: int
    code: str
    created_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeReferralUse:
    """``user_id`` used ``code`` of ``referrer_id``."""

    id: int
    user_id: int
    code: str
    referrer_id: int
    created_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeCoupon:
    """A store coupon worth ``credits``, usable ``uses`` more times."""

    code: str
    credits: int
    uses: int = 1
    expired: bool = False


@dataclass
class FakeAnalyticsMessage:
    """A note the analytics job wrote about a server."""

    id: int
    server_id: int
    title: str
    content: str
    type: str = "warning"
    created_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class JexactylData:
    """Everything Jexactyl v3 keeps beyond Pterodactyl's tables."""

    settings: JexactylSettings = field(default_factory=JexactylSettings)
    tickets: list[FakeTicket] = field(default_factory=list)
    ticket_messages: list[FakeTicketMessage] = field(default_factory=list)
    referral_codes: list[FakeReferralCode] = field(default_factory=list)
    referral_uses: list[FakeReferralUse] = field(default_factory=list)
    coupons: dict[str, FakeCoupon] = field(default_factory=dict)
    analytics_messages: list[FakeAnalyticsMessage] = field(default_factory=list)
    #: ``user_id`` of each verification e-mail requested (``POST /account/verify``), in order.
    verification_requests: list[int] = field(default_factory=list)
