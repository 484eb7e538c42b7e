"""What the model is given of a tool's result is a quarter of the raw Affinity JSON behind it or
less (measured as benchmarks/agent.py does: each scenario of benchmarks/tools.py on a fresh
client, every Affinity answer counted), or the documented bound of a tool whose answer is
little more than its facts; and it still holds every fact the tool's result has: ids, names,
dates, stages and values."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest

from affinity_client import TOOLS, AffinityClient, run_tool
from affinity_client.sandbox import seed
from benchmarks.agent import RESULT_RATIO_FLOORS, RESULT_RATIO_TARGET, model_facing, ratio_bound
from benchmarks.tools import Scenario, add_big_deal_org, scenarios
from bot.agent import AgentSettings
from bot.agent.tables import read_result

SERIES_A = seed.LISTS["Series A Pipeline"]
DEFAULTS = AgentSettings()
# the Deal Flow pages to the end (five pages of 100 deals) take several seconds: the page test
# below covers a page of deals, and the benchmark the whole list
_SLOW = {"Deal Flow, every deal, to the end"}
_SCENARIOS = [s for s in scenarios(big_org_id=0) if s.label not in _SLOW]


class _Counting(httpx.BaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.bytes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.bytes += len(response.read())
        return response


def _run(sandbox: Any, scenario: Scenario) -> tuple[list[tuple[Any, str]], float]:
    """Each call's result and the text the model is given, and all the texts' characters over
    the raw JSON's bytes."""
    calls: list[tuple[Any, str]] = []

    def given(client: AffinityClient, name: str, tool_input: dict[str, Any]) -> Any:
        result = run_tool(client, name, tool_input)
        calls.append((result, model_facing(DEFAULTS, name, tool_input, result)))
        return result

    transport = _Counting()
    with AffinityClient(seed.ADMIN_KEY, sandbox.base_url, transport=transport) as client:
        scenario.run(client, given)
    return calls, sum(len(text) for _, text in calls) / transport.bytes


def _given(sandbox: Any, name: str, tool_input: dict[str, Any]) -> tuple[Any, dict, float]:
    """One call's result, what the model is given of it (tables read back as records), and
    the ratio."""
    calls, ratio = _run(sandbox, Scenario(name, "", tool_input, rule=None))  # type: ignore[arg-type]
    result, text = calls[0]
    return result, read_result(text), ratio


def _scenario(sandbox: Any, scenario: Scenario) -> Scenario:
    if scenario.inputs.get("organization_id") == 0:  # the benchmark's big deal organization
        big = add_big_deal_org(sandbox)
        return Scenario(scenario.tool, scenario.label, {"organization_id": big}, scenario.rule)
    return scenario


@pytest.mark.parametrize("scenario", _SCENARIOS, ids=lambda s: f"{s.tool}: {s.label}")
def test_every_tool_gives_the_model_at_most_its_share_of_the_raw_json(sandbox, scenario):
    _, ratio = _run(sandbox, _scenario(sandbox, scenario))
    assert ratio <= ratio_bound(scenario.tool)


def test_only_reads_whose_answer_is_mostly_facts_have_a_higher_bound():
    for tool, (bound, why) in RESULT_RATIO_FLOORS.items():
        assert tool in TOOLS and not TOOLS[tool].writes
        assert RESULT_RATIO_TARGET < bound <= 0.55 and why


@pytest.mark.parametrize(
    "scenario",
    [s for s in _SCENARIOS if not TOOLS[s.tool].writes],
    ids=lambda s: f"{s.tool}: {s.label}",
)
def test_every_fact_of_a_read_reaches_the_model(sandbox, scenario):
    """Each id, name, date, stage, value and text of the result is in what the model is given,
    but what it says twice (first and last names beside the full name, the emails and domains
    of records inside a record, ranks that number options in order, plain note types)."""
    calls, _ = _run(sandbox, _scenario(sandbox, scenario))
    for result, text in calls:
        assert "cut" not in read_result(text)  # every item shown, none left for a next call
        for key, value in _facts(result):
            assert _shown(value, text), f"{scenario.tool}: {key}={value!r} not given"


_REPEATS = {"first_name", "last_name", "rank"}
_NESTED_DETAIL = {"primary_email", "emails", "domain", "domains"}
_SAID_BY_ABSENCE = {"type": "one-time"}  # the prompt: a reminder without a type is one-time


def _facts(value: Any, key: str = "", depth: int = 0) -> list[tuple[str, Any]]:
    """(key, scalar) for every fact of a result; ``depth``: how many records deep it is."""
    if isinstance(value, dict):
        if key == "fields" and "value" in value:
            # a deal's Status, Amount and Owners are said by its stage, value and owners: the
            # value must be given, not necessarily as a field
            return _facts(value["value"], "value", depth)
        inner = depth + (1 if "id" in value else 0)
        found = []
        for k, v in value.items():
            if k in _REPEATS or (k in _NESTED_DETAIL and inner >= 2):
                continue
            if k == "type" and v in ("text", "html") and "content" in value:
                continue
            if _SAID_BY_ABSENCE.get(k) == v:
                continue
            found += _facts(v, k, inner)
        return found
    if isinstance(value, list):
        return [f for v in value for f in _facts(v, key, depth)]
    if value is None or value is False:
        return []
    return [(key, value)]


def _shown(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return "true" in text
    if isinstance(value, int | float):
        return str(value) in text
    written = json.dumps(value, ensure_ascii=False)[1:-1]
    if written in text:
        return True
    if _is_timestamp(value):
        instant = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
        return f"{instant:%Y-%m-%dT%H:%M}Z" in text
    return ", " in value and all(_shown(part, text) for part in value.split(", "))


def _is_timestamp(value: str) -> bool:
    try:
        return "T" in value and dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def test_a_page_of_deals_keeps_every_deals_ids_names_stage_value_and_dates(sandbox):
    result, shown, ratio = _given(
        sandbox, "affinity_list_opportunities", {"list_id": SERIES_A, "page_size": 50}
    )
    assert ratio <= 0.25
    assert shown["list"] == {"id": SERIES_A, "name": "Series A Pipeline"}  # once, not per deal
    assert len(shown["opportunities"]) == len(result["opportunities"])
    for full, given in zip(result["opportunities"], shown["opportunities"], strict=True):
        assert (given["id"], given["name"]) == (full["id"], full["name"])
        assert given.get("stage", {}).get("text") == (full["stage"] or {}).get("text")
        assert given.get("value") == full["value"]
        created = dt.datetime.fromisoformat(full["created_at"]).astimezone(dt.UTC)
        assert given["created_at"] == f"{created:%Y-%m-%dT%H:%M}Z"  # the instant, in UTC
        assert [o["name"] for o in given.get("owners", [])] == [o["name"] for o in full["owners"]]
        for key in ("people", "organizations"):
            refs = [{"id": r["id"], "name": r["name"]} for r in full[key]]
            assert given.get(key, []) == refs  # ids and names; emails and domains left out


def test_one_deal_keeps_its_list_stage_value_people_and_fields(sandbox):
    result, shown, ratio = _given(
        sandbox, "affinity_get_opportunity", {"opportunity_id": seed.ACME_DEAL_ID}
    )
    assert ratio <= 0.25
    assert shown["list"] == result["list"] and shown["stage"]["text"] == "Diligence"
    assert shown["value"] == result["value"]
    assert [p["name"] for p in shown["people"]] == [p["name"] for p in result["people"]]
    shown_fields = {f["name"]: f["value"] for f in shown["fields"]}
    assert {f["name"]: f["value"] for f in result["fields"]}.items() >= shown_fields.items()
    assert "Last Reviewed" in shown_fields  # a date field the deal's own keys do not show


@pytest.mark.parametrize("org_id", [seed.ACME_ORG_ID, seed.BIG_ORG_ID])
def test_an_organization_keeps_its_people_deals_and_lists(sandbox, org_id):
    result, shown, ratio = _given(sandbox, "affinity_get_organization", {"organization_id": org_id})
    assert ratio <= 0.25
    assert shown["name"] == result["name"] and shown["people_count"] == result["people_count"]
    assert shown["people"] == [{"id": p["id"], "name": p["name"]} for p in result["people"]]
    for full, given in zip(result["deals"], shown.get("deals", []), strict=True):
        assert (given["id"], given["list_name"]) == (full["id"], full["list_name"])
        assert given["stage"]["text"] == full["stage"]["text"]


def test_reminders_read_back_as_the_records_the_tool_returned(sandbox):
    """A table with shared values (every reminder is Maya's) reads back to the same reminders."""
    result, shown, ratio = _given(sandbox, "affinity_list_reminders", {})
    assert ratio <= ratio_bound("affinity_list_reminders")
    assert len(shown["reminders"]) == len(result["reminders"]) > 2
    for full, given in zip(result["reminders"], shown["reminders"], strict=True):
        for key in ("id", "content", "status", "due_date", "entity", "owner", "creator"):
            assert given[key] == full[key]
        assert given.get("type", "one-time") == full["type"]
        assert given.get("recurrence") == full["recurrence"]


def test_search_hits_keep_their_emails_and_domains(sandbox):
    """Top-level results are what was asked for: nothing of theirs is left out but repeats."""
    _, persons, _ = _given(sandbox, "affinity_search_persons", {"term": "jane"})
    jane = next(p for p in persons["persons"] if p["id"] == seed.JANE_ID)
    assert jane["name"] == "Jane Smith" and jane["primary_email"] == seed.JANE_EMAIL
    assert "first_name" not in jane  # the full name says it
    _, orgs, _ = _given(sandbox, "affinity_search_organizations", {"term": "acme"})
    acme = next(o for o in orgs["organizations"] if o["id"] == seed.ACME_ORG_ID)
    assert acme["domain"] == "acme.com" and "global" not in acme  # not global: the default
    assert any(o.get("global") is True for o in orgs["organizations"])
