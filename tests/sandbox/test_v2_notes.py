"""V2 note writes (2026-07-15): create, update, delete, the HTML allow-list, ownership, and
one store with V1. Every answer is validated against the 2026-07-15 spec, status included."""

from __future__ import annotations

import pytest

from affinity_client.sandbox import seed
from tests.sandbox.helpers import v1, v2
from tests.sandbox.spec import SPEC_2026, validate_v2

NOTES = "/v2/notes"
NOTE = "/v2/notes/{noteId}"


def _create(client, body):
    response = client.post(NOTES, json=body)
    validate_v2("POST", NOTES, response, SPEC_2026)
    return response


def _entities(html="<p>Call recap</p>", **extra):
    return {
        "type": "entities",
        "content": {"html": html},
        "persons": [{"id": seed.JANE_ID}],
        **extra,
    }


def test_create_read_back_by_v1_and_v2(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    created = _create(
        client,
        _entities(
            "<p>Top items:</p><ul><li><strong>Send pricing</strong> by Friday</li>"
            '<li>Ask <a href="mailto:jane@acme.co">Jane</a></li></ul>',
            companies=[{"id": seed.ACME_ORG_ID}],
        ),
    )
    assert created.status_code == 201
    note = created.json()
    assert note["type"] == "entities" and note["creator"]["id"] == seed.ADMIN_ID
    assert 'rel="noopener noreferrer" target="_blank"' in note["content"]["html"]
    again = client.get(f"{NOTES}/{note['id']}")
    validate_v2("GET", NOTE, again, SPEC_2026)
    assert again.json()["content"] == note["content"]
    old = v1(sandbox, admin_key).get(f"/notes/{note['id']}").json()
    assert old["type"] == 2 and old["person_ids"] == [seed.JANE_ID]
    assert "**Send pricing**" in old["content"]


@pytest.mark.parametrize(
    "html",
    [
        '<p style="color:red">Hi</p>',
        '<p><img src="https://example.com/x.png"></p>',
        "<script>alert(1)</script>",
        '<p class="x">Hi</p>',
        '<a href="javascript:alert(1)">x</a>',
        "<blockquote>quoted</blockquote>",
        '<p><span data-type="note-mention" data-note-mention-type="person" '
        'data-note-mention-person-id="1">John</span></p>',
        "",
    ],
)
def test_restricted_html_is_refused_and_nothing_written(sandbox, admin_key, html):
    before = len(sandbox.state.notes)
    refused = _create(v2(sandbox, admin_key), _entities(html))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["param"] == "content.html"
    assert len(sandbox.state.notes) == before


def test_bad_bodies(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    before = len(sandbox.state.notes)
    cases = [
        ({"type": "ai-notetaker", "content": {"html": "<p>x</p>"}}, 400),
        ({"type": "entities", "content": {"html": "<p>x</p>"}}, 400),  # no entity
        (_entities(surprise=1), 400),
        (_entities(persons=[{"id": 999999}]), 404),
        (_entities(creator={"id": seed.JANE_ID}), 400),  # not an internal person
        (_entities(createdAt="yesterday"), 400),
        ({"type": "user-reply", "content": {"html": "<p>x</p>"}, "parent": {"id": 1}}, 404),
        (
            {
                "type": "interaction",
                "content": {"html": "<p>x</p>"},
                "interaction": {"type": "call", "id": 5},
            },
            404,
        ),
    ]
    for body, status in cases:
        assert _create(client, body).status_code == status, body
    assert len(sandbox.state.notes) == before


def test_reply_and_interaction_notes(sandbox, standard_key):
    client = v2(sandbox, standard_key)
    root = _create(client, _entities()).json()
    reply = _create(
        client,
        {"type": "user-reply", "content": {"html": "<p>+1</p>"}, "parent": {"id": root["id"]}},
    )
    assert reply.status_code == 201 and reply.json()["parent"] == {"id": root["id"]}
    meeting = next(
        m for m in sandbox.state.world.meetings.values() if seed.STANDARD_ID in m["internal_ids"]
    )
    anchored = _create(
        client,
        {
            "type": "interaction",
            "content": {"html": "<p>Meeting notes</p>"},
            "interaction": {"type": "meeting", "id": meeting["id"]},
        },
    )
    assert anchored.status_code == 201
    assert anchored.json()["interaction"] == {"type": "meeting", "id": meeting["id"]}
    old = v1(sandbox, standard_key).get(f"/notes/{anchored.json()['id']}").json()
    assert old["interaction_id"] == meeting["id"] and old["interaction_type"] == 0
    assert old["is_meeting"] is True
    private = next(m for m in sandbox.state.world.meetings.values() if m["private"])
    hidden = _create(
        client,
        {
            "type": "interaction",
            "content": {"html": "<p>x</p>"},
            "interaction": {"type": "meeting", "id": private["id"]},
        },
    )
    assert hidden.status_code == 404


def test_hidden_deal_is_403(sandbox, standard_key):
    hidden = next(
        o for o in sandbox.state.opportunities.values() if o["list_id"] == seed.PRIVATE_LIST_ID
    )
    refused = _create(v2(sandbox, standard_key), _entities(opportunities=[{"id": hidden["id"]}]))
    assert refused.status_code == 403


def _update(client, note_id, body):
    response = client.post(f"{NOTES}/{note_id}", json=body)
    validate_v2("POST", NOTE, response, SPEC_2026)
    return response


def test_update_arrays_omit_clear_replace(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    note = _create(client, _entities(companies=[{"id": seed.ACME_ORG_ID}])).json()
    stored = sandbox.state.notes[note["id"]]
    assert _update(client, note["id"], {"content": {"html": "<p>Edited</p>"}}).status_code == 204
    assert stored["person_ids"] == [seed.JANE_ID] and stored["organization_ids"] == [5001]
    assert _update(client, note["id"], {"companies": []}).status_code == 204
    assert stored["organization_ids"] == [] and stored["person_ids"] == [seed.JANE_ID]
    assert _update(client, note["id"], {"persons": [{"id": 4100}]}).status_code == 204
    assert stored["person_ids"] == [4100]
    assert stored["content"] == "<p>Edited</p>" and stored["updated_at"] is not None
    # clearing the last entity would leave a note attached to nothing
    assert _update(client, note["id"], {"persons": []}).status_code == 400
    assert stored["person_ids"] == [4100]


def test_update_refusals(sandbox, admin_key, standard_key):
    admin = v2(sandbox, admin_key)
    mention = next(n for n in sandbox.state.notes.values() if n.get("mentioned_person_ids"))
    got = admin.get(f"{NOTES}/{mention['id']}")
    validate_v2("GET", NOTE, got, SPEC_2026)
    assert got.json()["mentions"][0]["person"]["id"] == seed.STANDARD_ID
    refused = _update(admin, mention["id"], {"content": {"html": "<p>x</p>"}})
    assert refused.status_code == 400 and "@mentions" in refused.json()["errors"][0]["message"]
    assert _update(admin, mention["id"], {"persons": [{"id": seed.JANE_ID}]}).status_code == 204
    # someone else's note
    assert _update(v2(sandbox, standard_key), mention["id"], {"persons": []}).status_code == 403
    assert _update(admin, 99999999, {"persons": []}).status_code == 404
    reply_parent = _create(admin, _entities()).json()
    reply = _create(
        admin,
        {
            "type": "user-reply",
            "content": {"html": "<p>r</p>"},
            "parent": {"id": reply_parent["id"]},
        },
    ).json()
    assert _update(admin, reply["id"], {"persons": []}).status_code == 400
    assert _update(admin, reply["id"], {"content": {"html": "<p>r2</p>"}}).status_code == 204


def test_delete_own_notes_only_and_replies_go_too(sandbox, admin_key, standard_key):
    admin = v2(sandbox, admin_key)
    note = _create(admin, _entities()).json()
    reply = _create(
        admin, {"type": "user-reply", "content": {"html": "<p>r</p>"}, "parent": {"id": note["id"]}}
    ).json()
    refused = v2(sandbox, standard_key).delete(f"{NOTES}/{note['id']}")
    validate_v2("DELETE", NOTE, refused, SPEC_2026)
    assert refused.status_code == 403 and note["id"] in sandbox.state.notes
    done = admin.delete(f"{NOTES}/{note['id']}")
    validate_v2("DELETE", NOTE, done, SPEC_2026)
    assert done.status_code == 204
    assert note["id"] not in sandbox.state.notes and reply["id"] not in sandbox.state.notes
    gone = admin.delete(f"{NOTES}/{note['id']}")
    validate_v2("DELETE", NOTE, gone, SPEC_2026)
    assert gone.status_code == 404
    assert v1(sandbox, admin_key).get(f"/notes/{note['id']}").status_code == 404


def test_restricted_user_writes_notes(sandbox):
    client = v2(sandbox, seed.RESTRICTED_KEY)
    assert _create(client, _entities()).status_code == 201
