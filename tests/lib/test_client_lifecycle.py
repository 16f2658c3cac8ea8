"""Closing clients: a closed :class:`AsyncJexactyl` refuses further requests with a typed error instead of
silently opening a new HTTP session; a client on a shared session closes only itself and keeps its own
timeout; the sync :class:`Jexactyl` can still be used after ``close()``, as before.
"""

from __future__ import annotations

import aiohttp
import pytest

from pyjexactyl import AsyncJexactyl, ClientClosedError, Jexactyl, JexactylError
from pyjexactyl.exceptions import PanelTimeoutError
from pyjexactyl.testing import FakePanel


async def test_a_closed_client_refuses_requests_and_opens_no_session(fake_panel: FakePanel) -> None:
    api = AsyncJexactyl(fake_panel.url, fake_panel.user.client_key or "", backoff_factor=0)
    await api.client.account.get_account()
    await api.close()
    fake_panel.clear_requests()
    with pytest.raises(ClientClosedError) as info:
        await api.client.account.get_account()
    assert isinstance(info.value, JexactylError)
    assert "closed" in str(info.value) and "GET /api/client/account" in str(info.value)
    assert fake_panel.user.client_key not in str(info.value)
    assert api.closed
    assert fake_panel.requests == []  # nothing was sent: no new session was opened behind the caller's back
    await api.close()  # closing again is harmless


async def test_closing_a_client_on_a_shared_session_leaves_the_session_open(fake_panel: FakePanel) -> None:
    async with aiohttp.ClientSession() as session:
        first = AsyncJexactyl(fake_panel.url, fake_panel.user.client_key or "", session=session)
        second = AsyncJexactyl(fake_panel.url, fake_panel.admin.client_key or "", session=session)
        await first.client.account.get_account()
        await first.close()
        assert not session.closed
        account = await second.client.account.get_account()
        assert account["attributes"]["username"] == "admin"
        with pytest.raises(ClientClosedError):
            await first.client.account.get_account()
        await second.close()
        assert not session.closed


async def test_a_client_on_a_shared_session_keeps_its_own_timeout() -> None:
    async with FakePanel(latency=0.5) as panel, aiohttp.ClientSession() as session:
        api = AsyncJexactyl(panel.url, panel.user.client_key or "", session=session, timeout=0.1, retries=0)
        with pytest.raises(PanelTimeoutError):
            await api.client.account.get_account()
        await api.close()


def test_the_sync_client_still_works_after_close(fake_panel_sync: FakePanel) -> None:
    api = Jexactyl(fake_panel_sync.url, fake_panel_sync.user.client_key or "")
    assert api.client.account.get_account()["attributes"]["id"] == fake_panel_sync.user.id
    api.close()
    assert api.client.account.get_account()["attributes"]["id"] == fake_panel_sync.user.id
    api.close()
