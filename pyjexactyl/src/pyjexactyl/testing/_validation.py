"""A small re-implementation of the Laravel validator, enough for the panel's request rules.

Rules are given per field in declaration order, either as a Laravel rule string
(``"required|string|max:191"``) or as a list mixing rule strings and :class:`Check` objects (custom
rules such as ``unique`` or ``exists`` that need the fake's state). The result is a list of
:class:`~pyjexactyl.testing._envelope.ValidationIssue`, in the order Laravel reports them: fields in
declaration order, rules in order, stopping a field after a failed implicit rule (``required``...).

What each built-in rule accepts is in ``_validation_checks``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._envelope import ValidationIssue, validation_error
from ._validation_checks import MISSING, UnknownRuleError, _is_numeric, _passes, get_path
from ._validation_rules import (
    ALIASES,
    DATABASE_RULES,
    IMPLICIT,
    KNOWN_RULES,
    MESSAGES,
    MODIFIERS,
    SIZED_MESSAGES,
)

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


def check(name: str, test: Callable[[Any], bool], message: str | None = None) -> Check:
    """Build a custom :class:`Check` (the message defaults to the Laravel message of ``name``)."""
    return Check(name, test, message or MESSAGES.get(name, "The :attribute is invalid."))


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


def _size_kind(value: Any, numeric: bool) -> str:
    if numeric and _is_numeric(value):
        return "numeric"
    if isinstance(value, list | dict):
        return "array"
    return "string"


def display_name(field: str) -> str:
    """Laravel's displayable attribute name: underscores become spaces."""
    return field.replace("_", " ")


def _message(name: str, params: list[str], field: str, value: Any, numeric: bool) -> str:
    attribute = display_name(field)
    if name in SIZED_MESSAGES:
        template = SIZED_MESSAGES[name][_size_kind(value, numeric)]
        text = template.replace(":attribute", attribute)
        if name == "between":
            return text.replace(":min", params[0]).replace(":max", params[1])
        return text.replace(f":{name}", params[0])
    template = MESSAGES.get(name, f"validation.{name}")
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
        parsed = [ALIASES.get(r, r) if isinstance(r, str) else r for r in parsed]
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
                if name in DATABASE_RULES:
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
