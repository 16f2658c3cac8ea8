"""The container: what can be checked without a Docker engine.

The Dockerfile is parsed and held to its promises (non-root, /data volume, no secrets, health check, stop
signal, install from the project's metadata), and its start and health-check commands are run here the same
way the image runs them, with this interpreter in place of the image's ``python``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.cli import EXIT_CONFIG
from bot.datadir import IMAGE_GID, IMAGE_UID
from bot.health import HealthServer
from bot.storage import Storage
from tests.bot.helpers import bot_process, free_port
from tests.fake_discord import bot_token

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|PASSWD", re.I)


def instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` for every instruction of the Dockerfile, continuations joined."""
    text = (ROOT / "Dockerfile").read_text()
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    assert not current, "dangling line continuation"
    result = []
    for entry in logical:
        name, _, args = entry.partition(" ")
        result.append((name.upper(), args.strip()))
    return result


def all_of(name: str) -> list[str]:
    return [args for instr, args in instructions() if instr == name]


def last(name: str) -> str:
    found = all_of(name)
    assert found, f"no {name} in the Dockerfile"
    return found[-1]


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def env_pairs() -> dict[str, str]:
    pairs: dict[str, str] = {}
    for args in all_of("ENV"):
        for token in shlex.split(args):
            name, sep, value = token.partition("=")
            assert sep, f"use ENV NAME=value, not {args!r}"
            pairs[name] = value
    return pairs


def in_this_venv(argv: list[str]) -> list[str]:
    """The image's ``python`` is this interpreter."""
    assert argv[0] == "python", argv
    return [sys.executable, *argv[1:]]


def test_slim_python_base_and_a_non_root_user() -> None:
    assert all_of("FROM") == ["python:3.11-slim"]
    user = last("USER")
    assert user.split(":")[0] not in ("root", "0"), user
    # The UID/GID the bot names when /data is not writable is the one the image runs as.
    assert user == f"{IMAGE_UID}:{IMAGE_GID}"
    # The user exists before it is used.
    assert any("useradd" in r and "10001" in r for r in all_of("RUN"))
    names = [instr for instr, _ in instructions()]
    assert names.index("USER") > max(i for i, n in enumerate(names) if n == "RUN")


def test_data_volume_and_defaults() -> None:
    volumes = [v for args in all_of("VOLUME") for v in (exec_form(args) if args.startswith("[") else args.split())]
    assert volumes == ["/data"]
    env = env_pairs()
    assert env["DATA_DIR"] == "/data"
    assert env["HEALTH_PORT"] == "8080"
    assert env["HEALTH_HOST"] == "127.0.0.1"
    # A configuration error waits 5 minutes before exiting, so the restart policy does not spin.
    assert env["CONFIG_ERROR_DELAY"] == "300"
    # /data belongs to the user the bot runs as.
    assert any("chown bot:bot" in r and "/data" in r for r in all_of("RUN"))


def test_nothing_secret_is_baked_in() -> None:
    for instr in ("ENV", "ARG", "LABEL"):
        for args in all_of(instr):
            assert not SECRET_NAME.search(args), f"{instr} {args}"
    copied = " ".join(all_of("COPY") + all_of("ADD"))
    assert ".env" not in copied and "data" not in copied.split()
    assert not all_of("ADD")
    ignore = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".git", ".venv/", "data/", "secret.key", "*.db", "tests/"):
        assert entry in ignore, entry


def test_dependencies_come_from_the_lock_in_their_own_layer_before_the_sources() -> None:
    steps = instructions()
    runs = [i for i, (instr, args) in enumerate(steps) if instr == "RUN" and "pip install" in args]
    assert len(runs) == 2, "one install of the locked dependencies, one of the two distributions"
    locked, sources = (steps[i][1] for i in runs)
    assert "--require-hashes -r requirements/bot.lock" in locked and "--no-cache-dir" in locked
    # Only the lock is copied before the dependency layer, so a source edit does not re-install them.
    copies_before = [args for instr, args in steps[: runs[0]] if instr == "COPY"]
    assert copies_before == ["requirements/bot.lock ./requirements/bot.lock"]
    assert "--no-deps ./pyjexactyl ." in sources and "--no-cache-dir" in sources


def test_the_image_gets_both_distributions_and_no_test_fakes() -> None:
    bot_project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lib_project = tomllib.loads((ROOT / "pyjexactyl" / "pyproject.toml").read_text())
    copied = {Path(src).as_posix() for args in all_of("COPY") for src in args.split()[:-1]}
    # Each distribution's metadata (project file, readme, license) and packages are in the build context.
    assert {"pyproject.toml", bot_project["project"]["readme"], "LICENSE", "pyjexactyl"} <= copied
    assert set(bot_project["tool"]["setuptools"]["packages"]["find"]["include"]) == {"bot", "bot.*", "cogs", "cogs.*"}
    assert {"bot", "cogs"} <= copied
    assert (ROOT / "pyjexactyl" / lib_project["project"]["readme"]).is_file()
    # The fake Discord (and every other test helper) lives under tests/, which is neither copied nor in the
    # build context.
    assert not any(src.startswith("tests") for src in copied)
    assert not (ROOT / "bot" / "testing").exists()
    assert (ROOT / "tests" / "fake_discord" / "__init__.py").is_file()


def test_health_check_stop_signal_and_entry_point() -> None:
    health = last("HEALTHCHECK")
    options, _, command = health.partition("CMD ")
    assert exec_form(command) == ["python", "-m", "bot", "health"]
    assert "--timeout=5s" in options
    assert last("STOPSIGNAL") == "SIGTERM"
    assert exec_form(last("ENTRYPOINT")) == ["python", "-m", "bot"]
    assert exec_form(last("CMD")) == ["run"]


def test_compose_example() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert re.search(r"^\s+env_file: \.env$", text, re.M)
    assert re.search(r"^\s+- bot-data:/data$", text, re.M)
    assert re.search(r"^volumes:\n  bot-data:", text, re.M)
    assert re.search(r"^\s+restart: unless-stopped$", text, re.M)
    assert "healthcheck:" not in text  # the image's HEALTHCHECK is inherited
    assert not SECRET_NAME.search(re.sub(r"#.*", "", text).replace("env_file", ""))
    # The bind-mount case names the image's user.
    assert f"chown -R {IMAGE_UID}:{IMAGE_GID}" in text


def setup_steps(text: str) -> list[str]:
    """The commands of a set-up walkthrough, in order: ``init``, ``check``, starting the bot."""
    steps = []
    for line in text.splitlines():
        if re.search(r"\binit\b.*(> \.env|--stdout)|python -m bot init", line):
            steps.append("init")
        elif re.search(r"(compose run --rm bot|jexactyl-bot) check\b", line):
            steps.append("check")
        elif re.search(r"compose up -d|docker run -d", line):
            steps.append("start")
    return list(dict.fromkeys(steps))


def test_the_readme_and_the_compose_file_agree_on_when_to_check() -> None:
    """``check`` comes after ``init`` and before the first start, in both walkthroughs."""
    compose = (ROOT / "docker-compose.yml").read_text()
    readme = (ROOT / "README.md").read_text()
    docker_section = readme[readme.index("### Docker") :]
    docker_section = docker_section[: docker_section.index("\n### ", 1)]
    assert setup_steps(compose) == ["init", "check", "start"], compose
    assert setup_steps(docker_section) == ["init", "check", "start"], docker_section
    assert "before the first start" in compose and "before the first start" in docker_section


def clean_env(**extra: str) -> dict[str, str]:
    """A container-like environment: nothing but what the image sets and ``extra``."""
    return {"PATH": os.environ.get("PATH", ""), "HOME": "/nonexistent", **env_pairs(), **extra}


async def test_the_start_command_needs_only_environment_variables(tmp_path: Path) -> None:
    """Without configuration the image's start command lists what is missing, waits CONFIG_ERROR_DELAY (the
    image's 300 s) so that ``restart: unless-stopped`` does not spin, and ends that wait at once on SIGTERM
    (``docker stop``) with status 78."""
    argv = exec_form(last("ENTRYPOINT")) + exec_form(last("CMD"))
    assert argv[:3] == ["python", "-m", "bot"]
    async with bot_process(clean_env(), tmp_path, *argv[3:]) as bot:
        await bot.wait_line(r"waiting 300 s \(CONFIG_ERROR_DELAY\) before exiting with status 78")
        assert bot.process.returncode is None  # still waiting: no tight restart loop
        signalled = time.monotonic()
        bot.process.send_signal(signal.SIGTERM)
        status = await bot.wait_exit(10)
    assert status == EXIT_CONFIG
    assert time.monotonic() - signalled < 5
    # No interactive set-up: the missing configuration is listed.
    assert "DISCORD_TOKEN is not set" in bot.output and "PANEL_URL is not set" in bot.output
    assert "Traceback" not in bot.output


def test_the_entry_point_prints_help_without_running_anything(tmp_path: Path) -> None:
    entry = in_this_venv(exec_form(last("ENTRYPOINT")))
    for args in (["--help"], ["run", "--help"], ["check", "--help"]):
        shown = subprocess.run([*entry, *args], cwd=tmp_path, env=clean_env(), capture_output=True, text=True)
        assert shown.returncode == 0 and shown.stdout.startswith("usage: python -m bot"), (args, shown)
        assert "not set" not in shown.stdout + shown.stderr  # no configuration was read


def test_without_a_delay_a_configuration_error_exits_78_at_once(tmp_path: Path) -> None:
    argv = in_this_venv(exec_form(last("ENTRYPOINT")) + exec_form(last("CMD")))
    env = clean_env(CONFIG_ERROR_DELAY="0", DISCORD_TOKEN="notatoken", PANEL_URL="https://panel.example.com")
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == EXIT_CONFIG
    # Both named at once, without contacting anything.
    assert "DISCORD_TOKEN does not look like a bot token" in done.stderr
    assert "PANEL_URL points to 'panel.example.com', a placeholder" in done.stderr
    assert "waiting" not in done.stderr and "notatoken" not in done.stderr


def _owned_by_another_user(data_dir: Path) -> list[str]:
    """Makes ``data_dir`` what a bind mount owned by another UID is to the image's user, and returns the
    command prefix that runs a process as such a user. As root: ``data_dir`` belongs to 65534 (mode 0700) and
    the process runs without the capabilities that let root ignore file permissions (``setpriv``). Otherwise:
    ``data_dir`` is read-only for ourselves."""
    data_dir.mkdir(mode=0o700)
    if os.geteuid() != 0:
        data_dir.chmod(0o500)
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:  # pragma: no cover - util-linux is on every machine we use
        pytest.skip("running as root without setpriv: cannot take away root's permission override")
    os.chown(data_dir, 65534, 65534)
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


@pytest.mark.parametrize("command", ["run", "check"])
def test_an_unwritable_bind_mount_is_named_with_the_fix(tmp_path: Path, command: str) -> None:
    data_dir = tmp_path / "data"
    prefix = _owned_by_another_user(data_dir)
    env = clean_env(
        DATA_DIR=str(data_dir),
        CONFIG_ERROR_DELAY="0",
        DISCORD_TOKEN=bot_token(),
        PANEL_URL="http://127.0.0.1:9",
        DISCORD_API_BASE="http://127.0.0.1:9/api/v10",
        DISCORD_GATEWAY_URL="ws://127.0.0.1:9/gateway",
    )
    argv = [*prefix, *in_this_venv([*exec_form(last("ENTRYPOINT")), command])]
    try:
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    finally:
        data_dir.chmod(0o700)
    output = done.stdout + done.stderr
    assert done.returncode == (EXIT_CONFIG if command == "run" else 1), output
    assert f"the data directory {data_dir} is not writable by this process" in output
    assert f"The Docker image runs as UID/GID {IMAGE_UID}" in output
    assert f"chown {IMAGE_UID}:{IMAGE_GID}" in output
    assert "Traceback" not in output
    if command == "check":
        assert "✘ data directory:" in output


class _ReadyBot:
    """What the health endpoint asks of the bot, for a bot that is connected."""

    closing = False
    gateway_connected = True
    latency_ms = 12.5

    def is_closed(self) -> bool:
        return False


async def run_health_check(tmp_path: Path, port: int) -> tuple[int, str]:
    command = exec_form(last("HEALTHCHECK").partition("CMD ")[2])
    process = await asyncio.create_subprocess_exec(
        *in_this_venv(command),
        cwd=tmp_path,
        env=clean_env(HEALTH_PORT=str(port)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_the_health_check_command(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "bot.db")
    bot: Any = _ReadyBot()
    server = HealthServer(bot, storage, port=0)
    await server.start()
    try:
        status, out = await run_health_check(tmp_path, server.port)
        assert (status, out.strip()) == (0, "healthy: status=ok, gateway=connected, store=ok, latency_ms=12.5")
        bot.gateway_connected = False
        status, out = await run_health_check(tmp_path, server.port)
        assert status == 1 and out.startswith("unhealthy (HTTP 503)")
    finally:
        await server.stop()
        await storage.close()
    status, out = await run_health_check(tmp_path, free_port())
    assert status == 1 and "nothing answered" in out


@pytest.mark.parametrize("value", ["", "abc"])
def test_the_health_check_without_a_port_says_why(tmp_path: Path, value: str) -> None:
    command = in_this_venv(exec_form(last("HEALTHCHECK").partition("CMD ")[2]))
    env = {**clean_env(), "HEALTH_PORT": value}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=20)
    assert done.returncode == 1
    assert "HEALTH_PORT" in done.stdout
