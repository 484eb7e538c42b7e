"""Proposed writes in words: what will change, on which records (by name where known)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.agent.names import NameMap

VERBS = {
    "affinity_create_note": "Add a note",
    "affinity_create_opportunity": "Create a deal",
    "affinity_update_opportunity": "Update a deal",
    "affinity_add_to_list": "Add to a list",
}

KIND_WORDS = {"person": "person", "organization": "company", "opportunity": "deal",
              "list": "list", "note": "note"}

# input key -> kind of the ids it holds
_ID_KEYS = {
    "person_id": "person", "person_ids": "person",
    "organization_id": "organization", "organization_ids": "organization",
    "opportunity_id": "opportunity", "opportunity_ids": "opportunity",
    "list_id": "list", "parent_id": "note",
}
_TEXT_KEYS = ("content", "text", "note")


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


def _entity_targets(tool_input: dict[str, Any]) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for key, kind in _ID_KEYS.items():
        value = tool_input.get(key)
        ids = value if isinstance(value, list) else [value]
        found += [(kind, int(i)) for i in ids if isinstance(i, int) and not isinstance(i, bool)]
    entity_type = tool_input.get("entity_type")
    entity_id = tool_input.get("entity_id")
    if isinstance(entity_id, int) and entity_type in ("person", "organization"):
        found.append((entity_type, entity_id))
    return found


def describe_write(tool: str, tool_input: dict[str, Any], names: NameMap) -> ProposedWrite:
    targets = tuple(
        Target(kind, ident, (names.get((kind, ident)) or {}).get("name"),
               (names.get((kind, ident)) or {}).get("list"))
        for kind, ident in _entity_targets(tool_input)
    )
    text = next((str(tool_input[k]) for k in _TEXT_KEYS if isinstance(tool_input.get(k), str)),
                None)
    skip = set(_ID_KEYS) | set(_TEXT_KEYS) | {"entity_id", "entity_type"}
    fields = tuple((k, _render(v)) for k, v in tool_input.items() if k not in skip)
    on = ", ".join(t.label() for t in targets if t.kind != "list" or tool != "affinity_add_to_list")
    where = [t.label() for t in targets if t.kind == "list" and tool == "affinity_add_to_list"]
    sentence = verb(tool)
    if on:
        sentence += f" {'on' if tool == 'affinity_create_note' else 'for'} {on}"
    if where:
        sentence += f" → {where[0]}"
    named = dict(fields).get("name")
    if named and tool != "affinity_add_to_list":
        sentence += f": “{named}”"
    return ProposedWrite(tool, dict(tool_input), sentence, targets, text, fields)


def _render(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_render(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_render(v)}" for k, v in value.items())
    return str(value)
