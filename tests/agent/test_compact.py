"""Tool results given to the model: bounded, nulls dropped, omissions said out loud."""

from __future__ import annotations

import json

from bot.agent.compact import compact_result


def test_long_lists_are_shortened_with_a_count_of_what_was_left_out():
    result = {
        "opportunities": [
            {"id": i, "name": f"Deal {i}", "owners": [], "value": None, "stage": {"text": "Lead"}}
            for i in range(500)
        ],
        "next_page_token": "abc",
    }
    text = compact_result(result, max_chars=4000, text_max=600)
    assert len(text) <= 4000
    data = json.loads(text)
    shown = [d for d in data["opportunities"] if isinstance(d, dict)]
    marker = data["opportunities"][-1]
    assert marker.startswith(f"… {500 - len(shown)} more not shown; get them with a narrower")
    assert len(shown) > 50
    assert "owners" not in shown[0] and "value" not in shown[0]
    assert data["next_page_token"] == "abc"


def test_small_results_are_unchanged_apart_from_nulls():
    result = {"id": 1, "name": "Acme", "domain": None, "people": []}
    assert json.loads(compact_result(result, max_chars=1000, text_max=100)) == {
        "id": 1,
        "name": "Acme",
    }
