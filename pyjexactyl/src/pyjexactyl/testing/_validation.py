"""A small re-implementation of the Laravel validator, enough for the panel's request rules.

Rules are given per field in declaration order, either as a Laravel rule string
(``"required|string|max:191"``) or as a list mixing rule strings and :class:`Check` objects (custom
rules such as ``unique`` or ``exists`` that need the fake's state). The result is a list of
:class:`~pyjexactyl.testing._envelope.ValidationIssue`, in the order Laravel reports them: fields in
declaration order, rules in order, stopping a field after a failed implicit rule (``required``...).
"""

from __future__ import annotations

import datetime as _dt
import functools
import ipaddress
import json
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from ._envelope import ValidationIssue, validation_error

__all__ = [
    "KNOWN_RULES",
    "MISSING",
    "Check",
    "RuleSpec",
    "UnknownRuleError",
    "check",
    "check_rule_string",
    "get_path",
    "parse_rules",
    "validate",
]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

IMPLICIT = {
    "required",
    "present",
    "filled",
    "required_if",
    "required_with",
    "required_with_all",
    "required_without",
    "required_without_all",
    "required_unless",
    "accepted",
}

#: Rules that only change how the others apply.
MODIFIERS = {"nullable", "sometimes", "bail"}

#: Every rule the fake implements; anything else is an error (:class:`UnknownRuleError`), as a rule Laravel
#: does not know makes the panel fail (``BadMethodCallException``, a 500).
KNOWN_RULES = frozenset(
    {
        *IMPLICIT,
        *MODIFIERS,
        "active_url",
        "alpha",
        "alpha_dash",
        "alpha_num",
        "array",
        "between",
        "boolean",
        "confirmed",
        "date",
        "different",
        "digits",
        "digits_between",
        "distinct",
        "email",
        "ends_with",
        "in",
        "integer",
        "int",
        "bool",
        "ip",
        "ipv4",
        "ipv6",
        "json",
        "lowercase",
        "max",
        "min",
        "not_in",
        "not_regex",
        "numeric",
        "regex",
        "same",
        "size",
        "starts_with",
        "string",
        "timezone",
        "uppercase",
        "url",
        "uuid",
    }
)
#: Laravel's rule aliases (``ValidationRuleParser::normalizeRule``).
_ALIASES = {"int": "integer", "bool": "boolean"}
#: Rules that need the database; routes pass them as :class:`Check` objects instead.
_DATABASE_RULES = {"exists", "unique"}


class UnknownRuleError(ValueError):
    """A rule string names a rule the fake does not implement (or Laravel does not know)."""


def check_rule_string(spec: str) -> None:
    """Raise :class:`UnknownRuleError` when ``spec`` (an egg variable's rules) names an unknown rule."""
    unknown = [r.split(":", 1)[0] for r in parse_rules(spec) if r.split(":", 1)[0] not in KNOWN_RULES]
    if unknown:
        raise UnknownRuleError(
            f"unknown validation rule(s) {', '.join(unknown)} in {spec!r}; FakePanel implements "
            f"{', '.join(sorted(KNOWN_RULES))}"
        )


@dataclass(frozen=True)
class Check:
    """A custom rule: ``test(value)`` returns ``True`` when the value passes."""

    name: str
    test: Callable[[Any], bool]
    message: str  # may contain ":attribute"


RuleSpec = str | Sequence[str | Check]

#: Messages of ``resources/lang/en/validation.php`` (Pterodactyl 1.11). A rule without a line there gets its
#: translation key as the message (``validation.uuid``), as Laravel does.
_MESSAGES: dict[str, str] = {
    "accepted": "The :attribute must be accepted.",
    "active_url": "The :attribute is not a valid URL.",
    "alpha": "The :attribute may only contain letters.",
    "alpha_dash": "The :attribute may only contain letters, numbers, and dashes.",
    "alpha_num": "The :attribute may only contain letters and numbers.",
    "array": "The :attribute must be an array.",
    "boolean": "The :attribute field must be true or false.",
    "confirmed": "The :attribute confirmation does not match.",
    "date": "The :attribute is not a valid date.",
    "different": "The :attribute and :other must be different.",
    "digits": "The :attribute must be :digits digits.",
    "digits_between": "The :attribute must be between :min and :max digits.",
    "distinct": "The :attribute field has a duplicate value.",
    "email": "The :attribute must be a valid email address.",
    "exists": "The selected :attribute is invalid.",
    "filled": "The :attribute field is required.",
    "in": "The selected :attribute is invalid.",
    "integer": "The :attribute must be an integer.",
    "ip": "The :attribute must be a valid IP address.",
    "json": "The :attribute must be a valid JSON string.",
    "not_in": "The selected :attribute is invalid.",
    "numeric": "The :attribute must be a number.",
    "present": "The :attribute field must be present.",
    "regex": "The :attribute format is invalid.",
    "required": "The :attribute field is required.",
    "required_if": "The :attribute field is required when :other is :value.",
    "required_unless": "The :attribute field is required unless :other is in :values.",
    "required_with": "The :attribute field is required when :values is present.",
    "required_with_all": "The :attribute field is required when :values is present.",
    "required_without": "The :attribute field is required when :values is not present.",
    "required_without_all": "The :attribute field is required when none of :values are present.",
    "same": "The :attribute and :other must match.",
    "string": "The :attribute must be a string.",
    "timezone": "The :attribute must be a valid zone.",
    "unique": "The :attribute has already been taken.",
    "url": "The :attribute format is invalid.",
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
        return _alpha(name, value)
    if name in ("digits", "digits_between"):
        text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not text or not text.isascii() or not text.isdigit():
            return False
        if name == "digits":
            return len(text) == int(params[0])
        return int(params[0]) <= len(text) <= int(params[1])
    if name == "ip":
        return _ip(value, None)
    if name in ("ipv4", "ipv6"):
        return _ip(value, int(name[-1]))
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
        return isinstance(value, str) and value in _timezones()
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


def _alpha(name: str, value: Any) -> bool:
    """Laravel's ``alpha`` (letters and marks), ``alpha_num`` (+ numbers), ``alpha_dash`` (+ ``-`` and ``_``)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return False
    text = str(value)
    if not text:
        return False
    allowed = {"L", "M"} | ({"N"} if name != "alpha" else set())
    for char in text:
        if name == "alpha_dash" and char in "-_":
            continue
        if unicodedata.category(char)[0] not in allowed:
            return False
    return True


def _ip(value: Any, version: int | None) -> bool:
    if not isinstance(value, str):
        return False
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return version is None or address.version == version


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def _message(name: str, params: list[str], field: str, value: Any, numeric: bool) -> str:
    attribute = display_name(field)
    if name in _SIZED:
        template = _SIZED[name][_size_kind(value, numeric)]
        text = template.replace(":attribute", attribute)
        if name == "between":
            return text.replace(":min", params[0]).replace(":max", params[1])
        return text.replace(f":{name}", params[0])
    template = _MESSAGES.get(name, f"validation.{name}")
    text = template.replace(":attribute", attribute)
    if name in ("required_with", "required_without", "required_with_all", "required_without_all"):
        text = text.replace(":values", " / ".join(display_name(p) for p in params))
    if name in ("same", "different"):
        text = text.replace(":other", display_name(params[0]))
    if name == "required_if":
        text = text.replace(":other", display_name(params[0])).replace(":value", ", ".join(params[1:]))
    if name == "digits":
        text = text.replace(":digits", params[0])
    if name == "digits_between":
        text = text.replace(":min", params[0]).replace(":max", params[1])
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
        parsed = [_ALIASES.get(r, r) if isinstance(r, str) else r for r in parsed]
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
                if name in MODIFIERS:
                    continue
                if name in _DATABASE_RULES:
                    raise UnknownRuleError(f"the {name!r} rule needs the database; pass a check() instead")
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
