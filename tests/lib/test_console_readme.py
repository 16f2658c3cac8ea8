"""The library README's live console examples, run as written against the fake (URL, key and id swapped)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest

from pyjexactyl import Jexactyl
from pyjexactyl.testing import FakePanel
from tests.lib.console_helpers import WAIT

README = Path(__file__).resolve().parents[2] / "pyjexactyl" / "README.md"


def example(marker: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```python\n(.*?)```", text, re.S)
    assert match, marker
    return match.group(1)


def test_the_sync_example_is_ten_lines() -> None:
    code = [line for line in example("console-example-sync").splitlines() if line.strip()]
    assert len(code) <= 10, code


@pytest.mark.parametrize("marker", ["console-example-sync", "console-example-async"])
def test_console_examples_run_as_written(fake_panel_sync: FakePanel, marker: str) -> None:
    panel = fake_panel_sync
    server = panel.add_server(panel.user, "Readme", state="running")
    code = (
        example(marker)
        .replace("https://panel.mydomain.com", panel.url)
        .replace("ptlc_YourClientKey", panel.user.client_key)
        .replace("1a2b3c4d", server.identifier)
    )
    printed: list[str] = []
    failures: list[BaseException] = []

    def run() -> None:
        namespace: dict[str, Any] = {
            "__name__": "readme_example",
            "print": lambda *a: printed.append(" ".join(map(str, a))),
        }
        try:
            exec(compile(code, f"README {marker}", "exec"), namespace)
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    wings = panel.wings
    wings.wait_for_sync(lambda: wings.received("send command", server=server.uuid), WAIT)
    panel.console_output(server, "\x1b[32m[12:00:00 INFO]: hello from the server\x1b[0m")
    wings.wait_for_sync(lambda: any("hello from the server" in f.data for f in wings.sent("console output")), WAIT)
    with Jexactyl(panel.url, panel.application_key) as app:
        app.servers.delete_server(server.id)  # Wings says "deleted": the example's loop ends
    thread.join(WAIT)
    assert not thread.is_alive() and failures == []
    assert "[12:00:00 INFO]: hello from the server" in printed  # ANSI stripped
    assert [f.args for f in wings.received("send command", server=server.uuid)] == [["say hello"]]
    if marker == "console-example-sync":
        assert "now running" in printed
