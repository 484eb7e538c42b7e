"""Load on the Slack app: concurrent signed slash commands over HTTP, beside a bare Bolt app.

    python benchmarks/slack_load.py [--levels 50 200] [--databases sqlite postgresql]
                                    [--runs 3] [--warm-up 20] [--burst 1000]
                                    [--queue-limit 200] [--database-url postgresql://...]
                                    [--oauth]

For each concurrency level N, N users are connected through the vault (each with their own
sealed sandbox key and cached lists, as `/affinity connect` leaves them), then N signed slash
commands are released at once, half `/affinity person jane` and half `/affinity deals series a`,
against (a) the real app from `bot.app.build_app` (signature check, database dedup, the real
`/affinity` listeners, the connector and its audit log) served over loopback HTTP by a threaded
werkzeug server, with the fake Slack and the Affinity sandbox behind it, and (b) a bare Bolt app
that only acks. Printed per row: ack latency p50/p99 (and p99 as a fraction of Slack's 3 s),
time until the final answer reaches the response URL (p50/p99, and p50 per command), errors
(non-200 acks, answers missing or without the expected card; must be 0), and the peak memory
(max RSS) of the process. Each app runs in its own child process (the fake Slack and the sandbox
stay in the load generator's), so that the memory figures are comparable.

To be fair on a small, shared machine: both apps are served by the same threaded werkzeug server
and receive the same signed requests; each app process first answers `--warm-up` commands that
are not measured (and, for the real app, waits until their answers are posted); the real and the
bare app are measured alternately, `--runs` times (3 by default), so a change in the machine's
load hits both; each figure is over the samples of all runs together (with 50 samples, a run's
p99 would be its slowest request alone).

Then a burst against the real app: `--burst` commands (1,000 by default) sent as fast as 100
senders can, with the listener queue bounded at `--queue-limit` (LISTENER_QUEUE_LIMIT). Printed:
how many were answered and how many were turned away ("busy — try again in a moment", in the
acknowledgement), and the time to reply (p50/p99): until the answer for a command that was run,
until the acknowledgement for one turned away.

The real app uses one workspace's bot token, or with `--oauth` reads the workspace's
installation from the database as in an OAuth deployment (through its in-process cache).

Everything runs once per database: a temporary SQLite file, and PostgreSQL (`--database-url`, or
a throwaway cluster started with the server binaries on this machine, as the tests do). The last
line is one JSON object: per database and concurrency `ack_p50_ms`, `ack_p99_ms`, `bare_p99_ms`
and `ratio_p99` (the app's ack p99 over the bare app's), the number of `runs`, and the total
`errors` (over every run, the burst included).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SLACK_ACK_LIMIT_S = 3.0
TEAM_ID = "T0BENCH01"
# (command text, text the final answer must contain)
COMMANDS = [("person jane", "Jane Smith"), ("deals series a", "Series A Pipeline")]
QUIET_SECONDS = 0.3
OAUTH_CLIENT_ID = "1111.2222"
FINAL_TIMEOUT_S = 90.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def user_id(n: int) -> str:
    return f"U{n:08d}"


# ---------------------------------------------------------------------------- the apps


def _real_app(
    fake: Any,
    affinity_url: str,
    database_url: str,
    queue_limit: int | None = None,
    oauth: bool = False,
) -> tuple[Any, Any, str]:
    from bot.app import build_app
    from bot.config import DEFAULT_LISTENER_QUEUE_LIMIT, Settings
    from bot.database import upgrade_all
    from bot.devtools.slack_requests import BOT_TOKEN, SIGNING_SECRET
    from bot.services import Services
    from vault.keyring import parse_master_keys

    upgrade_all(database_url)
    workspace: dict[str, Any] = (
        {"slack_client_id": OAUTH_CLIENT_ID, "slack_client_secret": "bench-client-secret"}
        if oauth
        else {"slack_bot_token": BOT_TOKEN}
    )
    settings = Settings.model_validate(
        {
            **workspace,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": fake.api_url,
            "database_url": database_url,
            "affinity_base_url": affinity_url,
            "listener_queue_limit": queue_limit or DEFAULT_LISTENER_QUEUE_LIMIT,
        }
    )
    services = Services.build(settings, keyring=parse_master_keys(os.environ["VAULT_MASTER_KEYS"]))
    app = build_app(settings, services)
    mode = "OAuth installs" if oauth else "one workspace"
    return app, services, f"real app ({mode}): /affinity listeners, connector, vault, audit log"


def _bare_app(fake: Any) -> tuple[Any, None, str]:
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.devtools.slack_requests import BOT_TOKEN, SIGNING_SECRET

    app = App(
        signing_secret=SIGNING_SECRET, client=WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    )

    @app.command("/affinity")
    def ack_only(ack: Any) -> None:
        ack()

    return app, None, "bare Bolt app, ack only"


@dataclass(frozen=True)
class SandboxAccount:
    key: str
    profile: Any
    lists: list[Any]


def sandbox_accounts(affinity_url: str) -> list[SandboxAccount]:
    """The sandbox's valid keys with their whoami profile and lists (fetched once each)."""
    from affinity_client import AffinityClient
    from affinity_client.sandbox import seed
    from affinity_client.tools import run_tool
    from vault import AffinityList, AffinityProfile

    accounts = []
    for key in (seed.ADMIN_KEY, seed.STANDARD_KEY):
        client = AffinityClient(key, base_url=affinity_url)
        try:
            profile = AffinityProfile.from_whoami(client.whoami())
            result = run_tool(client, "affinity_list_lists", {})
        finally:
            client.close()
        lists = [
            AffinityList(int(item["id"]), str(item.get("name") or ""), str(item["type"]))
            for item in result.get("lists") or []
        ]
        accounts.append(SandboxAccount(key, profile, lists))
    return accounts


def connect_users(services: Any, count: int, accounts: list[SandboxAccount]) -> None:
    """Users 0..count-1 connected through the vault, alternating the sandbox's keys."""
    from bot.connector import CONNECTION, identifier_for

    for n in range(count):
        account = accounts[n % len(accounts)]
        services.vault.connect(
            CONNECTION,
            identifier_for(TEAM_ID, user_id(n)),
            account.key,
            account.profile,
            lists=account.lists,
        )


# ---------------------------------------------------------------------------- one level


def _finals(
    fake: Any, sent: list[tuple[float, str, str | None]]
) -> tuple[list[float], dict[str, list[float]], int]:
    """Wait for every answer; (final latencies, per-command latencies, answers missing/wrong)."""
    from bot.devtools.fake_slack import RESPONSE_URL

    expected = {response_id for _, _, response_id in sent if response_id}
    deadline = time.monotonic() + FINAL_TIMEOUT_S
    seen = -1
    while time.monotonic() < deadline:
        calls = fake.calls(RESPONSE_URL)
        answered = {c.response_id for c in calls}
        if expected <= answered and len(calls) == seen:
            break  # everyone answered and nothing new arrived for QUIET_SECONDS
        seen = len(calls) if expected <= answered else -1
        time.sleep(QUIET_SECONDS)
    last: dict[str, Any] = {}
    for call in fake.calls(RESPONSE_URL):
        last[call.response_id] = call
    finals: list[float] = []
    by_command: dict[str, list[float]] = {}
    wrong = 0
    for started, text, response_id in sent:
        call = last.get(response_id) if response_id else None
        must_contain = dict(COMMANDS)[text]
        if call is None or must_contain not in call.text:
            wrong += 1
            continue
        finals.append(call.at - started)
        by_command.setdefault(text, []).append(call.at - started)
    return finals, by_command, wrong


def run_level(kind: str, url: str, fake: Any, level: int) -> dict[str, Any]:
    from bot.devtools.slack_requests import SlackRequests

    fake.reset()
    senders = [
        SlackRequests(base_url=url, fake=fake, user_id=user_id(n), team_id=TEAM_ID)
        for n in range(level)
    ]
    barrier = threading.Barrier(level)

    def send(n: int) -> tuple[float, float, bool, str, str | None, str]:
        text = COMMANDS[n % len(COMMANDS)][0]
        slack = senders[n]
        payload = slack.command_payload(text)
        barrier.wait()
        started = time.time()
        try:
            sent = slack.command(payload=payload)
            ok, status = sent.status_code == 200, str(sent.status_code)
        except Exception as error:
            ok, sent, status = False, None, type(error).__name__
        response_id = sent.response_id if ok and sent is not None else None
        return started, time.time() - started, ok, text, response_id, status

    with ThreadPoolExecutor(level) as pool:
        results = list(pool.map(send, range(level)))
    for slack in senders:
        slack.http.close()
    acks = [r[1] for r in results]
    failed_acks: dict[str, int] = {}
    for result in results:
        if not result[2]:
            failed_acks[result[5]] = failed_acks.get(result[5], 0) + 1
    finals: list[float] = []
    by_command: dict[str, list[float]] = {}
    wrong = 0
    if kind == "real":
        finals, by_command, wrong = _finals(fake, [(r[0], r[3], r[4]) for r in results if r[2]])
    return {
        "level": level,
        "acks": acks,
        "finals": finals,
        "by_command": by_command,
        "errors": sum(failed_acks.values()) + wrong,
        "failed_acks": failed_acks,
        "wrong_answers": wrong,
    }


def run_burst(url: str, fake: Any, count: int, users: int) -> dict[str, Any]:
    """`count` commands from 100 senders at once; who was answered, who was turned away."""
    from bot.devtools.slack_requests import SlackRequests
    from bot.middleware.capacity import BUSY

    fake.reset()
    senders = [
        SlackRequests(base_url=url, fake=fake, user_id=user_id(n), team_id=TEAM_ID)
        for n in range(min(users, count))
    ]
    payloads = [
        (n, senders[n % len(senders)].command_payload(COMMANDS[n % len(COMMANDS)][0]))
        for n in range(count)
    ]

    def send(item: tuple[int, dict[str, Any]]) -> tuple[float, float, str, Any]:
        n, payload = item
        started = time.time()
        try:
            sent = senders[n % len(senders)].command(payload=payload)
        except Exception as error:
            return started, time.time() - started, type(error).__name__, None
        if sent.status_code != 200:
            return started, time.time() - started, f"HTTP {sent.status_code}", None
        answer = sent.json() if sent.text.startswith("{") else {}
        busy = answer.get("text") == BUSY
        return started, time.time() - started, "busy" if busy else "accepted", sent

    with ThreadPoolExecutor(100) as pool:
        results = list(pool.map(send, payloads))
    for slack in senders:
        slack.http.close()
    accepted = [
        (started, sent.payload["text"], sent.response_id)
        for started, _, outcome, sent in results
        if outcome == "accepted"
    ]
    finals, _, wrong = _finals(fake, accepted)
    turned_away = [ack for _, ack, outcome, _ in results if outcome == "busy"]
    failed = sum(1 for _, _, outcome, _ in results if outcome not in ("busy", "accepted"))
    return {
        "count": count,
        "answered": len(finals),
        "turned_away": len(turned_away),
        "failed": failed + wrong,
        "replies": finals + turned_away,
    }


def print_burst(burst: dict[str, Any], queue_limit: int) -> None:
    replies = burst["replies"]
    print(
        f"\nburst of {burst['count']} commands, listener queue limit {queue_limit}: "
        f"{burst['answered']} answered, {burst['turned_away']} turned away (busy), "
        f"{burst['failed']} failed"
    )
    if replies:
        print(
            f"time to reply: p50 {_ms(percentile(replies, 50))} ms, "
            f"p99 {_ms(percentile(replies, 99))} ms (a busy note is its acknowledgement)"
        )


def serve(
    kind: str,
    slack_api_url: str,
    affinity_url: str,
    database_url: str,
    listener_threads: int | None = None,
    queue_limit: int | None = None,
    oauth: bool = False,
) -> None:
    """The app process: serve `kind` until stdin closes; print its URL, then its peak memory."""
    import logging

    import bot.app

    if listener_threads:
        bot.app.LISTENER_THREADS = listener_threads

    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from werkzeug.serving import ThreadedWSGIServer

    from bot.devtools.slack_requests import serve_wsgi
    from bot.wsgi import create_wsgi_app

    logging.disable(logging.WARNING)
    ThreadedWSGIServer.request_queue_size = 1024  # werkzeug's default backlog is 128
    fake = SimpleNamespace(api_url=slack_api_url)  # the load generator's fake Slack
    if kind == "real":
        app, services, note = _real_app(fake, affinity_url, database_url, queue_limit, oauth)
        wsgi: Any = create_wsgi_app(app, services)
    else:
        app, services, note = _bare_app(fake)
        wsgi = SlackRequestHandler(app)
    server, url = serve_wsgi(wsgi)
    print(json.dumps({"url": url, "note": note}), flush=True)
    sys.stdin.read()  # the load generator closes our stdin when it is done
    server.shutdown()
    if services is not None:
        services.close()
    print(json.dumps({"peak_mb": peak_memory_mb()}), flush=True)


def peak_memory_mb() -> float:
    """This process's peak resident memory: VmHWM (reset by exec, unlike ru_maxrss, which a
    child inherits from the process that forked it), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(
    kind: str,
    levels: list[int],
    fake: Any,
    affinity_url: str,
    database_url: str | None,
    listener_threads: int | None = None,
    burst: int = 0,
    queue_limit: int | None = None,
    master_keys: str = "",
    warm_up: int = 0,
    oauth: bool = False,
) -> dict[str, Any]:
    """Start the `kind` app in its own process, warm it up, run every level (and the burst).

    The real app's database must be prepared (`prepare_database`) with `master_keys`.
    """
    process = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            kind,
            "--slack-api-url",
            fake.api_url,
            "--affinity-url",
            affinity_url,
            *(["--database-url", database_url] if database_url else []),
            *(["--listener-threads", str(listener_threads)] if listener_threads else []),
            *(["--queue-limit", str(queue_limit)] if queue_limit else []),
            *(["--oauth"] if oauth else []),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "LOG_LEVEL": "ERROR", "VAULT_MASTER_KEYS": master_keys},
    )
    assert process.stdin is not None and process.stdout is not None
    started = json.loads(process.stdout.readline() or "{}")
    if "url" not in started:
        process.kill()
        sys.exit(f"the {kind} app did not start")
    try:
        if warm_up:
            run_level(kind, started["url"], fake, warm_up)  # not measured
        rows = [run_level(kind, started["url"], fake, level) for level in levels]
        bursts = [run_burst(started["url"], fake, burst, max(levels))] if burst else []
    finally:
        process.stdin.close()
        finished = json.loads(process.stdout.readline() or "{}")
        process.wait(timeout=30)
    return {
        "kind": kind,
        "note": started["note"],
        "rows": rows,
        "bursts": bursts,
        "peak_mb": finished.get("peak_mb", float("nan")),
    }


def prepare_database(
    database_url: str, master_keys: str, users: int, affinity_url: str, oauth: bool = False
) -> None:
    """Upgrade the schema and connect `users` Slack users through the vault (and, for OAuth
    mode, install the app in their workspace)."""
    from bot.config import Settings
    from bot.database import upgrade_all
    from bot.services import Services
    from vault.keyring import parse_master_keys

    upgrade_all(database_url)
    settings = Settings.model_validate(
        {"database_url": database_url, "affinity_base_url": affinity_url}
    )
    services = Services.build(settings, keyring=parse_master_keys(master_keys))
    try:
        connect_users(services, users, sandbox_accounts(affinity_url))
        if oauth:
            install_workspace(services.engine)
    finally:
        services.close()


def install_workspace(engine: Any) -> None:
    """The benchmark's workspace installed, as the OAuth flow leaves it."""
    from slack_sdk.oauth.installation_store import Installation
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    from bot.devtools.slack_requests import BOT_TOKEN
    from bot.models import BOTS_TABLE, INSTALLATIONS_TABLE

    SQLAlchemyInstallationStore(
        client_id=OAUTH_CLIENT_ID,
        engine=engine,
        bots_table_name=BOTS_TABLE,
        installations_table_name=INSTALLATIONS_TABLE,
    ).save(
        Installation(
            app_id="AFAKEAPP1",
            team_id=TEAM_ID,
            user_id=user_id(0),
            bot_token=BOT_TOKEN,
            bot_id="BFAKEBOT1",
            bot_user_id="UFAKEBOT1",
            bot_scopes=["commands", "chat:write"],
        )
    )


# ---------------------------------------------------------------------------- report


def _ms(value: float) -> str:
    return f"{value * 1000:.0f}"


def print_table(reports: list[dict[str, Any]]) -> None:
    columns = [
        ("app", 5, "<"),
        ("N", 5, ">"),
        ("ack p50", 9, ">"),
        ("ack p99", 9, ">"),
        ("p99/3s", 8, ">"),
        ("final p50", 11, ">"),
        ("final p99", 11, ">"),
        ("person p50", 12, ">"),
        ("deals p50", 11, ">"),
        ("errors", 8, ">"),
        ("peak MB", 9, ">"),
    ]
    header = "".join(f"{name:{align}{width}}" for name, width, align in columns)
    print(header + "\n" + "-" * len(header))
    for report in reports:
        for row in report["rows"]:
            acks, finals, by_command = row["acks"], row["finals"], row["by_command"]
            p99 = percentile(acks, 99)
            per_command = [by_command.get(text, []) for text, _ in COMMANDS]
            cells = [
                report["kind"],
                row["level"],
                _ms(statistics.median(acks)),
                _ms(p99),
                f"{p99 / SLACK_ACK_LIMIT_S:.1%}",
                _ms(percentile(finals, 50)) if finals else "-",
                _ms(percentile(finals, 99)) if finals else "-",
                *[_ms(percentile(v, 50)) if v else "-" for v in per_command],
                row["errors"],
                f"{report['peak_mb']:.0f}",
            ]
            print(
                "".join(
                    f"{cell!s:{align}{width}}"
                    for cell, (_, width, align) in zip(cells, columns, strict=True)
                )
            )
    print("\nTimes in ms. final = the answer posted to the command's response_url.")
    for report in reports:
        print(f"{report['kind']}: {report['note']}")
        for row in report["rows"]:
            if row["errors"]:
                statuses = ", ".join(
                    f"{count} x HTTP {status}"
                    for status, count in sorted(row["failed_acks"].items())
                )
                print(
                    f"  N={row['level']}: acks failed: {statuses or 'none'} (Bolt answers 404 "
                    f"when a listener has not acked within 3 s); answers missing or wrong: "
                    f"{row['wrong_answers']}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[50, 200])
    parser.add_argument(
        "--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument(
        "--database-url", help="the PostgreSQL run's database (default: a throwaway cluster)"
    )
    parser.add_argument(
        "--listener-threads",
        type=int,
        help="the real app's listener pool size (default: bot.app's)",
    )
    parser.add_argument(
        "--burst",
        type=int,
        default=1000,
        help="commands in the burst against the real app (0: no burst)",
    )
    parser.add_argument(
        "--queue-limit",
        type=int,
        help="the real app's LISTENER_QUEUE_LIMIT (default: bot.config's)",
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="measurements of each app, alternately (default 3)"
    )
    parser.add_argument(
        "--warm-up",
        type=int,
        default=20,
        help="commands each app process answers before it is measured (default 20)",
    )
    parser.add_argument(
        "--oauth",
        action="store_true",
        help="run the real app with OAuth installs (bot token from the database) instead of one "
        "workspace's token",
    )
    parser.add_argument("--serve", choices=["real", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--slack-api-url", help=argparse.SUPPRESS)
    parser.add_argument("--affinity-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(
            args.serve,
            args.slack_api_url,
            args.affinity_url,
            args.database_url,
            args.listener_threads,
            args.queue_limit,
            args.oauth,
        )
        return
    import logging

    from werkzeug.serving import ThreadedWSGIServer

    from affinity_client.sandbox import SandboxServer
    from bot.devtools.fake_slack import FakeSlack
    from vault.keyring import generate_key_entry

    logging.disable(logging.WARNING)
    ThreadedWSGIServer.request_queue_size = 1024
    print(__doc__.split("\n\n")[0].strip(), "\n")
    from bot.config import DEFAULT_LISTENER_QUEUE_LIMIT

    mode = "oauth" if args.oauth else "single-workspace"
    summary: dict[str, Any] = {"errors": 0, "runs": args.runs, "mode": mode}
    with FakeSlack() as fake, SandboxServer() as sandbox:
        for database in args.databases:
            with database_url_for(database, args.database_url) as database_url:
                if database_url is None:
                    print(f"{database}: skipped (no server binaries and no --database-url)\n")
                    continue
                master_keys = generate_key_entry("bench")
                prepare_database(
                    database_url, master_keys, max(args.levels), sandbox.base_url, args.oauth
                )
                runs = []
                for run in range(args.runs):
                    runs.append(
                        [
                            measure(
                                kind,
                                args.levels,
                                fake,
                                sandbox.base_url,
                                database_url,
                                args.listener_threads if kind == "real" else None,
                                args.burst if kind == "real" and run == 0 else 0,
                                args.queue_limit,
                                master_keys,
                                args.warm_up,
                                args.oauth,
                            )
                            for kind in ("real", "bare")
                        ]
                    )
            pooled = [pooled_report(r[0] for r in runs), pooled_report(r[1] for r in runs)]
            print(f"== {database}, {mode} ({args.runs} runs of each app, samples pooled)")
            print_table(pooled)
            for burst in runs[0][0]["bursts"]:
                print_burst(burst, args.queue_limit or DEFAULT_LISTENER_QUEUE_LIMIT)
            print()
            summary[database] = ack_summary(pooled)
            summary["errors"] += sum(row["errors"] for report in pooled for row in report["rows"])
            summary["errors"] += sum(b["failed"] for b in runs[0][0]["bursts"])
    print(json.dumps(summary))


def pooled_report(reports: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The runs of one app as one report: per level, every run's samples and errors together."""
    reports = list(reports)
    rows = []
    for level_rows in zip(*(r["rows"] for r in reports), strict=True):
        by_command: dict[str, list[float]] = {}
        failed: dict[str, int] = {}
        for row in level_rows:
            for text, values in row["by_command"].items():
                by_command.setdefault(text, []).extend(values)
            for status, count in row["failed_acks"].items():
                failed[status] = failed.get(status, 0) + count
        rows.append(
            {
                "level": level_rows[0]["level"],
                "acks": [ack for row in level_rows for ack in row["acks"]],
                "finals": [final for row in level_rows for final in row["finals"]],
                "by_command": by_command,
                "errors": sum(row["errors"] for row in level_rows),
                "failed_acks": failed,
                "wrong_answers": sum(row["wrong_answers"] for row in level_rows),
            }
        )
    return {**reports[0], "rows": rows, "peak_mb": max(r["peak_mb"] for r in reports)}


def ack_summary(reports: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per concurrency: the app's ack p50/p99, the bare app's p99, and their ratio."""
    real, bare = reports
    figures: dict[str, dict[str, float]] = {}
    for ours, theirs in zip(real["rows"], bare["rows"], strict=True):
        p99, bare_p99 = percentile(ours["acks"], 99), percentile(theirs["acks"], 99)
        figures[str(ours["level"])] = {
            "ack_p50_ms": round(percentile(ours["acks"], 50) * 1000, 1),
            "ack_p99_ms": round(p99 * 1000, 1),
            "bare_p99_ms": round(bare_p99 * 1000, 1),
            "ratio_p99": round(p99 / bare_p99, 2) if bare_p99 else float("nan"),
        }
    return figures


@contextlib.contextmanager
def database_url_for(database: str, configured: str | None) -> Iterator[str | None]:
    """A database URL for one run: a temp SQLite file; `configured` or a throwaway PostgreSQL."""
    if database == "sqlite":
        yield f"sqlite:///{tempfile.mkdtemp(prefix='slack-load-')}/bench.db"
        return
    if configured:
        yield configured
        return
    from tests.plugins.postgres import _Cluster, _find_bindir

    bindir = _find_bindir()
    if bindir is None:
        yield None
        return
    cluster = _Cluster(bindir)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
