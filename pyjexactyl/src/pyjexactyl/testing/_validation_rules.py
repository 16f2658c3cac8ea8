"""The rules FakePanel's validator knows and the panel's messages for them (``resources/lang/en/validation.php``
of Pterodactyl 1.11), plus the checks that need more than a comparison."""

from __future__ import annotations

import functools
import ipaddress
import unicodedata
import zoneinfo
from typing import Any

__all__ = [
    "ALIASES",
    "DATABASE_RULES",
    "IMPLICIT",
    "KNOWN_RULES",
    "MESSAGES",
    "MODIFIERS",
    "SIZED_MESSAGES",
    "is_alpha",
    "is_ip",
    "timezones",
]

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
ALIASES = {"int": "integer", "bool": "boolean"}
#: Rules that need the database; routes pass them as :class:`Check` objects instead.
DATABASE_RULES = {"exists", "unique"}


#: Messages of ``resources/lang/en/validation.php`` (Pterodactyl 1.11). A rule without a line there gets its
#: translation key as the message (``validation.uuid``), as Laravel does.
MESSAGES: dict[str, str] = {
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

SIZED_MESSAGES = {
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


def is_alpha(name: str, value: Any) -> bool:
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


def is_ip(value: Any, version: int | None) -> bool:
    if not isinstance(value, str):
        return False
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return version is None or address.version == version


@functools.cache
def timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}
