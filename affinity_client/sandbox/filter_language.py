"""The V2 `filter` query language, as the 2026-07-15 spec's "Filtering" section documents it.

One parser for every V2 GET endpoint that takes `filter`; each endpoint says which properties it
allows, of which type and with which operators (the "Allowed Operators" table of its description).

Usage::

    NOTE_FILTER = {
        "id": prop("int", "id", "="),
        "creator.id": prop("int", "creator_id", "="),
        "createdAt": prop("datetime", "created_at", ">", "<", ">=", "<="),
    }
    keep = compile_filter(ctx.request.args.get("filter"), NOTE_FILTER)
    rows = [n for n in notes if keep(n)]

`compile_filter` raises `FilterError` (a 400 whose validation body names `filter`) for anything it
does not support: an unknown property, an operator the property does not allow, a value of the
wrong type, a syntax error.

The language (spec, "Filtering"): spaces are insignificant outside double quotes; special characters
(``\\ * ~ ! & = > < $ ^ | " ' ( ) ] [ /``) are escaped with a backslash; ``&`` binds tighter than
``|``; parentheses group; ``!( ... )`` negates. Operators: ``=`` exact match, ``!=`` its negation,
``=^`` starts with, ``=$`` ends with, ``=~`` contains (text) or contains all (collection),
``>``, ``>=``, ``<``, ``<=``, ``= *`` is not null, ``!= *`` is null, ``= ""`` is empty text,
``=[]`` empty collection, ``= [a,b]`` exact collection match (ordered). Text comparisons are
case-insensitive, as Affinity's UI filters are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from .web import ApiError

Kind = Literal["int", "number", "text", "enum", "datetime"]
Predicate = Callable[[Any], bool]

SPECIAL = set("\\*~!&=><$^|\"'()][/")
OPERATORS = ("!=", "=^", "=$", "=~", ">=", "<=", "=", ">", "<")
# Operators written with a special value; each is allowed by its own entry in `Prop.operators`.
NULL_OPS = {"=": "=*", "!=": "!=*"}


class FilterError(ApiError):
    """A filter the sandbox cannot evaluate: 400, validation error naming `filter`."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message, "filter")


@dataclass(frozen=True)
class Prop:
    """One filterable property: its type, how to read it from a record, what it allows."""

    kind: Kind
    get: Callable[[Any], Any]
    operators: frozenset[str]
    values: frozenset[str] = frozenset()  # the allowed values of an enum


def prop(
    kind: Kind, get: str | Callable[[Any], Any], *operators: str, values: tuple[str, ...] = ()
) -> Prop:
    """A property read by dict key (`get` a str) or by a function of the record."""
    getter = (lambda rec: rec.get(get)) if isinstance(get, str) else get
    return Prop(kind, getter, frozenset(operators), frozenset(values))


def compile_filter(text: str | None, properties: Mapping[str, Prop]) -> Predicate:
    """The predicate for filter string `text` (everything passes when it is empty or absent)."""
    if text is None or not text.strip():
        return lambda _rec: True
    parser = _Parser(_tokens(text), properties)
    predicate = parser.expression()
    if parser.peek() is not None:
        raise FilterError(f"Unexpected {parser.peek()[1]!r} in filter")  # type: ignore[index]
    return predicate


# -- tokens ---------------------------------------------------------------------------------
# A token is (type, text): ("word", ...) bare or quoted text, ("op", "="...), ("(" / ")" / "&" / "|"
# / "!" / "[" / "]" / "," / "*"), ("quoted", ...) for a double-quoted string.
Token = tuple[str, str]


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == '"':
            i, value = _quoted(text, i + 1)
            out.append(("quoted", value))
            continue
        op = next((o for o in OPERATORS if text.startswith(o, i)), None)
        if op is not None:
            out.append(("op", op))
            i += len(op)
            continue
        if ch in "()&|![]*":
            out.append((ch, ch))
            i += 1
            continue
        if ch == ",":
            out.append((",", ","))
            i += 1
            continue
        word = []
        while i < n:
            c = text[i]
            if c == "\\":
                if i + 1 >= n:
                    raise FilterError("Filter ends with an escape character")
                word.append(text[i + 1])
                i += 2
                continue
            if c.isspace() or c in SPECIAL or c == ",":
                break
            word.append(c)
            i += 1
        if not word:
            raise FilterError(f"Unexpected character {ch!r} in filter; escape it with a backslash")
        if out and out[-1][0] == "word":  # spaces are insignificant: `a b` reads as `ab`
            out[-1] = ("word", out[-1][1] + "".join(word))
        else:
            out.append(("word", "".join(word)))
    return out


def _quoted(text: str, i: int) -> tuple[int, str]:
    value = []
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            value.append(text[i + 1])
            i += 2
            continue
        if ch == '"':
            return i + 1, "".join(value)
        value.append(ch)
        i += 1
    raise FilterError("Unterminated quoted string in filter")


# -- grammar --------------------------------------------------------------------------------
class _Parser:
    """or := and ('|' and)* ; and := unary ('&' unary)* ;
    unary := '!' '(' or ')' | '(' or ')' | property operator value"""

    def __init__(self, tokens: list[Token], properties: Mapping[str, Prop]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.properties = properties

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> Token:
        tok = self.peek()
        if tok is None:
            raise FilterError("Filter ends too early")
        if expected is not None and tok[0] != expected:
            raise FilterError(f"Expected {expected!r} in filter, found {tok[1]!r}")
        self.pos += 1
        return tok

    def expression(self) -> Predicate:
        terms = [self.conjunction()]
        while (tok := self.peek()) is not None and tok[0] == "|":
            self.take()
            terms.append(self.conjunction())
        if len(terms) == 1:
            return terms[0]
        return lambda rec: any(t(rec) for t in terms)

    def conjunction(self) -> Predicate:
        terms = [self.unary()]
        while (tok := self.peek()) is not None and tok[0] == "&":
            self.take()
            terms.append(self.unary())
        if len(terms) == 1:
            return terms[0]
        return lambda rec: all(t(rec) for t in terms)

    def unary(self) -> Predicate:
        tok = self.take()
        if tok[0] == "!":
            self.take("(")
            inner = self.expression()
            self.take(")")
            return lambda rec: not inner(rec)
        if tok[0] == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if tok[0] != "word":
            raise FilterError(f"Expected a property name in filter, found {tok[1]!r}")
        return self.comparison(tok[1])

    def comparison(self, name: str) -> Predicate:
        spec = self.properties.get(name)
        if spec is None:
            allowed = ", ".join(sorted(self.properties)) or "none"
            raise FilterError(f"Unsupported filter property {name!r}; allowed: {allowed}")
        op = self.take("op")[1]
        tok = self.peek()
        if tok is not None and tok[0] == "*":
            self.take()
            return _null_test(name, spec, op)
        if tok is not None and tok[0] == "[":
            return self.collection(name, spec, op)
        value_tok = self.take()
        if value_tok[0] not in ("word", "quoted"):
            raise FilterError(f"Expected a value after {name}{op} in filter")
        return _compare(name, spec, op, value_tok[1], quoted=value_tok[0] == "quoted")

    def collection(self, name: str, spec: Prop, op: str) -> Predicate:
        self.take("[")
        items: list[str] = []
        while (tok := self.peek()) is not None and tok[0] != "]":
            if tok[0] == "," and items:
                self.take()
                continue
            items.append(self.take("word" if tok[0] == "word" else "quoted")[1])
        self.take("]")
        label = "=[]" if not items and op == "=" else op
        if label not in spec.operators:
            raise FilterError(f"Operator {label} is not supported for {name}")
        wanted = [_value(name, spec, item) for item in items]
        if not items:
            return lambda rec: not spec.get(rec)
        if op == "=":
            return lambda rec: [_norm(v) for v in spec.get(rec) or []] == wanted
        return lambda rec: all(w in [_norm(v) for v in spec.get(rec) or []] for w in wanted)


def _null_test(name: str, spec: Prop, op: str) -> Predicate:
    label = NULL_OPS.get(op)
    if label is None or label not in spec.operators:
        raise FilterError(f"Operator {op} * is not supported for {name}")
    if label == "=*":
        return lambda rec: spec.get(rec) is not None
    return lambda rec: spec.get(rec) is None


def _compare(name: str, spec: Prop, op: str, raw: str, *, quoted: bool) -> Predicate:
    if op not in spec.operators:
        allowed = " ".join(sorted(o for o in spec.operators if o in OPERATORS)) or "none"
        raise FilterError(f"Operator {op} is not supported for {name}; allowed: {allowed}")
    if op in ("=^", "=$", "=~"):
        needle = raw.lower()
        test = {"=^": str.startswith, "=$": str.endswith, "=~": str.__contains__}[op]
        return lambda rec: isinstance(v := spec.get(rec), str) and test(v.lower(), needle)
    value = _value(name, spec, raw)
    if op in ("=", "!="):

        def equal(rec: Any) -> bool:
            got = spec.get(rec)
            if isinstance(got, list | tuple | set | frozenset):
                return value in [_norm(v) for v in got]
            return bool(_norm(got) == value)

        return equal if op == "=" else (lambda rec: not equal(rec))
    compare = {">": _gt, ">=": _ge, "<": _lt, "<=": _le}[op]
    return lambda rec: (got := spec.get(rec)) is not None and compare(_norm(got), value)


def _gt(a: Any, b: Any) -> bool:
    return bool(a > b)


def _ge(a: Any, b: Any) -> bool:
    return bool(a >= b)


def _lt(a: Any, b: Any) -> bool:
    return bool(a < b)


def _le(a: Any, b: Any) -> bool:
    return bool(a <= b)


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _value(name: str, spec: Prop, raw: str) -> Any:
    """`raw` as the property's type, or a 400 naming what was expected."""
    if spec.kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise FilterError(f"{name} expects an integer, got {raw!r}") from None
    if spec.kind == "number":
        try:
            return float(raw)
        except ValueError:
            raise FilterError(f"{name} expects a number, got {raw!r}") from None
    if spec.kind == "datetime":
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise FilterError(f"{name} expects an ISO 8601 date-time, got {raw!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if spec.kind == "enum" and spec.values and raw not in spec.values:
        allowed = ", ".join(sorted(spec.values))
        raise FilterError(f"{name} must be one of {allowed}, got {raw!r}")
    return raw.lower()
