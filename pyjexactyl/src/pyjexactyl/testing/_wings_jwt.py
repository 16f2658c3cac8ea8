"""HS256 JWTs the way the panel signs them and Wings checks them (stdlib only).

The panel signs with the node's daemon token (``NodeJWTService``); Wings 1.11 verifies with
``gbrlsnchs/jwt`` v3 and its own checks (``router/websocket/websocket.go``, ``router/tokens``). The error
texts below are the ones Wings puts in ``jwt error`` / ``daemon error`` frames.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import time
from dataclasses import dataclass
from typing import Any

from ._state import FakeNode

__all__ = [
    "ERR_DENYLIST",
    "ERR_EXPIRED",
    "ERR_NO_CONNECT",
    "ERR_NO_JWT",
    "ERR_UUID_MISMATCH",
    "JwtFailure",
    "WingsToken",
    "node_jwt",
    "verify_token",
]

ERR_NO_JWT = "jwt: no jwt present"
ERR_NO_CONNECT = "jwt: missing connect permission"
ERR_UUID_MISMATCH = "jwt: server uuid mismatch"
ERR_DENYLIST = "jwt: created too far in past (denylist)"
ERR_EXPIRED = "jwt: exp claim is invalid"
ERR_MALFORMED = "jwt: malformed token"
ERR_ALG = 'invalid "alg" field'
ERR_SIGNATURE = "jwt: HMAC verification failed"

#: The errors Wings reports as ``jwt error`` (``IsJwtError``); every other failure is a ``daemon error``.
JWT_ERRORS = frozenset({ERR_NO_JWT, ERR_NO_CONNECT, ERR_UUID_MISMATCH, ERR_DENYLIST, ERR_EXPIRED})


class JwtFailure(Exception):
    """A token Wings refuses; ``str(exc)`` is Wings' error text."""

    @property
    def is_jwt_error(self) -> bool:
        """Whether Wings reports it as ``jwt error`` (else ``daemon error``)."""
        return str(self) in JWT_ERRORS


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if "=" in text:
        raise JwtFailure(ERR_MALFORMED)
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise JwtFailure(ERR_MALFORMED) from None


def node_jwt(node: FakeNode, claims: dict[str, Any], *, ttl: int, panel_url: str, jti: str) -> str:
    """An HS256 JWT signed with the node's daemon token, like ``NodeJWTService``."""
    now = int(time.time())
    header = {"typ": "JWT", "alg": "HS256", "jti": jti}
    payload = {
        "iss": panel_url,
        "aud": [f"{node.scheme}://{node.fqdn}:{node.daemon_listen}"],
        "jti": jti,
        "iat": now,
        "nbf": now - 300,
        "exp": now + ttl,
        **claims,
    }
    encoded_header = _b64(json.dumps(header, separators=(",", ":")).encode())
    encoded_payload = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{encoded_header}.{encoded_payload}"
    signature = hmac.new(node.daemon_token.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@dataclass
class WingsToken:
    """The claims of a verified websocket JWT, as Wings keeps them for a connection.

    ``issued`` is the exact time the fake issued the token (``None`` for a token it did not issue): the
    JWT's ``iat`` only has whole seconds, and the fake compares deny times with the exact time so that a
    token fetched right after a Wings restart or a revocation is not refused for being in the same second.
    """

    claims: dict[str, Any]
    issued: float | None = None

    @property
    def server_uuid(self) -> str:
        """The ``server_uuid`` claim."""
        value = self.claims.get("server_uuid")
        return value if isinstance(value, str) else ""

    @property
    def jti(self) -> str:
        """The ``jti`` claim (md5 of user id + server uuid, shared by all tokens of that pair)."""
        value = self.claims.get("jti")
        return value if isinstance(value, str) else ""

    @property
    def user_uuid(self) -> str:
        """The ``user_uuid`` claim."""
        value = self.claims.get("user_uuid")
        return value if isinstance(value, str) else ""

    @property
    def permissions(self) -> list[str]:
        """The ``permissions`` claim (strings only)."""
        value = self.claims.get("permissions")
        return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []

    @property
    def exp(self) -> float | None:
        """The ``exp`` claim."""
        value = self.claims.get("exp")
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    @property
    def iat(self) -> float | None:
        """The ``iat`` claim."""
        value = self.claims.get("iat")
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    def expired(self, now: float | None = None) -> bool:
        """gbrlsnchs' ``ExpirationTimeValidator``: expired once the whole-second clock is past ``exp``."""
        exp = self.exp
        current = math.floor(time.time() if now is None else now)
        return exp is None or current > exp

    def issued_before(self, moment: float) -> bool:
        """Whether the token was issued before ``moment`` (a Wings boot or a revocation)."""
        if self.issued is not None:
            return self.issued < moment
        iat = self.iat
        return iat is None or iat < math.floor(moment)

    def denylisted(self, boot_time: float, denied: dict[str, float]) -> bool:
        """``WebsocketPayload.Denylisted``: no ``iat``, issued before Wings booted, or its ``jti`` revoked."""
        if self.iat is None or self.issued_before(boot_time):
            return True
        revoked = denied.get(self.jti)
        return revoked is not None and self.issued_before(revoked)

    def has_permission(self, permission: str, *, denylisted: bool) -> bool:
        """``HasPermission``: ``*`` grants everything except ``admin.*``; a denylisted token has none."""
        for granted in self.permissions:
            if granted == permission or (granted == "*" and not permission.startswith("admin")):
                return not denylisted
        return False


def verify_token(token: str, secret: str) -> dict[str, Any]:
    """Parse and check ``token`` as ``tokens.ParseToken`` does: shape, ``alg``, signature, then ``exp``.

    Raises:
        JwtFailure: with Wings' error text.
    """
    parts = token.split(".")
    if len(parts) < 3:
        raise JwtFailure(ERR_MALFORMED)
    encoded_header, encoded_payload = parts[0], parts[1]
    encoded_signature = ".".join(parts[2:])
    try:
        header = json.loads(_unb64(encoded_header))
    except ValueError:
        raise JwtFailure(ERR_MALFORMED) from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise JwtFailure(ERR_ALG)
    signature = _unb64(encoded_signature)
    expected = hmac.new(secret.encode(), f"{encoded_header}.{encoded_payload}".encode(), hashlib.sha256).digest()
    if not secret or not hmac.compare_digest(signature, expected):
        raise JwtFailure(ERR_SIGNATURE)
    try:
        claims = json.loads(_unb64(encoded_payload))
    except ValueError:
        raise JwtFailure(ERR_MALFORMED) from None
    if not isinstance(claims, dict):
        raise JwtFailure("jwt: payload is not a valid JSON object")
    if WingsToken(claims).expired():
        raise JwtFailure(ERR_EXPIRED)
    return claims
