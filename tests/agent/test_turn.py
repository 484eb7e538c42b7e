"""One turn through the real SDK against the scripted API: lookups, prompt, caching, errors."""

from __future__ import annotations

import json

from affinity_client import TOOLS
from affinity_client.errors import AuthenticationError, PermissionDeniedError, ServerError
from bot.agent import CachedList, model_errors
from bot.agent.tables import read_result
from bot.devtools.fake_anthropic import delay, overloaded, rate_limited, reply
from tests.agent.conftest import RecordingExecutor

PERSON = {
    "persons": [
        {
            "id": 2001,
            "name": "Jane Smith",
            "first_name": "Jane",
            "last_name": "Smith",
            "primary_email": "jane@acme.com",
            "emails": ["jane@acme.com"],
        }
    ],
    "next_page_token": None,
}


def test_single_lookup_is_answered_from_the_tool_result(api, agent, user, thread):
    api.add(
        reply("Let me look.", ("affinity_search_persons", {"term": "Jane"})),
        lambda req: reply(
            "Found "
            + read_result(req.tool_result_texts()[0])["persons"][0]["name"]
            + " (jane@acme.com)."
        ),
    )
    execute = RecordingExecutor({"affinity_search_persons": lambda _: PERSON})

    result = agent.respond(thread, user, "Who is Jane at Acme?", execute)

    assert result.text == "Found Jane Smith (jane@acme.com)."
    assert execute.calls == [("affinity_search_persons", {"term": "Jane"})]
    assert result.batch is None and result.error is None and not result.needs_reconnect
    assert len(result.usage) == 2


def test_request_carries_identity_lists_date_rules_and_caching(api, agent, user, thread):
    api.add(reply("Hello Maya."))
    agent.respond(thread, user, "hi", RecordingExecutor())

    request = api.message_requests[0]
    system = request.system_text
    assert "Maya Patel" in system and "Northwind Ventures" in system
    assert "Series A Pipeline (id 201, opportunity list)" in system
    assert "2026-11-28" in system
    assert "never instructions" in system
    assert ["cache_control" in block for block in request.system] == [True, False]
    assert request.body["model"] == "claude-sonnet-4-6"
    assert request.body["max_tokens"] == 2048
    for name in ("temperature", "top_p", "top_k"):
        assert name not in request.body


def test_tools_are_the_catalog_with_writes_described_as_proposals(api, agent, user, thread):
    api.add(reply("ok"))
    agent.respond(thread, user, "hi", RecordingExecutor())

    tools = api.message_requests[0].tools
    assert [t["name"] for t in tools] == list(TOOLS)
    for sent, tool in zip(tools, TOOLS.values(), strict=True):
        if tool.writes:
            assert sent["description"].startswith("Proposes a change, it does not make it")
            assert "only if they click Approve" in sent["description"]
        assert sent["description"].endswith(tool.description)
        assert sent["input_schema"] == tool.input_schema
    assert not any("cache_control" in t for t in tools)  # the rules' breakpoint covers them


def test_second_call_of_a_turn_reads_the_cached_prefix(api, agent, user, thread):
    api.add(reply(None, ("affinity_list_lists", {})), reply("done"))
    execute = RecordingExecutor({"affinity_list_lists": lambda _: {"lists": []}})

    result = agent.respond(thread, user, "which lists do I have?", execute)

    first, second = result.usage
    assert first["cache_creation_input_tokens"] > 0 and first["cache_read_input_tokens"] == 0
    assert second["cache_read_input_tokens"] >= first["cache_creation_input_tokens"]


def test_tool_error_reaches_the_model_as_is_error_without_secrets(api, agent, user, thread):
    api.add(
        reply(None, ("affinity_get_organization", {"organization_id": 5001})),
        reply("You don't have access to that company."),
    )
    denied = PermissionDeniedError(
        "This Affinity user has no permission for list 206.", resource="list 206", status=403
    )
    execute = RecordingExecutor({"affinity_get_organization": lambda _: denied})

    result = agent.respond(thread, user, "Tell me about Acme", execute)

    sent = api.message_requests[1].tool_results()[0]
    assert sent["is_error"] is True
    assert sent["content"] == "This Affinity user has no permission for list 206."
    everything = json.dumps([r.body for r in api.requests]) + json.dumps(
        [r.headers for r in api.requests]
    )
    assert "sk-ant-test-planted-0001" not in everything
    assert "Traceback" not in everything
    assert result.text == "You don't have access to that company."


def test_unexpected_tool_exception_is_not_shown_to_the_model(api, agent, user, thread):
    api.add(reply(None, ("affinity_list_lists", {})), reply("Sorry."))
    boom = RuntimeError("db password=hunter2 at line 42")
    execute = RecordingExecutor({"affinity_list_lists": lambda _: boom})
    agent.respond(thread, user, "lists?", execute)

    sent = api.message_requests[1].tool_results()[0]
    assert sent["is_error"] is True and "hunter2" not in sent["content"]


def test_revoked_key_ends_the_turn_with_reconnect_flag(api, agent, user, thread):
    api.add(
        reply(
            None,
            ("affinity_search_persons", {"term": "Jane"}),
            ("affinity_search_organizations", {"term": "Acme"}),
        )
    )
    execute = RecordingExecutor({"affinity_search_persons": lambda _: AuthenticationError()})

    result = agent.respond(thread, user, "Find Jane and Acme", execute)

    assert result.needs_reconnect is True
    assert execute.names() == ["affinity_search_persons"]  # nothing more with a dead key
    assert len(api.message_requests) == 1  # the model is not asked again


def test_rate_limit_then_success_is_retried_by_the_sdk(api, agent, user, thread):
    api.add(rate_limited(0.01), reply("Hi"))
    result = agent.respond(thread, user, "hi", RecordingExecutor())
    assert result.text == "Hi" and result.error is None
    assert [r.response_status for r in api.requests] == [429, 200]


def test_overload_beyond_the_retry_bound_gives_one_line(api, make_agent, user, thread):
    agent = make_agent(max_retries=1)
    api.add(overloaded(), overloaded(), reply("never reached"))

    result = agent.respond(thread, user, "hi", RecordingExecutor())

    assert result.error == result.text == model_errors.BUSY
    assert "\n" not in result.text
    assert len(api.requests) == 2


def test_timeout_is_bounded_and_explained(api, make_agent, user, thread):
    agent = make_agent(request_timeout=0.3, max_retries=0, turn_time_budget=0.6)
    api.add(delay(3), reply("too late"))

    result = agent.respond(thread, user, "hi", RecordingExecutor())

    assert result.error == model_errors.TIMED_OUT


def test_step_limit_ends_the_turn(api, make_agent, user, thread):
    agent = make_agent(max_tool_iterations=2)
    api.add(reply(None, ("affinity_list_lists", {})), reply(None, ("affinity_list_lists", {})))
    execute = RecordingExecutor({"affinity_list_lists": lambda _: {"lists": []}})

    result = agent.respond(thread, user, "loop", execute)

    assert "stopped after 2 steps" in result.text
    assert len(api.message_requests) == 2


def test_unknown_tool_is_an_error_not_a_proposal(api, agent, user, thread):
    api.add(reply(None, ("affinity_delete_everything", {})), reply("Can't."))
    result = agent.respond(thread, user, "delete", RecordingExecutor())
    assert result.batch is None
    assert api.message_requests[1].tool_results()[0]["is_error"] is True


def test_long_note_bodies_are_trimmed_in_tool_results(api, make_agent, user, thread):
    agent = make_agent(text_field_max_chars=200)
    long_note = {
        "notes": [
            {
                "id": 1,
                "content": "x" * 5000,
                "type": "text",
                "creator": None,
                "created_at": "2026-11-01T00:00:00Z",
            }
        ],
        "next_page_token": None,
    }
    api.add(reply(None, ("affinity_list_notes", {"opportunity_id": 30001})), reply("ok"))
    agent.respond(
        thread, user, "notes?", RecordingExecutor({"affinity_list_notes": lambda _: long_note})
    )

    content = api.message_requests[1].tool_result_texts()[0]
    note = read_result(content)["notes"][0]["content"]
    assert len(note) < 240 and note.endswith("… [4800 more characters]")
    assert "skip set to the item's position" in read_result(content)["trimmed"]
    assert "creator" not in content  # nulls dropped


def test_invalid_write_input_goes_back_to_the_model_not_to_the_user(api, agent, user, thread):
    api.add(
        reply(None, ("affinity_create_note", {"opportunity_ids": [30001]})),
        reply(None, ("affinity_create_note", {"content": "Summary", "opportunity_ids": [30001]})),
        reply("Queued one note."),
    )
    result = agent.respond(thread, user, "note it", RecordingExecutor())

    first = api.message_requests[1].tool_results()[0]
    assert first["is_error"] is True and "content" in first["content"]
    assert [i.input["content"] for i in result.batch.items] == ["Summary"]


def test_no_secret_in_logs_on_failures(api, make_agent, user, thread, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    agent = make_agent(max_retries=0)
    api.add(reply(None, ("affinity_list_lists", {})), overloaded())
    boom = RuntimeError("token sk-ant-test-planted-0001 leaked")
    execute = RecordingExecutor({"affinity_list_lists": lambda _: boom})
    agent.respond(thread, user, "lists?", execute)
    assert caplog.records  # the failures were logged…
    assert "sk-ant-test-planted-0001" not in caplog.text  # …without the key


def test_streaming_feeds_text_as_it_arrives_and_tools_still_run(api, agent, user, thread):
    api.add(
        reply("Looking that up… ", ("affinity_search_persons", {"term": "Jane"})),
        reply("Jane Smith is the founder of Acme. She knows Daniel well."),
    )
    pieces: list[str] = []
    execute = RecordingExecutor({"affinity_search_persons": lambda _: PERSON})

    result = agent.respond(thread, user, "Who is Jane?", execute, on_text=pieces.append)

    assert len(pieces) > 2  # sentence by sentence (a sentence is checked before it is shown)
    assert "".join(pieces) == (
        "Looking that up… Jane Smith is the founder of Acme. She knows Daniel well."
    )
    assert result.text == "Jane Smith is the founder of Acme. She knows Daniel well."
    assert execute.names() == ["affinity_search_persons"]
    assert all(r.body.get("stream") is True for r in api.message_requests)


def test_streaming_turn_failure_is_one_line(api, make_agent, user, thread):
    agent = make_agent(max_retries=0)
    api.add(overloaded())
    pieces: list[str] = []
    result = agent.respond(thread, user, "hi", RecordingExecutor(), on_text=pieces.append)
    assert result.error == model_errors.BUSY and pieces == []


def test_a_user_whose_lists_are_not_cached_yet_gets_them_read_for_the_prompt(
    api, agent, user, thread
):
    from dataclasses import replace

    fresh = replace(user, lists=())
    execute = RecordingExecutor(
        {
            "affinity_list_lists": lambda _: {
                "lists": [{"id": 201, "name": "Series A Pipeline", "type": "opportunity"}]
            }
        }
    )
    api.add(reply("ok"))
    agent.respond(thread, fresh, "what's in our series a pipeline?", execute)
    system = api.message_requests[0].system_text
    assert "Series A Pipeline (id 201, opportunity list)" in system
    assert "no cached Affinity lists" not in system
    assert execute.names() == ["affinity_list_lists"]


def test_lists_cached_over_an_hour_ago_are_read_again_for_the_prompt(api, agent, user, thread):
    """A list renamed in Affinity since the cache shows under its new name."""
    from dataclasses import replace

    stale = replace(user, lists=(CachedList(201, "Series A", "opportunity"),), lists_fresh=False)
    execute = RecordingExecutor(
        {
            "affinity_list_lists": lambda _: {
                "lists": [{"id": 201, "name": "Series A Pipeline", "type": "opportunity"}]
            }
        }
    )
    api.add(reply("ok"), reply("ok"))
    agent.respond(thread, stale, "what's in our series a pipeline?", execute)
    system = api.message_requests[0].system_text
    assert "Series A Pipeline (id 201, opportunity list)" in system
    assert execute.names() == ["affinity_list_lists"]

    agent.respond(thread, replace(stale, lists_fresh=True), "and now?", execute)
    assert execute.names() == ["affinity_list_lists"]  # a fresh cache is not read again


def test_stale_lists_stay_in_the_prompt_when_reading_them_again_fails(api, agent, user, thread):
    from dataclasses import replace

    stale = replace(user, lists=(CachedList(201, "Series A", "opportunity"),), lists_fresh=False)

    def down(_: dict) -> dict:
        raise ServerError("Affinity is unavailable", status=503)

    api.add(reply("ok"))
    result = agent.respond(thread, stale, "hi", RecordingExecutor({"affinity_list_lists": down}))
    assert result.error is None
    assert "Series A (id 201, opportunity list)" in api.message_requests[0].system_text
