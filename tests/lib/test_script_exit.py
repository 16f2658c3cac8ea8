"""Scripts using the library end when their last line has run (issue 7).

Each test runs a real script in a subprocess against a FakePanel served by the test process: the library
README's Quick start examples with the URL and key swapped, closed or not, ending normally or with an uncaught
error, with one client or several, made in the main thread or another one. The subprocess has a timeout, so a
hang fails the test instead of hanging the suite. The script prints a marker as its very last action; the
process must be gone within a second of it, with the status Python gives it, and stderr must carry no
unexpected traceback and none of aiohttp's "Unclosed ..." noise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pyjexactyl.testing import FakePanel

README = Path(__file__).resolve().parents[2] / "pyjexactyl" / "README.md"
MARKER = "SCRIPT-END"
EXIT_WITHIN = 1.0
"""Seconds the interpreter may take to exit after the script's last line."""
HANG_TIMEOUT = 30.0
"""Seconds after which a script is deemed hung (generous: the machine is shared and imports are slow)."""

SHOW_RESOURCE_WARNINGS = ("-W", "default::ResourceWarning")
"""What ``-X dev`` shows as well: an unclosed client is then one warning."""

URL_IN_README = "'https://panel.mydomain.com'"
KEY_IN_README = "'ptlc_YourClientKey'"

MARKER_AT_END = f"\nprint({MARKER!r}, flush=True)\n"


def quick_start_blocks() -> list[str]:
    """The python blocks of the library README's Quick start, with the panel URL and key read from the
    environment (``PANEL_URL``, ``PANEL_KEY``)."""
    section = README.read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    swapped = []
    for block in blocks[:2]:
        assert URL_IN_README in block and KEY_IN_README in block, block
        block = block.replace(URL_IN_README, "os.environ['PANEL_URL']")
        block = block.replace(KEY_IN_README, "os.environ['PANEL_KEY']")
        swapped.append("import os\n" + block)
    return swapped


def sync_example() -> str:
    """The README's first library example (sync ``Jexactyl``), never closed."""
    return quick_start_blocks()[0]


def async_example() -> str:
    """The README's async example (``async with AsyncJexactyl(...)`` under ``asyncio.run``)."""
    return quick_start_blocks()[1]


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    exit_after_marker: float = field(default=float("inf"))


def run_script(
    tmp_path: Path, source: str, env: dict[str, str], *flags: str, go_when: Callable[[], None] | None = None
) -> Finished:
    """Runs ``source`` as ``python script.py``; returns its status, output, and the seconds between the marker
    line arriving on stdout and the process having exited. A script still running after ``HANG_TIMEOUT`` is
    killed and fails the test. With ``go_when``, the script's stdin gets one line once ``go_when()`` returns
    (it blocks until the test's condition holds), so a script can wait with ``sys.stdin.readline()``."""
    script = tmp_path / "script.py"
    script.write_text(source)
    stderr_path = tmp_path / "stderr.txt"
    marker_seen: list[float] = []
    lines: list[str] = []
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, *flags, str(script)],
            cwd=tmp_path,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            stdin=subprocess.PIPE if go_when is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        assert process.stdout is not None
        out = process.stdout
        if go_when is not None:
            assert process.stdin is not None
            stdin = process.stdin

            def release() -> None:
                try:
                    go_when()
                finally:
                    stdin.write("go\n")
                    stdin.close()

            threading.Thread(target=release, daemon=True).start()

        def read() -> None:
            for line in out:
                if line.strip() == MARKER and not marker_seen:
                    marker_seen.append(time.monotonic())
                lines.append(line)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            process.wait(timeout=HANG_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            reader.join(timeout=5)
            out.close()
            pytest.fail(
                f"the script did not exit within {HANG_TIMEOUT:.0f} s (hung at shutdown?)\n"
                f"stdout:\n{''.join(lines)}\nstderr:\n{stderr_path.read_text()}"
            )
        exited = time.monotonic()
        reader.join(timeout=5)
        out.close()
    finished = Finished(process.returncode, "".join(lines), stderr_path.read_text())
    if marker_seen:
        finished.exit_after_marker = exited - marker_seen[0]
    return finished


def assert_ended_promptly(finished: Finished, status: int = 0) -> None:
    shown = f"stdout:\n{finished.stdout}\nstderr:\n{finished.stderr}"
    assert finished.returncode == status, shown
    assert MARKER in finished.stdout, shown
    assert finished.exit_after_marker < EXIT_WITHIN, f"exited {finished.exit_after_marker:.2f} s after its end"
    assert "Unclosed" not in finished.stderr, shown
    assert "Exception ignored" not in finished.stderr, shown


def warnings_in(stderr: str) -> list[str]:
    """The ResourceWarnings in ``stderr``, each up to its first colon-space (not the hint to enable tracemalloc,
    which Python adds to a warning that names its object)."""
    found = re.findall(r"ResourceWarning: (.*)", stderr)
    return [w.split(": ", 1)[0] for w in found if not w.startswith("Enable tracemalloc")]


def panel_env(panel: FakePanel) -> dict[str, str]:
    # The README's example also lists node allocations: the admin's client key may (panel-api.md §2.3).
    return {"PANEL_URL": panel.url, "PANEL_KEY": panel.admin.client_key}


def test_the_readme_example_never_closed_ends(tmp_path: Path, fake_panel_sync: FakePanel) -> None:
    finished = run_script(tmp_path, sync_example() + MARKER_AT_END, panel_env(fake_panel_sync))
    assert_ended_promptly(finished)
    assert finished.stderr == ""
    assert "current_state" in finished.stdout
    assert any(r.path.endswith("/allocations") for r in fake_panel_sync.requests), "the example did not run through"


def test_an_unclosed_client_warns_once_when_asked(tmp_path: Path, fake_panel_sync: FakePanel) -> None:
    """With ``-W default::ResourceWarning`` (what ``-X dev`` shows too) the unclosed client is one warning,
    without a traceback; without the flag it says nothing (the previous test)."""
    finished = run_script(
        tmp_path, sync_example() + MARKER_AT_END, panel_env(fake_panel_sync), *SHOW_RESOURCE_WARNINGS
    )
    assert_ended_promptly(finished)
    assert warnings_in(finished.stderr) == [f"unclosed Jexactyl(url={fake_panel_sync.url!r})"], finished.stderr
    assert "Traceback" not in finished.stderr
    assert fake_panel_sync.admin.client_key not in finished.stderr


def test_an_uncaught_panel_error_ends_the_script_with_status_1(tmp_path: Path, fake_panel_sync: FakePanel) -> None:
    # A non-admin's client key: the example's last line (the application API) raises ForbiddenError.
    # The marker goes just before that line (a sys.excepthook printing it afterwards would change how the
    # interpreter ends: the hang showed only with Python's own hook).
    env = {**panel_env(fake_panel_sync), "PANEL_KEY": fake_panel_sync.user.client_key}
    *lines, last = sync_example().rstrip().splitlines()
    finished = run_script(tmp_path, "\n".join([*lines, MARKER_AT_END.strip(), last]) + "\n", env)
    assert_ended_promptly(finished, status=1)
    assert finished.stderr.count("Traceback") == 1, finished.stderr
    assert finished.stderr.rstrip().splitlines()[-1].startswith("pyjexactyl.exceptions.ForbiddenError: ")


def test_several_clients_some_closed_end(tmp_path: Path, fake_panel_sync: FakePanel) -> None:
    more = textwrap.dedent(
        """
        closed = Jexactyl(os.environ['PANEL_URL'], os.environ['PANEL_KEY'])
        closed.client.account.get_account()
        closed.close()
        others = [Jexactyl(os.environ['PANEL_URL'], os.environ['PANEL_KEY']) for _ in range(3)]
        for other in others:
            other.client.account.get_account()
        unused = Jexactyl(os.environ['PANEL_URL'], os.environ['PANEL_KEY'])
        """
    )
    finished = run_script(tmp_path, sync_example() + more + MARKER_AT_END, panel_env(fake_panel_sync))
    assert_ended_promptly(finished)
    assert finished.stderr == ""


def test_a_with_block_ends(tmp_path: Path, fake_panel_sync: FakePanel) -> None:
    example = sync_example().replace(
        "api = Jexactyl(os.environ['PANEL_URL'], os.environ['PANEL_KEY'])\n",
        "with Jexactyl(os.environ['PANEL_URL'], os.environ['PANEL_KEY']) as api:\n",
    )
    head, _, body = example.partition(" as api:\n")
    source = head + " as api:\n" + textwrap.indent(body, "    ")
    finished = run_script(tmp_path, source + MARKER_AT_END, panel_env(fake_panel_sync), *SHOW_RESOURCE_WARNINGS)
    assert_ended_promptly(finished)
    assert finished.stderr == "", "a closed client warned"


def test_a_client_made_in_another_thread_ends(tmp_path: Path, fake_panel_sync: FakePanel) -> None:
    source = (
        "import threading\n\nkept = []\n\ndef example():\n"
        + textwrap.indent(sync_example(), "    ")
        + "    kept.append(api)\n\n"
        "worker = threading.Thread(target=example)\nworker.start()\nworker.join()\nassert kept\n"
        "daemon = threading.Thread(target=example, daemon=True)\ndaemon.start()\ndaemon.join()\n"
    )
    finished = run_script(tmp_path, source + MARKER_AT_END, panel_env(fake_panel_sync))
    assert_ended_promptly(finished)
    assert finished.stderr == ""


def test_a_daemon_thread_still_in_a_call_is_abandoned_quietly(tmp_path: Path, fake_panel_sync: FakePanel) -> None:
    """Python abandons a daemon thread at exit without a word: one waiting on the panel must not wake up with
    an error (and print its traceback) because the client was closed at exit. The script ends once the
    panel (slow: 3 s) has the daemon thread's request, i.e. while that thread waits for the answer."""
    panel = fake_panel_sync
    panel.set_latency(3)
    mark = len(panel.requests)
    source = textwrap.dedent(
        """
        import os, sys, threading
        from pyjexactyl import Jexactyl

        api = Jexactyl(os.environ['PANEL_URL'], os.environ['PANEL_KEY'])
        threading.Thread(target=api.client.account.get_account, daemon=True).start()
        sys.stdin.readline()  # the test says: the panel has the request
        """
    )

    def request_arrived() -> None:
        panel.wait_for_sync(lambda: len(panel.requests) > mark, 20)

    finished = run_script(tmp_path, source + MARKER_AT_END, panel_env(panel), go_when=request_arrived)
    ended = time.time()
    assert_ended_promptly(finished)
    assert finished.stderr == ""
    request = panel.requests[mark]
    assert request.path == "/api/client/account"
    assert ended < request.timestamp + 3, "the script ended after the panel had answered: nothing was in flight"
    # let the fake finish that request, so that stopping it leaves no handler behind
    panel.wait_for_sync(lambda: request.status is not None, 10)
    panel.set_latency(0)


def test_a_client_that_never_sent_a_request_ends(tmp_path: Path) -> None:
    source = "from pyjexactyl import Jexactyl\n\napi = Jexactyl('debug', 'anything')\nprint(dir(api.client))\n"
    finished = run_script(tmp_path, source + MARKER_AT_END, {}, *SHOW_RESOURCE_WARNINGS)
    assert_ended_promptly(finished)
    assert finished.stderr == ""


def test_async_example_under_asyncio_run_ends(tmp_path: Path, fake_panel_sync: FakePanel) -> None:
    finished = run_script(
        tmp_path, async_example() + MARKER_AT_END, panel_env(fake_panel_sync), *SHOW_RESOURCE_WARNINGS
    )
    assert_ended_promptly(finished)
    assert finished.stderr == ""
    assert "Survival SMP" not in finished.stdout and "Admin Server" in finished.stdout


def test_async_client_never_closed_under_asyncio_run_ends_quietly(tmp_path: Path, fake_panel_sync: FakePanel) -> None:
    example = async_example()
    opened = "async with AsyncJexactyl(os.environ['PANEL_URL'], os.environ['PANEL_KEY']) as api:"
    assert opened in example
    # Same block structure, no close: the client is simply dropped when main() returns.
    source = example.replace(opened, "for api in [AsyncJexactyl(os.environ['PANEL_URL'], os.environ['PANEL_KEY'])]:")
    finished = run_script(tmp_path, source + MARKER_AT_END, panel_env(fake_panel_sync))
    assert_ended_promptly(finished)
    assert finished.stderr == ""
    warned = run_script(tmp_path, source + MARKER_AT_END, panel_env(fake_panel_sync), *SHOW_RESOURCE_WARNINGS)
    assert_ended_promptly(warned)
    assert warnings_in(warned.stderr) == [f"unclosed AsyncJexactyl(url={fake_panel_sync.url!r})"], warned.stderr
    assert "Traceback" not in warned.stderr
