"""Block Kit builders: realistic results render, oversized ones stay within Slack's limits,
CRM text is escaped, links point into the user's own Affinity."""

import json
import re

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.blocks import (
    ConnectionView,
    RenderContext,
    added_to_list,
    app_home,
    chooser,
    connect_modal,
    connected,
    connection_status,
    deal_card,
    decode_more_value,
    disconnect_confirmation,
    disconnected,
    error_message,
    help_message,
    lists_overview,
    needs_more_key,
    note_created,
    notes_list,
    organization_card,
    person_card,
    pipeline,
    problem,
    reconnect_prompt,
    relationship_strengths,
    search_results,
    usage_error,
)
from bot.blocks import actions as ids
from bot.blocks.limits import problems
from bot.blocks.text import escape, format_money, strength_bar
from bot.grammar import SUBCOMMANDS, UsageError, parse
from bot.grammar.resolve import Choice, Option, Problem

CTX = RenderContext(subdomain="acme", command="deals 11")
EVIL = "<!channel> & <https://evil.example|click me> <@U123>"
LONG = "Very long name " * 40  # 600 characters


def interaction_dates(last="2026-03-12T15:04:00Z"):
    return {
        "first_email": "2024-01-02T09:00:00Z",
        "last_email": last,
        "first_event": None,
        "last_event": "2026-02-20T10:00:00Z",
        "next_event": "2026-12-01T10:00:00Z",
        "last_chat_message": None,
        "last_interaction": last,
    }


def person(name="Jane Smith", pid=42, **extra):
    return {
        "id": pid,
        "name": name,
        "first_name": "Jane",
        "last_name": "Smith",
        "type": "external",
        "primary_email": "jane@acme.com",
        "emails": ["jane@acme.com", "jane@home.org"],
        "phone_numbers": ["+1 555 0100"],
        "organizations": [{"id": 310, "name": "Acme Corp", "domain": "acme.com"}],
        "lists": [{"list_id": 14, "list_name": "Founders", "list_entry_id": 9001}],
        "interaction_dates": interaction_dates(),
        "relationships": [
            {"internal_id": 7, "name": "Priya Partner", "strength": 0.35},
            {"internal_id": 8, "name": "Sam Associate", "strength": 0.91},
        ],
        **extra,
    }


def stage(sid, text, rank):
    return {"id": sid, "text": text, "rank": rank}


def deal(did=981, name="Acme Series A", st=None, value=2_500_000, currency="USD", **extra):
    return {
        "id": did,
        "name": name,
        "list": {"id": 11, "name": "Series A Pipeline"},
        "list_entry_id": 5000 + did,
        "stage": st if st is not None else stage(3, "Diligence", 2),
        "value": value,
        "currency": currency,
        "owners": [{"id": 7, "name": "Priya Partner"}],
        "people": [{"id": 42, "name": "Jane Smith", "primary_email": "jane@acme.com"}],
        "organizations": [{"id": 310, "name": "Acme Corp", "domain": "acme.com"}],
        "created_at": "2026-01-15T12:00:00Z",
        **extra,
    }


def organization(**extra):
    return {
        "id": 310,
        "name": "Acme Corp",
        "domain": "acme.com",
        "domains": ["acme.com", "acme.io"],
        "global": False,
        "people": [{"id": 42, "name": "Jane Smith", "primary_email": "jane@acme.com"}],
        "deals": [
            {
                "id": 981,
                "name": "Acme Series A",
                "list_id": 11,
                "list_name": "Series A Pipeline",
                "stage": stage(3, "Diligence", 2),
            },
            {
                "id": 700,
                "name": "Acme Seed",
                "list_id": 12,
                "list_name": "Seed Pipeline",
                "stage": stage(9, "Closed Won", 5),
            },
        ],
        "lists": [{"list_id": 13, "list_name": "Portfolio", "list_entry_id": 77}],
        "interaction_dates": interaction_dates(),
        **extra,
    }


def note(nid=1, content="Met the founders. Strong team.", creator="Priya Partner"):
    return {
        "id": nid,
        "content": content,
        "type": "text",
        "creator": {"id": 7, "name": creator},
        "created_at": "2026-03-01T08:30:00Z",
    }


LISTS = [
    {
        "id": 11,
        "name": "Series A Pipeline",
        "type": "opportunity",
        "size": 40,
        "public": True,
        "owner": {"id": 7, "name": "Priya Partner"},
    },
    {
        "id": 13,
        "name": "Portfolio",
        "type": "organization",
        "size": 25,
        "public": False,
        "owner": None,
    },
    {"id": 14, "name": "Founders", "type": "person", "size": 1, "public": True, "owner": None},
]


# --- helpers -------------------------------------------------------------------------------------


def texts(payload, kinds=("mrkdwn", "plain_text")):
    """Every string of these text kinds in a payload, plus the fallback (which Slack reads as
    mrkdwn). Plain text never makes links or mentions, so injection checks look at mrkdwn only."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") in kinds and "text" in node:
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload.get("blocks", []))
    if "text" in payload and isinstance(payload["text"], str):
        found.append(payload["text"])
    return found


def assert_valid(payload):
    assert problems(payload) == []
    if payload.get("type") in {"modal", "home"}:
        View(**payload).validate_json()
    else:
        for block in payload["blocks"]:
            Block.parse(block).validate_json()
    for text in texts(payload, kinds=("mrkdwn",)):
        for target in re.findall(r"<([^>]*)>", text):
            assert re.match(r"https://(acme|fund)\.affinity\.co/|!date\^\d+\^", target), target
    return payload


def buttons(payload):
    found = []
    for block in payload["blocks"]:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def button(payload, action_id):
    matches = [b for b in buttons(payload) if b["action_id"].split(":")[0] == action_id]
    assert matches, f"no {action_id} button"
    return matches[0]


def all_text(payload):
    return "\n".join(texts(payload))


# --- cards ---------------------------------------------------------------------------------------


def test_person_card_shows_the_person():
    msg = assert_valid(person_card(person(), RenderContext("acme", "person 42")))
    text = all_text(msg)
    assert msg["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Jane Smith", "emoji": True},
    }
    for expected in (
        "jane@home.org",
        "+1 555 0100",
        "<https://acme.affinity.co/companies/310|Acme Corp>",
        "<https://acme.affinity.co/lists/14|Founders>",
        "12 Mar 2026",
        "1 Dec 2026",
    ):
        assert expected in text
    assert button(msg, ids.OPEN_IN_AFFINITY)["url"] == "https://acme.affinity.co/persons/42"
    assert button(msg, ids.SHARE)["value"] == "person 42"
    assert {b["value"] for b in buttons(msg) if b["action_id"].startswith(ids.RUN)} == {
        "notes person 42",
        "intro 42",
    }
    assert "Jane Smith" in msg["text"]


def test_person_card_ranks_relationships_strongest_first():
    text = all_text(person_card(person(), CTX))
    assert text.index("Sam Associate") < text.index("Priya Partner")
    assert "`▇▇▇▇▇▇▇▇▇▁` 91" in text


def test_person_card_with_nothing_but_a_name():
    bare = {
        "id": 1,
        "name": "Solo",
        "first_name": "Solo",
        "last_name": None,
        "type": "external",
        "primary_email": None,
        "emails": [],
        "phone_numbers": [],
        "organizations": [],
        "lists": [],
        "interaction_dates": None,
        "relationships": [],
    }
    msg = assert_valid(person_card(bare, RenderContext()))
    assert "Solo" in msg["text"]
    assert not [b for b in buttons(msg) if b["action_id"] in {ids.OPEN_IN_AFFINITY, ids.SHARE}]


def test_person_card_oversized():
    huge = person(
        name=LONG,
        emails=[f"person{i}@{'x' * 60}.com" for i in range(200)],
        phone_numbers=["+1 555 0100"] * 300,
        organizations=[{"id": i, "name": LONG, "domain": None} for i in range(1, 100)],
        lists=[{"list_id": i, "list_name": LONG, "list_entry_id": i} for i in range(1, 100)],
    )
    msg = assert_valid(person_card(huge, CTX))
    assert len(msg["blocks"][0]["text"]["text"]) <= 150
    assert "more" in all_text(msg)  # cut lists say so


def test_organization_card():
    msg = assert_valid(organization_card(organization(), RenderContext("acme", "org 310")))
    text = all_text(msg)
    assert "acme.io" in text and "<https://acme.affinity.co/persons/42|Jane Smith>" in text
    assert "<https://acme.affinity.co/opportunities/981|Acme Series A> · *Diligence*" in text
    assert "*Closed Won*" in text
    assert button(msg, ids.OPEN_IN_AFFINITY)["url"] == "https://acme.affinity.co/companies/310"


def test_organization_card_counts_all_people_and_says_which_deals_are_missing():
    org = organization(
        people=[{"id": 42, "name": "Jane Smith", "primary_email": None}],
        people_count=300,
        deals=[],
        deals_unavailable='Only its 10 most recent of 12 deals are shown: "Export data from Lists"',
    )
    text = all_text(assert_valid(organization_card(org, CTX)))
    assert "*People (300)*" in text
    assert "Only its 10 most recent of 12 deals are shown" in text


def test_organization_card_oversized():
    org = organization(
        name=LONG,
        domains=[f"d{i}.example.com" for i in range(500)],
        people=[{"id": i, "name": LONG, "primary_email": f"p{i}@x.com"} for i in range(1, 300)],
        deals=[
            {
                "id": i,
                "name": LONG,
                "list_id": 11,
                "list_name": LONG,
                "stage": stage(i % 7, f"Stage {i % 7}", i % 7),
            }
            for i in range(1, 300)
        ],
    )
    msg = assert_valid(organization_card(org, CTX))
    assert "…and" in all_text(msg)


def test_deal_card_shows_stage_value_owners_and_fields():
    result = deal(
        fields=[
            {"id": 1, "name": "Round", "value": "Series A"},
            {"id": 2, "name": "Lead investor", "value": "Us"},
            {"id": 3, "name": "Empty", "value": None},
            {"id": 4, "name": "Status", "value": "Diligence"},
            {"id": 5, "name": "Amount", "value": "2500000"},
            {"id": 6, "name": "Last Reviewed", "value": "2026-11-28T12:00:00Z"},
        ]
    )
    msg = assert_valid(deal_card(result, RenderContext("acme", "deal 981")))
    text = all_text(msg)
    for expected in (
        "Diligence",
        "$2,500,000",
        "Priya Partner",
        "*Round:* Series A",
        "<https://acme.affinity.co/lists/11|Series A Pipeline>",
        "<https://acme.affinity.co/persons/42|Jane Smith>",
        "15 Jan 2026",
    ):
        assert expected in text
    assert "Empty" not in text
    assert "*Last Reviewed:* 28 Nov 2026" in text
    assert "*Status:*" not in text and "*Amount:*" not in text  # already shown as Stage, Value


@pytest.mark.parametrize(
    ("the_list", "shown"),
    [
        ({"id": 208, "name": None}, "· in <https://acme.affinity.co/lists/208|list 208> ·"),
        ({"id": None, "name": "Secret Deals"}, "· in Secret Deals ·"),
        (None, "· list unknown ·"),
        ({}, "· list unknown ·"),
    ],
)
def test_deal_card_never_shows_a_blank_list_name(the_list, shown):
    msg = assert_valid(deal_card(deal(list=the_list), CTX))
    context = next(b for b in msg["blocks"] if b["type"] == "context")
    line = context["elements"][0]["text"]
    assert shown in line
    assert "· in list ·" not in line and "· in  ·" not in line


def test_organization_deal_lines_name_the_list_or_its_id():
    deals = [
        {
            "id": 1,
            "name": "Known",
            "list_id": 11,
            "list_name": "Series A Pipeline",
            "stage": stage(3, "Diligence", 2),
        },
        {"id": 2, "name": "Id only", "list_id": 208, "list_name": None, "stage": None},
        {"id": 3, "name": "Nothing", "list_id": None, "list_name": None, "stage": None},
    ]
    text = all_text(assert_valid(organization_card(organization(deals=deals), CTX)))
    assert "<https://acme.affinity.co/lists/11|Series A Pipeline>" in text
    assert (
        "<https://acme.affinity.co/opportunities/2|Id only> · _no stage_ · "
        "<https://acme.affinity.co/lists/208|list 208>" in text
    )
    assert "|Nothing> · _no stage_" in text and "|Nothing> · _no stage_ ·" not in text


def test_pipeline_of_an_unnamed_list_has_a_title():
    titled = assert_valid(pipeline({"list": {"id": 208}, "opportunities": []}, CTX))
    untitled = assert_valid(pipeline({"opportunities": []}, CTX))
    assert titled["blocks"][0]["text"]["text"] == "List 208"
    assert untitled["blocks"][0]["text"]["text"] == "Unknown list"


def test_person_card_shows_each_list_once():
    entries = [{"list_id": 14, "list_name": "Founders", "list_entry_id": n} for n in (1, 2)]
    text = all_text(person_card(person(lists=entries), CTX))
    assert text.count("lists/14|Founders>") == 1


def test_deal_card_title_and_missing_stage():
    msg = assert_valid(deal_card(deal(st={}, value=None, currency=None), CTX, "Deal created"))
    assert msg["text"].startswith("Deal created: Acme Series A (No stage)")
    assert "_no stage_" in all_text(msg)


def test_a_created_deal_whose_owner_could_not_be_set_says_so():
    warning = "The opportunity was created, but its owner (person 7) could not be set."
    msg = assert_valid(deal_card(deal(owner_not_set=warning), CTX, "Deal created"))
    assert warning in all_text(msg)


def test_deal_card_oversized_fields():
    result = deal(
        name=LONG, fields=[{"id": i, "name": f"Field {i}", "value": "v" * 3000} for i in range(100)]
    )
    assert_valid(deal_card(result, CTX))


@pytest.mark.parametrize(
    "value, currency, compact, expected",
    [
        (1500000, "USD", False, "$1,500,000"),
        (1500000, "USD", True, "$1.5M"),
        (1234.5, "CHF", False, "1,234.50 CHF"),
        (999, "EUR", True, "€999"),
        (None, "USD", False, None),
    ],
)
def test_money(value, currency, compact, expected):
    assert format_money(value, currency, compact) == expected


# --- pipeline ------------------------------------------------------------------------------------


def test_pipeline_groups_by_stage_rank_and_sums_values():
    deals = [
        deal(1, "Late", stage(5, "Term Sheet", 4), 1_000_000),
        deal(2, "No stage", {}, 10),
        deal(3, "Early A", stage(1, "Lead", 0), 500_000),
        deal(4, "Early B", stage(1, "Lead", 0), 250_000, "EUR"),
        deal(5, "Middle", stage(3, "Diligence", 2), None, None),
    ]
    result = {
        "list": {"id": 11, "name": "Series A Pipeline"},
        "opportunities": deals,
        "next_page_token": None,
    }
    msg = assert_valid(pipeline(result, CTX))
    sections = [b["text"]["text"] for b in msg["blocks"] if b["type"] == "section"]
    assert [s.split("*")[1] for s in sections] == ["Lead", "Diligence", "Term Sheet", "No stage"]
    assert sections[0].startswith("*Lead* — 2 · €250k + $500k")
    assert "5 deals · €250k + $1.5M" in all_text(msg)
    assert "Lead: 2" in msg["text"]
    assert button(msg, ids.OPEN_IN_AFFINITY)["url"] == "https://acme.affinity.co/lists/11"


def test_pipeline_with_200_deals_and_60_stages_stays_within_limits():
    deals = [
        deal(i, f"Deal {i} {LONG}", stage(i % 60, f"Stage {i % 60}", i % 60), 1000 * i)
        for i in range(1, 201)
    ]
    result = {"list": {"id": 11, "name": LONG}, "opportunities": deals, "next_page_token": "page-2"}
    msg = assert_valid(pipeline(result, CTX))
    text = all_text(msg)
    assert "more stages" in text and "200 deals on this page" in text
    assert decode_more_value(button(msg, ids.MORE)["value"]) == {
        "command": "deals 11",
        "page_token": "page-2",
    }


def test_pipeline_one_huge_stage_says_how_many_were_left_out():
    deals = [deal(i, f"Deal {i} {LONG}") for i in range(1, 201)]
    msg = assert_valid(
        pipeline(
            {"list": {"id": 11, "name": "A"}, "opportunities": deals, "next_page_token": None}, CTX
        )
    )
    assert re.search(r"…and \d+ more in this stage", all_text(msg))


def test_empty_pipeline():
    msg = assert_valid(
        pipeline(
            {"list": {"id": 11, "name": "A"}, "opportunities": [], "next_page_token": None}, CTX
        )
    )
    assert "No deals" in all_text(msg)


# --- more / share --------------------------------------------------------------------------------


def test_more_button_falls_back_to_a_stored_key_for_long_tokens():
    token = "t" * 2500
    assert needs_more_key("deals 11", token)
    assert not needs_more_key("deals 11", "short")
    result = {"list": {"id": 11, "name": "A"}, "opportunities": [deal()], "next_page_token": token}
    with_key = assert_valid(pipeline(result, RenderContext("acme", "deals 11", more_key="k1")))
    assert decode_more_value(button(with_key, ids.MORE)["value"]) == {"key": "k1"}
    without = assert_valid(pipeline(result, CTX))
    assert not [b for b in buttons(without) if b["action_id"] == ids.MORE]
    assert "More results exist" in all_text(without)


def test_decode_more_value_rejects_junk():
    for junk in ("", "nope", "[]", '{"c": 1}'):
        with pytest.raises(ValueError):
            decode_more_value(junk)


# --- lists, notes, relationships -----------------------------------------------------------------


def test_lists_overview_groups_by_type_with_sizes():
    msg = assert_valid(lists_overview({"lists": LISTS}, CTX))
    sections = [b["text"]["text"] for b in msg["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*Deal pipelines (1)*")
    assert "40 entries" in sections[0] and "private" in sections[1] and "1 entry" in sections[2]


def test_lists_overview_oversized():
    many = [
        {
            "id": i,
            "name": f"{LONG} {i}",
            "type": ["person", "organization", "opportunity", "weird"][i % 4],
            "size": i,
            "public": True,
            "owner": None,
        }
        for i in range(1, 400)
    ]
    msg = assert_valid(lists_overview({"lists": many}, CTX))
    assert "Other lists" in all_text(msg) and "…and" in all_text(msg)


def test_added_to_list_and_already_on_list():
    result = {
        "list": {"id": 13, "name": "Portfolio", "type": "organization"},
        "entity": {"id": 310, "name": "Acme Corp", "type": "organization"},
        "list_entry_id": 77,
        "created_at": "2026-03-02T00:00:00Z",
        "already_on_list": False,
    }
    assert "Added" in assert_valid(added_to_list(result, CTX))["text"]
    again = assert_valid(added_to_list({**result, "already_on_list": True}, CTX))
    assert "Nothing changed" in all_text(again)


def test_notes_list_shows_creator_date_and_excerpt():
    msg = assert_valid(notes_list({"notes": [note()], "next_page_token": None}, CTX, "Notes"))
    text = all_text(msg)
    assert "*Priya Partner* · 1 Mar 2026 · note" in text and "Strong team" in text


def test_notes_list_oversized_notes_are_excerpted_and_paged():
    notes = [note(i, "word " * 1000 + str(i), creator=LONG) for i in range(60)]
    msg = assert_valid(notes_list({"notes": notes, "next_page_token": "p2"}, CTX))
    text = all_text(msg)
    assert "open them in Affinity" in text and "…and 20 more notes" in text
    assert button(msg, ids.MORE)


def test_note_created():
    created = {**note(), "person_ids": [], "organization_ids": [310], "opportunity_ids": []}
    assert_valid(note_created(created, CTX))


def test_relationship_strengths_ranked_bars():
    result = {
        "person": {"id": 42, "name": "Jane Smith", "primary_email": "jane@acme.com"},
        "relationships": [
            {"internal_id": 1, "name": "Weak", "strength": 0.1},
            {"internal_id": 2, "name": "Strong", "strength": 0.95},
            {"internal_id": 3, "name": "Mid", "strength": 0.5},
        ],
    }
    msg = assert_valid(relationship_strengths(result, CTX))
    text = all_text(msg)
    assert text.index("Strong") < text.index("Mid") < text.index("Weak")
    assert "`▇▇▇▇▇▁▁▁▁▁` 50  Mid" in text
    assert msg["text"] == "Strong knows Jane Smith best"


def test_relationship_strengths_none():
    result = {"person": {"id": 42, "name": "Jane", "primary_email": None}, "relationships": []}
    assert "No one" in assert_valid(relationship_strengths(result, CTX))["text"]


@pytest.mark.parametrize(
    "strength, bar",
    [
        (0, "`▁▁▁▁▁▁▁▁▁▁` 0"),
        (1, "`▇▇▇▇▇▇▇▇▇▇` 100"),
        (7, "`▇▇▇▇▇▇▇▇▇▇` 100"),
        (None, "`▁▁▁▁▁▁▁▁▁▁` 0"),
    ],
)
def test_strength_bar_clamps(strength, bar):
    assert strength_bar(strength) == bar


# --- search and choosing -------------------------------------------------------------------------


def test_search_results_offer_a_choose_button_per_match():
    result = {
        "persons": [
            {
                "id": i,
                "name": f"Jane {i}",
                "first_name": "Jane",
                "last_name": str(i),
                "primary_email": f"jane{i}@acme.com",
                "emails": [],
            }
            for i in range(1, 4)
        ],
        "next_page_token": "p2",
    }
    msg = assert_valid(search_results(result, RenderContext("acme", "person jane"), "jane"))
    picks = [b["value"] for b in buttons(msg) if b["action_id"] == ids.PICK]
    assert picks == ["person 1", "person 2", "person 3"]
    assert decode_more_value(button(msg, ids.MORE)["value"])["command"] == "person jane"


def test_search_results_oversized_and_empty():
    result = {
        "organizations": [
            {"id": i, "name": LONG, "domain": "x.com", "domains": [], "global": True}
            for i in range(1, 101)
        ],
        "next_page_token": None,
    }
    assert "more" in all_text(assert_valid(search_results(result, CTX, LONG)))
    empty = assert_valid(search_results({"persons": [], "next_page_token": None}, CTX, "zed"))
    assert "No people" in all_text(empty)


def test_chooser_and_problem_render_options():
    choice = Choice(
        "Several lists match “pipe”. Which one?",
        (
            Option(11, "Series A Pipeline", "deals 11", "deals"),
            Option(12, "Seed Pipeline", "deals 12", "deals"),
        ),
    )
    msg = assert_valid(chooser(choice, CTX))
    assert [b["value"] for b in buttons(msg)] == ["deals 11", "deals 12"]
    found = Problem("not_found", "No list of deals matches “x”.", choice.options)
    assert [b["value"] for b in buttons(assert_valid(problem(found, CTX)))] == [
        "deals 11",
        "deals 12",
    ]


def test_chooser_pages_with_the_original_command():
    choice = Choice(
        "Several people match “jan”. Which one?",
        (Option(1, "Jane", "person 1", "jane@acme.com"),),
        next_page_token="p2",
    )
    msg = assert_valid(chooser(choice, RenderContext("acme", "person jan"), "person"))
    assert "<https://acme.affinity.co/persons/1|Jane>" in all_text(msg)
    assert decode_more_value(button(msg, ids.MORE)["value"]) == {
        "command": "person jan",
        "page_token": "p2",
    }
    assert button(msg, ids.PICK)["value"] == "person 1"


def test_chooser_never_puts_a_cut_command_on_a_button():
    long = Option(1, "X", "new-deal 11 " + "n" * 2500, None)
    msg = assert_valid(chooser(Choice("Which?", (long,)), CTX))
    assert not buttons(msg)


# --- escaping and links --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: person_card(
            person(
                name=EVIL,
                emails=[EVIL],
                relationships=[{"internal_id": 1, "name": EVIL, "strength": 0.5}],
            ),
            CTX,
        ),
        lambda: organization_card(organization(name=EVIL, domains=[EVIL]), CTX),
        lambda: deal_card(
            deal(
                name=EVIL,
                fields=[{"id": 1, "name": EVIL, "value": EVIL}],
                owners=[{"id": 1, "name": EVIL}],
                people=[{"id": 2, "name": EVIL, "primary_email": EVIL}],
            ),
            CTX,
        ),
        lambda: pipeline(
            {
                "list": {"id": 1, "name": EVIL},
                "opportunities": [
                    deal(
                        name=EVIL,
                        st=stage(1, EVIL, 1),
                        organizations=[{"id": 3, "name": EVIL}],
                        people=[{"id": 4, "name": EVIL}],
                    )
                ],
                "next_page_token": None,
            },
            CTX,
        ),
        lambda: notes_list(
            {"notes": [note(content=EVIL, creator=EVIL)], "next_page_token": None}, CTX
        ),
        lambda: lists_overview({"lists": [{**LISTS[0], "name": EVIL}]}, CTX),
        lambda: search_results(
            {"persons": [{"id": 1, "name": EVIL, "primary_email": EVIL}], "next_page_token": None},
            CTX,
            EVIL,
        ),
        lambda: usage_error(UsageError(EVIL, EVIL, None, EVIL)),
        lambda: error_message(EVIL, EVIL, EVIL),
        lambda: connection_status(ConnectionView("ACTIVE", EVIL, EVIL, EVIL)),
    ],
)
def test_crm_text_cannot_inject_links_or_mentions(build):
    msg = assert_valid(build())  # assert_valid only allows links into acme.affinity.co
    text = "\n".join(texts(msg, kinds=("mrkdwn",)))
    assert "<!channel>" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example" in text
    assert "&amp;amp;" not in text and "&amp;lt;" not in text  # escaped once, not twice


def test_escape():
    assert escape("a & <b>") == "a &amp; &lt;b&gt;"


def test_links_use_the_subdomain_and_refuse_odd_ones():
    msg = deal_card(deal(), RenderContext("contoso"))
    assert "https://contoso.affinity.co/opportunities/981" in all_text(msg)
    odd = deal_card(deal(), RenderContext("evil.example/x?"))
    assert "https://" not in json.dumps(odd)


# --- connection views ----------------------------------------------------------------------------


ACTIVE = ConnectionView(
    "ACTIVE", "Jane Partner", "jane@fund.vc", "Fund Ventures", "fund", "2026-11-27T10:00:00Z"
)
REVOKED = ConnectionView(
    "REVOKED",
    "Jane Partner",
    None,
    "Fund Ventures",
    "fund",
    revoked_reason="Affinity says the key is invalid or was revoked",
    revoked_at="2026-11-28T09:00:00Z",
)


def test_connect_modal():
    view = assert_valid(connect_modal({"channel": "C1"}))
    assert view["callback_id"] == ids.CONNECT_MODAL
    block = next(b for b in view["blocks"] if b["type"] == "input")
    assert block["block_id"] == ids.API_KEY_BLOCK
    assert block["element"]["type"] == "plain_text_input"
    assert block["element"]["action_id"] == ids.API_KEY_ACTION
    assert "initial_value" not in block["element"]
    text = all_text(view)
    for expected in (
        "Settings → Manage Apps",
        "Generate an API key",
        "only once",
        "admins",
        "encrypted",
        "your own",
    ):
        assert expected in text
    assert json.loads(view["private_metadata"]) == {"channel": "C1"}
    assert "Reconnect" in connect_modal(reconnect=True)["title"]["text"]
    with pytest.raises(ValueError):
        connect_modal({"x": "y" * 3000})


def test_connection_status_with_probe():
    probe = {
        "affinity_list_opportunities": {"ok": False, "reason": "needs Export data from Lists"},
        "affinity_search_persons": {"ok": True, "reason": None},
    }
    msg = assert_valid(connection_status(ACTIVE, probe))
    text = all_text(msg)
    assert "Jane Partner" in text and "Fund Ventures" in text and "27 Nov 2026" in text
    assert ":white_check_mark: Search people" in text
    assert ":no_entry_sign: See pipelines: needs Export data from Lists" in text
    assert button(msg, ids.DISCONNECT)


def test_status_when_revoked_or_never_connected():
    revoked = assert_valid(connection_status(REVOKED))
    assert "stopped working on 28 Nov 2026" in all_text(revoked) and button(revoked, ids.RECONNECT)
    never = assert_valid(connection_status(ConnectionView()))
    assert "Not connected" in all_text(never) and button(never, ids.CONNECT)


def test_disconnect_reconnect_and_connected_messages():
    confirm = assert_valid(disconnect_confirmation(ACTIVE))
    assert button(confirm, ids.DISCONNECT_CONFIRM)["style"] == "danger"
    assert button(confirm, ids.DISCONNECT_CANCEL)
    assert button(assert_valid(disconnected()), ids.CONNECT)
    prompt = assert_valid(reconnect_prompt(REVOKED))
    assert "invalid or was revoked" in all_text(prompt) and button(prompt, ids.RECONNECT)
    assert "Fund Ventures" in all_text(assert_valid(connected(ACTIVE)))


def test_app_home_states():
    activity = [
        {
            "at": f"2025-11-28T10:{i % 60:02d}:00Z",
            "tool": "affinity_get_person",
            "outcome": "ok" if i % 2 else "permission_denied",
        }
        for i in range(300)
    ]
    lists = [
        {"id": i, "name": LONG, "type": "opportunity", "size": i, "public": True}
        for i in range(1, 300)
    ]
    home = assert_valid(app_home(ACTIVE, lists, activity))
    assert home["type"] == "home"
    text = all_text(home)
    assert "Your lists" in text and "View people · permission_denied" in text
    assert "<!date^1764324000^{date_short_pretty} {time}|2025-11-28 10:00 UTC>" in text
    assert button(home, ids.DISCONNECT)
    revoked = assert_valid(app_home(REVOKED))
    assert button(revoked, ids.RECONNECT) and "Your lists" not in all_text(revoked)
    assert button(assert_valid(app_home(ConnectionView())), ids.CONNECT)


# --- help and usage ------------------------------------------------------------------------------


def test_help_lists_every_command_and_marks_writes():
    msg = assert_valid(help_message())
    text = all_text(msg)
    for name, spec in SUBCOMMANDS.items():
        assert f"`/affinity {name}" in text
        if spec.writes:
            assert f"`/affinity {escape(spec.usage)}` :pencil2:" in text


def test_help_topic_shows_examples():
    text = all_text(assert_valid(help_message("new-deal")))
    assert "--org 5001" in text and ":pencil2:" in text


def test_usage_error_message():
    error = parse("dels series a")
    msg = assert_valid(usage_error(error))
    text = all_text(msg)
    assert "Unknown command `dels`" in text and "Did you mean `/affinity deals`?" in text
    assert button(msg, ids.HELP)["value"] == "help"
    sub = assert_valid(usage_error(parse("deal-add 5")))
    assert button(sub, ids.HELP)["value"] == "help deal-add"


# --- dispatch -------------------------------------------------------------------------------------


TOOL_SAMPLES = {
    "affinity_search_persons": {
        "persons": [{"id": 1, "name": "Jane", "primary_email": None}],
        "next_page_token": None,
    },
    "affinity_get_person": person(),
    "affinity_search_organizations": {"organizations": [], "next_page_token": None},
    "affinity_get_organization": organization(),
    "affinity_list_lists": {"lists": LISTS},
    "affinity_list_opportunities": {
        "list": {"id": 11, "name": "A"},
        "opportunities": [deal()],
        "next_page_token": None,
    },
    "affinity_get_opportunity": {**deal(), "fields": []},
    "affinity_create_opportunity": deal(),
    "affinity_update_opportunity": deal(),
    "affinity_create_note": {
        **note(),
        "person_ids": [42],
        "organization_ids": [],
        "opportunity_ids": [],
    },
    "affinity_list_notes": {"notes": [note()], "next_page_token": None},
    "affinity_add_to_list": {
        "list": {"id": 13, "name": "Portfolio", "type": "organization"},
        "entity": {"id": 310, "name": "Acme", "type": "organization"},
        "list_entry_id": 1,
        "created_at": None,
        "already_on_list": False,
    },
    "affinity_get_relationship_strength": {
        "person": {"id": 42, "name": "Jane", "primary_email": None},
        "relationships": [],
    },
}


@pytest.mark.parametrize("tool", sorted(TOOL_SAMPLES))
def test_every_tool_has_a_renderer(tool):
    from bot.blocks import render

    assert_valid(render(tool, TOOL_SAMPLES[tool], CTX, "jane"))


def test_render_names_writes_and_refuses_unknown_tools():
    from bot.blocks import render

    assert render("affinity_create_opportunity", deal(), CTX)["text"].startswith("Deal created")
    assert render("affinity_update_opportunity", deal(), CTX)["text"].startswith("Deal updated")
    with pytest.raises(ValueError):
        render("affinity_delete_everything", {}, CTX)


def test_the_limit_checker_catches_each_violation():
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    bad_button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "b" * 76},
        "action_id": "a",
        "value": "v" * 2001,
    }
    payload = {
        "text": "",
        "blocks": [
            section,
            {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11},
            {"type": "actions", "elements": [bad_button, bad_button]},
            {"type": "context", "elements": []},
        ]
        + [{"type": "divider"}] * 50,
    }
    found = "\n".join(problems(payload))
    for expected in (
        "blocks (limit 50)",
        "missing text fallback",
        "section text over 3000",
        "header over 150",
        "more than 10 fields",
        "duplicate action_id",
        "button text over 75",
        "button value over 2000",
        "context needs",
    ):
        assert expected in found
    assert problems({"type": "home", "blocks": [{"type": "divider"}] * 100}) == []


def test_probe_lines_say_what_a_working_tool_will_miss():
    from bot.blocks.connection import probe_lines

    lines = probe_lines(
        {
            "affinity_get_organization": {
                "ok": True,
                "reason": "Its deals section will be unavailable.",
            },
            "affinity_list_opportunities": {"ok": False, "reason": "Export data from Lists"},
        }
    )
    assert any(line.startswith(":white_check_mark:") and "deals section" in line for line in lines)
    assert any(line.startswith(":no_entry_sign:") for line in lines)


def test_every_tool_has_a_label_for_people():
    """The connection summary and App Home name what a key can do in words, never tool ids."""
    from affinity_client import TOOLS
    from bot.blocks.connection import TOOL_LABELS

    assert set(TOOL_LABELS) == set(TOOLS)
