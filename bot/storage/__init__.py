"""SQLite persistence for the bot (linked accounts, audit log, small key/value store).

Usage::

    storage = await Storage.open(config.database_path)
    ...
    await storage.close()

    # or
    async with Storage.open(config.database_path) as storage:
        ...

The database runs in WAL mode with ``synchronous=FULL`` and every write method commits
before it returns, so a write that has returned survives even a ``SIGKILL``.  Writes on
the shared connection are serialised with a lock so one task's transaction can never
swallow (or roll back) another task's write.  Reads go through a second, read-only
connection: in WAL mode they never wait for a writer, so no read (resolving a user's
link, listing the audit log) queues behind a write that waits for another process's lock.
Panel API keys are only ever stored encrypted, and never written to the audit log.

The database file (and so its ``-wal`` and ``-shm`` files, which SQLite gives the
database's mode) is created 0600 and its directory 0700, whatever the umask.
"""

from __future__ import annotations

from bot.migrations import SchemaVersionError
from bot.redaction import redact_secrets

from .audit_log import AuditLog
from .key_values import KeyValueStore
from .links import LinkStore
from .records import AuditEntry, LinkedAccount, StorageConflictError, StorageError

__all__ = [
    "AuditEntry",
    "LinkedAccount",
    "SchemaVersionError",
    "Storage",
    "StorageConflictError",
    "StorageError",
    "redact_secrets",
]


class Storage(LinkStore, AuditLog, KeyValueStore):
    """Async access to the bot's SQLite database.  Create it with :meth:`open`.

    The methods live with their table: :mod:`bot.storage.links`, :mod:`bot.storage.audit_log`,
    :mod:`bot.storage.key_values`; opening, transactions and reads in :mod:`bot.storage.connection`.
    """
