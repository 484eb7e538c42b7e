"""The per-minute budget follows what Affinity reports: lowercase `x-ratelimit-*` headers on
every answer and `GET /v2/rate-limit` (V1 `/rate-limit` for keys on an older V2 version)."""

from __future__ import annotations

from affinity_client.ratelimit import RateLimitSnapshot, reset_limiters

from .fakes import FakeTime, Router, make_client, ok
from .sandbox_helpers import client_for, request_log


def test_the_budget_is_read_from_v2_rate_limit(sandbox, admin_key):
    with client_for(sandbox, admin_key) as client:
        client.get("/lists")
        snap = client.fetch_rate_limit()
    assert (snap.user_limit, snap.user_remaining) == (900, 898)
    assert snap.org_limit == 100_000 and isinstance(snap.org_remaining, int)
    assert [r["path"] for r in request_log(sandbox)] == ["/lists", "/v2/rate-limit"]


def test_without_a_monthly_cap_there_is_no_org_budget_and_a_429_is_retried(sandbox, admin_key):
    sandbox.state.set_monthly_cap(False)
    sandbox.state.force_rate_limit(admin_key, 1)
    with client_for(sandbox, admin_key) as client:
        assert client.get("/lists")  # the 429 is a minute limit: waited out, not a quota error
        assert client.rate_limit.org_limit is None and client.rate_limit.user_limit == 900
        assert client.fetch_rate_limit().org_remaining is None
    assert [r["status"] for r in request_log(sandbox)] == [429, 200, 200]


def _v2_body(limit: int) -> dict:
    return {"callerPerMinute": {"limit": limit, "remaining": limit - 1, "reset": 60, "used": 1}}


def test_a_lower_reported_limit_slows_the_client_down():
    reset_limiters()
    time = FakeTime()
    router = Router({("GET", "/v2/rate-limit"): ok(_v2_body(3)), ("GET", "/lists"): ok([])})
    client = make_client(
        router, time=time, key="budget-key", requests_per_minute=None, max_call_seconds=120
    )
    assert client.fetch_rate_limit().user_limit == 3
    client.get("/lists")
    client.get("/lists")
    assert time.sleeps == []
    client.get("/lists")  # the fourth request in the minute waits for a slot
    assert time.sleeps and sum(time.sleeps) >= 59
    reset_limiters()


def test_a_key_on_an_older_version_falls_back_to_v1_rate_limit():
    v1_body = {
        "rate": {
            "org_monthly": {"limit": "unlimited", "remaining": "unlimited", "reset": 9, "used": 3},
            "api_key_per_minute": {"limit": 600, "remaining": 590, "reset": 20, "used": 10},
        }
    }
    router = Router({("GET", "/rate-limit"): ok(v1_body)})  # /v2/rate-limit: 404
    snap = make_client(router).fetch_rate_limit()
    assert snap == RateLimitSnapshot(600, 590, 20, "unlimited", "unlimited", 9)
    assert [r.url.path for r in router.requests] == ["/v2/rate-limit", "/rate-limit"]


def test_headers_in_lower_case_without_org_headers():
    snap = RateLimitSnapshot.from_headers(
        {
            "x-ratelimit-limit-user": "300",
            "x-ratelimit-limit-user-remaining": "299",
            "x-ratelimit-limit-user-reset": "42",
        }
    )
    assert snap == RateLimitSnapshot(300, 299, 42, None, None, None)
