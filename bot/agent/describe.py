"""Proposed writes in words: what will change, on which records (by name where known)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.agent.names import NameMap, old_value_key

VERBS = {
    "affinity_create_note": "Add a note",
    "affinity_create_opportunity": "Create a deal",
    "affinity_update_opportunity": "Update a deal",
    "affinity_add_to_list": "Add to a list",
    "affinity_update_note": "Edit a note",
    "affinity_delete_note": "Delete a note",
    "affinity_create_reminder": "Set a reminder",
    "affinity_complete_reminder": "Complete a reminder",
    "affinity_create_person": "Add a person",
    "affinity_create_organization": "Add an organization",
    "affinity_update_field_values": "Update fields",
    "affinity_remove_from_list": "Remove from a list",
}

KIND_WORDS = {
    "person": "person",
    "organization": "company",
    "opportunity": "deal",
    "list": "list",
    "note": "note",
    "reminder": "reminder",
}

_KINDS = {
    "person": "person",
    "organization": "organization",
    "opportunity": "opportunity",
    "list": "list",
    "parent": "note",
    "note": "note",
    "reminder": "reminder",
    "owner": "user",
}
_ACTS_ON_ITSELF = {
    "affinity_update_note": "Edit",
    "affinity_delete_note": "Delete",
    "affinity_complete_reminder": "Complete",
}
"""Writes whose target is the record they change: "Delete note #12", not "… for note #12"."""
_TARGET_KINDS = {"person", "organization", "opportunity", "list", "note", "reminder"}
_TEXT_KEYS = ("content", "text", "note")
_FIELD_WORDS = {
    "add_person_ids": "Add people",
    "remove_person_ids": "Remove people",
    "add_organization_ids": "Add companies",
    "remove_organization_ids": "Remove companies",
    "person_ids": "People",
    "organization_ids": "Companies",
    "owner_id": "Owner",
    "name": "Name",
    "format": "Format",
    "due_date": "Due",
    "repeat_every_days": "Repeats every (days)",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "domain": "Domain",
}


def _kind_of_key(key: str) -> str | None:
    """``person_ids`` -> person, ``add_organization_ids`` -> organization, ``name`` -> None."""
    base = key.removeprefix("add_").removeprefix("remove_")
    for suffix in ("_ids", "_id"):
        if base.endswith(suffix):
            return _KINDS.get(base.removesuffix(suffix))
    return None


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


@dataclass(frozen=True)
class Target:
    kind: str
    id: int
    name: str | None = None
    list_name: str | None = None

    def label(self) -> str:
        word = KIND_WORDS.get(self.kind, self.kind)
        base = f"{word} {self.name}" if self.name else f"{word} #{self.id}"
        return f"{base} ({self.list_name})" if self.list_name else base


@dataclass(frozen=True)
class ProposedWrite:
    """A write the model asked for, held for the user's approval."""

    tool: str
    input: dict[str, Any]
    description: str
    targets: tuple[Target, ...] = ()
    text: str | None = None  # the full note text, when the write carries one
    fields: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # other inputs, rendered

    def details(self) -> dict[str, Any]:
        return {
            "targets": [t.__dict__ for t in self.targets],
            "text": self.text,
            "fields": [list(f) for f in self.fields],
        }


def verb(tool: str) -> str:
    return VERBS.get(tool) or tool.removeprefix("affinity_").replace("_", " ").capitalize()


def _target(kind: str, ident: int, names: NameMap) -> Target:
    known = names.get((kind, ident)) or {}
    return Target(kind, ident, known.get("name"), known.get("list"))


def describe_write(tool: str, tool_input: dict[str, Any], names: NameMap) -> ProposedWrite:
    """The proposal for a write: a one-line sentence, the targets by name, the full text."""
    if tool == FIELD_WRITE:
        return _describe_field_write(tool_input, names)
    if tool == REMOVAL:
        return _describe_removal(tool_input, names)
    targets: list[Target] = []
    fields: list[tuple[str, str]] = []
    for key, value in tool_input.items():
        kind = _kind_of_key(key)
        if key in _TEXT_KEYS and isinstance(value, str):
            continue
        if kind in _TARGET_KINDS and not key.startswith(("add_", "remove_")):
            targets += [_target(kind, i, names) for i in _ids(value)]
        elif kind is not None:
            labels = [_target(kind, i, names).name or f"#{i}" for i in _ids(value)]
            fields.append((_FIELD_WORDS.get(key, key), ", ".join(labels)))
        else:
            fields.append((_FIELD_WORDS.get(key, key), _render(value)))
    text = next((tool_input[k] for k in _TEXT_KEYS if isinstance(tool_input.get(k), str)), None)
    return ProposedWrite(
        tool,
        dict(tool_input),
        _sentence(tool, targets, dict(fields)),
        tuple(targets),
        text,
        tuple(fields),
    )


def _sentence(tool: str, targets: list[Target], fields: dict[str, str]) -> str:
    lists = [t for t in targets if t.kind == "list"]
    others = [t for t in targets if t.kind != "list"]
    sentence = verb(tool)
    if tool == "affinity_add_to_list":
        if others:
            sentence = f"Add {', '.join(t.label() for t in others)}"
        if lists:
            sentence += f" to {lists[0].label()}"
        return sentence
    if others and tool == "affinity_update_opportunity":
        sentence = "Update " + ", ".join(t.label() for t in others)
    elif others and tool in _ACTS_ON_ITSELF:
        sentence = _ACTS_ON_ITSELF[tool] + " " + ", ".join(t.label() for t in others)
    elif others:
        word = "on" if tool == "affinity_create_note" else "for"
        sentence += f" {word} " + ", ".join(t.label() for t in others)
    if lists and tool == "affinity_create_opportunity":
        sentence += f" in {lists[0].label()}"
    if fields.get("Name"):
        sentence += f": “{fields['Name']}”"
    return sentence


def _render(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_render(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_render(v)}" for k, v in value.items())
    return str(value)


# ---- field writes and removals ----------------------------------------------------------------

FIELD_WRITE = "affinity_update_field_values"
REMOVAL = "affinity_remove_from_list"
ARROW = "→"


def _describe_field_write(tool_input: dict[str, Any], names: NameMap) -> ProposedWrite:
    """`Update deal Acme (Series A Pipeline)` with one line per field, old -> new: the old
    value as this turn last read it (none read: only the new one)."""
    opp = tool_input.get("opportunity_id")
    target = (
        _target("opportunity", opp, names)
        if isinstance(opp, int)
        else Target("list entry", int(tool_input.get("list_entry_id") or 0))
    )
    seen = names.get(("opportunity", opp), {}) if isinstance(opp, int) else {}
    fields: list[tuple[str, str]] = []
    for item in tool_input.get("values") or []:
        name = str(item.get("field"))
        new = "empty" if item.get("value") in (None, "", []) else _render(item.get("value"))
        old = seen.get(old_value_key(name))
        fields.append((name, f"{old} {ARROW} {new}" if old else f"{ARROW} {new}"))
    return ProposedWrite(
        FIELD_WRITE,
        dict(tool_input),
        f"Update {target.label()}",
        (target,),
        None,
        tuple(fields),
    )


def _describe_removal(tool_input: dict[str, Any], names: NameMap) -> ProposedWrite:
    the_list = _target("list", int(tool_input.get("list_id") or 0), names)
    kind = next(
        (k for k in ("person", "organization", "opportunity") if tool_input.get(f"{k}_id")), None
    )
    record = _target(kind, tool_input[f"{kind}_id"], names) if kind else None
    what = record.label() if record else "a record"
    fields = (
        (("Note", "Taking a deal off its list deletes the deal in Affinity."),)
        if kind == "opportunity"
        else ()
    )
    return ProposedWrite(
        REMOVAL,
        dict(tool_input),
        f"Remove {what} from {the_list.label()}",
        tuple(t for t in (record, the_list) if t),
        None,
        fields,
    )
