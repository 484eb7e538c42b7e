"""The global error handler: an apology with a reference for the user, details in the log.

The user sees a short message and a reference id (`ERR-1A2B3C4D`), where they asked: the
command's ephemeral response, the thread of their DM, an ephemeral note in the mention's thread,
or the modal they submitted. The log line carries the same reference, the kind of request and
the traceback — never the request body (a submitted modal holds the API key the user typed).
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

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


def describe_request(body: dict[str, Any]) -> str:
    """A one-line, secret-free description of a request: its kind, team, user and channel."""
    event = body.get("event") or {}
    kind = body.get("type") or ("command" if body.get("command") else "unknown")
    if kind == "event_callback":
        kind = f"event {event.get('type')}"
    elif body.get("command"):
        kind = f"command {body.get('command')}"
    elif kind == "block_actions":
        kind = f"action {((body.get('actions') or [{}])[0]).get('action_id')}"
    elif kind in ("view_submission", "view_closed"):
        kind = f"{kind} {(body.get('view') or {}).get('callback_id')}"
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    user = body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user")
    channel = (
        body.get("channel_id") or (body.get("channel") or {}).get("id") or event.get("channel")
    )
    return f"{kind} team={team} user={user} channel={channel}"


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


def _json_headers() -> dict[str, str]:
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


def build_error_handler(services: Services):  # type: ignore[no-untyped-def]
    def handle_unexpected_error(
        error: Exception,
        request: BoltRequest,
        response: BoltResponse | None,
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        respond: Respond,
    ) -> BoltResponse | None:
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


def install_error_handler(app: App, services: Services) -> None:
    app.error(build_error_handler(services))
