"""api.client.servers: what the library sends for the server-level calls."""

from __future__ import annotations

import pytest

from pyjexactyl import AsyncJexactyl, InvalidArgumentError
from pyjexactyl.testing import FakePanel
from tests.lib.helpers import only_request


async def test_power_signal_with_surrounding_spaces_is_sent_trimmed(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    """The panel trims input strings (TrimStrings), so ' start ' is a valid signal there; the library accepts
    it too and sends the trimmed signal."""
    server = fake_panel.server("Creative")
    before = len(fake_panel.requests)
    await api.client.servers.send_power_action(server.identifier, " start ")  # type: ignore[arg-type]
    req = only_request(fake_panel, before)
    assert (req.path, req.status, req.json) == (
        f"/api/client/servers/{server.identifier}/power",
        204,
        {"signal": "start"},
    )
    assert server.state == "starting"


@pytest.mark.parametrize("signal", ["Start", "explode", "", "  "])
async def test_power_signal_the_panel_refuses_is_refused_before_sending(
    api: AsyncJexactyl, fake_panel: FakePanel, signal: str
) -> None:
    before = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError, match="signal must be one of"):
        await api.client.servers.send_power_action("1a2b3c4d", signal)  # type: ignore[arg-type]
    assert len(fake_panel.requests) == before
