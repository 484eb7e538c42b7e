"""Adding a person or an organization reads as such on the approval card and after it runs."""

from __future__ import annotations

from bot.agent.describe import describe_write
from bot.agent.results import summarise_result


def test_the_card_says_what_will_be_added():
    person = describe_write(
        "affinity_create_person",
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@analytical.io"},
        {},
    )
    assert person.description.startswith("Add a person")
    assert ("Email", "ada@analytical.io") in person.fields
    assert ("First name", "Ada") in person.fields
    org = describe_write(
        "affinity_create_organization", {"name": "Initech", "domain": "initech.com"}, {}
    )
    assert org.description == "Add an organization: “Initech”"
    assert ("Domain", "initech.com") in org.fields


def test_the_summary_says_whether_anything_was_created():
    made = {"person": {"id": 7, "name": "Ada Lovelace"}, "emails": [], "already_existed": False}
    assert (
        summarise_result("affinity_create_person", made) == "Ada Lovelace added to Affinity (id 7)."
    )
    found = {
        "organization": {"id": 5001, "name": "Acme", "domain": "acme.com"},
        "domains": ["acme.com"],
        "global": False,
        "already_existed": True,
    }
    assert "nothing created" in summarise_result("affinity_create_organization", found)
