"""The crash rule (``bot/watch/crash.py``) on the lines and states Wings sends (the e2e tests drive it through the
fake Wings; these pin the rule's edges)."""

from __future__ import annotations

from bot.watch.crash import CrashDetector
from pyjexactyl.events import ConsoleOutput, StatusChanged

DAEMON = "\x1b[33m\x1b[1m[Pterodactyl Daemon]:\x1b[39m "


def daemon(text: str) -> ConsoleOutput:
    return ConsoleOutput(f"{DAEMON}{text}\x1b[0m")


def test_wings_crash_notice_is_a_crash_with_its_details_and_the_next_running_is_back() -> None:
    detector = CrashDetector(lambda: None)
    assert detector.feed(StatusChanged("running")) is None
    assert detector.feed(daemon("---------- Detected server process in a crashed state! ----------")) == "crash"
    detector.feed(daemon("Exit code: 137"))
    detector.feed(daemon("Out of memory: true"))
    assert (detector.report.exit_code, detector.report.out_of_memory) == (137, True)
    assert detector.feed(StatusChanged("starting")) is None
    assert detector.report.restart is True
    assert detector.feed(StatusChanged("running")) == "back"
    assert detector.feed(StatusChanged("running")) is None


def test_no_restart_and_crash_detection_disabled() -> None:
    detector = CrashDetector(lambda: None)
    assert detector.feed(daemon("---------- Detected server process in a crashed state! ----------")) == "crash"
    detector.feed(daemon("Aborting automatic restart, last crash occurred less than 60 seconds ago."))
    assert detector.report.restart is False and "less than 60 seconds" in detector.report.restart_note
    off = CrashDetector(lambda: None)
    assert off.feed(daemon("Aborting automatic restart, crash detection is disabled for this instance.")) == "crash"
    assert off.report.restart is False


def test_a_state_sequence_alone_or_a_players_line_is_not_a_crash() -> None:
    detector = CrashDetector(lambda: None)
    for state in ("running", "offline", "starting", "running", "stopping", "offline"):
        assert detector.feed(StatusChanged(state)) is None
    chat = ConsoleOutput("[12:00:01 INFO]: <griefer> [Pterodactyl Daemon]: Detected server process in a crashed state!")
    assert detector.feed(chat) is None
    assert detector.feed(ConsoleOutput("Detected server process in a crashed state!")) is None


def test_a_power_action_asked_through_the_bot_overrides_the_notice() -> None:
    asked: list[str | None] = ["kill"]
    detector = CrashDetector(lambda: asked[0])
    assert detector.feed(daemon("---------- Detected server process in a crashed state! ----------")) is None
    asked[0] = None
    assert detector.feed(daemon("---------- Detected server process in a crashed state! ----------")) == "crash"


def test_every_notice_is_one_crash_even_when_the_states_between_were_coalesced() -> None:
    detector = CrashDetector(lambda: None)
    assert detector.feed(daemon("Detected server process in a crashed state!")) == "crash"
    assert detector.feed(StatusChanged("offline")) is None  # the library kept only the latest pending status
    assert detector.feed(daemon("Detected server process in a crashed state!")) == "crash"
