"""Tests for bot.crypto (KeyVault, key file) and bot.rotate_keys."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import BotConfig, load_config
from bot.crypto import (
    SECRET_KEY_FILENAME,
    KeyDecryptError,
    KeyVault,
    KeyVaultError,
    generate_key,
    load_key_vault,
)
from bot.rotate_keys import (
    KeyRotationError,
    KeyVerificationError,
    ensure_keys_decryptable,
    rotate_keys,
    verify_keys,
)
from bot.storage import Storage
from tests.fake_discord import bot_token

PANEL_KEY = "ptlc_" + "S3cr3tPanelKey" * 3 + "x"  # 48 characters


# -- KeyVault -------------------------------------------------------------------------------


def test_encrypt_decrypt_roundtrip() -> None:
    vault = KeyVault([generate_key()])
    token = vault.encrypt(PANEL_KEY)
    assert isinstance(token, bytes)
    assert PANEL_KEY.encode() not in token
    assert vault.decrypt(token) == PANEL_KEY
    assert vault.encrypt(PANEL_KEY) != token  # random IV
    assert vault.key_count == 1


def test_all_keys_decrypt_first_encrypts() -> None:
    old, new = generate_key(), generate_key()
    old_token = KeyVault([old]).encrypt("a")
    vault = KeyVault([new, old])
    assert vault.key_count == 2
    assert vault.decrypt(old_token) == "a"
    fresh = vault.encrypt("b")
    assert KeyVault([new]).decrypt(fresh) == "b"
    with pytest.raises(KeyDecryptError):
        KeyVault([old]).decrypt(fresh)


def test_rotate_reencrypts_with_primary_key() -> None:
    old, new = generate_key(), generate_key()
    old_token = KeyVault([old]).encrypt(PANEL_KEY)
    rotated = KeyVault([new, old]).rotate(old_token)
    assert KeyVault([new]).decrypt(rotated) == PANEL_KEY
    with pytest.raises(KeyDecryptError):
        KeyVault([new]).rotate(b"garbage")


@pytest.mark.parametrize("token", [b"not-a-token", b"", b"gAAAAABfakefakefake", "str-instead-of-bytes"])
def test_decrypt_failure_is_typed_and_leaks_nothing(token: bytes) -> None:
    vault = KeyVault([generate_key()])
    with pytest.raises(KeyDecryptError) as info:
        vault.decrypt(token)
    message = str(info.value)
    assert "could not be decrypted" in message
    assert str(token) not in message
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    assert not vault.can_decrypt(token)


def test_decrypt_with_wrong_key_does_not_leak_ciphertext() -> None:
    token = KeyVault([generate_key()]).encrypt(PANEL_KEY)
    with pytest.raises(KeyDecryptError) as info:
        KeyVault([generate_key()]).decrypt(token)
    assert token.decode() not in str(info.value)
    assert PANEL_KEY not in str(info.value)


def test_invalid_keys_are_rejected_by_position() -> None:
    good = generate_key()
    with pytest.raises(KeyVaultError) as info:
        KeyVault([good, "bad-key-value"])
    assert "#2" in str(info.value)
    assert "bad-key-value" not in str(info.value)
    assert good not in str(info.value)
    with pytest.raises(KeyVaultError):
        KeyVault([])
    with pytest.raises(TypeError):
        KeyVault(good)


def test_vault_repr_hides_keys() -> None:
    key = generate_key()
    vault = KeyVault([key, generate_key()])
    assert repr(vault) == "<KeyVault keys=2>"
    assert key not in repr(vault)


def test_accepts_bytes_keys() -> None:
    key = Fernet.generate_key()
    assert KeyVault([key]).decrypt(KeyVault([key.decode()]).encrypt("x")) == "x"


# -- key file -------------------------------------------------------------------------------


def test_generated_key_file_is_private_and_not_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data_dir = tmp_path / "nested" / "data"
    logger = logging.getLogger("test.crypto")
    with caplog.at_level(logging.WARNING, logger="test.crypto"):
        vault = load_key_vault([], data_dir, logger)
    key_file = data_dir / SECRET_KEY_FILENAME
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    Fernet(key)  # valid
    assert vault.decrypt(KeyVault([key]).encrypt("x")) == "x"

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "ENCRYPTION_KEY" in warnings[0].getMessage()
    assert "explicitly" in warnings[0].getMessage()
    assert key not in caplog.text

    # Second start-up: the same key is loaded, still with a warning, still not logged.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="test.crypto"):
        again = load_key_vault([], data_dir, logger)
    assert again.decrypt(vault.encrypt("y")) == "y"
    assert key_file.read_text().strip() == key
    assert "explicitly" in caplog.text
    assert key not in caplog.text


def test_configured_keys_skip_key_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    key = generate_key()
    with caplog.at_level(logging.WARNING):
        vault = load_key_vault([key], tmp_path, logging.getLogger("test.crypto"))
    assert not (tmp_path / SECRET_KEY_FILENAME).exists()
    assert caplog.records == []
    assert KeyVault([key]).decrypt(vault.encrypt("z")) == "z"


def test_corrupt_key_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / SECRET_KEY_FILENAME).write_text("corrupted-secret-content\n")
    (tmp_path / SECRET_KEY_FILENAME).chmod(0o600)
    with pytest.raises(KeyVaultError) as info:
        load_key_vault([], tmp_path, logging.getLogger("test.crypto"))
    assert "does not contain a valid Fernet key" in str(info.value)
    assert "corrupted-secret-content" not in str(info.value)


def test_loose_key_file_permissions_warn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    key_file = tmp_path / SECRET_KEY_FILENAME
    key = generate_key()
    key_file.write_text(key)
    key_file.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="test.crypto"):
        load_key_vault([], tmp_path, logging.getLogger("test.crypto"))
    assert "chmod 600" in caplog.text
    assert key not in caplog.text


# -- rotate_keys / verify_keys --------------------------------------------------------------


def make_config(tmp_path: Path, keys: list[str] | None) -> BotConfig:
    env = {"DISCORD_TOKEN": bot_token(), "PANEL_URL": "https://panel.mygameserver.net", "DATA_DIR": str(tmp_path)}
    if keys:
        env["ENCRYPTION_KEY"] = ",".join(keys)
    return load_config(env)


async def seed(config: BotConfig, entries: dict[int, bytes]) -> None:
    async with Storage.open(config.database_path) as storage:
        for uid, token in entries.items():
            await storage.link_account(uid, uid + 1000, f"user{uid}", False, token)


async def stored_keys(config: BotConfig) -> dict[int, bytes]:
    async with Storage.open(config.database_path) as storage:
        return {a.discord_user_id: a.encrypted_key for a in await storage.all_links()}


async def test_rotate_keys_with_old_key_second(tmp_path: Path) -> None:
    old, new = generate_key(), generate_key()
    old_vault = KeyVault([old])
    secrets = {uid: f"ptlc_{uid:043d}" for uid in (11, 22, 33)}
    config = make_config(tmp_path, [new, old])
    await seed(config, {uid: old_vault.encrypt(s) for uid, s in secrets.items()})
    before = await stored_keys(config)

    assert await rotate_keys(config) == 3

    after = await stored_keys(config)
    assert set(after) == set(before)
    new_only = KeyVault([new])
    for uid, token in after.items():
        assert token != before[uid]
        assert new_only.decrypt(token) == secrets[uid]
        with pytest.raises(KeyDecryptError):
            old_vault.decrypt(token)
    async with Storage.open(config.database_path) as storage:
        assert await verify_keys(storage, new_only) == []
        await ensure_keys_decryptable(storage, new_only)


async def test_rotate_keys_aborts_and_changes_nothing(tmp_path: Path) -> None:
    old, new, lost = generate_key(), generate_key(), generate_key()
    config = make_config(tmp_path, [new, old])
    await seed(
        config,
        {
            101: KeyVault([old]).encrypt("ptlc_a"),
            202: KeyVault([lost]).encrypt("ptlc_b"),
            303: KeyVault([new]).encrypt("ptlc_c"),
            404: KeyVault([lost]).encrypt("ptlc_d"),
        },
    )
    before = await stored_keys(config)

    with pytest.raises(KeyRotationError) as info:
        await rotate_keys(config)
    assert info.value.affected_user_ids == [202, 404]
    message = str(info.value)
    assert "202" in message and "404" in message
    assert "nothing was changed" in message
    assert new not in message and old not in message
    assert await stored_keys(config) == before


async def test_rotate_keys_requires_encryption_key_and_database(tmp_path: Path) -> None:
    with pytest.raises(KeyRotationError, match="ENCRYPTION_KEY is not set"):
        await rotate_keys(make_config(tmp_path, None))
    with pytest.raises(KeyRotationError, match="no database found"):
        await rotate_keys(make_config(tmp_path / "empty", [generate_key()]))
    assert not (tmp_path / "empty").exists()


async def test_rotate_keys_empty_database(tmp_path: Path) -> None:
    config = make_config(tmp_path, [generate_key()])
    await seed(config, {})
    assert await rotate_keys(config) == 0


async def test_verify_keys_reports_undecryptable_users(tmp_path: Path) -> None:
    right, wrong = generate_key(), generate_key()
    config = make_config(tmp_path, [right])
    await seed(config, {7: KeyVault([right]).encrypt("k1"), 8: KeyVault([wrong]).encrypt("k2")})
    async with Storage.open(config.database_path) as storage:
        assert await verify_keys(storage, KeyVault([right])) == [8]
        assert await verify_keys(storage, KeyVault([wrong])) == [7]
        assert await verify_keys(storage, KeyVault([right, wrong])) == []
        with pytest.raises(KeyVerificationError) as info:
            await ensure_keys_decryptable(storage, KeyVault([generate_key()]))
    assert info.value.affected_user_ids == [7, 8]
    assert "2 of 2" in str(info.value)
    assert "ENCRYPTION_KEY" in str(info.value)
