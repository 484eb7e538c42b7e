"""One clear answer for every way a command can fail, as Block Kit messages.

Every text shown here comes from our own wording or from `str()` of an `AffinityError`, which
the client and the connector guarantee is safe to show (no keys, no stack traces).
"""

from __future__ import annotations

import logging
import math

from affinity_client.errors import (
    AffinityError,
    AffinityTransportError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ToolInputError,
    UnknownOutcomeError,
)
from bot.blocks import ConnectionView, error_message, kit, reconnect_prompt
from bot.blocks.connection import connect_button
from bot.blocks.text import escape_clip
from bot.connector import (
    ConfigurationProblem,
    KeyRevokedError,
    NotConnectedError,
    PermissionProblem,
)

log = logging.getLogger(__name__)

WORKING = kit.message("Working on it…", [kit.context(":hourglass_flowing_sand: Working on it…")])


def connect_prompt(status: str = "NONE", reason: str | None = None,
                   text: str | None = None) -> kit.Message:
    """Not connected (or revoked): what happened and a Connect / Reconnect button."""
    if status == "REVOKED":
        return reconnect_prompt(ConnectionView(status="REVOKED", revoked_reason=reason))
    text = text or "You haven't connected Affinity yet."
    return kit.message(text, [
        kit.section(":link: " + escape_clip(text, 1000)
                    + "\nYour key is asked for in a private window and stored encrypted."),
        kit.actions([connect_button(ConnectionView(status=status))]),
    ])


def rate_limited_text(error: RateLimitedError) -> str:
    wait = getattr(error, "retry_after", None)
    seconds = max(1, math.ceil(float(wait))) if wait else None
    when = f"try again in {seconds} s" if seconds else "try again in a minute"
    return f"Affinity is rate limiting your key; {when}."


def for_error(error: AffinityError, *, writes: bool = False) -> kit.Message:
    """The message for a failed command (`writes`: the command would have changed data)."""
    if isinstance(error, NotConnectedError):
        return connect_prompt(str(error.status), error.reason, str(error))
    if isinstance(error, KeyRevokedError):
        return reconnect_prompt(ConnectionView(status="REVOKED", revoked_reason=error.reason))
    if isinstance(error, ConfigurationProblem):  # the operator's mistake: one line, no button
        return error_message(str(error))
    nothing = " Nothing was changed." if writes else ""
    if isinstance(error, PermissionProblem):
        return error_message("Affinity refused this (403).", str(error) + nothing)
    if isinstance(error, UnknownOutcomeError):
        return error_message(
            "Affinity did not confirm the change: it may or may not have been saved; "
            "check in Affinity before retrying.", str(error))
    if isinstance(error, RateLimitedError):
        return error_message(rate_limited_text(error), nothing.strip() or None)
    if isinstance(error, ToolInputError | InvalidRequestError):
        return error_message("Affinity can't take that input.", str(error) + nothing,
                             "Type `/affinity help` for the commands and their arguments.")
    if isinstance(error, NotFoundError):
        return error_message("Not found in your Affinity.", str(error) + nothing,
                             "Check the id: ids appear on every card and in Affinity links.")
    if isinstance(error, ServerError | AffinityTransportError):
        if writes:
            return error_message(
                "Affinity failed while saving: the change may or may not have been saved; "
                "check in Affinity before retrying.", str(error))
        return error_message("Affinity is not answering properly right now; try again shortly.",
                             str(error))
    return error_message("Affinity refused the request.", str(error) + nothing)


def nothing_written(error: AffinityError) -> bool:
    """True when a failed write certainly changed nothing (its claim may be given back)."""
    return not isinstance(error, UnknownOutcomeError | ServerError | AffinityTransportError)
