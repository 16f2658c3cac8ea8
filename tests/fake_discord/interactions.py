"""Driving the bot like Discord's client would: slash commands, autocomplete, button and select presses, modal
submits -- each built into a complete INTERACTION_CREATE from the commands the bot synced, validated like the
client validates input, and carrying the member's and the app's computed permissions in the channel
(``member.permissions``, ``channel.permissions``, ``app_permissions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._lookup import find_component, modal_submit_components
from .interaction_builder import InteractionBuilder
from .interaction_record import InteractionRecord
from .message_store import FLAG_EPHEMERAL
from .payloads import FakeRole, FakeUser
from .state import Ref, ref_id

__all__ = ["InteractionDriver"]

_SELECT_TYPES = {3, 5, 6, 7, 8}


class InteractionDriver(InteractionBuilder):
    """``fd.slash``, ``fd.autocomplete``, ``fd.click``, ``fd.submit_modal``."""

    async def slash(
        self,
        user: FakeUser,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        member_permissions: int | None = None,
        roles: Sequence[int | FakeRole] = (),
        dm: bool = False,
        check_permissions: bool = True,
    ) -> InteractionRecord:
        """Invoke ``/command`` (e.g. ``"server status"``) as ``user`` and return the interaction record.

        The command is looked up in the synced commands (guild commands first, then global); options are
        converted to their declared types and validated like the Discord client would (required options,
        choices, min/max) — a mistake in the test raises ``ValueError``/``LookupError`` here. Values for
        user/role/channel options may be ``FakeUser``/``FakeRole``/ids; attachments a filename or dict.
        ``member_permissions`` defaults to an ordinary member's; commands whose
        ``default_member_permissions`` the member lacks raise ``PermissionError`` unless
        ``check_permissions=False``. Returns immediately after the dispatch; await ``ix.wait_final()``.
        """
        return await self._command_interaction(
            2,
            user,
            command,
            options,
            focused=None,
            guild_id=guild_id,
            channel_id=channel_id,
            member_permissions=member_permissions,
            roles=roles,
            dm=dm,
            check_permissions=check_permissions,
        )

    async def autocomplete(
        self,
        user: FakeUser,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        focused: str,
        timeout: float = 3.0,
        guild_id: int | None = None,
        channel_id: int | None = None,
        member_permissions: int | None = None,
        roles: Sequence[int | FakeRole] = (),
        dm: bool = False,
    ) -> list[dict[str, Any]]:
        """Send an autocomplete interaction (type 4) with ``focused`` being typed; return the choices.

        The value typed so far is ``options[focused]`` (default ``""``). The choices are returned even if
        the fake rejected them for breaking a limit (the violation is recorded).
        """
        ix = await self._command_interaction(
            4,
            user,
            command,
            options,
            focused=focused,
            guild_id=guild_id,
            channel_id=channel_id,
            member_permissions=member_permissions,
            roles=roles,
            dm=dm,
            check_permissions=True,
        )
        await ix.wait_for(lambda r: r.choices is not None, timeout)
        return list(ix.choices or [])

    async def click(
        self,
        user: FakeUser,
        message: Ref,
        custom_id: str,
        *,
        values: Sequence[str] | None = None,
        member_permissions: int | None = None,
        roles: Sequence[int | FakeRole] = (),
    ) -> InteractionRecord:
        """Press the button (or choose ``values`` in the select menu) ``custom_id`` on a recorded message.

        ``message`` is a message dict (``ix.last_message``, ``ix.messages[i]``, ``fd.channel_messages[i]``)
        or its id; the fake uses the message's *current* state. Clicking a disabled component, or someone
        else's ephemeral message, raises.
        """
        mid = ref_id(message)
        current = self.store.get(mid)
        meta = self.store.meta.get(mid)
        if current is None or meta is None:
            raise LookupError(f"message {mid} is unknown to the fake (or was deleted)")
        if int(current.get("flags") or 0) & FLAG_EPHEMERAL and meta.interaction_id is not None:
            owner = self._ix_by_id[meta.interaction_id].user
            if owner.id != user.id:
                raise PermissionError(f"message {mid} is ephemeral to {owner.username}; {user.username} cannot see it")
        comp = find_component(current, custom_id)
        if comp.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        ctype = int(comp["type"])
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if ctype in _SELECT_TYPES:
            chosen = list(values or [])
            lo, hi = int(comp.get("min_values", 1)), int(comp.get("max_values", 1))
            if not lo <= len(chosen) <= hi:
                raise ValueError(f"select {custom_id!r} takes {lo}-{hi} values, got {len(chosen)}")
            if ctype == 3:
                allowed = [o.get("value") for o in comp.get("options") or []]
                bad = [v for v in chosen if v not in allowed]
                if bad:
                    raise ValueError(f"select {custom_id!r} has no option(s) {bad} (has {allowed})")
            data["values"] = chosen
        elif values is not None:
            raise ValueError(f"component {custom_id!r} is a button; values are for select menus")
        return await self._new_interaction(
            itype=3,
            name=custom_id,
            user=user,
            data=data,
            guild_id=meta.guild_id,
            channel_id=meta.channel_id,
            dm=meta.guild_id is None and meta.channel_id in self._dm_channels.values(),
            member_permissions=member_permissions,
            roles=roles,
            message=current,
        )

    async def submit_modal(
        self,
        user: FakeUser,
        modal_custom_id: str,
        values: Mapping[str, Any],
        *,
        origin: InteractionRecord | None = None,
        member_permissions: int | None = None,
        roles: Sequence[int | FakeRole] = (),
    ) -> InteractionRecord:
        """Submit the modal the bot opened (type 9 response to ``origin``) with ``{field_custom_id: value}``.

        Without ``origin`` the most recent interaction that opened a modal with that custom_id is used.
        Text inputs are validated like the client does (required, min/max length).
        """
        if origin is None:
            origin = next(
                (ix for ix in reversed(self.interactions) if ix.modal and ix.modal.get("custom_id") == modal_custom_id),
                None,
            )
            if origin is None:
                raise LookupError(f"no interaction opened a modal {modal_custom_id!r}")
        if origin.modal is None:
            raise LookupError(f"{self._where(origin)} did not answer with a modal")
        if origin.modal.get("custom_id") != modal_custom_id:
            raise LookupError(f"the modal opened by {self._where(origin)} is {origin.modal.get('custom_id')!r}")
        used: set[str] = set()
        components = modal_submit_components(origin.modal.get("components") or [], values, used)
        unknown = set(values) - used
        if unknown:
            raise ValueError(f"modal {modal_custom_id!r} has no field(s) {sorted(unknown)} (has {sorted(used)})")
        message = self.store.get(origin.source_message_id) if origin.source_message_id is not None else None
        origin_meta = self._interaction_metadata(origin)
        return await self._new_interaction(
            itype=5,
            name=modal_custom_id,
            user=user,
            data={"custom_id": modal_custom_id, "components": components},
            guild_id=origin.guild_id,
            channel_id=origin.channel_id,
            dm=origin.guild_id is None,
            member_permissions=member_permissions,
            roles=roles,
            message=message,
            extra={"_origin_metadata": origin_meta},
        )
