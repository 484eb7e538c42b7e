"""Canned Affinity tool results in the shapes of docs/tool-results.md."""

from __future__ import annotations

from typing import Any

from tests.agent.conftest import SERIES_A, TODAY


def deal(i: int, reviewed_today: bool) -> dict[str, Any]:
    return {
        "id": 30000 + i,
        "name": f"Company{i} - Series A",
        "list": {"id": SERIES_A, "name": "Series A Pipeline"},
        "list_entry_id": 70000 + i,
        "stage": {"id": 803, "text": "Diligence", "rank": 3},
        "value": 500000 + i,
        "currency": "USD",
        "owners": [{"id": 1002, "name": "Daniel Okafor"}],
        "people": [{"id": 2000 + i, "name": f"Founder {i}", "primary_email": None}],
        "organizations": [{"id": 5000 + i, "name": f"Company{i}", "domain": None}],
        "created_at": "2026-07-08T20:22:00Z",
        "fields": [
            {
                "id": 9,
                "name": "Last Reviewed",
                "value": TODAY.isoformat() if reviewed_today else "2026-11-20",
            }
        ],
    }


# 12 open deals, the first 8 reviewed today
DEALS = [deal(i, reviewed_today=i < 8) for i in range(12)]


def list_opportunities(_: dict[str, Any]) -> dict[str, Any]:
    return {
        "list": {"id": SERIES_A, "name": "Series A Pipeline"},
        "opportunities": [{k: v for k, v in d.items() if k != "fields"} for d in DEALS],
        "next_page_token": None,
    }


def get_opportunity(tool_input: dict[str, Any]) -> dict[str, Any]:
    return next(d for d in DEALS if d["id"] == tool_input["opportunity_id"])
