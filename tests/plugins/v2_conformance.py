"""Every V2 answer any test provokes from an in-process sandbox is checked against the spec of
the version it was answered in, at the end of the test that provoked it.

The sandbox hands each V2 answer to `app.V2_ANSWER_OBSERVERS`; this plugin registers one for
the session. After each test, the answers it provoked are checked:

- the path is looked up among the spec's path templates (so endpoints added in new modules are
  checked without being listed anywhere); an operation the 2024-01-01 spec lacks must have been
  answered as 2026-07-15 (`sandbox/versions.defining_version`);
- a 404/405 the sandbox gave because it has no route for an operation the spec has fails the
  test, and so does a route the sandbox serves that no spec has;
- otherwise status, body and documented headers are validated (`spec.answer_errors`).

Each piece of an answer is validated once per operation, status and spec: `spec.Outliner`
reduces a body to the parts (list items, at any depth) whose local shape - keys, JSON types,
enum-like values, not ids, names or dates - no earlier answer to that operation had, and an
answer with nothing new is not validated again. A page of 100 similar entries costs about one
entry's validation, and the suite adds a few seconds. `--no-v2-conformance` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from affinity_client.sandbox import app as sandbox_app
from tests.sandbox.spec import SPEC_2026, SPECS, Outliner, answer_errors, template_for


class Conformance:
    """Collects V2 answers from the sandbox threads; checks each new shape once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[dict[str, Any]] = []
        self.checked = 0
        self.seen_answers = 0
        self.seconds = 0.0
        self._outliner = Outliner()
        self._bodies: set[tuple[Any, frozenset[str], bytes]] = set()
        self._covered: dict[tuple[Any, ...], set[int]] = {}
        self._headers: dict[tuple[Any, ...], set[frozenset[str]]] = {}

    def observe(self, answer: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(answer)

    def drain(self) -> list[dict[str, Any]]:
        with self._lock:
            taken, self._pending = self._pending, []
        return taken

    def problems(self, answers: list[dict[str, Any]]) -> list[str]:
        out: list[str] = []
        started = time.perf_counter()
        self.seen_answers += len(answers)
        for answer in answers:
            out += self._check(answer)
        self.seconds += time.perf_counter() - started
        return out

    def _check(self, answer: dict[str, Any]) -> list[str]:
        method, path, status = answer["method"], answer["path"], answer["status"]
        version, routed = answer["version"], answer["routed"]
        name = SPECS.get(version)
        where = f"{method} {path} -> {status} ({version})"
        if name is None:
            return [f"{where}: answered in a version with no spec"]
        found = template_for(path, name, method)
        if found is None or method not in found[1]:
            if not routed:
                return []  # a probe of what the sandbox and this version do not have
            newer = template_for(path, SPEC_2026, method)
            if newer is not None and method in newer[1]:
                return [f"{where}: an operation added after {version} answered as {version}"]
            return [f"{where}: the sandbox serves what no spec has"]
        template = found[0]
        if not routed:
            return [f"{where}: {method} {template} is in the spec but the sandbox has no route"]
        body = answer["body"]
        operation = (method, template, status, name)
        headers = frozenset(k.lower() for k in answer["headers"])
        digest = hashlib.blake2b(body, digest_size=16).digest()
        if (operation, headers, digest) in self._bodies:
            return []  # the very same answer again (a repeated request)
        self._bodies.add((operation, headers, digest))
        covered = self._covered.setdefault(operation, set())
        found: set[int] = set()
        if body:
            try:
                small, found = self._outliner.outline(json.loads(body), covered)
                body = json.dumps(small).encode()
            except ValueError:
                pass  # answer_errors reports a body that is not JSON
        if found <= covered and headers in self._headers.get(operation, ()):
            return []
        covered |= found
        self._headers.setdefault(operation, set()).add(headers)
        self.checked += 1
        errors = answer_errors(method, template, status, answer["headers"], body, name)
        return [f"{where} as {method} {template}: {e}" for e in errors]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-v2-conformance",
        action="store_true",
        help="do not check the sandbox's V2 answers against the spec of their version",
    )


_ACTIVE: list[Conformance] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for checker in _ACTIVE:
        terminalreporter.write_line(
            f"V2 conformance: {checker.seen_answers} sandbox answers, "
            f"{checker.checked} with something new validated against their version's spec "
            f"in {checker.seconds:.1f} s"
        )


@pytest.fixture(scope="session")
def v2_conformance(request: pytest.FixtureRequest) -> Iterator[Conformance | None]:
    if request.config.getoption("--no-v2-conformance"):
        yield None
        return
    checker = Conformance()
    _ACTIVE.append(checker)
    sandbox_app.V2_ANSWER_OBSERVERS.append(checker.observe)
    try:
        yield checker
    finally:
        sandbox_app.V2_ANSWER_OBSERVERS.remove(checker.observe)


@pytest.fixture(autouse=True)
def _v2_answers_conform(v2_conformance: Conformance | None) -> Iterator[None]:
    """Fails the test (at teardown) when a V2 answer it provoked breaks its spec."""
    if v2_conformance is None:
        yield
        return
    v2_conformance.drain()  # answers from before this test belong to no test
    yield
    problems = v2_conformance.problems(v2_conformance.drain())
    if problems:
        pytest.fail(
            "V2 answers that break the spec of their version (list indexes count only the "
            "items new to the check):\n" + "\n".join(problems[:10]),
            pytrace=False,
        )
