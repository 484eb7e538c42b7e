"""Load on the Slack app: concurrent signed slash commands over HTTP, beside a bare Bolt app.

    python benchmarks/slack_load.py [--levels 50 200] [--database-url postgresql://...]

For each concurrency level, N signed `/affinity help` requests are released at once against
(a) the real app from `bot.app.build_app` (platform middleware: signature check, database dedup,
error handler; the real features) served over loopback HTTP, with the fake Slack and the Affinity
sandbox behind it, and (b) a bare Bolt app that only acks. Printed per row: ack latency p50/p99
(and p99 as a fraction of Slack's 3 s limit), time until the final answer reaches the response
URL (p50/p99), errors (must be 0), and the peak memory of the process. Each app runs in its own
child process so that the memory figures are its own.

When no feature answers `/affinity` yet, a stand-in "help" feature is registered (it acks, reads
the user's connected account from the vault, and responds): the output says so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SLACK_ACK_LIMIT_S = 3.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class StandInHelp:
    """Until the real `/affinity` lands: ack, one vault read, respond."""

    @staticmethod
    def register(app: Any, services: Any) -> None:
        @app.command("/affinity")
        def stand_in_help(ack: Any, command: dict, respond: Any) -> None:
            ack()
            if services.vault is not None:
                identifier = f"{command['team_id']}:{command['user_id']}"
                services.vault.get_account("affinity", identifier)
            respond(text="*Affinity for Slack* — `/affinity connect`, `/affinity person <name>` …")


def _real_app(fake: Any, affinity_url: str, database_url: str) -> tuple[Any, Any, str]:
    from bot import features as registry
    from bot.app import build_app
    from bot.config import Settings
    from bot.database import upgrade_all
    from bot.services import Services
    from tests.plugins.slack import BOT_TOKEN, SIGNING_SECRET
    from vault.keyring import generate_key_entry, parse_master_keys

    upgrade_all(database_url)
    settings = Settings(
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url, database_url=database_url, affinity_base_url=affinity_url,
    )
    services = Services.build(settings, keyring=parse_master_keys(generate_key_entry("bench")))
    features = registry.load()
    note = "real /affinity feature"
    probe = build_app(settings, services, features=features)
    if not any("/affinity" in repr(listener.matchers) for listener in probe._listeners):
        features = [*features, StandInHelp]
        note = "stand-in help feature (no /affinity feature registered yet)"
    app = build_app(settings, services, features=features)
    return app, services, note


def _bare_app(fake: Any) -> tuple[Any, None, str]:
    from slack_bolt import App
    from slack_sdk import WebClient

    from tests.plugins.slack import BOT_TOKEN, SIGNING_SECRET

    app = App(signing_secret=SIGNING_SECRET,
              client=WebClient(token=BOT_TOKEN, base_url=fake.api_url))

    @app.command("/affinity")
    def ack_only(ack: Any) -> None:
        ack()

    return app, None, "bare Bolt app, ack only"


def child(kind: str, levels: list[int], database_url: str | None = None) -> dict[str, Any]:
    """Run every level against one app kind, in this process; return the figures."""
    import logging

    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from werkzeug.serving import ThreadedWSGIServer

    from bot.devtools.fake_slack import RESPONSE_URL, FakeSlack
    from bot.wsgi import create_wsgi_app
    from tests.plugins.slack import SlackRequests, serve_wsgi

    logging.disable(logging.WARNING)
    ThreadedWSGIServer.request_queue_size = 1024  # werkzeug's default backlog is 128
    fake = FakeSlack().start()
    sandbox = None
    affinity_url = "http://127.0.0.1:9"
    try:
        from affinity_client.sandbox import SandboxServer

        sandbox = SandboxServer().start()
        affinity_url = sandbox.base_url
    except Exception as error:  # the sandbox is optional for this measurement
        print(f"(no sandbox: {error})", file=sys.stderr)
    tmp = tempfile.mkdtemp(prefix="slack-load-")
    if kind == "real":
        url = database_url or f"sqlite:///{tmp}/bench.db"
        app, services, note = _real_app(fake, affinity_url, url)
        wsgi = create_wsgi_app(app, services)
    else:
        app, services, note = _bare_app(fake)
        wsgi = SlackRequestHandler(app)
    server, url = serve_wsgi(wsgi)
    rows = []
    for level in levels:
        fake.reset()
        senders = [SlackRequests(base_url=url, fake=fake, user_id=f"U{n:08d}")
                   for n in range(level)]
        barrier = threading.Barrier(level)

        def send(slack: SlackRequests, barrier: threading.Barrier = barrier) -> tuple:
            payload = slack.command_payload("help")
            barrier.wait()
            started = time.time()
            try:
                sent = slack.command(payload=payload)
                ok = sent.status_code == 200
            except Exception:
                ok = False
            return started, time.time() - started, ok, sent.response_id if ok else None

        with ThreadPoolExecutor(level) as pool:
            results = list(pool.map(send, senders))
        acks = [r[1] for r in results]
        errors = sum(1 for r in results if not r[2])
        finals: list[float] = []
        if kind == "real":
            deadline = time.monotonic() + 60
            while len(fake.calls(RESPONSE_URL)) < level - errors and time.monotonic() < deadline:
                time.sleep(0.02)
            arrived = {c.response_id: c.at for c in fake.calls(RESPONSE_URL)}
            for started, _, ok, response_id in results:
                if ok and response_id in arrived:
                    finals.append(arrived[response_id] - started)
                elif ok:
                    errors += 1
        for slack in senders:
            slack.http.close()
        rows.append({"level": level, "acks": acks, "finals": finals, "errors": errors})
    server.shutdown()
    if services is not None:
        services.close()
    if sandbox is not None:
        sandbox.stop()
    fake.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "note": note, "rows": rows, "peak_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--database-url", help="the real app's database (default: temp SQLite)")
    parser.add_argument("--child", choices=["real", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.levels, args.database_url)))
        return
    print(__doc__.split("\n\n")[0].strip(), "\n")
    header = (f"{'app':<6}{'N':>5}{'ack p50 ms':>12}{'ack p99 ms':>12}{'p99/3s':>8}"
              f"{'final p50 ms':>14}{'final p99 ms':>14}{'errors':>8}{'peak MB':>9}")
    print(header)
    print("-" * len(header))
    notes = []
    for kind in ("real", "bare"):
        output = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--levels", *map(str, args.levels),
             *(["--database-url", args.database_url] if args.database_url else [])],
            capture_output=True, text=True, check=True, env={**os.environ, "LOG_LEVEL": "ERROR"},
        ).stdout.strip().splitlines()[-1]
        report = json.loads(output)
        notes.append(f"{kind}: {report['note']}")
        for row in report["rows"]:
            acks, finals = row["acks"], row["finals"]
            p99 = percentile(acks, 99)
            final = (f"{percentile(finals, 50) * 1000:>14.1f}{percentile(finals, 99) * 1000:>14.1f}"
                     if finals else f"{'-':>14}{'-':>14}")
            print(f"{kind:<6}{row['level']:>5}{statistics.median(acks) * 1000:>12.1f}"
                  f"{p99 * 1000:>12.1f}{p99 / SLACK_ACK_LIMIT_S:>8.1%}{final}"
                  f"{row['errors']:>8}{report['peak_mb']:>9.0f}")
    print()
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
