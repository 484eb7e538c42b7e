"""People, organizations and deals for the note form: typeahead answers (searches run with the
user's own key) and the records recognised in a message's text (emails, domains, full names).

An option's value is `<kind>:<id>` (`person:12`, `organization:7`, `opportunity:3`); its text is
the record's name, so the form and the confirmation can name it without another lookup.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from typing import Any

from affinity_client.errors import AffinityError
from bot.connector import Connector

log = logging.getLogger(__name__)

KINDS = ("person", "organization", "opportunity")
TARGET_FIELDS = {
    "person": "person_ids",
    "organization": "organization_ids",
    "opportunity": "opportunity_ids",
}
GROUP_LABELS = {"person": "People", "organization": "Organizations", "opportunity": "Deals"}
PER_KIND = 5
TYPEAHEAD_SECONDS = 2.2  # the options answer is the acknowledgement: inside Slack's 3 s
MAX_RECOGNISED_SEARCHES = 6
OPTION_TEXT = 75

EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
DOMAIN = re.compile(r"\b((?:[a-z0-9-]+\.)+(?:com|io|co|ai|net|org|vc|dev|app|xyz|tech))\b", re.I)
FULL_NAME = re.compile(r"\b([A-Z][a-z]+(?:-[A-Z][a-z]+)?) ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")
FREE_MAIL = {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com"}


@dataclass(frozen=True)
class Record:
    kind: str
    id: int
    name: str

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.id}"

    def option(self) -> dict[str, Any]:
        text = self.name if len(self.name) <= OPTION_TEXT else self.name[: OPTION_TEXT - 1] + "…"
        return {"text": {"type": "plain_text", "text": text or f"#{self.id}"}, "value": self.value}


def record_from_option(option: dict[str, Any]) -> Record | None:
    kind, _, raw_id = str(option.get("value") or "").partition(":")
    if kind not in KINDS or not raw_id.isdigit():
        return None
    return Record(kind, int(raw_id), str((option.get("text") or {}).get("text") or ""))


def note_targets(records: Iterable[Record]) -> dict[str, list[int]]:
    targets: dict[str, list[int]] = {}
    for record in records:
        ids = targets.setdefault(TARGET_FIELDS[record.kind], [])
        if record.id not in ids:
            ids.append(record.id)
    return targets


Search = Callable[[str], list[Record]]


class RecordSearch:
    """Searches of one user's Affinity, with their key, through the connector."""

    def __init__(self, connector: Connector, identifier: str) -> None:
        self.connector = connector
        self.identifier = identifier

    def persons(self, term: str) -> list[Record]:
        result = self.connector.execute_tool(
            self.identifier, "affinity_search_persons", {"term": term, "page_size": PER_KIND}
        )
        return [Record("person", p["id"], _person_label(p)) for p in result.get("persons") or []]

    def organizations(self, term: str) -> list[Record]:
        result = self.connector.execute_tool(
            self.identifier,
            "affinity_search_organizations",
            {"term": term, "page_size": PER_KIND},
        )
        return [
            Record("organization", o["id"], _org_label(o))
            for o in result.get("organizations") or []
        ]

    def opportunities(self, term: str) -> list[Record]:
        page = self.connector.run(
            self.identifier,
            "search_opportunities",
            lambda client: client.page(
                "/opportunities",
                {"term": term, "page_size": PER_KIND},
                items_key="opportunities",
            ),
        )
        return [Record("opportunity", o["id"], str(o.get("name") or "")) for o in page.items]


def _person_label(person: dict[str, Any]) -> str:
    email = person.get("primary_email")
    return f"{person.get('name') or ''} ({email})" if email else str(person.get("name") or "")


def _org_label(org: dict[str, Any]) -> str:
    domain = org.get("domain")
    return f"{org.get('name') or ''} ({domain})" if domain else str(org.get("name") or "")


def typeahead(search: RecordSearch, query: str, pool: ThreadPoolExecutor) -> list[dict[str, Any]]:
    """Option groups for `query`: people, organizations and deals, searched at once; what did
    not answer in time (or failed) is left out rather than failing the whole answer."""
    query = query.strip()
    if len(query) < 2:
        return []
    lookups = {
        "person": search.persons,
        "organization": search.organizations,
        "opportunity": search.opportunities,
    }
    futures = {kind: pool.submit(run, query) for kind, run in lookups.items()}
    wait(futures.values(), timeout=TYPEAHEAD_SECONDS)
    groups = []
    for kind, future in futures.items():
        if not future.done() or future.exception() is not None:
            if future.done():
                log.info("typeahead %s search failed: %s", kind, type(future.exception()).__name__)
            continue
        records = future.result()[:PER_KIND]
        if records:
            groups.append(
                {
                    "label": {"type": "plain_text", "text": GROUP_LABELS[kind]},
                    "options": [r.option() for r in records],
                }
            )
    return groups


def _has_email(email: str, record: Record) -> bool:
    return f"({email})" in record.name.lower()


def _has_domain(domain: str, record: Record) -> bool:
    return record.name.lower().endswith(f"({domain})")


def _has_name(name: str, record: Record) -> bool:
    return record.name.lower().split(" (")[0] == name


def recognise(search: RecordSearch, text: str) -> list[Record]:
    """Records named unambiguously in `text`: a person by one of their emails, an organization
    by its domain, a person by their exact full name. At most a few searches; failures skip."""
    wanted: list[tuple[Search, str, Callable[[Record], bool]]] = []
    emails = {m.group(0).lower() for m in EMAIL.finditer(text)}
    domains = {m.group(1).lower() for m in EMAIL.finditer(text)}
    domains |= {m.group(1).lower() for m in DOMAIN.finditer(text)}
    for email in sorted(emails):
        wanted.append((search.persons, email, partial(_has_email, email)))
    for domain in sorted(domains - FREE_MAIL):
        wanted.append((search.organizations, domain, partial(_has_domain, domain)))
    for first, last in dict.fromkeys(FULL_NAME.findall(text)):
        name = f"{first} {last}"
        wanted.append((search.persons, name, partial(_has_name, name.lower())))
    found: list[Record] = []
    for run, term, matches in wanted[:MAX_RECOGNISED_SEARCHES]:
        try:
            hits = [r for r in run(term) if matches(r)]
        except AffinityError as error:
            log.info("recognising records: a search failed (%s)", type(error).__name__)
            continue
        if len(hits) == 1 and hits[0].value not in {r.value for r in found}:
            found.append(hits[0])
    return found
