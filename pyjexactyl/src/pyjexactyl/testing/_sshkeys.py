"""Parse OpenSSH public keys for ``POST /account/ssh-keys`` (validity, RSA size, fingerprint, PEM)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

__all__ = ["ParsedKey", "SSHKeyError", "parse_public_key"]


class SSHKeyError(ValueError):
    """The key is not acceptable; the message is the panel's validation message."""


@dataclass(frozen=True)
class ParsedKey:
    """A parsed public key."""

    kind: str
    fingerprint: str  # "SHA256:<base64 without padding>"
    pem: str


def _read_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(blob):
        raise SSHKeyError("The public key provided is not valid.")
    (length,) = struct.unpack(">I", blob[offset : offset + 4])
    end = offset + 4 + length
    if end > len(blob):
        raise SSHKeyError("The public key provided is not valid.")
    return blob[offset + 4 : end], end


def _der_len(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(content)) + content


def _der_int(value: bytes) -> bytes:
    value = value.lstrip(b"\x00") or b"\x00"
    if value[0] & 0x80:
        value = b"\x00" + value
    return _der(0x02, value)


def _pem(der: bytes) -> str:
    text = base64.b64encode(der).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----"


def parse_public_key(text: str) -> ParsedKey:
    """Parse ``ssh-rsa AAAA... comment`` / ``ssh-ed25519 ...`` / ``ecdsa-sha2-*`` keys."""
    parts = text.strip().split()
    if len(parts) < 2:
        raise SSHKeyError("The public key provided is not valid.")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise SSHKeyError("The public key provided is not valid.") from None
    kind_raw, offset = _read_string(blob, 0)
    kind = kind_raw.decode(errors="replace")
    if kind != parts[0]:
        raise SSHKeyError("The public key provided is not valid.")
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    if kind == "ssh-dss":
        raise SSHKeyError("DSA keys are not supported.")
    if kind == "ssh-rsa":
        exponent, offset = _read_string(blob, offset)
        modulus, offset = _read_string(blob, offset)
        bits = int.from_bytes(modulus, "big").bit_length()
        if bits < 2048:
            raise SSHKeyError("RSA keys must be at least 2048 bytes in length.")
        rsa_key = _der(0x30, _der_int(modulus) + _der_int(exponent))
        algorithm = _der(0x30, _der(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
        der = _der(0x30, algorithm + _der(0x03, b"\x00" + rsa_key))
        return ParsedKey(kind, fingerprint, _pem(der))
    if kind == "ssh-ed25519":
        raw, offset = _read_string(blob, offset)
        if len(raw) != 32:
            raise SSHKeyError("The public key provided is not valid.")
        der = bytes.fromhex("302a300506032b6570032100") + raw
        return ParsedKey(kind, fingerprint, _pem(der))
    if kind.startswith("ecdsa-sha2-") or kind.startswith("sk-"):
        return ParsedKey(kind, fingerprint, text.strip())
    raise SSHKeyError("The public key provided is not valid.")
