"""The IP ranges an API key's ``allowed_ips`` may hold, parsed as the panel's IP library (IPTools ``Range``) does.

An entry is a single address (``10.0.0.1``, ``::1``), a CIDR network (``10.0.0.0/24``), a dash range
(``10.0.0.1-10.0.0.9``) or an IPv4 wildcard (``192.168.1.*``, each ``*`` standing for 0-255).
"""

from __future__ import annotations

import ipaddress

__all__ = ["in_range", "parse_range", "valid_range"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_range(value: str) -> tuple[IPAddress, IPAddress]:
    """``(first, last)`` address of ``value``; raises :class:`ValueError` when it is not a range."""
    text = value.strip()
    if "/" in text:
        network = ipaddress.ip_network(text, strict=False)
        return network[0], network[-1]
    if "*" in text:
        first = ipaddress.ip_address(text.replace("*", "0"))
        last = ipaddress.ip_address(text.replace("*", "255"))
        if first.version != 4:
            raise ValueError("wildcards are IPv4 only")
        return first, last
    if "-" in text:
        start, _, end = text.partition("-")
        first, last = ipaddress.ip_address(start.strip()), ipaddress.ip_address(end.strip())
        if first.version != last.version:
            raise ValueError("mixed IP versions")
        return first, last
    address = ipaddress.ip_address(text)
    return address, address


def valid_range(value: object) -> bool:
    """Whether the panel accepts ``value`` as an ``allowed_ips`` entry."""
    if not isinstance(value, str):
        return False
    try:
        parse_range(value)
    except ValueError:
        return False
    return True


def in_range(address: str, value: str) -> bool:
    """Whether ``address`` falls inside the entry ``value`` (an unparsable entry matches nothing)."""
    try:
        ip = ipaddress.ip_address(address)
        first, last = parse_range(value)
    except ValueError:
        return False
    if ip.version != first.version:
        return False
    return int(first) <= int(ip) <= int(last)
