"""The declarative ``Tool`` object, schema helpers, input validation and ``run_tool``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema

from ..errors import ToolInputError

if TYPE_CHECKING:
    from ..client import AffinityClient

ToolFunction = Callable[["AffinityClient", dict[str, Any]], Mapping[str, Any]]
"""A tool's function; its result is one of the TypedDicts in ``results``."""


@dataclass(frozen=True)
class Tool:
    """One tool: what the model and the Slack commands see, plus the function that runs it."""

    name: str
    description: str
    input_schema: dict[str, Any]
    writes: bool
    function: ToolFunction
    page_items: str | None = None
    """The result key holding the page's items, for a tool whose input takes ``skip``."""

    def run(self, client: AffinityClient, tool_input: dict[str, Any]) -> dict[str, Any]:
        """Run on a validated input; ``skip`` leaves out the page's first items (the
        continuation of a page that was cut short for the model)."""
        skip = tool_input.get("skip") or 0
        result = cast(dict[str, Any], self.function(client, tool_input))
        if self.page_items and skip and isinstance(result.get(self.page_items), list):
            result = {**result, self.page_items: result[self.page_items][skip:], "skipped": skip}
        return result

    def definition(self) -> dict[str, Any]:
        """The Anthropic tool definition (``name``, ``description``, ``input_schema``)."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
        }

    def validate(self, tool_input: Any) -> dict[str, Any]:
        """Check ``tool_input`` against the schema; raise ToolInputError naming the field."""
        if not isinstance(tool_input, dict):
            raise ToolInputError("The tool input must be a JSON object.", field="", tool=self.name)
        validator = jsonschema.Draft202012Validator(self.input_schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(tool_input))
        if error is None:
            return self._with_defaults(tool_input)
        field = _field_of(error)
        raise ToolInputError(f"{field or 'input'}: {_describe(error)}", field=field, tool=self.name)

    def _with_defaults(self, tool_input: dict[str, Any]) -> dict[str, Any]:
        """The input plus schema defaults, so equal requests look equal (page tokens)."""
        filled = dict(tool_input)
        for name, spec in self.input_schema["properties"].items():
            if name not in filled and "default" in spec:
                filled[name] = spec["default"]
        return filled


def _field_of(error: jsonschema.ValidationError) -> str:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path.append(missing)
    elif error.validator == "additionalProperties":
        schema = error.schema if isinstance(error.schema, dict) else {}
        given = set(cast(Iterable[Any], error.instance))
        extras = sorted(given - set(schema.get("properties", {})))
        if extras:
            path.append(extras[0])
    return ".".join(p for p in path if p)


_TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "array": "a list",
    "object": "an object",
    "boolean": "true or false",
}


def _describe(error: jsonschema.ValidationError) -> str:
    validator = str(error.validator)
    if validator == "required":
        return "is required"
    if validator == "additionalProperties":
        return "is not an input of this tool"
    if validator == "type":
        return f"must be {_TYPE_WORDS.get(str(error.validator_value), 'of another kind')}"
    if validator in ("minimum", "maximum"):
        word = "at least" if validator == "minimum" else "at most"
        return f"must be {word} {error.validator_value}"
    unit = "characters" if validator.endswith("Length") else "entries"
    if validator in ("minLength", "minItems"):
        return (
            "must not be empty"
            if error.validator_value == 1
            else f"is too short: give at least {error.validator_value} {unit}"
        )
    if validator in ("maxLength", "maxItems"):
        return f"is too long: give at most {error.validator_value} {unit}"
    if validator == "enum":
        return "must be one of " + ", ".join(map(str, cast(Iterable[Any], error.validator_value)))
    if validator == "uniqueItems":
        return "must not repeat ids"
    return "is not valid"


# ---- schema helpers ------------------------------------------------------------------------------


def obj(properties: dict[str, Any], required: Iterable[str] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def id_prop(description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "description": description}


def id_list(description: str, max_items: int = 100) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "integer", "minimum": 1},
        "uniqueItems": True,
        "maxItems": max_items,
        "description": description,
    }


def page_size(maximum: int, default: int) -> dict[str, Any]:
    return {
        "type": "integer",
        "minimum": 1,
        "maximum": maximum,
        "default": default,
        "description": f"Results per page, 1-{maximum} (default {default}).",
    }


PAGE_TOKEN = {
    "type": "string",
    "minLength": 1,
    "maxLength": 4096,
    "description": "next_page_token from the previous call of this tool, passed back unchanged "
    "with the same other inputs. Omit for the first page.",
}


SKIP = {
    "type": "integer",
    "minimum": 0,
    "maximum": 500,
    "description": "Items at the start of the page to leave out. Use only the value a result's "
    "continue_with gives (a page shown in part); with it pass the same page_token "
    "as that call, or none for the first page.",
}


def time_zone_prop(default: str, purpose: str = "the days are in") -> dict[str, Any]:
    """The ``time_zone`` input: an IANA name saying whose day "today" and dates are."""
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": 64,
        "description": f"IANA time zone {purpose}, e.g. America/New_York (default {default}).",
    }


def zone_of(tool_input: dict[str, Any], tool: str, default: str) -> ZoneInfo:
    """The ``time_zone`` input as a zone (``default`` when absent); a ToolInputError when it
    names none."""
    name = tool_input.get("time_zone") or default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolInputError(
            f"time_zone: {name!r} is not a time zone name (like America/New_York).",
            field="time_zone",
            tool=tool,
        ) from None


def exactly_one(tool: str, tool_input: dict[str, Any], names: tuple[str, ...]) -> str:
    """Return the one name of ``names`` present in the input, else raise ToolInputError."""
    given = [n for n in names if tool_input.get(n) is not None]
    if len(given) != 1:
        raise ToolInputError(
            f"Give exactly one of {', '.join(names)}"
            + (f" (got {', '.join(given)})." if given else "."),
            field=given[1] if len(given) > 1 else names[0],
            tool=tool,
        )
    return given[0]
