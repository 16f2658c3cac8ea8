"""The command line: help and versions that run nothing, ``init``, the one definition of the variables that
``.env.example``, ``init``'s file, the configuration loader and the README share, and an entry point that
imports only the standard library."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

import bot.cli
from bot.config import ConfigError, load_config
from bot.settings import VARIABLES, render_env

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("run", "check", "health", "rotate-keys", "init")


def python_m_bot(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=30
    )


# ---------------------------------------------------------------------------------------------- help, version


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert bot.cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m bot")
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s+\S", out, re.M), command
    assert "78 configuration error" in " ".join(out.split())


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_running_it_does_nothing(tmp_path: Path, command: str) -> None:
    """``run --help`` used to start the bot, and ``check --help`` to run the checks."""
    done = python_m_bot(command, "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: python -m bot {command}")
    assert done.stderr == ""
    assert list(tmp_path.iterdir()) == []  # no .env, no data directory


def test_version_names_every_component(tmp_path: Path) -> None:
    done = python_m_bot("--version", cwd=tmp_path)
    assert done.returncode == 0
    import discord

    from pyjexactyl import __version__ as library_version

    expected = (
        f"jexactyl-bot {library_version} (pyjexactyl {library_version}, discord.py {discord.__version__}, "
        f"Python {sys.version.split()[0]})"
    )
    assert done.stdout.strip() == expected


def test_wrong_usage_is_status_2(tmp_path: Path) -> None:
    done = python_m_bot("frobnicate", cwd=tmp_path)
    assert done.returncode == 2
    assert "invalid choice: 'frobnicate'" in done.stderr


def test_the_entry_point_imports_only_the_standard_library() -> None:
    """So that ``--help``, ``--version`` and a missing dependency's message never need a third-party import."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import bot.__main__, bot.cli\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(sorted(new - set(sys.stdlib_module_names) - {'bot'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True)
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------- init


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No bot variable in the process environment (it would win over the files read here)."""
    for variable in VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)


def test_init_writes_a_private_env_file_to_fill_in(tmp_path: Path, open_umask: None, clean_environ: None) -> None:
    done = python_m_bot("init", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    env_file = tmp_path / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600  # whatever the umask
    text = env_file.read_text()
    # A fresh, valid key; nothing else set but the two required variables, left empty.
    (key,) = re.findall(r"^ENCRYPTION_KEY=(\S+)$", text, re.M)
    Fernet(key)
    assert key not in done.stdout
    assert re.findall(r"^[A-Z_]+=.*$", text, re.M) == ["DISCORD_TOKEN=", "PANEL_URL=", f"ENCRYPTION_KEY={key}"]
    # Every optional variable is there, commented out.
    for variable in VARIABLES:
        if not variable.required and variable.name != "ENCRYPTION_KEY":
            assert re.search(rf"^# {variable.name}=", text, re.M), variable.name
    # What to do next.
    assert "DISCORD_TOKEN" in done.stdout and "PANEL_URL" in done.stdout
    assert "python -m bot check" in done.stdout
    # The file loads, and says exactly what is still missing.
    with pytest.raises(ConfigError) as info:
        load_config(dotenv_path=env_file)
    assert [p.split(":")[0] for p in info.value.problems] == ["DISCORD_TOKEN is not set", "PANEL_URL is not set"]
    # A second key each time.
    other = tmp_path / "other"
    other.mkdir()
    assert python_m_bot("init", cwd=other).returncode == 0
    assert key not in (other / ".env").read_text()


def test_init_never_overwrites(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=precious\n")
    done = python_m_bot("init", cwd=tmp_path)
    assert done.returncode == 1
    assert f"{env_file.name} already exists" in done.stderr and "never overwrites" in done.stderr
    assert env_file.read_text() == "DISCORD_TOKEN=precious\n"


def test_init_to_another_path_or_to_stdout(tmp_path: Path) -> None:
    done = python_m_bot("init", "--path", "config/bot.env", cwd=tmp_path)
    assert done.returncode == 1 and "cannot write config/bot.env" in done.stderr  # no such directory
    (tmp_path / "config").mkdir()
    assert python_m_bot("init", "--path", "config/bot.env", cwd=tmp_path).returncode == 0
    assert (tmp_path / "config" / "bot.env").is_file() and not (tmp_path / ".env").exists()
    printed = python_m_bot("init", "--stdout", cwd=tmp_path)
    assert printed.returncode == 0 and re.search(r"^ENCRYPTION_KEY=\S{44}$", printed.stdout, re.M)
    assert not (tmp_path / ".env").exists()


def test_init_works_without_the_bots_dependencies(tmp_path: Path) -> None:
    code = (
        "import runpy, sys\n"
        "for name in ('discord', 'cryptography', 'dotenv', 'aiosqlite', 'pyjexactyl'): sys.modules[name] = None\n"
        "runpy.run_module('bot', run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "init"], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / ".env").is_file()


# ---------------------------------------------------------------------------------------------- one definition


def test_env_example_is_generated_from_the_definition() -> None:
    assert (ROOT / ".env.example").read_text() == render_env(), (
        ".env.example is out of step with bot/settings.py: regenerate it with `python -m bot.settings > .env.example`"
    )


def test_the_example_does_not_pass_for_a_configuration(clean_environ: None) -> None:
    """Its panel URL used to be a placeholder that validated as if it were real."""
    with pytest.raises(ConfigError) as info:
        load_config(dotenv_path=ROOT / ".env.example")
    assert [p.split(":")[0] for p in info.value.problems] == ["DISCORD_TOKEN is not set", "PANEL_URL is not set"]


class _Recording(dict[str, str]):
    """An environment that remembers every variable asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)


def test_the_loader_reads_exactly_the_defined_variables() -> None:
    env = _Recording()
    with pytest.raises(ConfigError):
        load_config(env)
    assert env.asked == {v.name for v in VARIABLES}


def test_the_readme_documents_every_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### Configuration") :]
    table = table[: table.index("\n### ", 1)]
    documented = set(re.findall(r"^\| [^|]*?`([A-Z_]+)`", table, re.M))
    documented |= set(re.findall(r"^\| `[A-Z_]+`, `([A-Z_]+)`", table, re.M))
    assert documented == {v.name for v in VARIABLES}
