"""Options of a slash command as Discord's client builds them: converted to the declared types, validated
(required, choices, min/max), and users/roles/channels/attachments put in ``data.resolved``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .payloads import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    FakeRole,
    FakeUser,
    channel_payload,
    member_payload,
    role_payload,
    user_payload,
)
from .state import FakeState, ref_id

__all__ = ["Invoker", "OptionBuilder"]

Invoker = tuple[int, list[int], int | None, dict[int, FakeRole]]
"""(user id, role ids, explicit guild-level permissions or None, roles the guild does not have yet): whose view
resolved channels carry."""


class OptionBuilder(FakeState):
    """Builds ``data.options`` and ``data.resolved`` of command interactions."""

    def _ensure_user(self, user: FakeUser) -> None:
        self.users[user.id] = user

    def _resolve_channel_option(
        self, cid: int, resolved: dict[str, dict[str, Any]], guild_id: int | None, invoker: Invoker | None
    ) -> str:
        """A channel option: the fake's channel with the invoker's permissions in it (an id the fake does not
        know becomes a generic text channel, as before channels were modelled)."""
        channel = self.get_channel(cid)
        if channel is not None:
            user_id, role_ids, explicit, extra = invoker or (0, [], None, {})
            perms = self.guilds[channel.guild_id].permissions_in(channel, user_id, role_ids, explicit, extra)
            resolved.setdefault("channels", {})[str(cid)] = channel.payload(permissions=perms)
            return str(cid)
        data = channel_payload(cid, guild_id or 0, permissions=DEFAULT_BOT_PERMISSIONS)
        data["guild_id"] = str(guild_id) if guild_id is not None else None
        resolved.setdefault("channels", {})[str(cid)] = data
        return str(cid)

    def _convert_option(
        self,
        definition: Mapping[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        guild_id: int | None,
        *,
        validate: bool,
        invoker: Invoker | None = None,
    ) -> Any:
        otype = int(definition["type"])
        name = definition.get("name")
        if otype == 3:
            out: Any = str(value)
            if validate:
                n = len(out)
                if "min_length" in definition and n < int(definition["min_length"]):
                    raise ValueError(f"option {name!r}: {n} chars < min_length {definition['min_length']}")
                if "max_length" in definition and n > int(definition["max_length"]):
                    raise ValueError(f"option {name!r}: {n} chars > max_length {definition['max_length']}")
        elif otype == 4:
            out = int(value)
        elif otype == 5:
            out = bool(value)
        elif otype == 10:
            out = float(value)
        elif otype in (6, 7, 8, 9, 11):
            return self._resolve_snowflake_option(otype, value, resolved, guild_id, invoker)
        else:
            out = value
        if validate and otype in (4, 10):
            if definition.get("min_value") is not None and out < definition["min_value"]:
                raise ValueError(f"option {name!r}: {out} < min_value {definition['min_value']}")
            if definition.get("max_value") is not None and out > definition["max_value"]:
                raise ValueError(f"option {name!r}: {out} > max_value {definition['max_value']}")
        choices = definition.get("choices")
        if validate and choices and out not in [c.get("value") for c in choices]:
            raise ValueError(f"option {name!r}: {out!r} is not one of the choices {[c.get('value') for c in choices]}")
        return out

    def _resolve_snowflake_option(
        self,
        otype: int,
        value: Any,
        resolved: dict[str, dict[str, Any]],
        guild_id: int | None,
        invoker: Invoker | None = None,
    ) -> str:
        if otype == 11:
            att = value if isinstance(value, Mapping) else {"filename": str(value)}
            aid = self.snowflake()
            url = f"http://{self.host}:{self.port}/attachments/{aid}/{att.get('filename', 'file')}"
            resolved.setdefault("attachments", {})[str(aid)] = {
                "id": str(aid),
                "filename": att.get("filename", "file"),
                "size": int(att.get("size", 0)),
                "url": url,
                "proxy_url": url,
                "content_type": att.get("content_type"),
            }
            return str(aid)
        is_role = isinstance(value, FakeRole) or (
            otype in (8, 9)
            and not isinstance(value, FakeUser)
            and guild_id is not None
            and int(value) in self.roles.get(guild_id, {})
        )
        if otype == 8 or (otype == 9 and is_role):
            role = value if isinstance(value, FakeRole) else None
            if role is None and guild_id is not None:
                role = self.roles.get(guild_id, {}).get(int(value))
            role = role or FakeRole(id=int(value), name=f"role-{value}")
            resolved.setdefault("roles", {})[str(role.id)] = role_payload(role)
            return str(role.id)
        if otype == 7:
            return self._resolve_channel_option(ref_id(value), resolved, guild_id, invoker)
        user = value if isinstance(value, FakeUser) else self.users.get(int(value))
        user = user or FakeUser(id=int(value), username=f"user{value}")
        self._ensure_user(user)
        resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
        if guild_id is not None:
            member = member_payload(user, permissions=DEFAULT_MEMBER_PERMISSIONS)
            member.pop("user")
            resolved.setdefault("members", {})[str(user.id)] = member
        return str(user.id)

    def _build_options(
        self,
        path: str,
        leaf: Mapping[str, Any],
        options: Mapping[str, Any],
        resolved: dict[str, dict[str, Any]],
        guild_id: int | None,
        focused: str | None,
        invoker: Invoker | None = None,
    ) -> list[dict[str, Any]]:
        definitions = {o["name"]: o for o in leaf.get("options") or []}
        unknown = set(options) - set(definitions)
        if unknown:
            raise ValueError(f"/{path} has no option(s) {sorted(unknown)} (has {list(definitions)})")
        if focused is not None and focused not in definitions:
            raise ValueError(f"/{path} has no option {focused!r} to focus")
        out: list[dict[str, Any]] = []
        for name, definition in definitions.items():
            if name == focused:
                if not definition.get("autocomplete"):
                    raise ValueError(f"/{path} option {name!r} has no autocomplete")
                out.append(
                    {"name": name, "type": definition["type"], "value": str(options.get(name, "")), "focused": True}
                )
                continue
            if name not in options:
                if definition.get("required") and focused is None:
                    raise ValueError(f"/{path} is missing required option {name!r}")
                continue
            value = self._convert_option(
                definition, options[name], resolved, guild_id, validate=focused is None, invoker=invoker
            )
            out.append({"name": name, "type": definition["type"], "value": value})
        return out
