"""The bot's environment variables, defined once: ``.env.example``, the ``.env`` that ``python -m bot init``
writes, and (checked by a test) the README's configuration table and what :func:`bot.config.load_config`
reads all come from :data:`VARIABLES`.

``python -m bot init`` (:func:`init_main`) writes a ``.env`` with mode 0600, refusing to overwrite one: a fresh
``ENCRYPTION_KEY``, an empty ``DISCORD_TOKEN`` and ``PANEL_URL`` to fill in, and every optional variable
commented out with its default. ``python -m bot.settings`` prints ``.env.example``.

Only the standard library is used, so ``init`` works before the bot's dependencies are installed.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

__all__ = ["VARIABLES", "Variable", "generate_encryption_key", "init_main", "render_env", "write_env_file"]


@dataclass(frozen=True)
class Variable:
    """One environment variable of the bot.

    Attributes:
        name: The variable's name.
        comment: What it means and how to get a value, one line per entry.
        required: The bot cannot start without it.
        default: Shown commented out (``# NAME=default``) for an optional variable; ``""`` when it has none.
    """

    name: str
    comment: tuple[str, ...]
    required: bool = False
    default: str = ""


GENERATE_KEY_COMMAND = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)

VARIABLES: tuple[Variable, ...] = (
    Variable(
        "DISCORD_TOKEN",
        (
            "Bot token from https://discord.com/developers/applications (your application -> Bot -> Reset Token),",
            'pasted bare, without a "Bot " prefix. It has three parts separated by dots; the application id,',
            "public key and client secret are not the token.",
        ),
        required=True,
    ),
    Variable(
        "PANEL_URL",
        (
            "Base address of your panel, e.g. https://panel.<your domain> (not the documentation placeholder",
            "panel.example.com). https:// is required, except for localhost / loopback / private 10.x,",
            "172.16-31.x and 192.168.x addresses, where http:// is allowed.",
        ),
        required=True,
    ),
    Variable(
        "ENCRYPTION_KEY",
        (
            "Fernet key(s) that encrypt members' panel API keys at rest, comma-separated: the FIRST key",
            "encrypts, every key decrypts. To rotate: stop the bot, put a new key first and keep the old one",
            "after it, run `python -m bot rotate-keys` (it refuses while a bot runs on this data directory),",
            "drop the old key, start the bot. `python -m bot init` writes a fresh one;",
            f"or generate one with:  {GENERATE_KEY_COMMAND}",
            "If unset, the bot generates DATA_DIR/secret.key: in the same volume as the database it protects.",
            "Back this key up (without it no linked key can be read), and not next to the database.",
        ),
    ),
    Variable(
        "PANEL_APPLICATION_KEY",
        (
            "Application API key (panel Admin -> Application API) for /admin, or a panel administrator's",
            "client key. Without it /admin uses the invoking administrator's own linked key.",
        ),
    ),
    Variable(
        "GUILD_IDS",
        (
            "Comma-separated guild (Discord server) ids: commands are synced to them at every start (instant)",
            "and other guilds are refused. Unset: commands are global (the first sync can take an hour) and",
            "/admin is off, since anyone could then invite the bot to a server where they are Administrator.",
        ),
    ),
    Variable(
        "ADMIN_ROLE_IDS",
        ("Comma-separated Discord role ids allowed to use /admin, besides members with Administrator.",),
    ),
    Variable(
        "DATA_DIR",
        ("Directory of the SQLite database and, if ENCRYPTION_KEY is unset, the generated secret.key.",),
        default="./data",
    ),
    Variable(
        "DATABASE_URL",
        (
            "Database location override: a file path or sqlite:///relative/path.db",
            "(sqlite:////absolute/path.db for an absolute path). Default: DATA_DIR/bot.db.",
        ),
    ),
    Variable(
        "PANEL_TIMEOUT",
        (
            "Seconds one panel request may take before the member is told the panel did not answer in time",
            "(not retried).",
        ),
        default="15",
    ),
    Variable(
        "BOARD_INTERVAL",
        (
            "Seconds between two edits of a status board for CPU, memory, disk and network (5-3600). A state",
            "change is shown within 2 s whatever this says. 15 keeps a board at 4 edits a minute.",
        ),
        default="15",
    ),
    Variable(
        "ALERT_UNREACHABLE",
        (
            "Seconds a server with an alert may be impossible to watch (its node or Wings down) before the",
            "alert says so (10-86400).",
        ),
        default="120",
    ),
    Variable("LOG_LEVEL", ("DEBUG, INFO, WARNING, ERROR or CRITICAL.",), default="INFO"),
    Variable(
        "HEALTH_PORT",
        ("Serve GET /health on this port (1-65535); unset: no health endpoint. The Docker image sets 8080.",),
    ),
    Variable("HEALTH_HOST", ("Address the health endpoint listens on.",), default="127.0.0.1"),
    Variable(
        "CONFIG_ERROR_DELAY",
        (
            "Seconds `python -m bot run` waits, after reporting a configuration error, before it exits with",
            "status 78 (EX_CONFIG), so that a restart policy retries every few minutes instead of in a tight",
            "loop. A stop signal ends the wait at once. The Docker image sets 300.",
        ),
        default="0",
    ),
    Variable(
        "DISCORD_API_BASE",
        (
            "Another Discord REST API base, e.g. a staging double (tests point it at a fake Discord). The bot",
            "token is sent there: https://, or http:// only for localhost / loopback / private addresses.",
        ),
    ),
    Variable(
        "DISCORD_GATEWAY_URL",
        ("Another Discord gateway URL (with DISCORD_API_BASE): wss://, or ws:// only for private addresses.",),
    ),
)
"""Every variable the bot reads, in the order of the ``.env`` file."""

_HEADER_EXAMPLE = (
    "Configuration of jexactyl-bot: copy this file to .env, or better run `python -m bot init`, which writes",
    "a .env with a fresh ENCRYPTION_KEY. Fill in DISCORD_TOKEN and PANEL_URL, then run `python -m bot check`.",
    "Variables set in the real environment win over the file. Never commit your .env.",
)
_HEADER_INIT = (
    "Configuration of jexactyl-bot, written by `python -m bot init`.",
    "Fill in DISCORD_TOKEN and PANEL_URL, then run `python -m bot check`.",
    "Variables set in the real environment win over this file. Keep it private (mode 0600) and never commit",
    "it: ENCRYPTION_KEY below protects every linked panel key. Back that key up somewhere else.",
)


def generate_encryption_key() -> str:
    """A fresh Fernet key (32 random bytes, url-safe base64), as ``ENCRYPTION_KEY`` expects.

    Example:
        >>> len(generate_encryption_key())
        44
    """
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def render_env(*, encryption_key: str | None = None) -> str:
    """The text of a ``.env`` file: ``.env.example`` without ``encryption_key``, ``init``'s file with it.

    Required variables (and ``ENCRYPTION_KEY``) are written as ``NAME=value`` lines; every optional one is
    commented out, with its default.

    Example:
        >>> "DISCORD_TOKEN=" in render_env().splitlines()
        True
    """
    lines = [f"# {line}" for line in (_HEADER_EXAMPLE if encryption_key is None else _HEADER_INIT)]
    sections = (
        ("Required", [v for v in VARIABLES if v.required]),
        ("Encryption", [v for v in VARIABLES if v.name == "ENCRYPTION_KEY"]),
        ("Optional (uncomment to set)", [v for v in VARIABLES if not v.required and v.name != "ENCRYPTION_KEY"]),
    )
    for title, variables in sections:
        lines += ["", f"# --- {title} " + "-" * (100 - len(title))]
        for variable in variables:
            lines.append("")
            lines += [f"# {line}" for line in variable.comment]
            if variable.required:
                lines.append(f"{variable.name}=")
            elif variable.name == "ENCRYPTION_KEY":
                lines.append(f"ENCRYPTION_KEY={encryption_key or ''}")
            else:
                lines.append(f"# {variable.name}={variable.default}")
    return "\n".join(lines) + "\n"


def write_env_file(path: Path) -> str:
    """Writes ``path`` (mode 0600) with a fresh ``ENCRYPTION_KEY``; returns the key.

    Raises:
        FileExistsError: ``path`` already exists (it is never overwritten).
    """
    key = generate_encryption_key()
    text = render_env(encryption_key=key)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # whatever the umask
        handle.write(text)
    return key


def init_main(path: str | Path = ".env", *, to_stdout: bool = False, stream: TextIO | None = None) -> int:
    """``python -m bot init``: writes the ``.env`` and says what to do next; 0, or 1 if it exists already.

    With ``to_stdout`` the file is printed instead (``docker run --rm jexactyl-bot init --stdout > .env``).
    """
    out = stream or sys.stdout
    if to_stdout:
        out.write(render_env(encryption_key=generate_encryption_key()))
        return 0
    target = Path(path)
    try:
        write_env_file(target)
    except FileExistsError:
        print(
            f"error: {target} already exists; init never overwrites it (it may hold the only copy of your "
            "ENCRYPTION_KEY). Edit it, or move it away and run init again.",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:
        print(f"error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(
        f"Wrote {target} (mode 0600) with a freshly generated ENCRYPTION_KEY. Back that key up somewhere else:\n"
        "without it the linked panel keys cannot be read.\n"
        "Now fill in:\n"
        "  DISCORD_TOKEN  the bot token (https://discord.com/developers/applications -> your app -> Bot ->\n"
        "                 Reset Token)\n"
        "  PANEL_URL      your panel's address: https://panel.<your domain>\n"
        "and, if you like, the optional variables (commented out in the file). Then run:\n"
        "  python -m bot check",
        file=out,
    )
    return 0


if __name__ == "__main__":
    sys.stdout.write(render_env())
