"""Tokens per agent turn, and how compact the tool results given to the model are.

Runs typical deal-team requests through the real agent loop and the real Affinity client, against
the scripted Anthropic API (a "model" that reads the tool results and chooses the next calls the
way Claude would) and the local Affinity sandbox. Prints, per turn, the model calls and the input,
cache-read, cache-write and output tokens (estimated at four characters a token by the fake API),
for each tool call the characters given to the model against the raw Affinity JSON behind it,
over five-turn threads (a user asking again every 90 seconds, inside the 5-minute cache
lifetime), the share of input tokens read from the prompt cache from turn 2 on, and, over a
ten-turn thread, the history sent at each turn (bounded by the memory setting: older tool results
become digests, then older turns their words and answers). The last line is one JSON object:
`result_ratio` per tool (characters given to the model / raw Affinity JSON bytes, over every
scenario of ``benchmarks/tools.py``: all the tools of the catalog, target <= 0.25, or the bound
``RESULT_RATIO_FLOORS`` gives, with its reason, for a read whose answer is little more than its
facts; a write is given to the model as its one-line outcome after approval; a result cut for
a next call is flagged, since what it leaves out flatters the ratio),
`result_values_ratio` per read (the same for the values alone, without keys or punctuation:
the floor of any form of those facts, which is above the target for some small answers),
`result_ratio_in_turns` (the same, for the calls the scripted turns make; each call's raw JSON
is measured by the same call on a fresh client, so answers the turn's client had cached count),
`cache_share_from_turn_2`, and `history_tokens` per turn of the ten-turn thread.

    python benchmarks/agent.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bot.agent.models  # noqa: F401  (registers the agent tables)
from affinity_client import TOOLS, AffinityClient, run_tool
from affinity_client.sandbox import SandboxServer, seed
from benchmarks.tools import Scenario, add_big_deal_org, scenarios
from bot.agent import Agent, AgentSettings, CachedList, ThreadKey, UserContext
from bot.agent.compact import PageSpec, compact_result
from bot.agent.results import summarise_result
from bot.agent.tables import read_result
from bot.devtools.fake_anthropic import RecordedRequest, ScriptedAnthropic, reply
from bot.models import Base

Step = Callable[[RecordedRequest], Any]


class CountingTransport(httpx.BaseTransport):
    """Counts the bytes of every Affinity response body (the raw JSON behind a tool result)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.bytes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.bytes += len(response.content)
        return response


def model_facing(
    settings: AgentSettings, name: str, tool_input: dict[str, Any], result: Any
) -> str:
    """What the model is given of a result: a read's compact JSON; for a write, run only after
    a person approved it, the one-line outcome it is told (bot/agent/results.py)."""
    tool = TOOLS[name]
    if tool.writes:
        return summarise_result(name, result)
    return compact_result(
        result,
        max_chars=settings.tool_result_max_chars,
        text_max=settings.text_field_max_chars,
        page=PageSpec(name, tool_input, tool.page_items) if tool.page_items else None,
    )


RESULT_RATIO_TARGET = 0.25
"""What the model is given of a read, at most this share of the raw Affinity JSON behind it."""

RESULT_RATIO_FLOORS: dict[str, tuple[float, str]] = {
    # tool: (the bound its benchmark figure keeps, why it cannot honestly reach the target).
    # Each of these answers is small and nearly all facts the tool promises; the model is
    # given those facts without keys repeated per record, nulls or defaults, and no fewer.
    "affinity_search_persons": (
        0.55,
        "one hit: Affinity's 219 bytes are her id, names and two email addresses, all promised "
        "(the primary once)",
    ),
    "affinity_search_organizations": (
        0.55,
        "three hits: ids, names, domains and the global flag are most of Affinity's answer",
    ),
    "affinity_list_lists": (
        0.55,
        "eight lists: id, name, type, size and privacy per list are most of the raw JSON",
    ),
    "affinity_list_fields": (
        0.55,
        "the raw JSON is field ids, names, types and 17 option ids with their texts; only "
        "option colors and ranks are left out",
    ),
    "affinity_list_notes": (
        0.4,
        "one lean V2 page: the notes' own text is half of what the model is given; ids, authors "
        "and times the rest",
    ),
    "affinity_list_reminders": (
        0.26,
        "eight short reminders: each one's id, text, status, day and record are promised (the "
        "type only when it recurs)",
    ),
    "affinity_search_opportunities": (
        0.3,
        "one hit: its id, name and list id are all the model is given (71 of 272 bytes)",
    ),
}


def ratio_bound(tool: str) -> float:
    return RESULT_RATIO_FLOORS.get(tool, (RESULT_RATIO_TARGET, ""))[0]


def raw_behind(base_url: str, name: str, tool_input: dict[str, Any]) -> int:
    """The bytes of every Affinity answer behind one call: the same call on a fresh client, so
    that what the turn's client had cached (a list's definition, read by an earlier call) is
    counted too; it is behind the result all the same."""
    transport = CountingTransport()
    with AffinityClient(seed.ADMIN_KEY, base_url=base_url, transport=transport) as client:
        run_tool(client, name, tool_input)
    return transport.bytes


def value_chars(value: Any) -> int:
    """The characters of a result's values alone, as text: no keys, quotes, commas or brackets
    (a table's column names are keys). What no wording of those facts can go below."""
    if isinstance(value, dict):
        return sum(value_chars(v) for k, v in value.items() if k != "columns")
    if isinstance(value, list):
        return sum(value_chars(v) for v in value)
    return 0 if value is None else len(str(value))


def every_tool_ratio(settings: AgentSettings) -> tuple[dict[str, float], dict[str, float]]:
    """Each scenario of the tools benchmark run once on a fresh client: the characters of the
    results as the model is given them against the raw Affinity JSON behind them. Per tool,
    all its scenarios' characters over all their raw bytes; and, for the reads, the same for
    the values alone (`value_chars`), the floor any form of those facts has."""
    print(f"{'tool result given to the model':<36} {'scenario':<40} {'chars':>7} {'raw':>8} ratio")
    totals: dict[str, list[int]] = {}
    values: dict[str, int] = {}
    with SandboxServer(port=0) as sandbox:
        sandbox.reset()
        every: list[Scenario] = scenarios(add_big_deal_org(sandbox))
        for scenario in every:
            sandbox.reset()
            add_big_deal_org(sandbox)
            transport = CountingTransport()
            chars = cut = facts = 0

            def given(client: AffinityClient, name: str, tool_input: dict[str, Any]) -> Any:
                nonlocal chars, cut, facts
                result = run_tool(client, name, tool_input)
                text = model_facing(settings, name, tool_input, result)
                chars += len(text)
                facts += value_chars(json.loads(text)) if not TOOLS[name].writes else 0
                cut += '"cut":{' in text  # items left for another call flatter the ratio
                return result

            with AffinityClient(seed.ADMIN_KEY, sandbox.base_url, transport=transport) as client:
                scenario.run(client, given)
            row = totals.setdefault(scenario.tool, [0, 0])
            row[0] += chars
            row[1] += transport.bytes
            values[scenario.tool] = values.get(scenario.tool, 0) + facts
            print(
                f"{scenario.tool:<36} {scenario.label[:40]:<40} {chars:>7} {transport.bytes:>8} "
                f"{chars / transport.bytes if transport.bytes else 0:5.2f}"
                + (f"  ({cut} results cut)" if cut else "")
            )
    ratios = {name: round(c / raw, 2) for name, (c, raw) in totals.items() if raw}
    floors = {
        name: round(values[name] / raw, 2)
        for name, (_, raw) in totals.items()
        if raw and not TOOLS[name].writes
    }
    print(
        f"\n{'per tool':<36} {'ratio':>5} {'bound':>5} {'values':>6}  why a bound above the "
        "target (values: the facts alone, no keys or punctuation)"
    )
    for name, ratio in ratios.items():
        why = RESULT_RATIO_FLOORS.get(name, (0, ""))[1]
        floor = f"{floors[name]:6.2f}" if name in floors else f"{'-':>6}"
        print(f"{name:<36} {ratio:5.2f} {ratio_bound(name):5.2f} {floor}  {why}")
    return ratios, floors


def results(request: RecordedRequest) -> list[dict[str, Any]]:
    return [read_result(t) for t in request.tool_result_texts()]


def scenario_pipeline() -> tuple[str, list[Any]]:
    return "What's in our Series A pipeline?", [
        reply(None, ("affinity_list_opportunities", {"list_id": 201})),
        reply("Here are the open Series A deals…"),
    ]


def scenario_warm_intro() -> tuple[str, list[Any]]:
    def founder_strength(request: RecordedRequest) -> Any:
        org = results(request)[0]
        founder = org["people"][0]["id"]
        return reply(None, ("affinity_get_relationship_strength", {"external_id": founder}))

    def org_details(request: RecordedRequest) -> Any:
        acme = results(request)[0]["organizations"][0]
        return reply(None, ("affinity_get_organization", {"organization_id": acme["id"]}))

    return "Who on our team knows the founder of Acme best?", [
        reply(None, ("affinity_search_organizations", {"term": "Acme"})),
        org_details,
        founder_strength,
        reply("Daniel knows Jane Smith best (strength 0.8)."),
    ]


def scenario_notes() -> tuple[str, list[Any]]:
    return "Show me the recent notes on Acme", [
        reply(None, ("affinity_list_notes", {"organization_id": 5001})),
        reply("The latest notes on Acme…"),
    ]


def scenario_seed(today: str) -> tuple[str, list[Any]]:
    def read_each(request: RecordedRequest) -> Any:
        deals = [d for d in results(request)[0]["opportunities"] if isinstance(d, dict)]
        return reply(
            None, *[("affinity_get_opportunity", {"opportunity_id": d["id"]}) for d in deals]
        )

    def note_todays(request: RecordedRequest) -> Any:
        todays = [
            d
            for d in results(request)
            if any(
                f["name"] == "Last Reviewed" and str(f["value"]).startswith(today)
                for f in d.get("fields", [])
            )
        ]
        return reply(
            None,
            *[
                (
                    "affinity_create_note",
                    {
                        "content": "Reviewed today; stage "
                        f"{d['stage']['text'] if d.get('stage') else '-'}.",
                        "opportunity_ids": [d["id"]],
                    },
                )
                for d in todays
            ],
        )

    return (
        "Find all open opportunities in our Series A pipeline and log a summary note on "
        "each deal reviewed today"
    ), [
        reply(None, ("affinity_list_opportunities", {"list_id": 201, "page_size": 50})),
        read_each,
        note_todays,
        reply("I've prepared the notes for your approval."),
    ]


def follow_ups() -> list[tuple[str, list[Any]]]:
    """Six more turns for the ten-turn thread: questions about what came before."""

    def answer(text: str) -> list[Any]:
        return [reply(text)]

    return [
        ("and which of those are in IC?", answer("Two of them are at IC: …")),
        (
            "What's in our Seed pipeline?",
            [
                reply(None, ("affinity_list_opportunities", {"list_id": 202})),
                reply("The Seed pipeline has …"),
            ],
        ),
        (
            "Who is Jane Smith?",
            [
                reply(None, ("affinity_search_persons", {"term": "Jane Smith"})),
                reply("Jane Smith is the founder of Acme."),
            ],
        ),
        ("Compare that with the Series A deals", answer("Compared with Series A, …")),
        (
            "Any notes on Acme this week?",
            [
                reply(None, ("affinity_list_notes", {"organization_id": 5001})),
                reply("Two notes this week …"),
            ],
        ),
        ("Summarise this whole thread", answer("We looked at the Series A pipeline, …")),
    ]


SECONDS_BETWEEN_TURNS = 90.0


class Clock:
    """The scripted API's clock: a thread's turns are minutes apart, not milliseconds."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def five_turn_threads(
    agent: Agent,
    api: ScriptedAnthropic,
    clock: Clock,
    user: UserContext,
    execute: Callable[[str, dict[str, Any]], dict[str, Any]],
    threads: list[list[tuple[str, list[Any]]]],
) -> float:
    """Each thread's five turns, a user's pause apart; the cache share of input from turn 2 on."""
    print(f"\n{'five-turn threads (turn 2 on)':<44} {'input':>7} {'cached':>7} {'written':>7}")
    read = everything = 0
    for number, turns in enumerate(threads):
        thread = ThreadKey("T", "D", f"five.{number}")
        for turn, (ask, steps) in enumerate(turns, start=1):
            clock.now += SECONDS_BETWEEN_TURNS
            api.add(*steps)
            result = agent.respond(thread, user, ask, execute)
            total = {k: sum(u[k] for u in result.usage) for k in result.usage[0]}
            if turn < 2:
                continue
            read += total["cache_read_input_tokens"]
            everything += (
                total["input_tokens"]
                + total["cache_read_input_tokens"]
                + total["cache_creation_input_tokens"]
            )
            print(
                f"{f'{number + 1}.{turn} ' + ask[:40]:<44} {total['input_tokens']:>7} "
                f"{total['cache_read_input_tokens']:>7} {total['cache_creation_input_tokens']:>7}"
            )
    share = read / everything if everything else 0.0
    print(f"cache share of input tokens from turn 2 on: {share:.2f}")
    return share


def ten_turn_thread(
    agent: Agent,
    api: ScriptedAnthropic,
    user: UserContext,
    execute: Callable[[str, dict[str, Any]], dict[str, Any]],
    scenarios: list[tuple[str, list[Any]]],
) -> list[int]:
    """One thread, ten turns: the history the model is sent at each turn (estimated tokens,
    bounded by AGENT_MEMORY_MAX_CHARS) and how much of each request came from the cache."""
    thread = ThreadKey("T", "D", "thread.0")
    print(
        f"\n{'ten turns in one thread':<44} {'history':>7} {'input':>7} {'cached':>7} "
        f"{'written':>7}"
    )
    histories = []
    for ask, steps in [*scenarios, *follow_ups()]:
        api.add(*steps)
        result = agent.respond(thread, user, ask, execute)
        first = api.message_requests[-len(result.usage)]
        history = len(json.dumps(first.messages[:-1], ensure_ascii=False)) // 4
        histories.append(history)
        total = {k: sum(u[k] for u in result.usage) for k in result.usage[0]}
        print(
            f"{ask[:44]:<44} {history:>7} {total['input_tokens']:>7} "
            f"{total['cache_read_input_tokens']:>7} {total['cache_creation_input_tokens']:>7}"
        )
    return histories


def main() -> int:
    every_ratio, value_floors = every_tool_ratio(AgentSettings(api_key=SecretStr("bench")))
    print()
    sandbox = SandboxServer(port=0).start()
    client = AffinityClient(seed.ADMIN_KEY, base_url=sandbox.base_url)
    lists = run_tool(client, "affinity_list_lists", {})["lists"]
    today = seed.affinity_now().date()  # the seed's "reviewed today" is the Pacific day
    user = UserContext(
        identifier="bench:U1",
        affinity_user_name="Maya Patel",
        workspace="Northwind Ventures",
        today=today,
        timezone="America/Los_Angeles",
        lists=tuple(CachedList.from_dict(x) for x in lists),
    )
    raw_sizes: list[int] = []

    def execute(name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
        result = run_tool(client, name, tool_input)
        raw_sizes.append(raw_behind(sandbox.base_url, name, tool_input))
        return result

    scenarios = [
        scenario_pipeline(),
        scenario_warm_intro(),
        scenario_notes(),
        scenario_seed(today.isoformat()),
    ]
    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp, ScriptedAnthropic(clock=clock) as api:
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        Base.metadata.create_all(engine)
        agent = Agent(
            AgentSettings(api_key=SecretStr("bench"), base_url=api.base_url),
            sessionmaker(engine),
            catalog=TOOLS,
        )
        print(
            f"{'turn':<52} {'calls':>5} {'input':>7} {'cached':>7} {'written':>7} "
            f"{'output':>6} {'proposed':>8}"
        )
        details = []
        for number, (ask, steps) in enumerate(scenarios):
            api.add(*steps)
            raw_sizes.clear()
            thread = ThreadKey("T", "D", f"{number}.0")
            result = agent.respond(thread, user, ask, execute)
            total = {k: sum(u[k] for u in result.usage) for k in result.usage[0]}
            print(
                f"{ask[:52]:<52} {len(result.usage):>5} {total['input_tokens']:>7} "
                f"{total['cache_read_input_tokens']:>7} "
                f"{total['cache_creation_input_tokens']:>7} {total['output_tokens']:>6} "
                f"{len(result.batch.items) if result.batch else 0:>8}"
            )
            ran = [c for c in result.tool_calls if c.outcome == "ok"]
            details += [
                (c.name, c.result_chars, raw) for c, raw in zip(ran, raw_sizes, strict=False)
            ]
        print(f"\n{'tool result given to the model':<40} {'chars':>7} {'raw JSON':>9} {'ratio':>6}")
        ratios = {}
        for name, chars, raw in _summarise(details):
            print(f"{name:<40} {chars:>7} {raw:>9} {chars / raw if raw else 0:>6.2f}")
            ratios[name.split(" ")[0]] = round(chars / raw, 2) if raw else None
        more = follow_ups()
        share = five_turn_threads(
            agent,
            api,
            clock,
            user,
            execute,
            [
                [scenario_pipeline(), *more[0:4]],
                [scenario_notes(), *more[2:6]],
                [scenario_warm_intro(), *follow_ups()[1:5]],
            ],
        )
        histories = ten_turn_thread(
            agent,
            api,
            user,
            execute,
            [
                scenario_pipeline(),
                scenario_warm_intro(),
                scenario_notes(),
                scenario_seed(today.isoformat()),
            ],
        )
    sandbox.stop()
    summary = {
        "result_ratio": every_ratio,
        "result_values_ratio": value_floors,
        "result_ratio_in_turns": ratios,
        "cache_share_from_turn_2": round(share, 3),
        "history_tokens": histories,
        "history_cap_tokens": AgentSettings(api_key=SecretStr("bench")).memory_max_chars // 4,
    }
    print(json.dumps(summary))
    return 0


def _summarise(details: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """One line per tool: average characters and raw bytes per call."""
    by_tool: dict[str, list[tuple[int, int]]] = {}
    for name, chars, raw in details:
        by_tool.setdefault(name, []).append((chars, raw))
    rows = []
    for name, pairs in by_tool.items():
        label = f"{name} (x{len(pairs)})" if len(pairs) > 1 else name
        rows.append(
            (label, sum(p[0] for p in pairs) // len(pairs), sum(p[1] for p in pairs) // len(pairs))
        )
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
