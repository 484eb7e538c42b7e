"""The V2 `filter` language (spec 2026-07-15, "Filtering"): the parser on its own, then the
notes endpoints a client filters with, validated against the 2026-07-15 spec."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from affinity_client.sandbox import seed
from affinity_client.sandbox.filter_language import FilterError, compile_filter, prop

from .helpers import v2
from .spec import SPEC_2026, validate_v2

PROPS = {
    "id": prop("int", "id", "=", "!="),
    "name": prop("text", "name", "=", "=^", "=$", "=~", "=*", "!=*"),
    "score": prop("number", "score", ">", ">=", "<", "<="),
    "at": prop("datetime", "at", ">", "<", ">=", "<="),
    "status": prop("enum", "status", "=", values=("active", "completed")),
    "tags": prop("text", "tags", "=", "=~", "=[]"),
}
ROWS = [
    {
        "id": 1,
        "name": "Acme Corp",
        "score": 0.9,
        "at": datetime(2025, 1, 1, tzinfo=UTC),
        "status": "active",
        "tags": ["Fintech", "Health"],
    },
    {
        "id": 2,
        "name": "hello world",
        "score": 0.2,
        "at": datetime(2025, 6, 1, tzinfo=UTC),
        "status": "completed",
        "tags": [],
    },
    {
        "id": 3,
        "name": None,
        "score": 0.5,
        "at": None,
        "status": "active",
        "tags": ["Health", "Fintech"],
    },
]


def ids(text: str) -> list[int]:
    keep = compile_filter(text, PROPS)
    return [r["id"] for r in ROWS if keep(r)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [1, 2, 3]),
        ("id=1|id=3", [1, 3]),
        ("id = 1 | id = 2 & score > 0.5", [1]),  # & binds tighter than |
        ("(id = 1 | id = 2) & score < 0.5", [2]),
        ("!(id=1)", [2, 3]),
        ("id != 2", [1, 3]),
        ('name = "hello world"', [2]),
        ("name =^ acme", [1]),
        ("name =$ WORLD", [2]),
        ("name =~ corp", [1]),
        ("name = *", [1, 2]),
        ("name != *", [3]),
        (r'name = "hello\" world"', []),
        ("at >= 2025-03-01T00:00:00Z", [2]),
        ("at < 2025-03-01T00:00:00Z", [1]),
        ("status=completed", [2]),
        ("tags = [Fintech,Health]", [1]),
        ("tags =~ [Health,Fintech]", [1, 3]),
        ("tags =[]", [2]),
        ("tags = Health", [1, 3]),
        ("!(name =^ acme) & score >= 0.5", [3]),
    ],
)
def test_filter_expressions_select_the_documented_rows(text, expected):
    assert ids(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("nope=1", "Unsupported filter property 'nope'"),
        ("score = 1", "Operator = is not supported for score"),
        ("id > 1", "Operator > is not supported for id"),
        ("id = one", "id expects an integer"),
        ("at > yesterday", "at expects an ISO 8601"),
        ("status = paused", "status must be one of active, completed"),
        ("id = 1 AND id = 2", "id expects an integer"),  # spaces are insignificant
        ("id = 1) & id = 2", "Unexpected ')'"),
        ("(id = 1", "Filter ends too early"),
        ('name = "open', "Unterminated"),
        ("id = 1 & ", "Filter ends too early"),
        ("name = it's", "Unexpected character"),
        ("id = *", "Operator = * is not supported for id"),
    ],
)
def test_unsupported_filters_are_refused_with_a_reason(text, says):
    with pytest.raises(FilterError) as caught:
        compile_filter(text, PROPS)
    assert caught.value.status == 400 and caught.value.param == "filter"
    assert says in caught.value.message


def test_notes_filter_on_or_and_parentheses(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    every = client.get("/v2/notes?limit=100").json()["data"]
    a, b = every[0]["id"], every[1]["id"]
    response = client.get("/v2/notes", params={"filter": f"id={a} | id={b}", "limit": 100})
    validate_v2("GET", "/v2/notes", response, SPEC_2026)
    assert sorted(n["id"] for n in response.json()["data"]) == sorted([a, b])
    mine = client.get(
        "/v2/notes",
        params={"filter": f"(id={a} | id={b}) & creator.id={seed.ADMIN_ID}", "limit": 100},
    ).json()["data"]
    assert all(n["creator"]["id"] == seed.ADMIN_ID for n in mine)
    assert {n["id"] for n in mine} <= {a, b}


def test_notes_filter_date_range(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    text = "createdAt >= 2026-01-01T00:00:00Z & createdAt < 2026-06-01T00:00:00Z"
    data = client.get("/v2/notes", params={"filter": text, "limit": 100}).json()["data"]
    assert data and all("2026-01-01" <= n["createdAt"] < "2026-06-01" for n in data)


@pytest.mark.parametrize(
    "text",
    ["id=1 AND creator.id=2", "content=~hello", "id>3", "createdAt=yesterday"],
)
def test_notes_refuse_what_the_spec_does_not_offer(sandbox, admin_key, text):
    response = v2(sandbox, admin_key).get("/v2/notes", params={"filter": text})
    validate_v2("GET", "/v2/notes", response, SPEC_2026)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "validation" and error["param"] == "filter"


def test_entity_notes_do_not_filter_on_id(sandbox, admin_key):
    response = v2(sandbox, admin_key).get(
        f"/v2/persons/{seed.JANE_ID}/notes", params={"filter": "id=1"}
    )
    validate_v2("GET", "/v2/persons/{personId}/notes", response, SPEC_2026)
    assert response.status_code == 400
