"""Lists of records as tables: shorter for the model, and read back to the same records."""

from __future__ import annotations

import json

from bot.agent.compact import PageSpec, compact_result
from bot.agent.tables import expand_tables, read_result, tabulate

MAYA = {"id": 1001, "name": "Maya Patel"}
DANIEL = {"id": 1002, "name": "Daniel Okafor"}


def _size(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def test_a_list_of_records_becomes_columns_and_rows_and_reads_back_the_same():
    reminders = [
        {"id": 1, "content": "Call", "entity": {"type": "person", "id": 7, "name": "Jane"},
         "owner": MAYA, "recurrence": {"period_days": 30, "reset_trigger": "email"}},
        {"id": 2, "content": "Email", "entity": {"type": "opportunity", "id": 8, "name": "Acme"},
         "owner": MAYA},
        {"id": 3, "content": "Ping", "entity": {"type": "person", "id": 9, "name": "Li"},
         "owner": MAYA},
    ]  # fmt: skip

    table = tabulate({"reminders": reminders})["reminders"]

    assert table["columns"][:2] == ["id", "content"]
    assert "entity.name" in table["columns"]  # a nested record's values as columns
    assert table["every_row"] == {"owner.id": 1001, "owner.name": "Maya Patel"}  # said once
    assert table["rows"][1] == [2, "Email", "opportunity", 8, "Acme"]  # no trailing nulls
    assert _size(table) < _size(reminders)
    assert expand_tables(table) == reminders


def test_names_that_recur_are_given_once_by_id():
    changes = [
        {"field": "Status", "to": "IC", "changed_by": DANIEL},
        {"field": "Amount", "to": "5M", "changed_by": DANIEL},
        {"field": "Owners", "to": "Maya Patel", "changed_by": MAYA},
        {"field": "Sector", "to": "Fintech", "changed_by": DANIEL},
        {"field": "Stage", "to": "Sourced", "changed_by": DANIEL},
    ]

    table = tabulate(changes)

    assert table["names"] == {"changed_by": {"1002": "Daniel Okafor", "1001": "Maya Patel"}}
    assert "changed_by.name" not in table["columns"]
    assert expand_tables(table) == changes


def test_a_table_is_used_only_where_it_is_shorter():
    one = [{"id": 1, "name": "Acme"}]
    unlike = [{"id": 1}, {"name": "Beta"}]
    assert tabulate(one) == one  # a single record
    assert tabulate(unlike) == unlike  # nothing shared: the keys cost more as columns
    assert tabulate([{"id": 1}, "… 3 more not shown"]) == [{"id": 1}, "… 3 more not shown"]


def test_the_model_is_given_tables_within_the_budget():
    page = {
        "opportunities": [
            {"id": i, "name": f"Deal {i}", "stage": {"id": 803, "text": "Diligence"}}
            for i in range(40)
        ],
        "next_page_token": "abc",
    }
    text = compact_result(page, max_chars=2_000, text_max=600)
    shown = json.loads(text)
    assert len(text) <= 2_000 and shown["next_page_token"] == "abc"
    assert shown["opportunities"]["every_row"] == {"stage.id": 803, "stage.text": "Diligence"}
    assert expand_tables(shown)["opportunities"] == page["opportunities"]


def test_the_call_that_continues_a_cut_page_keeps_its_input_as_it_is():
    where = [{"field": f"Field {n}", "op": ">", "value": n} for n in range(4)]
    assert "columns" in tabulate({"where": where})["where"]  # shorter as a table elsewhere
    cut = {"continue_with": {"tool": "t", "input": {"where": where, "skip": 3}}}
    assert tabulate({"cut": cut}) == {"cut": cut}


def test_a_cut_page_shows_as_many_items_as_fit_as_a_table():
    page = {
        "opportunities": [
            {"id": i, "name": f"Deal {i}", "stage": {"id": 803, "text": "Diligence"}}
            for i in range(300)
        ],
        "next_page_token": "abc",
    }
    spec = PageSpec("affinity_list_opportunities", {"list_id": 201}, "opportunities")

    text = compact_result(page, max_chars=3_000, text_max=600, page=spec)

    shown = read_result(text)
    assert len(text) <= 3_000
    assert len(shown["opportunities"]) > 150  # written out per record, about 50 would fit
    assert shown["cut"]["left_out"] == 300 - len(shown["opportunities"])
    assert shown["cut"]["continue_with"]["input"]["skip"] == len(shown["opportunities"])
