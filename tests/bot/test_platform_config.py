"""Settings: names, defaults, the .env file, the mode, and clear errors for incomplete setups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, reveal

SOCKET = {"SLACK_APP_TOKEN": "xapp-1-A1-111-secretapp", "SLACK_BOT_TOKEN": "xoxb-1-secretbot"}
OAUTH = {
    "SLACK_CLIENT_ID": "111.222",
    "SLACK_CLIENT_SECRET": "secretclient",
    "SLACK_SIGNING_SECRET": "secretsigning",
}
SINGLE = {"SLACK_BOT_TOKEN": "xoxb-1-secretbot", "SLACK_SIGNING_SECRET": "secretsigning"}


def settings(env: dict[str, str]) -> Settings:
    return Settings.from_env(env, env_file=None)


def test_defaults():
    s = settings(SINGLE)

    assert s.slack_api_url == "https://slack.com/api/"
    assert s.anthropic_model == "claude-sonnet-4-6"
    assert s.database_url is None  # the vault's SQLite file in AFFINITY_BOT_DATA_DIR
    assert s.port == 3000
    assert s.affinity_base_url == "https://api.affinity.co"
    assert s.affinity_tenant_id is None
    assert s.revocation_sweep_hours == 6
    assert s.revocation_sweep_seconds == 6 * 3600
    assert s.log_level == "INFO"


def test_every_setting_is_read_under_its_documented_name():
    env = {
        **SINGLE,
        "SLACK_API_URL": "http://127.0.0.1:9999/api",
        "ANTHROPIC_API_KEY": "sk-ant-secret",
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:9998",
        "ANTHROPIC_MODEL": "claude-haiku-4-5",
        "DATABASE_URL": "postgresql://bot@db/affinity",
        "PORT": "8080",
        "AFFINITY_BASE_URL": "http://127.0.0.1:8765",
        "AFFINITY_TENANT_ID": "42",
        "REVOCATION_SWEEP_HOURS": "0.5",
        "LOG_LEVEL": "debug",
    }
    s = settings(env)

    assert s.slack_api_url == "http://127.0.0.1:9999/api/"  # trailing slash added for WebClient
    assert reveal(s.anthropic_api_key) == "sk-ant-secret"
    assert s.anthropic_base_url == "http://127.0.0.1:9998"
    assert s.anthropic_model == "claude-haiku-4-5"
    assert s.database_url == "postgresql://bot@db/affinity"
    assert (s.port, s.affinity_tenant_id, s.revocation_sweep_hours) == (8080, "42", 0.5)
    assert s.affinity_base_url == "http://127.0.0.1:8765"
    assert s.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        (SOCKET, "socket"),
        (OAUTH, "http-oauth"),
        (SINGLE, "http-single"),
        ({**OAUTH, **SOCKET}, "socket"),
    ],
)
def test_the_mode_follows_what_is_configured(env, mode):
    s = settings(env)

    assert s.mode == mode
    assert s.check() is s


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({}, "Slack is not configured"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong", "SLACK_BOT_TOKEN": "xoxb-1"}, "xapp-"),
        ({**SINGLE, "SLACK_BOT_TOKEN": "sk-ant-wrong"}, "xoxb-"),
    ],
)
def test_incomplete_configuration_says_what_to_set(env, complaint):
    with pytest.raises(ConfigError) as raised:
        settings(env).check()

    assert complaint in str(raised.value)


@pytest.mark.parametrize("name", ["PORT", "REVOCATION_SWEEP_HOURS"])
@pytest.mark.parametrize("value", ["soon", "0", "-3"])
def test_bad_numbers_are_named(name, value):
    with pytest.raises(ConfigError, match=name):
        settings({**SINGLE, name: value})


def test_every_unreadable_value_is_listed_at_once_and_falls_back_to_its_default():
    env = {
        **SINGLE,
        "PORT": "soon",
        "AGENT_STREAM_ANSWERS": "maybe",
        "AGENT_MAX_RETRIES": "-1",
        "REVOCATION_SWEEP_HOURS": "0",
        "LOG_LEVEL": "warning",
    }

    s, problems = Settings.read_env(env, env_file=None)

    assert sorted(problems) == sorted(
        [
            "PORT must be a number, got 'soon'",
            "AGENT_STREAM_ANSWERS must be true or false, got 'maybe'",
            "AGENT_MAX_RETRIES must be zero or more, got '-1'",
            "REVOCATION_SWEEP_HOURS must be greater than zero, got '0'",
        ]
    )
    assert (s.port, s.agent.stream_answers, s.agent.max_retries) == (3000, True, 2)
    assert s.log_level == "WARNING"  # what could be read is kept


def test_other_variables_are_ignored():
    s = settings(
        {
            **SINGLE,
            "port": "lowercase is another variable",
            "VAULT": "x",
            "AGENT": "y",
            "AGENT_UNKNOWN_LIMIT": "z",
            "PATH": "/usr/bin",
        }
    )

    assert s.port == 3000 and s.check() is s


def test_the_agent_and_the_vault_read_the_same_settings():
    from bot.agent import AgentSettings
    from vault.config import VaultSettings

    env = {
        **SINGLE,
        "ANTHROPIC_API_KEY": "sk-ant-secretkey",
        "AGENT_MAX_OUTPUT_TOKENS": "512",
        "DATABASE_URL": "postgresql://bot:pw@db/x",
        "AFFINITY_BOT_DATA_DIR": "/srv/bot",
        "VAULT_MASTER_KEYS": "k1:secretmaster",
    }
    s = settings(env)
    agent = AgentSettings.from_app_settings(s)

    assert (agent.api_key_text, agent.model, agent.max_output_tokens) == (
        "sk-ant-secretkey",
        s.anthropic_model,
        512,
    )
    assert s.vault == VaultSettings.from_environ(env)
    assert (s.database_url, str(s.vault.data_dir)) == ("postgresql://bot:pw@db/x", "/srv/bot")
    assert "k1:secretmaster" in s.secret_values()
    assert "secretmaster" not in repr(s) and "pw@" not in repr(s)


def test_secrets_never_show_in_repr():
    env = {
        **SOCKET,
        **OAUTH,
        "ANTHROPIC_API_KEY": "sk-ant-secretkey",
        "DATABASE_URL": "postgresql://bot:dbpassword@db/x",
    }
    s = settings(env)

    shown = repr(s) + str(s) + repr(s.public_summary())
    for secret in (
        "secretapp",
        "secretbot",
        "secretclient",
        "secretsigning",
        "secretkey",
        "dbpassword",
    ):
        assert secret not in shown
    assert "111.222" in shown  # the client id is not a secret
    assert set(s.secret_values()) >= {SOCKET["SLACK_BOT_TOKEN"], "sk-ant-secretkey"}


def test_the_env_file_fills_in_but_never_overrides_the_environment(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=from-file\nPORT=4000\n"
        "# a comment\nAFFINITY_TENANT_ID=\n"
    )

    s = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-from-env"}, env_file=env_file)

    assert reveal(s.slack_bot_token) == "xoxb-from-env"
    assert reveal(s.slack_signing_secret) == "from-file"
    assert s.port == 4000
    assert s.affinity_tenant_id is None  # blank means unset


def test_the_process_environment_gets_the_env_file_without_overrides(tmp_path, monkeypatch):
    import os

    env_file = tmp_path / ".env"
    env_file.write_text("SLACK_SIGNING_SECRET=from-file\nAFFINITY_BOT_DATA_DIR=/from/file\n")
    monkeypatch.setenv("AFFINITY_BOT_DATA_DIR", "/from/env")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "unset")  # recorded: undone after the test
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-env")

    s = Settings.from_env(env_file=env_file)

    assert reveal(s.slack_signing_secret) == "from-file"
    assert os.environ["AFFINITY_BOT_DATA_DIR"] == "/from/env"  # the vault sees the real value
    assert os.environ["SLACK_SIGNING_SECRET"] == "from-file"  # and what only the file had


def test_settings_are_frozen():
    from pydantic import ValidationError

    s = settings(SINGLE)
    with pytest.raises(ValidationError, match="frozen"):
        s.port = 1  # type: ignore[misc]


def test_env_example_lists_every_setting_with_its_default():
    from pathlib import Path

    example = (Path(__file__).parents[2] / ".env.example").read_text()
    listed = dict(
        line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#")
    )
    for name, default in Settings.env_defaults().items():
        if name.startswith("AGENT_"):
            continue  # the agent's limits: docs/agent.md
        assert name in listed, name
        assert listed[name] == ("" if default is None else documented(default)), name
    unknown = set(listed) - set(Settings.env_defaults())
    assert not unknown, f".env.example sets what the app does not read: {unknown}"


def documented(default: object) -> str:
    """A default as the documentation writes it: 6.0 as 6, True as true, ./data as is."""
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    if isinstance(default, Path):
        return default.as_posix() if default.is_absolute() else f"./{default.as_posix()}"
    return str(default)


def configuration_tables() -> dict[str, str]:
    """Setting -> default as the README's configuration table and docs/agent.md's limits table
    list them (a row naming two settings documents both, with no default)."""
    root = Path(__file__).parents[2]
    rows: dict[str, str] = {}
    for document in (root / "README.md", root / "docs" / "agent.md"):
        for line in document.read_text().splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not line.startswith("| `") or len(cells) < 3:
                continue
            names = re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0])
            for name in names:
                assert name not in rows, f"{name} is documented twice"
                rows[name] = cells[1]
    return rows


def test_every_setting_is_documented_once_with_its_default():
    rows = configuration_tables()
    defaults = Settings.env_defaults()

    assert set(rows) == set(defaults)
    for name, default in defaults.items():
        if default is None:
            assert rows[name].startswith("—"), f"{name} has no default: {rows[name]}"
        else:
            assert rows[name].startswith(f"`{documented(default)}`"), (name, rows[name])


def test_configured_secrets_are_scrubbed_from_every_log_line():
    import io
    import logging

    from bot.middleware.logs import NOISY_LOGGERS, configure_logging

    saved = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    try:
        s = settings({**SINGLE, "SLACK_SIGNING_SECRET": "signing-secret-value-42"})
        configure_logging("INFO", s.secret_values())
        logging.getLogger("bot.anything").warning(
            "oops %s / %s", "signing-secret-value-42", reveal(s.slack_bot_token)
        )
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        from vault import redaction

        for value in s.secret_values():
            redaction.unregister_secret(value)

    output = stream.getvalue()
    assert "oops" in output
    assert "signing-secret-value-42" not in output
    assert "secretbot" not in output
