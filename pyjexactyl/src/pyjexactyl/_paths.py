"""Building request paths: the one place identifiers enter a URL.

Every identifier is checked and percent-quoted here, so no argument can change which endpoint is called:
``"../../application/users"`` as a server id is refused before any request is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from .exceptions import InvalidArgumentError

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_FORBIDDEN = re.compile(r"[/\\%?#\x00-\x20\x7f]")


def quote_identifier(name: str, value: object) -> str:
    """Checks one path identifier and returns it percent-quoted.

    Args:
        name: The parameter's name, used in the error message.
        value: The identifier (a string or an int).

    Raises:
        InvalidArgumentError: empty, a dot segment, or containing ``/``, ``\\``, ``%``, ``?``, ``#``,
            whitespace or control characters.

    Example:
        >>> quote_identifier("server_id", "1a2b3c4d")
        '1a2b3c4d'
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidArgumentError(f"{name} must be a string or an integer, not {type(value).__name__}")
    text = str(value)
    if text in ("", ".", ".."):
        raise InvalidArgumentError(f"{name} must not be empty or a dot segment")
    if _FORBIDDEN.search(text):
        raise InvalidArgumentError(
            f"{name} contains a character that is not allowed in an identifier (slash, backslash, "
            "percent, ?, #, whitespace or control character)"
        )
    if len(text) > 191:
        raise InvalidArgumentError(f"{name} is too long to be an identifier ({len(text)} characters)")
    return quote(text, safe="")


def build_path(template: str, **identifiers: object) -> str:
    """Fills a path template, quoting each identifier with :func:`quote_identifier`.

    Args:
        template: A path such as ``/api/client/servers/{server}/backups/{backup}``.
        **identifiers: One value per placeholder.

    Example:
        >>> build_path("/api/client/servers/{server}", server="1a2b3c4d")
        '/api/client/servers/1a2b3c4d'
    """
    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in identifiers:
            raise KeyError(f"missing path parameter {key!r}")
        return quote_identifier(key, identifiers[key])

    return _PLACEHOLDER.sub(fill, template)


def build_query(
    includes: Iterable[str] | None = None,
    params: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Merges ``includes``, the caller's ``params`` and endpoint-specific parameters into a new dict.

    The caller's ``params`` is never mutated. ``None`` values are dropped; booleans become ``true`` /
    ``false``; lists become repeated keys (``location_ids[]=1&location_ids[]=2``) when the key ends
    with ``[]``, else comma-joined.

    Args:
        includes: Relationship names for ``include=``, as a list or tuple.
        params: Any extra query parameters (``per_page``, ``filter[name]``, ``sort`` ...).
        **extra: Endpoint parameters; they override ``params``.

    Example:
        >>> build_query(("egg", "nest"), {"per_page": 10})
        {'per_page': 10, 'include': 'egg,nest'}
    """
    query: dict[str, Any] = {}
    for source in (params or {}, extra):
        for key, value in source.items():
            if value is None:
                continue
            query[key] = value
    if includes:
        if isinstance(includes, str):
            includes = [includes]
        merged = [str(i) for i in includes]
        if "include" in query:
            merged = [*str(query["include"]).split(","), *merged]
        query["include"] = ",".join(dict.fromkeys(i for i in merged if i))
    return query


def encode_query(query: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Turns a query dict into ordered pairs for the HTTP layer (see :func:`build_query`)."""
    pairs: list[tuple[str, str]] = []
    for key, value in query.items():
        if isinstance(value, bool):
            pairs.append((key, "true" if value else "false"))
        elif isinstance(value, (list, tuple, set, frozenset)):
            if key.endswith("[]"):
                pairs.extend((key, _scalar(v)) for v in value)
            else:
                pairs.append((key, ",".join(_scalar(v) for v in value)))
        else:
            pairs.append((key, _scalar(value)))
    return pairs


def describe_path(path: str, query: Iterable[tuple[str, str]]) -> str:
    """The path with its query as logs and error messages show it (``/api/client?include=egg``)."""
    pairs = "&".join(f"{key}={value}" for key, value in query)
    return f"{path}?{pairs}" if pairs else path


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
