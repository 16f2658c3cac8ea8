"""An environment for :func:`bot.config.load_config` in the config tests: a valid minimum to add to, and the
problems a variation of it gives."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_config

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.super-secret-token-value_xyz"
APP_KEY = "ptla_" + "A1b2C3d4E5" * 4 + "xyz"  # 5 + 43 = 48 characters


def base_env(**overrides: str) -> dict[str, str]:
    env = {"DISCORD_TOKEN": TOKEN, "PANEL_URL": "https://panel.mygameserver.net"}
    env.update(overrides)
    return env


def problems_for(**overrides: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(base_env(**overrides))
    return info.value.problems
