"""V2 webhooks (2026-07-15): own webhooks unless allowed to manage all, a test delivery before a
URL is accepted, the instance's limit; every answer validates against that spec."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from affinity_client.sandbox import seed

from .helpers import v1, v2
from .spec import SPEC_2026, validate_v2

ONE = "/v2/webhooks/{webhookId}"


class Receiver:
    """A loopback endpoint that records deliveries and answers `status`."""

    def __init__(self) -> None:
        self.status = 200
        self.deliveries: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.deliveries.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture(autouse=True)
def _fresh(receiver: Receiver) -> None:
    receiver.status = 200
    receiver.deliveries.clear()


def _create(sandbox, key, url, subscriptions=("person.created",)):
    response = v2(sandbox, key).post(
        "/v2/webhooks", json={"url": url, "subscriptions": list(subscriptions)}
    )
    validate_v2("POST", "/v2/webhooks", response, SPEC_2026)
    return response


def test_create_tests_the_url_then_answers_201(sandbox, standard_key, receiver):
    created = _create(sandbox, standard_key, receiver.url())
    assert created.status_code == 201
    hook = created.json()
    assert hook["status"] == "active" and hook["creator"] == {"id": seed.STANDARD_ID}
    assert hook["subscriptions"] == ["person.created"] and hook["updatedAt"] is None
    assert [d["type"] for d in receiver.deliveries] == ["sample.webhook"]
    one = v2(sandbox, standard_key).get(f"/v2/webhooks/{hook['id']}")
    validate_v2("GET", ONE, one, SPEC_2026)
    assert one.json() == hook


def test_a_url_that_fails_its_test_delivery_is_refused(sandbox, admin_key, receiver):
    receiver.status = 500
    failing = _create(sandbox, admin_key, receiver.url())
    assert failing.status_code == 400
    assert failing.json()["errors"][0]["param"] == "url"
    closed = _create(sandbox, admin_key, "http://127.0.0.1:9/nothing-listens")
    assert closed.status_code == 400
    for url in ("ftp://example.com/x", "https://user:pw@example.com/x", "not a url"):
        bad = _create(sandbox, admin_key, url)
        assert bad.status_code == 400 and bad.json()["errors"][0]["param"] == "url"
    assert len(receiver.deliveries) == 1  # only the reachable URL was tried
    assert v2(sandbox, admin_key).get("/v2/webhooks").json()["data"] == []


def test_subscription_types_are_the_specs_enum(sandbox, admin_key, receiver):
    bad = _create(sandbox, admin_key, receiver.url(), ["person.exploded"])
    assert bad.status_code == 400 and bad.json()["errors"][0]["param"] == "subscriptions"
    everything = _create(sandbox, admin_key, receiver.url(), [])
    assert everything.status_code == 201 and everything.json()["subscriptions"] == []


def test_urls_are_unique_and_the_instance_holds_three(sandbox, admin_key, standard_key, receiver):
    assert _create(sandbox, admin_key, receiver.url("/a")).status_code == 201
    taken = _create(sandbox, standard_key, receiver.url("/a"))
    assert taken.status_code == 400 and taken.json()["errors"][0]["param"] == "url"
    assert _create(sandbox, standard_key, receiver.url("/b")).status_code == 201
    assert _create(sandbox, standard_key, receiver.url("/c")).status_code == 201
    full = _create(sandbox, standard_key, receiver.url("/d"))
    assert full.status_code == 400
    assert full.json()["errors"][0]["code"] == "bad-request"
    assert "param" not in full.json()["errors"][0]


def test_each_user_sees_their_own_webhooks_and_the_admin_sees_all(
    sandbox, admin_key, standard_key, receiver
):
    mine = _create(sandbox, standard_key, receiver.url("/mine")).json()
    admins = _create(sandbox, admin_key, receiver.url("/admins")).json()
    standard = v2(sandbox, standard_key)
    page = standard.get("/v2/webhooks", params={"totalCount": "true"})
    validate_v2("GET", "/v2/webhooks", page, SPEC_2026)
    assert [w["id"] for w in page.json()["data"]] == [mine["id"]]
    assert page.json()["pagination"]["totalCount"] == 1
    for method in ("GET", "DELETE"):
        hidden = standard.request(method, f"/v2/webhooks/{admins['id']}")
        assert hidden.status_code == 404
        validate_v2(method, ONE, hidden, SPEC_2026)
    hidden_update = standard.post(f"/v2/webhooks/{admins['id']}", json={"status": "disabled"})
    assert hidden_update.status_code == 404
    everything = v2(sandbox, admin_key).get("/v2/webhooks")
    assert [w["id"] for w in everything.json()["data"]] == [mine["id"], admins["id"]]
    filtered = v2(sandbox, admin_key).get("/v2/webhooks", params={"filter": f"id={admins['id']}"})
    assert [w["id"] for w in filtered.json()["data"]] == [admins["id"]]
    later = v2(sandbox, admin_key).get(
        "/v2/webhooks", params={"filter": "createdAt>=2100-01-01T00:00:00Z"}
    )
    assert later.json()["data"] == []
    deleted = v2(sandbox, admin_key).delete(f"/v2/webhooks/{mine['id']}")
    assert deleted.status_code == 204
    validate_v2("DELETE", ONE, deleted, SPEC_2026)
    assert standard.get("/v2/webhooks").json()["data"] == []


def test_update_retests_the_url_only_when_it_must(sandbox, standard_key, receiver):
    client = v2(sandbox, standard_key)
    hook = _create(sandbox, standard_key, receiver.url("/one")).json()
    path = f"/v2/webhooks/{hook['id']}"
    receiver.deliveries.clear()
    disabled = client.post(path, json={"status": "disabled", "subscriptions": ["note.created"]})
    assert disabled.status_code == 204
    validate_v2("POST", ONE, disabled, SPEC_2026)
    assert receiver.deliveries == []
    moved = client.post(path, json={"url": receiver.url("/two")})  # disabled: no test
    assert moved.status_code == 204 and receiver.deliveries == []
    receiver.status = 404
    refused = client.post(path, json={"status": "active"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["param"] == "url"
    validate_v2("POST", ONE, refused, SPEC_2026)
    assert client.get(path).json()["status"] == "disabled"
    receiver.status = 204
    assert client.post(path, json={"status": "active"}).status_code == 204
    now = client.get(path).json()
    assert now["status"] == "active" and now["url"] == receiver.url("/two")
    assert now["subscriptions"] == ["note.created"] and now["updatedAt"] is not None
    unknown = client.post(path, json={"colour": "red"})
    assert unknown.status_code == 400
    validate_v2("POST", ONE, unknown, SPEC_2026)


# -- deliveries ------------------------------------------------------------------------------


def _act(sandbox, **body):
    answer = httpx.post(f"{sandbox.base_url}/_sandbox/act-as", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _move(sandbox):
    """Daniel (the standard user) moves Acme's deal to IC."""
    body = {"as": "standard", "action": "stage", "opportunity_id": seed.ACME_DEAL_ID, "stage": "IC"}
    return _act(sandbox, **body)


def _flush(sandbox):
    answer = httpx.post(f"{sandbox.base_url}/_sandbox/webhooks/flush", json={}, timeout=15)
    assert answer.status_code == 200


def _events(receiver):
    return [d for d in receiver.deliveries if d["type"] != "sample.webhook"]


def test_a_stage_move_is_delivered_as_affinity_documents_it(sandbox, admin_key, receiver):
    _create(sandbox, admin_key, receiver.url(), ["field_value.updated", "field_value.created"])
    _move(sandbox)
    _flush(sandbox)
    [event] = _events(receiver)
    assert set(event) == {"type", "body", "sent_at"}  # V1's payload: type, body, sent_at
    assert event["type"] in ("field_value.updated", "field_value.created")
    assert isinstance(event["sent_at"], int) and abs(event["sent_at"] - time.time()) < 60
    body = event["body"]
    assert body["entity_id"] == seed.ACME_DEAL_ID and body["list_entry_id"]
    assert body["changer_id"] == seed.STANDARD_ID


def test_only_subscribed_types_reach_a_webhook_and_empty_means_all(sandbox, admin_key, receiver):
    _create(sandbox, admin_key, receiver.url("/entries"), ["list_entry.created"])
    _create(sandbox, admin_key, receiver.url("/all"), [])
    receiver.deliveries.clear()
    _move(sandbox)
    _flush(sandbox)
    assert [d["type"] for d in receiver.deliveries] == ["field_value.updated"]  # /all only
    recorded = httpx.get(f"{sandbox.base_url}/_sandbox/webhooks/deliveries").json()["deliveries"]
    assert [d["url"] for d in recorded] == [receiver.url("/all")]
    assert recorded[0]["attempts"] == [200]


def test_a_receiver_that_is_down_never_breaks_the_write(sandbox, admin_key, receiver):
    _create(sandbox, admin_key, receiver.url(), [])
    receiver.status = 503
    started = time.monotonic()
    answer = _move(sandbox)
    assert answer["status"] < 300 and time.monotonic() - started < 2
    _flush(sandbox)
    recorded = httpx.get(f"{sandbox.base_url}/_sandbox/webhooks/deliveries").json()["deliveries"]
    assert [d["attempts"] for d in recorded] == [[503]]


def test_a_delivery_can_be_sent_again_unchanged(sandbox, admin_key, receiver):
    _create(sandbox, admin_key, receiver.url(), ["field_value.updated"])
    _move(sandbox)
    _flush(sandbox)
    again = httpx.post(f"{sandbox.base_url}/_sandbox/webhooks/redeliver", json={})
    assert again.status_code == 200
    _flush(sandbox)
    first, second = _events(receiver)
    assert first == second
    missing = httpx.post(f"{sandbox.base_url}/_sandbox/webhooks/redeliver", json={"delivery": 999})
    assert missing.status_code == 404


def test_disabled_webhooks_get_nothing_and_writes_of_every_kind_are_announced(
    sandbox, admin_key, standard_key, receiver
):
    hook = _create(sandbox, admin_key, receiver.url(), []).json()
    v2(sandbox, admin_key).post(f"/v2/webhooks/{hook['id']}", json={"status": "disabled"})
    _move(sandbox)
    _flush(sandbox)
    assert _events(receiver) == []
    v2(sandbox, admin_key).post(f"/v2/webhooks/{hook['id']}", json={"status": "active"})
    client = v1(sandbox, standard_key)
    deal = client.post(
        "/opportunities", json={"name": "Hook Co", "list_id": seed.LISTS["Series A Pipeline"]}
    )
    assert deal.status_code == 200, deal.text
    note = client.post("/notes", json={"content": "hi", "opportunity_ids": [deal.json()["id"]]})
    client.delete(f"/notes/{note.json()['id']}")
    client.delete(f"/opportunities/{deal.json()['id']}")
    reminder = v2(sandbox, standard_key).post(
        "/v2/reminders",
        json={
            "type": "one-time",
            "owner": {"id": seed.STANDARD_ID},
            "entity": {"type": "company", "id": seed.ACME_ORG_ID},
            "dueDate": "2026-12-03T15:30:00Z",
            "content": "Chase the data room",
        },
    )
    assert reminder.status_code == 201
    client.put(f"/reminders/{reminder.json()['id']}", json={"is_completed": True})
    v2(sandbox, standard_key).delete(f"/v2/reminders/{reminder.json()['id']}")
    _flush(sandbox)
    assert [d["type"] for d in _events(receiver)] == [
        "opportunity.created",
        "list_entry.created",
        "note.created",
        "note.deleted",
        "list_entry.deleted",
        "opportunity.deleted",
        "reminder.created",
        "reminder.updated",
        "reminder.deleted",
    ]
