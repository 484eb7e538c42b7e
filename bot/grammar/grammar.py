"""The `/affinity` grammar: text -> `Command` or `UsageError`. Pure; nothing here runs a tool.

Every subcommand is one `Subcommand` entry (name, aliases, usage, whether it writes, examples and
its argument reader). `parse` never guesses a write: a typo, a missing argument or a stray word
yields a `UsageError`, and the caller shows it instead of running anything.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.grammar.model import Command, DealRef, EntityRef, Filter, ListRef, UsageError
from bot.grammar.tokenize import (
    DOUBLE_QUOTES,
    SINGLE_QUOTES,
    Token,
    escape_slack,
    strip_outer_quotes,
    tokenize,
    unescape_slack,
)

SLASH = "/affinity"

ENTITY_WORDS = {
    "person": "person",
    "persons": "person",
    "people": "person",
    "org": "organization",
    "orgs": "organization",
    "organization": "organization",
    "organisation": "organization",
    "company": "organization",
    "companies": "organization",
}
NOTE_TARGET_WORDS = {
    **ENTITY_WORDS,
    "deal": "opportunity",
    "deals": "opportunity",
    "opportunity": "opportunity",
    "opp": "opportunity",
    "opportunities": "opportunity",
}
KIND_WORD = {"person": "person", "organization": "org", "opportunity": "deal"}

_AFFINITY_URL_ID = re.compile(
    r"affinity\.co/(?:persons|companies|organizations|opportunities|lists)/(\d+)", re.IGNORECASE
)
_ID = re.compile(r"^#?(\d{1,18})$")


class ArgumentError(Exception):
    """Raised by argument readers; becomes the `reason` of a `UsageError`."""

    def __init__(self, reason: str, suggestion: str | None = None) -> None:
        super().__init__(reason)
        self.suggestion = suggestion


def parse_id(text: str) -> int | None:
    """`123`, `#123` or an Affinity link (`https://x.affinity.co/persons/123`) -> 123."""
    text = text.strip()
    match = _ID.match(text) or _AFFINITY_URL_ID.search(text)
    if not match:
        return None
    value = int(match.group(1))
    return value if value > 0 else None


class Args:
    """The words after the subcommand, consumed left to right by a subcommand's reader."""

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text, self.tokens, self.pos = text, tokens, 0

    def remaining(self) -> list[Token]:
        return self.tokens[self.pos :]

    def word(self, what: str) -> Token:
        if self.pos >= len(self.tokens):
            raise ArgumentError(f"Missing {what}.")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def id(self, what: str) -> int:
        token = self.word(what)
        value = parse_id(token.value)
        if value is None:
            raise ArgumentError(f"`{token.value}` is not a valid {what} (a number like 12345).")
        return value

    def kind(self, words: dict[str, str], what: str) -> str:
        token = self.word(what)
        kind = words.get(token.value.lower())
        if kind is None:
            raise ArgumentError(f"`{token.value}` is not a valid {what}.")
        return kind

    def rest_text(self, what: str) -> str:
        """Everything left, exactly as typed (spacing, line breaks, quotes kept)."""
        if self.pos >= len(self.tokens):
            raise ArgumentError(f"Missing {what}.")
        text = strip_outer_quotes(self.text[self.tokens[self.pos].start :])
        self.pos = len(self.tokens)
        if not text.strip():
            raise ArgumentError(f"Missing {what}.")
        return text.strip()

    def rest_words(self, what: str) -> str:
        """Everything left as one phrase, words joined by single spaces."""
        words = [t.value for t in self.remaining() if t.value.strip()]
        self.pos = len(self.tokens)
        if not words:
            raise ArgumentError(f"Missing {what}.")
        return " ".join(" ".join(words).split())

    def done(self) -> None:
        extra = self.remaining()
        if extra:
            raise ArgumentError(f"Unexpected `{extra[0].value}`.")


def _entity_ref(kind: str, args: Args, what: str) -> EntityRef:
    remaining = args.remaining()
    if len(remaining) == 1 and (value := parse_id(remaining[0].value)) is not None:
        args.pos += 1
        return EntityRef(kind=kind, id=value)  # type: ignore[arg-type]
    return EntityRef(kind=kind, term=args.rest_words(what))  # type: ignore[arg-type]


def _list_ref(token_values: list[str]) -> ListRef:
    name = " ".join(" ".join(token_values).split())
    if len(token_values) == 1 and (value := parse_id(token_values[0])) is not None:
        return ListRef(id=value)
    return ListRef(name=name)


# --- argument readers, one per subcommand ------------------------------------------------------


def _no_args(args: Args) -> dict[str, Any]:
    args.done()
    return {}


def _help(args: Args) -> dict[str, Any]:
    if not args.remaining():
        return {"topic": None}
    word = args.word("topic").value.lower()
    args.done()
    topic = canonical_name(word)
    if topic is None:
        raise ArgumentError(f"There is no command `{word}`.", suggest(word))
    return {"topic": topic}


_VISIBILITY_WORDS = {"public": "public", "private": "private"}


def _one_optional_word(
    args: Args, key: str, words: dict[str, str], what: str, default: str | None
) -> dict[str, Any]:
    """`<command> [word]`: one of `words` (`what` names them in the usage error), or
    `default` when nothing follows."""
    if not args.remaining():
        return {key: default}
    value = args.kind(words, what)
    args.done()
    return {key: value}


def _channel_answers(args: Args) -> dict[str, Any]:
    return _one_optional_word(
        args, "visibility", _VISIBILITY_WORDS, "setting (public or private)", None
    )


def _mcp_token(args: Args) -> dict[str, Any]:
    if not args.remaining():
        return {"label": None}
    return {"label": args.rest_text("label")}


FOLLOW_MODES = ("stages", "new", "all")
_CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$")


def channel_word(value: str) -> str | None:
    """`<#C123|deals>` -> `C123`, `#deals` -> `#deals`, `dm` -> `dm`; None for anything else."""
    match = _CHANNEL_MENTION.match(value)
    if match:
        return match.group(1)
    if value.lower() == "dm":
        return "dm"
    if value.startswith("#") and len(value) > 1 and parse_id(value) is None:
        return value.lower()
    return None


def _subscription(args: Args, *, with_mode: bool) -> dict[str, Any]:
    """`<list> [stages|new|all] [#channel|dm]`: the list is every word before the options."""
    tokens = args.remaining()
    words = [t.value for t in tokens]
    args.pos = len(args.tokens)
    channel = channel_word(words[-1]) if words else None
    if channel is not None:
        words = words[:-1]
    mode = None
    if with_mode and words and words[-1].lower() in FOLLOW_MODES:
        mode = words.pop().lower()
    if not words:
        raise ArgumentError("Missing list (its name or id).")
    if tokens[0].quoted and len(words) > 1:  # a quoted name ends the list's name
        stray = words[1]
        if not with_mode:
            raise ArgumentError(f"Unexpected `{stray}`.")
        close = difflib.get_close_matches(stray.lower(), FOLLOW_MODES, 1, 0.6)
        meant = f" Did you mean `{close[0]}`?" if close else ""
        raise ArgumentError(f"`{stray}` is not a mode (stages, new or all) or a channel.{meant}")
    found: dict[str, Any] = {"list": _list_ref(words), "channel": channel}
    if with_mode:
        found["mode"] = mode or "stages"
    return found


def _follow(args: Args) -> dict[str, Any]:
    return _subscription(args, with_mode=True)


def _unfollow(args: Args) -> dict[str, Any]:
    return _subscription(args, with_mode=False)


_CLOCK_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]?([0-5]\d)$")


def _brief(args: Args) -> dict[str, Any]:
    """`brief` (now), `brief off`, `brief daily 08:00`."""
    if not args.remaining():
        return {"schedule": None}
    word = args.word("setting").value.lower()
    if word == "now":
        args.done()
        return {"schedule": None}
    if word == "off":
        args.done()
        return {"schedule": "off"}
    if word != "daily":
        raise ArgumentError(f"`{word}` is not a brief setting (daily HH:MM, off, or now).")
    token = args.word("time (like 08:00)")
    args.done()
    match = _CLOCK_TIME.match(token.value)
    if not match:
        raise ArgumentError(f"`{token.value}` is not a time of day (like 08:00).")
    return {"schedule": f"{int(match.group(1)):02d}:{match.group(2)}"}


_WEBHOOK_ACTIONS = {"on": "on", "off": "off", "status": "status"}


def _webhooks(args: Args) -> dict[str, Any]:
    """`webhooks` (status), `webhooks on|off|status`."""
    return _one_optional_word(
        args, "action", _WEBHOOK_ACTIONS, "setting (on, off or status)", "status"
    )


def _prep(args: Args) -> dict[str, Any]:
    """`prep`, `prep next`, `prep <meeting id>`."""
    if not args.remaining():
        return {"meeting_id": None}
    token = args.word("meeting")
    args.done()
    if token.value.lower() == "next":
        return {"meeting_id": None}
    value = parse_id(token.value)
    if value is None:
        raise ArgumentError(f"`{token.value}` is not a meeting id (or `next`).")
    return {"meeting_id": value}


def _person(args: Args) -> dict[str, Any]:
    return {"ref": _entity_ref("person", args, "name, email or id")}


def _org(args: Args) -> dict[str, Any]:
    return {"ref": _entity_ref("organization", args, "name, domain or id")}


_FILTER = re.compile(
    r"^(?P<field>[^=!<>~]*[^=!<>~\s])\s*(?P<op>!=|<=|>=|=|<|>|~)\s*(?P<value>.*)$", re.S
)


def _condition(text: str) -> tuple[str, str, str] | None:
    match = _FILTER.match(text.strip())
    return (match["field"].strip(), match["op"], match["value"].strip()) if match else None


def _filter(field: str, op: str, value: str) -> Filter:
    if op in ("=", "!=") and value.casefold() in ("empty", "none"):
        return Filter(field, "empty" if op == "=" else "not_empty")
    if not value:
        raise ArgumentError(f"Missing value after `{field}{op}`.")
    return Filter(field, "contains" if op == "~" else op, value)


def _deals(args: Args) -> dict[str, Any]:
    """`deals <list…> [stage=a,b] [owner=me|name] [<field><op><value>]… [sort=[-]field]`.

    Conditions are `amount>5M`, `sector=fintech`, `name~acme` (contains), `amount=empty`; a
    plain word after a condition continues its value (`owner=Maya Patel`)."""
    list_words: list[str] = []
    raw: list[list[str]] = []
    for token in args.remaining():
        found = _condition(token.value)
        if found is not None:
            raw.append(list(found))
        elif raw:
            raw[-1][2] = f"{raw[-1][2]} {token.value}".strip()
        else:
            list_words.append(token.value)
    args.pos = len(args.tokens)
    if not list_words:
        raise ArgumentError("Missing list name or id.")
    stages: list[str] = []
    single: dict[str, str] = {}
    filters: list[Filter] = []
    for field, op, value in raw:
        key = field.casefold().rstrip("s")
        if key in ("stage", "status") and op == "=" and value:
            stages += [part.strip() for part in value.split(",") if part.strip()]
        elif key in ("owner", "sort") and op == "=" and value:
            if key in single:
                raise ArgumentError(f"Give {key}= once.")
            single[key] = value
        else:
            filters.append(_filter(field, op, value))
    return {
        "list": _list_ref(list_words),
        "stage": tuple(stages),
        "owner": single.get("owner"),
        "filters": tuple(filters),
        "sort": single.get("sort"),
    }


def _deal_ref(tokens: list[Token]) -> DealRef:
    if len(tokens) == 1 and (value := parse_id(tokens[0].value)) is not None:
        return DealRef(id=value)
    return DealRef(term=" ".join(" ".join(t.value for t in tokens).split()))


def _stage(args: Args) -> dict[str, Any]:
    """`stage <deal> <stage…>`: a deal id or quoted name then the stage, `<deal…> to
    <stage…>`, or else every word but the last is the deal."""
    tokens = args.remaining()
    if len(tokens) < 2:
        raise ArgumentError("Missing deal or stage.")
    to = next(
        (i for i, t in enumerate(tokens) if i > 0 and not t.quoted and t.value.casefold() == "to"),
        None,
    )
    if to is not None:
        deal, stage = tokens[:to], tokens[to + 1 :]
    elif tokens[0].quoted or parse_id(tokens[0].value) is not None:
        deal, stage = tokens[:1], tokens[1:]
    else:
        deal, stage = tokens[:-1], tokens[-1:]
    args.pos = len(tokens)
    if not stage:
        raise ArgumentError("Missing stage.")
    return {"deal": _deal_ref(deal), "stage": " ".join(" ".join(t.value for t in stage).split())}


def _set(args: Args) -> dict[str, Any]:
    """`set <deal> <field> <value…>` or `set <deal…> <field>=<value…>`."""
    tokens = args.remaining()
    if len(tokens) < 2:
        raise ArgumentError("Missing deal, field or value.")
    split = next((i for i, t in enumerate(tokens) if i > 0 and "=" in t.value), None)
    if tokens[0].quoted or parse_id(tokens[0].value) is not None or split is None:
        split = 1
    deal, first = _deal_ref(tokens[:split]), tokens[split]
    field, equals, inline = first.value.partition("=")
    args.pos = split + 1
    rest = args.rest_text("value") if args.remaining() else ""
    value = " ".join(p for p in (inline.strip(), rest) if p) if equals else rest
    if not field.strip():
        raise ArgumentError("Missing field name.")
    if not value:
        raise ArgumentError(f"Missing value for {field.strip()}.")
    return {"deal": deal, "field": field.strip(), "value": value}


def _remove(args: Args) -> dict[str, Any]:
    """`remove <list…> deal|person|org <id or name…>`. The list runs to the kind word: the one
    before a trailing id, the one after a quoted list, else the first after the list's first
    word (`remove Deal Flow deal Acme`); a list name holding such a word is quoted."""
    tokens = args.remaining()
    if len(tokens) < 3:
        raise ArgumentError("Missing list, kind (deal, person or org), or id or name.")
    if parse_id(tokens[-1].value) is not None and _is_kind(tokens[-2]):
        split: int | None = len(tokens) - 2
    elif tokens[0].quoted:
        split = 1
    else:
        split = next((i for i in range(1, len(tokens) - 1) if _is_kind(tokens[i])), None)
    if split is None:
        raise ArgumentError("Missing kind (deal, person or org) after the list's name.")
    list_values = [t.value for t in tokens[:split]]
    args.pos = split
    entity_type = args.kind(NOTE_TARGET_WORDS, "kind (deal, person or org)")
    entity_id, term = _id_or_name(args, f"{KIND_WORD[entity_type]} id or name")
    return {
        "list": _list_ref(list_values),
        "entity_type": entity_type,
        "entity_id": entity_id,
        "entity_term": term,
    }


def _is_kind(token: Token) -> bool:
    return not token.quoted and token.value.lower() in NOTE_TARGET_WORDS


def _id_or_name(
    args: Args, what: str, until: Callable[[Token], bool] | None = None
) -> tuple[int | None, str | None]:
    """A record's id or its name: one quoted word, else the words up to the first that
    `until` accepts (all the rest without `until`). A number is an id only when it is the
    whole of that (`deal 981 extra` names a deal). Exactly one of the two is set."""
    tokens = args.remaining()
    if not tokens:
        raise ArgumentError(f"Missing {what}.")
    alone = len(tokens) == 1 if until is None else len(tokens) > 1 and until(tokens[1])
    if alone and (value := parse_id(tokens[0].value)) is not None:
        args.pos += 1
        return value, None
    if tokens[0].quoted or until is None:
        end = 1 if tokens[0].quoted else len(tokens)
    else:
        end = next((i for i in range(1, len(tokens)) if until(tokens[i])), len(tokens))
    args.pos += end
    name = " ".join(" ".join(t.value for t in tokens[:end]).split())
    if not name:
        raise ArgumentError(f"Missing {what}.")
    return None, name


_DEAL_VERBS = {
    "add": "deal-add",
    "remove": "deal-remove",
    "rename": "rename-deal",
    "new": "new-deal",
    "create": "new-deal",
}


def _deal(args: Args) -> dict[str, Any]:
    """`deal <id>` or `deal <name…>`; `deal add …` and friends are pointed to their real
    names, never run."""
    token = args.remaining()[0].value.lower() if args.remaining() else ""
    if token in _DEAL_VERBS:
        target = _DEAL_VERBS[token]
        raise ArgumentError(f"`deal {token}` is written `{target}`.", target)
    ref = _deal_ref(args.remaining()) if args.remaining() else None
    if ref is None:
        raise ArgumentError("Missing deal name or id.")
    args.pos = len(args.tokens)
    return {"opportunity_id": ref.id} if ref.id is not None else {"term": ref.term}


_NEW_DEAL_FLAGS = {
    "--org": "organization_ids",
    "--organization": "organization_ids",
    "--company": "organization_ids",
    "--person": "person_ids",
    "--people": "person_ids",
    "--owner": "owner_id",
}


def _new_deal(args: Args) -> dict[str, Any]:
    list_token = args.word('list (in quotes if it has spaces, e.g. "Series A")')
    found: dict[str, list[int]] = {"organization_ids": [], "person_ids": [], "owner_id": []}
    name_words: list[str] = []
    while args.remaining():
        token = args.word("deal name")
        flag, _, inline = token.value.partition("=")
        if token.quoted or not token.value.startswith("--"):
            name_words.append(token.value)
            continue
        key = _NEW_DEAL_FLAGS.get(flag.lower())
        if key is None:
            raise ArgumentError(f"Unknown option `{flag}` (use --org, --person or --owner).")
        raw = inline if inline else args.word(f"id after {flag}").value
        value = parse_id(raw)
        if value is None:
            raise ArgumentError(f"`{raw}` after {flag} is not an id (a number like 12345).")
        found[key].append(value)
    if len(found["owner_id"]) > 1:
        raise ArgumentError("Give --owner once.")
    name = " ".join(" ".join(name_words).split())
    if not name:
        raise ArgumentError("Missing deal name.")
    return {
        "list": _list_ref([list_token.value]),
        "name": name,
        "organization_ids": tuple(dict.fromkeys(found["organization_ids"])),
        "person_ids": tuple(dict.fromkeys(found["person_ids"])),
        "owner_id": found["owner_id"][0] if found["owner_id"] else None,
    }


def _rename_deal(args: Args) -> dict[str, Any]:
    opportunity_id = args.id("deal id")
    return {"opportunity_id": opportunity_id, "name": " ".join(args.rest_text("new name").split())}


def _deal_member(args: Args) -> dict[str, Any]:
    opportunity_id = args.id("deal id")
    entity_type = args.kind(ENTITY_WORDS, "kind (person or org)")
    entity_id = args.id(f"{KIND_WORD[entity_type]} id")
    args.done()
    return {"opportunity_id": opportunity_id, "entity_type": entity_type, "entity_id": entity_id}


def _note(args: Args) -> dict[str, Any]:
    """`note person|org|deal <id|name> <text…>`: a name is one word or quoted, the text is
    everything after it."""
    target = args.kind(NOTE_TARGET_WORDS, "kind (person, org or deal)")
    tokens = args.remaining()
    if len(tokens) == 1:
        raise ArgumentError(
            "Missing note text. To read notes instead: "
            f"`notes {KIND_WORD[target]} {tokens[0].value}`."
        )
    target_id, term = _id_or_name(args, f"{KIND_WORD[target]} id or name", lambda _: True)
    return {
        "target": target,
        "target_id": target_id,
        "target_term": term,
        "content": args.rest_text("note text"),
    }


def _notes(args: Args) -> dict[str, Any]:
    """`notes person|org|deal <id|name…>`: every word after the kind is the name."""
    target = args.kind(NOTE_TARGET_WORDS, "kind (person, org or deal)")
    tokens = args.remaining()
    first = parse_id(tokens[0].value) if tokens else None
    if first is not None and len(tokens) > 1:
        raise ArgumentError(
            f"`notes` only reads. To write a note: `note {KIND_WORD[target]} {first} <text>`."
        )
    target_id, term = _id_or_name(args, f"{KIND_WORD[target]} id or name")
    return {"target": target, "target_id": target_id, "target_term": term}


def _add(args: Args) -> dict[str, Any]:
    tokens = args.remaining()
    if len(tokens) < 3:
        raise ArgumentError("Missing list, kind (person or org) or id.")
    list_values = [t.value for t in tokens[:-2]]
    args.pos = len(tokens) - 2
    entity_type = args.kind(ENTITY_WORDS, "kind (person or org)")
    entity_id = args.id(f"{KIND_WORD[entity_type]} id")
    return {"list": _list_ref(list_values), "entity_type": entity_type, "entity_id": entity_id}


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EXAMPLE_NAME = {"person": "jane smith", "organization": "acme", "opportunity": "acme"}
WHEN_HELP = "today, tomorrow, a weekday (friday), +N days (+3) or a date (2026-12-01)"
_PLUS_DAYS = re.compile(r"^\+(\d{1,3})d?$")


def due_day(when: str, today: date) -> date:
    """The day `when` names, counted from `today` (a weekday is the next one, never today).

    Raises ValueError for anything else."""
    word = when.lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word in _WEEKDAYS:
        ahead = (_WEEKDAYS.index(word) - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    if plus := _PLUS_DAYS.match(word):
        return today + timedelta(days=int(plus.group(1)))
    return date.fromisoformat(when)  # YYYY-MM-DD; ValueError otherwise


def _remind(args: Args) -> dict[str, Any]:
    """`remind person|org|deal <id or name…> <when> <text…>`: an unquoted name runs to the
    first word that names a day."""
    target = args.kind(NOTE_TARGET_WORDS, "kind (person, org or deal)")
    tokens = args.remaining()
    first = parse_id(tokens[0].value) if tokens else None
    target_id: int | None
    if first is not None and not any(_names_a_day(t) for t in tokens[1:]):
        args.pos += 1  # an id, then no day at all: the next word was meant as the day
        target_id, term = first, None
    elif tokens and not any(_names_a_day(t) for t in tokens):
        typed = " ".join(t.value for t in tokens)
        raise ArgumentError(
            f"No day in “{typed}”: say when after the name, e.g. "
            f"`remind {KIND_WORD[target]} {_EXAMPLE_NAME[target]} tomorrow Send the deck` "
            f"({WHEN_HELP})."
        )
    else:
        target_id, term = _id_or_name(args, f"{KIND_WORD[target]} id or name", _names_a_day)
    when = args.word(f"when ({WHEN_HELP})").value
    if not _names_a_day(when):
        raise ArgumentError(f"`{when}` is not a day: use {WHEN_HELP}.")
    return {
        "target": target,
        "target_id": target_id,
        "target_term": term,
        "when": when.lower(),
        "content": args.rest_text("reminder text"),
    }


def _names_a_day(word: Token | str) -> bool:
    if isinstance(word, Token):
        if word.quoted:
            return False
        word = word.value
    try:
        due_day(word, date(2026, 1, 1))
    except ValueError:
        return False
    return True


_SPANS = {"today": "today", "tomorrow": "tomorrow", "week": "week"}


def _meetings(args: Args) -> dict[str, Any]:
    return _one_optional_word(args, "span", _SPANS, "range (today, tomorrow or week)", "week")


def _done(args: Args) -> dict[str, Any]:
    reminder_id = args.id("reminder id")
    args.done()
    return {"reminder_id": reminder_id}


def _note_edit(args: Args) -> dict[str, Any]:
    note_id = args.id("note id")
    return {"note_id": note_id, "content": args.rest_text("new note text")}


def _note_delete(args: Args) -> dict[str, Any]:
    note_id = args.id("note id")
    args.done()
    return {"note_id": note_id}


_DOMAIN_LIKE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?[^\s@/]+\.[a-z]{2,63}(?:/\S*)?$", re.I)


def _new_person(args: Args) -> dict[str, Any]:
    tokens = args.remaining()
    emails = [t for t in tokens if not t.quoted and "@" in t.value]
    if not emails:
        raise ArgumentError("Missing email address (like jane@example.com).")
    if len(emails) > 1:
        raise ArgumentError("Give one email address.")
    names = [t.value for t in tokens if t is not emails[0]]
    args.pos = len(tokens)
    if not names:
        raise ArgumentError("Missing name: give a first name, then the last name if known.")
    last = " ".join(" ".join(names[1:]).split())
    return {
        "first_name": " ".join(names[0].split()),
        "last_name": last or None,
        "email": emails[0].value,
    }


def _new_org(args: Args) -> dict[str, Any]:
    tokens = args.remaining()
    domain = None
    if len(tokens) > 1 and not tokens[-1].quoted and _DOMAIN_LIKE.match(tokens[-1].value):
        domain, tokens = tokens[-1].value, tokens[:-1]
    args.pos = len(args.remaining())
    name = " ".join(" ".join(t.value for t in tokens).split())
    if not name:
        raise ArgumentError("Missing organization name.")
    return {"name": name, "domain": domain}


def _intro(args: Args) -> dict[str, Any]:
    return {"ref": _entity_ref("person", args, "email, name or id")}


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    read: Callable[[Args], dict[str, Any]]
    aliases: tuple[str, ...] = ()
    writes: bool = False
    examples: tuple[str, ...] = ()

    @property
    def full_usage(self) -> str:
        return f"`{SLASH} {self.usage}`"


_TABLE = (
    Subcommand(
        "help",
        "help [command]",
        "Show the commands, or the details of one.",
        _help,
        ("?",),
        examples=("help", "help new-deal"),
    ),
    Subcommand(
        "connect",
        "connect",
        "Connect your own Affinity account with your API key.",
        _no_args,
        ("login",),
    ),
    Subcommand(
        "status",
        "status",
        "Show which Affinity account you are connected as and what your key can do.",
        _no_args,
        ("whoami",),
    ),
    Subcommand("disconnect", "disconnect", "Forget your Affinity API key.", _no_args, ("logout",)),
    Subcommand(
        "pin-tenant",
        "pin-tenant",
        "Workspace admins: accept only keys of your own Affinity workspace here.",
        _no_args,
    ),
    Subcommand(
        "unpin-tenant",
        "unpin-tenant",
        "Workspace admins: accept keys of any Affinity workspace again.",
        _no_args,
    ),
    Subcommand(
        "channel-answers",
        "channel-answers [public|private]",
        "Who sees my answers in this channel: the asker only (private, the default) or "
        "everyone. Workspace admins may change it.",
        _channel_answers,
        examples=("channel-answers", "channel-answers public"),
    ),
    Subcommand(
        "link-agent",
        "link-agent",
        "Let your own agents (LangChain, MCP) use your key under a name you choose, e.g. your "
        "email: asks for your key and the name in a private window.",
        _no_args,
    ),
    Subcommand(
        "mcp-token",
        "mcp-token [label]",
        "Create a personal token for MCP clients (Claude Desktop/Code) acting with your key: "
        "shown once, listed and revocable on my App Home.",
        _mcp_token,
    ),
    Subcommand(
        "follow",
        "follow <list> [stages|new|all] [#channel|dm]",
        "Post a list's changes here (or in #channel, or your DM) as they happen: stage moves "
        "(the default), new entries, or every field change. Read with your own key.",
        _follow,
        ("subscribe",),
        examples=('follow "Series A Pipeline"', 'follow "Deal Flow" all dm'),
    ),
    Subcommand(
        "unfollow",
        "unfollow <list> [#channel|dm]",
        "Stop posting a list's changes here (or in #channel, or your DM).",
        _unfollow,
        ("unsubscribe",),
        examples=('unfollow "Series A Pipeline"',),
    ),
    Subcommand(
        "following",
        "following",
        "The lists you follow, where their changes go, and any that are paused.",
        _no_args,
        ("subscriptions",),
    ),
    Subcommand(
        "follow-allow",
        "follow-allow <list> [#channel]",
        "Workspace admins: let a private list's changes be followed in this channel (or #channel).",
        _unfollow,
    ),
    Subcommand(
        "webhooks",
        "webhooks [on|off|status]",
        "Workspace admins: let Affinity tell the app at once when something changes, so "
        "followed lists are read within seconds (HTTP mode only; polling stays the fallback).",
        _webhooks,
        examples=("webhooks status",),
    ),
    Subcommand(
        "brief",
        "brief [daily HH:MM|off]",
        "Your morning brief in your DM: changes on deals you own since the last one, reminders "
        "due today, today's meetings. `daily 08:00` (your Slack time zone) sends it every day; "
        "alone it shows it now.",
        _brief,
        ("digest",),
        examples=("brief", "brief daily 08:00", "brief off"),
    ),
    Subcommand(
        "prep",
        "prep [next|<meeting id>]",
        "Prepare a meeting (your next one, or one by id from `meetings`): who is in it, their "
        "organizations, open deals and the last note.",
        _prep,
        examples=("prep", "prep next"),
    ),
    Subcommand(
        "person",
        "person <name|email|id>",
        "Look up a person.",
        _person,
        ("people", "persons"),
        examples=("person Jane Smith", "person jane@acme.com"),
    ),
    Subcommand(
        "org",
        "org <name|domain|id>",
        "Look up an organization.",
        _org,
        ("company", "organization", "organisation", "companies"),
        examples=("org Acme", "org acme.com"),
    ),
    Subcommand("lists", "lists", "Show your Affinity lists by type.", _no_args),
    Subcommand(
        "deals",
        "deals <list> [stage=…] [owner=me|name] [<field><op><value>]… [sort=[-]<field>]",
        "Show a deal pipeline by stage, filtered and sorted, with totals over every match.",
        _deals,
        ("pipeline",),
        examples=(
            "deals Series A",
            "deals 201",
            "deals Series A stage=IC,Diligence owner=me",
            'deals "Series A" amount>5M sector=fintech sort=-amount',
        ),
    ),
    Subcommand(
        "deal",
        "deal <name|id>",
        "Show one deal (a name finds it; several matches give choices).",
        _deal,
        examples=("deal 30001", "deal Acme"),
    ),
    Subcommand(
        "stage",
        "stage <deal> <stage>",
        "Move a deal to another stage (quote a deal name with spaces, or write "
        "`<deal> to <stage>`).",
        _stage,
        ("move",),
        writes=True,
        examples=(
            "stage 30001 IC",
            'stage "Acme Series A" Term Sheet',
            "stage Acme Series A to IC",
        ),
    ),
    Subcommand(
        "set",
        "set <deal> <field> <value…>",
        "Set a field of a deal: amount, dates, owners, dropdowns, text.",
        _set,
        writes=True,
        examples=(
            "set 30001 amount 5M",
            'set 30001 "Last Reviewed" today',
            "set Acme Series A owners=Maya Patel, Daniel Okafor",
        ),
    ),
    Subcommand(
        "new-deal",
        'new-deal "<list>" <deal name…> [--org <id>]… [--person <id>]… [--owner <id>]',
        "Create a deal in a pipeline.",
        _new_deal,
        writes=True,
        examples=('new-deal "Series A Pipeline" Acme Seed Round --org 5001 --person 2001',),
    ),
    Subcommand(
        "rename-deal",
        "rename-deal <id> <new name…>",
        "Rename a deal.",
        _rename_deal,
        writes=True,
        examples=("rename-deal 30001 Acme Series A",),
    ),
    Subcommand(
        "deal-add",
        "deal-add <id> person|org <id>",
        "Attach a person or organization to a deal.",
        _deal_member,
        writes=True,
        examples=("deal-add 30001 person 2001",),
    ),
    Subcommand(
        "deal-remove",
        "deal-remove <id> person|org <id>",
        "Detach a person or organization from a deal.",
        _deal_member,
        writes=True,
        examples=("deal-remove 30001 org 5001",),
    ),
    Subcommand(
        "note",
        "note person|org|deal <id|name> <text…>",
        'Log a note (quote a name with spaces: `note person "Jane Smith" Great call`).',
        _note,
        writes=True,
        examples=(
            "note deal 30001 Met the founders, strong team.",
            "note org acme Intro call went well.",
        ),
    ),
    Subcommand(
        "notes",
        "notes person|org|deal <id|name>",
        "Read the notes on a record.",
        _notes,
        examples=("notes org 5001", "notes person jane smith"),
    ),
    Subcommand(
        "note-edit",
        "note-edit <note id> <new text…>",
        "Replace the text of a note you wrote.",
        _note_edit,
        writes=True,
        examples=("note-edit 3000001 Met the founders again; diligence next week.",),
    ),
    Subcommand(
        "note-delete",
        "note-delete <note id>",
        "Delete a note you wrote (asks for a click first).",
        _note_delete,
        writes=True,
        examples=("note-delete 3000001",),
    ),
    Subcommand(
        "remind",
        "remind person|org|deal <id|name> <when> <text…>",
        f"Set yourself a reminder; when is {WHEN_HELP}.",
        _remind,
        ("reminder",),
        writes=True,
        examples=(
            "remind deal 30001 tomorrow Send the term sheet",
            "remind person Jane Smith friday Ask about the round",
        ),
    ),
    Subcommand(
        "reminders",
        "reminders",
        "Your reminders, soonest due first.",
        _no_args,
        examples=("reminders",),
    ),
    Subcommand(
        "done",
        "done <reminder id>",
        "Mark a reminder done (a recurring one moves on to its next due date).",
        _done,
        ("complete",),
        writes=True,
        examples=("done 7001",),
    ),
    Subcommand(
        "meetings",
        "meetings [today|tomorrow|week]",
        "Your meetings today, tomorrow or in the coming week (the default).",
        _meetings,
        ("calendar",),
        examples=("meetings", "meetings tomorrow"),
    ),
    Subcommand(
        "add",
        'add "<list>" person|org <id>',
        "Add a person or organization to a list.",
        _add,
        writes=True,
        examples=('add "Portfolio" org 5002',),
    ),
    Subcommand(
        "new-person",
        "new-person <first name> [last name…] <email>",
        "Add a person to Affinity (nothing is created when someone already has the email).",
        _new_person,
        ("add-person",),
        writes=True,
        examples=("new-person Ada Lovelace ada@analytical.io",),
    ),
    Subcommand(
        "new-org",
        "new-org <name…> [domain]",
        "Add an organization to Affinity (nothing is created when one already has the domain).",
        _new_org,
        ("new-company", "add-org"),
        writes=True,
        examples=("new-org Initech initech.com",),
    ),
    Subcommand(
        "remove",
        'remove "<list>" deal|person|org <id|name>',
        "Take a deal, person or organization off a list, after a click (a deal taken off "
        "its list is deleted).",
        _remove,
        writes=True,
        examples=(
            'remove "Founders to Watch" person 2001',
            'remove "Founders to Watch" person Jane',
        ),
    ),
    Subcommand(
        "intro",
        "intro <email|name|id>",
        "Who on your team knows this person best.",
        _intro,
        ("who-knows",),
        examples=("intro jane@acme.com",),
    ),
)

SUBCOMMANDS: dict[str, Subcommand] = {s.name: s for s in _TABLE}
_BY_WORD: dict[str, str] = {word: s.name for s in _TABLE for word in (s.name, *s.aliases)}
GENERAL_USAGE = f"`{SLASH} <command> …` — type `{SLASH} help` for the list."


def canonical_name(word: str) -> str | None:
    """`pipeline` -> `deals`; None for a word that is no subcommand or alias."""
    return _BY_WORD.get(word.lower())


def suggest(word: str) -> str | None:
    """The subcommand a mistyped word most likely meant (`dels` -> `deals`), or None."""
    close = closest_names(word, limit=1)
    return close[0] if close else None


def closest_names(word: str, limit: int = 3, cutoff: float = 0.6) -> list[str]:
    """Up to `limit` subcommand names closest to `word` by spelling, best first, no repeats."""
    matches = difflib.get_close_matches(word.lower(), list(_BY_WORD), n=limit * 3, cutoff=cutoff)
    names: list[str] = []
    for match in matches:
        if _BY_WORD[match] not in names:
            names.append(_BY_WORD[match])
    return names[:limit]


def usage_of(name: str) -> str:
    return SUBCOMMANDS[name].full_usage


def parse(text: str) -> Command | UsageError:
    """Parse the text after `/affinity`. Empty text means help."""
    text = unescape_slack(text or "").strip()
    if text.lower().startswith(SLASH):
        text = text[len(SLASH) :].strip()
    tokens = tokenize(text)
    if not tokens:
        return Command("help", {"topic": None})
    word = tokens[0].value
    name = canonical_name(word)
    if name is None:
        return _unknown(word, text)
    spec = SUBCOMMANDS[name]
    try:
        args = spec.read(Args(text, tokens[1:]))
    except ArgumentError as error:
        return UsageError(str(error), spec.full_usage, name, error.suggestion)
    return Command(name, args)


def _unknown(word: str, text: str) -> UsageError:
    """An unknown first word: the likeliest command, else a person lookup, else similar names.

    A typo of a command name (`dels`) suggests that command; two or three plain words or an
    email (`Jane Smith`) are probably a person to look up; any other word (`frobnicate`) lists
    the commands spelled most like it, never a pointless lookup.
    """
    words = text.split()
    joined = "-".join(words[:2]).lower()
    guess = canonical_name(joined) if len(words) > 1 else None  # "new deal" -> new-deal
    guess = guess or _lookup_for(words) or suggest(word)
    reason = f"Unknown command `{word}`."
    if guess is None and _looks_like_a_person(words):
        guess = f"person {text}"  # "/affinity Jane Smith": they probably want a lookup
    if guess is None:
        close = closest_names(word, cutoff=0.4)
        if close:
            names = ", ".join(f"`{name}`" for name in close)
            reason += f" Commands with a similar name: {names}."
    return UsageError(reason, GENERAL_USAGE, None, guess)


_SEARCH_VERBS = ("search", "find", "lookup", "look-up", "who", "whois", "show", "get")
_FILLERS = frozenset({"is", "for", "me", "the", "a"})


def _lookup_for(words: list[str]) -> str | None:
    """`search jane smith` (or `serch`, `find`, `who is`): what follows, without the verb: a
    command when it starts with one (`show deals` -> `deals`), an organization for a domain,
    else a person."""
    if len(words) < 2 or not difflib.get_close_matches(words[0].lower(), _SEARCH_VERBS, 1, 0.75):
        return None
    rest = list(words[1:])
    while len(rest) > 1 and rest[0].lower() in _FILLERS:
        rest.pop(0)
    if canonical_name(rest[0]):
        return " ".join(rest)
    domain = len(rest) == 1 and "." in rest[0] and "@" not in rest[0]
    return f"{'org' if domain else 'person'} {' '.join(rest)}"


def _looks_like_a_person(words: list[str]) -> bool:
    """An email, or two or three words of letters: what people type when they mean a name."""
    if len(words) == 1:
        return "@" in words[0]
    return len(words) <= 3 and all(re.fullmatch(r"[^\W\d_][\w.'-]*", w) for w in words)


# --- formatting back to text --------------------------------------------------------------------


def quote(value: str) -> str:
    """Quote a word so `tokenize` gives it back whole.

    Double quotes unless the value holds one (then single quotes). A value holding both kinds
    cannot be written in this grammar; its double quotes become apostrophes.
    """
    has_double = any(c in DOUBLE_QUOTES for c in value)
    starts_oddly = value[:1] in SINGLE_QUOTES or value.startswith("-")
    if value and not has_double and not starts_oddly and not any(c.isspace() for c in value):
        return value
    if not has_double:
        return f'"{value}"'
    if not any(c in SINGLE_QUOTES for c in value):
        return f"'{value}'"
    return '"' + "".join("'" if c in DOUBLE_QUOTES else c for c in value) + '"'


def _kind_word(kind: str) -> str:
    return KIND_WORD[kind]


_FORMATTERS: dict[str, Callable[[Command], list[str]]] = {
    "help": lambda c: [c["topic"]] if c.get("topic") else [],
    "channel-answers": lambda c: [c["visibility"]] if c.get("visibility") else [],
    "person": lambda c: [quote(str(c["ref"]))],
    "org": lambda c: [quote(str(c["ref"]))],
    "intro": lambda c: [quote(str(c["ref"]))],
    "deals": lambda c: _format_deals(c),
    "deal": lambda c: (
        [str(c["opportunity_id"])] if c.get("opportunity_id") is not None else [quote(c["term"])]
    ),
    "stage": lambda c: [_deal_word(c["deal"]), c["stage"]],
    "set": lambda c: [_deal_word(c["deal"]), quote(c["field"]), c["value"]],
    "remove": lambda c: [
        quote(str(c["list"])),
        _kind_word(c["entity_type"]),
        _record_word(c.get("entity_id"), c.get("entity_term")),
    ],
    "rename-deal": lambda c: [str(c["opportunity_id"]), c["name"]],
    "deal-add": lambda c: [
        str(c["opportunity_id"]),
        _kind_word(c["entity_type"]),
        str(c["entity_id"]),
    ],
    "deal-remove": lambda c: [
        str(c["opportunity_id"]),
        _kind_word(c["entity_type"]),
        str(c["entity_id"]),
    ],
    "note": lambda c: [
        _kind_word(c["target"]),
        _record_word(c.get("target_id"), c.get("target_term")),
        c["content"],
    ],
    "notes": lambda c: [
        _kind_word(c["target"]),
        _record_word(c.get("target_id"), c.get("target_term")),
    ],
    "add": lambda c: [quote(str(c["list"])), _kind_word(c["entity_type"]), str(c["entity_id"])],
    "note-edit": lambda c: [str(c["note_id"]), c["content"]],
    "note-delete": lambda c: [str(c["note_id"])],
    "remind": lambda c: [
        _kind_word(c["target"]),
        _record_word(c.get("target_id"), c.get("target_term")),
        c["when"],
        c["content"],
    ],
    "meetings": lambda c: [c["span"]],
    "done": lambda c: [str(c["reminder_id"])],
}


def _deal_word(deal: DealRef) -> str:
    """A deal id as is, a name always in quotes (the words after it are not the name)."""
    return _record_word(deal.id, deal.term)


def _record_word(record_id: int | None, name: str | None) -> str:
    """A record's id as is, its name always in quotes (the words after it are not the name)."""
    if record_id is not None:
        return str(record_id)
    quoted = quote(name or "")
    if quoted[:1] in DOUBLE_QUOTES + SINGLE_QUOTES:
        return quoted
    return f"'{quoted}'" if any(c in DOUBLE_QUOTES for c in quoted) else f'"{quoted}"'


def _format_deals(command: Command) -> list[str]:
    parts = [quote(str(command["list"]))]
    if command.get("stage"):
        parts.append(quote("stage=" + ",".join(command["stage"])))
    if command.get("owner"):
        parts.append(quote(f"owner={command['owner']}"))
    parts += [quote(str(f)) for f in command.get("filters") or ()]
    if command.get("sort"):
        parts.append(quote(f"sort={command['sort']}"))
    return parts


def _format_new_deal(command: Command) -> list[str]:
    parts = [quote(str(command["list"])), quote(command["name"])]
    parts += [f"--org {i}" for i in command["organization_ids"]]
    parts += [f"--person {i}" for i in command["person_ids"]]
    if command.get("owner_id") is not None:
        parts.append(f"--owner {command['owner_id']}")
    return parts


_FORMATTERS["new-deal"] = _format_new_deal
_FORMATTERS["new-person"] = lambda c: [
    quote(c["first_name"]),
    *([quote(c["last_name"])] if c.get("last_name") else []),
    c["email"],
]


def _format_subscription(command: Command) -> list[str]:
    parts = [quote(str(command["list"]))]
    if command.get("mode"):
        parts.append(command["mode"])
    channel = command.get("channel")
    if channel:
        parts.append(channel if channel.startswith("#") or channel == "dm" else f"<#{channel}>")
    return parts


_FORMATTERS["webhooks"] = lambda c: [c["action"]]
_FORMATTERS["prep"] = lambda c: [str(c["meeting_id"])] if c.get("meeting_id") else []
_FORMATTERS["brief"] = lambda c: (
    [] if not c.get("schedule") else ["off"] if c["schedule"] == "off" else ["daily", c["schedule"]]
)
for _name in ("follow", "unfollow", "follow-allow"):
    _FORMATTERS[_name] = _format_subscription
_FORMATTERS["new-org"] = lambda c: [quote(c["name"]), *([c["domain"]] if c.get("domain") else [])]


def writes(command: Command) -> bool:
    """True when running `command` changes data in Affinity."""
    return SUBCOMMANDS[command.name].writes


def is_command(text: str) -> bool:
    """True when `text` (a DM) starts with a subcommand or alias, with or without `/affinity`."""
    text = unescape_slack(text or "").strip()
    if text.lower().startswith(SLASH):
        return True
    tokens = tokenize(text)
    return bool(tokens) and canonical_name(tokens[0].value) is not None


def format_command(command: Command) -> str:
    """`Command` -> text that `parse` turns back into an equal `Command` (no leading slash).

    Escaped as Slack escapes command text (`&`, `<`, `>`), since `parse` undoes that escaping:
    a term that itself reads `&amp;` or `<mailto:…>` must come back as typed.
    """
    parts = _FORMATTERS.get(command.name, lambda c: [])(command)
    return escape_slack(" ".join([command.name, *parts]))
