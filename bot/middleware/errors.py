"""The global error handler: an apology with a reference for the user, details in the log.

The user sees a short message and a reference id (`ERR-1A2B3C4D`), where they asked: the
command's ephemeral response, the thread of their DM, an ephemeral note in the mention's thread,
or the modal they submitted. The log line carries the same reference, the kind of request and
the traceback — never the request body (a submitted modal holds the API key the user typed).

Ids and reply addresses are read only from a request `RequestTrust` verified: an error before
that point is a WARNING and a 401, and nothing in the request is used. A delivery the listener
pool has no room for is turned away (`bot.middleware.capacity`), not apologised for.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.middleware.capacity import ListenerQueueFull, Notices, turn_away
from bot.middleware.trust import is_verified
from bot.services import Services

logger = logging.getLogger("bot.errors")

APOLOGY = (
    "Sorry, something went wrong on my side and I could not finish that. "
    "Please try again in a moment. If it keeps happening, give your Slack admin "
    "this reference: `{reference}`."
)


def new_reference() -> str:
    return "ERR-" + secrets.token_hex(4).upper()


def apology_text(reference: str) -> str:
    return APOLOGY.format(reference=reference)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _id(value: Any) -> Any:
    """An id given as text or as an object with an `id`."""
    return value if isinstance(value, str) else _object(value).get("id")


def describe_request(body: Any) -> str:
    """A one-line, secret-free description of a request: its kind, team, user and channel.

    Any payload shape gives a line (a field of an unexpected type reads as absent).
    """
    body = _object(body)
    event = _object(body.get("event"))
    kind = body.get("type") or ("command" if body.get("command") else "unknown")
    if kind == "event_callback":
        kind = f"event {event.get('type')}"
    elif body.get("command"):
        kind = f"command {body.get('command')}"
    elif kind == "block_actions":
        actions = body.get("actions")
        first = _object(actions[0]) if isinstance(actions, list) and actions else {}
        kind = f"action {first.get('action_id')}"
    elif kind in ("view_submission", "view_closed"):
        kind = f"{kind} {_object(body.get('view')).get('callback_id')}"
    team = body.get("team_id") or _id(body.get("team"))
    user = body.get("user_id") or _id(body.get("user")) or _id(event.get("user"))
    channel = body.get("channel_id") or _id(body.get("channel")) or _id(event.get("channel"))
    return f"{str(kind)[:80]} team={team} user={user} channel={channel}"


def _immediate_answer(body: dict[str, Any], reference: str) -> BoltResponse | None:
    """The HTTP answer to a request that errored before it was acknowledged."""
    text = apology_text(reference)
    if body.get("type") == "view_submission":
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Something went wrong"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }
        payload = {"response_action": "update", "view": view}
        return BoltResponse(status=200, body=json.dumps(payload), headers=_json_headers())
    if body.get("command"):
        payload = {"response_type": "ephemeral", "text": text}
        return BoltResponse(status=200, body=json.dumps(payload), headers=_json_headers())
    return None


def _json_headers() -> dict[str, str | Sequence[str]]:
    return {"content-type": "application/json;charset=utf-8"}


def tell_user(
    body: dict[str, Any], client: WebClient | None, respond: Respond | None, text: str
) -> bool:
    """Post `text` privately where the user asked. False when there is nowhere sensible."""
    event = body.get("event") or {}
    if respond is not None and body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)
        return True
    if client is None:
        return False
    if event.get("type") == "message" and event.get("channel_type") == "im":
        thread_ts = event.get("thread_ts") or event.get("ts")
        client.chat_postMessage(channel=event["channel"], text=text, thread_ts=thread_ts)
        return True
    if event.get("type") == "app_mention":
        thread_ts = event.get("thread_ts") or event.get("ts")
        client.chat_postEphemeral(
            channel=event["channel"], user=event["user"], text=text, thread_ts=thread_ts
        )
        return True
    user = (body.get("user") or {}).get("id")
    if body.get("type") in ("block_actions", "view_submission", "shortcut") and user:
        client.chat_postMessage(channel=user, text=text)  # the app's DM with the user
        return True
    return False


def build_error_handler(services: Services) -> Callable[..., BoltResponse | None]:
    notices = Notices()

    # Only `error`, `request` and `response`: Bolt computes every other argument (the action,
    # the view, ...) from the body before calling, and the body may not be verified.
    def handle_unexpected_error(
        error: Exception, request: BoltRequest, response: BoltResponse | None
    ) -> BoltResponse | None:
        context = request.context
        if not is_verified(context):
            logger.warning(
                "refused a request that failed before it was verified (%s)", type(error).__name__
            )
            return BoltResponse(status=401, body="") if response is not None else None
        if isinstance(error, ListenerQueueFull):
            return turn_away(request, notices)
        body, client, respond = request.body, context.client, context.respond
        reference = new_reference()
        logger.error(
            "unexpected error %s while handling %s: %s",
            reference,
            describe_request(body),
            type(error).__name__,
            exc_info=error,
        )
        acked = context.ack is not None and context.ack.response is not None
        if not acked and response is not None:
            answer = _immediate_answer(body, reference)
            if answer is not None:
                return answer
        try:
            usable_client = client if context.bot_token else None
            told = tell_user(body, usable_client, respond, apology_text(reference))
        except Exception as delivery_error:
            logger.warning(
                "could not tell the user about %s: %s", reference, type(delivery_error).__name__
            )
            told = False
        if not told:
            logger.info("no place to apologise for %s (%s)", reference, describe_request(body))
        if response is not None:
            # Acknowledge: a 5xx would make Slack retry an event that will fail the same way.
            return BoltResponse(status=200, body="")
        return None

    return handle_unexpected_error


def install_error_handler(app: App, services: Services) -> Callable[..., BoltResponse | None]:
    """Install the handler; it is returned for errors met outside Bolt's own try (dedup claims)."""
    handler = build_error_handler(services)
    app.error(handler)
    return handler
