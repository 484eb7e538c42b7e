"""Every V2 answer any test provokes from an in-process sandbox is checked against the spec of
the version it was answered in, at the end of the test that provoked it.

The sandbox hands each V2 answer to `app.V2_ANSWER_OBSERVERS`; this plugin registers one for
the session. After each test, the answers it provoked are checked:

- the path is looked up among the spec's path templates (so endpoints added in new modules are
  checked without being listed anywhere); an operation the 2024-01-01 spec lacks (added later,
  served in every version) is checked against the 2026-07-15 spec;
- a 404/405 the sandbox gave because it has no route for an operation the spec has fails the
  test, and so does a route the sandbox serves that no spec has;
- otherwise status, body and documented headers are validated (`spec.answer_errors`).

Answers are deduplicated by (operation, status, version, shape of the body), where the shape
keeps keys, JSON types and enum-like values but not ids, names or dates, and lists collapse to
the set of their items' shapes: a page of 100 similar entries costs one validation, and the
suite repeats few shapes. `--no-v2-conformance` turns the check off.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from affinity_client.sandbox import app as sandbox_app
from tests.sandbox.spec import SPEC_2026, SPECS, answer_errors, template_for

ENUM_KEYS = frozenset(
    {
        "type",
        "valueType",
        "code",
        "enrichmentSource",
        "color",
        "direction",
        "filterableFieldType",
        "sortableFieldType",
        "numberOfValuesRequired",
        "operation",
        "param",
    }
)
"""Keys whose string values are enums in the specs: their values are part of a shape."""
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def shape(value: Any, key: str = "") -> Any:
    """A hashable outline of a JSON value: what decides whether it validates the same way."""
    if isinstance(value, dict):
        return tuple(sorted((k, shape(v, k)) for k, v in value.items()))
    if isinstance(value, list):
        return ("[]", frozenset(shape(v, key) for v in value), len(value) > 100)
    if isinstance(value, str):
        if key in ENUM_KEYS:
            return ("=", value)
        return "date" if _DATE.match(value) else ("str", value == "", "\n" in value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return ("int", value < 1, value > 2**31 - 1)
    return type(value).__name__


class Conformance:
    """Collects V2 answers from the sandbox threads; checks each new shape once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[dict[str, Any]] = []
        self._seen: set[Any] = set()
        self.checked = 0
        self.seen_answers = 0

    def observe(self, answer: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(answer)

    def drain(self) -> list[dict[str, Any]]:
        with self._lock:
            taken, self._pending = self._pending, []
        return taken

    def problems(self, answers: list[dict[str, Any]]) -> list[str]:
        out: list[str] = []
        self.seen_answers += len(answers)
        for answer in answers:
            out += self._check(answer)
        return out

    def _check(self, answer: dict[str, Any]) -> list[str]:
        method, path, status = answer["method"], answer["path"], answer["status"]
        version, routed = answer["version"], answer["routed"]
        name = SPECS.get(version)
        where = f"{method} {path} -> {status} ({version})"
        if name is None:
            return [f"{where}: answered in a version with no spec"]
        found = template_for(path, name, method)
        if (found is None or method not in found[1]) and name != SPEC_2026:
            name = SPEC_2026  # an operation added after 2024-01-01, served in every version
            found = template_for(path, name, method)
        if found is None or method not in found[1]:
            return [f"{where}: the sandbox serves what no spec has"] if routed else []
        template = found[0]
        if not routed:
            return [f"{where}: {method} {template} is in the spec but the sandbox has no route"]
        try:
            body = json.loads(answer["body"]) if answer["body"] else None
        except ValueError:
            body = answer["body"]
        headers = frozenset(k.lower() for k in answer["headers"])
        key = (method, template, status, name, headers, shape(body))
        if key in self._seen:
            return []
        self._seen.add(key)
        self.checked += 1
        errors = answer_errors(method, template, status, answer["headers"], answer["body"], name)
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
            f"{checker.checked} distinct shapes validated against their version's spec"
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
            "V2 answers that break the spec of their version:\n" + "\n".join(problems[:10]),
            pytrace=False,
        )
