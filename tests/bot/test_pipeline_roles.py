"""Every pipeline command as the admin, the standard and the restricted user (whose role lacks
Affinity's export permissions): each gets the same answers, through V1 where V2 refuses them,
and every write lands once in the sandbox."""

from __future__ import annotations

import pytest

from affinity_client.sandbox import seed
from bot.blocks import actions as ids
from tests.bot.test_commands_support import ALICE, BOB, answer, button, click, connect, run
from tests.bot.test_pipeline_commands import amount_of, app, series_a_stages, stage_of

__all__ = ["app"]  # the fixture, shared

DAVE = "U0DAVE004"
ROLES = {
    "admin": (ALICE, seed.ADMIN_KEY),
    "standard": (BOB, seed.STANDARD_KEY),
    "restricted": (DAVE, seed.RESTRICTED_KEY),
}
FOUNDERS = seed.LISTS["Founders to Watch"]


def refused(text: str) -> bool:
    words = ("(403)", "Affinity refused", "Export data from", "Export All", "went wrong")
    return any(w in text for w in words)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_pipeline_command_works_for_each_role(app, sandbox, role):
    user, key = ROLES[role]
    connect(app, user, key, sandbox=sandbox)

    def say(text: str):
        reply = run(app, text, user_id=user)
        assert not refused(reply.text), (text, reply.text)
        return reply

    diligence = sum(1 for s in series_a_stages(sandbox).values() if s == "Diligence")
    pipeline = say("deals series a stage=Diligence sort=-amount")
    assert f"{diligence} deal" in pipeline.text and "Status = Diligence" in pipeline.text
    assert "Acme" in say("deal acme").text
    assert "Amount" in say(f"set {seed.ACME_DEAL_ID} amount 6M").text
    assert amount_of(sandbox, seed.ACME_DEAL_ID) == 6_000_000
    assert "Diligence → IC" in say("stage acme series a to IC").text.replace("*", "")
    assert stage_of(sandbox, seed.ACME_DEAL_ID) == "IC"

    assert "Reminder saved" in say("remind person Jane Smith tomorrow Role check").text
    [made] = [r for r in sandbox.state.world.reminders.values() if r["content"] == "Role check"]
    assert f"#{made['id']}" in say("reminders").text
    assert "Reminder completed" in say(f"done {made['id']}").text
    say("meetings week")

    assert "Note saved" in say(f"note deal {seed.ACME_DEAL_ID} Role check note").text
    note_id = max(sandbox.state.notes)
    assert "Note updated" in say(f"note-edit {note_id} Role check, edited").text
    ask = say(f"note-delete {note_id}")
    done = answer(app, click(app, ids.PICK, button(ask, ids.PICK)["value"], user), index=1)
    assert "deleted" in done.text and note_id not in sandbox.state.notes

    assert "Added the person" in say(f"new-person Role Check role.{role}@example.com").text
    assert "Role Check" in say(f"new-org Role Check {role} {role}check.com").text

    ask = say("remove Founders to Watch person Jane Smith")
    assert "Remove person Jane Smith" in ask.text
    sent = click(app, ids.PICK, button(ask, ids.PICK)["value"], user, message_ts="1.000002")
    assert "Removed" in answer(app, sent, index=1).text
    entries = sandbox.state.list_entries.values()
    assert seed.JANE_ID not in {e["entity_id"] for e in entries if e["list_id"] == FOUNDERS}
