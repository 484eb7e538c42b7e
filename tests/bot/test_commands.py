"""`/affinity` end to end: signed slash commands to the real app, the sandbox behind it.

Every subcommand's happy path with what the user sees, usage errors that write nothing, the
connection problems (not connected, revoked mid-session, 403, 429, 5xx) and privacy: answers go
to the response_url as ephemeral messages and nothing is posted in the channel.
"""

from __future__ import annotations

import re

import pytest

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from tests.bot.test_commands_support import (
    ALICE,
    BOB,
    CAROL,
    button,
    connect,
    has_button,
    make_app,
    run,
    without_retries,
)

BASE = "https://northwind.affinity.co"


@pytest.fixture
def app(slack_app_factory):
    return make_app(slack_app_factory)


def private(reply) -> None:
    assert reply.params["response_type"] == "ephemeral"


def test_person_card_by_name_is_private_and_links_into_affinity(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, "person jane smith")
    private(reply)
    assert "Jane Smith" in reply.text and seed.JANE_EMAIL in reply.text
    assert f"{BASE}/persons/{seed.JANE_ID}" in reply.text
    assert button(reply, ids.SHARE)["value"] == f"person {seed.JANE_ID}"
    assert app.fake.calls("chat.postMessage") == []  # nothing in the channel


def test_person_by_email_and_by_id(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    assert "Jane Smith" in run(app, f"person {seed.JANE_EMAIL}").text
    assert seed.JANE_EMAIL in run(app, f"person #{seed.JANE_ID}").text


def test_org_by_domain_and_by_id(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, "org acme.com")
    assert "Acme" in reply.text and f"{BASE}/companies/{seed.ACME_ORG_ID}" in reply.text
    assert f"{BASE}/companies/{seed.ACME_ORG_ID}" in run(app, f"org {seed.ACME_ORG_ID}").text


def test_intro_ranks_relationships(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, f"intro {seed.JANE_EMAIL}")
    assert "Jane Smith" in reply.text
    strengths = [int(n) for n in re.findall(r"` (\d+) ", reply.text)]
    assert strengths and strengths == sorted(strengths, reverse=True)


def test_lists_grouped_by_type(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, "lists")
    for name in ("Series A Pipeline", "Deal Flow", "Portfolio", "Founders to Watch"):
        assert name in reply.text
    assert "Deal pipelines" in reply.text and f"{BASE}/lists/201" in reply.text


def test_a_pipeline_by_list_name(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, "deals series a")
    assert "Series A Pipeline" in reply.text and "Diligence" in reply.text
    assert f"{BASE}/opportunities/{seed.ACME_DEAL_ID}" in reply.text
    assert button(reply, ids.SHARE)["value"] == "deals 201"  # the resolved list


def test_a_pipeline_by_name_refreshes_an_empty_list_cache(app, sandbox):
    connect(app, ALICE, sandbox=sandbox, lists=False)
    assert "Series A Pipeline" in run(app, "pipeline series a").text
    account = app.services.vault.get_account("affinity", f"{app.slack.team_id}:{ALICE}")
    assert {e.name for e in account.lists} >= {"Series A Pipeline", "Deal Flow"}


def test_one_deal_and_its_notes(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, f"deal {seed.ACME_DEAL_ID}")
    assert "Acme" in reply.text and "Diligence" in reply.text
    assert f"{BASE}/opportunities/{seed.ACME_DEAL_ID}" in reply.text
    notes = run(app, f"notes org {seed.ACME_ORG_ID}")
    assert "note" in notes.text.lower()


def test_help_and_help_for_one_command(app, sandbox):
    reply = run(app, "", user_id=CAROL)  # no connection needed
    assert "Affinity commands" in reply.text and "new-deal" in reply.text
    assert "Examples" in run(app, "help new-deal", user_id=CAROL).text


def test_unknown_command_and_bad_arguments_get_usage_and_write_nothing(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    notes, deals = len(sandbox.state.notes), len(sandbox.state.opportunities)
    typo = run(app, "dels series a")
    assert "Did you mean" in typo.text and "deals" in typo.text
    for text in (
        "note pet 5 Met them",
        "note deal 30001",
        "new-deal",
        "deal-add 30001 pet 3",
        'add "Portfolio" org',
        "rename-deal x New",
    ):
        reply = run(app, text)
        assert "Usage:" in reply.text, (text, reply.text)
    assert (len(sandbox.state.notes), len(sandbox.state.opportunities)) == (notes, deals)
    assert sandbox.state.request_count("POST", "/") == 0


def test_not_connected_user_gets_a_connect_button(app, sandbox):
    reply = run(app, "person jane smith", user_id=CAROL)
    private(reply)
    assert "haven't connected" in reply.text
    assert has_button(reply, ids.CONNECT)
    assert sandbox.state.request_count("GET", "/") == 0


def test_key_revoked_mid_session_gets_the_reconnect_prompt(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    assert "Jane Smith" in run(app, f"person {seed.JANE_ID}").text
    sandbox.state.revoke_key(seed.ADMIN_KEY)
    reply = run(app, f"person {seed.JANE_ID}")
    assert has_button(reply, ids.RECONNECT) and "stopped working" in reply.text
    assert seed.ADMIN_KEY not in reply.text
    again = run(app, "lists")  # the account is REVOKED now: no call is even tried
    assert has_button(again, ids.RECONNECT)


def test_private_list_is_refused_for_the_standard_user(app, sandbox):
    connect(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    reply = run(app, f"deals {seed.PRIVATE_LIST_ID}", user_id=BOB)
    assert "403" in reply.text and "private list" in reply.text
    connect(app, ALICE, sandbox=sandbox)
    assert "Partners Only" in run(app, f"deals {seed.PRIVATE_LIST_ID}").text


def test_a_deal_on_the_private_list_is_refused_as_its_list(app, sandbox):
    secret = next(
        o for o in sandbox.state.opportunities.values() if o["list_id"] == seed.PRIVATE_LIST_ID
    )
    connect(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    before = len(sandbox.state.notes)
    for text in (
        f"deal {secret['id']}",
        f"notes deal {secret['id']}",
        f"note deal {secret['id']} Mine now",
    ):
        reply = run(app, text, user_id=BOB)
        assert "You don't have access to this deal's list" in reply.text, text
        assert "· in" not in reply.text
    assert len(sandbox.state.notes) == before
    connect(app, ALICE, sandbox=sandbox)
    assert "Partners Only" in run(app, f"deal {secret['id']}").text


def test_rate_limit_and_server_errors_get_a_clear_answer(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    without_retries(app)
    sandbox.state.force_rate_limit(seed.ADMIN_KEY, 50)
    reply = run(app, "lists")
    assert re.search(r"rate limiting your key; try again in \d+ s", reply.text), reply.text
    sandbox.state.clear_faults()
    sandbox.state.fail("*", "/v2/persons*", 503, 50)
    sandbox.state.fail("*", "/persons*", 503, 50)
    reply = run(app, f"person {seed.JANE_ID}")
    assert "not answering properly" in reply.text


def test_a_failed_write_never_claims_nothing_happened(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    without_retries(app)
    sandbox.state.fail("POST", "/v2/notes*", 500, 5)
    reply = run(app, f"note deal {seed.ACME_DEAL_ID} Call went well")
    assert "may or may not have been saved; check in Affinity before retrying" in reply.text
    assert sandbox.state.request_count("POST", "/v2/notes") == 1  # a write is never repeated


def test_every_connector_error_has_its_own_one_line_answer():
    from affinity_client.errors import NotFoundError, ToolInputError, UnknownOutcomeError
    from bot.connector import KeyRevokedError, NotConnectedError
    from bot.features.commands.answers import for_error

    def text(error, writes=False):
        return for_error(error, writes=writes)["blocks"][0]["text"]["text"]

    assert "may or may not have been saved; check" in text(
        UnknownOutcomeError("POST /notes timed out"), writes=True
    )
    assert "Not found" in text(NotFoundError("person 9 not found"))
    assert "Nothing was changed" in text(ToolInputError("bad page_size"), writes=True)
    assert "stopped working" in text(KeyRevokedError())
    assert "haven't connected" in text(NotConnectedError("PENDING"))


@pytest.mark.parametrize(
    "text",
    [
        "person jane",
        "person 4",
        "org acme.com",
        "org 5",
        "intro 3",
        "intro jane@x.com",
        "lists",
        "deals 11",
        "deal 9",
        "new-deal 11 Acme --org 3 --person 4 --owner 5",
        "rename-deal 9 X",
        "deal-add 9 person 3",
        "deal-remove 9 org 3",
        "note deal 9 hi",
        "note person 9 hi",
        "notes org 3",
        "add 13 org 5",
        "add 14 person 5",
        "remind deal 9 tomorrow Call back",
        "remind org 3 2027-01-15 Check in",
        "reminders",
        "meetings",
        "meetings today",
        "note-edit 9 Better text",
        "note-delete 9",
        "done 9",
    ],
)
def test_every_planned_call_fits_its_tools_input_schema(text):
    """The planner's inputs are what the tool catalog accepts (`add` once sent unknown keys)."""
    import jsonschema

    from affinity_client import TOOLS
    from bot.grammar import parse
    from bot.grammar.resolve import ToolCall, plan

    tools = {t.name: t for t in (TOOLS.values() if isinstance(TOOLS, dict) else TOOLS)}
    lists = [
        {"id": 11, "name": "Series A", "type": "opportunity"},
        {"id": 13, "name": "Portfolio", "type": "organization"},
        {"id": 14, "name": "Founders", "type": "person"},
    ]
    step = plan(parse(text), lists)
    assert isinstance(step, ToolCall)
    jsonschema.validate(dict(step.input), tools[step.tool].input_schema)


def test_connect_opens_the_modal_with_the_commands_trigger(app, sandbox):
    sent = app.slack.as_user(CAROL).command("connect")
    opened = app.fake.wait_for("views.open")
    assert opened.params["trigger_id"] == sent.trigger_id
    assert opened.params["view"]["callback_id"] == ids.CONNECT_MODAL


def test_status_disconnect_and_pin_tenant_are_answered_by_the_connect_feature(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    assert "Maya Patel" in run(app, "status").text
    assert has_button(run(app, "disconnect"), ids.DISCONNECT_CONFIRM)
    app.fake.set_user(ALICE, is_admin=True)
    assert "Northwind" in run(app, "pin-tenant").text
    assert "Unpinned" in run(app, "unpin-tenant").text
    assert "admin" in run(app, "pin-tenant", user_id=BOB).text


def test_the_ack_comes_at_once_even_when_affinity_is_slow(app, sandbox):
    import time

    connect(app, ALICE, sandbox=sandbox)
    sandbox.state.add_latency(1500, f"/opportunities/{seed.ACME_DEAL_ID}")
    started = time.monotonic()
    sent = app.slack.command(f"deal {seed.ACME_DEAL_ID}")
    assert sent.status_code == 200 and time.monotonic() - started < 1.0
    from tests.bot.test_commands_support import answer

    assert "Acme" in answer(app, sent).text
    assert time.monotonic() - started >= 1.5  # the slow work really came after the ack


def test_no_api_key_reaches_slack(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    connect(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    for text in (
        "person jane smith",
        "deals series a",
        f"deals {seed.PRIVATE_LIST_ID}",
        "status",
        "note deal x y",
    ):
        run(app, text)
        run(app, text, user_id=BOB)
    sandbox.state.revoke_key(seed.ADMIN_KEY)
    run(app, "lists")
    everything = repr([c.params for c in app.fake.calls()])
    for key in (seed.ADMIN_KEY, seed.STANDARD_KEY):
        assert key not in everything
