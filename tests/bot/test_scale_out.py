"""Three app processes on one PostgreSQL, behind a round-robin proxy, behave as one app.

A burst of 1,000 signed `/affinity help` commands goes through a small round-robin HTTP proxy
that this test runs (as a load balancer would, each request to the next process), with some of
Slack's retries of the same delivery (`X-Slack-Retry-Num`) among them, which usually land on
another process than the original. Every command is acknowledged, and each one is answered
exactly once at its response URL: the delivery is claimed in the shared database by whichever
process gets it first, and the copy is acknowledged and dropped by the other.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from bot.database import upgrade_all
from bot.devtools.slack_requests import SlackRequests, serve_wsgi
from tests.bot.test_conversation_support import wait_until
from vault.keyring import generate_key_entry

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # real interpreters, a 1,000-command burst

PROCESSES = 3
COMMANDS = 1000
RETRIED = 100  # deliveries Slack sends a second time, with X-Slack-Retry-Num: 1
SENDERS = 24  # requests in flight at once
FORWARDED_HEADERS = ("content-type", "x-slack-request-timestamp", "x-slack-signature")

SERVER = """
import json, os, sys
from bot.app import build_app
from bot.config import Settings
from bot.devtools.slack_requests import BOT_TOKEN, SIGNING_SECRET, serve_wsgi
from bot.services import Services
from bot.wsgi import create_wsgi_app
from vault.keyring import parse_master_keys

slack_api, database, affinity, queue_limit = sys.argv[1:5]
settings = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=slack_api, database_url=database, affinity_base_url=affinity,
                    listener_queue_limit=int(queue_limit))
services = Services.build(settings, keyring=parse_master_keys(os.environ["VAULT_MASTER_KEYS"]))
server, url = serve_wsgi(create_wsgi_app(build_app(settings, services), services))
print(json.dumps({"url": url}), flush=True)
sys.stdin.read()
server.shutdown()
services.close()
"""


class RoundRobinProxy:
    """A WSGI load balancer: each request goes to the next backend in turn, as it came."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.served: Counter[str] = Counter()
        self._next = itertools.cycle(backends)
        self._lock = threading.Lock()
        self.http = httpx.Client(timeout=15, limits=httpx.Limits(max_connections=4 * SENDERS))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self._lock:
            backend = next(self._next)
            self.served[backend] += 1
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            name: environ[key]
            for name in (*FORWARDED_HEADERS, "x-slack-retry-num", "x-slack-retry-reason")
            if (key := _environ_key(name)) in environ
        }
        answer = self.http.request(
            environ["REQUEST_METHOD"],
            backend + environ.get("PATH_INFO", "/"),
            content=body,
            headers=headers,
        )
        start_response(
            f"{answer.status_code} {answer.reason_phrase}",
            [("Content-Type", answer.headers.get("content-type", "text/plain"))],
        )
        return [answer.content]


def _environ_key(header: str) -> str:
    name = header.upper().replace("-", "_")
    return name if name == "CONTENT_TYPE" else "HTTP_" + name


@pytest.fixture
def proxied_processes(postgres_url, fake_slack, sandbox) -> Iterator[RoundRobinProxy]:
    upgrade_all(postgres_url)
    env = {**os.environ, "VAULT_MASTER_KEYS": generate_key_entry("scale"), "LOG_LEVEL": "ERROR"}
    args = [fake_slack.api_url, postgres_url, sandbox.base_url, str(COMMANDS)]
    started = [
        subprocess.Popen(
            [sys.executable, "-c", SERVER, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(PROCESSES)
    ]
    try:
        proxy = RoundRobinProxy([json.loads(p.stdout.readline())["url"] for p in started])
        server, proxy.url = serve_wsgi(proxy)
        try:
            yield proxy
        finally:
            server.shutdown()
            proxy.http.close()
    finally:
        for process in started:
            process.stdin.close()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_burst_through_three_processes_is_answered_once_per_command(
    proxied_processes, fake_slack
):
    # Slow: about 20-40 s on two cores (three app processes serve 1,100 requests).
    proxy = proxied_processes
    slack = SlackRequests(proxy.url, fake_slack, http=httpx.Client(timeout=15))
    payloads = [slack.as_user(f"U{n % 50:08d}").command_payload("help") for n in range(COMMANDS)]
    # A retry follows its original closely (Slack retries after a missing or slow ack), and so
    # is sent concurrently with it, to the next process in the proxy's turn.
    step = COMMANDS // RETRIED
    deliveries: list[tuple[dict[str, Any], int | None]] = []
    for n, payload in enumerate(payloads):
        deliveries.append((payload, None))
        if n % step == 0:
            deliveries.append((payload, 1))

    def send(delivery: tuple[dict[str, Any], int | None]) -> int:
        payload, retry = delivery
        return slack.command(payload=payload, retry_num=retry).status_code

    with ThreadPoolExecutor(SENDERS) as pool:
        statuses = list(pool.map(send, deliveries))
    slack.http.close()

    assert statuses == [200] * (COMMANDS + RETRIED)
    assert min(proxy.served.values()) >= (COMMANDS + RETRIED) // PROCESSES - 1
    expected = {p["response_url"].rsplit("/", 1)[-1] for p in payloads}
    answered = lambda: Counter(c.response_id for c in fake_slack.responses())  # noqa: E731
    assert wait_until(lambda: set(answered()) >= expected, timeout=60)
    time.sleep(1.0)  # a second answer to any of them would have come by now
    counts = answered()
    assert set(counts) == expected
    twice = {response_id: n for response_id, n in counts.items() if n != 1}
    assert twice == {}
    texts = {c.text for c in fake_slack.responses()[:5]}
    assert all("/affinity" in text for text in texts)  # the help text, not an apology
