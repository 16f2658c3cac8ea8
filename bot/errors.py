"""One error ladder for the whole command tree.

Every failure of a slash command, autocomplete, button or modal ends here and becomes one specific
ephemeral sentence. Nothing else in the bot formats errors, and no traceback ever reaches Discord:
unexpected errors get a short reference id that is also written to the log.
"""

from __future__ import annotations

import logging
import math
import secrets
from typing import Any

import discord
from discord import app_commands

from pyjexactyl.exceptions import (
    BadRequestError,
    ClientClosedError,
    ConflictError,
    ForbiddenError,
    InvalidArgumentError,
    MalformedResponseError,
    NotFoundError,
    PanelTimeoutError,
    PanelUnreachableError,
    RateLimitedError,
    ServerError,
    ServerOfflineError,
    UnauthorizedError,
    ValidationError,
)

log = logging.getLogger("bot.errors")

LINK_HINT = "Run `/account link` and paste a client API key from your panel (Account → API Credentials)."
STALE_LINK = (
    "This belongs to a panel link you have since unlinked or replaced, so nothing was done. Run the command again."
)
"""The answer to a button pressed under a link that is gone (see :class:`bot.ui.base.BotView`)."""
LINK_CHANGED = (
    "Your panel link was removed or replaced while this was running, so the bot stopped using the old key. "
    "Check the result, and run the command again if needed."
)


class UserFacingError(app_commands.AppCommandError):
    """An error whose message is meant for the user as it is. Raise it from anywhere in the bot."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotLinkedError(UserFacingError):
    """The user has not linked a panel account."""

    def __init__(self) -> None:
        super().__init__(f"You have not linked a panel account yet. {LINK_HINT}")


class NotAdminError(UserFacingError):
    """The user may not use admin commands."""


def describe_error(error: BaseException) -> str | None:
    """The sentence shown to the user for a known error, or ``None`` for an unexpected one."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserFacingError):
        return error.message
    if isinstance(error, UnauthorizedError):
        return f"The panel refused your API key: it was revoked or has expired. {LINK_HINT}"
    if isinstance(error, ForbiddenError):
        detail = error.detail.rstrip(".")
        if "application API key" in detail:
            return "The panel refused this key: it is an application key. " + LINK_HINT
        return (
            f"The panel refused this action ({detail}). Your account lacks the permission for it on that "
            "server: ask the server owner to grant it."
        )
    if isinstance(error, NotFoundError):
        return "That does not exist on your panel account. Pick one from the suggestions and try again."
    if isinstance(error, ConflictError):
        return f"The server cannot do that right now: {error.detail}"
    if isinstance(error, RateLimitedError):
        wait = f"{max(1, round(error.retry_after))} s" if error.retry_after else "a minute"
        if error.code == "TooManyRequestsHttpException":
            return f"The panel limits how often this can be done: {error.detail} Try again in {wait}."
        return f"The panel is busy (rate limited). Try again in {wait}."
    if isinstance(error, ServerOfflineError):
        return "The server is offline: start it first with `/server start`."
    if isinstance(error, MalformedResponseError):
        return "The panel sent an answer the bot could not read. Try again in a moment."
    if isinstance(error, ServerError):
        return f"The panel or its node failed (HTTP {error.status}). Try again in a moment."
    if isinstance(error, PanelTimeoutError):
        if error.method.upper() in ("POST", "PATCH"):  # sent once, never retried: it may have been applied
            return (
                "The panel did not answer in time, so the bot cannot tell whether it carried this out. Check "
                "first (`/server status`, `/backup list`) before trying again."
            )
        return "The panel did not answer in time. Try again in a moment."
    if isinstance(error, PanelUnreachableError):
        return "The panel cannot be reached right now. Try again later."
    if isinstance(error, ValidationError):
        fields = "; ".join(e.detail for e in error.errors[:5])
        return f"The panel rejected the input: {fields}"
    if isinstance(error, BadRequestError):
        return f"The panel refused: {error.detail}"
    if isinstance(error, InvalidArgumentError):
        return f"That input is not valid: {error}"
    if isinstance(error, app_commands.TransformerError):
        return "That option could not be read (a channel or role the bot cannot see?). Pick one from the list."
    if isinstance(error, ClientClosedError):  # the user unlinked or re-linked while this was running
        return LINK_CHANGED
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {max(1, math.ceil(error.retry_after))} s."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works inside a server, not in direct messages."
    if isinstance(error, app_commands.MissingPermissions | app_commands.MissingAnyRole):
        return "You do not have permission to use this command."
    if isinstance(error, app_commands.CheckFailure):
        return "You cannot use this command here."
    return None


async def send_ephemeral(
    interaction: discord.Interaction[Any], content: str, *, embed: discord.Embed | None = None
) -> None:
    """Answers ephemerally whether or not the interaction was already answered or deferred."""
    kwargs: dict[str, Any] = {"content": content, "ephemeral": True}
    if embed is not None:
        kwargs["embed"] = embed
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> str:
    """Tells the user what went wrong (ephemerally) and logs it; returns the outcome label."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    message = describe_error(original)
    outcome = type(original).__name__
    if message is None:
        reference = secrets.token_hex(4)
        log.error("unexpected error %s in %s", reference, _where(interaction), exc_info=original)
        message = f"Something went wrong on the bot's side. Reference: `{reference}` (give it to the bot's operator)."
        outcome = f"error:{reference}"
    else:
        log.info("%s in %s: %s", outcome, _where(interaction), message)
    interaction.extras["outcome"] = outcome
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException as exc:  # token expired or the interaction is gone: only log
        log.warning("could not deliver an error message for %s: %s", _where(interaction), exc)
    return outcome


def interaction_name(interaction: discord.Interaction[Any]) -> str:
    """The command's qualified name, for log lines. A button, select or form is named by the command whose
    message or form it belongs to (its view sets ``interaction.extras["command"]``); ``?`` when that is
    unknown (a view that no longer exists)."""
    command_name = interaction.extras.get("command")
    if isinstance(command_name, str):
        return command_name
    if interaction.type in (discord.InteractionType.application_command, discord.InteractionType.autocomplete):
        try:
            command = interaction.command
        except Exception:  # pragma: no cover - resolving the command failed
            command = None
        if command is not None:
            return command.qualified_name
        data: dict[str, Any] = dict(interaction.data or {})
        return str(data.get("name") or "?")
    return "?"


def _where(interaction: discord.Interaction[Any]) -> str:
    return f"/{interaction_name(interaction)} (user {interaction.user.id})"


class BotTree(app_commands.CommandTree[Any]):
    """The command tree: the one place errors are handled."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        tracker = getattr(interaction.client, "tracker", None)
        if tracker is not None:
            tracker.attach(interaction)  # CommandNotFound comes here without the tree's interaction_check
        await report_error(interaction, error)
