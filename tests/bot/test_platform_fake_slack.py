"""The fake Slack answers slack_sdk's WebClient the way Slack does, and records what it got."""

from __future__ import annotations

import threading

import pytest
from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError


@pytest.fixture
def client(fake_slack) -> WebClient:
    return WebClient(token="xoxb-fake-test", base_url=fake_slack.api_url)


def test_auth_test_names_the_bot(client, fake_slack):
    answer = client.auth_test()

    assert answer["user_id"] == fake_slack.bot_user_id
    assert answer["team_id"] == fake_slack.team_id
    call = fake_slack.calls("auth.test")[0]
    assert call.token == "xoxb-fake-test"


def test_posting_to_a_user_lands_in_their_dm_and_threads_are_readable(client, fake_slack):
    root = fake_slack.add_message("D0ALICE01", "who do we know at Acme?", user="U0ALICE01")

    posted = client.chat_postMessage(
        channel="U0ALICE01",
        text="Looking…",
        thread_ts=root,
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*Acme*"}}],
    )

    assert posted["channel"] == "D0ALICE01"
    assert posted["message"]["thread_ts"] == root
    thread = client.conversations_replies(channel="D0ALICE01", ts=root)["messages"]
    assert [m["text"] for m in thread] == ["who do we know at Acme?", "Looking…"]
    call = fake_slack.wait_for("chat.postMessage")
    assert call.params["blocks"][0]["text"]["text"] == "*Acme*"
    assert "*Acme*" in call.text


def test_message_lifecycle(client):
    ts = client.chat_postMessage(channel="C1", text="draft")["ts"]
    assert client.chat_update(channel="C1", ts=ts, text="final")["text"] == "final"
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link.endswith(ts.replace(".", ""))
    assert client.chat_delete(channel="C1", ts=ts)["ok"]
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]


def test_views_open_update_push_and_publish(client, fake_slack):
    title = {"type": "plain_text", "text": "x"}
    modal = {"type": "modal", "callback_id": "connect", "title": title, "blocks": []}
    view = client.views_open(trigger_id="1.2.3", view=modal)["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "connect"

    updated = client.views_update(view_id=view["id"], view={**modal, "private_metadata": "m"})
    assert updated["view"]["id"] == view["id"]
    assert client.views_push(trigger_id="1.2.4", view=modal)["view"]["id"] != view["id"]
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert home["view"]["type"] == "home"
    with pytest.raises(SlackApiError) as error:
        client.views_update(view_id="VNOPE", view=modal)
    assert error.value.response["error"] == "not_found"


def test_users_info_and_deactivated_users(client, fake_slack):
    assert client.users_info(user="U1")["user"]["deleted"] is False

    fake_slack.set_user("U1", deleted=True, real_name="Ada Lovelace", email="ada@example.com")

    user = client.users_info(user="U1")["user"]
    assert user["deleted"] is True
    assert user["profile"]["email"] == "ada@example.com"
    assert user["real_name"] == "Ada Lovelace"


def test_conversations_open_and_assistant_threads(client):
    assert client.conversations_open(users="U0BOB0001")["channel"]["id"] == "D0BOB0001"
    assert client.assistant_threads_setStatus(channel_id="D1", thread_ts="1.1", status="x")["ok"]
    assert client.assistant_threads_setTitle(channel_id="D1", thread_ts="1.1", title="t")["ok"]
    assert client.assistant_threads_setSuggestedPrompts(
        channel_id="D1", thread_ts="1.1", prompts=[{"title": "a", "message": "b"}]
    )["ok"]


def test_streaming_builds_up_one_message(client, fake_slack):
    start = client.chat_startStream(channel="D1", thread_ts="1.1", markdown_text="Hel")
    client.chat_appendStream(channel="D1", ts=start["ts"], markdown_text="lo")
    stop = client.chat_stopStream(channel="D1", ts=start["ts"], markdown_text="!")

    assert stop["message"]["text"] == "Hello!"


def test_the_sdk_stream_helper_builds_up_one_message(client, fake_slack):
    streamer = client.chat_stream(
        channel="D1", thread_ts="1.1", buffer_size=1, recipient_team_id="T1", recipient_user_id="U1"
    )
    streamer.append(markdown_text="**Acme** is ")
    streamer.append(markdown_text="at Diligence")
    stop = streamer.stop(markdown_text=".")

    assert stop["message"]["text"] == "**Acme** is at Diligence."
    assert [c["markdown_text"] for c in fake_slack.calls("chat.startStream")] == ["**Acme** is "]


def test_unknown_methods_and_missing_tokens_fail_like_slack(fake_slack):
    with pytest.raises(SlackApiError) as unknown:
        WebClient(token="xoxb-1", base_url=fake_slack.api_url).api_call("no.such.method")
    assert unknown.value.response["error"] == "unknown_method"

    with pytest.raises(SlackApiError) as anonymous:
        WebClient(base_url=fake_slack.api_url).chat_postMessage(channel="C1", text="x")
    assert anonymous.value.response["error"] == "not_authed"


def test_failures_on_demand_including_rate_limits(client, fake_slack):
    fake_slack.fail_next("chat.postMessage", "channel_not_found")
    fake_slack.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as first:
        client.chat_postMessage(channel="C1", text="x")
    with pytest.raises(SlackApiError) as second:
        client.chat_postMessage(channel="C1", text="x")
    third = client.chat_postMessage(channel="C1", text="x")

    assert first.value.response["error"] == "channel_not_found"
    assert second.value.response.status_code == 429
    assert second.value.response.headers["Retry-After"] == "7"
    assert third["ok"]


def test_response_urls_record_what_is_posted(fake_slack):
    url = fake_slack.response_url("R1")

    WebhookClient(url).send(text="done", response_type="ephemeral")

    call = fake_slack.wait_for("response_url", lambda c: c.response_id == "R1")
    assert call.params == {"text": "done", "response_type": "ephemeral"}
    assert fake_slack.responses("R1") == [call]


def test_an_ephemeral_message_keeps_its_ts_while_it_is_replaced(client, fake_slack):
    command = fake_slack.response_url("R2")
    WebhookClient(command).send(text="pick one", response_type="ephemeral")
    WebhookClient(command).send(text="another", response_type="ephemeral")
    shown, added = fake_slack.responses("R2")
    assert shown.message_ts and added.message_ts and shown.message_ts != added.message_ts
    click = fake_slack.response_url("R3")  # a click on the first message: its response URL
    fake_slack.bind_response("R3", shown.message_ts)
    WebhookClient(click).send(text="working", replace_original=True)
    WebhookClient(click).send(text="result", replace_original=True)
    WebhookClient(click).send(text="note", replace_original=False)
    working, result, note = fake_slack.responses("R3")
    assert working.message_ts == result.message_ts == shown.message_ts
    assert note.message_ts not in (shown.message_ts, added.message_ts)
    posted = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert posted["message_ts"] == fake_slack.calls("chat.postEphemeral")[0].message_ts


def test_oauth_code_exchange(fake_slack):
    answer = WebClient(base_url=fake_slack.api_url).oauth_v2_access(
        client_id="1.2", client_secret="s", code="c"
    )
    assert answer["access_token"].startswith("xoxb-")
    assert answer["team"]["id"] == fake_slack.team_id


def test_wait_for_sees_calls_made_later_and_times_out_clearly(client, fake_slack):
    threading.Timer(0.05, lambda: client.chat_postMessage(channel="C1", text="later")).start()

    assert fake_slack.wait_for("chat.postMessage", timeout=5).params["text"] == "later"
    with pytest.raises(AssertionError, match=r"no matching views\.open"):
        fake_slack.wait_for("views.open", timeout=0.05)


def test_reset_forgets_everything(client, fake_slack):
    client.chat_postMessage(channel="C1", text="x")
    fake_slack.fail_next("auth.test")

    fake_slack.reset()

    assert fake_slack.calls() == []
    assert client.auth_test()["ok"]
