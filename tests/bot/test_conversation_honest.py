"""A model that says "Done" about writes it only proposed: the user reads, above the card, that
nothing has changed — in a streamed DM answer and in a posted one."""

from __future__ import annotations

import pytest

from bot.agent.claims import NOT_DONE
from bot.devtools.fake_anthropic import reply
from tests.bot.test_conversation_support import *  # noqa: F403  (fixtures)
from tests.bot.test_conversation_support import answer_with, card_of, connect, tool_json

LIE = "Done: I added the note to Acme."


def lying_script(api) -> None:
    def propose(request):
        org = tool_json(request)[0]["organizations"][0]
        return reply(
            LIE + " ",
            (
                "affinity_create_note",
                {"content": "Intro call went well.", "organization_ids": [org["id"]]},
            ),
        )

    api.add(
        reply(None, ("affinity_search_organizations", {"term": "acme"})),
        propose,
        reply("The note is saved in Affinity."),
    )


@pytest.mark.parametrize("streamed", ["true", "false"])
def test_a_lying_model_is_not_shown_as_fact(monkeypatch, chat_app_factory, api, sandbox, streamed):
    monkeypatch.setenv("AGENT_STREAM_ANSWERS", streamed)
    app = chat_app_factory()
    connect(app, app.slack.user_id, sandbox=sandbox)
    lying_script(api)
    app.slack.message_im("log that the acme intro call went well")

    answer = answer_with(app.fake, "nothing in Affinity has changed", timeout=15)
    assert answer.streamed is (streamed == "true")
    assert "I added the note" not in answer.text and "is saved in Affinity" not in answer.text
    assert NOT_DONE.strip("_") in answer.text
    assert "Add a note on company Acme" in answer.text
    card = card_of(app.fake)
    assert card.at >= answer.at or answer.streamed  # the card follows the corrected answer
    assert not [
        n
        for n in sandbox.state.notes.values()
        if n.get("content") == "<p>Intro call went well.</p>"
    ]
