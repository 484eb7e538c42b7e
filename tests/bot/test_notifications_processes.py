"""Two real app processes (separate interpreters) on one PostgreSQL both run the notification
job; three subscriptions follow one list (two in #deals, one in a DM): each change is posted once
to each destination, and the shared poll runs once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from affinity_client.sandbox import seed
from bot.config import Settings
from bot.connector import CONNECTION
from bot.database import upgrade_all
from bot.features.notifications import Poller
from bot.features.notifications.store import Subscriptions
from bot.services import Services
from tests.bot.test_notifications import DEALS, move, posts
from tests.bot.test_two_os_processes import store_verified_key
from vault.keyring import generate_key_entry, parse_master_keys

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # real interpreters (about 10 s)

SERIES_A = seed.LISTS["Series A Pipeline"]
ALICE, BOB, CAROL = "U0ALICE01", "U0BOB0002", "U0CAROL03"
TICK_SECONDS = 2.0  # how long each process runs the job, side by side

WORKER = """
import json, os, sys, time
from bot.app import build_app
from bot.config import Settings
from bot.devtools.slack_requests import BOT_TOKEN, SIGNING_SECRET
from bot.features.notifications import Poller
from bot.services import Services
from vault.keyring import parse_master_keys

slack_api, database, affinity, seconds = sys.argv[1:5]
sys.stdin.readline()  # imported (the slow part, done while the test sets the database up)
settings = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=slack_api, database_url=database, affinity_base_url=affinity)
services = Services.build(settings, keyring=parse_master_keys(os.environ["VAULT_MASTER_KEYS"]))
build_app(settings, services)  # the real app: its Slack clients, its registered jobs
poller = Poller(services)  # what the notify-poll job runs on every tick
print("ready", flush=True)
sys.stdin.readline()
totals = {"polled": 0, "queued": 0, "posted": 0}
deadline = time.monotonic() + float(seconds)
while time.monotonic() < deadline:
    report = poller.tick()
    for name in totals:
        totals[name] += getattr(report, name)
    time.sleep(0.05)
print(json.dumps(totals), flush=True)
services.close()
"""


def test_two_processes_three_followers_each_destination_told_once(
    postgres_url: str, fake_slack: Any, sandbox: Any
) -> None:
    master_keys = generate_key_entry("notify-processes")
    env = {**os.environ, "VAULT_MASTER_KEYS": master_keys, "LOG_LEVEL": "ERROR"}
    args = [fake_slack.api_url, postgres_url, sandbox.base_url, str(TICK_SECONDS)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    try:
        follow_from_three(postgres_url, master_keys, sandbox)
        for step in ("start", "go"):
            for worker in workers:
                assert worker.stdin is not None
                worker.stdin.write(f"{step}\n")
                worker.stdin.flush()
            if step == "start":
                for worker in workers:
                    assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
                move(sandbox, seed.ACME_DEAL_ID, "IC", "admin")
        totals = [json.loads(worker.stdout.readline()) for worker in workers]  # type: ignore[union-attr]
    finally:
        for worker in workers:
            if worker.stdin is not None:
                worker.stdin.close()
            worker.wait(timeout=30)

    assert len(posts(fake_slack, DEALS)) == 1  # Alice and Bob follow it there: one message
    assert len(posts(fake_slack, CAROL)) == 1
    assert sum(t["polled"] for t in totals) == 1  # the shared poll ran in one process, once
    assert sum(t["posted"] for t in totals) == 2  # one row per destination


def follow_from_three(database_url: str, master_keys: str, sandbox: Any) -> None:
    """Alice and Bob follow Series A in #deals, Carol in her DM; the polls start from now."""
    upgrade_all(database_url)
    services = Services.build(
        Settings(database_url=database_url, affinity_base_url=sandbox.base_url),
        keyring=parse_master_keys(master_keys),
    )
    try:
        subs = Subscriptions(services.engine, services.clock)
        for user_id, key, destination in (
            (ALICE, seed.ADMIN_KEY, DEALS),
            (BOB, seed.STANDARD_KEY, DEALS),
            (CAROL, seed.ADMIN_KEY, "dm"),
        ):
            owner = store_verified_key(services, sandbox, user_id, key)
            account = services.vault.get_account(CONNECTION, owner)
            tenant = str(account.profile.tenant_id)
            subs.add(owner, tenant, SERIES_A, "Series A Pipeline", True, "stages", destination)
        Poller(services).ensure_polls(subs.all_active())
    finally:
        services.close()
