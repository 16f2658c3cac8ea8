"""Jexactyl v3 renewal: the wording (``bot.renewal``), who is reminded and how often (``bot.reminders``), and
what the bot knows of its panel (``bot.panel_kind``) against the fake panel's four flavors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.panel_kind import JEXACTYL_V3, NAMELESS, PanelKind
from bot.reminders import RenewalReminders, reminder_text
from bot.renewal import renewal_days, renewal_due, renewal_line, suspended_for_renewal
from bot.servers import ServerRef
from pyjexactyl import AsyncJexactyl
from pyjexactyl.testing import FakePanel


def ref(identifier: str, renewal: int | None, *, owner: bool = True) -> ServerRef:
    return ServerRef(identifier, "", f"Server {identifier}", owner=owner, renewal=renewal)


def test_renewal_days_only_for_renewable_servers() -> None:
    assert renewal_days({"renewable": True, "renewal": 4}) == 4
    assert renewal_days({"renewable": True, "renewal": -3}) == -3
    assert renewal_days({"renewable": False, "renewal": 4}) is None
    assert renewal_days({"renewable": True, "renewal": "4"}) is None
    assert renewal_days({"renewable": True, "renewal": True}) is None
    assert renewal_days({"is_suspended": False}) is None


def test_renewal_wording() -> None:
    assert renewal_line(8, warn_days=2) == "⏳ Renewal: 8 days left before the panel suspends it."
    assert renewal_line(1, warn_days=2).startswith("⚠️ Renewal due: 1 day left")
    assert renewal_line(2, warn_days=0).startswith("⏳")  # reminders off: no warning either
    assert "deletes it in 7 days" in renewal_line(0, warn_days=2)
    assert "deletes it at its next daily run" in renewal_line(-7, warn_days=2)
    assert "deletes it in 1 day" in suspended_for_renewal(-6)
    assert renewal_due(0, 2) and renewal_due(2, 2) and not renewal_due(3, 2)
    assert not renewal_due(None, 2) and not renewal_due(1, 0)


def test_reminders_once_per_server_per_day_for_owners_only() -> None:
    now = [1000.0]
    reminders = RenewalReminders(2, check_every=600.0, clock=lambda: now[0])
    servers = [ref("aaaa", 2), ref("bbbb", 3), ref("cccc", -1), ref("dddd", 1, owner=False), ref("eeee", None)]
    assert reminders.should_check(1)
    assert [s.identifier for s in reminders.take_due(1, servers)] == ["aaaa", "cccc"]
    assert not reminders.should_check(1)  # looked at a moment ago
    assert reminders.should_check(2)  # another member is another matter
    now[0] += 600
    assert reminders.should_check(1)
    assert reminders.take_due(1, servers) == []  # the same day
    now[0] += 24 * 3600
    assert reminders.should_check(1)
    assert [s.identifier for s in reminders.take_due(1, servers)] == ["aaaa", "cccc"]
    assert len(reminders._reminded) == 2 and set(reminders._checked) == {1}  # pruned: memory stays flat


def test_reminders_off() -> None:
    reminders = RenewalReminders(0)
    assert not reminders.enabled and not reminders.should_check(1)
    assert reminders.take_due(1, [ref("aaaa", 0)]) == []


def test_reminder_text_lists_at_most_ten() -> None:
    text = reminder_text([ref(f"s{i:03d}", 1) for i in range(12)])
    assert text.count("• ") == 10 and "…and 2 more." in text and "`/server renew`" in text


@pytest.mark.parametrize(
    ("flavor", "v3", "nameless", "name"),
    [
        ("pterodactyl", False, False, "Pterodactyl"),
        ("jexactyl", True, False, "Jexactyl v3"),
        ("jexactyl4", False, True, "Jexactyl v4"),
        ("pelican", False, True, "Pelican"),
    ],
)
async def test_the_panel_kind_is_learnt_once_and_shared(
    fake_panel_factory: Callable[..., Awaitable[FakePanel]], flavor: str, v3: bool, nameless: bool, name: str
) -> None:
    panel = await fake_panel_factory(flavor=flavor)
    kind = PanelKind()
    assert kind.known(JEXACTYL_V3) is None and kind.name == "this panel"
    async with AsyncJexactyl(panel.url, panel.user.client_key) as first:
        await first.client.account.get_account()  # what linking reads: names or not, id or not
        kind.note(first)
        assert kind.known(NAMELESS) is nameless
        assert await kind.is_one_of(first, JEXACTYL_V3) is v3
        asked = [r.path for r in panel.requests if r.path == "/api/client/permissions"]
        assert len(asked) <= 1
    assert kind.name == name and kind.info is not None and kind.info.certain
    async with AsyncJexactyl(panel.url, panel.admin.client_key) as second:
        kind.seed(second)  # a new member's client starts from what the bot knows: no second probe
        panel.clear_requests()
        assert await kind.is_one_of(second, JEXACTYL_V3) is v3
        assert (await second.panel_info()).name == name
        assert panel.requests == []
