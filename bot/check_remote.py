"""The checks of ``python -m bot check`` that ask a server: the panel at ``PANEL_URL``, what
``PANEL_APPLICATION_KEY`` is, and whether Discord accepts ``DISCORD_TOKEN``."""

from __future__ import annotations

import contextlib
from typing import Any

from .check_report import CheckReport, Status
from .config import BotConfig

__all__ = ["DISCORD_TIMEOUT", "PANEL_TIMEOUT", "check_application_key", "check_discord", "check_panel"]

PANEL_TIMEOUT = 10.0
DISCORD_TIMEOUT = 10.0
_PROBE_KEY = "bot-check-probe-without-a-valid-key"
"""Sent to the panel to see it refuse an unauthenticated request (the client needs a non-empty key)."""


def panel_client(config: BotConfig, key: str) -> Any:
    from pyjexactyl import AsyncJexactyl

    return AsyncJexactyl(config.panel_url, key, retries=0, timeout=PANEL_TIMEOUT, max_retry_wait=0.0)


def describe_panel_failure(exc: Exception, url: str) -> str:
    from pyjexactyl import JexactylApiError, PanelTimeoutError, PanelUnreachableError

    if isinstance(exc, PanelTimeoutError):
        return f"the panel at {url} did not answer within {PANEL_TIMEOUT:.0f} s"
    if isinstance(exc, PanelUnreachableError):
        return f"the panel at {url} cannot be reached: {exc}"
    if isinstance(exc, JexactylApiError):
        if exc.code in ("HtmlErrorPage", "NonJsonErrorBody") or exc.code.startswith("Malformed"):
            return (
                f"{url} answered HTTP {exc.status} with a web page ({exc.detail!r}), not the panel's JSON API: "
                "check PANEL_URL and any proxy in front of the panel"
            )
        return f"the panel answered HTTP {exc.status}: {exc.code} - {exc.detail}"
    return f"{type(exc).__name__}: {exc}"


async def check_panel(report: CheckReport, config: BotConfig) -> bool:
    from pyjexactyl import UnauthorizedError

    url = config.panel_url
    api = panel_client(config, _PROBE_KEY)
    try:
        await api.request("GET", "/api/client")
    except UnauthorizedError as exc:
        if exc.code in ("HtmlErrorPage", "NonJsonErrorBody"):
            report.add("panel", Status.FAIL, describe_panel_failure(exc, url))
            return False
        report.add("panel", Status.OK, f"panel reachable at {url} (refused an unauthenticated request, as it should)")
        return True
    except Exception as exc:
        report.add("panel", Status.FAIL, describe_panel_failure(exc, url))
        return False
    else:
        report.add(
            "panel",
            Status.FAIL,
            f"{url} answered an unauthenticated request with success: it does not look like a "
            "Jexactyl/Pterodactyl panel (check PANEL_URL)",
        )
        return False
    finally:
        await api.close()


async def check_application_key(report: CheckReport, config: BotConfig, panel_ok: bool) -> None:
    from pyjexactyl import ForbiddenError, UnauthorizedError

    name = "PANEL_APPLICATION_KEY"
    key = config.panel_application_key
    if key is None:
        report.add(name, Status.SKIP, "not set: /admin commands use the invoking admin's own linked key")
        return
    if not panel_ok:
        report.add(name, Status.SKIP, "not checked: the panel is not reachable")
        return
    api = panel_client(config, key)
    try:
        try:
            account = await api.request("GET", "/api/client/account")
        except ForbiddenError:
            account = None  # the panel refuses application keys on the client API
        if account is not None:
            attributes = account.get("attributes", {}) if isinstance(account, dict) else {}
            username = str(attributes.get("username", "?"))
            if attributes.get("admin") is True:
                report.add(name, Status.OK, f"an admin's client key (panel user {username!r}); /admin can use it")
            else:
                report.add(
                    name,
                    Status.FAIL,
                    f"a client key of {username!r}, who is not a panel administrator: /admin needs an application "
                    "key (Admin → Application API) or an administrator's client key",
                )
            return
        await api.request("GET", "/api/application/users", params={"per_page": 1})
        report.add(name, Status.OK, "an application key; it can read the panel's users")
    except UnauthorizedError:
        report.add(
            name, Status.FAIL, "the panel refused this key (401): it is unknown, revoked or expired; create a new one"
        )
    except ForbiddenError as exc:
        report.add(
            name,
            Status.FAIL,
            f"an application key the panel does not let read users ({exc.detail}): give it read/write on "
            "users and servers in Admin → Application API",
        )
    except Exception as exc:
        report.add(name, Status.FAIL, describe_panel_failure(exc, config.panel_url))
    finally:
        await api.close()


async def check_discord(report: CheckReport, config: BotConfig) -> None:
    import aiohttp

    from .discord_endpoints import DEFAULT_API_BASE

    base = (config.discord_api_base or DEFAULT_API_BASE).rstrip("/")
    headers = {
        "Authorization": f"Bot {config.discord_token}",
        "User-Agent": "DiscordBot (https://github.com/Rapptz/discord.py, 2.7) jexactyl-bot-check",
    }
    timeout = aiohttp.ClientTimeout(total=DISCORD_TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(f"{base}/users/@me", headers=headers) as response,
        ):
            status = response.status
            body: Any = None
            with contextlib.suppress(ValueError, aiohttp.ContentTypeError):
                body = await response.json(content_type=None)
    except TimeoutError:
        report.add("Discord token", Status.FAIL, f"Discord did not answer at {base} within {DISCORD_TIMEOUT:.0f} s")
        return
    except aiohttp.ClientError as exc:
        report.add("Discord token", Status.FAIL, f"cannot reach Discord at {base}: {type(exc).__name__}: {exc}")
        return
    if status == 200 and isinstance(body, dict):
        user = f"{body.get('username', '?')} (id {body.get('id', '?')})"
        report.add("Discord token", Status.OK, f"Discord accepts DISCORD_TOKEN: the bot is {user}")
    elif status == 401:
        report.add(
            "Discord token",
            Status.FAIL,
            "Discord rejected DISCORD_TOKEN (401): it is invalid or was reset; copy the current one from the "
            "developer portal (Bot → Reset Token)",
        )
    else:
        message = body.get("message") if isinstance(body, dict) else None
        report.add("Discord token", Status.FAIL, f"Discord answered HTTP {status} at {base}/users/@me: {message}")
