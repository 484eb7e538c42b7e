"""The HTTP layer: auth, pagination, retries, time bound, budgets, secrecy."""

from __future__ import annotations

import base64

import httpx
import pytest

from affinity_client import (
    AffinityClient,
    AffinityTransportError,
    RateLimitedError,
    ServerError,
    UnknownOutcomeError,
)
from affinity_client.ratelimit import SlidingWindowLimiter, limiter_for_key

from .fakes import KEY, FakeTime, Router, fixture, make_client, ok, raising


def test_v1_basic_auth_has_empty_user_and_key_as_password():
    router = Router({("GET", "/persons"): ok({"persons": [], "next_page_token": None})})
    make_client(router).get("/persons", {"term": "x"})
    auth = router.requests[0].headers["authorization"]
    assert auth == "Basic " + base64.b64encode(f":{KEY}".encode()).decode()
    assert "x-affinity-api-version" not in router.requests[0].headers
    assert router.requests[0].headers["user-agent"].startswith("affinity-for-slack/")


def test_v1_bearer_mode_and_v2_always_bearer_with_pinned_version():
    router = Router({("GET", "/lists"): ok([]), ("GET", "/v2/lists"): ok({"data": []})})
    client = make_client(router, v1_auth="bearer")
    client.get("/lists")
    client.get("/v2/lists")
    assert [r.headers["authorization"] for r in router.requests] == [f"Bearer {KEY}"] * 2
    assert router.requests[1].headers["x-affinity-api-version"] == "2026-07-15"


def test_v2_calls_name_the_configured_api_version():
    router = Router({("GET", "/v2/lists"): ok({"data": []})})
    make_client(router, api_version="2024-01-01").get("/v2/lists")
    assert router.requests[0].headers["x-affinity-api-version"] == "2024-01-01"
    with pytest.raises(ValueError, match="2024-01-01, 2026-07-15"):
        make_client(router, api_version="2026-09-17")


def test_v1_pagination_repeats_params_with_page_token_until_done():
    pages = [
        ok({"persons": [{"id": 1}], "next_page_token": "t1"}),
        ok({"persons": [{"id": 2}], "next_page_token": "t2"}),
        ok({"persons": [], "next_page_token": None}),
    ]
    router = Router({("GET", "/persons"): pages})
    ids = [
        p["id"]
        for p in make_client(router).iter_items(
            "/persons", {"term": "a", "page_size": 1}, items_key="persons"
        )
    ]
    assert ids == [1, 2]
    queries = [dict(r.url.params) for r in router.requests]
    assert queries == [
        {"term": "a", "page_size": "1"},
        {"term": "a", "page_size": "1", "page_token": "t1"},
        {"term": "a", "page_size": "1", "page_token": "t2"},
    ]


def test_v2_pagination_follows_next_url_on_our_own_host():
    next_url = "https://api.affinity.co/v2/lists/7/list-entries?limit=2&fieldTypes=list&cursor=abc"
    router = Router(
        {
            ("GET", "/v2/lists/7/list-entries"): [
                ok({"data": [{"id": 1}, {"id": 2}], "pagination": {"nextUrl": next_url}}),
                ok({"data": [{"id": 3}], "pagination": {"nextUrl": None, "prevUrl": "x"}}),
            ]
        }
    )
    items = list(
        make_client(router).iter_items(
            "/v2/lists/7/list-entries", {"limit": 2, "fieldTypes": ["list"]}
        )
    )
    assert [i["id"] for i in items] == [1, 2, 3]
    second = router.requests[1].url
    assert second.host == "api.test"  # the key is never sent to another host
    assert dict(second.params) == {"limit": "2", "fieldTypes": "list", "cursor": "abc"}


def test_v2_list_params_repeat_the_name():
    router = Router({("GET", "/v2/persons"): ok({"data": []})})
    make_client(router).get("/v2/persons", {"ids": [1, 2, 3]})
    assert router.requests[0].url.params.get_list("ids") == ["1", "2", "3"]


def test_429_then_success_honours_retry_after():
    time = FakeTime()
    router = Router(
        {
            ("GET", "/lists"): [
                ok({"message": "slow down"}, 429, {"Retry-After": "2"}),
                ok([{"id": 1}]),
            ]
        }
    )
    assert make_client(router, time=time).get("/lists") == [{"id": 1}]
    assert len(router.requests) == 2
    assert 2 <= time.sleeps[0] < 2.2


def test_429_falls_back_to_user_reset_header():
    time = FakeTime()
    router = Router(
        {
            ("GET", "/lists"): [
                ok(
                    {"errors": [{"code": "rate-limit", "message": "x"}]},
                    429,
                    {"x-ratelimit-limit-user-reset": "7"},
                ),
                ok([]),
            ]
        }
    )
    make_client(router, time=time).get("/lists")
    assert 7 <= time.sleeps[0] < 7.2


def test_429_on_a_write_is_retried_because_it_was_not_processed():
    router = Router(
        {("POST", "/notes"): [ok({"message": "x"}, 429, {"Retry-After": "1"}), ok({"id": 5})]}
    )
    assert make_client(router).post("/notes", {"content": "x"}) == {"id": 5}
    assert len(router.requests) == 2


def test_429_exhausted_raises_rate_limited_with_retry_after():
    router = Router({("GET", "/lists"): ok({"message": "x"}, 429, {"Retry-After": "3"})})
    with pytest.raises(RateLimitedError) as info:
        make_client(router).get("/lists")
    assert info.value.retry_after == 3
    assert len(router.requests) == 4


def test_5xx_on_a_read_is_retried():
    router = Router({("GET", "/lists"): [ok({"message": "boom"}, 503), ok([])]})
    assert make_client(router).get("/lists") == []
    assert len(router.requests) == 2


def test_5xx_on_a_read_surfaces_as_server_error_after_retries():
    router = Router({("GET", "/lists"): ok({"message": "boom"}, 500)})
    with pytest.raises(ServerError) as info:
        make_client(router).get("/lists")
    assert info.value.status == 500 and len(router.requests) == 4


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_on_a_post_is_unknown_outcome_and_sent_once(status):
    router = Router({("POST", "/notes"): ok({"message": "boom"}, status)})
    with pytest.raises(UnknownOutcomeError) as info:
        make_client(router).post("/notes", {"content": "x"}, operation="create note")
    assert len(router.requests) == 1
    assert info.value.operation == "create note" and info.value.status == status


def test_timed_out_write_is_unknown_outcome_and_sent_exactly_once():
    router = Router({("POST", "/opportunities"): raising(httpx.ReadTimeout("slow"))})
    with pytest.raises(UnknownOutcomeError):
        make_client(router).post("/opportunities", {"name": "x", "list_id": 1})
    assert len(router.requests) == 1


def test_dropped_connection_on_write_is_unknown_outcome():
    router = Router({("PUT", "/opportunities/1"): raising(httpx.RemoteProtocolError("gone"))})
    with pytest.raises(UnknownOutcomeError):
        make_client(router).put("/opportunities/1", {"name": "x"})
    assert len(router.requests) == 1


def test_idempotent_write_is_retried_on_5xx():
    path = "/v2/lists/1/list-entries/2/fields/field-3"
    router = Router({("POST", path): [ok({"errors": []}, 502), httpx.Response(204)]})
    assert make_client(router).post(path, {"value": {}}, idempotent=True) is None
    assert len(router.requests) == 2


def test_connect_error_is_retried_even_for_writes_since_nothing_was_sent():
    router = Router({("POST", "/notes"): [raising(httpx.ConnectError("refused")), ok({"id": 1})]})
    assert make_client(router).post("/notes", {"content": "x"}) == {"id": 1}
    assert len(router.requests) == 2


def test_read_timeout_on_get_is_retried_then_transport_error():
    router = Router({("GET", "/lists"): raising(httpx.ReadTimeout("slow"))})
    with pytest.raises(AffinityTransportError):
        make_client(router).get("/lists")
    assert len(router.requests) == 4


def test_total_time_is_bounded_and_last_error_surfaces():
    time = FakeTime()
    router = Router({("GET", "/lists"): ok({"message": "x"}, 429, {"Retry-After": "20"})})
    with pytest.raises(RateLimitedError):
        make_client(router, time=time, max_call_seconds=10).get("/lists")
    assert len(router.requests) == 1 and time.sleeps == []


def test_rate_limit_snapshot_reads_headers_any_case_and_unlimited():
    headers = {
        "X-Ratelimit-Limit-User": "900",
        "x-ratelimit-limit-user-remaining": "899",
        "x-ratelimit-limit-user-reset": "41",
        "x-ratelimit-limit-org": "unlimited",
        "x-ratelimit-limit-org-remaining": "unlimited",
        "x-ratelimit-limit-org-reset": "9",
    }
    client = make_client(Router({("GET", "/lists"): ok([], headers=headers)}))
    client.get("/lists")
    snap = client.rate_limit
    assert (snap.user_limit, snap.user_remaining, snap.user_reset_seconds) == (900, 899, 41)
    assert snap.org_limit == "unlimited" and snap.org_remaining == "unlimited"


def test_sliding_window_limiter_caps_requests_per_window():
    now = [0.0]
    limiter = SlidingWindowLimiter(limit=3, window=60, clock=lambda: now[0])
    assert [limiter.try_acquire() for _ in range(3)] == [0, 0, 0]
    assert limiter.try_acquire() == pytest.approx(60)
    now[0] = 60.0
    assert limiter.try_acquire() == 0


def test_limiter_is_shared_per_key_and_keyed_by_a_hash():
    assert limiter_for_key("key-a", 7) is limiter_for_key("key-a", 7)
    assert limiter_for_key("key-a", 7) is not limiter_for_key("key-b", 7)
    from affinity_client import ratelimit

    assert all("key-a" not in fp for fp, _ in ratelimit._registry)


def test_client_waits_for_the_limiter_instead_of_exceeding_it():
    time = FakeTime()
    router = Router({("GET", "/lists"): ok([])})
    kw = {
        "time": time,
        "key": "limiter-test-key",
        "requests_per_minute": 2,
        "max_call_seconds": 120,
    }
    client, other = make_client(router, **kw), make_client(router, **kw)
    client.get("/lists")
    other.get("/lists")
    client.get("/lists")  # third in the same minute, across both clients: waits
    assert time.sleeps and time.sleeps[0] == pytest.approx(60)
    assert len(router.requests) == 3


def test_limiter_wait_beyond_the_call_bound_raises_without_sending():
    time = FakeTime()
    router = Router({("GET", "/lists"): ok([])})
    client = make_client(
        router, time=time, key="limiter-bound-key", requests_per_minute=1, max_call_seconds=10
    )
    client.get("/lists")
    with pytest.raises(RateLimitedError):
        client.get("/lists")
    assert len(router.requests) == 1


def test_key_never_in_repr_or_error_text():
    router = Router({("GET", "/lists"): ok({"message": f"bad key {KEY}"}, 401)})
    client = make_client(router)
    assert KEY not in repr(client) and KEY not in str(client)
    with pytest.raises(Exception) as info:
        client.get("/lists")
    assert KEY not in str(info.value) and KEY not in repr(info.value)


def test_whoami_is_normalised_from_v1_shape():
    router = Router({("GET", "/auth/whoami"): ok(fixture("auth/whoami/whoami"))})
    me = make_client(router).whoami()
    assert set(me) == {"user", "tenant"}
    assert set(me["user"]) == {"id", "name", "email"} and me["user"]["name"]
    assert set(me["tenant"]) == {"id", "name", "subdomain"}


def test_context_manager_closes_the_pool():
    with make_client(Router()) as client:
        assert isinstance(client, AffinityClient)
    assert client._http.is_closed


def test_empty_key_is_refused():
    with pytest.raises(ValueError):
        AffinityClient("  ")


def test_key_never_in_logs_even_when_retrying_and_failing(caplog):
    caplog.set_level("DEBUG")
    router = Router(
        {
            ("GET", "/lists"): [ok({"message": "x"}, 503), ok([])],
            ("POST", "/notes"): raising(httpx.ReadTimeout("slow")),
        }
    )
    client = make_client(router)
    client.get("/lists")
    with pytest.raises(UnknownOutcomeError):
        client.post("/notes", {"content": "x"})
    assert "retrying" in caplog.text and "outcome unknown" in caplog.text
    assert KEY not in caplog.text
    assert base64.b64encode(f":{KEY}".encode()).decode() not in caplog.text
