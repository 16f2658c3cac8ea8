"""Parse public keys for ``POST /account/ssh-keys`` the way the panel's key loader (phpseclib) does.

Accepted: OpenSSH lines (``ssh-rsa``, ``ssh-ed25519``, ``ecdsa-sha2-nistp256/384/521``), PKCS#8
``-----BEGIN PUBLIC KEY-----`` PEM (what the panel itself stores and what its own tests post) and PKCS#1
``-----BEGIN RSA PUBLIC KEY-----`` PEM; security-key lines (``sk-...@openssh.com``) are kept as given, as newer
panels do. Refused like the panel: DSA keys, RSA keys under 2048 bits, private keys and anything unreadable.

The stored key is phpseclib's ``toString('PKCS8')`` (PEM, 64-character lines, CRLF line ends, no final
newline) and the fingerprint its ``getFingerprint('sha256')``: the base64 SHA-256 of the key's OpenSSH wire
blob, **without** padding and **without** a ``SHA256:`` prefix.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass

__all__ = ["ParsedKey", "SSHKeyError", "parse_public_key"]

INVALID = "The public key provided is not valid."
DSA_REFUSED = "DSA keys are not supported."
RSA_TOO_SHORT = "RSA keys must be at least 2048 bytes in length."

_OID_RSA = "1.2.840.113549.1.1.1"
_OID_DSA = "1.2.840.10040.4.1"
_OID_EC = "1.2.840.10045.2.1"
_OID_ED25519 = "1.3.101.112"
_CURVES = {"1.2.840.10045.3.1.7": "nistp256", "1.3.132.0.34": "nistp384", "1.3.132.0.35": "nistp521"}
_CURVE_OIDS = {name: oid for oid, name in _CURVES.items()}
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)


class SSHKeyError(ValueError):
    """The key is not acceptable; the message is the panel's validation message."""


@dataclass(frozen=True)
class ParsedKey:
    """A parsed public key."""

    kind: str  # the OpenSSH key type, e.g. "ssh-ed25519"
    fingerprint: str  # base64 SHA-256 of the OpenSSH blob, no padding, no prefix
    pem: str  # what the panel stores and returns as ``public_key``


# ----------------------------------------------------------------------------------------- encoding
def _ssh_string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def _mpint(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b""
    return _ssh_string(raw)


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        header = bytes([length])
    else:
        raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
        header = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + header + content


def _der_int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _der_oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytes([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        body += bytes(reversed(chunk))
    return _der(0x06, body)


def _spki(algorithm: bytes, key: bytes) -> bytes:
    return _der(0x30, _der(0x30, algorithm) + _der(0x03, b"\x00" + key))


def _phpseclib_pem(der: bytes) -> str:
    text = base64.b64encode(der).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "\r\n".join(["-----BEGIN PUBLIC KEY-----", *lines, "-----END PUBLIC KEY-----"])


def _fingerprint(blob: bytes) -> str:
    return base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


# ----------------------------------------------------------------------------------------- decoding
def _read_ssh_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(blob):
        raise SSHKeyError(INVALID)
    (length,) = struct.unpack(">I", blob[offset : offset + 4])
    end = offset + 4 + length
    if end > len(blob):
        raise SSHKeyError(INVALID)
    return blob[offset + 4 : end], end


def _read_der(data: bytes, offset: int) -> tuple[int, bytes, int]:
    """``(tag, content, next offset)`` of the DER element at ``offset``."""
    if offset + 2 > len(data):
        raise SSHKeyError(INVALID)
    tag, length = data[offset], data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or offset + count > len(data):
            raise SSHKeyError(INVALID)
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    end = offset + length
    if end > len(data):
        raise SSHKeyError(INVALID)
    return tag, data[offset:end], end


def _children(content: bytes) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(content):
        tag, value, offset = _read_der(content, offset)
        out.append((tag, value))
    return out


def _oid(content: bytes) -> str:
    if not content:
        raise SSHKeyError(INVALID)
    parts = [content[0] // 40, content[0] % 40]
    value = 0
    for byte in content[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _rsa_numbers(content: bytes) -> tuple[int, int]:
    items = _children(content)
    if len(items) != 2 or any(tag != 0x02 for tag, _ in items):
        raise SSHKeyError(INVALID)
    return int.from_bytes(items[0][1], "big"), int.from_bytes(items[1][1], "big")


def _rsa(modulus: int, exponent: int) -> ParsedKey:
    if modulus.bit_length() < 2048:
        raise SSHKeyError(RSA_TOO_SHORT)
    blob = _ssh_string(b"ssh-rsa") + _mpint(exponent) + _mpint(modulus)
    algorithm = _der_oid(_OID_RSA) + b"\x05\x00"
    der = _spki(algorithm, _der(0x30, _der_int(modulus) + _der_int(exponent)))
    return ParsedKey("ssh-rsa", _fingerprint(blob), _phpseclib_pem(der))


def _ed25519(raw: bytes) -> ParsedKey:
    if len(raw) != 32:
        raise SSHKeyError(INVALID)
    blob = _ssh_string(b"ssh-ed25519") + _ssh_string(raw)
    return ParsedKey("ssh-ed25519", _fingerprint(blob), _phpseclib_pem(_spki(_der_oid(_OID_ED25519), raw)))


def _ecdsa(curve: str, point: bytes) -> ParsedKey:
    size = {"nistp256": 65, "nistp384": 97, "nistp521": 133}[curve]
    if len(point) != size or point[0] != 0x04:
        raise SSHKeyError(INVALID)
    kind = f"ecdsa-sha2-{curve}"
    blob = _ssh_string(kind.encode()) + _ssh_string(curve.encode()) + _ssh_string(point)
    der = _spki(_der_oid(_OID_EC) + _der_oid(_CURVE_OIDS[curve]), point)
    return ParsedKey(kind, _fingerprint(blob), _phpseclib_pem(der))


def _from_spki(der: bytes) -> ParsedKey:
    tag, content, end = _read_der(der, 0)
    if tag != 0x30 or end != len(der):
        raise SSHKeyError(INVALID)
    items = _children(content)
    if len(items) != 2 or items[0][0] != 0x30 or items[1][0] != 0x03 or not items[1][1].startswith(b"\x00"):
        raise SSHKeyError(INVALID)
    algorithm = _children(items[0][1])
    if not algorithm or algorithm[0][0] != 0x06:
        raise SSHKeyError(INVALID)
    oid, key = _oid(algorithm[0][1]), items[1][1][1:]
    if oid == _OID_DSA:
        raise SSHKeyError(DSA_REFUSED)
    if oid == _OID_RSA:
        tag, inner, _ = _read_der(key, 0)
        if tag != 0x30:
            raise SSHKeyError(INVALID)
        return _rsa(*_rsa_numbers(inner))
    if oid == _OID_ED25519:
        return _ed25519(key)
    if oid == _OID_EC and len(algorithm) == 2 and algorithm[1][0] == 0x06:
        curve = _CURVES.get(_oid(algorithm[1][1]))
        if curve is not None:
            return _ecdsa(curve, key)
    raise SSHKeyError(INVALID)


def _from_pem(label: str, body: str) -> ParsedKey:
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise SSHKeyError(INVALID) from None
    if label == "PUBLIC KEY":
        return _from_spki(der)
    if label == "RSA PUBLIC KEY":
        tag, content, _ = _read_der(der, 0)
        if tag != 0x30:
            raise SSHKeyError(INVALID)
        return _rsa(*_rsa_numbers(content))
    raise SSHKeyError(INVALID)  # private keys, certificates and the like are not public keys


def _from_openssh(text: str) -> ParsedKey:
    parts = text.split()
    if len(parts) < 2:
        raise SSHKeyError(INVALID)
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise SSHKeyError(INVALID) from None
    kind_raw, offset = _read_ssh_string(blob, 0)
    kind = kind_raw.decode(errors="replace")
    if kind != parts[0]:
        raise SSHKeyError(INVALID)
    if kind.startswith("sk-"):  # FIDO security keys: stored as given (Pterodactyl after 1.11)
        return ParsedKey(kind, _fingerprint(blob), text)
    if kind == "ssh-dss":
        raise SSHKeyError(DSA_REFUSED)
    if kind == "ssh-rsa":
        exponent, offset = _read_ssh_string(blob, offset)
        modulus, offset = _read_ssh_string(blob, offset)
        return _rsa(int.from_bytes(modulus, "big"), int.from_bytes(exponent, "big"))
    if kind == "ssh-ed25519":
        raw, offset = _read_ssh_string(blob, offset)
        return _ed25519(raw)
    if kind.startswith("ecdsa-sha2-"):
        curve, offset = _read_ssh_string(blob, offset)
        point, offset = _read_ssh_string(blob, offset)
        if curve.decode(errors="replace") != kind[len("ecdsa-sha2-") :] or kind[11:] not in _CURVE_OIDS:
            raise SSHKeyError(INVALID)
        return _ecdsa(kind[11:], point)
    raise SSHKeyError(INVALID)


def parse_public_key(text: str) -> ParsedKey:
    """Parse an OpenSSH, PKCS#8 or PKCS#1 public key; raise :class:`SSHKeyError` with the panel's message."""
    text = text.strip()
    match = _PEM.search(text)
    if match is not None:
        return _from_pem(match.group(1), match.group(2))
    if text.startswith("-----"):
        raise SSHKeyError(INVALID)
    return _from_openssh(text)
