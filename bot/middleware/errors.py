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

from bot.middleware.capacity import ListenerQueueFull, Notices, turn_away
from bot.middleware.requester import describe_request, tell_user
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
