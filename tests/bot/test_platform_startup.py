"""Start-up: every configuration problem listed at once, the bind address, an unreachable Slack."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bot.config import ConfigError, Settings
from tests.bot.test_platform_config import SINGLE
from tests.bot.test_platform_runner import _clean_env, _free_port


def test_host_and_queue_limit_defaults_and_names():
    default = Settings.from_env(SINGLE, env_file=None)
    chosen = Settings.from_env(
        {**SINGLE, "HOST": "0.0.0.0", "LISTENER_QUEUE_LIMIT": "50"}, env_file=None
    )

    assert (default.host, default.listener_queue_limit) == ("127.0.0.1", 200)
    assert (chosen.host, chosen.listener_queue_limit) == ("0.0.0.0", 50)


def test_every_unreadable_number_is_named_at_once():
    env = {**SINGLE, "PORT": "soon", "REVOCATION_SWEEP_HOURS": "-1", "LISTENER_QUEUE_LIMIT": "x"}

    settings, problems = Settings.read_env(env, env_file=None)
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env, env_file=None)

    assert len(problems) == 3
    for name in ("PORT", "REVOCATION_SWEEP_HOURS", "LISTENER_QUEUE_LIMIT"):
        assert name in str(raised.value)
    assert settings.port == 3000  # the default stands in, so the other checks can still run


@pytest.mark.parametrize(
    ("host", "bind"),
    [("127.0.0.1", "127.0.0.1:3000"), ("0.0.0.0", "0.0.0.0:3000"), ("::", "[::]:3000")],
)
def test_the_http_server_binds_host_and_port(host, bind):
    from bot.runner import BotHttpServer

    server = BotHttpServer(Settings.from_env({**SINGLE, "HOST": host}, env_file=None))

    assert server.cfg.bind == [bind]


def _run(tmp_path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=_clean_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_lists_every_configuration_problem_at_once(tmp_path):
    result = _run(tmp_path, SLACK_BOT_TOKEN="xoxb-1", PORT="soon", LISTENER_QUEUE_LIMIT="0")

    assert result.returncode == 2
    assert "4 configuration problems" in result.stderr
    for named in ("PORT", "LISTENER_QUEUE_LIMIT", "SLACK_SIGNING_SECRET", "VAULT_MASTER_KEYS"):
        assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_slack_is_one_line_and_exit_status_1(tmp_path):
    from vault.keyring import generate_key_entry

    api_url = f"http://127.0.0.1:{_free_port()}/api/"
    result = _run(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=api_url,
        VAULT_MASTER_KEYS=generate_key_entry("t"),
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    logged = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|DEBUG) ")
    lines = [line for line in result.stderr.strip().splitlines() if not logged.match(line)]
    assert len(lines) == 1, result.stderr  # start-up's INFO log lines aside
    assert lines[0].startswith("affinity-bot: ")
    assert f"cannot use Slack at {api_url}auth.test" in lines[0]
    assert "refused" in lines[0].lower()  # the network's reason: connection refused


def test_a_refused_bot_token_is_one_line_too(fake_slack):
    from bot.app import SlackUnreachable, check_slack

    fake_slack.fail_next("auth.test", "invalid_auth")
    settings = Settings(
        slack_bot_token="xoxb-1", slack_signing_secret="s", slack_api_url=fake_slack.api_url
    )

    with pytest.raises(SlackUnreachable) as raised:
        check_slack(settings)

    assert str(raised.value) == (
        f"cannot use Slack at {fake_slack.api_url}auth.test: Slack answered invalid_auth"
    )


def test_building_the_app_against_an_unreachable_slack_says_so_in_one_line(tmp_path):
    from bot.app import SlackUnreachable, build_app
    from bot.services import Services
    from vault.keyring import generate_key_entry, parse_master_keys

    api_url = f"http://127.0.0.1:{_free_port()}/api/"
    settings = Settings(
        slack_bot_token="xoxb-1",
        slack_signing_secret="s",
        slack_api_url=api_url,
        database_url=f"sqlite:///{tmp_path}/db.sqlite",
    )
    services = Services.build(settings, keyring=parse_master_keys(generate_key_entry("t")))
    try:
        with pytest.raises(SlackUnreachable, match=f"cannot use Slack at {api_url}auth.test"):
            build_app(settings, services, features=[])
    finally:
        services.close()


def test_every_migration_message_is_one_line():
    """Alembic logs each revision's message at start-up; a wrapped first line would add a
    stray line to what a failing start prints."""
    from pathlib import Path

    import bot
    import vault

    for package in (bot, vault):
        versions = Path(package.__file__).parent / "migrations" / "versions"
        for path in versions.glob("0*.py"):
            lines = path.read_text().splitlines()
            assert lines[0].startswith('"""') and lines[1] == "", path.name
