"""Two real bot processes (separate interpreters) on one PostgreSQL behave as one: a delivery
both receive writes once, and a key revoked through one is refused by the other, with one DM.
A process missing a master key the other one uses never revokes anyone, and cannot start again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from affinity_client import AffinityClient
from affinity_client.sandbox import seed
from bot.config import Settings
from bot.connector import CONNECTION, identifier_for
from bot.database import upgrade_all
from bot.devtools.slack_requests import DEFAULT_TEAM_ID, SlackRequests
from bot.services import Services
from tests.bot.test_conversation_support import wait_until
from vault import AffinityProfile
from vault.keyring import generate_key_entry, parse_master_keys

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # real interpreters

SERVER = """
import json, os, sys
from bot.app import build_app
from bot.config import Settings
from bot.devtools.slack_requests import BOT_TOKEN, SIGNING_SECRET, serve_wsgi
from bot.services import Services
from bot.startup import prepare_vault
from bot.wsgi import create_wsgi_app
from vault.keyring import parse_master_keys

slack_api, database, affinity = sys.argv[1:4]
settings = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=slack_api, database_url=database, affinity_base_url=affinity)
services = Services.build(settings, keyring=parse_master_keys(os.environ["VAULT_MASTER_KEYS"]))
prepare_vault(services.vault)  # the start-up check `affinity-bot run` makes
server, url = serve_wsgi(create_wsgi_app(build_app(settings, services), services))
print(json.dumps({"url": url}), flush=True)
sys.stdin.read()
server.shutdown()
services.close()
"""


@pytest.fixture
def start_processes(postgres_url, fake_slack, sandbox):
    """`start(*master_keys)`: one server process per VAULT_MASTER_KEYS value, and the test's
    own Services (with the first value's keys) on the same PostgreSQL."""
    upgrade_all(postgres_url)
    started: list[subprocess.Popen] = []
    built: list[Services] = []

    def start(*master_keys: str) -> tuple[list[SlackRequests], Services]:
        for keys in master_keys:
            env = {**os.environ, "VAULT_MASTER_KEYS": keys, "LOG_LEVEL": "ERROR"}
            started.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        SERVER,
                        fake_slack.api_url,
                        postgres_url,
                        sandbox.base_url,
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    env=env,
                )
            )
        settings = Settings(database_url=postgres_url, affinity_base_url=sandbox.base_url)
        built.append(Services.build(settings, keyring=parse_master_keys(master_keys[0])))
        urls = [json.loads(p.stdout.readline())["url"] for p in started]
        return [SlackRequests(url, fake_slack) for url in urls], built[-1]

    yield start
    for services in built:
        services.close()
    for process in started:
        process.stdin.close()
        process.wait(timeout=20)


@pytest.fixture
def processes(start_processes) -> tuple[list[SlackRequests], Services]:
    master_keys = generate_key_entry("two-processes")
    return start_processes(master_keys, master_keys)


def store_verified_key(services: Services, sandbox, user_id: str, key: str = seed.ADMIN_KEY) -> str:
    """A verified key (the admin's unless told) stored for a Slack user, as `connect` leaves it."""
    with AffinityClient(key, base_url=sandbox.base_url) as client:
        who = client.whoami()
    first, _, last = who["user"]["name"].partition(" ")
    profile = AffinityProfile.from_whoami(
        {
            "user": {
                "id": who["user"]["id"],
                "firstName": first,
                "lastName": last,
                "emailAddress": who["user"]["email"],
            },
            "tenant": who["tenant"],
        }
    )
    identifier = identifier_for(DEFAULT_TEAM_ID, user_id)
    services.vault.connect(CONNECTION, identifier, key, profile)
    return identifier


def test_one_delivery_received_by_both_processes_writes_once(processes, fake_slack, sandbox):
    (first, second), services = processes
    store_verified_key(services, sandbox, first.user_id)
    text = f"note org {seed.ACME_ORG_ID} Two processes, one note."
    payload = first.command_payload(text)

    senders = [
        threading.Thread(target=first.command, kwargs={"payload": payload}),
        threading.Thread(target=second.command, kwargs={"payload": payload, "retry_num": 1}),
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()

    response_id = payload["response_url"].rsplit("/", 1)[-1]
    assert wait_until(lambda: fake_slack.responses(response_id))
    notes = [
        n
        for n in sandbox.state.notes.values()
        if n.get("content") == "<p>Two processes, one note.</p>"
    ]
    assert len(notes) == 1
    assert sandbox.state.request_count("POST", "/v2/notes") == 1


def test_a_key_revoked_through_one_process_is_refused_by_the_other(processes, fake_slack, sandbox):
    (first, second), services = processes
    identifier = store_verified_key(services, sandbox, first.user_id)
    sandbox.state.revoke_key(seed.ADMIN_KEY)

    first.command("person jane smith")
    assert wait_until(
        lambda: services.vault.get_account(CONNECTION, identifier).status == "REVOKED"
    )
    calls_before = len(sandbox.state.requests)
    refused = second.command("person jane smith")

    assert wait_until(lambda: fake_slack.responses(refused.response_id))
    said = " ".join(c.text for c in fake_slack.responses(refused.response_id)).lower()
    assert "reconnect" in said
    assert len(sandbox.state.requests) == calls_before  # refused without asking Affinity
    dms = wait_until(
        lambda: [c for c in fake_slack.calls("chat.postMessage") if "stopped working" in c.text]
    )
    assert len(dms) == 1


def test_a_process_missing_a_master_key_never_revokes_and_cannot_start_again(
    start_processes, slack_app_factory, fake_slack, sandbox, postgres_url, tmp_path
):
    # Slow-ish (about 10 s, more on a loaded machine): two more interpreters start.
    # This test's process serves with the current key; the other one was started (on an empty
    # vault, so its start-up check passed) with only an old key.
    old = generate_key_entry("k-old")
    (stale,), _ = start_processes(old)
    good = slack_app_factory(database_url=postgres_url, upgrade=False)
    current_kid = good.services.vault.keyring.primary_kid
    identifier = store_verified_key(good.services, sandbox, good.slack.user_id)
    fake_slack.set_user("U0OWNER01", is_primary_owner=True, is_owner=True, is_admin=True)

    refused = [stale.command("person jane smith") for _ in range(2)]

    for sent in refused:
        assert wait_until(lambda sent=sent: fake_slack.responses(sent.response_id))
        said = " ".join(c.text for c in fake_slack.responses(sent.response_id)).lower()
        assert "configuration has a problem" in said and "revoked" not in said
    assert good.services.vault.get_account(CONNECTION, identifier).status == "ACTIVE"
    told = [c for c in fake_slack.calls("chat.postMessage") if c["channel"] == "U0OWNER01"]
    assert len(told) == 1 and current_kid in told[0].text
    assert not [
        c for c in fake_slack.calls("chat.postMessage") if c["channel"] == good.slack.user_id
    ]

    served = good.slack.command("person jane smith")  # this process still serves the user
    assert wait_until(lambda: fake_slack.responses(served.response_id))
    assert "Jane Smith" in fake_slack.responses(served.response_id)[0].text

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "VAULT_", "AFFINITY_"))
    }
    env.update(
        DATABASE_URL=postgres_url,
        VAULT_MASTER_KEYS=old,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        AFFINITY_BOT_DATA_DIR=str(tmp_path),
    )
    restart = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert restart.returncode == 2
    assert current_kid in restart.stderr and "VAULT_MASTER_KEYS" in restart.stderr
    assert "Traceback" not in restart.stderr
    assert good.services.vault.get_account(CONNECTION, identifier).status == "ACTIVE"
