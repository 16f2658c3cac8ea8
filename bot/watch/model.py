"""What the console hub tells its subscribers: the state of one watched server and why it may not be watched.

Plain data, no I/O: :class:`FeedSnapshot` (the latest state, stats and panel details of a server and the
health of its console session), :class:`FeedStatus` (delivered to subscribers whenever that health changes)
and :class:`PauseReason` (why a server is not being watched, with the sentence channels show).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pyjexactyl.events import Event, Stats

__all__ = ["DetailsChanged", "FeedSnapshot", "FeedStatus", "LinkState", "PauseReason", "WatchEvent"]

LinkState = Literal["connecting", "connected", "reconnecting", "unreachable", "paused"]
"""The health of a server's console session:

* ``connecting``: waiting for its turn (sessions open staggered) or opening;
* ``connected``: the socket is open and authenticated;
* ``reconnecting``: the socket dropped and the library is reconnecting (``since`` says when it dropped);
* ``unreachable``: the library gave up, or opening keeps failing (node or Wings down); the hub tries again
  on a slow backoff (``since`` is still when it was lost);
* ``paused``: it cannot be watched until something changes (``pause`` says what).
"""


class PauseReason(enum.Enum):
    """Why a server is not watched. ``value`` is a short code; :attr:`sentence` is what channels show."""

    LINK_GONE = "link_gone"
    """The owner unlinked (or never linked) their panel account."""
    KEY_REFUSED = "key_refused"
    """The panel answered 401: the owner's key was revoked or expired."""
    NO_ACCESS = "no_access"
    """The panel answered 403: the key may not open this server's console (``websocket.connect``)."""
    SERVER_GONE = "server_gone"
    """The panel answered 404, or Wings said the server was deleted."""
    UNAVAILABLE = "unavailable"
    """The panel answered 409: suspended, installing, restoring or being transferred (tried again later)."""

    @property
    def link_gone(self) -> bool:
        """Whether the owner's key no longer works for the bot (unlinked, revoked, or refused)."""
        return self in (PauseReason.LINK_GONE, PauseReason.KEY_REFUSED, PauseReason.NO_ACCESS)

    @property
    def sentence(self) -> str:
        """What a board or ``/alert list`` says (no panel text in it)."""
        return _SENTENCES[self]


_SENTENCES = {
    PauseReason.LINK_GONE: "paused: the owner's panel link is gone",
    PauseReason.KEY_REFUSED: "paused: the owner's panel link is gone (the panel refused the key)",
    PauseReason.NO_ACCESS: "paused: the owner's panel link is gone (the key may not open this console)",
    PauseReason.SERVER_GONE: "paused: the server no longer exists on the owner's panel account",
    PauseReason.UNAVAILABLE: "paused: the panel says the server is unavailable (suspended, installing or moving)",
}


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """The health of the console session changed (delivered to subscribers like a console event).

    Attributes:
        link: The new :data:`LinkState`.
        pause: Why it is paused (``link == "paused"``), else ``None``.
        since: Epoch seconds when the current trouble began (the drop, the first failed open), else when
            the state began.

    Example:
        >>> FeedStatus("connected", None, 1_700_000_000.0).link
        'connected'
    """

    link: LinkState
    pause: PauseReason | None
    since: float


@dataclass(frozen=True, slots=True)
class DetailsChanged:
    """The server's panel details (``GET /servers/{id}``: name, limits, allocations) were read.

    Attributes:
        details: The attributes the panel returned.

    Example:
        >>> DetailsChanged({"name": "Lobby"}).details["name"]
        'Lobby'
    """

    details: Mapping[str, Any]


WatchEvent = Event | FeedStatus | DetailsChanged
"""What a subscription yields: the library's console events and the hub's :class:`FeedStatus` and
:class:`DetailsChanged`."""


@dataclass(frozen=True, slots=True)
class FeedSnapshot:
    """The latest of one watched server, as the hub knows it now.

    Attributes:
        server_id: The panel identifier.
        link: The session's :data:`LinkState`.
        pause: Why it is paused, else ``None``.
        since: Epoch seconds when the current link state (or trouble) began.
        state: The last power state Wings reported (``None`` before the first ``status``).
        stats: The last ``stats`` (``None`` before the first).
        details: The panel's ``GET /servers/{id}`` attributes (name, limits, allocations...), when a subscriber
            asked for them and they were read; ``None`` otherwise.
        updated_at: Epoch seconds of the last ``status`` or ``stats`` event.
    """

    server_id: str
    link: LinkState
    pause: PauseReason | None
    since: float
    state: str | None = None
    stats: Stats | None = None
    details: Mapping[str, Any] | None = None
    updated_at: float | None = None

    @property
    def watchable(self) -> bool:
        """Whether events are flowing (``connected``)."""
        return self.link == "connected"

    @property
    def lost(self) -> bool:
        """Whether the session is down but being retried (``reconnecting`` or ``unreachable``)."""
        return self.link in ("reconnecting", "unreachable")
