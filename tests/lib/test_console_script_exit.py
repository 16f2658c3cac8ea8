"""Scripts that leave a live console open still end (issue 7's rule, for issue 9's sessions): the console's
task, its socket and its connection pool go with the client, with at most the one ResourceWarning an unclosed
client gives, and no traceback. Real scripts in a subprocess, as in test_script_exit.py."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pyjexactyl.testing import FakePanel
from tests.lib.test_script_exit import (
    MARKER_AT_END,
    SHOW_RESOURCE_WARNINGS,
    assert_ended_promptly,
    run_script,
    warnings_in,
)

ASYNC_OPEN_CONSOLE = textwrap.dedent(
    """
    import asyncio, os
    from pyjexactyl import AsyncJexactyl, ConsoleOutput

    async def main() -> None:
        api = AsyncJexactyl(os.environ['PANEL_URL'], os.environ['PANEL_KEY'])
        console = api.client.servers.console(os.environ['SERVER'])
        await console.__aenter__()  # entered, never exited, client never closed
        await console.send_command('list')
        async for event in console:
            if isinstance(event, ConsoleOutput) and event.line == '> list':
                print('echo seen', flush=True)
                break

    asyncio.run(main())
    """
)

# The same with the fake panel served from a thread of the script itself: the panel's thread then makes
# garbage collections (and so the client's finalizer) happen at any moment of asyncio.run's shutdown.
ASYNC_OPEN_CONSOLE_OWN_PANEL = textwrap.dedent(
    """
    import asyncio
    from pyjexactyl import AsyncJexactyl
    from pyjexactyl.testing import FakePanel

    panel = FakePanel().start()
    server = panel.server(1)

    async def main() -> None:
        api = AsyncJexactyl(panel.url, panel.user.client_key)
        console = api.client.servers.console(server.identifier)
        await console.__aenter__()  # entered, never exited, client never closed

    asyncio.run(main())
    """
)

SYNC_OPEN_CONSOLE = textwrap.dedent(
    """
    import os
    from pyjexactyl import ConsoleOutput, Jexactyl

    api = Jexactyl(os.environ['PANEL_URL'], os.environ['PANEL_KEY'])
    console = api.client.servers.console(os.environ['SERVER'])
    console.__enter__()  # entered, never exited, client never closed
    console.send_command('list')
    for event in console:
        if isinstance(event, ConsoleOutput) and event.line == '> list':
            print('echo seen', flush=True)
            break
    """
)


def env(panel: FakePanel) -> dict[str, str]:
    return {"PANEL_URL": panel.url, "PANEL_KEY": panel.user.client_key, "SERVER": panel.server(1).identifier}


def test_an_async_console_left_open_ends_with_one_warning_and_no_traceback(
    tmp_path: Path, fake_panel_sync: FakePanel
) -> None:
    quiet = run_script(tmp_path, ASYNC_OPEN_CONSOLE + MARKER_AT_END, env(fake_panel_sync))
    assert_ended_promptly(quiet)
    assert "echo seen" in quiet.stdout and quiet.stderr == ""
    warned = run_script(tmp_path, ASYNC_OPEN_CONSOLE + MARKER_AT_END, env(fake_panel_sync), *SHOW_RESOURCE_WARNINGS)
    assert_ended_promptly(warned)
    # One client, one warning: the websocket's own connection pool closes without a second one, and the
    # transport collected while asyncio.run shuts down does not trip over the loop closing the same pool.
    assert warnings_in(warned.stderr) == [f"unclosed AsyncJexactyl(url={fake_panel_sync.url!r})"], warned.stderr
    assert "Traceback" not in warned.stderr and "never retrieved" not in warned.stderr, warned.stderr


def test_an_async_console_left_open_beside_an_in_process_panel_ends_without_traceback(tmp_path: Path) -> None:
    for _ in range(3):  # the shutdown race this guards against is timing-dependent: give it several chances
        warned = run_script(tmp_path, ASYNC_OPEN_CONSOLE_OWN_PANEL + MARKER_AT_END, {}, "-W", "default")
        assert_ended_promptly(warned)
        assert "Traceback" not in warned.stderr and "never retrieved" not in warned.stderr, warned.stderr
        assert len(warnings_in(warned.stderr)) == 1, warned.stderr


def test_a_sync_console_left_open_ends(tmp_path: Path, fake_panel_sync: FakePanel) -> None:
    finished = run_script(tmp_path, SYNC_OPEN_CONSOLE + MARKER_AT_END, env(fake_panel_sync), *SHOW_RESOURCE_WARNINGS)
    assert_ended_promptly(finished)
    assert "echo seen" in finished.stdout
    assert "Traceback" not in finished.stderr and "never retrieved" not in finished.stderr, finished.stderr
    assert len(warnings_in(finished.stderr)) <= 1, finished.stderr
