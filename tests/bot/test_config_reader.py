"""Tests for bot.config_reader through :func:`bot.config.load_config`: each variable's accepted forms and the
sentence a wrong value gives (never echoing a secret)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import config_error_delay, load_config
from tests.bot.config_env import APP_KEY, TOKEN, base_env, problems_for
from tests.fake_discord import bot_token


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("notatoken", "one word"),
        ("a" * 32, "an OAuth2 client secret"),
        ("1087654321098765432", "an application id"),
        ("0" * 64, "a public key"),
        ("MTA4NzY1NDMyMTA5ODc2NTQzMg.GabcDE", "two parts"),
        ("bm90IGEgbnVtYmVyIGF0IGFsbA.GabcDE.abcdefghijklmnopqrstuvwxyz012", "the first part is not a user id"),
        ("MTA4NzY1NDMyMTA5ODc2NTQzMg.GabcDE.abc+def/ghijklmnopqrstuvwxyz", "not base64url"),
    ],
)
def test_a_token_of_the_wrong_shape_is_named_at_once(token: str, why: str) -> None:
    problems = problems_for(DISCORD_TOKEN=token)
    assert len(problems) == 1, why
    assert problems[0].startswith(f"DISCORD_TOKEN does not look like a bot token ({len(token)} characters)")
    assert "Reset Token" in problems[0] and "client secret" in problems[0]
    assert token not in problems[0]


def test_real_token_shapes_pass() -> None:
    assert load_config(base_env()).discord_token == TOKEN
    for token in (bot_token(), bot_token(1234567890123456789), bot_token(12345678901234567)):
        assert load_config(base_env(DISCORD_TOKEN=token)).discord_token == token


def test_renewal_warn_days() -> None:
    assert load_config(base_env()).renewal_warn_days == 2
    assert load_config(base_env(RENEWAL_WARN_DAYS=" 5 ")).renewal_warn_days == 5
    assert load_config(base_env(RENEWAL_WARN_DAYS="0")).renewal_warn_days == 0
    for bad in ("-1", "1.5", "two", "366"):
        (problem,) = problems_for(RENEWAL_WARN_DAYS=bad)
        assert problem.startswith("RENEWAL_WARN_DAYS must be a whole number of days from 0 (no reminders) to 365")


@pytest.mark.parametrize(
    "url",
    [
        "https://panel.example.com",
        "https://panel.example.com:8443/",
        "https://example.org",
        "http://panel.example.net",
        "https://PANEL.EXAMPLE.COM.",
        "https://panel.example",
        "https://my.panel.invalid",
    ],
)
def test_a_documentation_placeholder_is_not_a_panel(url: str) -> None:
    problems = problems_for(PANEL_URL=url)
    assert len(problems) == 1
    assert "a placeholder reserved for documentation" in problems[0]
    assert "put your own panel's address in PANEL_URL" in problems[0]


def test_config_error_delay() -> None:
    assert load_config(base_env()).config_error_delay == 0.0
    assert load_config(base_env(CONFIG_ERROR_DELAY="300")).config_error_delay == 300.0
    assert load_config(base_env(CONFIG_ERROR_DELAY=" 2.5 ")).config_error_delay == 2.5
    for bad in ("-1", "abc", "nan", "inf", "5m"):
        (problem,) = problems_for(CONFIG_ERROR_DELAY=bad)
        assert problem.startswith("CONFIG_ERROR_DELAY must be a number of seconds, 0 or more")
        # Read on its own (the configuration it belongs to may not load), a bad value means no delay.
        assert config_error_delay({"CONFIG_ERROR_DELAY": bad}) == 0.0
    assert config_error_delay({"CONFIG_ERROR_DELAY": "300", "DISCORD_TOKEN": "notatoken"}) == 300.0


@pytest.mark.parametrize(
    "url",
    [
        "https://panel.mygameserver.net",
        "https://panel.mygameserver.net:8443/sub/path/",
        "http://localhost",
        "http://localhost:8080",
        "http://127.0.0.1",
        "http://127.5.6.7:80",
        "http://10.1.2.3",
        "http://172.16.0.1",
        "http://172.31.255.254",
        "http://192.168.1.10",
        "http://[::1]:8080",
    ],
)
def test_valid_panel_urls(url: str) -> None:
    config = load_config(base_env(PANEL_URL=url))
    assert config.panel_url == url.rstrip("/")
    assert not config.panel_url.endswith("/")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://panel.mygameserver.net", "use https"),
        ("http://8.8.8.8", "use https"),
        ("http://172.32.0.1", "use https"),
        ("http://[2001:db8::1]", "use https"),
        ("ftp://panel.mygameserver.net", "must start with https://"),
        ("panel.mygameserver.net", "must start with https://"),
        ("https://", "no host"),
        ("https://user:pw@panel.mygameserver.net", "user name or password"),
        ("https://panel.mygameserver.net/?x=1", "query string"),
        ("https://panel.mygameserver.net:99999", "not a valid URL"),
    ],
)
def test_invalid_panel_urls(url: str, fragment: str) -> None:
    problems = problems_for(PANEL_URL=url)
    assert len(problems) == 1
    assert problems[0].startswith("PANEL_URL")
    assert fragment in problems[0]
    assert "pw" not in problems[0]


@pytest.mark.parametrize(
    "key",
    [
        APP_KEY,
        "ptlc_" + "z" * 43,
        "papp_" + "0" * 43,
        "pacc_" + "Q" * 43,
        "aB3" * 16,  # legacy 48-char key without prefix
    ],
)
def test_valid_panel_keys(key: str) -> None:
    assert load_config(base_env(PANEL_APPLICATION_KEY=key)).panel_application_key == key


@pytest.mark.parametrize(
    "key",
    [
        "ptla_" + "a" * 42,  # too short
        "ptla_" + "a" * 44,  # too long
        "ptlx_" + "a" * 43,  # unknown prefix (underscore is not alphanumeric)
        "a" * 47 + "!",
        "secret-not-a-key",
    ],
)
def test_invalid_panel_keys_do_not_echo_value(key: str) -> None:
    problems = problems_for(PANEL_APPLICATION_KEY=key)
    assert len(problems) == 1
    assert problems[0].startswith("PANEL_APPLICATION_KEY does not look like a panel API key")
    assert key not in problems[0]


def test_encryption_key_error_names_position_not_value() -> None:
    good = Fernet.generate_key().decode()
    bad = "this-is-definitely-not-a-fernet-key"
    problems = problems_for(ENCRYPTION_KEY=f"{good},{bad}")
    assert len(problems) == 1
    assert "entry 2 of 2" in problems[0]
    assert "not a valid Fernet key" in problems[0]
    assert bad not in problems[0]
    assert good not in problems[0]


def test_encryption_key_single_invalid_and_empty_entry() -> None:
    problems = problems_for(ENCRYPTION_KEY="garbage")
    assert problems == [problems[0]]
    assert "the value is not a valid Fernet key" in problems[0]
    assert "garbage" not in problems[0]
    good = Fernet.generate_key().decode()
    problems = problems_for(ENCRYPTION_KEY=f"{good},,{good}")
    assert len(problems) == 1
    assert "entry 2 of 3 is empty" in problems[0]


def test_id_lists_reject_non_integers_and_name_the_variable() -> None:
    problems = problems_for(GUILD_IDS="123, abc, 456", ADMIN_ROLE_IDS="-5")
    assert len(problems) == 2
    assert problems[0].startswith("GUILD_IDS must be a comma-separated list")
    assert "entry 2 ('abc')" in problems[0]
    assert problems[1].startswith("ADMIN_ROLE_IDS")


def test_id_lists_deduplicate() -> None:
    assert load_config(base_env(GUILD_IDS="5,5, 6")).guild_ids == (5, 6)


@pytest.mark.parametrize("level", ["debug", "INFO", "Warning", "error", "CRITICAL"])
def test_log_levels(level: str) -> None:
    assert load_config(base_env(LOG_LEVEL=level)).log_level == level.upper()


def test_log_level_alias_and_invalid() -> None:
    assert load_config(base_env(LOG_LEVEL="warn")).log_level == "WARNING"
    problems = problems_for(LOG_LEVEL="verbose")
    assert "LOG_LEVEL 'verbose' is not a log level" in problems[0]


@pytest.mark.parametrize(("value", "fragment"), [("0", "between 1 and 65535"), ("65536", "between"), ("http", "whole")])
def test_health_port_invalid(value: str, fragment: str) -> None:
    problems = problems_for(HEALTH_PORT=value)
    assert len(problems) == 1
    assert problems[0].startswith("HEALTH_PORT")
    assert fragment in problems[0]


def test_health_port_bounds() -> None:
    assert load_config(base_env(HEALTH_PORT="1")).health_port == 1
    assert load_config(base_env(HEALTH_PORT="65535")).health_port == 65535


def test_gateway_url_validation() -> None:
    assert load_config(base_env(DISCORD_GATEWAY_URL="wss://gw.example")).discord_gateway_url == "wss://gw.example"
    problems = problems_for(DISCORD_GATEWAY_URL="gateway")
    assert problems[0].startswith("DISCORD_GATEWAY_URL must start with")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///state/bot.sqlite3", Path("state/bot.sqlite3")),
        ("sqlite:////var/lib/bot/bot.db", Path("/var/lib/bot/bot.db")),
        ("/var/lib/bot/other.db", Path("/var/lib/bot/other.db")),
        ("relative.db", Path("relative.db")),
    ],
)
def test_database_url_forms(url: str, expected: Path) -> None:
    config = load_config(base_env(DATABASE_URL=url, DATA_DIR="/ignored"))
    assert config.database_path == expected


@pytest.mark.parametrize("url", ["postgres://host/db", "sqlite:///", "sqlite:///:memory:", "sqlite://"])
def test_database_url_invalid(url: str) -> None:
    problems = problems_for(DATABASE_URL=url)
    assert len(problems) == 1
    assert "DATABASE_URL" in problems[0]


# ---------------------------------------------------------------------------------------------- issue 8, item 12


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("DISCORD_API_BASE", "http://discord-proxy.mygameserver.net/api/v10"),
        ("DISCORD_API_BASE", "http://8.8.8.8:8080/api/v10"),
        ("DISCORD_GATEWAY_URL", "ws://gateway.mygameserver.net"),
        ("DISCORD_GATEWAY_URL", "http://gateway.mygameserver.net"),
        ("DISCORD_GATEWAY_URL", "ws://[2001:db8::1]:8080"),
    ],
)
def test_discord_endpoints_in_clear_text_only_on_private_hosts(name: str, url: str) -> None:
    """The token travels to these endpoints: plain http/ws only for the hosts PANEL_URL allows it for."""
    (problem,) = problems_for(**{name: url})
    assert problem.startswith(f"{name} uses plain") and "the bot token would travel unencrypted" in problem


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("DISCORD_API_BASE", "http://127.0.0.1:8080/api/v10"),
        ("DISCORD_API_BASE", "http://10.0.0.5/api/v10"),
        ("DISCORD_API_BASE", "https://discord-proxy.mygameserver.net/api/v10"),
        ("DISCORD_GATEWAY_URL", "ws://localhost:9000"),
        ("DISCORD_GATEWAY_URL", "ws://192.168.1.2:9000"),
        ("DISCORD_GATEWAY_URL", "wss://gateway.mygameserver.net"),
    ],
)
def test_discord_endpoints_allowed(name: str, url: str) -> None:
    config = load_config(base_env(**{name: url}))
    assert getattr(config, name.lower()) == url


def test_board_interval_and_alert_unreachable() -> None:
    config = load_config(base_env())
    assert (config.board_interval, config.alert_unreachable) == (15.0, 120.0)
    config = load_config(base_env(BOARD_INTERVAL="30", ALERT_UNREACHABLE="300"))
    assert (config.board_interval, config.alert_unreachable) == (30.0, 300.0)
    problems = problems_for(BOARD_INTERVAL="2", ALERT_UNREACHABLE="soon")
    assert any("BOARD_INTERVAL must be a number of seconds from 5 to 3600" in p and "'2'" in p for p in problems)
    assert any("ALERT_UNREACHABLE must be a number of seconds from 10 to 86400" in p for p in problems)
