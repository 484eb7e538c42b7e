"""Identifiers of accounts made outside Slack, and how they differ from Slack users'.

A Slack user's account is `T…:U…` (`T…:U…:E…` on Enterprise Grid, `bot.connector.identifier_for`):
it always contains ':'. An *external identifier* is 1 to 255 characters from letters, digits and
`. _ @ + -`, starting with a letter or digit, and never a ':' — e.g. `user_aff_123` or
`ana@firm.com` — so the two kinds can never collide, and erasing a Slack workspace (`T…:` prefix)
never touches one. This module imports nothing of the app, so Slack features can use it.
"""

from __future__ import annotations

import re

EXTERNAL_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+\-]{0,254}")
FORMAT = (
    "1 to 255 characters from letters, digits and . _ @ + -, starting with a letter or digit "
    "(for example user_aff_123 or ana@firm.com)"
)


class AccountProblem(ValueError):
    """What was wrong with an accounts request; `str()` is the one line for the operator."""


def is_slack_identifier(identifier: str) -> bool:
    """True for a Slack user's identifier (`T…:U…`); external identifiers never hold ':'."""
    return ":" in identifier


def check_external(identifier: str) -> str:
    """The identifier if it is a valid external identifier; `AccountProblem` otherwise."""
    if is_slack_identifier(identifier):
        raise AccountProblem(
            f"{identifier!r} is a Slack user's identifier: Slack users connect their own key "
            "in Slack with /affinity connect."
        )
    if not EXTERNAL_IDENTIFIER.fullmatch(identifier):
        raise AccountProblem(f"{identifier!r} is not a valid identifier: use {FORMAT}.")
    return identifier


def recredential_step(identifier: str) -> str:
    """What the owner of an identifier does to (re)connect their Affinity key."""
    if is_slack_identifier(identifier):
        return "reconnect in Slack with `/affinity connect`"
    return f"run `affinity-bot accounts add {identifier}` with a current Affinity API key"


__all__ = [
    "EXTERNAL_IDENTIFIER",
    "FORMAT",
    "AccountProblem",
    "check_external",
    "is_slack_identifier",
    "recredential_step",
]
