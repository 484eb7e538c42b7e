"""A deal on a list the key's user cannot see: every deal tool answers the client's permission
error, saying the deal's list is not shared with them, and writes nothing."""

from __future__ import annotations

import pytest

from affinity_client import PermissionDeniedError, run_tool
from affinity_client.sandbox import seed

from .fakes import Router, make_client, ok
from .sandbox_helpers import clear_log, client_for, request_log

DENIED = "You don't have access to this deal's list"


@pytest.fixture
def secret(sandbox) -> dict:
    return next(
        o for o in sandbox.state.opportunities.values() if o["list_id"] == seed.PRIVATE_LIST_ID
    )


@pytest.fixture
def standard(sandbox, standard_key):
    with client_for(sandbox, standard_key) as client:
        yield client


def _denied(client, name: str, tool_input: dict, deal_id: int) -> PermissionDeniedError:
    with pytest.raises(PermissionDeniedError) as caught:
        run_tool(client, name, tool_input)
    assert str(caught.value).startswith(DENIED)
    assert f"deal {deal_id} is on a private Affinity list" in str(caught.value)
    assert caught.value.resource == f"opportunity {deal_id}"
    return caught.value


def test_get_opportunity_is_refused_with_the_deal_list_answer(standard, secret):
    error = _denied(
        standard, "affinity_get_opportunity", {"opportunity_id": secret["id"]}, secret["id"]
    )
    assert error.status == 403


def test_the_lists_owner_reads_the_same_deal_with_its_list(sandbox, admin_key, secret):
    with client_for(sandbox, admin_key) as admin:
        deal = run_tool(admin, "affinity_get_opportunity", {"opportunity_id": secret["id"]})
    assert deal["list"] == {"id": seed.PRIVATE_LIST_ID, "name": seed.PRIVATE_LIST_NAME}


def test_update_opportunity_is_refused_before_anything_is_written(sandbox, standard, secret):
    clear_log(sandbox)
    _denied(
        standard,
        "affinity_update_opportunity",
        {"opportunity_id": secret["id"], "name": "Mine now"},
        secret["id"],
    )
    assert [r["method"] for r in request_log(sandbox)] == ["GET"]
    assert sandbox.state.opportunities[secret["id"]]["name"] == secret["name"]


def test_create_note_on_the_deal_is_refused_and_stores_nothing(sandbox, standard, secret):
    before = len(sandbox.state.notes)
    _denied(
        standard,
        "affinity_create_note",
        {"content": "Mine", "opportunity_ids": [secret["id"]]},
        secret["id"],
    )
    assert len(sandbox.state.notes) == before


def test_list_notes_of_the_deal_is_refused(standard, secret):
    _denied(standard, "affinity_list_notes", {"opportunity_id": secret["id"]}, secret["id"])


def test_organization_deals_leave_out_the_private_deal(standard, secret):
    org = run_tool(
        standard, "affinity_get_organization", {"organization_id": secret["organization_ids"][0]}
    )
    assert secret["id"] not in [d["id"] for d in org["deals"]]
    assert all(d["list_name"] for d in org["deals"])


def test_a_v1_opportunity_without_list_entries_is_refused_and_not_written():
    """Affinity's V1 docs: `list_entries` is empty when the key's user cannot access the list."""
    hidden = {
        "id": 117,
        "name": "Secret",
        "person_ids": [1],
        "organization_ids": [2],
        "list_entries": [],
    }
    router = Router({("GET", "/opportunities/117"): ok(hidden)})
    with make_client(router) as client:
        for name, tool_input in (
            ("affinity_get_opportunity", {"opportunity_id": 117}),
            ("affinity_update_opportunity", {"opportunity_id": 117, "name": "Renamed"}),
        ):
            with pytest.raises(PermissionDeniedError, match=DENIED):
                run_tool(client, name, tool_input)
    assert router.paths() == ["GET /opportunities/117"] * 2
