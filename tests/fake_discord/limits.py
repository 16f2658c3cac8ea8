"""Pure checks of Discord's documented payload limits (see ``/work/shared/discord-limits.md``).

Every function takes a plain JSON payload (as discord.py sends it) and returns a list of human
readable problems; an empty list means the payload is within the limits.  :class:`FakeDiscord`
runs these on every body the bot sends, but they are usable on their own too::

    from tests.fake_discord.limits import check_message, check_embeds

    problems = check_message({"content": "x" * 2001})
    assert problems == ["content is 2001 chars (> 2000)"]
    assert check_embeds([embed.to_dict()]) == []
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "AUTOCOMPLETE_MAX_CHOICES",
    "RESPONSE_DEADLINE_S",
    "check_autocomplete_choices",
    "check_command_list",
    "check_components",
    "check_embeds",
    "check_message",
    "check_modal",
    "embed_length",
]

RESPONSE_DEADLINE_S = 3.0
CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
AUTOCOMPLETE_MAX_CHOICES = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_VALUE_MAX = 100
ACTION_ROWS_MAX = 5
BUTTONS_PER_ROW_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
SELECT_MAX_VALUES_MAX = 25
V2_COMPONENTS_MAX = 40
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
MODAL_LABEL_MAX = 45
LABEL_DESCRIPTION_MAX = 100
TEXT_INPUT_LENGTH_MAX = 4000
TEXT_INPUT_PLACEHOLDER_MAX = 100
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_TOTAL_SIZE_MAX = 8000
COMMANDS_MAX = {1: 100, 2: 15, 3: 15}

FLAG_EPHEMERAL = 1 << 6
FLAG_IS_COMPONENTS_V2 = 1 << 15

# Same character classes as discord.py's VALID_SLASH_COMMAND_NAME (app_commands/commands.py:154), plus
# the apostrophe that Discord's own regex allows.
_THAI_COMBINING = r"\u0e31-\u0e3a\u0e47-\u0e4e"
_DEVANAGARI_COMBINING = r"\u0900-\u0903\u093a\u093b\u093c\u093e\u093f\u0940-\u094f\u0955\u0956\u0957\u0962\u0963"
_CHAT_INPUT_NAME = re.compile(r"^[-_'\w" + _THAI_COMBINING + _DEVANAGARI_COMBINING + r"]{1,32}$")

_SELECT_TYPES = {3, 5, 6, 7, 8}
_LEAF_WITH_CUSTOM_ID = {2, 3, 4, 5, 6, 7, 8, 19, 21, 22, 23}


def _too_long(where: str, value: Any, limit: int) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"{where} is {len(value)} chars (> {limit})"]
    return []


# --------------------------------------------------------------------------- embeds and messages


def embed_length(embed: Mapping[str, Any]) -> int:
    """Characters that count toward the 6,000 total, as discord.py's ``Embed.__len__`` measures them."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for field in embed.get("fields") or []:
        total += len(field.get("name") or "") + len(field.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def check_embeds(embeds: Sequence[Mapping[str, Any]]) -> list[str]:
    """Check a message's ``embeds`` list (count, per-field limits and the 6,000 total)."""
    problems: list[str] = []
    if len(embeds) > EMBEDS_MAX:
        problems.append(f"{len(embeds)} embeds (> {EMBEDS_MAX})")
    total = 0
    for i, embed in enumerate(embeds):
        where = f"embed[{i}]"
        problems += _too_long(f"{where}.title", embed.get("title"), EMBED_TITLE_MAX)
        problems += _too_long(f"{where}.description", embed.get("description"), EMBED_DESCRIPTION_MAX)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            problems.append(f"{where} has {len(fields)} fields (> {EMBED_FIELDS_MAX})")
        for j, field in enumerate(fields):
            name, value = field.get("name"), field.get("value")
            if not name or not str(name).strip():
                problems.append(f"{where}.fields[{j}].name is empty")
            if not value or not str(value).strip():
                problems.append(f"{where}.fields[{j}].value is empty")
            problems += _too_long(f"{where}.fields[{j}].name", name, EMBED_FIELD_NAME_MAX)
            problems += _too_long(f"{where}.fields[{j}].value", value, EMBED_FIELD_VALUE_MAX)
        problems += _too_long(f"{where}.footer.text", (embed.get("footer") or {}).get("text"), EMBED_FOOTER_MAX)
        problems += _too_long(f"{where}.author.name", (embed.get("author") or {}).get("name"), EMBED_AUTHOR_MAX)
        total += embed_length(embed)
    if total > EMBED_TOTAL_MAX:
        problems.append(f"embeds total {total} chars (> {EMBED_TOTAL_MAX})")
    return problems


def check_message(body: Mapping[str, Any]) -> list[str]:
    """Check a message create/edit body: content, embeds and components."""
    problems: list[str] = []
    flags = int(body.get("flags") or 0)
    content = body.get("content")
    problems += _too_long("content", content, CONTENT_MAX)
    embeds = body.get("embeds") or []
    problems += check_embeds(embeds)
    components = body.get("components") or []
    if flags & FLAG_IS_COMPONENTS_V2:
        if content:
            problems.append("content is not allowed with IS_COMPONENTS_V2")
        if embeds:
            problems.append("embeds are not allowed with IS_COMPONENTS_V2")
    problems += check_components(components, v2=bool(flags & FLAG_IS_COMPONENTS_V2))
    return problems


# --------------------------------------------------------------------------- components


def _walk(components: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for comp in components:
        yield comp
        yield from _walk(comp.get("components") or [])
        for key in ("accessory", "component"):
            child = comp.get(key)
            if isinstance(child, Mapping):
                yield from _walk([child])


def _name(prefix: str, index: int, comp: Mapping[str, Any]) -> str:
    cid = comp.get("custom_id")
    if isinstance(cid, str) and cid:
        return f"{prefix} {cid[:40]!r} (type {comp.get('type')})"
    return f"{prefix} #{index} (type {comp.get('type')})"


def _check_leaf(where: str, comp: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    ctype = comp.get("type")
    custom_id = comp.get("custom_id")
    if ctype in _LEAF_WITH_CUSTOM_ID and not (ctype == 2 and comp.get("style") in (5, 6)):
        if not custom_id:
            problems.append(f"{where} has no custom_id")
        problems += _too_long(f"{where}.custom_id", custom_id, CUSTOM_ID_MAX)
    if ctype == 2:
        problems += _too_long(f"{where}.label", comp.get("label"), BUTTON_LABEL_MAX)
    if ctype in _SELECT_TYPES:
        options = comp.get("options") or []
        if len(options) > SELECT_OPTIONS_MAX:
            problems.append(f"{where} has {len(options)} options (> {SELECT_OPTIONS_MAX})")
        for k, opt in enumerate(options):
            for key in ("label", "value", "description"):
                problems += _too_long(f"{where}.options[{k}].{key}", opt.get(key), SELECT_OPTION_TEXT_MAX)
        problems += _too_long(f"{where}.placeholder", comp.get("placeholder"), SELECT_PLACEHOLDER_MAX)
        max_values = comp.get("max_values")
        if isinstance(max_values, int) and max_values > SELECT_MAX_VALUES_MAX:
            problems.append(f"{where}.max_values is {max_values} (> {SELECT_MAX_VALUES_MAX})")
        if ctype == 3 and isinstance(max_values, int) and options and max_values > len(options):
            problems.append(f"{where}.max_values {max_values} exceeds its {len(options)} options")
    if ctype == 4:
        problems += _check_text_input(where, comp)
    return problems


def _check_text_input(where: str, comp: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    min_length, max_length = comp.get("min_length"), comp.get("max_length")
    if isinstance(min_length, int) and not 0 <= min_length <= TEXT_INPUT_LENGTH_MAX:
        problems.append(f"{where}.min_length {min_length} not in 0..{TEXT_INPUT_LENGTH_MAX}")
    if isinstance(max_length, int) and not 1 <= max_length <= TEXT_INPUT_LENGTH_MAX:
        problems.append(f"{where}.max_length {max_length} not in 1..{TEXT_INPUT_LENGTH_MAX}")
    if isinstance(min_length, int) and isinstance(max_length, int) and min_length > max_length:
        problems.append(f"{where}.min_length {min_length} > max_length {max_length}")
    problems += _too_long(f"{where}.value", comp.get("value"), TEXT_INPUT_LENGTH_MAX)
    value = comp.get("value")
    if isinstance(value, str) and isinstance(max_length, int) and len(value) > max_length:
        problems.append(f"{where}.value is {len(value)} chars (> its max_length {max_length})")
    problems += _too_long(f"{where}.placeholder", comp.get("placeholder"), TEXT_INPUT_PLACEHOLDER_MAX)
    problems += _too_long(f"{where}.label", comp.get("label"), MODAL_LABEL_MAX)
    return problems


def _check_custom_ids_unique(components: Sequence[Mapping[str, Any]]) -> list[str]:
    seen: set[str] = set()
    problems: list[str] = []
    for comp in _walk(components):
        cid = comp.get("custom_id")
        if isinstance(cid, str):
            if cid in seen:
                problems.append(f"duplicate custom_id {cid!r}")
            seen.add(cid)
    return problems


def check_components(components: Sequence[Mapping[str, Any]], *, v2: bool = False) -> list[str]:
    """Check a message's ``components`` (legacy action rows, or Components V2 when ``v2``)."""
    problems: list[str] = []
    if v2:
        count = sum(1 for _ in _walk(components))
        if count > V2_COMPONENTS_MAX:
            problems.append(f"{count} components (> {V2_COMPONENTS_MAX} with IS_COMPONENTS_V2)")
    else:
        if len(components) > ACTION_ROWS_MAX:
            problems.append(f"{len(components)} action rows (> {ACTION_ROWS_MAX})")
        for i, row in enumerate(components):
            if row.get("type") != 1:
                problems.append(f"row[{i}] is component type {row.get('type')}, not an action row")
                continue
            children = row.get("components") or []
            buttons = [c for c in children if c.get("type") == 2]
            selects = [c for c in children if c.get("type") in _SELECT_TYPES]
            if len(buttons) > BUTTONS_PER_ROW_MAX:
                problems.append(f"row[{i}] has {len(buttons)} buttons (> {BUTTONS_PER_ROW_MAX})")
            if selects and len(children) > 1:
                problems.append(f"row[{i}] mixes a select menu with other components")
            if not children:
                problems.append(f"row[{i}] is empty")
    for i, comp in enumerate(_walk(components)):
        problems += _check_leaf(_name("component", i, comp), comp)
    problems += _check_custom_ids_unique(components)
    return problems


def check_modal(data: Mapping[str, Any]) -> list[str]:
    """Check a modal (type 9 callback ``data``): title, component count, labels, text inputs."""
    problems: list[str] = []
    custom_id = data.get("custom_id")
    if not custom_id:
        problems.append("modal has no custom_id")
    problems += _too_long("modal.custom_id", custom_id, CUSTOM_ID_MAX)
    title = data.get("title")
    if not title:
        problems.append("modal has no title")
    problems += _too_long("modal.title", title, MODAL_TITLE_MAX)
    components = data.get("components") or []
    if not 1 <= len(components) <= MODAL_COMPONENTS_MAX:
        problems.append(f"modal has {len(components)} components (allowed 1-{MODAL_COMPONENTS_MAX})")
    for i, comp in enumerate(components):
        if comp.get("type") == 18:
            problems += _too_long(f"modal.label[{i}].label", comp.get("label"), MODAL_LABEL_MAX)
            problems += _too_long(f"modal.label[{i}].description", comp.get("description"), LABEL_DESCRIPTION_MAX)
    for i, comp in enumerate(_walk(components)):
        problems += _check_leaf(_name("modal component", i, comp), comp)
    problems += _check_custom_ids_unique(components)
    return problems


def check_autocomplete_choices(choices: Sequence[Mapping[str, Any]]) -> list[str]:
    """Check an autocomplete result (type 8 callback ``data.choices``)."""
    problems: list[str] = []
    if len(choices) > AUTOCOMPLETE_MAX_CHOICES:
        problems.append(f"{len(choices)} autocomplete choices (> {AUTOCOMPLETE_MAX_CHOICES})")
    for i, choice in enumerate(choices):
        problems += _check_choice(f"choice[{i}]", choice)
    return problems


def _check_choice(where: str, choice: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    name = choice.get("name")
    if not name:
        problems.append(f"{where}.name is empty")
    problems += _too_long(f"{where}.name", name, CHOICE_NAME_MAX)
    problems += _too_long(f"{where}.value", choice.get("value"), CHOICE_STRING_VALUE_MAX)
    return problems


# --------------------------------------------------------------------------- application commands


def _command_size(node: Mapping[str, Any]) -> int:
    def longest(key: str) -> int:
        base = len(str(node.get(key) or ""))
        locs = node.get(f"{key}_localizations") or {}
        return max([base, *(len(str(v)) for v in locs.values())])

    size = longest("name") + longest("description")
    for choice in node.get("choices") or []:
        size += longest_choice(choice)
    for option in node.get("options") or []:
        size += _command_size(option)
    return size


def longest_choice(choice: Mapping[str, Any]) -> int:
    locs = choice.get("name_localizations") or {}
    name = max([len(str(choice.get("name") or "")), *(len(str(v)) for v in locs.values())])
    return name + len(str(choice.get("value", "")))


def _check_name(where: str, name: Any, *, chat_input: bool) -> list[str]:
    if not isinstance(name, str):
        return [f"{where} has no name"]
    if chat_input:
        problems = []
        if not _CHAT_INPUT_NAME.match(name):
            problems.append(f"{where} name {name!r} does not match ^[-_'\\p{{L}}\\p{{N}}]{{1,32}}$")
        if name != name.lower():
            problems.append(f"{where} name {name!r} is not lower-case")
        return problems
    if not 1 <= len(name) <= 32:
        return [f"{where} name {name!r} must be 1-32 characters"]
    return []


def _check_description(where: str, description: Any) -> list[str]:
    if not isinstance(description, str) or not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
        length = len(description) if isinstance(description, str) else 0
        return [f"{where} description must be 1-{COMMAND_DESCRIPTION_MAX} chars (is {length})"]
    return []


def _check_options(where: str, options: Sequence[Mapping[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(options) > COMMAND_OPTIONS_MAX:
        problems.append(f"{where} has {len(options)} options/subcommands (> {COMMAND_OPTIONS_MAX})")
    names = [o.get("name") for o in options]
    for dup in {n for n in names if names.count(n) > 1}:
        problems.append(f"{where} has duplicate option name {dup!r}")
    seen_optional = False
    for option in options:
        ow = f"{where} > {option.get('name')}"
        problems += _check_name(ow, option.get("name"), chat_input=True)
        problems += _check_description(ow, option.get("description"))
        otype = option.get("type")
        if otype in (1, 2):
            problems += _check_options(ow, option.get("options") or [])
            continue
        if option.get("required"):
            if seen_optional:
                problems.append(f"{ow} is required but follows an optional option")
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > COMMAND_OPTIONS_MAX:
            problems.append(f"{ow} has {len(choices)} choices (> {COMMAND_OPTIONS_MAX})")
        if choices and option.get("autocomplete"):
            problems.append(f"{ow} has both choices and autocomplete")
        for k, choice in enumerate(choices):
            problems += _check_choice(f"{ow} choice[{k}]", choice)
    return problems


def check_command_list(commands: Sequence[Mapping[str, Any]]) -> list[str]:
    """Check a bulk-overwrite body (``PUT .../commands``): names, descriptions, counts and sizes."""
    problems: list[str] = []
    counts: dict[int, int] = {}
    keys: list[tuple[int, str]] = []
    for command in commands:
        ctype = int(command.get("type") or 1)
        counts[ctype] = counts.get(ctype, 0) + 1
        name = command.get("name")
        keys.append((ctype, str(name)))
        where = f"command {name!r}"
        problems += _check_name(where, name, chat_input=ctype == 1)
        if ctype == 1:
            problems += _check_description(where, command.get("description"))
            problems += _check_options(where, command.get("options") or [])
        elif command.get("description"):
            problems.append(f"{where} is a context menu but has a description")
        size = _command_size(command)
        if size > COMMAND_TOTAL_SIZE_MAX:
            problems.append(f"{where} total size {size} chars (> {COMMAND_TOTAL_SIZE_MAX})")
    for ctype, count in counts.items():
        limit = COMMANDS_MAX.get(ctype)
        if limit is not None and count > limit:
            problems.append(f"{count} commands of type {ctype} (> {limit})")
    for dup in {k for k in keys if keys.count(k) > 1}:
        problems.append(f"duplicate command {dup[1]!r} of type {dup[0]}")
    return problems
