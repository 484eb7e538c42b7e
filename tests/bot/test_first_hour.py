"""What a new user trips over in the first hour: each answer as they would see it."""

from __future__ import annotations

import itertools

import pytest

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from bot.blocks.connection import ConnectionView
from bot.blocks.home import app_home
from bot.cli import SUBCOMMANDS, build_parser
from tests.bot.test_commands_support import ALICE, connect, has_button, make_app, run
from vault import cli as vault_cli


@pytest.fixture
def app(slack_app_factory):
    return make_app(slack_app_factory)


@pytest.mark.parametrize("kind", ["deal", "person", "org"])
def test_notes_on_a_record_that_does_not_exist_say_not_found(app, sandbox, kind):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, f"notes {kind} 99999999")
    assert "No notes yet" not in reply.text
    assert "99999999 was not found" in reply.text
    assert not has_button(reply, ids.SHARE)


def test_notes_on_a_record_without_notes_still_say_no_notes_yet(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    noted = {pid for note in sandbox.state.notes.values() for pid in note["person_ids"]}
    quiet = min(pid for pid in sandbox.state.world.persons if pid not in noted)
    reply = run(app, f"notes person {quiet}")
    assert "No notes yet" in reply.text
    # One read answers it: V2's notes of a person say 404 when the person does not exist.
    assert sandbox.state.request_count("GET", f"/v2/persons/{quiet}/notes") == 1
    assert sandbox.state.request_count("GET", f"/persons/{quiet}") == 0


def test_attach_and_detach_that_change_nothing_say_so(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    deal = sandbox.state.world.opportunities[seed.ACME_DEAL_ID]
    on_it = deal["organization_ids"][0]
    again = run(app, f"deal-add {seed.ACME_DEAL_ID} company {on_it}")
    assert "is already on this deal. Nothing changed." in again.text
    missing = run(app, f"deal-remove {seed.ACME_DEAL_ID} person 999999")
    assert "Person 999999 is not on this deal. Nothing changed." in missing.text
    assert sandbox.state.request_count("PUT", "/opportunities") == 0


def test_a_real_change_has_no_nothing_changed_notice(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    deal = sandbox.state.world.opportunities[seed.ACME_DEAL_ID]
    newcomer = next(p for p in sandbox.state.world.persons if p not in deal["person_ids"])
    reply = run(app, f"deal-add {seed.ACME_DEAL_ID} person {newcomer}")
    assert "Nothing changed" not in reply.text and "Deal updated" in reply.text
    assert newcomer in sandbox.state.world.opportunities[seed.ACME_DEAL_ID]["person_ids"]


LONG = "x" * 300
BAD_INPUTS = [
    # missing arguments
    "person",
    "org",
    "intro",
    "deal",
    "new-deal",
    "rename-deal",
    "deal-add",
    "deal-remove",
    "note",
    "notes",
    "add",
    # unknown ids
    "person 99999999",
    "org 99999999",
    "intro 99999999",
    "deal 99999999",
    "rename-deal 99999999 New name",
    "deal-add 99999999 person 1",
    "note deal 99999999 hi",
    "notes deal 99999999",
    "add Portfolio org 99999999",
    "deals 99999999",
    f"deal-add {seed.ACME_DEAL_ID} person 99999999",
    'new-deal "Series A" Dup test --person 99999999',
    # wrong types
    "deal abc",
    "note deal abc hi",
    "deal-add abc person 1",
    "notes deal x",
    "intro 12abc",
    f"deal-add {seed.ACME_DEAL_ID} pet 3",
    # too long
    f"person {LONG}",
    f"org {LONG}",
    f'new-deal "Series A" {"y" * 600}',
    f"rename-deal {seed.ACME_DEAL_ID} {'y' * 600}",
    # unknown names
    "deals No Such Pipeline",
    'add "No Such List" org 1',
    'new-deal "No Such List" Acme',
    "person Zzyzx Qwertyuiop",
    "org zzyzx-qwerty.example",
    # adding people and organizations
    "new-person",
    "new-org",
    "new-person Ada ada@nowhere",
    f"new-person {'y' * 300} y@example.com",
    f"new-org {'y' * 300}",
    "new-org Initech initech_co.com",
]
SCHEMA_WORDING = (
    "must have",
    "is not of type",
    "contains unknown ids: [",
    "Traceback",
    "_ids",
    "characters/items",
    "Error(",
    "input:",
)


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_is_answered_in_plain_words(app, sandbox, text):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, text)
    assert reply.text.strip()
    for wording in SCHEMA_WORDING:
        assert wording not in reply.text, (text, reply.text)


def test_pipeline_lines_carry_the_deal_id(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, "deals series a")
    deal = next(o for o in sandbox.state.world.opportunities.values() if o["list_id"] == 201)
    assert f"(id {deal['id']})" in reply.text


@pytest.mark.parametrize("status", ["NONE", "REVOKED", "ACTIVE"])
def test_home_never_shows_an_empty_section(status):
    activity = [{"at": "2026-11-30T10:00:00+00:00", "tool": "affinity_list_lists", "outcome": "ok"}]
    view = app_home(ConnectionView(status=status, user_name="Maya"), [], activity)
    kinds = [block["type"] for block in view["blocks"]]
    assert "divider" not in {a for a, b in itertools.pairwise(kinds) if a == b}
    assert kinds[-1] != "divider"
    lists_shown = any("Your lists" in str(block) for block in view["blocks"])
    assert lists_shown == (status == "ACTIVE")


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_cli_subcommand_explains_itself(name, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args([name, "--help"])
    shown = capsys.readouterr().out
    assert SUBCOMMANDS[name][1].split()[0] in shown
    assert len(shown.split("\n\n")[1]) > 60  # a description paragraph, not just usage


def test_cli_errors_start_with_the_program_name(capsys, monkeypatch):
    monkeypatch.delenv("VAULT_MASTER_KEYS", raising=False)
    assert vault_cli.run("forget-key") == 2
    assert vault_cli.run("nonsense") == 2
    for line in capsys.readouterr().err.strip().splitlines():
        assert line.startswith("affinity-bot: "), line


def test_a_labelled_link_in_a_note_keeps_its_address(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    run(app, f"note deal {seed.ACME_DEAL_ID} Deck: <https://x.example/v|the deck>")
    contents = [note["content"] for note in sandbox.state.notes.values()]
    assert "<p>Deck: the deck (https://x.example/v)</p>" in contents


def test_an_unknown_word_suggests_similar_commands_not_a_lookup(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, "frobnicate")
    assert "Unknown command `frobnicate`" in reply.text
    assert "Commands with a similar name:" in reply.text
    assert "person frobnicate" not in reply.text
    assert "Did you mean `/affinity person Jane Smith`?" in run(app, "Jane Smith").text
    assert "Did you mean `/affinity deals`?" in run(app, "dels").text
