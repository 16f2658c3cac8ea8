"""The records the bot's database holds (a linked account, an audit entry), the storage errors, and the
conversions and checks every table's methods share (timestamps as text, user ids, encrypted keys)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = [
    "AuditEntry",
    "LinkedAccount",
    "StorageConflictError",
    "StorageError",
    "check_encrypted_key",
    "check_user_id",
    "from_text",
    "now",
    "to_text",
]

_PLAINTEXT_KEY = re.compile(rb"^\s*(?:ptl[ac]|papp|pacc)_")


class StorageError(Exception):
    """The database could not be opened or used."""


class StorageConflictError(StorageError):
    """A conditional update found rows that changed since they were read; nothing was written."""

    def __init__(self, discord_user_ids: Iterable[int]) -> None:
        self.discord_user_ids: list[int] = sorted(discord_user_ids)
        super().__init__(
            "linked accounts changed while they were being updated "
            f"(Discord user ids: {_format_ids(self.discord_user_ids)}); nothing was written, try again"
        )


@dataclass(frozen=True)
class LinkedAccount:
    """A Discord user's link to a panel account.  The ``repr`` hides ``encrypted_key``.

    The panel account is known by its numeric id (``panel_user_id``) where the panel's account object has one
    (Pterodactyl, Jexactyl v3 and v4), and by its uuid (``panel_user_uuid``) where it has one (Pelican's has
    only the uuid): at least one of the two is set. Compare accounts with :meth:`is_panel_user`.
    """

    discord_user_id: int
    panel_user_id: int | None
    panel_username: str
    is_panel_admin: bool
    encrypted_key: bytes = field(repr=False)
    linked_at: datetime
    last_used_at: datetime | None = None
    panel_user_uuid: str | None = None

    @property
    def panel_ref(self) -> str:
        """The linked account for logs and the audit log: ``panel user 12`` or ``panel user <uuid>``."""
        return f"panel user {self.panel_user_id if self.panel_user_id is not None else self.panel_user_uuid}"

    def is_panel_user(self, user_id: int | None, uuid: str | None) -> bool:
        """Whether the panel user with ``user_id`` / ``uuid`` (an application user object has both) is the
        linked account: compared by id when the link has one, else by uuid.

        Example:
            >>> link.is_panel_user(found.id, found.uuid)  # doctest: +SKIP
        """
        if self.panel_user_id is not None and user_id is not None:
            return self.panel_user_id == user_id
        return self.panel_user_uuid is not None and self.panel_user_uuid == uuid

    def is_same_link(self, other: LinkedAccount | None) -> bool:
        """Whether ``other`` is this very link: the same user, linked at the same moment. A re-link (even to the
        same panel account with the same key) is a new link; a key rotation is not."""
        return (
            other is not None
            and other.discord_user_id == self.discord_user_id
            and other.panel_user_id == self.panel_user_id
            and other.panel_user_uuid == self.panel_user_uuid
            and other.linked_at == self.linked_at
        )


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    id: int
    at: datetime
    discord_user_id: int | None
    action: str
    target: str | None
    outcome: str
    detail: str | None


def _format_ids(ids: list[int], limit: int = 20) -> str:
    shown = ", ".join(str(i) for i in ids[:limit])
    if len(ids) > limit:
        shown += f" and {len(ids) - limit} more"
    return shown


def now() -> datetime:
    """The current moment, timezone-aware (UTC)."""
    return datetime.now(UTC)


def to_text(moment: datetime) -> str:
    """How a timestamp is stored: ISO 8601 in UTC with microseconds (so text order is time order)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(value: str | None) -> datetime | None:
    """A stored timestamp back as an aware datetime (a naive one is taken as UTC)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def check_user_id(value: int, name: str = "discord_user_id") -> int:
    """``value`` if it is a Discord snowflake (a positive 64-bit int), else ``TypeError``/``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 < value < 2**63:
        raise ValueError(f"{name} must be a positive 64-bit integer")
    return value


def check_encrypted_key(value: bytes) -> bytes:
    """``value`` as bytes if it is a non-empty ciphertext, never a plaintext panel key."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"encrypted_key must be bytes from KeyVault.encrypt, not {type(value).__name__}")
    data = bytes(value)
    if not data:
        raise ValueError("encrypted_key must not be empty")
    if _PLAINTEXT_KEY.match(data):
        raise ValueError("encrypted_key looks like a plaintext panel API key; encrypt it with KeyVault first")
    return data
