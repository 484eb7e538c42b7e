"""One clear answer for every way a command can fail, as Block Kit messages.

Every text shown here comes from our own wording or from `str()` of an `AffinityError`, which
the client and the connector guarantee is safe to show (no keys, no stack traces).
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Any

from affinity_client.errors import (
    AffinityError,
    AffinityTransportError,
    InvalidRequestError,
    MonthlyQuotaError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ToolInputError,
    UnknownOutcomeError,
)
from bot.agent.results import summarise_result
from bot.blocks import ConnectionView, error_message, kit, reconnect_prompt
from bot.blocks.connection import connect_button
from bot.blocks.text import escape, escape_clip, one_line
from bot.connector import (
    ConfigurationProblem,
    KeyRevokedError,
    NotConnectedError,
    PermissionProblem,
)
from bot.features.commands.cards import DONE, REPLACED, RUNNING, STALE_RUN, UNKNOWN, Claim
from bot.features.commands.wording import plain_input_problem, plain_not_found

log = logging.getLogger(__name__)

WORKING = kit.message("Working on it…", [kit.context(":hourglass_flowing_sand: Working on it…")])


def connect_prompt(
    status: str = "NONE", reason: str | None = None, text: str | None = None
) -> kit.Message:
    """Not connected (or revoked): what happened and a Connect / Reconnect button."""
    if status == "REVOKED":
        return reconnect_prompt(ConnectionView(status="REVOKED", revoked_reason=reason))
    text = text or "You haven't connected Affinity yet."
    return kit.message(
        text,
        [
            kit.section(
                ":link: "
                + escape_clip(text, 1000)
                + "\nYour key is asked for in a private window and stored encrypted."
            ),
            kit.actions([connect_button(ConnectionView(status=status))]),
        ],
    )


def rate_limited_text(error: RateLimitedError) -> str:
    if isinstance(error, MonthlyQuotaError):  # says what happened and when it resets
        return str(error)
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
    said = str(error)
    nothing = " Nothing was changed." if writes and "Nothing was changed" not in said else ""
    if nothing and not said.rstrip().endswith((".", "!", "?", ")")):
        said = said.rstrip() + "."  # "Person 9 not found" + " Nothing was changed."
    if isinstance(error, PermissionProblem):
        return error_message("Affinity refused this (403).", said + nothing)
    if isinstance(error, UnknownOutcomeError):
        return error_message(
            "Affinity did not confirm the change: it may or may not have been saved; "
            "check in Affinity before retrying.",
            str(error),
        )
    if isinstance(error, RateLimitedError):
        return error_message(rate_limited_text(error), nothing.strip() or None)
    if isinstance(error, ToolInputError | InvalidRequestError):
        return error_message(
            "Affinity can't take that input.",
            plain_input_problem(error) + nothing,
            "Type `/affinity help` for the commands and their arguments.",
        )
    if isinstance(error, NotFoundError):
        return error_message(
            "Not found in your Affinity.",
            plain_not_found(said) + nothing,
            "Check the id: ids appear on every card and in Affinity links.",
        )
    if isinstance(error, ServerError | AffinityTransportError):
        if writes:
            return error_message(
                "Affinity failed while saving: the change may or may not have been saved; "
                "check in Affinity before retrying.",
                str(error),
            )
        return error_message(
            "Affinity is not answering properly right now; try again shortly.", str(error)
        )
    return error_message("Affinity refused the request.", said + nothing)


def nothing_written(error: AffinityError) -> bool:
    """True when a failed write certainly changed nothing (its claim may be given back)."""
    return not isinstance(error, UnknownOutcomeError | ServerError | AffinityTransportError)


# -- write cards: what a click that did not run is told ------------------------------------

UNCONFIRMED = (
    "Affinity did not confirm the change: it may or may not have been saved; "
    "check in Affinity before doing it again."
)
NOT_YOURS = (
    "These buttons belong to another person's command; nothing was changed. "
    "Run the command yourself to do this with your own Affinity account."
)
GONE = (
    "This button no longer works (its message is too old or was cleared); nothing was "
    "changed. Run the command again."
)
REPLACED_TEXT = (
    "This message was replaced by a newer one for the same command; nothing was "
    "changed from here. Use the buttons of the newest message."
)


def outcome_summary(tool: str, result: Any) -> str:
    """One line for a later click: what the write did, with the record's id (no note text)."""
    summary = summarise_result(tool, result).rstrip(".")
    record_id = result.get("id") if isinstance(result, dict) else None
    if tool.endswith("_opportunity") and record_id is not None:
        summary += f" (deal #{record_id})"
    return summary + "."


def card_refused(claim: Claim, now: datetime) -> kit.Message:
    """A click on a write card that did not run: why, and what happened instead."""
    card = claim.card
    if claim.refused == "not_owner":
        return _notice(":no_entry: ", NOT_YOURS)
    if card is None:
        return _notice(":hourglass: ", GONE)
    if claim.refused == "expired":
        stamp = int(card.expires_at.timestamp())
        plain = f"{card.expires_at:%Y-%m-%d %H:%M} UTC"
        when = f"<!date^{stamp}^{{date_short}} {{time}}|{plain}>"
        end = "; nothing was changed. Run the command again."
        return _notice(
            ":hourglass: ",
            f"These buttons expired at {plain}{end}",
            f"These buttons expired at {when}{end}",
        )
    if card.state == REPLACED:
        return _notice(":arrows_counterclockwise: ", REPLACED_TEXT)
    if card.state == RUNNING and now - card.updated_at < STALE_RUN:
        return _notice(
            ":hourglass_flowing_sand: ",
            "In progress: your first click is making this change right now; it "
            "will not be made twice.",
        )
    if card.state == DONE:
        outcome = one_line(card.outcome or "done")
        return _notice(
            ":white_check_mark: ",
            f"Already done: {outcome} This second click changed nothing.",
            f"Already done: {escape_clip(outcome, 1000)} This second click changed nothing.",
        )
    if card.state == UNKNOWN:
        return _notice(
            ":grey_question: ",
            "Already tried once: " + UNCONFIRMED + " This click changed nothing.",
        )
    return _notice(
        ":grey_question: ",
        "Already tried once, and that attempt was interrupted: "
        "check in Affinity whether the change was saved. This click changed nothing.",
    )


def _notice(icon: str, text: str, mrkdwn: str | None = None) -> kit.Message:
    """A one-line notice: `text` is plain (the notification's fallback, escaped once by
    `kit.message`); `mrkdwn` is the same sentence already escaped for the block (by default
    `text` escaped), so that `->` or `<` reads the same in both."""
    return kit.message(text, [kit.context(icon + (mrkdwn if mrkdwn is not None else escape(text)))])
