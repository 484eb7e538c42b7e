"""The shapes of what Slack sends, so that a signed but malformed body is refused, not run.

Bolt reads a request's payload before any listener or error handler runs (`to_action`,
`to_event`, ... are computed for every middleware call), and the platform and the features read
ids, actions, views and events from it. `shape_problem(body)` checks the fields they read against
the types Slack documents, and that Bolt can read the payload at all. Unknown fields are allowed
(Slack adds fields over time); a known field of the wrong type, or a kind of request without what
every such request carries, is a problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.request.internals import build_context
from slack_bolt.request.payload_utils import (
    to_action,
    to_command,
    to_event,
    to_message,
    to_options,
    to_shortcut,
    to_step,
    to_view,
)


class Shape:
    def problem(self, value: Any, path: str) -> str | None:
        raise NotImplementedError


class Of(Shape):
    """A scalar of one of `types` (None allowed when listed)."""

    def __init__(self, *types: type | None) -> None:
        self.types = tuple(type(None) if t is None else t for t in types)

    def problem(self, value: Any, path: str) -> str | None:
        if isinstance(value, self.types) and not (
            isinstance(value, bool) and bool not in self.types
        ):
            return None
        return f"{path} is {_kind(value)}"


class Obj(Shape):
    """An object whose listed fields have their shapes; `required` fields must be present."""

    def __init__(
        self, fields: Mapping[str, Shape], required: tuple[str, ...] = (), nullable: bool = False
    ) -> None:
        self.fields = fields
        self.required = required
        self.nullable = nullable

    def problem(self, value: Any, path: str) -> str | None:
        if value is None and self.nullable:
            return None
        if not isinstance(value, dict):
            return f"{path} is {_kind(value)}, not an object"
        for name in self.required:
            if name not in value:
                return f"{path}.{name} is missing"
        for name, shape in self.fields.items():
            if name in value:
                problem = shape.problem(value[name], f"{path}.{name}")
                if problem:
                    return problem
        return None


class Items(Shape):
    """A list of items of one shape (`non_empty`: at least one)."""

    def __init__(self, item: Shape, non_empty: bool = False) -> None:
        self.item = item
        self.non_empty = non_empty

    def problem(self, value: Any, path: str) -> str | None:
        if not isinstance(value, list):
            return f"{path} is {_kind(value)}, not a list"
        if self.non_empty and not value:
            return f"{path} is empty"
        for index, item in enumerate(value):
            problem = self.item.problem(item, f"{path}[{index}]")
            if problem:
                return problem
        return None


class MapOf(Shape):
    """An object used as a map: any keys, values of one shape."""

    def __init__(self, value: Shape) -> None:
        self.value = value

    def problem(self, value: Any, path: str) -> str | None:
        if not isinstance(value, dict):
            return f"{path} is {_kind(value)}, not an object"
        for key, item in value.items():
            problem = self.value.problem(item, f"{path}.{key}")
            if problem:
                return problem
        return None


class SlackId(Shape):
    """A Slack id (team, user, channel, enterprise): upper-case letters and digits; `blank`
    allows "" where Slack sends it for "none" (a command's `enterprise_id`)."""

    PATTERN = re.compile(r"\A[A-Z0-9]{2,40}\Z")

    def __init__(self, *, blank: bool = False, null: bool = False) -> None:
        self.blank = blank
        self.null = null

    def problem(self, value: Any, path: str) -> str | None:
        if value is None and self.null:
            return None
        if isinstance(value, str) and (self.PATTERN.match(value) or (self.blank and not value)):
            return None
        return f"{path} is not a Slack id"


class Url(Shape):
    """An http(s) URL, as Slack's response URLs are."""

    def problem(self, value: Any, path: str) -> str | None:
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            return None
        return f"{path} is not a URL"


class Either(Shape):
    def __init__(self, *shapes: Shape) -> None:
        self.shapes = shapes

    def problem(self, value: Any, path: str) -> str | None:
        problems = [shape.problem(value, path) for shape in self.shapes]
        return None if any(p is None for p in problems) else problems[0]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        str: "text",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


TEXT = Of(str)
MAYBE_TEXT = Of(str, None)
ID = SlackId()
MAYBE_ID = SlackId(blank=True, null=True)
FLAG = Of(bool)
TEXT_OBJECT = Obj({"type": TEXT, "text": TEXT})
OPTION = Obj({"text": TEXT_OBJECT, "value": TEXT})
OPTIONS = Items(OPTION)
ID_OBJECT = Obj({"id": MAYBE_ID})
TEAM = Either(MAYBE_ID, Obj({"id": MAYBE_ID, "domain": MAYBE_TEXT, "enterprise_id": MAYBE_ID}))
USER = Either(
    ID,
    Obj(
        {"id": ID, "team_id": MAYBE_ID, "name": MAYBE_TEXT, "username": MAYBE_TEXT},
        required=("id",),
    ),
)
CHANNEL = Either(ID, Obj({"id": ID, "name": MAYBE_TEXT}, required=("id",)))
BLOCK = Obj({"type": TEXT, "block_id": TEXT})
INPUT_VALUE = Obj(
    {
        "type": TEXT,
        "value": MAYBE_TEXT,
        "selected_option": Either(Of(None), OPTION),
        "selected_options": OPTIONS,
        "selected_date": MAYBE_TEXT,
        "selected_user": MAYBE_TEXT,
        "selected_users": Items(TEXT),
        "selected_channel": MAYBE_TEXT,
        "selected_conversation": MAYBE_TEXT,
    }
)
STATE = Obj({"values": MapOf(MapOf(INPUT_VALUE))})
ACTION = Obj(
    {
        "type": TEXT,
        "action_id": TEXT,
        "block_id": TEXT,
        "value": TEXT,
        "action_ts": TEXT,
        "selected_option": Either(Of(None), OPTION),
        "selected_options": OPTIONS,
        "text": TEXT_OBJECT,
    },
    required=("action_id",),
)
VIEW = Obj(
    {
        "id": TEXT,
        "type": TEXT,
        "callback_id": TEXT,
        "private_metadata": TEXT,
        "hash": TEXT,
        "external_id": TEXT,
        "team_id": MAYBE_ID,
        "app_installed_team_id": MAYBE_ID,
        "root_view_id": MAYBE_TEXT,
        "previous_view_id": MAYBE_TEXT,
        "state": STATE,
        "blocks": Items(BLOCK),
        "title": TEXT_OBJECT,
    }
)
CONTAINER = Obj(
    {
        "type": TEXT,
        "message_ts": TEXT,
        "channel_id": ID,
        "view_id": TEXT,
        "thread_ts": TEXT,
        "is_ephemeral": FLAG,
    }
)
MESSAGE = Obj(
    {
        "type": TEXT,
        "subtype": TEXT,
        "ts": TEXT,
        "thread_ts": TEXT,
        "text": TEXT,
        "user": ID,
        "bot_id": TEXT,
        "blocks": Items(BLOCK),
    }
)
AUTHORIZATION = Obj(
    {
        "enterprise_id": MAYBE_ID,
        "team_id": MAYBE_ID,
        "user_id": MAYBE_ID,
        "is_bot": FLAG,
        "is_enterprise_install": FLAG,
    }
)
PROFILE = Obj(
    {"real_name": MAYBE_TEXT, "display_name": MAYBE_TEXT, "email": MAYBE_TEXT, "team": MAYBE_TEXT}
)
EVENT_USER = Either(
    ID,
    Obj(
        {
            "id": ID,
            "team_id": MAYBE_ID,
            "name": MAYBE_TEXT,
            "deleted": FLAG,
            "is_bot": FLAG,
            "profile": PROFILE,
        },
        required=("id",),
    ),
)
EVENT = Obj(
    {
        "type": TEXT,
        "subtype": TEXT,
        "user": EVENT_USER,
        "channel": CHANNEL,
        "channel_type": TEXT,
        "text": TEXT,
        "ts": TEXT,
        "thread_ts": TEXT,
        "event_ts": TEXT,
        "bot_id": TEXT,
        "app_id": TEXT,
        "tab": TEXT,
        "team": MAYBE_ID,
        "blocks": Items(BLOCK),
        "message": MESSAGE,
        "previous_message": MESSAGE,
        "hidden": FLAG,
        "tokens": Obj({"oauth": Items(TEXT), "bot": Items(TEXT)}),
        "links": Items(Obj({"url": TEXT, "domain": TEXT})),
        "unfurl_id": TEXT,
        "message_ts": TEXT,
        "source": TEXT,
        "assistant_thread": Obj(
            {"user_id": ID, "channel_id": ID, "thread_ts": TEXT, "context": Obj({})}
        ),
    },
    required=("type",),
)
RESPONSE_URL = Obj({"response_url": Url(), "block_id": TEXT, "action_id": TEXT, "channel_id": ID})
ENVELOPE = Obj(
    {
        # top level, commands (form fields are always text) and Events API envelopes
        "type": TEXT,
        "token": TEXT,
        "team_id": MAYBE_ID,
        "team_domain": MAYBE_TEXT,
        "enterprise_id": MAYBE_ID,
        "user_id": ID,
        "user_name": TEXT,
        "channel_id": ID,
        "channel_name": TEXT,
        "api_app_id": TEXT,
        "trigger_id": TEXT,
        "response_url": Url(),
        "command": TEXT,
        "text": TEXT,
        "event_id": TEXT,
        "event_time": Of(int, float),
        "callback_id": TEXT,
        "action_ts": TEXT,
        "message_ts": TEXT,
        "challenge": TEXT,
        "is_enterprise_install": Of(bool, str),
        "is_ext_shared_channel": FLAG,
        "value": TEXT,
        "action_id": TEXT,
        "block_id": TEXT,
        # interactivity
        "team": TEAM,
        "enterprise": Either(MAYBE_TEXT, ID_OBJECT),
        "user": USER,
        "channel": CHANNEL,
        "actions": Items(ACTION),
        "view": VIEW,
        "container": CONTAINER,
        "message": MESSAGE,
        "state": STATE,
        "response_urls": Items(RESPONSE_URL),
        "event": EVENT,
        "authorizations": Items(AUTHORIZATION),
    }
)
# What every request of a kind carries (by `type`, or "command" for slash commands).
REQUIRED: dict[str, Shape] = {
    "command": Obj(
        {"team_id": ID},
        required=("command", "team_id", "user_id", "channel_id", "trigger_id", "response_url"),
    ),
    "block_actions": Obj(
        {"actions": Items(ACTION, non_empty=True)},
        required=("actions", "user", "team", "container", "trigger_id"),  # Slack always sends one
    ),
    "view_submission": Obj(
        {"view": Obj({}, required=("id", "callback_id", "state"))},
        required=("view", "user", "team"),
    ),
    "view_closed": Obj(
        {"view": Obj({}, required=("id", "callback_id"))}, required=("view", "user", "team")
    ),
    "shortcut": Obj({}, required=("callback_id", "trigger_id", "user", "team")),
    "message_action": Obj(
        {}, required=("callback_id", "trigger_id", "user", "team", "channel", "message")
    ),
    "block_suggestion": Obj({}, required=("action_id", "block_id", "value", "user", "team")),
    "event_callback": Obj({"team_id": ID}, required=("event", "team_id")),
    "url_verification": Obj({}, required=("challenge",)),
}


# What events that people write carry (`message` without a subtype, `app_mention`).
WRITTEN = Obj({"user": ID, "channel": ID, "ts": TEXT}, required=("user", "channel", "ts"))
# Every click outside a view (App Home, modal) carries the URL to answer it with. (A click on an
# ephemeral message carries no `message`: that is not required.)
ANSWERABLE = Obj({}, required=("response_url",))


# Interactions come from a person: a user object with an id, in a team with an id.
INTERACTIONS = frozenset(
    {
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "block_suggestion",
    }
)
ACTOR = Obj({"id": ID, "team_id": MAYBE_ID}, required=("id",))


def _conditional(body: dict[str, Any], kind: Any) -> str | None:
    if kind in INTERACTIONS:
        problem = ACTOR.problem(body["user"], "payload.user")
        if problem:
            return problem
        team = body["team"]
        if not (
            (team.get("id") if isinstance(team, dict) else team) or body["user"].get("team_id")
        ):
            return "payload.team has no id"
    if kind == "event_callback":
        event = body["event"]
        if event.get("type") == "app_mention" or (
            event.get("type") == "message" and "subtype" not in event
        ):
            return WRITTEN.problem(event, "payload.event")
    if kind == "block_actions" and body["container"].get("type") != "view":
        return ANSWERABLE.problem(body, "payload")
    return None


def shape_problem(body: Any) -> str | None:
    """What is wrong with the shape of a request's payload, or None when Slack could send it."""
    if not isinstance(body, dict):
        return f"the payload is {_kind(body)}, not an object"
    problem = ENVELOPE.problem(body, "payload")
    if problem:
        return problem
    kind = "command" if "command" in body else body.get("type")
    required = REQUIRED.get(kind) if isinstance(kind, str) else None
    if required is not None:
        problem = required.problem(body, "payload") or _conditional(body, kind)
        if problem:
            return problem
    return _bolt_problem(body, needs_team=required is not None and kind != "url_verification")


def _bolt_problem(body: dict[str, Any], *, needs_team: bool) -> str | None:
    """Whether Bolt can read the payload the way it does for every middleware and listener,
    and (`needs_team`) finds in it the workspace the request comes from."""
    try:
        context = build_context(BoltContext({}), body)
        for read in (
            to_options,
            to_shortcut,
            to_action,
            to_view,
            to_command,
            to_event,
            to_message,
            to_step,
        ):
            read(body)
    except Exception as error:  # any failure means Bolt cannot handle it
        return f"a payload Bolt cannot read ({type(error).__name__})"
    if needs_team:
        return ID.problem(context.get("team_id"), "the workspace (team id)")
    return None
