"""Who a message would notify on Discord, from its content, its ``allowed_mentions`` and the bot's permissions.

Discord parses mentions from ``content`` only: ``<@id>``/``<@!id>`` (users), ``<@&id>`` (roles), ``@everyone``
and ``@here``. A mention inside an embed renders but notifies nobody. ``allowed_mentions`` then filters:
absent, everything parsed is allowed; present, only the ``parse`` kinds and the listed ``users``/``roles``
(a listed id must still appear in the content). A role pings only if it is mentionable or the bot has Mention
Everyone in the channel; ``@everyone``/``@here`` only with Mention Everyone. Ephemeral messages and edits notify
nobody (an edit recomputes the message's mention fields, without a ping). Code blocks are *not* treated as
escaping a mention (conservative: the fake may over-report, never under-report). Usage::

    from tests.fake_discord.mentions import resolve_mentions

    m = resolve_mentions({"content": "<@&55> down", "allowed_mentions": {"roles": ["55"]}},
                         roles={55: FakeRole(id=55, name="ops", mentionable=True)}, bot_permissions=0)
    assert m.notified_roles == {55} and m.notifies_only(roles={55})
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from .payloads import FakeRole
from .permissions import MENTION_EVERYONE

__all__ = ["Mentions", "check_allowed_mentions", "embed_mention_tokens", "parse_mentions", "resolve_mentions"]

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE_MENTION = re.compile(r"@(everyone|here)")
ANY_MENTION = re.compile(r"<@[!&]?\d+>|@everyone|@here")
PARSE_KINDS = ("roles", "users", "everyone")
ALLOWED_MENTIONS_KEYS = {"parse", "roles", "users", "replied_user"}
IDS_MAX = 100


@dataclass(frozen=True)
class Mentions:
    """What one message create or edit mentions and whom it notifies.

    ``written_*``: what the content contains. ``users``/``roles``/``everyone``: what Discord records as the
    message's mentions (after ``allowed_mentions`` and the permission rules). ``notified_*``: who gets a
    notification (the same on a create of a non-ephemeral message; nobody for an edit or an ephemeral message).
    ``in_embeds``: mention tokens found inside embeds (they notify nobody).
    """

    written_users: frozenset[int] = frozenset()
    written_roles: frozenset[int] = frozenset()
    written_everyone: bool = False
    written_here: bool = False
    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    everyone: bool = False
    here: bool = False
    notified_users: frozenset[int] = frozenset()
    notified_roles: frozenset[int] = frozenset()
    notified_everyone: bool = False
    in_embeds: tuple[str, ...] = ()
    allowed_mentions: dict[str, Any] | None = None
    edit: bool = False
    ephemeral: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def notifies_nobody(self) -> bool:
        return not (self.notified_users or self.notified_roles or self.notified_everyone)

    def notifies_only(
        self, *, users: AbstractSet[int] = frozenset(), roles: AbstractSet[int] = frozenset(), everyone: bool = False
    ) -> bool:
        """True when exactly these users, roles (and @everyone/@here or not) are notified."""
        return (
            self.notified_users == frozenset(users)
            and self.notified_roles == frozenset(roles)
            and self.notified_everyone == everyone
        )


def parse_mentions(text: str) -> tuple[set[int], set[int], bool, bool]:
    """``(user ids, role ids, @everyone, @here)`` written in ``text``."""
    users = {int(m) for m in USER_MENTION.findall(text)}
    roles = {int(m) for m in ROLE_MENTION.findall(text)}
    kinds = set(EVERYONE_MENTION.findall(text))
    return users, roles, "everyone" in kinds, "here" in kinds


def embed_mention_tokens(embeds: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Every mention token anywhere inside ``embeds`` (title, description, fields, footer, author)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.extend(ANY_MENTION.findall(value))
        elif isinstance(value, Mapping):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    walk(list(embeds))
    return tuple(found)


def _is_id(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and str(value).isdigit()


def check_allowed_mentions(value: Any) -> list[str]:
    """Shape problems Discord answers with 400 Invalid Form Body (an empty list when fine)."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [f"allowed_mentions is {type(value).__name__}, not an object"]
    problems = [f"allowed_mentions has unknown key {k!r}" for k in sorted(set(value) - ALLOWED_MENTIONS_KEYS)]
    parse = value.get("parse", [])
    if not isinstance(parse, list):
        problems.append("allowed_mentions.parse is not a list")
        parse = []
    for kind in parse:
        if kind not in PARSE_KINDS:
            problems.append(f"allowed_mentions.parse has {kind!r} (allowed: {', '.join(PARSE_KINDS)})")
    for key in ("users", "roles"):
        ids = value.get(key, [])
        if not isinstance(ids, list):
            problems.append(f"allowed_mentions.{key} is not a list")
            continue
        if len(ids) > IDS_MAX:
            problems.append(f"allowed_mentions.{key} has {len(ids)} ids (> {IDS_MAX})")
        if any(not _is_id(i) for i in ids):
            problems.append(f"allowed_mentions.{key} has a value that is not a snowflake")
        if ids and key in parse:
            problems.append(f'allowed_mentions: parse ["{key}"] and {key} [...] are mutually exclusive')
    if "replied_user" in value and not isinstance(value["replied_user"], bool):
        problems.append("allowed_mentions.replied_user is not a boolean")
    return problems


def resolve_mentions(
    body: Mapping[str, Any],
    *,
    roles: Mapping[int, FakeRole],
    bot_permissions: int,
    bot_user_id: int | None = None,
    ephemeral: bool = False,
    edit: bool = False,
) -> Mentions:
    """Apply Discord's rules (module doc) to a message create/edit ``body`` in a guild with ``roles``."""
    content = body.get("content") or ""
    content = content if isinstance(content, str) else str(content)
    w_users, w_roles, w_everyone, w_here = parse_mentions(content)
    allowed = body.get("allowed_mentions")
    allowed = dict(allowed) if isinstance(allowed, Mapping) else None
    if allowed is None:
        parse: set[str] = set(PARSE_KINDS)
        listed_users: set[int] = set()
        listed_roles: set[int] = set()
    else:
        parse = {str(p) for p in allowed.get("parse") or []}
        listed_users = {int(i) for i in allowed.get("users") or [] if _is_id(i)}
        listed_roles = {int(i) for i in allowed.get("roles") or [] if _is_id(i)}
    notes: list[str] = []
    users = w_users if "users" in parse else w_users & listed_users
    if bot_user_id is not None:
        users = users - {bot_user_id}
    can_everyone = bool(bot_permissions & MENTION_EVERYONE)
    role_ids = set()
    for rid in w_roles if "roles" in parse else w_roles & listed_roles:
        role = roles.get(rid)
        if role is None:
            notes.append(f"<@&{rid}> is not a role of this guild")
        elif role.mentionable or can_everyone:
            role_ids.add(rid)
        else:
            notes.append(f"role {role.name!r} is not mentionable and the bot lacks MENTION_EVERYONE")
    everyone = here = False
    if (w_everyone or w_here) and "everyone" in parse:
        if can_everyone:
            everyone, here = w_everyone, w_here
        else:
            notes.append("@everyone/@here without MENTION_EVERYONE")
    embeds = body.get("embeds") or []
    silent = edit or ephemeral
    return Mentions(
        written_users=frozenset(w_users),
        written_roles=frozenset(w_roles),
        written_everyone=w_everyone,
        written_here=w_here,
        users=frozenset(users),
        roles=frozenset(role_ids),
        everyone=everyone,
        here=here,
        notified_users=frozenset() if silent else frozenset(users),
        notified_roles=frozenset() if silent else frozenset(role_ids),
        notified_everyone=False if silent else (everyone or here),
        in_embeds=embed_mention_tokens(embeds if isinstance(embeds, list) else []),
        allowed_mentions=allowed,
        edit=edit,
        ephemeral=ephemeral,
        notes=tuple(notes),
    )
