"""What each built-in Laravel rule accepts (``_passes``), with the value tests it needs (integers, numbers,
emptiness, sizes, IP ranges, PHP regexes) and :data:`MISSING`, the marker of an absent field."""

from __future__ import annotations

import datetime as _dt
import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from ._validation_rules import is_alpha, is_ip, timezones

__all__ = ["MISSING", "UnknownRuleError", "get_path", "php_regex"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class UnknownRuleError(ValueError):
    """A rule string names a rule the fake does not implement (or Laravel does not know)."""


def php_regex(pattern: str) -> re.Pattern[str]:
    """Compile a PHP ``/pattern/flags`` regex."""
    delim = pattern[0]
    end = pattern.rfind(delim)
    body, flags_text = pattern[1:end], pattern[end + 1 :]
    flags = 0
    if "i" in flags_text:
        flags |= re.IGNORECASE
    if "m" in flags_text:
        flags |= re.MULTILINE
    if "s" in flags_text:
        flags |= re.DOTALL
    if "x" in flags_text:
        flags |= re.VERBOSE
    return re.compile(body, flags)


def get_path(data: Any, path: str) -> Any:
    """Value at a dotted path, or :data:`MISSING`."""
    current = data
    for part in path.split("."):
        if isinstance(current, Mapping):
            if part not in current:
                return MISSING
            current = current[part]
        elif isinstance(current, list):
            if not part.isdigit() or int(part) >= len(current):
                return MISSING
            current = current[int(part)]
        else:
            return MISSING
    return current


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()) is not None


def _is_numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value.strip())
        except ValueError:
            return False
        return value.strip() != "" and value.strip().lower() not in ("nan", "inf", "-inf", "infinity")
    return False


def _is_empty(value: Any) -> bool:
    if value is MISSING or value is None:
        return True
    if isinstance(value, str) and value.strip() == "":
        return True
    return isinstance(value, list | dict) and len(value) == 0


def _size(value: Any, numeric: bool) -> float:
    if numeric and _is_numeric(value):
        return float(value)
    if isinstance(value, list | dict):
        return float(len(value))
    if value is None:
        return 0.0
    return float(len(value if isinstance(value, str) else str(value)))


def _ip_or_cidr(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        if "/" in value:
            ipaddress.ip_network(value, strict=False)
        else:
            ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _passes(name: str, params: list[str], value: Any, data: Mapping[str, Any], field: str, numeric: bool) -> bool:
    if name == "required":
        return not _is_empty(value)
    if name == "present":
        return value is not MISSING
    if name == "filled":
        return value is MISSING or not _is_empty(value)
    if name == "required_with":
        if any(not _is_empty(get_path(data, p)) for p in params):
            return not _is_empty(value)
        return True
    if name == "required_without":
        if any(_is_empty(get_path(data, p)) for p in params):
            return not _is_empty(value)
        return True
    if name == "required_if":
        other = get_path(data, params[0])
        other_text = ("1" if other else "0") if isinstance(other, bool) else str(other)
        if other is not MISSING and other_text in params[1:]:
            return not _is_empty(value)
        return True
    if name == "required_with_all":
        if all(not _is_empty(get_path(data, p)) for p in params):
            return not _is_empty(value)
        return True
    if name == "required_without_all":
        if all(_is_empty(get_path(data, p)) for p in params):
            return not _is_empty(value)
        return True
    if name == "accepted":
        return value in (True, 1, "1", "yes", "on", "true")
    if name == "required_unless":
        other = get_path(data, params[0])
        other_text = ("1" if other else "0") if isinstance(other, bool) else str(other)
        if other is not MISSING and other_text in params[1:]:
            return True
        return not _is_empty(value)
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        return _is_int(value)
    if name == "numeric":
        return _is_numeric(value)
    if name == "boolean":
        return value in (True, False, 0, 1, "0", "1") and not isinstance(value, float)
    if name == "array":
        return isinstance(value, list | dict)
    if name == "in":
        if isinstance(value, list | dict) or value is None:
            return False
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        return text in params
    if name in ("min", "max", "between", "size"):
        size = _size(value, numeric)
        if name == "min":
            return size >= float(params[0])
        if name == "max":
            return size <= float(params[0])
        if name == "size":
            return size == float(params[0])
        return float(params[0]) <= size <= float(params[1])
    if name == "email":
        return isinstance(value, str) and re.fullmatch(r"[^@\s]+@[^@\s]+", value) is not None
    if name in ("url", "active_url"):
        if not isinstance(value, str):
            return False
        parsed = urlparse(value)
        return parsed.scheme in ("http", "https", "ftp", "ftps") and bool(parsed.netloc)
    if name in ("regex", "not_regex"):
        if not isinstance(value, str | int | float):
            return False
        found = php_regex(params[0]).search(str(value)) is not None
        return found if name == "regex" else not found
    if name in ("alpha", "alpha_num", "alpha_dash"):
        return is_alpha(name, value)
    if name in ("digits", "digits_between"):
        text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not text or not text.isascii() or not text.isdigit():
            return False
        if name == "digits":
            return len(text) == int(params[0])
        return int(params[0]) <= len(text) <= int(params[1])
    if name == "ip":
        return is_ip(value, None)
    if name in ("ipv4", "ipv6"):
        return is_ip(value, int(name[-1]))
    if name == "json":
        if not isinstance(value, str):
            return False
        try:
            json.loads(value)
        except ValueError:
            return False
        return True
    if name == "not_in":
        if isinstance(value, list | dict):
            return False
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        return text not in params
    if name in ("same", "different"):
        equal = get_path(data, params[0]) == value
        return equal if name == "same" else not equal
    if name == "uuid":
        pattern = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
        return isinstance(value, str) and re.fullmatch(pattern, value) is not None
    if name == "starts_with":
        return isinstance(value, str | int) and str(value).startswith(tuple(params))
    if name == "ends_with":
        return isinstance(value, str | int) and str(value).endswith(tuple(params))
    if name == "lowercase":
        return isinstance(value, str) and value == value.lower()
    if name == "uppercase":
        return isinstance(value, str) and value == value.upper()
    if name == "timezone":
        return isinstance(value, str) and value in timezones()
    if name == "date":
        if not isinstance(value, str):
            return False
        try:
            _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return False
        return True
    if name == "distinct":
        parent = get_path(data, field.rsplit(".", 1)[0]) if "." in field else MISSING
        siblings = list(parent.values()) if isinstance(parent, dict) else parent if isinstance(parent, list) else []
        return siblings.count(value) <= 1
    if name == "confirmed":
        return bool(get_path(data, f"{field}_confirmation") == value)
    raise UnknownRuleError(f"FakePanel has no implementation of the validation rule {name!r}")
