"""Tests for bot.config: the settings and their defaults, error aggregation, .env loading and secret hiding
(each variable's own checks are in test_config_reader.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import BotConfig, ConfigError, load_config
from tests.bot.config_env import APP_KEY, TOKEN, base_env, problems_for

ALL_VARS = (
    "DISCORD_TOKEN",
    "PANEL_URL",
    "PANEL_APPLICATION_KEY",
    "DATA_DIR",
    "DATABASE_URL",
    "ENCRYPTION_KEY",
    "GUILD_IDS",
    "ADMIN_ROLE_IDS",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
    "LOG_LEVEL",
    "HEALTH_PORT",
    "HEALTH_HOST",
    "PANEL_TIMEOUT",
    "CONFIG_ERROR_DELAY",
    "BOARD_INTERVAL",
    "ALERT_UNREACHABLE",
    "RENEWAL_WARN_DAYS",
)


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ALL_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_minimal_config_has_defaults() -> None:
    config = load_config(base_env())
    assert config.discord_token == TOKEN
    assert config.panel_url == "https://panel.mygameserver.net"
    assert config.panel_application_key is None
    assert config.data_dir == Path("./data")
    assert config.database_path == Path("./data") / "bot.db"
    assert config.encryption_keys == ()
    assert config.guild_ids == ()
    assert config.admin_role_ids == ()
    assert config.discord_api_base is None
    assert config.discord_gateway_url is None
    assert config.log_level == "INFO"
    assert config.health_port is None
    assert config.health_host == "127.0.0.1"


def test_full_config() -> None:
    k1, k2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    config = load_config(
        base_env(
            PANEL_URL="https://panel.mygameserver.net/",
            PANEL_APPLICATION_KEY=APP_KEY,
            DATA_DIR="/srv/bot",
            ENCRYPTION_KEY=f"{k1}, {k2}",
            GUILD_IDS="123456789012345678, 223456789012345678,",
            ADMIN_ROLE_IDS="42",
            DISCORD_API_BASE="http://127.0.0.1:8080/api/v10/",
            DISCORD_GATEWAY_URL="ws://127.0.0.1:8081",
            LOG_LEVEL="debug",
            HEALTH_PORT="8088",
            HEALTH_HOST="0.0.0.0",
        )
    )
    assert config.panel_url == "https://panel.mygameserver.net"
    assert config.panel_application_key == APP_KEY
    assert config.encryption_keys == (k1, k2)
    assert config.guild_ids == (123456789012345678, 223456789012345678)
    assert config.admin_role_ids == (42,)
    assert config.discord_api_base == "http://127.0.0.1:8080/api/v10"
    assert config.discord_gateway_url == "ws://127.0.0.1:8081"
    assert config.log_level == "DEBUG"
    assert config.health_port == 8088
    assert config.health_host == "0.0.0.0"
    assert config.database_path == Path("/srv/bot/bot.db")


def test_config_is_frozen() -> None:
    config = load_config(base_env())
    with pytest.raises(AttributeError):
        config.panel_url = "https://other"  # type: ignore[misc]


def test_missing_required_variables_are_reported_together() -> None:
    with pytest.raises(ConfigError) as info:
        load_config({})
    error = info.value
    assert isinstance(error, ValueError)
    assert len(error.problems) == 2
    assert error.problems[0].startswith("DISCORD_TOKEN is not set")
    assert "developer portal" in error.problems[0]
    assert error.problems[1].startswith("PANEL_URL is not set")
    text = str(error)
    assert "2 problems" in text
    for problem in error.problems:
        assert problem in text


def test_all_problems_collected_at_once() -> None:
    problems = problems_for(
        PANEL_URL="http://panel.mygameserver.net",
        PANEL_APPLICATION_KEY="short",
        ENCRYPTION_KEY="nope",
        GUILD_IDS="abc",
        ADMIN_ROLE_IDS="1,x",
        DISCORD_API_BASE="ftp://x",
        LOG_LEVEL="LOUD",
        HEALTH_PORT="70000",
        DATABASE_URL="postgres://db/bot",
    )
    assert len(problems) == 9
    joined = "\n".join(problems)
    for name in (
        "PANEL_URL",
        "PANEL_APPLICATION_KEY",
        "ENCRYPTION_KEY",
        "GUILD_IDS",
        "ADMIN_ROLE_IDS",
        "DISCORD_API_BASE",
        "LOG_LEVEL",
        "HEALTH_PORT",
        "DATABASE_URL",
    ):
        assert name in joined


def test_blank_values_count_as_unset() -> None:
    problems = problems_for(DISCORD_TOKEN="   ")
    assert problems == [p for p in problems if p.startswith("DISCORD_TOKEN is not set")]
    assert len(problems) == 1


def test_token_with_bot_prefix_rejected_without_echo() -> None:
    problems = problems_for(DISCORD_TOKEN="Bot " + TOKEN)
    assert len(problems) == 1
    assert "'Bot ' prefix" in problems[0]
    assert TOKEN not in problems[0]


def test_repr_hides_secrets() -> None:
    key = Fernet.generate_key().decode()
    config = load_config(base_env(PANEL_APPLICATION_KEY=APP_KEY, ENCRYPTION_KEY=key))
    for text in (repr(config), str(config), f"{config}", f"{config!r}"):
        assert TOKEN not in text
        assert APP_KEY not in text
        assert key not in text
        assert "discord_token=<redacted>" in text
        assert "panel_url='https://panel.mygameserver.net'" in text
    unset = repr(load_config(base_env()))
    assert "panel_application_key=None" in unset
    assert "encryption_keys=()" in unset


def test_config_error_never_contains_secret_values() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(
            {
                "DISCORD_TOKEN": "Bot " + TOKEN,
                "PANEL_URL": "http://mygameserver.net",
                "PANEL_APPLICATION_KEY": "ptla_TOO-SHORT-SECRET",
                "ENCRYPTION_KEY": "SECRET-NOT-FERNET",
            }
        )
    text = str(info.value)
    assert TOKEN not in text
    assert "TOO-SHORT-SECRET" not in text
    assert "SECRET-NOT-FERNET" not in text
    assert len(info.value.problems) == 4


def test_dotenv_is_loaded_without_overriding_real_env(tmp_path: Path, clean_environ: pytest.MonkeyPatch) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"# comment\nDISCORD_TOKEN={TOKEN}\nPANEL_URL=https://from-dotenv.mygameserver.net\nLOG_LEVEL=DEBUG\nGUILD_IDS=1,2\n",
        encoding="utf-8",
    )
    clean_environ.setenv("PANEL_URL", "https://from-env.mygameserver.net")
    clean_environ.setenv("LOG_LEVEL", "ERROR")
    config = load_config(dotenv_path=dotenv)
    assert config.discord_token == TOKEN  # only in .env
    assert config.guild_ids == (1, 2)  # only in .env
    assert config.panel_url == "https://from-env.mygameserver.net"  # real env wins
    assert config.log_level == "ERROR"  # real env wins
    import os

    assert "DISCORD_TOKEN" not in os.environ  # .env does not leak into the process environment


def test_missing_dotenv_file_is_fine(tmp_path: Path, clean_environ: pytest.MonkeyPatch) -> None:
    clean_environ.setenv("DISCORD_TOKEN", TOKEN)
    clean_environ.setenv("PANEL_URL", "https://panel.mygameserver.net")
    config = load_config(dotenv_path=tmp_path / "does-not-exist.env")
    assert config.panel_url == "https://panel.mygameserver.net"
    assert load_config(dotenv_path=None).discord_token == TOKEN


def test_explicit_env_ignores_process_env_and_dotenv(tmp_path: Path, clean_environ: pytest.MonkeyPatch) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("LOG_LEVEL=DEBUG\n", encoding="utf-8")
    clean_environ.setenv("HEALTH_PORT", "9999")
    config = load_config(base_env(), dotenv_path=dotenv)
    assert config.log_level == "INFO"
    assert config.health_port is None


def test_botconfig_can_be_built_directly() -> None:
    config = BotConfig(discord_token="t", panel_url="https://p")
    assert config.database_path == Path("./data/bot.db")
    assert "t'" not in repr(config)
