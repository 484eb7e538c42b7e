"""Configuration, and the scripted API's own validation (it must catch what the real one does)."""

from __future__ import annotations

import anthropic
import pytest

from bot.agent import UNAVAILABLE_MESSAGE, AgentSettings, agent_available
from bot.devtools.fake_anthropic import reply


def test_agent_unavailable_without_api_key():
    settings = AgentSettings.from_env({})
    assert not agent_available(settings)
    assert "ANTHROPIC_API_KEY" in UNAVAILABLE_MESSAGE
    configured = AgentSettings.from_env(
        {
            "ANTHROPIC_API_KEY": "sk-ant-planted",
            "ANTHROPIC_MODEL": "m",
            "AGENT_PROPOSAL_TTL_SECONDS": "60",
        }
    )
    assert agent_available(configured)
    assert (configured.model, configured.proposal_ttl_seconds) == ("m", 60)
    assert "sk-ant-planted" not in repr(configured)


def test_bad_number_in_env_is_explained():
    with pytest.raises(ValueError, match="AGENT_MAX_OUTPUT_TOKENS"):
        AgentSettings.from_env({"AGENT_MAX_OUTPUT_TOKENS": "lots"})


@pytest.fixture
def client(api):
    return anthropic.Anthropic(api_key="test", base_url=api.base_url, max_retries=0)


def test_fake_api_rejects_mismatched_tool_result_ids(api, client):
    api.add(reply(None, ("affinity_list_lists", {})))
    first = client.messages.create(
        model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    )
    tool_use = first.content[0]
    with pytest.raises(anthropic.BadRequestError, match="tool_use_id"):
        client.messages.create(
            model="m",
            max_tokens=10,
            messages=[
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": [tool_use.model_dump(exclude_none=True)]},
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "wrong", "content": "x"}],
                },
            ],
        )
    with pytest.raises(anthropic.BadRequestError, match="without `tool_result`"):
        client.messages.create(
            model="m",
            max_tokens=10,
            messages=[
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": [tool_use.model_dump(exclude_none=True)]},
                {"role": "user", "content": "next"},
            ],
        )


def test_fake_api_rejects_non_alternating_roles_and_missing_max_tokens(api, client):
    with pytest.raises(anthropic.BadRequestError, match="roles must alternate"):
        client.messages.create(
            model="m",
            max_tokens=10,
            messages=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
        )
    with pytest.raises(anthropic.BadRequestError, match="max_tokens"):
        client.messages.create(model="m", max_tokens=0, messages=[{"role": "user", "content": "a"}])
    assert api.requests[0].response_body["error"]["type"] == "invalid_request_error"


def test_fake_api_exhausted_script_is_a_clear_error(api, client):
    with pytest.raises(anthropic.InternalServerError, match="script exhausted"):
        client.messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "a"}]
        )


def test_agent_settings_follow_the_app_settings():
    from bot.config import Settings

    app = Settings.from_mapping(
        {
            "ANTHROPIC_API_KEY": "sk-ant-app",
            "ANTHROPIC_MODEL": "claude-haiku-4-5",
            "AGENT_MAX_TOOL_ITERATIONS": "4",
        }
    )
    assert agent_available(app) and not agent_available(Settings())
    derived = AgentSettings.from_app_settings(app)
    assert (derived.api_key_text, derived.model, derived.max_tool_iterations) == (
        "sk-ant-app",
        "claude-haiku-4-5",
        4,
    )
    assert "sk-ant-app" not in repr(derived)


def test_fake_api_fallback_answers_after_the_script(api):
    from bot.devtools.fake_anthropic import ScriptedAnthropic

    with ScriptedAnthropic(
        [reply("scripted")], fallback=lambda r: reply(f"echo: {r.messages[-1]['content']}")
    ) as fake:
        client = anthropic.Anthropic(api_key="test", base_url=fake.base_url, max_retries=0)
        texts = [
            client.messages.create(
                model="m", max_tokens=5, messages=[{"role": "user", "content": f"q{i}"}]
            )
            .content[0]
            .text
            for i in range(2)
        ]
    assert texts == ["scripted", "echo: q1"]
