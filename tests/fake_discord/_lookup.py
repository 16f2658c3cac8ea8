"""Pure helpers of :class:`~tests.fake_discord.fake_discord.FakeDiscord`: find a synced command or a component,
rebuild option nesting, and build modal-submit components -- validating like the Discord client does.

Usage::

    cmd, leaf, is_guild = find_command({None: synced_global}, "server status", guild_id=None, dm=False)
    button = find_component(message, "restart")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["check_can_use", "find_command", "find_component", "modal_submit_components", "wrap_options"]

ADMINISTRATOR = 1 << 3
SELECT_TYPES = {3, 5, 6, 7, 8}


def find_command(
    commands: Mapping[int | None, Sequence[dict[str, Any]]], path: str, guild_id: int | None, dm: bool
) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """Find ``path`` ("server status") among synced commands: ``(top command, leaf node, is_guild)``."""
    parts = path.split()
    if not parts:
        raise ValueError("empty command path")
    scopes: list[int | None] = [] if dm or guild_id is None else [guild_id]
    scopes.append(None)
    for scope in scopes:
        for cmd in commands.get(scope, []):
            if cmd.get("name") == parts[0] and int(cmd.get("type") or 1) == 1:
                node = cmd
                for part in parts[1:]:
                    nxt = next(
                        (o for o in node.get("options") or [] if o.get("name") == part and o.get("type") in (1, 2)),
                        None,
                    )
                    if nxt is None:
                        subs = [o.get("name") for o in node.get("options") or [] if o.get("type") in (1, 2)]
                        raise LookupError(f"/{path}: no subcommand {part!r} under {node.get('name')!r} (has {subs})")
                    node = nxt
                if any(o.get("type") in (1, 2) for o in node.get("options") or []):
                    raise LookupError(f"/{path} is a group: name one of its subcommands")
                return cmd, node, scope is not None
    synced = {("global" if k is None else k): [c.get("name") for c in v] for k, v in commands.items()}
    raise LookupError(f"/{parts[0]} is not among the synced commands {synced} (did the bot sync? see fd.wait_synced())")


def wrap_options(path: str, cmd: Mapping[str, Any], leaf_options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nest the leaf options under their subcommand (and group) option objects, as Discord sends them."""
    parts = path.split()[1:]
    if not parts:
        return leaf_options
    # rebuild nesting: group (type 2) -> subcommand (type 1) -> options
    nodes: list[Mapping[str, Any]] = []
    node: Mapping[str, Any] = cmd
    for part in parts:
        node = next(o for o in node.get("options") or [] if o.get("name") == part)
        nodes.append(node)
    wrapped: list[dict[str, Any]] = leaf_options
    for n in reversed(nodes):
        wrapped = [{"name": n["name"], "type": n["type"], "options": wrapped}]
    return wrapped


def check_can_use(cmd: Mapping[str, Any], path: str, dm: bool, permissions: int) -> None:
    """Raise ``PermissionError`` where the Discord client would not offer the command."""
    if dm:
        contexts = cmd.get("contexts")
        if cmd.get("dm_permission") is False or (contexts is not None and 1 not in contexts):
            raise PermissionError(f"/{path} is not available in DMs (dm_permission/contexts)")
        return
    required = cmd.get("default_member_permissions")
    if required is not None and not permissions & ADMINISTRATOR:
        needed = int(required)
        if permissions & needed != needed:
            raise PermissionError(
                f"/{path} needs default_member_permissions={needed}; member has {permissions}"
                " (Discord would not show the command)"
            )


def find_component(message: Mapping[str, Any], custom_id: str) -> dict[str, Any]:
    """The component with ``custom_id`` anywhere in ``message`` (rows, containers, sections, labels)."""
    stack: list[Any] = list(message.get("components") or [])
    seen: list[str] = []
    while stack:
        comp = stack.pop(0)
        if not isinstance(comp, dict):
            continue
        if comp.get("custom_id") == custom_id:
            return comp
        if comp.get("custom_id"):
            seen.append(str(comp["custom_id"]))
        stack.extend(comp.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                stack.append(comp[key])
    raise LookupError(f"message {message.get('id')} has no component {custom_id!r} (has {seen})")


def modal_submit_components(
    components: Sequence[Mapping[str, Any]], values: Mapping[str, Any], used: set[str]
) -> list[dict[str, Any]]:
    """Modal-submit ``components`` mirroring the modal layout, filled from ``values`` (validated)."""
    out: list[dict[str, Any]] = []
    for index, comp in enumerate(components):
        ctype = int(comp.get("type") or 0)
        cid = comp.get("custom_id")
        ident = comp.get("id", index + 1)
        if ctype == 1:
            out.append({"type": 1, "components": modal_submit_components(comp.get("components") or [], values, used)})
        elif ctype == 18:
            inner = modal_submit_components([comp["component"]], values, used)
            out.append({"type": 18, "id": ident, "component": inner[0]})
        elif ctype == 10:
            out.append({"type": 10, "id": ident, "content": comp.get("content", "")})
        elif ctype == 4 and isinstance(cid, str):
            used.add(cid)
            value = str(values.get(cid, comp.get("value") or ""))
            if comp.get("required", True) and not value:
                raise ValueError(f"text input {cid!r} is required")
            if value and comp.get("min_length") is not None and len(value) < int(comp["min_length"]):
                raise ValueError(f"text input {cid!r}: {len(value)} chars < min_length {comp['min_length']}")
            if comp.get("max_length") is not None and len(value) > int(comp["max_length"]):
                raise ValueError(f"text input {cid!r}: {len(value)} chars > max_length {comp['max_length']}")
            out.append({"type": 4, "id": ident, "custom_id": cid, "value": value})
        elif ctype in (*SELECT_TYPES, 19, 22) and isinstance(cid, str):
            used.add(cid)
            out.append({"type": ctype, "id": ident, "custom_id": cid, "values": list(values.get(cid, []))})
        elif ctype == 21 and isinstance(cid, str):
            used.add(cid)
            out.append({"type": 21, "id": ident, "custom_id": cid, "value": values.get(cid)})
        elif ctype == 23 and isinstance(cid, str):
            used.add(cid)
            out.append({"type": 23, "id": ident, "custom_id": cid, "value": bool(values.get(cid, False))})
    return out
