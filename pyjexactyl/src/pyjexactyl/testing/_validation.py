"""A small re-implementation of the Laravel validator, enough for the panel's request rules.

Rules are given per field in declaration order, either as a Laravel rule string
(``"required|string|max:191"``) or as a list mixing rule strings and :class:`Check` objects (custom
rules such as ``unique`` or ``exists`` that need the fake's state). The result is a list of
:class:`~pyjexactyl.testing._envelope.ValidationIssue`, in the order Laravel reports them: fields in
declaration order, rules in order, stopping a field after a failed implicit rule (``required``...).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from ._envelope import ValidationIssue, validation_error

__all__ = ["MISSING", "Check", "RuleSpec", "check", "get_path", "parse_rules", "validate"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

IMPLICIT = {"required", "present", "filled", "required_with", "required_without", "required_unless", "accepted"}


@dataclass(frozen=True)
class Check:
    """A custom rule: ``test(value)`` returns ``True`` when the value passes."""

    name: str
    test: Callable[[Any], bool]
    message: str  # may contain ":attribute"


RuleSpec = str | Sequence[str | Check]

_MESSAGES: dict[str, str] = {
    "required": "The :attribute field is required.",
    "present": "The :attribute field must be present.",
    "filled": "The :attribute field must have a value.",
    "string": "The :attribute must be a string.",
    "integer": "The :attribute must be an integer.",
    "numeric": "The :attribute must be a number.",
    "boolean": "The :attribute field must be true or false.",
    "array": "The :attribute must be an array.",
    "in": "The selected :attribute is invalid.",
    "exists": "The selected :attribute is invalid.",
    "email": "The :attribute must be a valid email address.",
    "url": "The :attribute format is invalid.",
    "regex": "The :attribute format is invalid.",
    "alpha_dash": "The :attribute may only contain letters, numbers, dashes and underscores.",
    "confirmed": "The :attribute confirmation does not match.",
    "unique": "The :attribute has already been taken.",
    "ip": "The :attribute must be a valid IP address.",
    "required_with": "The :attribute field is required when :values is present.",
    "required_without": "The :attribute field is required when :values is not present.",
    "required_unless": "The :attribute field is required unless :other is in :values.",
}

_SIZED = {
    "min": {
        "numeric": "The :attribute must be at least :min.",
        "string": "The :attribute must be at least :min characters.",
        "array": "The :attribute must have at least :min items.",
    },
    "max": {
        "numeric": "The :attribute may not be greater than :max.",
        "string": "The :attribute may not be greater than :max characters.",
        "array": "The :attribute may not have more than :max items.",
    },
    "between": {
        "numeric": "The :attribute must be between :min and :max.",
        "string": "The :attribute must be between :min and :max characters.",
        "array": "The :attribute must have between :min and :max items.",
    },
    "size": {
        "numeric": "The :attribute must be :size.",
        "string": "The :attribute must be :size characters.",
        "array": "The :attribute must contain :size items.",
    },
}


def check(name: str, test: Callable[[Any], bool], message: str | None = None) -> Check:
    """Build a custom :class:`Check` (the message defaults to the Laravel message of ``name``)."""
    return Check(name, test, message or _MESSAGES.get(name, "The :attribute is invalid."))


def parse_rules(spec: str) -> list[str]:
    """Split a Laravel rule string on ``|`` without breaking ``regex:/a|b/`` patterns."""
    out: list[str] = []
    pieces = spec.split("|")
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        if piece.startswith(("regex:", "not_regex:")):
            pattern = piece.split(":", 1)[1]
            while not _regex_closed(pattern) and index + 1 < len(pieces):
                index += 1
                piece += "|" + pieces[index]
                pattern = piece.split(":", 1)[1]
        if piece:
            out.append(piece)
        index += 1
    return out


def _regex_closed(pattern: str) -> bool:
    if len(pattern) < 2:
        return False
    delim = pattern[0]
    body = pattern[1:]
    stripped = body.rstrip("imsxuADU")
    return stripped.endswith(delim) and not stripped.endswith("\\" + delim)


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


def _expand(data: Any, path: str) -> list[str]:
    """Expand ``*`` segments against the data (``files.*.from`` -> ``files.0.from``...)."""
    if "*" not in path:
        return [path]
    head, _, tail = path.partition(".*")
    container = get_path(data, head)
    if isinstance(container, list):
        keys = [str(i) for i in range(len(container))]
    elif isinstance(container, Mapping):
        keys = [str(k) for k in container]
    else:
        return []
    out: list[str] = []
    for key in keys:
        out.extend(_expand(data, f"{head}.{key}{tail}"))
    return out


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


def _size_kind(value: Any, numeric: bool) -> str:
    if numeric and _is_numeric(value):
        return "numeric"
    if isinstance(value, list | dict):
        return "array"
    return "string"


def display_name(field: str) -> str:
    """Laravel's displayable attribute name: underscores become spaces."""
    return field.replace("_", " ")


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
    if name == "url":
        if not isinstance(value, str):
            return False
        parsed = urlparse(value)
        return parsed.scheme in ("http", "https", "ftp", "ftps") and bool(parsed.netloc)
    if name == "regex":
        return isinstance(value, str | int | float) and php_regex(params[0]).search(str(value)) is not None
    if name == "alpha_dash":
        return isinstance(value, str | int) and re.fullmatch(r"[\w-]+", str(value)) is not None
    if name == "ip":
        return _ip_or_cidr(value) and "/" not in str(value)
    if name == "confirmed":
        return bool(get_path(data, f"{field}_confirmation") == value)
    # Unknown rules (e.g. "sometimes", "nullable", "bail") pass.
    return True


def _message(name: str, params: list[str], field: str, value: Any, numeric: bool) -> str:
    attribute = display_name(field)
    if name in _SIZED:
        template = _SIZED[name][_size_kind(value, numeric)]
        text = template.replace(":attribute", attribute)
        if name == "between":
            return text.replace(":min", params[0]).replace(":max", params[1])
        return text.replace(f":{name}", params[0])
    template = _MESSAGES.get(name, "The :attribute is invalid.")
    text = template.replace(":attribute", attribute)
    if name in ("required_with", "required_without"):
        text = text.replace(":values", " / ".join(display_name(p) for p in params))
    if name == "required_unless":
        text = text.replace(":other", display_name(params[0])).replace(":values", ", ".join(params[1:]))
    return text


def validate(
    data: Mapping[str, Any],
    rules: Sequence[tuple[str, RuleSpec]],
    attributes: Mapping[str, str] | None = None,
) -> list[ValidationIssue]:
    """Run ``rules`` (``[(field, spec), ...]``) against ``data`` and return the failing messages.

    ``attributes`` maps field names to the display names used in messages (Laravel's custom attributes).
    """
    issues: list[ValidationIssue] = []
    for pattern, spec in rules:
        parsed: list[str | Check] = list(parse_rules(spec)) if isinstance(spec, str) else list(spec)
        names = {r.split(":", 1)[0] for r in parsed if isinstance(r, str)}
        numeric = bool(names & {"numeric", "integer"})
        nullable = "nullable" in names
        sometimes = "sometimes" in names
        for field in _expand(data, pattern):
            value = get_path(data, field)
            if sometimes and value is MISSING:
                continue
            for rule in parsed:
                if isinstance(rule, Check):
                    if value is MISSING or (value is None and nullable):
                        continue
                    if isinstance(value, str) and value.strip() == "":
                        continue
                    if not rule.test(value):
                        shown = (attributes or {}).get(field) or display_name(field)
                        issues.append(ValidationIssue(field, rule.name, rule.message.replace(":attribute", shown)))
                    continue
                name, _, raw = rule.partition(":")
                if name in ("nullable", "sometimes", "bail"):
                    continue
                params = [raw] if name == "regex" else (raw.split(",") if raw else [])
                implicit = name in IMPLICIT
                if not implicit:
                    if value is MISSING:
                        continue
                    if isinstance(value, str) and value.strip() == "":
                        continue
                    if value is None and nullable:
                        continue
                if not _passes(name, params, value, data, field, numeric):
                    message = _message(name, params, field, value, numeric)
                    if attributes and field in attributes:
                        message = message.replace(display_name(field), attributes[field], 1)
                    issues.append(ValidationIssue(field, name, message))
                    if implicit:
                        break
    return issues


def enforce(
    data: Mapping[str, Any],
    rules: Sequence[tuple[str, RuleSpec]],
    attributes: Mapping[str, str] | None = None,
) -> None:
    """Raise a 422 :class:`PanelError` when :func:`validate` finds issues."""
    issues = validate(data, rules, attributes)
    if issues:
        raise validation_error(issues)
