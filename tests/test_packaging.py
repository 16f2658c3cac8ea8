"""The two distributions built from this repository: what each wheel holds, what it declares, and that the
versions, dependency lists, lock file and console scripts agree.

The wheels are built for real (``pip wheel``, no build isolation, so no download) once per session.
"""

from __future__ import annotations

import email.parser
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

import bot.cli

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "pyjexactyl"
PIP_WHEEL = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]

BOT_PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LIB_PROJECT = tomllib.loads((LIB / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [*PIP_WHEEL, "-w", str(out), str(LIB), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    found = {path.name.split("-")[0]: path for path in out.glob("*.whl")}
    assert set(found) == {"pyjexactyl", "jexactyl_bot"}, found
    return found


def names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (path,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(path).decode())


def read(wheel: Path, suffix: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        matches = [n for n in archive.namelist() if n.endswith(suffix)]
        return archive.read(matches[0]).decode() if matches else ""


def requirements(meta: Message) -> Iterator[Requirement]:
    for value in meta.get_all("Requires-Dist") or []:
        yield Requirement(value)


def test_the_library_wheel_holds_pyjexactyl_only(wheels: dict[str, Path]) -> None:
    files = names(wheels["pyjexactyl"])
    top = {name.split("/")[0] for name in files}
    assert top == {"pyjexactyl", f"pyjexactyl-{LIB_PROJECT['version']}.dist-info"}
    assert "pyjexactyl/py.typed" in files
    assert "pyjexactyl/testing/__init__.py" in files  # FakePanel is public
    # Nothing registers itself with pytest: the plugin is opt-in.
    assert "pytest11" not in read(wheels["pyjexactyl"], "entry_points.txt")
    runtime = {r.name for r in requirements(metadata(wheels["pyjexactyl"])) if r.marker is None}
    assert runtime == {"aiohttp", "tenacity"}


def test_the_bot_wheel_holds_bot_and_cogs_and_no_test_fakes(wheels: dict[str, Path]) -> None:
    files = names(wheels["jexactyl_bot"])
    top = {name.split("/")[0] for name in files}
    assert top == {"bot", "cogs", f"jexactyl_bot-{BOT_PROJECT['version']}.dist-info"}
    assert not any("fake_discord" in name or "/testing/" in name for name in files)
    scripts = read(wheels["jexactyl_bot"], "entry_points.txt")
    assert re.search(r"^jexactyl-bot = bot\.cli:main$", scripts, re.M)


@pytest.mark.parametrize("dist", ["pyjexactyl", "jexactyl_bot"])
def test_license_classifiers_and_urls(wheels: dict[str, Path], dist: str) -> None:
    meta = metadata(wheels[dist])
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names(wheels[dist]))
    classifiers = set(meta.get_all("Classifier") or [])
    for wanted in (
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Framework :: AsyncIO",
        "Typing :: Typed",
    ):
        assert wanted in classifiers, wanted
    assert not any(c.startswith("License ::") for c in classifiers)  # PEP 639: the expression replaces them
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert {"Homepage", "Source", "Issues"} <= set(urls)
    assert meta["Requires-Python"] == ">=3.11"


def test_both_distributions_carry_one_version_and_the_bot_pins_it() -> None:
    version = LIB_PROJECT["version"]
    assert BOT_PROJECT["version"] == version
    pins = [Requirement(r) for r in BOT_PROJECT["dependencies"] if Requirement(r).name == "pyjexactyl"]
    assert [str(p.specifier) for p in pins] == [f"=={version}"]
    assert (LIB / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()


def test_the_console_script_knows_every_runtime_dependency() -> None:
    declared = {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in BOT_PROJECT["dependencies"]}
    listed = {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in bot.cli.REQUIREMENTS.values()}
    assert listed == declared


def test_dependency_floors_are_past_the_known_advisories() -> None:
    floors = {
        "aiohttp": Version("3.14.3"),  # CVE-2026-69243, CVE-2026-69244
        "cryptography": Version("50.0.0"),  # CVE-2026-69247
    }
    declared = [Requirement(r) for r in LIB_PROJECT["dependencies"] + BOT_PROJECT["dependencies"]]
    for name, floor in floors.items():
        (requirement,) = [r for r in declared if r.name == name]
        below = Version(f"{floor.major}.{floor.minor}.{max(floor.micro - 1, 0)}") if floor.micro else None
        assert floor in requirement.specifier, requirement
        assert below is None or below not in requirement.specifier, requirement
        assert Version(f"{floor.major - 1}.99") not in requirement.specifier, requirement


def test_the_lock_satisfies_every_declared_requirement() -> None:
    lock = (ROOT / "requirements" / "bot.lock").read_text()
    pinned = {
        m.group(1).lower().replace("_", "-"): Version(m.group(2))
        for m in re.finditer(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)", lock, re.M)
    }
    assert "--hash=sha256:" in lock
    for raw in LIB_PROJECT["dependencies"] + BOT_PROJECT["dependencies"]:
        requirement = Requirement(raw)
        name = requirement.name.lower().replace("_", "-").replace(".", "-")
        if name == "pyjexactyl":
            continue  # installed from the sources, not from the lock
        assert name in pinned, f"{name} is missing from requirements/bot.lock"
        assert pinned[name] in requirement.specifier, (name, pinned[name], requirement)
    # The test-only tools stay out of the image.
    for tool in ("pytest", "pytest-asyncio", "mypy", "ruff"):
        assert tool not in pinned


def test_the_console_script_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def without_discord(name: str, package: str | None = None) -> object:
        return None if name == "discord" else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", without_discord)
    for command in (["run"], ["check"], ["rotate-keys"], []):
        assert bot.cli.main(command) == bot.cli.MISSING_DEPENDENCIES_STATUS, command
        err = capsys.readouterr().err
        assert "discord.py>=2.7,<3" in err and "pip install jexactyl-bot" in err
        assert "Traceback" not in err
    # Help and versions need none of them.
    assert bot.cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("jexactyl-bot ")
    assert bot.cli.main(["--help"]) == 0
    assert "rotate-keys" in capsys.readouterr().out


def test_python_m_bot_names_a_missing_dependency_instead_of_a_traceback(tmp_path: Path) -> None:
    """``python -m bot`` (not only the console script) goes through the dependency check: here discord.py
    cannot be imported at all."""
    code = "import runpy, sys; sys.modules['discord'] = None; runpy.run_module('bot', run_name='__main__')"
    done = subprocess.run(
        [sys.executable, "-c", code, "run"], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == bot.cli.MISSING_DEPENDENCIES_STATUS, done.stderr
    assert "discord.py>=2.7,<3" in done.stderr and "Traceback" not in done.stderr


def test_the_library_reports_its_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pyjexactyl", "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.startswith(f"pyjexactyl {LIB_PROJECT['version']} (aiohttp ")
