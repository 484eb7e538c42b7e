"""What the grammar produces: a `Command` with typed arguments, or a `UsageError`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

EntityType = Literal["person", "organization"]
NoteTarget = Literal["person", "organization", "opportunity"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)/?$", re.IGNORECASE)


@dataclass(frozen=True)
class ListRef:
    """A list the caller still has to find in the user's cached lists: by `id` or by `name`."""

    name: str | None = None
    id: int | None = None

    def __str__(self) -> str:
        return str(self.id) if self.id is not None else (self.name or "")


@dataclass(frozen=True)
class EntityRef:
    """A person or organization named by `id`, or by a search `term` (name, email or domain)."""

    kind: EntityType
    term: str | None = None
    id: int | None = None

    @property
    def is_email(self) -> bool:
        return self.term is not None and bool(_EMAIL.match(self.term))

    @property
    def domain(self) -> str | None:
        """The bare domain when the term looks like one (`acme.com`, `https://www.acme.com/`)."""
        if self.term is None or self.is_email or " " in self.term:
            return None
        match = _DOMAIN.match(self.term)
        return match.group(1).lower() if match else None

    def __str__(self) -> str:
        return str(self.id) if self.id is not None else (self.term or "")


@dataclass(frozen=True)
class DealRef:
    """A deal named by opportunity `id`, or by a `term` to find among deal names."""

    term: str | None = None
    id: int | None = None

    def __str__(self) -> str:
        return str(self.id) if self.id is not None else (self.term or "")


@dataclass(frozen=True)
class Filter:
    """One condition of `deals`: `field op value` (op: = != < > <= >= contains empty
    not_empty; `value` is empty for empty / not_empty)."""

    field: str
    op: str
    value: str = ""

    def __str__(self) -> str:
        if self.op in ("empty", "not_empty"):
            return f"{self.field}{'=' if self.op == 'empty' else '!='}empty"
        return f"{self.field}{'~' if self.op == 'contains' else self.op}{self.value}"


@dataclass(frozen=True)
class Command:
    """A parsed subcommand. `name` is canonical (aliases resolved); `args` are typed values.

    Argument names per subcommand are listed in docs/commands.md and on each `Subcommand`.
    """

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.args[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.args.get(key, default)

    def replace(self, **changes: Any) -> Command:
        """A copy with some arguments changed (e.g. a resolved `ListRef(id=...)`)."""
        return Command(self.name, {**self.args, **changes})


@dataclass(frozen=True)
class UsageError:
    """Why the text could not be run, and what to type instead. Nothing was executed."""

    reason: str
    usage: str
    subcommand: str | None = None
    suggestion: str | None = None

    @property
    def message(self) -> str:
        """Plain text: the reason, the suggestion if any, and the usage line."""
        lines = [self.reason]
        if self.suggestion:
            lines[0] = f"{self.reason} Did you mean `{self.suggestion}`?"
        lines.append(f"Usage: {self.usage}")
        return "\n".join(lines)
