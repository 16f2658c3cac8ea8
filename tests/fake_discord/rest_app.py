"""REST routes of the application itself: login (``/users/@me``, ``/oauth2/applications/@me``), the gateway URL,
and application commands (bulk overwrite, list, create), each checked against Discord's command limits.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from . import limits
from .payloads import FakeUser, user_payload
from .records import RecordedRequest
from .rest import RestMixin, Route
from .state import Json, discord_error

__all__ = ["AppRoutes"]


class AppRoutes(RestMixin):
    """Login, gateway URL and application-command routes."""

    def _app_routes(self) -> list[Route]:
        app = r"(?P<app>\d+)"
        return [
            ("GET", r"/users/@me", self._h_me, True),
            ("GET", r"/oauth2/applications/@me", self._h_app_info, True),
            ("GET", r"/applications/@me", self._h_app_info, True),
            ("GET", r"/gateway", self._h_gateway, False),
            ("GET", r"/gateway/bot", self._h_gateway_bot, True),
            ("PUT", rf"/applications/{app}/commands", self._h_put_commands, True),
            ("PUT", rf"/applications/{app}/guilds/(?P<guild>\d+)/commands", self._h_put_commands, True),
            ("GET", rf"/applications/{app}/commands", self._h_get_commands, True),
            ("GET", rf"/applications/{app}/guilds/(?P<guild>\d+)/commands", self._h_get_commands, True),
            ("POST", rf"/applications/{app}/commands", self._h_post_command, True),
            ("POST", rf"/applications/{app}/guilds/(?P<guild>\d+)/commands", self._h_post_command, True),
        ]

    async def _h_me(self, rec: RecordedRequest) -> tuple[int, Json]:
        return 200, {**user_payload(self.bot_user), "verified": True, "mfa_enabled": False, "locale": "en-US"}

    async def _h_app_info(self, rec: RecordedRequest) -> tuple[int, Json]:
        owner = FakeUser(id=self.owner_id, username="owner")
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "description": "",
            "icon": None,
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user_payload(owner),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "rpc_origins": [],
            "redirect_uris": [],
            "tags": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guild_ids),
            "integration_types_config": {"0": {}},
            "bot": user_payload(self.bot_user),
        }

    async def _h_gateway(self, rec: RecordedRequest) -> tuple[int, Json]:
        return 200, {"url": self.gateway_url}

    async def _h_gateway_bot(self, rec: RecordedRequest) -> tuple[int, Json]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    # ================================================================== application commands

    def _echo_command(self, guild_id: int | None, cmd: Mapping[str, Any]) -> dict[str, Any]:
        ctype = int(cmd.get("type") or 1)
        key = (guild_id, ctype, str(cmd.get("name")))
        cid = self._command_ids.setdefault(key, self.snowflake())
        out: dict[str, Any] = {
            "id": str(cid),
            "application_id": str(self.application_id),
            "version": str(self.snowflake()),
            "type": ctype,
            "name": cmd.get("name"),
            "description": cmd.get("description", ""),
            "options": copy.deepcopy(cmd.get("options") or []),
            "default_member_permissions": cmd.get("default_member_permissions"),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types", [0]),
            "nsfw": cmd.get("nsfw", False),
            "name_localizations": cmd.get("name_localizations"),
            "description_localizations": cmd.get("description_localizations"),
        }
        if guild_id is not None:
            out["guild_id"] = str(guild_id)
        return out

    def _check_app(self, app: str) -> tuple[int, Json] | None:
        if int(app) != self.application_id:
            return 403, discord_error(50001, "Missing Access")
        return None

    async def _h_put_commands(self, rec: RecordedRequest, app: str, guild: str | None = None) -> tuple[int, Json]:
        if (err := self._check_app(app)) is not None:
            return err
        guild_id = int(guild) if guild is not None else None
        if not isinstance(rec.body, list):
            return 400, discord_error(50035, "Invalid Form Body")
        problems = limits.check_command_list(rec.body)
        self._violate("sync " + ("global" if guild_id is None else f"guild {guild_id}"), problems)
        if (rej := self._reject_for(problems)) is not None:
            return rej
        echoed = [self._echo_command(guild_id, c) for c in rec.body]
        self._commands[guild_id] = echoed
        self.command_syncs.append((guild_id, copy.deepcopy(echoed)))
        return 200, echoed

    async def _h_get_commands(self, rec: RecordedRequest, app: str, guild: str | None = None) -> tuple[int, Json]:
        if (err := self._check_app(app)) is not None:
            return err
        return 200, self._commands.get(int(guild) if guild is not None else None, [])

    async def _h_post_command(self, rec: RecordedRequest, app: str, guild: str | None = None) -> tuple[int, Json]:
        if (err := self._check_app(app)) is not None:
            return err
        guild_id = int(guild) if guild is not None else None
        if not isinstance(rec.body, dict):
            return 400, discord_error(50035, "Invalid Form Body")
        current = [c for c in self._commands.get(guild_id, []) if c["name"] != rec.body.get("name")]
        problems = limits.check_command_list([*current, rec.body])
        self._violate("create command", problems)
        if (rej := self._reject_for(problems)) is not None:
            return rej
        echoed = self._echo_command(guild_id, rec.body)
        self._commands[guild_id] = [*current, echoed]
        return 201, echoed
