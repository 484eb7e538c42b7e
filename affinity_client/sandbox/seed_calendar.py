"""Seeded meetings, reminders and an @mention note, placed relative to the real date at
seeding time.

Each user has meetings in the past, today, tomorrow and next week with people, their companies
and their deals, and reminders that are overdue, due today, due tomorrow and later, so that
"what's on today?" has an answer in a demo on any day. A random generator of its own keeps
the rest of the seed (built from another generator) unchanged.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from .world import World, date_field

MEETING_TITLES = [
    "Intro call",
    "Partner meeting prep",
    "Product demo",
    "Diligence session",
    "Reference call",
    "Board prep",
    "Term sheet walkthrough",
    "Quarterly catch-up",
]
REMINDER_TEXTS = [
    "Follow up on the data room",
    "Send the term sheet draft",
    "Check in after the board meeting",
    "Ask for the latest metrics",
    "Schedule the reference calls",
    "Share the partnership's feedback",
]
MEETING_DAYS = (-9, -3, -1, 0, 0, 1, 1, 6)
"""Days from today of each user's meetings: past, today, tomorrow and next week."""
REMINDER_DAYS = (-4, -1, 0, 1, 3, 12)
"""Days from today each user's one-time reminders are due: overdue, today, tomorrow, later."""


def build_meetings(world: World, today: datetime, user_ids: list[int]) -> None:
    """Meetings of each user with a deal's people (so with its companies and the deal)."""
    rng = random.Random(20261130)
    deals = [o for o in world.opportunities.values() if o["person_ids"]][:120]
    base = datetime(today.year, today.month, today.day, tzinfo=UTC)  # on the seed's day
    for uid in user_ids:
        for n, days in enumerate(MEETING_DAYS):
            deal = rng.choice(deals)
            hour = 15 + (n % 4) * 2  # 15:00-21:00 UTC: office hours in the Americas, same day
            start = base.replace(hour=hour) + timedelta(days=days)
            mid = world.new_id("meeting")
            world.meetings[mid] = {
                "id": mid,
                "title": f"{rng.choice(MEETING_TITLES)}: {deal['name']}",
                "start_time": start,
                "end_time": start + timedelta(minutes=rng.choice((30, 45, 60))),
                "all_day": False,
                "creator_id": uid,
                "organizer_id": uid,
                "internal_ids": [uid],
                "person_ids": list(deal["person_ids"][:3]),
                "private": False,
                "logging_type": "automated",
                "created_at": start - timedelta(days=14),
                "updated_at": None,
            }
    # One meeting only its organizer may see: another user's key gets 404 for it.
    mid = world.new_id("meeting")
    first = world.meetings[next(iter(world.meetings))]
    world.meetings[mid] = {
        **first,
        "id": mid,
        "title": "Private: compensation review",
        "person_ids": [],
        "private": True,
        "start_time": base.replace(hour=18) + timedelta(days=1),
        "end_time": base.replace(hour=19) + timedelta(days=1),
    }


def build_reminders(world: World, today: datetime, user_ids: list[int]) -> None:
    """One-time reminders for each user on people, companies and deals, and one recurring."""
    rng = random.Random(20261201)
    people = [p for p in world.persons.values() if p["type"] == 0][:200]
    companies = [o for o in world.organizations.values() if not o["global"]][:100]
    deals = list(world.opportunities.values())[:150]
    created = today - timedelta(days=20)
    for uid in user_ids:
        for n, days in enumerate(REMINDER_DAYS):
            kind = ("person", "company", "opportunity")[n % 3]
            target = rng.choice(
                {"person": people, "company": companies, "opportunity": deals}[kind]
            )
            _add(
                world,
                uid,
                kind,
                target["id"],
                rng.choice(REMINDER_TEXTS),
                date_field(today + timedelta(days=days)),
                created,
            )
        completed = _add(
            world,
            uid,
            "person",
            rng.choice(people)["id"],
            "Send the intro email",
            date_field(today - timedelta(days=8)),
            created,
        )
        completed["completed_at"] = today - timedelta(days=7)
        completed["completer_id"] = uid
        recurring = _add(
            world,
            uid,
            "company",
            rng.choice(companies)["id"],
            "Monthly check-in with the founders",
            date_field(today + timedelta(days=9)),
            created,
        )
        recurring["recurrence"] = {"resetTrigger": "interaction", "periodDays": 30}


def _add(
    world: World,
    owner: int,
    kind: str,
    entity_id: int,
    content: str,
    due: datetime,
    created: datetime,
) -> dict[str, Any]:
    rid = world.new_id("reminder")
    rec = {
        "id": rid,
        "content": content,
        "due_date": due,
        "creator_id": owner,
        "owner_id": owner,
        "completer_id": None,
        "completed_at": None,
        "entity_type": kind,
        "entity_id": entity_id,
        "recurrence": None,
        "created_at": created,
        "updated_at": None,
    }
    world.reminders[rid] = rec
    return rec


def build_mention_note(world: World, today: datetime, author: int, mentioned: int) -> None:
    """A note by `author` that @mentions `mentioned`: V2 refuses to update its content."""
    person = world.persons[mentioned]
    nid = world.new_id("note")
    world.notes[nid] = {
        "id": nid,
        "creator_id": author,
        "person_ids": [],
        "organization_ids": [5001],
        "opportunity_ids": [],
        "parent_id": None,
        "content": (
            '<p><span data-type="note-mention" data-note-mention-type="person" '
            f'data-note-mention-person-id="{mentioned}">{person["first_name"]}</span>, '
            "can you take the Acme reference calls?</p>"
        ),
        "type": 2,
        "mentioned_person_ids": [mentioned],
        "created_at": today - timedelta(days=2),
        "updated_at": None,
    }
