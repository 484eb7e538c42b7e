"""A list's fields: their types and dropdown options (``affinity_list_fields``), and the one
place where a field is found by name and a value is read, compared and checked against it.

The definition comes from V1 ``GET /lists/{id}`` (one request: fields, types, options), the same
cached read every list tool uses (``common.list_meta``), so that a search, a write and a field
listing of one list within a minute cost one metadata request together.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Literal, cast

from ..errors import ToolInputError
from ..normalize import person_name
from .base import Tool, id_prop, obj
from .common import ListMeta, list_meta
from .opportunities import PACIFIC, calendar_date
from .results import FieldInfo, ListFieldsResult

if TYPE_CHECKING:
    from ..client import AffinityClient

TYPES = {
    0: "person",
    1: "organization",
    2: "dropdown",
    3: "number",
    4: "date",
    5: "location",
    6: "text",
    7: "ranked-dropdown",
}
_V2_WRITE_TYPES = {
    "person": ("person", "person-multi"),
    "organization": ("company", "company-multi"),
    "dropdown": ("dropdown", "dropdown-multi"),
    "ranked-dropdown": ("ranked-dropdown", "ranked-dropdown"),
    "number": ("number", "number-multi"),
    "date": ("datetime", "datetime"),
    "text": ("text", "filterable-text-multi"),
    "location": ("location", "location-multi"),
}
ALIASES = {
    "stage": "status",
    "status": "status",
    "owner": "owners",
    "owners": "owners",
    "amount": "amount",
    "value": "amount",
}


@dataclass(frozen=True)
class FieldSpec:
    """One list field as the tools use it."""

    id: int
    name: str
    type: str
    multiple: bool
    options: tuple[dict[str, Any], ...]

    @property
    def v2_id(self) -> str:
        return f"field-{self.id}"

    @property
    def v2_type(self) -> str:
        single, multi = _V2_WRITE_TYPES[self.type]
        return multi if self.multiple else single

    @property
    def is_dropdown(self) -> bool:
        return self.type in ("dropdown", "ranked-dropdown")

    def option_texts(self) -> list[str]:
        return [str(o.get("text")) for o in self.options]

    def option(self, text: str, tool: str, param: str) -> dict[str, Any]:
        """The option named ``text`` (case and spacing ignored; an option id works too), or
        a ToolInputError listing the valid ones."""
        wanted = _norm(text)
        for option in self.options:
            if _norm(str(option.get("text"))) == wanted or str(option.get("id")) == text.strip():
                return option
        starts = [o for o in self.options if _norm(str(o.get("text"))).startswith(wanted)]
        if wanted and len(starts) == 1:
            return starts[0]
        word = "a stage" if self.type == "ranked-dropdown" else "an option"
        close = difflib.get_close_matches(text.strip(), self.option_texts(), n=1, cutoff=0.75)
        guess = f" Did you mean “{close[0]}”?" if close else ""
        raise ToolInputError(
            f"“{text}” is not {word} of {self.name}.{guess} Valid {word.split()[1]}s: "
            + ", ".join(self.option_texts())
            + ".",
            field=param,
            tool=tool,
        )


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def field_specs(meta: ListMeta) -> list[FieldSpec]:
    return [
        FieldSpec(
            id=f["id"],
            name=str(f.get("name") or f["id"]),
            type=TYPES.get(cast(int, f.get("value_type")), "text"),
            multiple=bool(f.get("allows_multiple")),
            options=tuple(
                sorted(
                    f.get("dropdown_options") or [],
                    key=lambda o: (o.get("rank") is None, o.get("rank") or 0),
                )
            ),
        )
        for f in meta.fields
    ]


def role_of(meta: ListMeta, field_id: int) -> Literal["stage", "owners", "amount"] | None:
    """``stage``, ``owners`` or ``amount`` when the field plays that part on a deal list."""
    roles: tuple[tuple[Literal["stage", "owners", "amount"], int | None], ...] = (
        ("stage", meta.status_field),
        ("owners", meta.owners_field),
        ("amount", meta.amount_field),
    )
    for role, known in roles:
        if known == field_id:
            return role
    return None


def find_field(meta: ListMeta, name: str | int, tool: str, param: str) -> FieldSpec:
    """The list's field named (or numbered) ``name``; the words stage/status, owner(s) and
    amount/value find the deal fields. Unknown: a ToolInputError listing the list's fields."""
    specs = field_specs(meta)
    text = str(name).strip()
    raw_id = text.removeprefix("field-")
    by_id = {s.id: s for s in specs}
    if raw_id.isdigit() and int(raw_id) in by_id:
        return by_id[int(raw_id)]
    wanted = _norm(text)
    exact = [s for s in specs if _norm(s.name) == wanted]
    if exact:
        return exact[0]
    alias = ALIASES.get(wanted)
    role_id = {
        "status": meta.status_field,
        "owners": meta.owners_field,
        "amount": meta.amount_field,
    }.get(alias or "")
    if role_id in by_id:
        return by_id[role_id]
    starts = [s for s in specs if _norm(s.name).startswith(wanted)] if wanted else []
    if len(starts) == 1:
        return starts[0]
    raise ToolInputError(
        f"“{text}” is not a field of the list {meta.name}. Its fields: "
        + ", ".join(s.name for s in specs)
        + ".",
        field=param,
        tool=tool,
    )


# ---- values ------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*([+-]?)\$?\s*(\d[\d,]*(?:\.\d+)?|\.\d+)\s*([kmb]|mm|bn)?\s*$", re.I)
_SCALE = {"k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}


def parse_number(value: Any) -> float | int | None:
    """``5M`` -> 5000000, ``2.5m``, ``500k``, ``1,200``, ``$3M``; None when it is no number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    match = _NUMBER.match(str(value))
    if not match:
        return None
    number = float(match.group(2).replace(",", "")) * _SCALE.get((match.group(3) or "").lower(), 1)
    number = -number if match.group(1) == "-" else number
    return int(number) if number.is_integer() else number


def today(zone: tzinfo = PACIFIC) -> date:
    """Today's calendar day in ``zone``: the user's when the caller knows it, else where
    Affinity keeps dates (Pacific time)."""
    return datetime.now(zone).date()


def parse_day(value: Any, zone: tzinfo = PACIFIC) -> date | None:
    """``2026-11-30``, or ``today``, ``yesterday``, ``tomorrow`` counted in ``zone``; None
    when it is no date."""
    text = str(value).strip().casefold()
    shift = {"today": 0, "yesterday": -1, "tomorrow": 1}.get(text)
    if shift is not None:
        return today(zone) + timedelta(days=shift)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def entry_field(entry: dict[str, Any], spec: FieldSpec) -> Any:
    """The V2 ``value.data`` of ``spec`` on a V2 list entry (None when empty or absent)."""
    for field in (entry.get("entity") or {}).get("fields") or []:
        if field.get("id") == spec.v2_id:
            return (field.get("value") or {}).get("data")
    return None


def items(data: Any) -> list[Any]:
    if data is None or data == "":
        return []
    return list(data) if isinstance(data, list) else [data]


def item_text(spec: FieldSpec, item: Any) -> str:
    """One value as a person reads it."""
    if spec.type == "date":
        return calendar_date(str(item))
    if isinstance(item, dict):
        if "text" in item:
            return str(item.get("text"))
        if "firstName" in item or "lastName" in item:
            return person_name(item) or str(item.get("id"))
        return str(item.get("name") or item.get("id"))
    if isinstance(item, float) and item.is_integer():
        return str(int(item))
    return str(item)


def value_text(spec: FieldSpec, data: Any) -> str | None:
    """A whole value as text (several joined by commas), None when empty."""
    parts = [item_text(spec, i) for i in items(data)]
    return ", ".join(parts) if parts else None


# ---- the tool ----------------------------------------------------------------------------------

LIST_FIELDS = "affinity_list_fields"


def list_fields(client: AffinityClient, inp: dict[str, Any]) -> ListFieldsResult:
    meta = list_meta(client, inp["list_id"])
    fields: list[FieldInfo] = []
    for spec in field_specs(meta):
        info: FieldInfo = {
            "id": spec.id,
            "name": spec.name,
            "type": spec.type,
            "multiple": spec.multiple,
            "role": role_of(meta, spec.id),
        }
        if spec.is_dropdown:
            info["options"] = [
                {"id": o["id"], "text": o.get("text"), "rank": o.get("rank")} for o in spec.options
            ]
        fields.append(info)
    return {"list": {"id": meta.id, "name": meta.name, "type": meta.type}, "fields": fields}


TOOLS = [
    Tool(
        name=LIST_FIELDS,
        description=(
            "The fields of one list (list_id from affinity_list_lists): id, name, type (person, "
            "organization, dropdown, ranked-dropdown, number, date, location, text), whether it "
            "holds several values, its role on a deal list (stage, owners, amount) and, for "
            "dropdowns, the options (a ranked-dropdown's options are the pipeline stages, in "
            "order). Use before filtering with affinity_search_list_entries or writing with "
            "affinity_update_field_values."
        ),
        input_schema=obj({"list_id": id_prop("Id of a list.")}, required=["list_id"]),
        writes=False,
        function=list_fields,
    ),
]
