"""A server's backups as the ``/backup`` commands see them: the record of one backup, its icons and labels,
and fetching a server's list or finding the backup a user named in it (always re-read from the panel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .embeds import clip, escape, human_bytes
from .errors import UserFacingError
from .servers import CHOICE_NAME_MAX, ServerRef

if TYPE_CHECKING:
    from pyjexactyl import AsyncJexactyl

__all__ = [
    "COMPLETED",
    "FAILED",
    "IN_PROGRESS",
    "LOCKED",
    "BackupInfo",
    "choice_label",
    "elapsed_text",
    "find_backup",
    "list_backups",
]

COMPLETED = "✅"
IN_PROGRESS = "⏳"
FAILED = "❌"
LOCKED = "🔒"


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """What the commands need to know of one backup."""

    uuid: str
    name: str
    size: int
    is_successful: bool
    is_locked: bool
    created_at: str | None
    completed_at: str | None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> BackupInfo:
        attributes = item.get("attributes", item)
        return cls(
            uuid=str(attributes["uuid"]),
            name=str(attributes.get("name") or attributes["uuid"]),
            size=int(attributes.get("bytes") or 0),
            is_successful=bool(attributes.get("is_successful")),
            is_locked=bool(attributes.get("is_locked")),
            created_at=attributes.get("created_at"),
            completed_at=attributes.get("completed_at"),
        )

    @property
    def in_progress(self) -> bool:
        return self.completed_at is None

    @property
    def failed(self) -> bool:
        return self.completed_at is not None and not self.is_successful

    @property
    def icon(self) -> str:
        if self.in_progress:
            return IN_PROGRESS
        return COMPLETED if self.is_successful else FAILED

    @property
    def state(self) -> str:
        if self.in_progress:
            return "in progress"
        return "completed" if self.is_successful else "failed"

    @property
    def size_text(self) -> str:
        return human_bytes(self.size) if self.size and not self.in_progress else "—"


def _short_date(value: str | None) -> str:
    """``2024-05-01T10:20:30+00:00`` → ``2024-05-01 10:20`` (UTC, for autocomplete labels)."""
    if not value:
        return "?"
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return clip(value, 20)
    return moment.strftime("%Y-%m-%d %H:%M")


def elapsed_text(seconds: float) -> str:
    """``75.2`` → ``1 min 15 s``."""
    total = max(0, int(seconds))
    minutes, secs = divmod(total, 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def choice_label(backup: BackupInfo) -> str:
    """``name (size, date)`` within Discord's 100-character choice name limit."""
    size = "in progress" if backup.in_progress else ("failed" if backup.failed else backup.size_text)
    suffix = f" ({size}, {_short_date(backup.created_at)})"
    return clip(backup.name, max(1, CHOICE_NAME_MAX - len(suffix))) + suffix


async def list_backups(api: AsyncJexactyl, server: ServerRef) -> list[BackupInfo]:
    """Every backup of ``server``, newest first."""
    response = await api.client.servers.backups.list_backups(server.identifier, params={"per_page": 50})
    items = [BackupInfo.from_api(item) for item in await response.collect()]
    # The panel lists oldest first; ties within the same second keep the panel's (creation) order.
    order = sorted(range(len(items)), key=lambda i: (items[i].created_at or "", i), reverse=True)
    return [items[i] for i in order]


async def find_backup(api: AsyncJexactyl, server: ServerRef, value: str) -> BackupInfo:
    """The backup the user meant, looked up afresh in the server's list (by UUID, or a unique name).

    Raises:
        UserFacingError: no such backup on that server, or the name is ambiguous.
    """
    wanted = value.strip()
    if not wanted:
        raise UserFacingError("Pick a backup from the suggestions.")
    backups = await list_backups(api, server)
    for item in backups:
        if item.uuid == wanted:
            return item
    named = [b for b in backups if b.name.casefold() == wanted.casefold()]
    if len(named) == 1:
        return named[0]
    if named:
        raise UserFacingError(
            f"Several backups of **{escape(server.name)}** are named “{escape(clip(wanted, 100))}”: "
            "pick one from the suggestions."
        )
    raise UserFacingError(
        f"No backup matching “{escape(clip(wanted, 100))}” on **{escape(server.name)}**. "
        "Pick one from the suggestions (they follow the server you chose)."
    )
