"""A turn that proposed writes never tells the user they are done, streamed or not."""

from __future__ import annotations

import pytest

from bot.agent.claims import NOT_DONE, claims_done, honest_answer
from bot.agent.tables import read_result
from bot.devtools.fake_anthropic import reply
from tests.agent.conftest import SERIES_A, RecordingExecutor
from tests.agent.data import list_opportunities

LIE_FIRST = "Done: I added a note to every deal."
LIE_LAST = "All 12 notes have been added to the deals. Anything else?"


def _lying_script(api) -> None:
    def note_each(request):
        deals = read_result(request.tool_result_texts()[0])["opportunities"]
        return reply(
            LIE_FIRST + " ",
            *[
                ("affinity_create_note", {"content": "Reviewed.", "opportunity_ids": [d["id"]]})
                for d in deals
            ],
        )

    api.add(
        reply(None, ("affinity_list_opportunities", {"list_id": SERIES_A})),
        note_each,
        reply(LIE_LAST),
    )


def _shown_correctly(text: str) -> None:
    assert "I added a note" not in text and "have been added" not in text
    assert NOT_DONE in text
    assert "Not done yet: nothing in Affinity has changed." in text
    assert "Add a note on deal Company0 - Series A (Series A Pipeline)" in text
    assert "…and 7 more on the card" in text
    assert "Anything else?" in text  # the model's other words are kept


@pytest.mark.parametrize("streamed", [True, False])
def test_a_model_that_claims_the_writes_happened_is_corrected(api, agent, user, thread, streamed):
    _lying_script(api)
    pieces: list[str] = []
    execute = RecordingExecutor({"affinity_list_opportunities": list_opportunities})
    result = agent.respond(
        thread, user, "note every deal", execute, on_text=pieces.append if streamed else None
    )

    assert execute.writes() == [] and len(result.batch.items) == 12
    _shown_correctly(result.text)  # the posted answer
    if streamed:
        shown = "".join(pieces)  # what the DM stream showed, piece by piece
        _shown_correctly(shown)
        assert shown.index(NOT_DONE) < shown.index("Anything else?")


def test_a_truthful_answer_is_kept_and_gets_the_apps_statement(api, agent, user, thread):
    api.add(
        reply(None, ("affinity_create_note", {"content": "x", "opportunity_ids": [30001]})),
        reply("I've proposed the note; nothing is logged until you approve it."),
    )
    pieces: list[str] = []
    result = agent.respond(thread, user, "note it", RecordingExecutor(), on_text=pieces.append)
    assert result.text.startswith("I've proposed the note; nothing is logged until you approve")
    assert "This change waits for you to click Approve" in result.text
    assert NOT_DONE not in result.text
    assert "".join(pieces) == result.text


def test_claims_in_a_turn_without_proposals_are_left_alone(api, agent, user, thread):
    api.add(reply("Done. I've updated nothing, just looked."))
    result = agent.respond(thread, user, "hi", RecordingExecutor())
    assert result.text == "Done. I've updated nothing, just looked."
    assert honest_answer("All set.", []) == "All set."


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        ("Done: I added a note to every deal.", True),
        ("I've logged the notes.", True),
        ("The deal was renamed to Acme.", True),
        ("All 8 notes have been created successfully.", True),
        ("I've prepared 8 notes for your approval.", False),
        ("Nothing is logged until you click Approve.", False),
        ("Once approved, the notes will be added.", False),
        ("Acme is in Diligence.", False),
    ],
)
def test_what_counts_as_a_claim(sentence, claim):
    assert claims_done(sentence) is claim


def test_a_run_of_claims_becomes_one_note():
    from bot.agent.claims import replace_claims

    assert replace_claims("Done: I added the notes. All set! Anything else?") == (
        f"{NOT_DONE} Anything else?"
    )
