"""``api.client.account`` against the fake panel, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pyjexactyl import AsyncJexactyl, Jexactyl
from pyjexactyl.exceptions import BadRequestError, InvalidArgumentError, NotFoundError, ValidationError
from pyjexactyl.testing import FakePanel
from tests.lib.helpers import only_request, since

ACCOUNT = "/api/client/account"


def ssh_public_key() -> str:
    key = Ed25519PrivateKey.generate().public_key()
    raw = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return raw.decode() + " test@laptop"


async def test_get_account(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    before = len(fake_panel.requests)
    account = await api.client.account.get_account()
    assert account["object"] == "user"
    assert account["attributes"]["username"] == "alice"
    assert account["attributes"]["email"] == "alice@example.com"
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("GET", ACCOUNT, 200)


async def test_two_factor_setup_enable_disable(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    user = fake_panel.user
    setup = await api.client.account.get_2fa_setup_code()
    assert setup["data"]["secret"] == user.totp_secret
    assert setup["data"]["image_url_data"].startswith("otpauth://totp/")

    code = fake_panel.totp_code(user)
    before = len(fake_panel.requests)
    tokens = await api.client.account.enable_2fa(code, "password")
    assert tokens["object"] == "recovery_tokens"
    assert len(tokens["attributes"]["tokens"]) == 10
    req = only_request(fake_panel, before)
    assert (req.method, req.path) == ("POST", ACCOUNT + "/two-factor")
    assert req.json == {"code": code, "password": "password"}
    assert user.totp_enabled

    before = len(fake_panel.requests)
    assert await api.client.account.disable_2fa("password") is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", ACCOUNT + "/two-factor/disable", 204)
    assert req.json == {"password": "password"}
    assert not user.totp_enabled


@pytest.mark.parametrize("status", [404, 405])
async def test_disable_2fa_falls_back_to_delete_on_older_panels(
    api: AsyncJexactyl, fake_panel: FakePanel, status: int
) -> None:
    user = fake_panel.user
    user.totp_enabled, user.totp_secret = True, "JBSWY3DPEHPK3PXP"
    fake_panel.fail_next(1, status, path_prefix=ACCOUNT + "/two-factor/disable")
    before = len(fake_panel.requests)
    await api.client.account.disable_2fa("password")
    first, second = since(fake_panel, before)
    assert (first.method, first.path, first.status) == ("POST", ACCOUNT + "/two-factor/disable", status)
    assert (second.method, second.path, second.status) == ("DELETE", ACCOUNT + "/two-factor", 204)
    assert second.json == {"password": "password"}
    assert not user.totp_enabled


async def test_disable_2fa_wrong_password_is_not_retried_as_delete(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    fake_panel.user.totp_enabled = True
    before = len(fake_panel.requests)
    with pytest.raises(BadRequestError) as info:
        await api.client.account.disable_2fa("wrong")
    assert info.value.status == 400
    assert len(since(fake_panel, before)) == 1
    assert fake_panel.user.totp_enabled


@pytest.mark.parametrize(
    ("code", "password"), [("12345", "password"), ("1234567", "password"), (None, "password"), ("123456", "")]
)
async def test_enable_2fa_local_checks(api: AsyncJexactyl, fake_panel: FakePanel, code: Any, password: str) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.account.enable_2fa(code, password)
    assert len(fake_panel.requests) == before


async def test_update_email(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    before = len(fake_panel.requests)
    assert await api.client.account.update_email("alice2@example.com", "password") is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("PUT", ACCOUNT + "/email", 204)
    assert req.json == {"email": "alice2@example.com", "password": "password"}
    assert fake_panel.user.email == "alice2@example.com"

    with pytest.raises(BadRequestError) as info:
        await api.client.account.update_email("alice3@example.com", "not-it")
    assert info.value.code == "InvalidPasswordProvidedException"
    with pytest.raises(ValidationError) as vinfo:
        await api.client.account.update_email("admin@example.com", "password")
    assert vinfo.value.errors[0].source_field == "email"


async def test_update_password(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    before = len(fake_panel.requests)
    assert await api.client.account.update_password("password", "correct horse", "correct horse") is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("PUT", ACCOUNT + "/password", 204)
    assert req.json == {
        "current_password": "password",
        "password": "correct horse",
        "password_confirmation": "correct horse",
    }
    assert fake_panel.user.password == "correct horse"

    with pytest.raises(ValidationError) as info:
        await api.client.account.update_password("correct horse", "short", "short")
    assert info.value.errors[0].rule == "min"

    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.account.update_password("correct horse", "new password 1", "new password 2")
    assert len(fake_panel.requests) == before


async def test_api_keys_create_list_use_delete(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    before = len(fake_panel.requests)
    created = await api.client.account.api_key_create("backup script", ["10.0.0.0/8", "127.0.0.1"])
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", ACCOUNT + "/api-keys", 200)
    assert req.json == {"description": "backup script", "allowed_ips": ["10.0.0.0/8", "127.0.0.1"]}
    identifier = created["attributes"]["identifier"]
    secret = created["meta"]["secret_token"]
    assert identifier.startswith("ptlc_") and len(identifier + secret) == 48
    assert created["attributes"]["allowed_ips"] == ["10.0.0.0/8", "127.0.0.1"]

    listed = await api.client.account.api_key_list()
    assert identifier in [k["attributes"]["identifier"] for k in listed["data"]]

    async with AsyncJexactyl(fake_panel.url, identifier + secret, backoff_factor=0) as other:
        assert (await other.client.account.get_account())["attributes"]["username"] == "alice"

    before = len(fake_panel.requests)
    assert await api.client.account.api_key_delete(identifier) is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("DELETE", f"{ACCOUNT}/api-keys/{identifier}", 204)
    with pytest.raises(NotFoundError):
        await api.client.account.api_key_delete(identifier)


async def test_api_key_create_without_ips_sends_empty_list(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    before = len(fake_panel.requests)
    created = await api.client.account.api_key_create("anything")
    assert only_request(fake_panel, before).json == {"description": "anything", "allowed_ips": []}
    assert created["attributes"]["allowed_ips"] == []


@pytest.mark.parametrize("description", ["", "   ", None, 5])
async def test_api_key_create_requires_description(api: AsyncJexactyl, fake_panel: FakePanel, description: Any) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.account.api_key_create(description)
    assert len(fake_panel.requests) == before


async def test_api_key_create_invalid_ip_is_a_validation_error(api: AsyncJexactyl) -> None:
    with pytest.raises(ValidationError) as info:
        await api.client.account.api_key_create("bad ip", ["not-an-ip"])
    assert info.value.errors[0].source_field == "allowed_ips.0"


@pytest.mark.parametrize("identifier", ["../../application/users", "a/b", "", "..", "ptlc_x?y=1"])
async def test_api_key_delete_path_injection(api: AsyncJexactyl, fake_panel: FakePanel, identifier: str) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.client.account.api_key_delete(identifier)
    assert len(fake_panel.requests) == before


async def test_list_activity_paginates_with_includes(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    for i in range(3):
        await api.client.account.api_key_create(f"key {i}")
    params = {"per_page": 2, "filter[event]": "api-key"}
    snapshot = dict(params)
    before = len(fake_panel.requests)
    activity = await api.client.account.list_activity(includes=["actor"], params=params)
    assert params == snapshot
    entries = await activity.collect()
    assert len(entries) == 3
    assert all(e["attributes"]["event"] == "user:api-key.create" for e in entries)
    assert entries[0]["attributes"]["relationships"]["actor"]["attributes"]["username"] == "alice"
    pages = since(fake_panel, before)
    assert [r.path for r in pages] == [ACCOUNT + "/activity"] * 2
    for req in pages:
        assert req.query["include"] == ["actor"]
        assert req.query["per_page"] == ["2"]
        assert req.query["filter[event]"] == ["api-key"]
    assert pages[1].query["page"] == ["2"]


async def test_ssh_keys(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    public_key = ssh_public_key()
    before = len(fake_panel.requests)
    created = await api.client.account.create_ssh_key("laptop", public_key)
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", ACCOUNT + "/ssh-keys", 200)
    assert req.json == {"name": "laptop", "public_key": public_key}
    assert created["object"] == "ssh_key"
    fingerprint = created["attributes"]["fingerprint"]
    assert len(fingerprint) == 43 and not fingerprint.startswith("SHA256:")  # phpseclib: bare base64

    listed = await api.client.account.list_ssh_keys()
    assert [k["attributes"]["fingerprint"] for k in listed["data"]] == [fingerprint]

    with pytest.raises(ValidationError):
        await api.client.account.create_ssh_key("again", public_key)

    before = len(fake_panel.requests)
    assert await api.client.account.delete_ssh_key(fingerprint) is None
    req = only_request(fake_panel, before)
    assert (req.method, req.path, req.status) == ("POST", ACCOUNT + "/ssh-keys/remove", 204)
    assert req.json == {"fingerprint": fingerprint}
    assert (await api.client.account.list_ssh_keys())["data"] == []


async def test_create_ssh_key_rejects_garbage(api: AsyncJexactyl) -> None:
    with pytest.raises(ValidationError) as info:
        await api.client.account.create_ssh_key("bad", "ssh-ed25519 notbase64!!")
    assert info.value.errors[0].source_field == "public_key"


def test_account_sync_client(fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    with Jexactyl(panel.url, panel.user.client_key, backoff_factor=0) as api:
        assert api.client.account.get_account()["attributes"]["username"] == "alice"
        before = len(panel.requests)
        key = api.client.account.api_key_create("sync key", "192.168.1.0/24")
        assert only_request(panel, before).json == {"description": "sync key", "allowed_ips": ["192.168.1.0/24"]}
        identifier = key["attributes"]["identifier"]
        assert identifier in [k["attributes"]["identifier"] for k in api.client.account.api_key_list()["data"]]
        api.client.account.api_key_delete(identifier)
        assert identifier not in [k["attributes"]["identifier"] for k in api.client.account.api_key_list()["data"]]
        activity = api.client.account.list_activity(params={"per_page": 1})
        assert [e["attributes"]["event"] for e in activity.collect()] == [
            "user:api-key.delete",
            "user:api-key.create",
        ]
        with pytest.raises(InvalidArgumentError):
            api.client.account.api_key_create("")
