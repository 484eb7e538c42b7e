"""External identifiers linked to Slack users' accounts.

A Slack user may let their own agents reach Affinity with their key under an external identifier
(e.g. `ana@firm.com`, for `get_tools("ana@firm.com")` or `affinity-bot mcp --identifier
ana@firm.com`). The link is made only by that user, in the connect modal, together with their
key; nothing else creates one (the CLI refuses to). A linked identifier cannot also have a key of
its own, and one Slack user's link is never taken over by another: both are refused in the modal.
Disconnecting in Slack removes the user's links (bot/erasure.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from bot.models import AccountLink


class Links:
    """The `account_links` table."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock

    def owner(self, external_identifier: str) -> str | None:
        """The Slack identifier an external identifier stands for, or None."""
        with self._sessions.begin() as session:
            link = session.get(AccountLink, external_identifier)
            return link.identifier if link else None

    def resolve(self, identifier: str) -> str:
        """The account an identifier names: its Slack owner's if linked, else itself."""
        return self.owner(identifier) or identifier

    def link(self, external_identifier: str, identifier: str) -> None:
        """Link (or keep linked) `external_identifier` to the Slack user `identifier`.

        The caller has checked that no one else holds it (`owner`)."""
        with self._sessions.begin() as session:
            link = session.get(AccountLink, external_identifier)
            if link is None:
                session.add(
                    AccountLink(
                        external_identifier=external_identifier,
                        identifier=identifier,
                        linked_at=self._clock(),
                    )
                )
            elif link.identifier != identifier:
                raise ValueError("that identifier is linked to another Slack user")

    def links_of(self, identifier: str) -> list[str]:
        with self._sessions.begin() as session:
            query = select(AccountLink.external_identifier).where(
                AccountLink.identifier == identifier
            )
            return sorted(session.scalars(query))


__all__ = ["Links"]
