"""The pipeline's messages: totals over every matching deal, owners on each line, old -> new per
field written, the removal question and its outcome; all within Slack's limits, CRM text
escaped, with oversized inputs."""

from __future__ import annotations

from bot.blocks import RenderContext, render
from bot.blocks import actions as ids
from tests.bot.test_blocks import CTX, EVIL, LONG, all_text, assert_valid, button, deal, stage

IC, DILIGENCE = stage(4, "IC", 4), stage(3, "Diligence", 3)


def search_result(deals, count=42, next_page_token="tok"):
    return {
        "list": {"id": 11, "name": "Series A Pipeline", "type": "opportunity"},
        "entries": deals,
        "total": {"count": count, "amount": 177_500_000, "currency": "USD"},
        "stages": [
            {"stage": DILIGENCE, "count": 30, "amount": 100_000_000},
            {"stage": IC, "count": 12, "amount": 77_500_000},
        ],
        "filters": ["Owners include me"],
        "view": None,
        "next_page_token": next_page_token,
    }


def test_a_pipeline_totals_every_match_and_names_owners():
    deals = [deal(1, st=DILIGENCE), deal(2, st=IC)]
    msg = assert_valid(render("affinity_search_list_entries", search_result(deals), CTX))
    text = all_text(msg)
    assert "42 deals · $177.5M · showing 2 · Owners include me" in text
    assert "*Diligence* — 30 · $100M (showing 1)" in text
    assert "*IC* — 12 · $77.5M (showing 1)" in text
    assert "owner Priya Partner" in text
    assert button(msg, ids.MORE)


def test_a_pipeline_with_no_match_says_the_filters_found_nothing():
    msg = assert_valid(
        render("affinity_search_list_entries", search_result([], 0, None) | {"stages": []}, CTX)
    )
    assert "No deals match these filters." in all_text(msg)


def test_a_pipeline_of_long_and_hostile_names_stays_valid():
    many = [
        deal(i, name=EVIL + LONG, owners=[{"id": j, "name": EVIL} for j in range(30)])
        for i in range(100)
    ]
    msg = assert_valid(render("affinity_search_list_entries", search_result(many), CTX))
    assert "<!channel>" not in all_text(msg)


def field_result(changes, unchanged=()):
    return {
        "list": {"id": 11, "name": "Series A Pipeline", "type": "opportunity"},
        "list_entry_id": 5001,
        "entity": {"id": 981, "name": "Acme Series A", "type": "opportunity"},
        "changes": list(changes),
        "unchanged": list(unchanged),
    }


def change(field, old, new):
    return {"field_id": 1, "field": field, "old": old, "new": new}


def test_field_writes_show_old_and_new_for_each_field():
    result = field_result(
        [
            change("Status", "Diligence", "IC"),
            change("Amount", "500000", "12500000"),
            change("Last Reviewed", "2026-11-02T08:00:00Z", None),
        ],
        [change("Owners", "Maya Patel", "Maya Patel")],
    )
    msg = assert_valid(render("affinity_update_field_values", result, CTX))
    text = all_text(msg)
    assert "*Status:* Diligence → IC" in text
    assert "*Amount:* 500,000 → 12,500,000" in text
    assert "*Last Reviewed:* 2 Nov 2026 → _empty_" in text
    assert "Owners is already Maya Patel" in text
    assert msg["text"].startswith("Updated Acme Series A: Status: Diligence → IC")
    assert button(msg, ids.RUN)["value"] == "deal 981"


def test_nothing_changed_is_said_plainly():
    result = field_result([], [change("Status", "IC", "IC")])
    msg = assert_valid(render("affinity_update_field_values", result, CTX))
    assert "Nothing changed on" in all_text(msg) and "Status is already IC" in all_text(msg)


def test_many_long_changes_stay_within_limits():
    result = field_result([change(EVIL * 5, EVIL + LONG, LONG * 3) for _ in range(20)])
    msg = assert_valid(render("affinity_update_field_values", result, CTX))
    assert "<!channel>" not in all_text(msg)


def test_a_removal_says_what_went():
    outcome = {
        "list": {"id": 14, "name": "Founders", "type": "person"},
        "list_entry_id": 7,
        "entity": {"id": 42, "name": "Jane Smith", "type": "person"},
        "removed": True,
        "deal_deleted": False,
    }
    ctx = RenderContext("acme")
    assert "Removed Jane Smith from" in all_text(
        assert_valid(render("affinity_remove_from_list", outcome, ctx))
    )
    absent = assert_valid(render("affinity_remove_from_list", outcome | {"removed": False}, ctx))
    assert "was not on" in all_text(absent) and "Nothing changed" in all_text(absent)
    deleted = outcome | {
        "deal_deleted": True,
        "entity": {"id": 9, "name": "X", "type": "opportunity"},
    }
    assert "the deal is deleted" in all_text(
        assert_valid(render("affinity_remove_from_list", deleted, ctx))
    )


def _refused_done(outcome: str, state: str = "done", refused: str = "taken"):
    from datetime import UTC, datetime

    from bot.features.commands.answers import card_refused
    from bot.features.commands.cards import Card, Claim

    at = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    card = Card("c1", "T1:U1", state, outcome, at, at, at)
    return card_refused(Claim(False, card, refused), at)


def test_a_second_click_reads_the_outcome_as_written_in_the_notification_and_the_card():
    """Slack shows `text` (the notification) and the blocks each unescaped once: `->`, `<`
    and `&` in a deal's name read as typed in both, never as `&gt;`."""
    told = _refused_done("Deal A -> B <C> & D: Status: Diligence → IC.")
    seen = "Already done: Deal A -&gt; B &lt;C&gt; &amp; D: Status: Diligence → IC."
    assert told["text"].startswith(seen) and "&amp;gt;" not in told["text"]
    assert told["blocks"][0]["elements"][0]["text"].startswith(":white_check_mark: " + seen)
    assert_valid(told)


def test_an_expired_card_gives_a_readable_date_in_the_notification():
    told = _refused_done("x", state="open", refused="expired")
    assert told["text"].startswith("These buttons expired at 2026-11-30 22:00 UTC; nothing")
    assert "<!date^" in told["blocks"][0]["elements"][0]["text"]  # the reader's own zone there
