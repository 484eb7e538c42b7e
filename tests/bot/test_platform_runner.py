"""Running the app: background jobs, clear start-up errors, and HTTP mode under gunicorn."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from bot.services import BackgroundTasks


def test_background_jobs_run_periodically_and_stop_on_shutdown():
    runs: list[float] = []
    tasks = BackgroundTasks()
    tasks.register("tick", 0.02, lambda: runs.append(time.monotonic()), initial_delay=0)

    tasks.start()
    deadline = time.monotonic() + 5
    while len(runs) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    tasks.stop()
    count = len(runs)
    time.sleep(0.1)

    assert count >= 3
    assert len(runs) == count  # nothing runs after stop()
    assert not tasks.running
    assert not [t for t in threading.enumerate() if t.name == "job:tick"]


def test_a_failing_job_is_logged_and_runs_again(caplog):
    attempts: list[int] = []

    def flaky() -> None:
        attempts.append(1)
        raise RuntimeError("sweep failed")

    tasks = BackgroundTasks()
    tasks.register("flaky", 0.02, flaky, initial_delay=0, jitter=0)
    tasks.start()
    deadline = time.monotonic() + 5
    while len(attempts) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    tasks.stop()

    assert len(attempts) >= 2
    assert "background job flaky failed" in caplog.text


def test_a_job_registered_after_start_runs_too():
    ran = threading.Event()
    tasks = BackgroundTasks()
    tasks.start()
    tasks.register("late", 10, ran.set, initial_delay=0)
    try:
        assert ran.wait(5)
    finally:
        tasks.stop()


def test_run_once_and_bad_intervals():
    tasks = BackgroundTasks()
    ran: list[int] = []
    tasks.register("now", 60, lambda: ran.append(1))
    tasks.run_once("now")
    assert ran == [1]
    with pytest.raises(ValueError):
        tasks.register("never", 0, lambda: None)
    with pytest.raises(KeyError):
        tasks.run_once("missing")


def _clean_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "VAULT_", "AFFINITY_"))
    }
    env.update({"AFFINITY_BOT_DATA_DIR": str(tmp_path), **extra})
    return env


def test_incomplete_configuration_stops_start_up_with_a_clear_message(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "Slack is not configured" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_master_key_stops_start_up(tmp_path):
    env = _clean_env(tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "VAULT_MASTER_KEYS" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_http_mode_serves_health_and_slack_under_gunicorn(tmp_path, fake_slack):
    from tests.plugins.slack import SIGNING_SECRET, SlackRequests
    from vault.keyring import generate_key_entry

    port = _free_port()
    env = _clean_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-1111-runner",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
        VAULT_MASTER_KEYS=generate_key_entry("t"),
        PORT=str(port),
        LOG_LEVEL="WARNING",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(base + "/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health is not None, "the server never answered"
        assert (health.status_code, health.json()) == (200, {"ok": True})

        slack = SlackRequests(base_url=base, fake=fake_slack)
        assert slack.app_uninstalled(signature="v0=bad").status_code == 401
        assert slack.app_uninstalled().status_code == 200
        assert (tmp_path / "affinity-bot.db").exists()  # the vault's default, upgraded
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output


def test_socket_mode_that_cannot_connect_says_so_in_one_line(
    tmp_path, fake_slack, monkeypatch, capsys
):
    """Slack refuses `apps.connections.open` (a wrong or revoked app-level token): the process
    prints one line naming the endpoint and Slack's error, and exits 1 with no traceback."""
    from bot.config import Settings
    from bot.database import upgrade_all
    from bot.runner import run_socket_mode
    from vault.keyring import generate_key_entry

    monkeypatch.setenv("VAULT_MASTER_KEYS", generate_key_entry("test"))
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade_all(database_url)
    fake_slack.fail_next("apps.connections.open", "invalid_auth")
    settings = Settings(
        slack_bot_token="xoxb-1111-2222-testbottoken",
        slack_app_token="xapp-1-A0TEST-1-refused",
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
    )

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        assert run_socket_mode(settings) == 1
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    said = capsys.readouterr().err
    assert "cannot open the Socket Mode connection" in said and "apps.connections.open" in said
    assert "invalid_auth" in said and "Traceback" not in said
