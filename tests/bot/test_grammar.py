"""The /affinity grammar and the pure planning of tool calls (no I/O)."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.grammar import (
    SUBCOMMANDS,
    Command,
    DealRef,
    EntityRef,
    Filter,
    ListRef,
    UsageError,
    format_command,
    parse,
    writes,
)
from bot.grammar.resolve import (
    Choice,
    Local,
    Problem,
    Replan,
    ToolCall,
    follow_up,
    in_user_zone,
    match_lists,
    plan,
)

LISTS = [
    {"id": 11, "name": "Series A Pipeline", "type": "opportunity"},
    {"id": 12, "name": "Seed Pipeline", "type": "opportunity"},
    {"id": 13, "name": "Portfolio", "type": "organization"},
    {"id": 14, "name": "Founders", "type": "person"},
    {"id": 15, "name": "Growth Deals 2026", "type": "opportunity"},
]


def ok(text: str) -> Command:
    result = parse(text)
    assert isinstance(result, Command), result
    return result


def bad(text: str) -> UsageError:
    result = parse(text)
    assert isinstance(result, UsageError), result
    return result


# --- every subcommand ---------------------------------------------------------------------------


def test_empty_text_is_help():
    assert ok("") == Command("help", {"topic": None})
    assert ok("   ") == Command("help", {"topic": None})


@pytest.mark.parametrize(
    "text, topic",
    [("help", None), ("help deals", "deals"), ("help pipeline", "deals"), ("? note", "note")],
)
def test_help(text, topic):
    assert ok(text)["topic"] == topic


@pytest.mark.parametrize("word", ["connect", "status", "disconnect", "lists"])
def test_argumentless_commands(word):
    assert ok(word).name == word
    error = bad(f"{word} now")
    assert "Unexpected `now`" in error.reason and error.subcommand == word


@pytest.mark.parametrize(
    "text, expected",
    [
        ("person Jane Smith", EntityRef("person", term="Jane Smith")),
        ("people jane@acme.com", EntityRef("person", term="jane@acme.com")),
        ("person 42", EntityRef("person", id=42)),
        ("person #42", EntityRef("person", id=42)),
        ("person https://acme.affinity.co/persons/42", EntityRef("person", id=42)),
        ("org Acme Corp", EntityRef("organization", term="Acme Corp")),
        ("company acme.com", EntityRef("organization", term="acme.com")),
        ("organization 310", EntityRef("organization", id=310)),
        ("intro jane@acme.com", EntityRef("person", term="jane@acme.com")),
        ("who-knows 42", EntityRef("person", id=42)),
    ],
)
def test_lookups_and_aliases(text, expected):
    assert ok(text)["ref"] == expected


def test_slack_escaped_links_and_entities_are_unwrapped():
    assert ok("person <mailto:jane@acme.com|jane@acme.com>")["ref"].term == "jane@acme.com"
    assert ok("org <http://acme.com|acme.com>")["ref"].domain == "acme.com"
    assert ok("org Smith &amp; Sons")["ref"].term == "Smith & Sons"


def test_domain_and_email_detection():
    assert EntityRef("organization", term="https://www.Acme.com/").domain == "acme.com"
    assert EntityRef("organization", term="Acme Corp").domain is None
    assert EntityRef("person", term="jane@acme.com").is_email


@pytest.mark.parametrize(
    "text, ref",
    [
        ("deals Series A", ListRef(name="Series A")),
        ("pipeline 11", ListRef(id=11)),
        ('deals "Seed Pipeline"', ListRef(name="Seed Pipeline")),
    ],
)
def test_deals(text, ref):
    assert ok(text)["list"] == ref


@pytest.mark.parametrize(
    ("text", "deal", "stage"),
    [
        ("stage 981 IC", DealRef(id=981), "IC"),
        ("stage #981 Term Sheet", DealRef(id=981), "Term Sheet"),
        ('stage "Acme Seed" First Meeting', DealRef(term="Acme Seed"), "First Meeting"),
        ("stage Acme Seed to First Meeting", DealRef(term="Acme Seed"), "First Meeting"),
        ("move Acme Seed IC", DealRef(term="Acme Seed"), "IC"),
    ],
)
def test_stage_reads_the_deal_and_the_stage(text, deal, stage):
    assert ok(text).args == {"deal": deal, "stage": stage}


def test_set_reads_deal_field_and_value_as_typed():
    assert ok("set 981 amount 5M").args == {
        "deal": DealRef(id=981),
        "field": "amount",
        "value": "5M",
    }
    assert ok('set 981 "Last Reviewed" 2026-12-01')["field"] == "Last Reviewed"
    both = ok("set Acme Seed owners=Maya Patel, Daniel Okafor")
    assert both.args == {
        "deal": DealRef(term="Acme Seed"),
        "field": "owners",
        "value": "Maya Patel, Daniel Okafor",
    }
    assert bad("set 981 amount").reason == "Missing value for amount."
    assert bad("set 981").reason.startswith("Missing deal")


def test_deals_filters_and_their_mistakes():
    command = ok('deals "Deal Flow" stage=IC owner=me "Last Reviewed=today" sort=name')
    assert command["list"] == ListRef(name="Deal Flow")
    assert command["stage"] == ("IC",) and command["owner"] == "me" and command["sort"] == "name"
    assert command["filters"] == (Filter("Last Reviewed", "=", "today"),)
    assert ok("deals 11 amount!=none")["filters"] == (Filter("amount", "not_empty"),)
    assert ok("deals 11 stage=First Meeting owner=Maya Patel")["owner"] == "Maya Patel"
    assert bad("deals 11 amount>").reason == "Missing value after `amount>`."
    assert bad("deals 11 owner=me owner=x").reason == "Give owner= once."
    assert bad("deals stage=IC").reason == "Missing list name or id."


def test_remove_needs_a_list_a_kind_and_an_id_or_name():
    assert ok("remove Series A deal 981").args == {
        "list": ListRef(name="Series A"),
        "entity_type": "opportunity",
        "entity_id": 981,
        "entity_term": None,
    }
    named = ok("remove Deal Flow deal Big Deal Co")  # the list runs to the first kind word
    assert named["list"] == ListRef(name="Deal Flow") and named["entity_term"] == "Big Deal Co"
    quoted = ok('remove "Org Watch" org "Friday Ventures"')
    assert quoted["list"] == ListRef(name="Org Watch") and quoted["entity_id"] is None
    assert quoted["entity_term"] == "Friday Ventures"
    assert format_command(named) == 'remove "Deal Flow" deal "Big Deal Co"'
    assert ok("remove Founders person 2001 extra")["entity_term"] == "2001 extra"  # not 2001
    assert "Missing list" in bad("remove person 4").reason
    assert "Missing kind" in bad("remove Portfolio thing 5").reason


def test_remind_takes_an_id_or_a_name_up_to_the_day():
    named = ok("remind org Friday Ventures monday Call them")
    assert named["target_term"] == "Friday Ventures" and named["when"] == "monday"
    assert named["target_id"] is None and named["content"] == "Call them"
    assert ok("remind person #2001 +3 Ping")["target_id"] == 2001
    assert ok('remind deal "Tuesday Labs" today x')["target_term"] == "Tuesday Labs"
    no_day = bad("remind person Jane Smith call her").reason
    assert "No day in “Jane Smith call her”" in no_day and "jane smith tomorrow" in no_day
    assert "`someday` is not a day" in bad("remind org 5001 someday Call them").reason
    assert ok("remind org 37 Signals friday x")["target_term"] == "37 Signals"
    assert format_command(named) == 'remind org "Friday Ventures" monday Call them'


def test_deal_and_its_write_look_alikes():
    assert ok("deal 981")["opportunity_id"] == 981
    error = bad("deal add 981 person 4")
    assert error.suggestion == "deal-add" and "deal-add" in error.reason
    assert ok("deal Acme").args == {"term": "Acme"}  # a name is searched for
    assert ok("deal 981 extra").args == {"term": "981 extra"}
    assert bad("deal").reason == "Missing deal name or id."


def test_new_deal_with_options_and_smart_quotes():
    command = ok(
        "new-deal “Series A” Acme O\u2019Brien Seed --org 310 --org=311 --person 42 "
        "--owner 7 --org 310"
    )
    assert command["list"] == ListRef(name="Series A")
    assert command["name"] == "Acme O'Brien Seed"
    assert command["organization_ids"] == (310, 311)
    assert command["person_ids"] == (42,)
    assert command["owner_id"] == 7
    assert writes(command)


def test_new_deal_mistakes():
    assert bad("new-deal").reason.startswith("Missing list")
    assert bad('new-deal "Series A"').reason == "Missing deal name."
    assert "Unknown option `--stage`" in bad('new-deal "Series A" Acme --stage 3').reason
    assert "not an id" in bad('new-deal "Series A" Acme --org acme').reason
    assert "Missing id after --org" in bad('new-deal "Series A" Acme --org').reason
    assert bad('new-deal "Series A" Acme --owner 1 --owner 2').reason == "Give --owner once."
    # A quoted "--org" is part of the name, not an option.
    assert ok('new-deal 11 "--org" deal')["name"] == "--org deal"


def test_rename_deal_keeps_the_name_as_typed():
    command = ok('rename-deal 981 "Acme — Series A"')
    assert command == Command("rename-deal", {"opportunity_id": 981, "name": "Acme — Series A"})
    assert bad("rename-deal 981").reason == "Missing new name."


@pytest.mark.parametrize("verb", ["deal-add", "deal-remove"])
def test_deal_membership(verb):
    assert ok(f"{verb} 981 person 42").args == {
        "opportunity_id": 981,
        "entity_type": "person",
        "entity_id": 42,
    }
    assert ok(f"{verb} 981 company 310")["entity_type"] == "organization"
    assert "not a valid kind" in bad(f"{verb} 981 deal 5").reason
    assert bad(f"{verb} 981 person").reason == "Missing person id."


def test_note_keeps_text_line_breaks_and_quotes():
    command = ok('note deal 981 Met the founders.\n"Strong" team & <great> traction')
    assert command["target"] == "opportunity" and command["target_id"] == 981
    assert command["content"] == 'Met the founders.\n"Strong" team & <great> traction'
    assert ok('note org 310 "quoted whole"')["content"] == "quoted whole"


def test_note_without_text_is_not_a_silent_read_or_write():
    error = bad("note person 42")
    assert "notes person 42" in error.reason and error.subcommand == "note"


def test_notes_only_reads():
    assert ok("notes org 310").args == {
        "target": "organization",
        "target_id": 310,
        "target_term": None,
    }
    error = bad("notes org 310 great meeting")
    assert error.subcommand == "notes" and "note org 310" in error.reason


def test_note_and_notes_take_a_name():
    one_word = ok("note org acme Intro call went well")
    assert one_word["target_term"] == "acme" and one_word["content"] == "Intro call went well"
    quoted = ok('note person "Jane Smith" Great call')
    assert quoted["target_term"] == "Jane Smith" and quoted["target_id"] is None
    assert quoted["content"] == "Great call"
    assert format_command(quoted) == 'note person "Jane Smith" Great call'
    assert ok("notes person jane smith")["target_term"] == "jane smith"
    assert "notes org acme" in bad("note org acme").reason


def test_add_to_list_accepts_unquoted_multiword_list():
    assert ok("add Series A Pipeline org 310").args == {
        "list": ListRef(name="Series A Pipeline"),
        "entity_type": "organization",
        "entity_id": 310,
    }
    assert ok("add 13 org 310")["list"] == ListRef(id=13)
    assert bad("add Portfolio 310").subcommand == "add"
    assert "not a valid kind" in bad("add Portfolio deal 5").reason


# --- quoting --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, term",
    [
        ("person O'Brien", "O'Brien"),
        ("person O\u2019Brien", "O'Brien"),
        ("person 'Mary O'Brien'", "Mary O'Brien"),
        ("person “Mary Jane” Watson", "Mary Jane Watson"),
        ('person "unclosed quote', "unclosed quote"),
        ("person d'Artagnan l'Ancien", "d'Artagnan l'Ancien"),
    ],
)
def test_quotes_and_apostrophes(text, term):
    assert ok(text)["ref"].term == term


def test_smart_quoted_list_names():
    assert ok("add „Series A“ org 1")["list"] == ListRef(name="Series A")
    assert ok("new-deal \u2018Seed Pipeline\u2019 Acme")["list"] == ListRef(name="Seed Pipeline")


# --- errors, typos, nothing written by accident ---------------------------------------------------


@pytest.mark.parametrize(
    "typo, meant",
    [
        ("dels", "deals"),
        ("persn", "person"),
        ("lsts", "lists"),
        ("conect", "connect"),
        ("nots", "notes"),
        ("pipline", "deals"),
    ],
)
def test_typos_suggest_the_closest_command(typo, meant):
    error = bad(f"{typo} something")
    assert error.suggestion == meant
    assert f"Did you mean `{meant}`?" in error.message


@pytest.mark.parametrize(
    "text, meant",
    [("new deal x y", "new-deal"), ("who knows jane", "intro"), ("rename deal 5 x", "rename-deal")],
)
def test_two_words_for_a_hyphenated_command(text, meant):
    assert bad(text).suggestion == meant


def test_unknown_word_suggests_a_person_lookup():
    assert bad("Jane Smith").suggestion == "person Jane Smith"
    assert bad("xyzzy 1 2 3 4 5").suggestion is None


def test_help_for_unknown_topic():
    error = bad("help dels")
    assert error.subcommand == "help" and error.suggestion == "deals"


def test_usage_error_names_the_subcommand_usage():
    error = bad("deal-add 981")
    assert error.usage == "`/affinity deal-add <id> person|org <id>`"
    assert error.message.splitlines()[-1].startswith("Usage: `/affinity deal-add")


WRITES = {
    "new-deal",
    "rename-deal",
    "deal-add",
    "deal-remove",
    "note",
    "add",
    "note-edit",
    "note-delete",
    "remind",
    "done",
    "new-person",
    "new-org",
    "stage",
    "set",
    "remove",
}


def test_only_the_write_commands_write():
    assert {name for name, spec in SUBCOMMANDS.items() if spec.writes} == WRITES


@pytest.mark.parametrize(
    "text",
    [
        "note",
        "note deal",
        "nte deal 5 hi",
        "new-deal",
        "add",
        "add x",
        "rename-deal",
        "rename-deal x y",
        "deal-add 1 person x",
        "deal-remove",
        "new deal x y",
        "notes deal 5 do something",
        "Note",
        "deal 5 rename x",
    ],
)
def test_broken_write_attempts_never_parse_as_writes(text):
    result = parse(text)
    assert not (isinstance(result, Command) and writes(result)), result


@given(st.text(max_size=80))
def test_parse_never_raises_and_returns_a_result(text):
    result = parse(text)
    assert isinstance(result, Command | UsageError)


ROUND_TRIP = [
    "stage 981 Term Sheet",
    'stage "Acme \u2013 Series A" First Meeting',
    "stage Acme Seed to IC",
    "move 'Bob \"B\" Co' IC",
    'set 981 "Last Reviewed" today',
    "set Acme Seed owners=Maya Patel, Daniel Okafor",
    "deal Acme Seed",
    "deals Series A stage=IC,Diligence owner=Maya Patel amount>=5M note=empty sort=-amount",
    "deals 11 sector~fin stage=First Meeting",
    'remove "Founders to Watch" person 42',
    "remove 11 deal 981",
    "person Jane Smith",
    "org acme.com",
    "intro 42",
    "deals Series A",
    "deal 981",
    'new-deal "Series A" "Acme Seed" --org 310 --person 42 --owner 7',
    "rename-deal 981 New name",
    "deal-add 981 org 310",
    "deal-remove 981 person 42",
    "note deal 981 Met them\nGreat",
    "notes person 42",
    'add "Series A Pipeline" person 42',
    "help note",
    "lists",
    "status",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_to_text_round_trips(text):
    command = ok(text)
    assert parse(format_command(command)) == command


QUOTES = set('"\u201c\u201d\u201e\u201f\u00ab\u00bb')
APOSTROPHES = set("'\u2018\u2019\u201a\u201b")
names = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
    .map(lambda s: " ".join(s.split()))
    .filter(lambda s: s and not (QUOTES & set(s) and APOSTROPHES & set(s)))
)


def _normal(text: str) -> str:
    return "".join("'" if c in APOSTROPHES else c for c in text)


@given(names, names)
def test_new_deal_names_round_trip(list_name, deal_name):
    from bot.grammar.grammar import parse_id

    if parse_id(list_name) is not None:
        return
    command = Command(
        "new-deal",
        {
            "list": ListRef(name=list_name),
            "name": deal_name,
            "organization_ids": (3,),
            "person_ids": (),
            "owner_id": None,
        },
    )
    back = parse(format_command(command))
    assert isinstance(back, Command), (format_command(command), back)
    assert back["list"] == ListRef(name=_normal(list_name))
    assert back["name"] == _normal(deal_name)
    assert back["organization_ids"] == (3,)


@given(names)
@example("&amp;")  # Slack's escaping must survive a button's round trip
@example("<mailto:a@b.co|x>")
def test_lookup_terms_round_trip(term):
    from bot.grammar.grammar import parse_id

    if parse_id(term) is not None:
        return
    command = Command("person", {"ref": EntityRef("person", term=term)})
    back = parse(format_command(command))
    assert back == Command("person", {"ref": EntityRef("person", term=_normal(term))})


# --- resolution -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref, expected_id, how",
    [
        (ListRef(id=12), 12, "id"),
        (ListRef(name="series a pipeline"), 11, "name"),
        (ListRef(name="series a"), 11, "prefix"),
        (ListRef(name="SERIES-A"), 11, "prefix"),
        (ListRef(name="growth 2026"), 15, "words"),
        (ListRef(name="deals"), 15, "words"),
    ],
)
def test_match_lists_found(ref, expected_id, how):
    match = match_lists(ref, LISTS, "opportunity")
    assert (match.status, match.list["id"], match.how) == ("found", expected_id, how)


def test_match_lists_ambiguous_lists_the_candidates():
    match = match_lists(ListRef(name="pipeline"), LISTS, "opportunity")
    assert match.status == "ambiguous"
    assert {c["id"] for c in match.candidates} == {11, 12}


def test_match_lists_exact_name_beats_prefix():
    lists = [*LISTS, {"id": 16, "name": "Seed", "type": "opportunity"}]
    assert match_lists(ListRef(name="seed"), lists, "opportunity").list["id"] == 16


def test_match_lists_wrong_kind():
    match = match_lists(ListRef(name="portfolio"), LISTS, "opportunity")
    assert match.status == "wrong_kind" and match.candidates[0]["id"] == 13
    assert match_lists(ListRef(id=13), LISTS, "person").status == "wrong_kind"


def test_match_lists_not_found_suggests_close_names_first():
    match = match_lists(ListRef(name="sed pipelin"), LISTS, "opportunity")
    assert match.status == "not_found"
    assert match.candidates[0]["id"] == 12
    assert all(c["type"] == "opportunity" for c in match.candidates)


def test_match_lists_unknown_id_is_passed_through():
    match = match_lists(ListRef(id=999), LISTS, "opportunity")
    assert match.status == "found" and match.how == "uncached" and match.list["id"] == 999


# --- planning -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, tool, tool_input",
    [
        ("person 42", "affinity_get_person", {"person_id": 42}),
        ("person jane", "affinity_search_persons", {"term": "jane", "page_size": 10}),
        (
            "org https://www.acme.com",
            "affinity_search_organizations",
            {"term": "acme.com", "page_size": 10},
        ),
        ("org 310", "affinity_get_organization", {"organization_id": 310}),
        ("lists", "affinity_list_lists", {}),
        ("deals series a", "affinity_search_list_entries", {"list_id": 11}),
        (
            "deals series a stage=IC,Diligence owner=me amount>5M sector~fin sort=-amount",
            "affinity_search_list_entries",
            {
                "list_id": 11,
                "stage": ["IC", "Diligence"],
                "owner": "me",
                "where": [
                    {"field": "amount", "op": ">", "value": "5M"},
                    {"field": "sector", "op": "contains", "value": "fin"},
                ],
                "sort_by": "amount",
                "descending": True,
            },
        ),
        (
            "deals 11 amount=empty",
            "affinity_search_list_entries",
            {"list_id": 11, "where": [{"field": "amount", "op": "empty"}]},
        ),
        (
            "stage 981 Term Sheet",
            "affinity_update_field_values",
            {"opportunity_id": 981, "values": [{"field": "stage", "value": "Term Sheet"}]},
        ),
        (
            'set 981 "Last Reviewed" today',
            "affinity_update_field_values",
            {"opportunity_id": 981, "values": [{"field": "Last Reviewed", "value": "today"}]},
        ),
        (
            "remove founders person 42",
            "affinity_remove_from_list",
            {"list_id": 14, "person_id": 42},
        ),
        ("deal 981", "affinity_get_opportunity", {"opportunity_id": 981}),
        (
            'new-deal "Series A Pipeline" Acme --org 310',
            "affinity_create_opportunity",
            {"list_id": 11, "name": "Acme", "organization_ids": [310]},
        ),
        (
            "new-deal 12 Acme --person 4 --owner 7",
            "affinity_create_opportunity",
            {"list_id": 12, "name": "Acme", "person_ids": [4], "owner_id": 7},
        ),
        (
            "rename-deal 981 Acme B",
            "affinity_update_opportunity",
            {"opportunity_id": 981, "name": "Acme B"},
        ),
        (
            "deal-add 981 person 4",
            "affinity_update_opportunity",
            {"opportunity_id": 981, "add_person_ids": [4]},
        ),
        (
            "deal-remove 981 org 310",
            "affinity_update_opportunity",
            {"opportunity_id": 981, "remove_organization_ids": [310]},
        ),
        (
            "note org 310 hello",
            "affinity_create_note",
            {"content": "hello", "organization_ids": [310]},
        ),
        ("notes deal 981", "affinity_list_notes", {"opportunity_id": 981}),
        ("add portfolio org 310", "affinity_add_to_list", {"list_id": 13, "organization_id": 310}),
        ("intro 42", "affinity_get_relationship_strength", {"external_id": 42}),
        (
            "intro jane@acme.com",
            "affinity_search_persons",
            {"term": "jane@acme.com", "page_size": 10},
        ),
    ],
)
def test_plan_first_call(text, tool, tool_input):
    step = plan(ok(text), LISTS)
    assert isinstance(step, ToolCall)
    assert (step.tool, dict(step.input)) == (tool, tool_input)
    assert step.writes == writes(ok(text))


def test_plan_passes_paging_through():
    step = plan(ok("deals 11"), LISTS, page_token="tok", page_size=50)
    assert step.input == {"list_id": 11, "page_token": "tok", "page_size": 50}


@pytest.mark.parametrize("text", ["stage Acme to IC", "set Acme amount 5M", "deal Acme"])
def test_a_deal_named_by_name_is_looked_up_first(text):
    step = plan(ok(text), LISTS)
    assert step == ToolCall("affinity_search_opportunities", {"term": "Acme", "page_size": 10})


def test_a_deal_name_resolves_to_one_deal_or_a_choice():
    found = {"opportunities": [{"id": 5, "name": "Acme Seed", "list_id": 12}]}
    assert follow_up(ok("deal acme seed"), found) == ToolCall(
        "affinity_get_opportunity", {"opportunity_id": 5}
    )
    write = follow_up(ok("stage acme seed IC"), found)
    assert write.writes and write.input == {
        "opportunity_id": 5,
        "values": [{"field": "stage", "value": "IC"}],
    }
    near = follow_up(ok("stage acme to IC"), found)  # a write on a near match asks first
    assert isinstance(near, Choice) and [o.command for o in near.options] == ["stage 5 IC"]
    several = {"opportunities": [*found["opportunities"], {"id": 6, "name": "Acme Series A"}]}
    choice = follow_up(ok("set acme amount 5M"), several, LISTS)
    assert [o.command for o in choice.options] == ["set 5 amount 5M", "set 6 amount 5M"]
    assert [o.detail for o in choice.options] == ["Seed Pipeline", None]  # lists by their id
    assert follow_up(ok("deal zzz"), {"opportunities": []}).code == "no_match"


def test_a_record_named_in_remind_or_remove_is_found_then_planned_by_id():
    remind = ok("remind person Jane Smith friday Call")
    assert plan(remind, LISTS) == ToolCall(
        "affinity_search_persons", {"term": "Jane Smith", "page_size": 10}
    )
    jane = {"id": 2001, "name": "Jane Smith", "primary_email": "jane@acme.com"}
    again = follow_up(remind, {"persons": [jane]}, LISTS)
    assert again == Replan(remind.replace(target_id=2001, target_term=None))
    near = follow_up(ok("remind person jane friday Call"), {"persons": [jane]}, LISTS)
    assert isinstance(near, Choice) and [o.command for o in near.options] == [
        "remind person 2001 friday Call"
    ]
    remove = ok("remove Series A deal acme")
    assert plan(remove, LISTS).tool == "affinity_search_opportunities"
    deals = [
        {"id": 5, "name": "Acme Seed", "list_id": 12},
        {"id": 6, "name": "Acme", "list_id": 11},
    ]
    step = follow_up(remove, {"opportunities": deals}, LISTS)
    assert isinstance(step, Replan) and step.command["entity_id"] == 6  # only list 11's deal
    assert step.command["list"] == ListRef(id=11) and step.command["entity_name"] == "Acme"
    none = follow_up(ok("remove Seed deal acme"), {"opportunities": deals[1:]}, LISTS)
    assert isinstance(none, Problem) and "on the list “Seed Pipeline”" in none.message


def test_only_day_words_send_the_users_time_zone():
    search = ToolCall("affinity_search_list_entries", {"list_id": 11})
    today = ok('deals 11 "Last Reviewed=today"')
    assert in_user_zone(search, today, "Asia/Tokyo").input["time_zone"] == "Asia/Tokyo"
    assert "time_zone" not in in_user_zone(search, ok("deals 11 amount>5M"), "Asia/Tokyo").input
    write = ToolCall("affinity_update_field_values", {"opportunity_id": 1, "values": []})
    assert in_user_zone(write, ok('set 1 "Last Reviewed" today'), "UTC").input["time_zone"]
    assert "time_zone" not in in_user_zone(write, ok("set 1 amount 5M"), "UTC").input


@pytest.mark.parametrize("word", ["help", "connect", "status", "disconnect"])
def test_plan_local_actions(word):
    assert plan(ok(word)) == Local(word, None)


def test_plan_ambiguous_list_offers_a_choice_that_reruns_with_the_id():
    step = plan(ok("deals pipeline"), LISTS)
    assert isinstance(step, Choice)
    assert {o.command for o in step.options} == {"deals 11", "deals 12"}


def test_plan_write_with_a_fuzzy_list_asks_first():
    step = plan(ok("new-deal series Acme --org 310"), LISTS)
    assert isinstance(step, Choice)
    assert [o.command for o in step.options] == ["new-deal 11 Acme --org 310"]


def test_plan_write_to_wrong_kind_of_list_is_a_problem():
    step = plan(ok("add portfolio person 42"), LISTS)
    assert isinstance(step, Problem) and step.code == "wrong_kind"
    assert "list of organizations" in step.message
    assert [o.command for o in step.options] == ["add 14 person 42"]


def test_plan_unknown_list_and_missing_cache():
    assert plan(ok("deals nothing like it"), LISTS).code == "not_found"
    assert plan(ok("deals series a"), []).code == "no_lists"
    assert plan(ok("deals 11"), []).input == {"list_id": 11}


JANE = {
    "id": 1,
    "name": "Jane Smith",
    "primary_email": "jane@acme.com",
    "emails": ["jane@acme.com", "j@home.org"],
}
JANET = {"id": 2, "name": "Janet Smithers", "primary_email": "janet@beta.io", "emails": []}


def test_follow_up_one_match_fetches_it():
    step = follow_up(ok("person jane"), {"persons": [JANE], "next_page_token": None})
    assert step == ToolCall("affinity_get_person", {"person_id": 1})
    step = follow_up(ok("intro jane"), {"persons": [JANE], "next_page_token": None})
    assert step == ToolCall("affinity_get_relationship_strength", {"external_id": 1})


def test_follow_up_several_matches_ask():
    step = follow_up(ok("person jan"), {"persons": [JANE, JANET], "next_page_token": "p2"})
    assert isinstance(step, Choice)
    assert [o.command for o in step.options] == ["person 1", "person 2"]
    assert step.next_page_token == "p2"


def test_follow_up_prefers_exact_email_domain_or_name():
    assert follow_up(ok("person j@home.org"), {"persons": [JANET, JANE]}).input == {"person_id": 1}
    assert follow_up(ok("person jane smith"), {"persons": [JANET, JANE]}).input == {"person_id": 1}
    orgs = {
        "organizations": [
            {"id": 5, "name": "Acme Labs", "domain": "acmelabs.com", "domains": ["acmelabs.com"]},
            {"id": 6, "name": "Acme", "domain": "acme.com", "domains": ["acme.com", "acme.io"]},
        ]
    }
    assert follow_up(ok("org acme.io"), orgs).input == {"organization_id": 6}


def test_follow_up_no_match_and_already_fetched():
    assert follow_up(ok("person zed"), {"persons": []}).code == "no_match"
    assert follow_up(ok("person 1"), JANE) is None
    assert follow_up(ok("deals 11"), {"opportunities": []}) is None


# --- help and docs stay true ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_example_parses_to_its_own_command(name):
    for sample in SUBCOMMANDS[name].examples:
        assert ok(sample).name == name


def test_the_command_reference_documents_every_usage():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "commands.md").read_text(encoding="utf-8")
    for spec in SUBCOMMANDS.values():
        assert f"`/affinity {spec.usage.replace('|', chr(92) + '|')}" in doc, spec.usage


@pytest.mark.parametrize(
    "text, meant",
    [
        ("search jane", "person jane"),
        ("serch jane smith", "person jane smith"),
        ("who is jane smith", "person jane smith"),
        ("find acme.com", "org acme.com"),
        ("show deals", "deals"),
    ],
)
def test_a_search_word_suggests_the_lookup_without_it(text, meant):
    error = bad(text)
    assert error.suggestion == meant
    assert f"Did you mean `{meant}`?" in error.message


def test_a_word_after_a_quoted_list_name_is_a_mode_or_a_mistake():
    assert "not a mode (stages, new or all)" in bad('follow "Series A Pipeline" bogus').message
    assert "Did you mean `stages`?" in bad('follow "Deal Flow" stage').message
    assert "Unexpected `x`" in bad('unfollow "Deal Flow" x').message
    followed = parse('follow "Deal Flow" new #deals')
    assert isinstance(followed, Command) and followed.args["list"].name == "Deal Flow"
    assert parse("follow Deal Flow new").args["list"].name == "Deal Flow"  # unquoted: as before
