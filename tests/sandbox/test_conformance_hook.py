"""The suite-wide check of V2 answers (tests/plugins/v2_conformance.py) catches what it must:
answers off their spec, spec operations the sandbox does not route, routes no spec has."""

from __future__ import annotations

import json

import pytest

from affinity_client.sandbox import seed
from tests.plugins.v2_conformance import Conformance

from .helpers import v2
from .spec import RATE_LIMIT_HEADERS

HEADERS = {name: "5" for name in RATE_LIMIT_HEADERS}


def _answer(method: str, path: str, status: int, body: object, **extra: object) -> dict:
    return {
        "method": method,
        "path": path,
        "status": status,
        "version": "2026-07-15",
        "headers": dict(HEADERS),
        "body": json.dumps(body).encode() if body is not None else b"",
        "routed": True,
        **extra,
    }


LIST = {
    "id": 1,
    "name": "Deals",
    "isPublic": True,
    "ownerId": 1,
    "creatorId": 1,
    "createdAt": "2024-03-07T20:21:42Z",
    "type": "opportunity",
}


def test_a_conforming_answer_passes_once_per_shape():
    checker = Conformance()
    first = _answer("GET", "/v2/lists/1", 200, LIST)
    again = _answer("GET", "/v2/lists/2", 200, {**LIST, "id": 2, "name": "Other"})
    assert checker.problems([first, again]) == []
    assert checker.checked == 1


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (_answer("GET", "/v2/lists/1", 200, {**LIST, "createdAt": None}), "createdAt"),
        (_answer("GET", "/v2/lists/1", 200, LIST, version="2024-01-01"), "createdAt"),
        (_answer("GET", "/v2/transcripts", 404, None, routed=False), "has no route"),
        (_answer("GET", "/v2/lists/1/colors", 200, {}), "no spec has"),
        (_answer("POST", "/v2/notes", 201, {}, version="2024-01-01"), "added after 2024-01-01"),
        (_answer("GET", "/v2/lists/1", 200, LIST, headers={}), "missing header"),
        (_answer("GET", "/v2/lists/1", 418, {"message": "teapot"}), "message"),
    ],
    ids=["2026-body", "2024-body", "unrouted", "unknown-path", "newer", "headers", "error-body"],
)
def test_answers_off_the_spec_are_reported(answer, problem):
    problems = Conformance().problems([answer])
    assert problems and problem in problems[0]


def test_org_headers_may_be_absent_together_but_not_alone():
    without_org = {k: v for k, v in HEADERS.items() if "-org" not in k}
    assert Conformance().problems([_answer("GET", "/v2/lists/1", 200, LIST)]) == []
    none = _answer("GET", "/v2/lists/1", 200, LIST, headers=without_org)
    assert Conformance().problems([none]) == []
    partial = _answer(
        "GET", "/v2/lists/1", 200, LIST, headers={**without_org, "x-ratelimit-limit-org": "9"}
    )
    assert "missing header" in Conformance().problems([partial])[0]


def test_a_probe_of_a_path_nobody_has_is_fine():
    assert Conformance().problems([_answer("GET", "/v2/nothing", 404, None, routed=False)]) == []


def test_the_sandbox_hands_over_its_v2_answers(sandbox, admin_key, v2_conformance):
    if v2_conformance is None:
        pytest.skip("run with --no-v2-conformance")
    client = v2(sandbox, admin_key)
    client.get(f"/v2/lists/{seed.LISTS['Seed Pipeline']}")
    client.get("/v2/transcripts")  # in the 2026-07-15 spec, not served by the sandbox
    taken = v2_conformance.drain()  # out of the session check: the 404 is on purpose here
    assert [(a["path"], a["status"], a["routed"]) for a in taken] == [
        (f"/v2/lists/{seed.LISTS['Seed Pipeline']}", 200, True),
        ("/v2/transcripts", 404, False),
    ]
    problems = Conformance().problems(taken)
    assert len(problems) == 1 and "GET /v2/transcripts is in the spec" in problems[0]


def test_a_bad_item_deep_in_a_page_is_caught_after_good_pages():
    checker = Conformance()
    good = [{**LIST, "id": i} for i in range(1, 60)]
    page = {"data": good, "pagination": {"nextUrl": None, "prevUrl": None}}
    assert checker.problems([_answer("GET", "/v2/lists", 200, page)]) == []
    bad = [*good[:40], {**LIST, "id": 99, "isPublic": "yes"}, *good[40:]]
    problems = checker.problems([_answer("GET", "/v2/lists", 200, {**page, "data": bad})])
    assert problems and "['data', 0, 'isPublic']" in problems[0]
    assert checker.checked == 2
