"""Tool results given to the model: bounded, nulls dropped, omissions said out loud."""

from __future__ import annotations

from bot.agent.compact import compact_result
from bot.agent.tables import read_result


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
    data = read_result(text)
    shown = [d for d in data["opportunities"] if isinstance(d, dict)]
    marker = data["opportunities"][-1]
    assert marker.startswith(f"… {500 - len(shown)} more not shown; get them with a narrower")
    assert len(shown) > 50
    assert "owners" not in shown[0] and "value" not in shown[0]
    assert data["next_page_token"] == "abc"


def test_small_results_are_unchanged_apart_from_nulls():
    result = {"id": 1, "name": "Acme", "domain": None, "people": []}
    assert read_result(compact_result(result, max_chars=1000, text_max=100)) == {
        "id": 1,
        "name": "Acme",
    }


def test_the_model_is_not_given_what_a_result_already_says():
    deal = {
        "id": 30001,
        "name": "Acme - Series A",
        "stage": {"id": 803, "text": "Diligence", "rank": 3},
        "value": 500000,
        "owners": [{"id": 1002, "name": "Daniel Okafor"}, {"id": 1004, "name": "Sofia Alvarez"}],
        "organizations": [
            {"id": 5001, "name": "Acme", "domain": "acme.com", "domains": ["acme.com"]},
            {"id": 5002, "name": "Beta", "domain": "beta.io", "domains": ["beta.io", "beta.com"]},
        ],
        "created_at": "2026-07-08T20:22:41.512-08:00",
        "fields": [
            {"id": 401, "name": "Status", "value": "Diligence"},
            {"id": 402, "name": "Amount", "value": "500000"},
            {"id": 403, "name": "Owners", "value": "Daniel Okafor, Sofia Alvarez"},
            {"id": 405, "name": "Sector", "value": "Enterprise SaaS"},
        ],
    }

    shown = read_result(compact_result(deal, max_chars=10_000, text_max=2_000))

    assert shown["fields"] == [{"id": 405, "name": "Sector", "value": "Enterprise SaaS"}]
    assert shown["stage"]["text"] == "Diligence" and shown["value"] == 500000
    # a record listed inside another keeps its id and name; its own get tool has the rest
    assert shown["organizations"] == [{"id": 5001, "name": "Acme"}, {"id": 5002, "name": "Beta"}]
    assert shown["created_at"] == "2026-07-09T04:22Z"  # the same instant, in UTC


def test_emails_and_domains_beside_the_primary_are_the_others():
    hits = {
        "persons": [
            {"id": 1, "name": "Jane", "primary_email": "j@acme.com", "emails": ["j@acme.com"]},
            {
                "id": 2,
                "name": "Raj",
                "primary_email": "raj@beta.io",
                "emails": ["r@gmail.com", "raj@beta.io"],
            },
        ],
        "organizations": [
            {"id": 5002, "name": "Beta", "domain": "beta.io", "domains": ["beta.io", "beta.com"]}
        ],
    }

    shown = read_result(compact_result(hits, max_chars=10_000, text_max=2_000))

    assert shown["persons"] == [
        {"id": 1, "name": "Jane", "primary_email": "j@acme.com"},
        {"id": 2, "name": "Raj", "primary_email": "raj@beta.io", "emails": ["r@gmail.com"]},
    ]
    assert shown["organizations"] == [
        {"id": 5002, "name": "Beta", "domain": "beta.io", "domains": ["beta.com"]}
    ]


def test_a_page_says_once_what_each_of_its_items_would_repeat():
    series_a = {"id": 201, "name": "Series A Pipeline"}
    jane = {"id": 2001, "name": "Jane Smith", "primary_email": "jane@acme.com"}
    page = {
        "list": series_a,
        "opportunities": [
            {"id": 30001, "name": "Acme", "list": series_a, "people": [jane]},
            {"id": 30002, "name": "Beta", "list": {"id": 202, "name": "Seed"}, "people": []},
        ],
    }

    shown = read_result(compact_result(page, max_chars=10_000, text_max=600))

    assert shown["list"] == series_a
    assert "list" not in shown["opportunities"][0]  # the page's own list
    assert shown["opportunities"][1]["list"] == {"id": 202, "name": "Seed"}  # another list
    assert shown["opportunities"][0]["people"] == [{"id": 2001, "name": "Jane Smith"}]


def test_search_hits_keep_their_details_but_not_their_name_twice():
    hits = {
        "persons": [
            {
                "id": 2001,
                "name": "Jane Smith",
                "first_name": "Jane",
                "last_name": "Smith",
                "primary_email": "jane@acme.com",
            },
            {"id": 2002, "name": "Dr. Li Wei", "first_name": "Li", "last_name": "Wei"},
        ],
        "organizations": [{"id": 5001, "name": "Acme", "global": False}, {"id": 9, "global": True}],
    }

    shown = read_result(compact_result(hits, max_chars=10_000, text_max=600))

    assert shown["persons"][0] == {
        "id": 2001,
        "name": "Jane Smith",
        "primary_email": "jane@acme.com",
    }
    assert shown["persons"][1]["first_name"] == "Li"  # the full name is not made of the parts
    assert shown["organizations"] == [{"id": 5001, "name": "Acme"}, {"id": 9, "global": True}]


def test_option_ranks_are_dropped_only_where_they_just_count_the_options():
    in_order = [{"id": 1, "text": "Lead", "rank": 1}, {"id": 2, "text": "IC", "rank": 2}]
    gaps = [{"id": 1, "text": "Lead", "rank": 1}, {"id": 2, "text": "IC", "rank": 5}]
    result = {"fields": [{"id": 7, "name": "Sector", "options": in_order}], "other": gaps}

    shown = read_result(compact_result(result, max_chars=10_000, text_max=600))

    assert shown["fields"][0]["options"] == [{"id": 1, "text": "Lead"}, {"id": 2, "text": "IC"}]
    assert shown["other"] == gaps
