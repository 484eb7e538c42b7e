"""The account's monthly quota against the per-minute limit: told apart, never retried, and
said in one line with the reset date; the per-minute budget follows what Affinity reports."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from affinity_client import MonthlyQuotaError, RateLimitedError, run_tool
from affinity_client.errors import monthly_quota_text

from .fakes import FakeTime, Router, make_client, ok
from .sandbox_helpers import Sleeps, client_for, control, count, request_log


def test_a_used_up_monthly_quota_fails_at_once_with_the_reset_date(sandbox, admin_key):
    sleeps = Sleeps()
    client = client_for(sandbox, admin_key, sleep=sleeps)
    control(sandbox, "faults/monthly-quota", {})
    started = time.monotonic()
    with pytest.raises(MonthlyQuotaError) as info:
        run_tool(client, "affinity_search_persons", {"term": "a"})
    assert time.monotonic() - started < 3
    assert sleeps == []  # no retry, no wait
    assert count(request_log(sandbox), "GET", "/persons") == 1
    text = str(info.value)
    assert "monthly Affinity API quota is used up" in text
    reset = info.value.resets_at
    assert reset is not None and reset.day == 1 and reset > datetime.now(UTC)
    assert f"{reset:%B} 1" in text
    assert isinstance(info.value, RateLimitedError)


def test_after_the_fault_is_cleared_the_same_client_works_again(sandbox, admin_key):
    client = client_for(sandbox, admin_key)
    control(sandbox, "faults/monthly-quota", {})
    with pytest.raises(MonthlyQuotaError):
        client.get("/lists")
    assert client.whoami()["user"]["id"]  # exempt from the monthly quota, as in Affinity
    httpx.delete(f"{sandbox.base_url}/_sandbox/faults", timeout=5).raise_for_status()
    assert isinstance(client.get("/lists"), list)


def test_a_per_minute_429_is_still_retried():
    time_ = FakeTime()
    headers = {"x-ratelimit-limit-user-reset": "2", "x-ratelimit-limit-org-remaining": "5000"}
    router = Router({("GET", "/lists"): [ok({"message": "slow down"}, 429, headers), ok([])]})
    assert make_client(router, time=time_).get("/lists") == []
    assert len(router.requests) == 2 and time_.sleeps


def test_the_message_without_a_reset_header_says_next_month():
    now = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    assert monthly_quota_text(None, now).endswith("at the start of next month.")
    text = monthly_quota_text(now + timedelta(hours=6), now)
    assert "on December 1, 00:00 UTC (in about 6 h)" in text


def test_the_per_minute_budget_follows_x_ratelimit_limit_user():
    time_ = FakeTime()
    headers = {"x-ratelimit-limit-user": "2", "x-ratelimit-limit-user-remaining": "1"}
    router = Router({("GET", "/lists"): ok([], headers=headers)})
    client = make_client(
        router, time=time_, key="follow-budget-key", requests_per_minute=None, max_call_seconds=120
    )
    for _ in range(3):
        client.get("/lists")
    assert time_.sleeps and time_.sleeps[0] == pytest.approx(60)  # the third waited a minute
