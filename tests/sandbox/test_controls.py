"""Fault and state controls under /_sandbox/, and the headers every answer carries."""

from __future__ import annotations

import time

from affinity_client.sandbox import seed

from .helpers import anonymous, v1, v2
from .spec import RATE_LIMIT_HEADERS


def _control(sandbox, verb: str, endpoint: str, **body):
    return anonymous(sandbox).request(verb, f"/_sandbox/{endpoint}", json=body or None)


def test_users_are_listed_with_their_keys(sandbox):
    users = _control(sandbox, "GET", "users").json()["users"]
    assert [(u["role"], u["revoked"], u["api_version"]) for u in users] == [
        ("admin", False, "2026-07-15"),
        ("standard", False, "2026-07-15"),
        ("revoked", True, "2026-07-15"),
        ("restricted", False, "2026-07-15"),
        ("standard", False, "2024-01-01"),
    ]
    assert users[0]["api_key"] == seed.ADMIN_KEY


def test_revoke_and_restore_a_key(sandbox, standard_key):
    client = v1(sandbox, standard_key)
    assert _control(sandbox, "POST", "keys/revoke", key=standard_key).status_code == 200
    assert client.get("/auth/whoami").status_code == 401
    assert v2(sandbox, standard_key).get("/v2/auth/whoami").status_code == 401
    _control(sandbox, "POST", "keys/restore", key=standard_key)
    assert client.get("/auth/whoami").status_code == 200
    assert _control(sandbox, "POST", "keys/revoke", key="nope").status_code == 404


def test_forced_429s_then_recovery(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    _control(sandbox, "POST", "faults/rate-limit", key=admin_key, count=2)
    first, second, third = (client.get("/lists") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert int(first.headers["retry-after"]) > 0
    assert first.json() == {"message": "Too many requests: rate limit exceeded"}


def test_enforced_budget_of_900_per_minute(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    _control(sandbox, "POST", "faults/rate-limit", enforce=True)
    assert client.get("/lists").headers["x-ratelimit-limit-user-remaining"] == "899"
    sandbox.state.controls.window_used[admin_key] = 900
    limited = client.get("/lists")
    assert limited.status_code == 429
    assert limited.headers["x-ratelimit-limit-user-remaining"] == "0"


def test_injected_server_errors_by_method_and_path(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    _control(
        sandbox, "POST", "faults/error", method="GET", path="/v2/persons*", status=503, count=2
    )
    assert client.get("/v2/persons/2001").status_code == 503
    assert client.get("/v2/lists").status_code == 200
    failed = client.get("/v2/persons")
    assert failed.status_code == 503
    assert failed.json()["errors"][0]["code"] == "server"
    assert client.get("/v2/persons").status_code == 200


def test_latency_per_path(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    _control(sandbox, "POST", "faults/latency", ms=150, path="/persons*")
    started = time.perf_counter()
    client.get("/persons/2001")
    slow = time.perf_counter() - started
    started = time.perf_counter()
    client.get("/lists")
    fast = time.perf_counter() - started
    assert slow >= 0.15 > fast
    _control(sandbox, "DELETE", "faults")
    started = time.perf_counter()
    client.get("/persons/2001")
    assert time.perf_counter() - started < 0.15


def test_request_log_read_and_cleared(sandbox, admin_key):
    v1(sandbox, admin_key, style="bearer").get("/persons?term=jane")
    v2(sandbox, admin_key).get("/v2/lists")
    anonymous(sandbox).get("/lists")
    log = _control(sandbox, "GET", "requests").json()["requests"]
    assert [(r["method"], r["path"], r["auth"], r["status"]) for r in log] == [
        ("GET", "/persons", "bearer", 200),
        ("GET", "/v2/lists", "bearer", 200),
        ("GET", "/lists", "none", 401),
    ]
    assert log[0]["query"] == "term=jane"
    assert sandbox.state.request_count(path_prefix="/v2/") == 1
    _control(sandbox, "DELETE", "requests")
    assert sandbox.state.request_count() == 0


def test_reset_restores_the_seed(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    client.post("/notes", json={"content": "x", "person_ids": [seed.JANE_ID]})
    _control(sandbox, "POST", "keys/revoke", key=admin_key)
    assert _control(sandbox, "POST", "reset").status_code == 200
    assert client.get("/auth/whoami").status_code == 200
    counts = _control(sandbox, "GET", "state").json()
    started = time.perf_counter()
    sandbox.reset()
    # generous bound (about 0.1 s unloaded): fast enough to reset before every test, even on
    # a loaded CI machine
    assert time.perf_counter() - started < 2.0
    assert _control(sandbox, "GET", "state").json() == counts


def test_rate_limit_headers_on_every_answer(sandbox, admin_key):
    answers = [
        v1(sandbox, admin_key).get("/persons/1"),
        anonymous(sandbox).get("/lists"),
        v2(sandbox, admin_key).get("/v2/nowhere"),
        v1(sandbox, admin_key).get("/lists"),
        v1(sandbox, admin_key).get("/rate-limit"),
    ]
    for response in answers:
        for name in RATE_LIMIT_HEADERS:
            assert int(response.headers[name]) >= 0, (response.url, name)
    assert [r.status_code for r in answers] == [404, 401, 404, 200, 200]


def test_seed_has_what_demos_and_benchmarks_need(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    big = client.get(f"/organizations/{seed.BIG_ORG_ID}").json()
    assert len(big["person_ids"]) >= 50
    names = {item["name"]: item for item in client.get("/lists").json()}
    assert names["Deal Flow"]["list_size"] == seed.DEAL_FLOW_SIZE >= 500
    assert {
        "Series A Pipeline",
        "Seed Pipeline",
        "LP Fundraise",
        "Founders to Watch",
        "Portfolio",
        "Co-investors",
    } <= names.keys()
    jane = client.get(f"/persons/{seed.JANE_ID}").json()
    assert jane["primary_email"] == seed.JANE_EMAIL
    assert jane["organization_ids"][0] == seed.ACME_ORG_ID  # then a former employer
    current = client.get(
        f"/persons/{seed.JANE_ID}", params={"with_current_organizations": "true"}
    ).json()
    assert current["current_organization_ids"] == [seed.ACME_ORG_ID]
    assert len(current["organization_ids"]) == 2


def test_monthly_quota_refuses_counted_requests_until_faults_are_cleared(sandbox, admin_key):
    # reference/affinity-api.md §3: a used-up monthly quota is a 429 with no org requests left,
    # resetting at the end of the calendar month; whoami and /rate-limit are exempt.
    client, modern = v1(sandbox, admin_key), v2(sandbox, admin_key)
    assert _control(sandbox, "POST", "faults/monthly-quota").status_code == 200
    refused = client.get("/lists")
    assert refused.status_code == 429
    assert refused.headers["x-ratelimit-limit-org-remaining"] == "0"
    assert int(refused.headers["x-ratelimit-limit-org-reset"]) > 0
    assert refused.headers["retry-after"] == refused.headers["x-ratelimit-limit-org-reset"]
    assert modern.get("/v2/lists").json()["errors"][0]["code"] == "rate-limit"
    assert client.get("/auth/whoami").status_code == 200
    assert modern.get("/v2/auth/whoami").status_code == 200
    assert client.get("/rate-limit").json()["rate"]["org_monthly"]["remaining"] == 0
    _control(sandbox, "DELETE", "faults")
    assert client.get("/lists").status_code == 200


def test_whoami_and_rate_limit_are_not_counted_against_the_month(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    before = int(client.get("/lists").headers["x-ratelimit-limit-org-remaining"])
    client.get("/auth/whoami")
    v2(sandbox, admin_key).get("/v2/auth/whoami")
    used = client.get("/rate-limit").json()["rate"]["org_monthly"]["used"]
    after = int(client.get("/lists").headers["x-ratelimit-limit-org-remaining"])
    assert after == before - 1 and used == 1


def test_replication_lag_hides_v1_creations_from_v2_for_a_while(sandbox, admin_key):
    # reference/affinity-api.md §7.4: what V1 creates can 404 in V2 for roughly 100-500 ms.
    assert _control(sandbox, "POST", "faults/replication-lag", ms=400).status_code == 200
    made = (
        v1(sandbox, admin_key)
        .post(
            "/opportunities",
            json={"name": "Lagging deal", "list_id": seed.LISTS["Series A Pipeline"]},
        )
        .json()
    )
    entry = made["list_entries"][0]
    modern = v2(sandbox, admin_key)
    assert modern.get(f"/v2/opportunities/{made['id']}").status_code == 404
    entry_path = f"/v2/lists/{entry['list_id']}/list-entries/{entry['id']}"
    assert modern.get(entry_path).json()["errors"][0]["code"] == "not-found"
    assert modern.get(f"/v2/opportunities/{seed.ACME_DEAL_ID}").status_code == 200
    time.sleep(0.45)
    assert modern.get(f"/v2/opportunities/{made['id']}").status_code == 200
    assert _control(sandbox, "POST", "faults/replication-lag", ms=-1).status_code == 400


def test_a_held_request_waits_until_released_by_its_gate_or_by_clearing_faults(sandbox):
    import threading
    import time

    import httpx

    from affinity_client.sandbox import seed

    def held_answer(release) -> list[int]:
        answered: list[int] = []

        def ask() -> None:
            got = httpx.get(f"{sandbox.base_url}/lists", auth=("", seed.ADMIN_KEY), timeout=10)
            answered.append(got.status_code)

        worker = threading.Thread(target=ask)
        worker.start()
        time.sleep(0.3)
        assert answered == []  # still held
        release()
        worker.join(5)
        return answered

    gate = sandbox.state.hold("/lists*")
    assert held_answer(gate.set) == [200]
    sandbox.state.hold("/lists*")
    assert held_answer(sandbox.state.clear_faults) == [200]
