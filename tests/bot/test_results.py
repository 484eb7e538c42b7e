"""Results after the first answer: choosers, paging with More, Share, and writes that run once
(double clicks, retried deliveries, typed double submits, two processes on one database)."""

from __future__ import annotations

import json
import re
import threading

import pytest

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from bot.features.commands.engine import command_runner
from tests.bot.test_commands_support import (
    ALICE,
    BOB,
    answer,
    button,
    click,
    connect,
    has_button,
    make_app,
    run,
)

BASE = "https://northwind.affinity.co"


@pytest.fixture
def app(slack_app_factory):
    return make_app(slack_app_factory)


# --- choosers --------------------------------------------------------------------------------


def test_a_name_matching_several_people_offers_a_choice_then_shows_the_pick(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    choice = run(app, "person alex")
    assert "Several people match" in choice.text
    picks = [
        b for b in choice.params["blocks"] if b.get("accessory", {}).get("action_id") == ids.PICK
    ]
    assert len(picks) >= 2
    chosen = picks[1]["accessory"]["value"]
    person_id = int(chosen.split()[1])
    sent = click(app, ids.PICK, chosen)
    card = answer(app, sent)
    assert card.params["replace_original"] is True  # the chooser becomes the card
    assert f"{BASE}/persons/{person_id}" in card.text and card.params["response_type"] == (
        "ephemeral"
    )


def test_an_exact_name_wins_over_longer_ones(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    card = run(app, "org acme")  # also finds Acme Corporation and Acme Robotics
    assert f"{BASE}/companies/{seed.ACME_ORG_ID}" in card.text and not has_button(card, ids.PICK)


def test_no_match_is_a_clear_message(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    assert "No person in your Affinity matches" in run(app, "person zzyzx qwerty").text


def test_a_list_name_that_fits_nothing_suggests_lists(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, "deals portfolio")
    assert "is a list of organizations" in reply.text and has_button(reply, ids.PICK)


# --- paging ----------------------------------------------------------------------------------


def deal_ids(call) -> set[int]:
    """The deals listed on this page (the header gives the list's total, not the page's)."""
    return {int(found) for found in re.findall(r"\(id (\d+)\)", call.text)}


def test_more_pages_through_the_whole_deal_flow_list(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    page = run(app, "deals deal flow")
    assert f"{seed.DEAL_FLOW_SIZE} deals" in page.text  # the total over every deal, at once
    seen, pages = deal_ids(page), 1
    while has_button(page, ids.MORE):
        more = button(page, ids.MORE)
        sent = click(app, ids.MORE, more["value"])
        page = answer(app, sent)
        assert page.params["replace_original"] is True
        assert not seen & deal_ids(page)  # no deal twice
        seen |= deal_ids(page)
        pages += 1
        assert pages < 40
    assert len(seen) == seed.DEAL_FLOW_SIZE
    assert "on this page" not in page.text  # the last page says it is complete


def test_more_is_run_with_the_clickers_own_key(app, sandbox):
    """A More value replayed by someone else runs with *their* key: the private list is refused."""
    connect(app, ALICE, sandbox=sandbox)
    connect(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    page = run(app, f"deals {seed.PRIVATE_LIST_ID}")
    assert "Partners Only" in page.text
    replay = json.dumps({"c": f"deals {seed.PRIVATE_LIST_ID}", "p": "some-page-token"})
    sent = click(app, ids.MORE, replay, user_id=BOB)
    assert "403" in answer(app, sent).text
    sent = click(app, ids.SHARE, button(page, ids.SHARE)["value"], user_id=BOB)
    assert "403" in answer(app, sent).text
    assert app.fake.calls("chat.postMessage") == []


def test_a_long_page_token_is_kept_server_side_for_its_owner_only(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    runner = command_runner(app.services)
    key = runner.pages.store(f"{app.slack.team_id}:{ALICE}", "deals 204", None)
    sent = click(app, ids.MORE, json.dumps({"k": key}), user_id=BOB)
    assert "expired" in answer(app, sent).text
    sent = click(app, ids.MORE, json.dumps({"k": key}))
    assert "Deal Flow" in answer(app, sent).text


# --- share -----------------------------------------------------------------------------------


def test_share_posts_the_result_in_the_channel_attributed_and_without_private_buttons(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    card = run(app, "person jane smith")
    assert app.fake.calls("chat.postMessage") == []
    sent = click(app, ids.SHARE, button(card, ids.SHARE)["value"])
    posted = app.fake.wait_for("chat.postMessage")
    assert posted.params["channel"] == app.slack.channel_id
    assert f"Shared by <@{ALICE}>" in posted.text and seed.JANE_EMAIL in posted.text
    kept = [e for b in posted.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert kept and all(e.get("url") for e in kept)  # only "Open in Affinity"
    assert app.fake.responses(sent.response_id) == []


def test_share_of_a_later_page_shares_that_page(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    first = run(app, "deals deal flow")
    second = answer(app, click(app, ids.MORE, button(first, ids.MORE)["value"]))
    click(app, ids.SHARE, button(second, ids.SHARE)["value"])
    posted = app.fake.wait_for("chat.postMessage")
    names = set(re.findall(r"opportunities/(\d+)", second.text))
    assert names and names == set(re.findall(r"opportunities/(\d+)", posted.text))


def test_share_where_the_bot_is_not_a_member_explains(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    card = run(app, f"deal {seed.ACME_DEAL_ID}")
    app.fake.fail_next("chat.postMessage", "not_in_channel", status=200)
    sent = click(app, ids.SHARE, button(card, ids.SHARE)["value"])
    assert "Invite me" in answer(app, sent).text


def test_share_and_run_buttons_never_run_a_write(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    notes = len(sandbox.state.notes)
    for action in (ids.SHARE, ids.MORE, ids.numbered(ids.RUN, 0)):
        sent = click(app, action, f"note deal {seed.ACME_DEAL_ID} sneaky")
        assert "cannot change data" in answer(app, sent).text
    assert len(sandbox.state.notes) == notes


# --- writes ----------------------------------------------------------------------------------


def test_new_deal_reports_the_card_with_a_link(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    before = len(sandbox.state.opportunities)
    reply = run(app, f'new-deal "Series A Pipeline" Zephyr Seed --org {seed.ACME_ORG_ID}')
    assert "Deal created" in reply.text and "Zephyr Seed" in reply.text
    new_id = int(re.search(r"opportunities/(\d+)", reply.text).group(1))
    assert len(sandbox.state.opportunities) == before + 1 and new_id in sandbox.state.opportunities
    assert button(reply, ids.SHARE)["value"] == f"deal {new_id}"  # shares a read, not the write


def test_rename_attach_detach_note_and_add(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    deal = seed.ACME_DEAL_ID
    assert "Acme Renamed" in run(app, f"rename-deal {deal} Acme Renamed").text
    assert sandbox.state.opportunities[deal]["name"] == "Acme Renamed"
    jane = f"persons/{seed.JANE_ID}|"
    detached = run(app, f"deal-remove {deal} person {seed.JANE_ID}")
    assert "Deal updated" in detached.text and jane not in detached.text
    attached = run(app, f"deal-add {deal} person {seed.JANE_ID}")
    assert "Deal updated" in attached.text and jane in attached.text
    again = run(app, f"deal-add {deal} person #{seed.JANE_ID}")  # typed differently
    assert "Deal unchanged" in again.text and "is already on this deal" in again.text
    notes = len(sandbox.state.notes)
    reply = run(app, f"note deal {deal} Met the founders.\nStrong team.")
    assert len(sandbox.state.notes) == notes + 1 and not has_button(reply, ids.SHARE)
    added = run(app, f'add "Portfolio" org {seed.BIG_ORG_ID}')
    assert "Added" in added.text and f"{BASE}/lists/206" in added.text
    again = run(app, f"add portfolio org {seed.BIG_ORG_ID}")  # the same, typed differently
    assert "already on" in again.text


def test_a_typed_write_sent_twice_runs_once(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    notes = len(sandbox.state.notes)
    first = run(app, f"note deal {seed.ACME_DEAL_ID} Double submitted")
    second = run(app, f"note deal {seed.ACME_DEAL_ID} Double submitted")
    assert "Note" in first.text or "note" in first.text
    assert "not repeated" in second.text
    assert len(sandbox.state.notes) == notes + 1


def test_a_retried_command_delivery_runs_once(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    notes = len(sandbox.state.notes)
    slack = app.slack
    payload = slack.command_payload(f"note deal {seed.ACME_DEAL_ID} Retried")
    first = slack.command(payload=payload)
    retry = slack.command(payload=payload, retry_num=1)
    assert retry.status_code == 200
    assert "Note" in answer(app, first).text
    assert len(sandbox.state.notes) == notes + 1
    assert len(app.fake.responses(first.response_id)) == 1  # the retry was dropped


def write_chooser(app):
    """`new-deal` with a loose list name asks to confirm the list first."""
    choice = run(app, "new-deal series Orbit Robotics Seed")
    assert "Did you mean the list" in choice.text
    return button(choice, ids.PICK)["value"]


def test_confirming_the_list_of_a_write_runs_it_once_under_a_double_click(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    value = write_chooser(app)
    before = len(sandbox.state.opportunities)
    assert before == len(sandbox.state.opportunities)  # nothing written before the click
    first = click(app, ids.PICK, value, message_ts="1700000001.000001")
    created = answer(app, first, index=1)
    assert "Deal created" in created.text and created.params["replace_original"] is True
    assert answer(app, first).text.startswith("Working on it")  # buttons gone at once
    # the second click arrives from another message ts: the card id in the value decides
    second = click(app, ids.PICK, value, message_ts="1700000001.999999")
    repeated = answer(app, second)
    new_id = re.search(r"opportunities/(\d+)", created.text).group(1)
    assert "Already done: Deal Orbit Robotics Seed created" in repeated.text
    assert f"deal #{new_id}" in repeated.text
    assert repeated.params["replace_original"] is False  # never hides the new deal's card
    assert len(app.fake.responses(second.response_id)) == 1
    assert len(sandbox.state.opportunities) == before + 1


def test_the_same_click_delivered_to_two_processes_writes_once(slack_app_factory, sandbox, db_url):
    one = make_app(slack_app_factory, database_url=db_url)
    two = make_app(slack_app_factory, database_url=db_url, upgrade=False)
    connect(one, ALICE, sandbox=sandbox)
    value = write_chooser(one)
    before = len(sandbox.state.opportunities)
    sent = []

    def deliver(harness, ts):
        sent.append(click(harness, ids.PICK, value, message_ts=ts))

    threads = [
        threading.Thread(target=deliver, args=(h, f"170000000{n}.000002"))
        for n, h in enumerate((one, two))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = [r.text for s in sent for r in wait_responses(one, s)]
    assert sum("Deal created" in t for t in texts) == 1
    assert sum("In progress" in t or "Already done" in t for t in texts) == 1
    assert len(sandbox.state.opportunities) == before + 1


def wait_responses(app, sent):
    """Every answer of one click: Working + the result, or the one "not run" notice."""
    first = answer(app, sent)
    if first.text.startswith("Working on it"):
        answer(app, sent, index=1)
    return app.fake.responses(sent.response_id)


def test_a_write_that_failed_for_sure_can_be_clicked_again(app, sandbox):
    from tests.bot.test_commands_support import without_retries

    connect(app, ALICE, sandbox=sandbox)
    without_retries(app)
    value = write_chooser(app)
    sandbox.state.force_rate_limit(seed.ADMIN_KEY, 1)
    first = click(app, ids.PICK, value, message_ts="1700000003.000003")
    assert "rate limiting" in answer(app, first, index=1).text
    second = click(app, ids.PICK, value, message_ts="1700000003.000004")
    assert "Deal created" in answer(app, second, index=1).text


def test_claims_once_forever_or_again_after_the_window(db_url):
    from datetime import UTC, datetime, timedelta

    from bot.database import make_engine, upgrade_all
    from bot.features.commands.store import Claims

    upgrade_all(db_url)
    now = [datetime(2026, 11, 28, 12, 0, tzinfo=UTC)]
    engine = make_engine(db_url)
    try:
        claims = Claims(engine, lambda: now[0])
        assert claims.claim("click") and not claims.claim("click")
        assert claims.claim("typed", timedelta(seconds=60))
        now[0] += timedelta(seconds=30)
        assert not claims.claim("typed", timedelta(seconds=60))
        now[0] += timedelta(seconds=61)
        assert claims.claim("typed", timedelta(seconds=60))
        assert not claims.claim("click", timedelta(days=30))
        claims.release("click")
        assert claims.claim("click")
        now[0] += timedelta(days=8)
        assert claims.prune() == 2
    finally:
        engine.dispose()


def test_show_help_and_open_in_affinity_buttons(app, sandbox):
    usage = run(app, "new-deal")
    sent = click(app, ids.HELP, button(usage, ids.HELP)["value"])
    assert "Examples" in answer(app, sent).text and "new-deal" in answer(app, sent).text
    opened = click(app, ids.OPEN_IN_AFFINITY, None)
    assert opened.status_code == 200 and app.fake.responses(opened.response_id) == []
