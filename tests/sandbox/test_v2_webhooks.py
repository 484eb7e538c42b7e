"""V2 webhooks (2026-07-15): own webhooks unless allowed to manage all, a test delivery before a
URL is accepted, the instance's limit; every answer validates against that spec."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from affinity_client.sandbox import seed

from .helpers import v2
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
