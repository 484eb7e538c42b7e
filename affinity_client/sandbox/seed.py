"""Deterministic seed data for the sandbox: a venture firm, "Northwind Ventures", in Affinity.

Everything is generated from a fixed random seed and a fixed "now" (`SEED_NOW`), except the
"Last Reviewed" dates of the Series A pipeline, which use the real current date at seeding time
(the Pacific one, `affinity_now()`) so that a demo asking "which deals did we review today?"
has answers (exactly 8).

The public constants (`TENANT`, `USERS`, the keys, `LISTS`, the named ids) are what tests and
demos refer to; `build_seed()` returns the mutable world the server starts from.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from . import seed_calendar
from .world import PACIFIC as PACIFIC  # re-exported: the seed's users of these name them here
from .world import World as World
from .world import affinity_now as affinity_now
from .world import date_field as date_field

SEED_NOW = datetime(2026, 11, 15, 17, 0, 0, tzinfo=UTC)
"""The fixed "now" most seeded dates are relative to."""

CREATED_BASE = datetime(2024, 3, 7, 20, 21, 42, tzinfo=UTC)
"""When the firm set up Affinity: lists and fields are created from this date on."""

TENANT = {"id": 70421, "name": "Northwind Ventures", "subdomain": "northwind"}


def _fake_key(label: str) -> str:
    """A 43-character opaque key (letters and digits), like the keys Affinity issues."""
    digest = hashlib.sha256(f"northwind-sandbox-{label}".encode()).hexdigest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    number = int(digest, 16)
    chars = []
    for _ in range(43):
        number, rem = divmod(number, len(alphabet))
        chars.append(alphabet[rem])
    return "".join(chars)


ADMIN_KEY = _fake_key("admin")
STANDARD_KEY = _fake_key("standard")
REVOKED_KEY = _fake_key("revoked")
RESTRICTED_KEY = _fake_key("restricted")
LEGACY_KEY = _fake_key("legacy")

API_VERSION = "2026-07-15"
"""The V2 version a seeded key answers in when a request names none ("Default API Version")."""
LEGACY_API_VERSION = "2024-01-01"

EXPORT_PEOPLE = "Export All People directory"
EXPORT_ORGANIZATIONS = "Export All Organizations directory"
EXPORT_LISTS = "Export data from Lists"
"""The permissions the V2 spec names in endpoint descriptions (see sandbox/permissions.py)."""
MANAGE_USERS = "Manage Users"
MANAGE_ALL_WEBHOOKS = "Manage all webhooks"
"""Permissions a role must be granted (`grants`): users' emails and roles, everyone's webhooks."""
EDIT_GLOBAL_FIELDS = "Edit Global Field Values"

USERS: list[dict[str, Any]] = [
    {
        "role": "admin",
        "person_id": 1001,
        "first_name": "Maya",
        "last_name": "Patel",
        "email": "maya@northwind.vc",
        "api_key": ADMIN_KEY,
        "grants": [MANAGE_USERS, MANAGE_ALL_WEBHOOKS],
    },
    {
        "role": "standard",
        "person_id": 1002,
        "first_name": "Daniel",
        "last_name": "Okafor",
        "email": "daniel@northwind.vc",
        "api_key": STANDARD_KEY,
    },
    {
        "role": "revoked",
        "person_id": 1003,
        "first_name": "Chris",
        "last_name": "Lee",
        "email": "chris@northwind.vc",
        "api_key": REVOKED_KEY,
    },
    # A role without the three export permissions: V2 answers 403 where its spec requires them.
    {
        "role": "restricted",
        "person_id": 1004,
        "first_name": "Sofia",
        "last_name": "Alvarez",
        "email": "sofia@northwind.vc",
        "api_key": RESTRICTED_KEY,
        "lacks": [EXPORT_PEOPLE, EXPORT_ORGANIZATIONS, EXPORT_LISTS],
    },
    # A key created before 2026 whose Default API Version is still 2024-01-01.
    {
        "role": "standard",
        "person_id": 1005,
        "first_name": "Tom",
        "last_name": "Becker",
        "email": "tom@northwind.vc",
        "api_key": LEGACY_KEY,
        "api_version": LEGACY_API_VERSION,
    },
]
for _user in USERS:
    _user.setdefault("api_version", API_VERSION)
ADMIN_ID = 1001
STANDARD_ID = 1002
REVOKED_ID = 1003
RESTRICTED_ID = 1004
LEGACY_ID = 1005
OTHER_INTERNAL: list[dict[str, Any]] = []
"""Internal people without a seeded key (none today: Tom Becker holds the 2024-01-01 key)."""
INTERNAL_IDS = [u["person_id"] for u in USERS] + [p["person_id"] for p in OTHER_INTERNAL]
CALENDAR_USER_IDS = [u["person_id"] for u in USERS if u["role"] != "revoked"]
"""Users with seeded meetings and reminders (sandbox/seed_calendar.py)."""

DASH = "\N{EN DASH}"
PRIVATE_LIST_NAME = f"Partners Only {DASH} Secret Deals"
LISTS = {
    "Series A Pipeline": 201,
    "Seed Pipeline": 202,
    "LP Fundraise": 203,
    "Deal Flow": 204,
    "Founders to Watch": 205,
    "Portfolio": 206,
    "Co-investors": 207,
    PRIVATE_LIST_NAME: 208,
}
PRIVATE_LIST_ID = LISTS[PRIVATE_LIST_NAME]
PIPELINE_LISTS = [
    "Series A Pipeline",
    "Seed Pipeline",
    "LP Fundraise",
    "Deal Flow",
    PRIVATE_LIST_NAME,
]

ACME_ORG_ID = 5001
ACME_DEAL_ID = 30001
"""Acme - Series A, the first deal of the Series A pipeline (stage Diligence)."""
BIG_ORG_ID = 5002
JANE_ID = 2001
JANE_EMAIL = "jane@acme.com"
DEAL_FLOW_SIZE = 500
LAST_REVIEWED_TODAY = 8

STATUS_STAGES = [
    "Sourced",
    "First Meeting",
    "Diligence",
    "IC",
    "Term Sheet",
    "Closed Won",
    "Passed",
]

# Value types (V1 codes).
PERSON, ORGANIZATION, DROPDOWN, NUMBER, DATE, LOCATION, TEXT, RANKED = range(8)

FIRST_NAMES = [
    "Alex",
    "Priya",
    "Marcus",
    "Lena",
    "Omar",
    "Grace",
    "Hiro",
    "Isabel",
    "Jonas",
    "Keisha",
    "Liam",
    "Mei",
    "Nikhil",
    "Olivia",
    "Pedro",
    "Quinn",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aaron",
    "Bianca",
    "Caleb",
    "Dana",
    "Elif",
    "Felix",
    "Gita",
    "Hannah",
    "Ivan",
    "Julia",
    "Kofi",
    "Lucia",
    "Mateo",
    "Nora",
    "Oscar",
    "Paula",
    "Rafael",
    "Sara",
    "Theo",
    "Uma",
    "Victor",
    "Wen",
    "Yara",
    "Zain",
    "Amara",
]
LAST_NAMES = [
    "Nguyen",
    "Schmidt",
    "Garcia",
    "Kowalski",
    "Haddad",
    "Okonkwo",
    "Tanaka",
    "Rossi",
    "Andersson",
    "Johnson",
    "Murphy",
    "Chen",
    "Sharma",
    "Silva",
    "Dubois",
    "Novak",
    "Ibrahim",
    "Larsen",
    "Moreau",
    "Kim",
    "Fischer",
    "Costa",
    "Mendes",
    "Petrov",
    "Walker",
    "Yilmaz",
    "Brennan",
    "Castillo",
    "Dimitrov",
    "Eriksen",
    "Friedman",
    "Gupta",
    "Horvat",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Mwangi",
    "Nakamura",
    "O'Neil",
    "Park",
    "Reyes",
    "Santos",
    "Tan",
    "Varga",
    "Wright",
    "Zhou",
    "Abbott",
    "Bauer",
    "Cohen",
]
COMPANY_PREFIXES = [
    "Blue",
    "Quantum",
    "Bright",
    "Iron",
    "Silver",
    "North",
    "Nova",
    "Clear",
    "Deep",
    "Green",
    "Swift",
    "Lumen",
    "Vertex",
    "Orbit",
    "Cedar",
    "Harbor",
    "Pixel",
    "Signal",
    "Atlas",
    "Summit",
    "Tidal",
    "Echo",
    "Polar",
    "Maple",
]
COMPANY_SUFFIXES = [
    "Labs",
    "AI",
    "Health",
    "Robotics",
    "Pay",
    "Cloud",
    "Bio",
    "Energy",
    "Logistics",
    "Security",
    "Analytics",
    "Foods",
    "Mobility",
    "Data",
    "Works",
    "Systems",
    "Finance",
    "Learning",
]
INDUSTRIES = [
    "Fintech",
    "Healthcare",
    "Climate",
    "Developer Tools",
    "AI / ML",
    "Marketplaces",
    "Security",
    "Consumer",
    "Enterprise SaaS",
    "Robotics",
]
CITIES = [
    ("San Francisco", "California", "United States", "North America"),
    ("New York", "New York", "United States", "North America"),
    ("London", None, "United Kingdom", "Europe"),
    ("Berlin", "Berlin", "Germany", "Europe"),
    ("Toronto", "Ontario", "Canada", "North America"),
    ("Austin", "Texas", "United States", "North America"),
    ("Paris", None, "France", "Europe"),
    ("Singapore", None, "Singapore", "Asia"),
]
TITLES = [
    "CEO & Co-founder",
    "CTO & Co-founder",
    "VP Engineering",
    "Head of Product",
    "CFO",
    "Partner",
    "Principal",
    "Head of Sales",
    "COO",
    "Managing Director",
]
LP_NAMES = [
    "Redwood Family Office",
    "Lakeshore Pension Fund",
    "Granite Endowment",
    "Harborview Capital Partners",
    "Meridian Foundation",
    "Stonebridge Wealth",
    "Crescent Insurance Group",
    "Aurora Sovereign Fund",
    "Pinecrest Fund of Funds",
    "Bluewater University Endowment",
    "Oakmont Trust",
    "Seaside Family Holdings",
    "Evergreen Retirement System",
    "Highland Partners",
    "Riverbend Capital",
    "Summit Ridge Foundation",
    "Westgate Family Office",
    "Northstar Pension",
    "Coral Bay Investments",
    "Ironwood Trust",
]
GLOBAL_COMPANIES = [
    ("Acme Corporation", "acmecorp.com"),
    ("Acme Robotics", "acmerobotics.io"),
    ("Stripe", "stripe.com"),
    ("Notion Labs", "notion.so"),
    ("Figma", "figma.com"),
    ("Datadog", "datadoghq.com"),
    ("Snowflake", "snowflake.com"),
    ("Plaid", "plaid.com"),
    ("Brex", "brex.com"),
    ("Ramp", "ramp.com"),
    ("Rippling", "rippling.com"),
    ("Vercel", "vercel.com"),
    ("Linear", "linear.app"),
    ("Retool", "retool.com"),
    ("Airtable", "airtable.com"),
    ("Sequoia Capital", "sequoiacap.com"),
    ("Accel", "accel.com"),
    ("Index Ventures", "indexventures.com"),
    ("Benchmark", "benchmark.com"),
    ("Greylock Partners", "greylock.com"),
    ("Lightspeed Venture Partners", "lsvp.com"),
    ("General Catalyst", "generalcatalyst.com"),
    ("Northwind Traders", "northwindtraders.com"),
]
CO_INVESTORS = [
    "Sequoia Capital",
    "Accel",
    "Index Ventures",
    "Benchmark",
    "Greylock Partners",
    "Lightspeed Venture Partners",
    "General Catalyst",
]


def value_text(world: World, f: dict[str, Any], raw: Any) -> str:
    """What a user reads for a stored value: option text, a person's or company's name, the
    value itself. Kept on each change so that a deleted option or person still shows."""
    if f["value_type"] in (DROPDOWN, RANKED):
        texts = {o["id"]: o["text"] for o in f["dropdown_options"]}
        return str(texts.get(raw, raw))
    if f["value_type"] == PERSON and raw in world.persons:
        p = world.persons[raw]
        return f"{p['first_name']} {p['last_name'] or ''}".strip()
    if f["value_type"] == ORGANIZATION and raw in world.organizations:
        return str(world.organizations[raw]["name"])
    if isinstance(raw, dict):
        return ", ".join(str(part) for part in raw.values() if part)
    return str(raw)


def change_record(
    world: World,
    f: dict[str, Any],
    entity_id: int,
    list_entry_id: int | None,
    action: str,
    raw: Any,
    changer_id: int | None,
    when: datetime,
) -> dict[str, Any]:
    """One field value change: `action` is "add", "update" or "delete"; `raw` the value set
    (for a delete, the value removed); `changer_id` the user's person id (None for Affinity)."""
    return {
        "id": world.new_id("field_value_change"),
        "field_id": f["id"],
        "entity_type": f["entity_type"],
        "entity_id": entity_id,
        "list_entry_id": list_entry_id,
        "action": action,
        "value": raw,
        "display": value_text(world, f, raw),
        "changer_id": changer_id,
        "changed_at": when.replace(microsecond=0),  # as the API shows it: filters compare alike
    }


class _Builder:
    """Builds a World step by step from one random generator."""

    def __init__(self, today: datetime) -> None:
        self.rng = random.Random(20261128)
        self.today = today
        self.w = World(
            next_ids={
                "person": 4000,
                "organization": 9000,
                "opportunity": 30000,
                "list_entry": 70000,
                "field": 400,
                "field_value": 900000,
                "note": 3000000,
                "dropdown": 800,
                "meeting": 6000000,
                "reminder": 7000,
                "field_value_change": 500000,
                "webhook": 0,
            }
        )

    # -- helpers -----------------------------------------------------------
    def ago(self, days_min: float, days_max: float) -> datetime:
        days = self.rng.uniform(days_min, days_max)
        moment = SEED_NOW - timedelta(days=days)
        return moment.replace(microsecond=self.rng.randrange(0, 1000) * 1000)

    def interactions(self, owner_ids: list[int], *, none: bool = False) -> dict[str, Any] | None:
        """V1 `interactions` (each `{date, person_ids}` or null) or None for no interactions."""
        if none:
            return None
        first_email = self.ago(300, 900)
        last_email = self.ago(1, 120)
        first_event = self.ago(200, 800)
        last_event = self.ago(2, 150)
        chat = self.ago(1, 60) if self.rng.random() < 0.3 else None
        upcoming = self.rng.random() < 0.35
        next_event = SEED_NOW + timedelta(days=self.rng.uniform(1, 30)) if upcoming else None
        people = sorted(self.rng.sample(owner_ids, k=min(len(owner_ids), self.rng.randint(1, 2))))
        last = max(d for d in (last_email, last_event, chat) if d is not None)

        def item(date: datetime | None) -> dict[str, Any] | None:
            return None if date is None else {"date": date, "person_ids": list(people)}

        return {
            "first_email": item(first_email),
            "last_email": item(last_email),
            "first_event": item(first_event),
            "last_event": item(last_event),
            "next_event": item(next_event),
            "last_chat_message": item(chat),
            "last_interaction": item(last),
        }

    def add_person(
        self,
        first: str,
        last: str,
        emails: list[str],
        *,
        internal: bool = False,
        org_ids: list[int] | None = None,
        pid: int | None = None,
        no_interactions: bool = False,
        phone: bool = True,
    ) -> dict[str, Any]:
        pid = pid or self.w.new_id("person")
        rec = {
            "id": pid,
            "type": 1 if internal else 0,
            "first_name": first,
            "last_name": last,
            "emails": emails,
            "organization_ids": list(org_ids or []),
            "phone_numbers": [f"+1 415 555 {self.rng.randint(1000, 9999)}"] if phone else [],
            "interactions": None
            if internal
            else self.interactions(INTERNAL_IDS, none=no_interactions),
            "created_at": self.ago(400, 1500),
        }
        self.w.persons[pid] = rec
        return rec

    def add_org(
        self, name: str, domain: str | None, *, is_global: bool = False, oid: int | None = None
    ) -> dict[str, Any]:
        oid = oid or self.w.new_id("organization")
        domains = [domain] if domain else []
        if domain and self.rng.random() < 0.15:
            domains.append(domain.rsplit(".", 1)[0] + ".io")
        rec = {
            "id": oid,
            "name": name,
            "domain": domain,
            "domains": domains,
            "global": is_global,
            "crunchbase_uuid": None,
            "created_at": self.ago(300, 1500),
        }
        self.w.organizations[oid] = rec
        return rec

    def add_field(
        self,
        name: str,
        value_type: int,
        *,
        list_id: int | None,
        entity_type: int,
        multiple: bool = False,
        options: list[str] | None = None,
        ranked: bool = False,
        tracked: bool = True,
    ) -> dict[str, Any]:
        fid = self.w.new_id("field")
        dropdown = []
        for rank, text in enumerate(options or [], start=1):
            color = (rank % 7) + 1 if ranked else 0
            dropdown.append(
                {"id": self.w.new_id("dropdown"), "text": text, "rank": rank, "color": color}
            )
        rec = {
            "id": fid,
            "name": name,
            "list_id": list_id,
            "enrichment_source": "none",
            "value_type": value_type,
            "allows_multiple": multiple,
            "track_changes": tracked,
            "dropdown_options": dropdown,
            "entity_type": entity_type,
            "created_at": self._field_created(list_id, fid),
        }
        self.w.fields[fid] = rec
        return rec

    def _field_created(self, list_id: int | None, fid: int) -> datetime:
        """Two days after its list (or the firm's start); not drawn from the seeded random
        stream, so every other seeded value stays where it was."""
        base = self.w.lists[list_id]["created_at"] if list_id in self.w.lists else CREATED_BASE
        return cast(datetime, base) + timedelta(days=2, hours=fid % 97)

    def add_value(
        self,
        field_rec: dict[str, Any],
        entity_id: int,
        value: Any,
        list_entry_id: int | None,
        created: datetime,
    ) -> dict[str, Any]:
        vid = self.w.new_id("field_value")
        if field_rec.get("value_type") == DATE and isinstance(value, datetime):
            value = date_field(value)
        rec = {
            "id": vid,
            "field_id": field_rec["id"],
            "entity_id": entity_id,
            "list_entry_id": list_entry_id,
            "created_at": created,
            "updated_at": None,
            "value": value,
            "entity_type": field_rec["entity_type"],
        }
        self.w.field_values[vid] = rec
        return rec

    def add_entry(
        self, list_id: int, entity_id: int, entity_type: int, creator: int, created: datetime
    ) -> dict[str, Any]:
        eid = self.w.new_id("list_entry")
        rec = {
            "id": eid,
            "list_id": list_id,
            "creator_id": creator,
            "entity_id": entity_id,
            "entity_type": entity_type,
            "created_at": created,
        }
        self.w.list_entries[eid] = rec
        return rec

    def add_note(
        self,
        content: str,
        *,
        note_type: int = 0,
        creator: int,
        person_ids: Iterable[int] = (),
        organization_ids: Iterable[int] = (),
        opportunity_ids: Iterable[int] = (),
        created: datetime,
        parent_id: int | None = None,
    ) -> dict[str, Any]:
        nid = self.w.new_id("note")
        rec = {
            "id": nid,
            "creator_id": creator,
            "person_ids": list(person_ids),
            "organization_ids": list(organization_ids),
            "opportunity_ids": list(opportunity_ids),
            "parent_id": parent_id,
            "content": content,
            "type": note_type,
            "created_at": created,
            "updated_at": None,
        }
        self.w.notes[nid] = rec
        return rec

    # -- the world ---------------------------------------------------------
    def build(self) -> World:
        self.build_people_and_orgs()
        self.build_lists()
        self.build_pipelines()
        self.build_entity_lists()
        self.build_global_values()
        self.build_notes()
        self.build_strengths()
        self.build_former_employers()
        seed_calendar.build_meetings(self.w, self.today, CALENDAR_USER_IDS)
        seed_calendar.build_reminders(self.w, self.today, CALENDAR_USER_IDS)
        seed_calendar.build_mention_note(self.w, self.today, ADMIN_ID, STANDARD_ID)
        self.build_history()
        return self.w

    def build_history(self) -> None:
        """Field value changes: an `add` for every seeded value of a tracked field, by the
        entry's creator when it was made; and stage moves on pipeline deals (a quarter of Deal
        Flow, most of Series A, Acme's deal) by different users over the past weeks, ending at
        the deal's current stage. Done last, from its own generator: no other draw moves."""
        rng = random.Random(20261130)
        movers = [u["person_id"] for u in USERS if u["role"] != "revoked"]
        moves: dict[int, list[tuple[int, datetime, int]]] = {}
        for name in ("Deal Flow", "Series A Pipeline"):
            status = self.list_fields[LISTS[name]]["Status"]
            ranks = [o["id"] for o in status["dropdown_options"]]
            stage_of = {
                v["list_entry_id"]: v["value"]
                for v in self.w.field_values.values()
                if v["field_id"] == status["id"]
            }
            for entry in self.w.list_entries.values():
                if entry["list_id"] != LISTS[name]:
                    continue
                eid, current = entry["id"], stage_of[entry["id"]]
                at = ranks.index(current)
                chosen = entry["entity_id"] == ACME_DEAL_ID or rng.random() < (
                    0.8 if name == "Series A Pipeline" else 0.25
                )
                if at == 0 or not chosen:
                    continue
                earlier = sorted(rng.sample(range(at), k=min(at, rng.randint(1, 3))))
                start = max(entry["created_at"], SEED_NOW - timedelta(days=70))
                span = (SEED_NOW - start).total_seconds()
                times = sorted(
                    start + timedelta(seconds=span * rng.uniform(0.05, 0.98))
                    for _ in range(len(earlier))
                )
                steps = [ranks[i] for i in earlier[1:]] + [current]
                moves[eid] = [(ranks[earlier[0]], entry["created_at"], entry["creator_id"])]
                moves[eid] += [
                    (opt, t, rng.choice(movers)) for opt, t in zip(steps, times, strict=True)
                ]
        seeded = sorted(self.w.field_values.values(), key=lambda v: (v["created_at"], v["id"]))
        changes = []
        for v in seeded:
            f = self.w.fields[v["field_id"]]
            if not f["track_changes"]:
                continue
            held = self.w.list_entries.get(v["list_entry_id"]) if v["list_entry_id"] else None
            history = moves.get(v["list_entry_id"]) if f["name"] == "Status" else None
            if history is None:
                creator = held["creator_id"] if held else ADMIN_ID
                changes.append((v["created_at"], f, v, "add", v["value"], creator))
                continue
            for step, (raw, when, who) in enumerate(history):
                changes.append((when, f, v, "add" if step == 0 else "update", raw, who))
        changes.sort(key=lambda c: c[0])
        for when, f, v, action, raw, who in changes:
            rec = change_record(
                self.w, f, v["entity_id"], v["list_entry_id"], action, raw, who, when
            )
            self.w.field_value_changes[rec["id"]] = rec

    def build_former_employers(self) -> None:
        """Jane used to work at the first startup: V1 keeps former employers in
        `organization_ids` and lists only current ones in `current_organization_ids`
        (reference/affinity-api.md, the V1 person resource). Done last: no random draw moves."""
        former = self.startups[0]["id"]
        jane = self.w.persons[JANE_ID]
        jane["organization_ids"].append(former)
        jane["former_organization_ids"] = [former]

    def build_people_and_orgs(self) -> None:
        northwind = self.add_org("Northwind Ventures", "northwind.vc", oid=5000)
        for u in USERS + OTHER_INTERNAL:
            self.add_person(
                u["first_name"],
                u["last_name"],
                [u["email"]],
                internal=True,
                org_ids=[northwind["id"]],
                pid=u["person_id"],
            )
        acme = self.add_org("Acme", "acme.com", oid=ACME_ORG_ID)
        big = self.add_org("Globex Systems", "globex.com", oid=BIG_ORG_ID)
        self.add_person(
            "Jane", "Smith", [JANE_EMAIL, "jane.smith@gmail.com"], org_ids=[acme["id"]], pid=JANE_ID
        )
        self.add_person("Raj", "Mehta", ["raj@acme.com"], org_ids=[acme["id"]])
        self.add_person("Elena", "Volkova", ["elena@acme.com"], org_ids=[acme["id"]])
        used: set[str] = {"acme.com", "globex.com", "northwind.vc"}
        self.startups: list[dict[str, Any]] = []
        for i in range(220):
            name = f"{self.rng.choice(COMPANY_PREFIXES)}{self.rng.choice(COMPANY_SUFFIXES)}"
            if any(o["name"] == name for o in self.startups):
                name = f"{name} {i}"
            domain = name.lower().replace(" ", "") + self.rng.choice([".com", ".io", ".ai", ".co"])
            if domain in used:
                domain = f"{i}{domain}"
            used.add(domain)
            self.startups.append(self.add_org(name, domain))
        self.globals = [self.add_org(n, d, is_global=True) for n, d in GLOBAL_COMPANIES]
        self.lps = [self.add_org(n, n.lower().replace(" ", "") + ".com") for n in LP_NAMES]
        # Globex: a big org with 60 people.
        for i in range(60):
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            email = f"{first.lower()}.{last.lower().replace(chr(39), '')}{i}@globex.com"
            self.add_person(
                first, last, [email], org_ids=[big["id"]], no_interactions=self.rng.random() < 0.2
            )
        # Two or so people per startup, some with no interactions, some with two emails.
        orgs = self.startups + self.lps + self.globals[:10]
        for n in range(380):
            org = orgs[n % len(orgs)]
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            handle = f"{first.lower()}.{last.lower().replace(chr(39), '')}"
            emails = [f"{handle}@{org['domain']}"]
            if self.rng.random() < 0.25:
                emails.append(f"{handle}{n}@gmail.com")
            extra = [self.rng.choice(self.startups)["id"]] if self.rng.random() < 0.1 else []
            self.add_person(
                first,
                last,
                emails,
                org_ids=[org["id"], *extra],
                no_interactions=self.rng.random() < 0.15,
                phone=self.rng.random() < 0.7,
            )
        for org in self.w.organizations.values():
            org["interactions"] = None if org["global"] else self.interactions(INTERNAL_IDS)

    def build_lists(self) -> None:
        spec = {
            "Series A Pipeline": 8,
            "Seed Pipeline": 8,
            "LP Fundraise": 8,
            "Deal Flow": 8,
            "Founders to Watch": 0,
            "Portfolio": 1,
            "Co-investors": 1,
            PRIVATE_LIST_NAME: 8,
        }
        for number, (name, list_type) in enumerate(spec.items()):
            private = name == PRIVATE_LIST_NAME
            self.w.lists[LISTS[name]] = {
                "id": LISTS[name],
                "type": list_type,
                "name": name,
                "created_at": CREATED_BASE + timedelta(days=number * 45),
                "public": not private,
                "owner_id": ADMIN_ID,
                "creator_id": ADMIN_ID,
                "additional_permissions": []
                if private
                else [{"internal_person_id": STANDARD_ID, "role_id": 2}],
            }
        self.list_fields: dict[int, dict[str, dict[str, Any]]] = {}
        for name in PIPELINE_LISTS:
            lid = LISTS[name]
            fields = {
                "Status": self.add_field(
                    "Status", RANKED, list_id=lid, entity_type=8, options=STATUS_STAGES, ranked=True
                ),
                "Amount": self.add_field("Amount", NUMBER, list_id=lid, entity_type=8),
                "Owners": self.add_field(
                    "Owners", PERSON, list_id=lid, entity_type=8, multiple=True
                ),
            }
            if name == "Series A Pipeline":
                fields["Last Reviewed"] = self.add_field(
                    "Last Reviewed", DATE, list_id=lid, entity_type=8
                )
                fields["Sector"] = self.add_field(
                    "Sector", DROPDOWN, list_id=lid, entity_type=8, options=INDUSTRIES
                )
            self.list_fields[lid] = fields
        founders = LISTS["Founders to Watch"]
        self.list_fields[founders] = {
            "Relationship Owner": self.add_field(
                "Relationship Owner", PERSON, list_id=founders, entity_type=0
            ),
            "Priority": self.add_field(
                "Priority",
                DROPDOWN,
                list_id=founders,
                entity_type=0,
                options=["High", "Medium", "Low"],
            ),
        }
        portfolio = LISTS["Portfolio"]
        self.list_fields[portfolio] = {
            "Investment Date": self.add_field(
                "Investment Date", DATE, list_id=portfolio, entity_type=1
            ),
            "Board Seat": self.add_field(
                "Board Seat",
                DROPDOWN,
                list_id=portfolio,
                entity_type=1,
                options=["Yes", "Observer", "No"],
            ),
            "Check Size": self.add_field("Check Size", NUMBER, list_id=portfolio, entity_type=1),
        }
        coinv = LISTS["Co-investors"]
        self.list_fields[coinv] = {
            "Tier": self.add_field(
                "Tier",
                DROPDOWN,
                list_id=coinv,
                entity_type=1,
                options=["Tier 1", "Tier 2", "Tier 3"],
            ),
            "Notes": self.add_field("Notes", TEXT, list_id=coinv, entity_type=1, tracked=False),
        }
        self.global_fields = {
            "Job Title": self.add_field("Job Title", TEXT, list_id=None, entity_type=0),
            "Location": self.add_field(
                "Location", LOCATION, list_id=None, entity_type=0, tracked=False
            ),
            "Industry": self.add_field(
                "Industry", DROPDOWN, list_id=None, entity_type=1, options=INDUSTRIES
            ),
            "Total Funding": self.add_field("Total Funding", NUMBER, list_id=None, entity_type=1),
        }

    def build_pipelines(self) -> None:
        sizes = {
            "Series A Pipeline": 42,
            "Seed Pipeline": 36,
            "LP Fundraise": len(self.lps),
            "Deal Flow": DEAL_FLOW_SIZE,
            PRIVATE_LIST_NAME: 6,
        }
        rounds = {
            "Series A Pipeline": "Series A",
            "Seed Pipeline": "Seed",
            "Deal Flow": "Intro",
            PRIVATE_LIST_NAME: "Secondary",
        }
        for name in PIPELINE_LISTS:
            lid = LISTS[name]
            for i in range(sizes[name]):
                if name == "LP Fundraise":
                    org = self.lps[i]
                    opp_name = f"{org['name']} {DASH} Fund III"
                elif name == "Series A Pipeline" and i == 0:
                    org = self.w.organizations[ACME_ORG_ID]
                    opp_name = f"Acme {DASH} Series A"
                else:
                    org = self.startups[(i * 7 + len(name)) % len(self.startups)]
                    suffix = f" #{i // len(self.startups) + 1}" if i >= len(self.startups) else ""
                    opp_name = f"{org['name']} {DASH} {rounds[name]}{suffix}"
                self.add_opportunity(lid, name, opp_name, org, i)

    def add_opportunity(
        self, lid: int, list_name: str, opp_name: str, org: dict[str, Any], i: int
    ) -> None:
        oid = self.w.new_id("opportunity")
        people = (
            [p["id"] for p in self.w.persons.values() if org["id"] in p["organization_ids"]][:2]
            if i < 60 or lid != 204
            else []
        )
        if org["id"] == ACME_ORG_ID:
            people = [JANE_ID]
        self.w.opportunities[oid] = {
            "id": oid,
            "name": opp_name,
            "person_ids": people,
            "organization_ids": [org["id"]],
            "list_id": lid,
        }
        owner = self.rng.choice([ADMIN_ID, STANDARD_ID, 1004, 1005])
        created = self.ago(5, 400)
        entry = self.add_entry(lid, oid, 8, owner, created)
        fields = self.list_fields[lid]
        status = fields["Status"]["dropdown_options"]
        stage = status[0] if org["id"] == ACME_ORG_ID else self.rng.choice(status)
        if org["id"] == ACME_ORG_ID:
            stage = status[2]
        self.add_value(fields["Status"], oid, stage["id"], entry["id"], created)
        if self.rng.random() < 0.9:
            amount = self.rng.choice(
                [
                    500_000,
                    1_000_000,
                    2_500_000,
                    4_000_000,
                    8_000_000,
                    12_000_000,
                    15_000_000,
                    25_000_000,
                ]
            )
            self.add_value(fields["Amount"], oid, amount, entry["id"], created)
        owners = sorted({owner, *([self.rng.choice([1004, 1005])] if i % 3 == 0 else [])})
        for person_id in owners:
            self.add_value(fields["Owners"], oid, person_id, entry["id"], created)
        if list_name == "Series A Pipeline":
            if i < LAST_REVIEWED_TODAY:
                reviewed = self.today.replace(hour=12, minute=0, second=0, microsecond=0)
            else:
                reviewed = (self.today - timedelta(days=2 + i)).replace(
                    hour=12, minute=0, second=0, microsecond=0
                )
            self.add_value(fields["Last Reviewed"], oid, reviewed, entry["id"], created)
            sector = self.rng.choice(fields["Sector"]["dropdown_options"])
            self.add_value(fields["Sector"], oid, sector["id"], entry["id"], created)

    def build_entity_lists(self) -> None:
        founders = LISTS["Founders to Watch"]
        fields = self.list_fields[founders]
        candidates = [p for p in self.w.persons.values() if p["type"] == 0][:200:4]
        for p in [self.w.persons[JANE_ID], *candidates[:45]]:
            entry = self.add_entry(founders, p["id"], 0, ADMIN_ID, self.ago(10, 300))
            self.add_value(
                fields["Relationship Owner"],
                p["id"],
                self.rng.choice([ADMIN_ID, STANDARD_ID]),
                entry["id"],
                entry["created_at"],
            )
            prio = self.rng.choice(fields["Priority"]["dropdown_options"])
            self.add_value(
                fields["Priority"], p["id"], prio["id"], entry["id"], entry["created_at"]
            )
        portfolio = LISTS["Portfolio"]
        fields = self.list_fields[portfolio]
        for org in [self.w.organizations[ACME_ORG_ID], *self.startups[:30]]:
            entry = self.add_entry(portfolio, org["id"], 1, ADMIN_ID, self.ago(30, 900))
            self.add_value(
                fields["Investment Date"],
                org["id"],
                self.ago(60, 1200).replace(hour=0, minute=0, second=0, microsecond=0),
                entry["id"],
                entry["created_at"],
            )
            seat = self.rng.choice(fields["Board Seat"]["dropdown_options"])
            self.add_value(
                fields["Board Seat"], org["id"], seat["id"], entry["id"], entry["created_at"]
            )
            self.add_value(
                fields["Check Size"],
                org["id"],
                self.rng.choice([250_000, 1_000_000, 3_000_000]),
                entry["id"],
                entry["created_at"],
            )
        coinv = LISTS["Co-investors"]
        fields = self.list_fields[coinv]
        by_name = {o["name"]: o for o in self.globals}
        for name in CO_INVESTORS:
            entry = self.add_entry(coinv, by_name[name]["id"], 1, STANDARD_ID, self.ago(30, 600))
            tier = self.rng.choice(fields["Tier"]["dropdown_options"])
            self.add_value(
                fields["Tier"], by_name[name]["id"], tier["id"], entry["id"], entry["created_at"]
            )

    def build_global_values(self) -> None:
        title, location = self.global_fields["Job Title"], self.global_fields["Location"]
        jane = self.w.persons[JANE_ID]
        self.add_value(title, JANE_ID, "CEO & Co-founder", None, jane["created_at"])
        self.add_value(
            location,
            JANE_ID,
            {
                "street_address": None,
                "city": "San Francisco",
                "state": "California",
                "country": "United States",
                "continent": "North America",
            },
            None,
            jane["created_at"],
        )
        for p in list(self.w.persons.values())[1::2]:
            if p["id"] == JANE_ID:
                continue
            self.add_value(title, p["id"], self.rng.choice(TITLES), None, p["created_at"])
            city, state, country, continent = self.rng.choice(CITIES)
            self.add_value(
                location,
                p["id"],
                {
                    "street_address": None,
                    "city": city,
                    "state": state,
                    "country": country,
                    "continent": continent,
                },
                None,
                p["created_at"],
            )
        industry, funding = self.global_fields["Industry"], self.global_fields["Total Funding"]
        for org in self.startups:
            option = self.rng.choice(industry["dropdown_options"])
            self.add_value(industry, org["id"], option["id"], None, org["created_at"])
            if self.rng.random() < 0.6:
                self.add_value(
                    funding,
                    org["id"],
                    self.rng.choice([2e6, 8.5e6, 20e6, 45e6]),
                    None,
                    org["created_at"],
                )

    def build_notes(self) -> None:
        acme_deal = self.w.opportunities[ACME_DEAL_ID]
        self.add_note(
            "Met Jane at the Acme office. Strong technical team; ARR ~$3.1M, growing "
            "15% MoM. Follow up on the data_room access.",
            creator=ADMIN_ID,
            person_ids=[JANE_ID],
            organization_ids=[ACME_ORG_ID],
            created=SEED_NOW - timedelta(days=12),
        )
        self.add_note(
            "<p>Partner meeting recap: <strong>move Acme to Diligence</strong>.</p>"
            "<ul><li>Reference calls</li><li>Customer interviews</li></ul>",
            note_type=2,
            creator=STANDARD_ID,
            opportunity_ids=[acme_deal["id"]],
            organization_ids=[ACME_ORG_ID],
            created=SEED_NOW - timedelta(days=5),
        )
        topics = [
            "Intro call, promising team.",
            "Pricing discussion; churn looks high.",
            "Sent the deck to the partnership.",
            "Caught up at the conference.",
            "Customer reference was very positive.",
            "Passed for now; revisit next year.",
        ]
        persons = [p for p in self.w.persons.values() if p["type"] == 0]
        for i in range(160):
            creator = self.rng.choice([ADMIN_ID, STANDARD_ID, 1004, 1005])
            created = self.ago(1, 500)
            text = self.rng.choice(topics)
            kind = i % 3
            if kind == 0:
                p = self.rng.choice(persons)
                self.add_note(
                    text,
                    creator=creator,
                    person_ids=[p["id"]],
                    organization_ids=p["organization_ids"][:1],
                    created=created,
                )
            elif kind == 1:
                org = self.rng.choice(self.startups)
                self.add_note(
                    f"<p>{text}</p>",
                    note_type=2,
                    creator=creator,
                    organization_ids=[org["id"]],
                    created=created,
                )
            else:
                opp = self.rng.choice(list(self.w.opportunities.values())[:150])
                self.add_note(
                    text,
                    creator=creator,
                    opportunity_ids=[opp["id"]],
                    organization_ids=opp["organization_ids"],
                    created=created,
                )

    def build_strengths(self) -> None:
        for internal in self.rng.sample(INTERNAL_IDS, k=len(INTERNAL_IDS)):  # unsorted
            self.w.strengths.setdefault(JANE_ID, []).append(
                {
                    "internal_id": internal,
                    "external_id": JANE_ID,
                    "strength": round(self.rng.uniform(0.35, 0.95), 3),
                }
            )
        for p in self.w.persons.values():
            if p["type"] == 1 or p["id"] == JANE_ID or p["interactions"] is None:
                continue
            if self.rng.random() < 0.6:
                for internal in self.rng.sample(INTERNAL_IDS, k=self.rng.randint(1, 3)):
                    self.w.strengths.setdefault(p["id"], []).append(
                        {
                            "internal_id": internal,
                            "external_id": p["id"],
                            "strength": round(self.rng.uniform(0.05, 0.99), 3),
                        }
                    )


def build_seed(today: datetime | None = None) -> World:
    """The seeded world; `today` (default: `affinity_now()`) fixes the "Last Reviewed" dates,
    the reminders' due days and the meetings' times, its day counted in Pacific time."""
    return _Builder(today.astimezone(PACIFIC) if today else affinity_now()).build()
