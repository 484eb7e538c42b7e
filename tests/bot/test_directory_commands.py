"""`/affinity new-person` and `/affinity new-org`: a record is added once, a repeat or an
existing email/domain says so and creates nothing, bad input is explained and writes nothing."""

from __future__ import annotations

import pytest

from affinity_client.sandbox import seed
from bot.grammar import parse
from bot.grammar.grammar import format_command
from bot.grammar.model import UsageError
from tests.bot.test_commands_support import ALICE, BOB, connect, make_app, run


@pytest.fixture
def app(slack_app_factory):
    return make_app(slack_app_factory)


def _counts(sandbox) -> tuple[int, int]:
    world = sandbox.state.world
    return len(world.persons), len(world.organizations)


def test_new_person_is_added_once(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    before = _counts(sandbox)
    first = run(app, 'new-person "Mary Ann" Lovelace Shelley mary@analytical.io')
    assert first.params["response_type"] == "ephemeral"
    assert "Added the person" in first.text and "Mary Ann Lovelace Shelley" in first.text
    assert "mary@analytical.io" in first.text
    again = run(app, "new-person Mary mary@analytical.io")
    assert "already in Affinity" in again.text and "Nothing was created" in again.text
    assert _counts(sandbox) == (before[0] + 1, before[1])


def test_an_existing_email_or_domain_creates_nothing(app, sandbox):
    connect(app, BOB, seed.STANDARD_KEY, sandbox=sandbox)
    before = _counts(sandbox)
    jane = run(app, f"new-person Jane Smith {seed.JANE_EMAIL}", user_id=BOB)
    assert "Jane Smith" in jane.text and "already in Affinity" in jane.text
    acme = run(app, "new-org Acme Inc https://www.acme.com/", user_id=BOB)
    assert "Acme" in acme.text and "already in Affinity" in acme.text
    assert _counts(sandbox) == before
    assert sandbox.state.request_count("POST", "/") == 0


def test_new_org_with_and_without_domain(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    before = _counts(sandbox)
    made = run(app, "new-org Initech Systems initech.com")
    assert "Added the organization" in made.text and "initech.com" in made.text
    bare = run(app, 'new-org "Hooli XYZ"')
    assert "Added the organization" in bare.text and "Hooli XYZ" in bare.text
    assert "already in Affinity" in run(app, "new-org hooli xyz").text
    assert _counts(sandbox) == (before[0], before[1] + 2)


def test_bad_input_is_explained_and_writes_nothing(app, sandbox):
    connect(app, ALICE, sandbox=sandbox)
    before = _counts(sandbox)
    for text, words in [
        ("new-person", "Missing email"),
        ("new-person Ada Lovelace", "Missing email"),
        ("new-person ada@analytical.io", "Missing name"),
        ("new-person Ada a@b.co c@d.co", "one email"),
        ("new-person Ada ada@nowhere", "not an email address"),
        ("new-org", "Missing organization name"),
        ("new-org Initech initech_co.com", "not a domain name"),
    ]:
        reply = run(app, text)
        assert words in reply.text, (text, reply.text)
    assert _counts(sandbox) == before
    assert sandbox.state.request_count("POST", "/") == 0


def test_commands_round_trip_through_their_text():
    for text in (
        'new-person "Mary Ann" Shelley mary@x.io',
        "new-person Ada ada@x.io",
        'new-org "Initech Systems" initech.com',
        "new-org Hooli",
    ):
        command = parse(text)
        assert not isinstance(command, UsageError)
        assert parse(format_command(command)) == command
