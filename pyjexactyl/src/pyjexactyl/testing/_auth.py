"""Bearer-key authentication (§2.3 of the contract) and TOTP for the two-factor routes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from collections.abc import Mapping

from ._envelope import PanelError, forbidden
from ._iprange import in_range
from ._state import FakeApiKey, FakeUser
from ._store import PanelStore

__all__ = ["WRONG_KIND", "authenticate", "totp_code", "verify_totp"]

UNAUTHENTICATED = "Unauthenticated."
WRONG_KIND = "You are attempting to use an application API key on an endpoint that requires a client API key."
NOT_ADMIN = "This account does not have permission to access the API."


def _unauthenticated() -> PanelError:
    return PanelError(401, "AuthenticationException", UNAUTHENTICATED)


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token after ``Bearer `` (Laravel's ``bearerToken()`` is case-sensitive)."""
    header = headers.get("Authorization", "")
    position = header.rfind("Bearer ")
    if position == -1:
        return None
    token = header[position + 7 :]
    if "," in token:
        token = token.split(",", 1)[0]
    return token.strip() or None


def authenticate(store: PanelStore, headers: Mapping[str, str], api: str, remote: str) -> tuple[FakeUser, FakeApiKey]:
    """Resolve the bearer key or raise the panel's 401 / 403."""
    token = bearer_token(headers)
    if token is None:
        raise _unauthenticated()
    key = store.find_key(token)
    if key is None:
        raise _unauthenticated()
    user = store.users.get(key.user_id)
    if user is None:
        raise _unauthenticated()
    if api == "client" and key.kind == "application":
        raise forbidden(WRONG_KIND)
    if api == "application" and not user.root_admin:
        raise forbidden(NOT_ADMIN)
    if key.allowed_ips and not _ip_allowed(remote, key.allowed_ips):
        raise forbidden(
            f"This IP address ({remote}) does not have permission to access the API using these credentials."
        )
    return user, key


def _ip_allowed(remote: str, allowed: list[str]) -> bool:
    return any(in_range(remote, entry) for entry in allowed)


def totp_code(secret: str, at: float | None = None, step: int = 30) -> str:
    """The 6-digit RFC 6238 code of base32 ``secret`` at time ``at`` (now by default)."""
    padded = secret.upper() + "=" * (-len(secret) % 8)
    key = base64.b32decode(padded)
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def verify_totp(secret: str, code: str, window: int = 1) -> bool:
    """Accept the current code and ``window`` steps either side."""
    now = time.time()
    return any(hmac.compare_digest(totp_code(secret, now + drift * 30), code) for drift in range(-window, window + 1))
