"""The library README's FakePanel snippet, run as written in a project of its own: a ``conftest.py`` that opts
in to the plugin and a test module, under pytest's default (strict) asyncio mode, in a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "pyjexactyl" / "README.md"
UNRAISABLE_IS_AN_ERROR = "error::pytest.PytestUnraisableExceptionWarning"


def snippets() -> dict[str, str]:
    """The README's fixture section, as ``{file name: code}`` from the blocks' ``# name.py`` first lines."""
    section = README.read_text().split("## Testing your own code", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    found = {}
    for block in blocks:
        first, _, _ = block.partition("\n")
        match = re.fullmatch(r"# (\w+\.py)", first.strip())
        assert match, f"a snippet without its file name: {first!r}"
        found[match.group(1)] = block
    return found


def test_the_readme_fixture_snippet_runs_as_written(tmp_path: Path) -> None:
    files = snippets()
    assert set(files) == {"conftest.py", "test_my_script.py"}
    for name, code in files.items():
        (tmp_path / name).write_text(code)
    # A project of its own: its own (empty) configuration, so pytest-asyncio runs in its default strict mode.
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", UNRAISABLE_IS_AN_ERROR],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_installing_the_library_registers_no_pytest_plugin(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--fixtures"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fake_panel" not in done.stdout
