"""Encryption at rest for linked panel API keys.

:class:`KeyVault` wraps :class:`cryptography.fernet.MultiFernet`: the first key encrypts,
every key decrypts, so keys can be rotated by putting a new key first and running
``python -m bot rotate-keys``.  Neither keys nor plaintexts nor ciphertexts ever
appear in a ``repr`` or in an exception message.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .private_files import make_private_directory

__all__ = [
    "SECRET_KEY_FILENAME",
    "KeyDecryptError",
    "KeyVault",
    "KeyVaultError",
    "generate_key",
    "load_key_vault",
]

#: File inside ``DATA_DIR`` holding the auto-generated key when ``ENCRYPTION_KEY`` is unset.
SECRET_KEY_FILENAME = "secret.key"

_LoggerLike: TypeAlias = logging.Logger | logging.LoggerAdapter[logging.Logger]


class KeyVaultError(Exception):
    """The key vault could not be set up (invalid key, unreadable key file...)."""


class KeyDecryptError(Exception):
    """A stored token could not be decrypted with any configured key.

    The message never contains the token or any plaintext.
    """

    def __init__(
        self,
        message: str = (
            "the stored API key could not be decrypted with any configured ENCRYPTION_KEY "
            "(wrong or missing key, or corrupted data)"
        ),
    ) -> None:
        super().__init__(message)


def generate_key() -> str:
    """A fresh Fernet key, as the url-safe base64 text ``ENCRYPTION_KEY`` expects."""
    return Fernet.generate_key().decode("ascii")


class KeyVault:
    """Encrypts and decrypts panel API keys with one or more Fernet keys.

    :param keys: Fernet keys; the first one encrypts, all of them decrypt.
    :raises KeyVaultError: if no key is given or a key is not a valid Fernet key
        (the message names the position, never the value).
    """

    __slots__ = ("_fernet", "_key_count")

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if isinstance(keys, str | bytes):
            raise TypeError("KeyVault expects a sequence of keys, not a single key")
        if not keys:
            raise KeyVaultError("KeyVault needs at least one encryption key")
        fernets: list[Fernet] = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                raise KeyVaultError(
                    f"encryption key #{position} is not a valid Fernet key "
                    "(it must be 32 url-safe base64-encoded bytes)"
                ) from None
        self._fernet = MultiFernet(fernets)
        self._key_count = len(fernets)

    @property
    def key_count(self) -> int:
        """How many keys the vault holds (the first encrypts, all decrypt)."""
        return self._key_count

    def encrypt(self, plaintext: str) -> bytes:
        """Encrypt ``plaintext`` with the primary (first) key."""
        return self._fernet.encrypt(plaintext.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        """Decrypt a token produced by :meth:`encrypt` with any configured key.

        :raises KeyDecryptError: if no key can decrypt it, or it is not valid UTF-8.
        """
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except (InvalidToken, TypeError, ValueError):
            raise KeyDecryptError() from None

    def can_decrypt(self, token: bytes) -> bool:
        """Whether :meth:`decrypt` would succeed for ``token``."""
        try:
            self.decrypt(token)
        except KeyDecryptError:
            return False
        return True

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt ``token`` with the primary key.

        :raises KeyDecryptError: if no configured key can decrypt it.
        """
        try:
            return self._fernet.rotate(token)
        except (InvalidToken, TypeError, ValueError):
            raise KeyDecryptError() from None

    def __repr__(self) -> str:
        return f"<KeyVault keys={self._key_count}>"


def _write_new_key_file(path: Path) -> str | None:
    """Create ``path`` with a new key (mode 0600, O_EXCL); ``None`` if it already exists."""
    key = generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    except FileExistsError:
        return None
    try:
        with contextlib.suppress(AttributeError, NotImplementedError):
            os.fchmod(fd, 0o600)
        data = (key + "\n").encode("ascii")
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    os.close(fd)
    # Make the new directory entry durable too.
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return key


def _read_key_file(path: Path, logger: _LoggerLike) -> str:
    try:
        key = path.read_text(encoding="ascii").strip()
        mode = stat.S_IMODE(path.stat().st_mode)
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyVaultError(f"the key file {str(path)!r} could not be read ({type(exc).__name__})") from None
    if not key:
        raise KeyVaultError(f"the key file {str(path)!r} is empty; restore it from a backup or set ENCRYPTION_KEY")
    if mode & 0o077:
        logger.warning(
            "Key file %s is accessible by other users (mode %o); restrict it with: chmod 600 %s",
            path,
            mode,
            path,
        )
    return key


def load_key_vault(config_keys: Sequence[str], data_dir: Path, logger: _LoggerLike) -> KeyVault:
    """Build the vault from ``ENCRYPTION_KEY``, falling back to ``DATA_DIR/secret.key``.

    With no configured keys, the key stored in ``data_dir/secret.key`` is used; if that
    file does not exist it is generated atomically with mode 0600 (creating
    ``data_dir`` if needed).  Either way a WARNING tells the operator to set
    ``ENCRYPTION_KEY`` explicitly.  The key itself is never logged.

    :raises KeyVaultError: if a key is invalid or the key file cannot be read/created.
    """
    if config_keys:
        return KeyVault(list(config_keys))

    data_dir = Path(data_dir)
    path = data_dir / SECRET_KEY_FILENAME
    try:
        make_private_directory(data_dir)
        key = _write_new_key_file(path)
    except OSError as exc:
        raise KeyVaultError(
            f"could not create the key file {str(path)!r} ({type(exc).__name__}: {exc.strerror}); "
            "set ENCRYPTION_KEY or make DATA_DIR writable"
        ) from None

    if key is not None:
        logger.warning(
            "ENCRYPTION_KEY is not set: generated a new encryption key and stored it in %s (mode 0600). "
            "Back this file up and set ENCRYPTION_KEY explicitly; without the key, linked panel API keys "
            "cannot be decrypted.",
            path,
        )
    else:
        key = _read_key_file(path, logger)
        logger.warning(
            "ENCRYPTION_KEY is not set: using the encryption key stored in %s. "
            "Set ENCRYPTION_KEY explicitly (and keep a backup of it).",
            path,
        )
    try:
        return KeyVault([key])
    except KeyVaultError:
        raise KeyVaultError(
            f"the key file {str(path)!r} does not contain a valid Fernet key; "
            "restore it from a backup or set ENCRYPTION_KEY"
        ) from None
