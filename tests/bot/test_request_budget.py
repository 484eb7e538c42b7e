"""One key's Affinity budget holds across processes sharing one PostgreSQL.

Four workers stand for four bot processes: each has its own engine, its own `RequestBudgets`
and its own client for the same key (threads, not OS processes, to keep the test short; nothing
is shared between them but the database and the key). The sandbox enforces a small per-minute
limit that it also reports in `X-Ratelimit-Limit-User`.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine

from affinity_client import AffinityClient, AffinityError
from affinity_client.retry import RetryPolicy
from affinity_client.sandbox import seed
from bot.budget import RequestBudgets
from bot.database import upgrade_all
from tests.client.sandbox_helpers import clear_log, request_log

PER_MINUTE = 60  # a bucket of 6, refilled at 0.9 a second
BURST = 6
REFILL_PER_SECOND = 0.9
WORKERS = 4
SECONDS = 2.5


def _client(sandbox, budgets: RequestBudgets) -> AffinityClient:
    return AffinityClient(
        seed.ADMIN_KEY,
        sandbox.base_url,
        limiter=budgets.limiter(seed.ADMIN_KEY),
        max_call_seconds=0.8,
        retry=RetryPolicy(max_attempts=1),
    )


def test_four_processes_with_one_key_stay_under_its_limit_together(sandbox, postgres_url):
    upgrade_all(postgres_url)
    with sandbox.state.lock:
        sandbox.state.controls.enforce_rate_limit = True
        sandbox.state.controls.user_limit_per_minute = PER_MINUTE
    first = RequestBudgets(create_engine(postgres_url))
    _client(sandbox, first).whoami()  # Affinity's answer names the limit; the row follows it
    clear_log(sandbox)
    sent, refused = [0] * WORKERS, [0] * WORKERS

    def work(n: int) -> None:
        engine = create_engine(postgres_url)  # a process of its own: its own engine and budget
        client = _client(sandbox, RequestBudgets(engine))
        stop = time.monotonic() + SECONDS
        try:
            while time.monotonic() < stop:
                try:
                    client.whoami()
                    sent[n] += 1
                except AffinityError:  # refused here, or the call's time ran out waiting
                    refused[n] += 1
        finally:
            engine.dispose()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    answered = request_log(sandbox)
    assert [r["status"] for r in answered].count(429) == 0  # Affinity never had to refuse
    # Together, never faster than the key's budget: the bucket, then its refill (each process
    # alone would have sent up to PER_MINUTE).
    assert BURST + 1 <= len(answered) <= BURST + REFILL_PER_SECOND * (SECONDS + 1)
    assert sum(sent) >= BURST
    assert sum(refused) > 0  # the workers wanted more than the budget gives


def test_sqlite_keeps_a_limiter_per_process(tmp_path):
    budgets = RequestBudgets(create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"))

    assert budgets.limiter(seed.ADMIN_KEY) is None


@pytest.fixture(autouse=True)
def _fresh_process_limiters():
    from affinity_client.ratelimit import reset_limiters

    reset_limiters()
    yield
    reset_limiters()
