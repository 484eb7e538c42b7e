"""Every example in the README and docs/ works against the sandbox, so the docs cannot drift.

Commands (`/affinity …` in backticks, and each subcommand's help examples) run through the real
app as a connected user and must not come back as an error or a usage message. The sandbox's
curl lines run with real curl against a live sandbox and must all answer 2xx.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.grammar.grammar import SUBCOMMANDS
from tests.bot.test_commands_support import ALICE, connect, make_app, run

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Examples that show a mistake on purpose, or need a person in the loop (a modal, a confirmation).
ON_PURPOSE = {"dels", "person O'Brien"}  # a typo; quoting shown with a name not seeded
NEEDS_A_PERSON = {"connect", "disconnect", "unpin-tenant", "remove"}
ERROR_MARKS = (":warning:", ":grey_question:", "Unknown command", "Did you mean")


def documented_commands() -> list[str]:
    found: set[str] = set()
    for path in DOCS:
        for example in re.findall(r"`/affinity ([^`]+)`", path.read_text(encoding="utf-8")):
            example = example.replace("\\|", "|").strip()
            if re.search(r"[<>\[\]…|]|&lt;", example) or example.split()[0] in NEEDS_A_PERSON:
                continue  # a usage pattern, not an example
            if example not in ON_PURPOSE:
                found.add(example)
    for spec in SUBCOMMANDS.values():
        found.update(e for e in getattr(spec, "examples", ()) if e.split()[0] not in NEEDS_A_PERSON)
    return sorted(found)


@pytest.fixture
def app(slack_app_factory):
    return make_app(slack_app_factory)


@pytest.mark.parametrize("example", documented_commands())
def test_every_documented_command_works_on_the_sandbox(app, sandbox, example):
    connect(app, ALICE, sandbox=sandbox)
    reply = run(app, example)
    assert reply.text.strip()
    for mark in ERROR_MARKS:
        assert mark not in reply.text, f"`/affinity {example}` answered: {reply.text[:300]}"


def curl_lines() -> list[str]:
    text = (ROOT / "docs" / "sandbox.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return [
        line
        for block in blocks
        for line in block.splitlines()
        if line.startswith(("curl ", "KEY=$(curl", "B="))
    ]


def test_the_sandbox_curl_examples_answer(sandbox):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    lines = curl_lines()
    assert len(lines) >= 8
    host = sandbox.base_url.removeprefix("http://")
    script = ["set -euo pipefail"]
    for line in lines:
        line = line.replace("localhost:8765", host).replace("127.0.0.1:8765", host)
        line = line.replace("python -c", f"{sys.executable} -c")
        script.append(
            line.replace("curl ", "curl -sS --fail -o /dev/null ", 1)
            if line.startswith("curl ")
            else line
        )
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
