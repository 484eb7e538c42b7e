"""Validating sandbox answers against things nobody here wrote: the V2 OpenAPI spec and the
captured real V1 responses in the shared reference directory (see tests/reference.py)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlparse

from jsonschema import FormatChecker
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.reference import reference_file

SPEC_URI = "urn:affinity-v2-openapi"
SPEC_2024 = "affinity-v2-openapi.json"
SPEC_2026 = "affinity-v2-openapi-2026-07-15.json"
"""The published specs, 2024-01-01 (what the sandbox answers as) and the current 2026-07-15."""
RATE_LIMIT_HEADERS = [
    "x-ratelimit-limit-user",
    "x-ratelimit-limit-user-remaining",
    "x-ratelimit-limit-user-reset",
    "x-ratelimit-limit-org",
    "x-ratelimit-limit-org-remaining",
    "x-ratelimit-limit-org-reset",
]
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)


@functools.cache
def spec(name: str = SPEC_2024) -> dict:
    return json.loads(reference_file(name).read_text())


def _discriminated(node: Any) -> Any:
    """Apply OpenAPI discriminators: validate against the mapped schema, not every oneOf branch.

    `oneOf` + `discriminator` becomes "the property is one of the mapping's keys, and the value
    is valid against the schema that key maps to" - OpenAPI's meaning, and far faster than
    trying each branch (field values have 16).
    """
    if isinstance(node, list):
        return [_discriminated(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _discriminated(v) for k, v in node.items()}
    found = node.get("discriminator")
    if found and "oneOf" in node and "mapping" in found:
        prop, mapping = found["propertyName"], found["mapping"]
        node.pop("oneOf")
        node.pop("discriminator")
        node["required"] = sorted({*node.get("required", []), prop})
        branches = [
            {"if": {"properties": {prop: {"const": key}}}, "then": {"$ref": target}}
            for key, target in mapping.items()
        ]
        node["allOf"] = [
            *node.get("allOf", []),
            {"properties": {prop: {"enum": sorted(mapping)}}},
            *branches,
        ]
    return node


@functools.cache
def _registry(name: str) -> Registry:
    resource = Resource.from_contents(_discriminated(spec(name)), default_specification=DRAFT202012)
    return Registry().with_resource(_uri(name), resource)


def _uri(name: str) -> str:
    return f"{SPEC_URI}:{name}"


def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    checker.checks("hostname")(lambda v: not isinstance(v, str) or bool(_HOSTNAME.match(v)))

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlparse(value)
        return bool(parts.scheme in ("http", "https") and parts.netloc)

    return checker


def _resolve(node: dict, name: str = SPEC_2024) -> dict:
    while "$ref" in node:
        path = node["$ref"].removeprefix("#/").split("/")
        node = spec(name)
        for part in path:
            node = node[part]
    return node


def response_spec(method: str, path_template: str, status: int, name: str = SPEC_2024) -> dict:
    """The spec's response object for an operation and status (falling back to `default`)."""
    responses = spec(name)["paths"][path_template][method.lower()]["responses"]
    chosen = responses.get(str(status)) or responses.get("default")
    assert chosen is not None, f"{method} {path_template} documents no {status} or default"
    return _resolve(chosen, name)


SPECS = {"2024-01-01": SPEC_2024, "2026-07-15": SPEC_2026}
"""The spec file of each version the sandbox answers in."""


def spec_for(response: Any) -> str:
    """The spec of the version an answer says it was answered in (`X-Affinity-Api-Version`)."""
    version = response.headers.get("X-Affinity-Api-Version")
    assert version in SPECS, f"answer names no known version: {version!r}"
    return SPECS[version]


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


class Outliner:
    """Outlines of JSON values, so that each distinct piece of an answer is validated once.

    The local shape of a value is what decides whether it validates the same way where it
    stands: its key, JSON type, enum-like value (`ENUM_KEYS`), dates, ints below 1 or beyond
    int32; a dict's is its key and its children's local shapes; a list's is only whether it is
    empty or over 100 items. Shapes are interned as small ints, stable for one `Outliner`.

    `outline(value, covered)` gives a representative of the value that drops every list item
    whose local shapes (at any depth) are all in `covered` or in an earlier kept item (lists
    over 100 items stay whole, for `maxItems`), and the set of local shapes found: validating
    the representative checks every piece not yet covered.
    """

    def __init__(self) -> None:
        self._ids: dict[Any, int] = {}

    def _intern(self, shape: Any) -> int:
        return self._ids.setdefault(shape, len(self._ids))

    def outline(self, value: Any, covered: set[int] | None = None) -> tuple[Any, set[int]]:
        """(representative, local shapes found) of a JSON value."""
        rep, _, found = self._walk(value, "", set(covered or ()))
        return rep, set(found)

    def _walk(self, value: Any, key: str, covered: set[int]) -> tuple[Any, int, Collection[int]]:
        if isinstance(value, dict):
            rep: dict[str, Any] = {}
            keys = []
            found: set[int] = set()
            for k, v in value.items():
                rep[k], local, inner = self._walk(v, k, covered)
                keys.append((k, local))
                found.update(inner)
            keys.sort()
            local = self._intern(("{}", key, tuple(keys)))
            found.add(local)
            return rep, local, found
        if isinstance(value, list):
            over = len(value) > 100
            kept, every = [], []
            seen: set[int] = set()
            for item in value:
                item_rep, _, inner = self._walk(item, key, covered)
                every.append(item_rep)
                seen.update(inner)
                if not covered.issuperset(inner):
                    covered.update(inner)
                    kept.append(item_rep)
            local = self._intern(("[]", key, not value, over))
            seen.add(local)
            return (every if over else kept), local, seen
        if isinstance(value, str):
            if key in ENUM_KEYS:
                leaf: Any = ("=", key, value)
            else:
                leaf = "date" if _DATE.match(value) else ("str", value == "", "\n" in value)
        elif isinstance(value, bool) or value is None:
            leaf = value
        elif isinstance(value, int):
            leaf = ("int", value < 1, value > 2**31 - 1)
        else:
            leaf = type(value).__name__
        local = self._intern(leaf)
        return value, local, (local,)


def validate_v2(method: str, path_template: str, response: Any, name: str | None = None) -> None:
    """Assert that an httpx response matches the spec `name` for its operation and status
    code; without `name`, the spec of the version the answer was given in."""
    errors = answer_errors(
        method,
        path_template,
        response.status_code,
        response.headers,
        response.content,
        name or spec_for(response),
    )
    assert not errors, "\n".join(errors)


ORG_HEADERS = frozenset(h for h in RATE_LIMIT_HEADERS if "-org" in h)
"""Sent all three or none: "Absent when no monthly quota applies to the caller" (2026-07-15;
OpenAPI response headers are optional unless marked `required`, in either version)."""


def answer_errors(
    method: str,
    path_template: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    name: str,
) -> list[str]:
    """What is wrong with one answer under spec `name` (empty when it conforms)."""
    try:
        documented = response_spec(method, path_template, status, name)
    except AssertionError as exc:
        return [str(exc)]
    errors: list[str] = []
    content = documented.get("content", {}).get("application/json")
    if content is None:
        if body != b"":
            errors.append(f"the spec documents no body for {status}")
    else:
        try:
            data = json.loads(body)
        except ValueError:
            return [f"the body of a {status} is not JSON"]
        validator = _validator(json.dumps(content["schema"], sort_keys=True), name)
        small = Outliner().outline(data)[0]
        found = sorted(validator.iter_errors(small), key=lambda e: list(e.path))
        errors += [f"{list(e.path)}: {e.message[:300]}" for e in found[:5]]
    sent = {k.lower(): v for k, v in headers.items()}
    documented_headers = {h.lower() for h in documented.get("headers", {})}
    org_sent = ORG_HEADERS & sent.keys()
    for header in sorted(documented_headers):
        if header not in sent:
            if header not in ORG_HEADERS or org_sent:
                errors.append(f"missing header {header}")
        elif not sent[header].isdigit():
            errors.append(f"header {header} is not an integer: {sent[header]!r}")
    return errors


@functools.cache
def _templates(name: str) -> list[tuple[re.Pattern[str], str, frozenset[str]]]:
    """(regex, template, methods) for every spec path, most literal segments first."""
    out = []
    for template, operations in spec(name)["paths"].items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        literal = sum(1 for part in template.split("/") if part and not part.startswith("{"))
        methods = frozenset(m.upper() for m in operations if m != "parameters")
        out.append((literal, re.compile(f"^{pattern}$"), template, methods))
    out.sort(key=lambda item: -item[0])
    return [(regex, template, methods) for _, regex, template, methods in out]


def template_for(path: str, name: str, method: str) -> tuple[str, frozenset[str]] | None:
    """The spec's path template for a concrete path (one with `method` when several match,
    else the most literal), and the methods the spec has on it."""
    matches = [(t, m) for regex, t, m in _templates(name) if regex.match(path)]
    chosen = next((item for item in matches if method in item[1]), None)
    return chosen or (matches[0] if matches else None)


@functools.cache
def _validator(schema_json: str, name: str = SPEC_2024) -> OAS31Validator:
    schema = _absolute(_discriminated(json.loads(schema_json)), _uri(name))
    return OAS31Validator(schema, registry=_registry(name), format_checker=_format_checker())


def _absolute(schema: Any, uri: str) -> Any:
    """Point the spec's local refs at the registered spec resource."""
    if isinstance(schema, dict):
        return {
            k: (f"{uri}{v}" if k == "$ref" and v.startswith("#") else _absolute(v, uri))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute(v, uri) for v in schema]
    return schema


# -- V1: key sets and JSON types of the captured real responses ---------------------------
def fixture(name: str) -> Any:
    return json.loads(
        reference_file("affinity-v1-responses", f"{name}.raw.response.json").read_text()
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def _merge(items: list) -> dict:
    """One template from a list of example objects: union of keys, each with its examples."""
    merged: dict[str, list] = {}
    for item in items:
        for key, value in item.items():
            merged.setdefault(key, []).append(value)
    return merged


def shape_errors(
    actual: Any,
    expected: Any,
    *,
    optional: frozenset[str] = frozenset(),
    loose: frozenset[str] = frozenset(),
    path: str = "$",
) -> list[str]:
    """Differences in key sets and JSON types between `actual` and a real captured `expected`.

    `optional`: dotted paths (like `$.list_entries[].entity_type`) that may be present or absent.
    `loose`: paths whose value type varies by design (a field value, an int-or-"unlimited").
    A `null` in the capture accepts any type; the sandbox may answer `null` where a capture
    shows the key as null somewhere, or where `optional` lists `<path>?` (documented nullable).
    """
    if path in loose:
        return []
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected array, got {_kind(actual)}"]
        samples = [e for e in expected if e is not None]
        if not samples:
            return []
        errors = []
        template = _merge(samples) if all(isinstance(s, dict) for s in samples) else None
        for item in actual:
            if template is not None:
                errors += _object_errors(
                    item, template, optional, loose, f"{path}[]", count=len(samples)
                )
            else:
                errors += shape_errors(
                    item, samples[0], optional=optional, loose=loose, path=f"{path}[]"
                )
        return errors
    if isinstance(expected, dict):
        return _object_errors(actual, {k: [v] for k, v in expected.items()}, optional, loose, path)
    if expected is None:
        return []
    if _kind(actual) != _kind(expected):
        return [f"{path}: expected {_kind(expected)}, got {_kind(actual)}"]
    return []


def _object_errors(
    actual: Any,
    template: dict[str, list],
    optional: frozenset[str],
    loose: frozenset[str],
    path: str,
    count: int = 1,
) -> list[str]:
    """Keys seen in every example are required; keys seen in some are allowed."""
    if not isinstance(actual, dict):
        return [f"{path}: expected object, got {_kind(actual)}"]
    errors = []
    for key in template.keys() - actual.keys():
        if len(template[key]) == count and f"{path}.{key}" not in optional:
            errors.append(f"{path}.{key}: missing")
    for key in actual.keys() - template.keys():
        if f"{path}.{key}" not in optional:
            errors.append(f"{path}.{key}: not in the real response")
    for key in actual.keys() & template.keys():
        examples = [e for e in template[key] if e is not None]
        nullable = len(examples) < len(template[key]) or f"{path}.{key}?" in optional
        if not examples or (actual[key] is None and nullable):
            continue
        sub_path = f"{path}.{key}"
        if all(isinstance(e, dict) for e in examples):
            errors += _object_errors(
                actual[key], _merge(examples), optional, loose, sub_path, count=len(examples)
            )
        elif all(isinstance(e, list) for e in examples):
            flat = [item for e in examples for item in e]
            errors += shape_errors(actual[key], flat, optional=optional, loose=loose, path=sub_path)
        else:
            errors += shape_errors(
                actual[key], examples[0], optional=optional, loose=loose, path=sub_path
            )
    return errors
