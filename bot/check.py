"""``python -m bot check``: can the bot start with this configuration?

Checks, in order, and prints one ✔ / ✘ line (``!`` for a warning, ``-`` for a skipped check) per item:

1. the configuration (every problem of :func:`bot.config.load_config`), and whether ``/admin`` is on (it needs
   ``GUILD_IDS``: a warning without it);
2. ``DATA_DIR`` (and the database's directory) exists or can be created, and is writable: if not, the
   message names the user the bot runs as and the ``chown 10001:10001`` a Docker bind mount needs;
3. the encryption key (``ENCRYPTION_KEY``, or ``DATA_DIR/secret.key``), with a warning when the key is kept
   on the same volume as the database it protects;
4. the database opens (migrations applied) and every stored panel key decrypts with that key;
5. the panel answers at ``PANEL_URL`` like a panel (an unauthenticated request gets its 401 JSON);
6. ``PANEL_APPLICATION_KEY``, if set: an application key, or an administrator's client key;
7. Discord accepts ``DISCORD_TOKEN`` (``GET /users/@me``, at ``DISCORD_API_BASE`` if set).

The exit status is 0 only if nothing failed. No key or token is ever printed: messages never include them,
and every line goes through the same redaction as the logs. Checking has no side effect beyond what the bot
does at start (it creates ``DATA_DIR`` and the database); it never generates an encryption key.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .config import BotConfig, ConfigError, load_config
from .logs import RedactingFilter

__all__ = ["CheckReport", "CheckResult", "Status", "check_main", "run_checks"]

log = logging.getLogger("bot.check")

PANEL_TIMEOUT = 10.0
DISCORD_TIMEOUT = 10.0
_PROBE_KEY = "bot-check-probe-without-a-valid-key"
"""Sent to the panel to see it refuse an unauthenticated request (the client needs a non-empty key)."""


class Status(enum.Enum):
    OK = "✔"
    WARN = "!"
    FAIL = "✘"
    SKIP = "-"


@dataclass(frozen=True)
class CheckResult:
    """One line of the report."""

    name: str
    status: Status
    detail: str

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL


@dataclass
class CheckReport:
    """Every result, and whether the bot can start."""

    results: list[CheckResult] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not any(r.failed for r in self.results)

    def add(self, name: str, status: Status, detail: str) -> CheckResult:
        result = CheckResult(name, status, detail)
        self.results.append(result)
        return result

    def lines(self) -> list[str]:
        """The printed report: one line per check, then a verdict, secrets redacted."""
        redactor = RedactingFilter(self.secrets)
        out = [redactor.redact(f"{r.status.value} {r.name}: {r.detail}") for r in self.results]
        failures = sum(r.failed for r in self.results)
        if failures:
            out.append(f"{failures} check(s) failed: the bot cannot start until they are fixed.")
        else:
            out.append("All checks passed: the bot can start.")
        return out


# ---------------------------------------------------------------------------------------------- checks


def _check_data_dir(report: CheckReport, config: BotConfig) -> bool:
    from .datadir import DataDirError, ensure_writable, used_directories

    for directory in used_directories(config):
        try:
            ensure_writable(directory)
        except DataDirError as exc:
            report.add("data directory", Status.FAIL, str(exc))
            return False
        report.add("data directory", Status.OK, f"{directory.resolve()} is writable")
    return True


def _check_admin(report: CheckReport, config: BotConfig) -> None:
    from .admin_gate import ADMIN_NEEDS_GUILD_IDS, admin_enabled

    if admin_enabled(config.guild_ids):
        count = len(config.guild_ids)
        report.add("/admin", Status.OK, f"/admin is on in {count} guild(s) of GUILD_IDS")
    else:
        report.add("/admin", Status.WARN, ADMIN_NEEDS_GUILD_IDS)


def _check_key_location(report: CheckReport, config: BotConfig) -> None:
    from .datadir import key_beside_database

    warning = key_beside_database(config)
    if warning:
        report.add("key storage", Status.WARN, warning)


def _load_vault(report: CheckReport, config: BotConfig) -> tuple[Any, bool]:
    """``(vault or None, ok)``. Never creates a key file."""
    from .crypto import SECRET_KEY_FILENAME, KeyVaultError, load_key_vault

    quiet = logging.getLogger("bot.check.vault")
    quiet.disabled = True  # load_key_vault warns about the key file; the report says it instead
    if config.encryption_keys:
        try:
            vault = load_key_vault(list(config.encryption_keys), config.data_dir, quiet)
        except KeyVaultError as exc:
            report.add("encryption key", Status.FAIL, str(exc))
            return None, False
        report.add("encryption key", Status.OK, f"ENCRYPTION_KEY holds {vault.key_count} valid key(s)")
        return vault, True
    key_file = config.data_dir / SECRET_KEY_FILENAME
    if not key_file.exists():
        report.add(
            "encryption key",
            Status.WARN,
            f"ENCRYPTION_KEY is not set and {key_file} does not exist: the bot will generate a key there at "
            "first start. Set ENCRYPTION_KEY yourself (and back it up) to keep linked keys readable.",
        )
        return None, True
    try:
        vault = load_key_vault([], config.data_dir, quiet)
    except KeyVaultError as exc:
        report.add("encryption key", Status.FAIL, str(exc))
        return None, False
    report.add(
        "encryption key",
        Status.WARN,
        f"ENCRYPTION_KEY is not set: using the key in {key_file}. Set ENCRYPTION_KEY explicitly and back it up.",
    )
    return vault, True


async def _check_database(report: CheckReport, config: BotConfig, vault: Any, vault_ok: bool) -> None:
    from .migrations import SchemaVersionError
    from .rotate_keys import verify_keys
    from .storage import Storage, StorageError

    path = config.database_path
    existed = path.exists()
    try:
        async with Storage.open(path) as storage:
            version = await storage.schema_version()
            count = await storage.count_links()
            created = "created" if not existed else "opens"
            report.add("database", Status.OK, f"{path} {created} (schema version {version}, {count} linked account(s))")
            if not vault_ok:
                report.add("stored keys", Status.SKIP, "not checked: the encryption key is not usable")
                return
            if vault is None:
                if count:
                    report.add(
                        "stored keys",
                        Status.FAIL,
                        f"{count} panel key(s) are stored but there is no ENCRYPTION_KEY and no key file: they "
                        "cannot be decrypted. Set ENCRYPTION_KEY to the key they were encrypted with.",
                    )
                else:
                    report.add("stored keys", Status.OK, "no stored keys yet")
                return
            failed = await verify_keys(storage, vault)
    except (StorageError, SchemaVersionError) as exc:
        report.add("database", Status.FAIL, str(exc))
        return
    if failed:
        shown = ", ".join(str(i) for i in failed[:10]) + (f" and {len(failed) - 10} more" if len(failed) > 10 else "")
        report.add(
            "stored keys",
            Status.FAIL,
            f"{len(failed)} of {count} stored panel key(s) cannot be decrypted with the configured key "
            f"(Discord user ids: {shown}): ENCRYPTION_KEY is wrong or missing the key they were encrypted with "
            "(add it after the current key, comma-separated). The bot refuses to start like this.",
        )
    else:
        report.add("stored keys", Status.OK, f"all {count} stored panel key(s) decrypt")


def _panel_client(config: BotConfig, key: str) -> Any:
    from pyjexactyl import AsyncJexactyl

    return AsyncJexactyl(config.panel_url, key, retries=0, timeout=PANEL_TIMEOUT, max_retry_wait=0.0)


def _describe_panel_failure(exc: Exception, url: str) -> str:
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


async def _check_panel(report: CheckReport, config: BotConfig) -> bool:
    from pyjexactyl import UnauthorizedError

    url = config.panel_url
    api = _panel_client(config, _PROBE_KEY)
    try:
        await api.request("GET", "/api/client")
    except UnauthorizedError as exc:
        if exc.code in ("HtmlErrorPage", "NonJsonErrorBody"):
            report.add("panel", Status.FAIL, _describe_panel_failure(exc, url))
            return False
        report.add("panel", Status.OK, f"panel reachable at {url} (refused an unauthenticated request, as it should)")
        return True
    except Exception as exc:
        report.add("panel", Status.FAIL, _describe_panel_failure(exc, url))
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


async def _check_application_key(report: CheckReport, config: BotConfig, panel_ok: bool) -> None:
    from pyjexactyl import ForbiddenError, UnauthorizedError

    name = "PANEL_APPLICATION_KEY"
    key = config.panel_application_key
    if key is None:
        report.add(name, Status.SKIP, "not set: /admin commands use the invoking admin's own linked key")
        return
    if not panel_ok:
        report.add(name, Status.SKIP, "not checked: the panel is not reachable")
        return
    api = _panel_client(config, key)
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
        report.add(name, Status.FAIL, _describe_panel_failure(exc, config.panel_url))
    finally:
        await api.close()


async def _check_discord(report: CheckReport, config: BotConfig) -> None:
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


async def run_checks(config: BotConfig) -> CheckReport:
    """Runs every check against ``config`` (already validated) and returns the report."""
    report = CheckReport(secrets=[config.discord_token, config.panel_application_key or "", *config.encryption_keys])
    report.add("configuration", Status.OK, f"valid (panel {config.panel_url}, data directory {config.data_dir})")
    _check_admin(report, config)
    data_ok = _check_data_dir(report, config)
    if data_ok or config.encryption_keys:
        vault, vault_ok = _load_vault(report, config)
    else:  # the key file would be in the unusable directory
        report.add("encryption key", Status.SKIP, "not checked: the data directory is not usable")
        vault, vault_ok = None, False
    _check_key_location(report, config)
    if data_ok:
        await _check_database(report, config, vault, vault_ok)
    else:
        report.add("database", Status.SKIP, "not checked: the data directory is not usable")
    panel_ok = await _check_panel(report, config)
    await _check_application_key(report, config, panel_ok)
    await _check_discord(report, config)
    return report


def config_report(error: ConfigError) -> CheckReport:
    """The report for a configuration that does not load: one ✘ line per problem."""
    report = CheckReport()
    for problem in error.problems:
        report.add("configuration", Status.FAIL, problem)
    return report


def check_main(
    env: Mapping[str, str] | None = None,
    *,
    dotenv_path: str | Path | None = ".env",
    stream: TextIO | None = None,
    configure_logging: bool = False,
) -> int:
    """``python -m bot check``: prints the report; 0 if the bot can start, else 1.

    ``configure_logging`` (the command line) sends warnings of the libraries to stderr through the
    redacting filter.
    """
    out = stream or sys.stdout
    try:
        config = load_config(env, dotenv_path=dotenv_path)
    except ConfigError as exc:
        report = config_report(exc)
    else:
        if configure_logging:
            from .logs import setup_logging

            secrets = [config.discord_token, config.panel_application_key or "", *config.encryption_keys]
            setup_logging("WARNING", secrets)
        report = asyncio.run(run_checks(config))
    for line in report.lines():
        print(line, file=out)
    return 0 if report.ok else 1
