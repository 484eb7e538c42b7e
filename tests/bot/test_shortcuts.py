""" "Log to Affinity" and "New Affinity note" through signed requests, the fake Slack and the
sandbox: shortcut -> form -> typeahead -> submission -> one note with the message's permalink."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from affinity_client.sandbox import seed
from bot.blocks.actions import CONNECT_MODAL
from bot.devtools.fake_anthropic import reply
from bot.devtools.fake_slack import RecordedCall
from bot.features import commands, connect, platform, shortcuts
from bot.features.shortcuts.modal import (
    LOG_MESSAGE,
    NEW_NOTE,
    NOTE_MODAL,
    RECORDS_ACTION,
    RECORDS_BLOCK,
    SUMMARISE_ACTION,
    SUMMARISE_BLOCK,
    TEXT_ACTION,
    THREAD_TOGGLE,
)
from tests.bot.test_conversation_support import *  # noqa: F403  (fixtures)
from tests.bot.test_conversation_support import connect as connect_user

FEATURES = [platform, connect, commands, shortcuts]
MESSAGE = "Great call with Jane Smith (jane@acme.com) today: ARR ~$3.1M, raising a Series A."
FOUNDER = "U0BOB0001"


@pytest.fixture
def app(slack_app_factory: Any) -> Any:
    return slack_app_factory(features=FEATURES)


def note_form(fake: Any, after: float = 0.0) -> RecordedCall:
    """The filled note form (views.update with the records input)."""
    return fake.wait_for(
        "views.update",
        lambda c: (
            c.at >= after
            and any(b.get("block_id") == RECORDS_BLOCK for b in c.params["view"]["blocks"])
        ),
        timeout=10,
    )


def text_block(view: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b["block_id"].startswith("note_text:"))


def records_of(view: dict[str, Any]) -> list[dict[str, Any]]:
    block = next(b for b in view["blocks"] if b["block_id"] == RECORDS_BLOCK)
    return block["element"].get("initial_options") or []


def submit(slack: Any, form: RecordedCall, text: str, options: list[dict], **extra: Any) -> Any:
    view = form.params["view"]
    values = {
        text_block(view)["block_id"]: {TEXT_ACTION: {"type": "plain_text_input", "value": text}},
        RECORDS_BLOCK: {
            RECORDS_ACTION: {"type": "multi_external_select", "selected_options": options}
        },
        **extra,
    }
    return slack.view_submission(
        NOTE_MODAL,
        values,
        private_metadata=view["private_metadata"],
        view_id=form.params["view_id"],
    )


def plain(content: str) -> str:
    """A note's text as a reader sees it (notes may be stored as HTML)."""
    text = re.sub(r"<br\s*/?>|</p>|</li>", "\n", content or "")
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def notes_containing(sandbox: Any, needle: str) -> list[dict[str, Any]]:
    return [n for n in sandbox.state.notes.values() if needle in plain(n.get("content") or "")]


def test_log_to_affinity_saves_one_note_on_every_chosen_record_with_the_permalink(app, sandbox):
    slack, fake = app.slack, app.fake
    connect_user(app, slack.user_id, sandbox=sandbox)
    sent = slack.message_action(LOG_MESSAGE, text=MESSAGE, author=FOUNDER)
    assert sent.status_code == 200
    ts = sent.payload["message_ts"]

    opened = fake.wait_for("views.open")
    assert "Reading the message" in opened.text  # at once, inside the trigger's 3 s
    form = note_form(fake)
    view = form.params["view"]
    assert text_block(view)["element"]["initial_value"] == MESSAGE
    prefilled = {o["value"] for o in records_of(view)}
    assert f"person:{seed.JANE_ID}" in prefilled  # recognised by the email in the text

    typed = slack.block_suggestion(
        RECORDS_ACTION, "acme", block_id=RECORDS_BLOCK, view={"id": form.params["view_id"]}
    )
    groups = {g["label"]["text"]: g["options"] for g in typed.json()["option_groups"]}
    org = next(
        o for o in groups["Organizations"] if o["value"] == f"organization:{seed.ACME_ORG_ID}"
    )
    deal = next(o for o in groups["Deals"] if o["value"] == f"opportunity:{seed.ACME_DEAL_ID}")

    chosen = [*records_of(view), org, deal]
    first = submit(slack, form, "Edited: ARR ~$3.1M, Series A.", chosen)
    second = submit(slack, form, "Edited: ARR ~$3.1M, Series A.", chosen)  # a double submit
    assert first.status_code == second.status_code == 200

    said = fake.wait_for(
        "chat.postEphemeral", lambda c: "Logged a note" in c.text and c["user"] == slack.user_id
    )
    notes = notes_containing(sandbox, "Edited: ARR ~$3.1M")
    assert len(notes) == 1
    note = notes[0]
    permalink = (
        f"https://fake-workspace.slack.com/archives/{slack.channel_id}/p{ts.replace('.', '')}"
    )
    assert plain(note["content"]).endswith(f"From Slack: {permalink}")
    assert seed.JANE_ID in note["person_ids"]
    assert note["organization_ids"] == [seed.ACME_ORG_ID]
    assert note["opportunity_ids"] == [seed.ACME_DEAL_ID]
    assert "Acme" in said.text and said["channel"] == slack.channel_id
    assert ".affinity.co/companies/" in json.dumps(said.params["blocks"])
    assert len([c for c in fake.calls("chat.postEphemeral") if "Logged a note" in c.text]) == 1


def test_a_submission_without_a_record_is_answered_in_the_form(app, sandbox):
    slack, fake = app.slack, app.fake
    connect_user(app, slack.user_id, sandbox=sandbox)
    slack.message_action(LOG_MESSAGE, text="No names here at all.")
    form = note_form(fake)

    answer = submit(slack, form, "", [])
    errors = answer.json()["errors"]
    assert RECORDS_BLOCK in errors and "note_text:message" in errors
    assert notes_containing(sandbox, "No names here") == []


def test_the_thread_toggle_puts_the_whole_thread_in_the_note(app, sandbox):
    slack, fake = app.slack, app.fake
    connect_user(app, slack.user_id, sandbox=sandbox)
    fake.set_user(FOUNDER, real_name="Bob Founder")
    root = fake.add_message(slack.channel_id, "Acme term sheet is in.", user=FOUNDER)
    reply_ts = fake.add_message(
        slack.channel_id, "Let's sign by Friday.", user=slack.user_id, thread_ts=root
    )
    slack.message_action(
        LOG_MESSAGE, text="Let's sign by Friday.", message_ts=reply_ts, thread_ts=root
    )
    form = note_form(fake)
    toggle = slack.block_action_payload(
        THREAD_TOGGLE,
        view={
            "id": form.params["view_id"],
            "private_metadata": form.params["view"]["private_metadata"],
        },
    )
    toggle["actions"][0].update(
        type="checkboxes",
        selected_options=[{"text": {"type": "plain_text", "text": "x"}, "value": "thread"}],
    )
    slack.block_action(THREAD_TOGGLE, payload=toggle)

    swapped = fake.wait_for(
        "views.update", lambda c: "note_text:thread" in json.dumps(c.params["view"]), timeout=10
    )
    text = text_block(swapped.params["view"])["element"]["initial_value"]
    assert text.splitlines()[0] == "Bob Founder: Acme term sheet is in."
    assert "Let's sign by Friday." in text.splitlines()[1]


def test_not_connected_the_key_modal_comes_first_then_the_note_form(app, sandbox):
    slack, fake = app.slack, app.fake
    slack.message_action(LOG_MESSAGE, text=MESSAGE)
    key_modal = fake.wait_for("views.open")
    assert key_modal.params["view"]["callback_id"] == CONNECT_MODAL
    assert not fake.calls("views.update")

    values = slack.input_values({"affinity_api_key": seed.ADMIN_KEY}, "affinity_api_key_input")
    answer = slack.view_submission(
        CONNECT_MODAL,
        values,
        private_metadata=key_modal.params["view"]["private_metadata"],
        view_id="VKEY00001",
    )
    assert answer.json()["response_action"] == "update"  # the key modal turns into the form
    fake.show_view("VKEY00001", answer.json()["view"])  # what Slack now shows
    form = note_form(fake)
    assert form.params["view_id"] == "VKEY00001"
    assert text_block(form.params["view"])["element"]["initial_value"] == MESSAGE


def test_new_affinity_note_from_the_global_shortcut_is_confirmed_in_the_dm(app, sandbox):
    slack, fake = app.slack, app.fake
    connect_user(app, slack.user_id, sandbox=sandbox)
    slack.shortcut(NEW_NOTE)
    form = note_form(fake)
    assert "initial_value" not in text_block(form.params["view"])["element"]

    option = {
        "text": {"type": "plain_text", "text": "Acme"},
        "value": f"organization:{seed.ACME_ORG_ID}",
    }
    submit(slack, form, "Board seat discussed.", [option])
    said = fake.wait_for("chat.postMessage", lambda c: "Logged a note" in c.text)
    assert said["channel"] == slack.user_id
    (note,) = notes_containing(sandbox, "Board seat discussed.")
    assert "From Slack" not in plain(note["content"])


def test_summarise_replaces_the_text_with_claudes_summary(chat_app_factory, api, sandbox):
    app = chat_app_factory(features=FEATURES)
    slack, fake = app.slack, app.fake
    connect_user(app, slack.user_id, sandbox=sandbox)
    api.add(reply("- Acme: ARR $3.1M, Series A"))
    slack.message_action(LOG_MESSAGE, text=MESSAGE)
    form = note_form(fake)
    assert any(b["block_id"] == SUMMARISE_BLOCK for b in form.params["view"]["blocks"])

    option = {
        "text": {"type": "plain_text", "text": "Acme"},
        "value": f"organization:{seed.ACME_ORG_ID}",
    }
    summarise = {
        SUMMARISE_BLOCK: {
            SUMMARISE_ACTION: {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
        }
    }
    submit(slack, form, MESSAGE, [option], **summarise)
    fake.wait_for("chat.postEphemeral", lambda c: "Logged a note" in c.text)
    (note,) = notes_containing(sandbox, "- Acme: ARR $3.1M, Series A")
    assert "Great call" not in plain(note["content"])
    assert MESSAGE in json.dumps(api.message_requests[0].messages)


def test_someone_elses_form_saves_nothing_for_them(app, sandbox):
    slack, fake = app.slack, app.fake
    connect_user(app, slack.user_id, sandbox=sandbox)
    bob = slack.as_user("U0BOB0001")
    connect_user(app, bob.user_id, key=seed.STANDARD_KEY, sandbox=sandbox)
    slack.message_action(LOG_MESSAGE, text="Alice's private note text.")
    form = note_form(fake)

    option = {
        "text": {"type": "plain_text", "text": "Acme"},
        "value": f"organization:{seed.ACME_ORG_ID}",
    }
    answer = submit(bob, form, "Bob's note through Alice's form.", [option])
    assert answer.json()["response_action"] == "update"
    assert "expired" in json.dumps(answer.json()["view"])
    assert notes_containing(sandbox, "through Alice's form") == []

    submit(slack, form, "Alice's note.", [option])  # the form is still Alice's to save
    fake.wait_for("chat.postEphemeral", lambda c: "Logged a note" in c.text)
    assert len(notes_containing(sandbox, "Alice's note.")) == 1


def test_forms_are_pruned_after_a_day(app):
    from datetime import timedelta

    from bot.features.shortcuts.drafts import NoteDrafts

    now = [app.services.clock()]
    drafts = NoteDrafts(app.services.engine, lambda: now[0])
    old = drafts.create("T1:U1", "old")
    now[0] += timedelta(hours=25)
    new = drafts.create("T1:U1", "new")

    assert drafts.prune() == 1
    assert drafts.get(old.id, "T1:U1") is None and drafts.get(new.id, "T1:U1") is not None
