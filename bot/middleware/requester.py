"""Who sent a verified request, and where to answer them privately.

The error handler (`bot.middleware.errors`) and the listener pool's busy answer
(`bot.middleware.capacity`) both log a request as one secret-free line and tell its user
something where they asked; both read the request here.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient


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
