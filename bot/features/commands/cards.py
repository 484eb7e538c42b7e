"""Write cards: a message whose buttons write runs one write, whatever message it is clicked on.

A card is minted (a row, an unguessable id) when the message is built; every write button of
the message carries the id in its value. The first click claims the card with one conditional
UPDATE (`open` -> `running`, not expired, by its owner): exactly one caller wins, in any process
sharing the database, whatever `message_ts` or container the click arrives with. The winner
settles the card with the outcome (`done` + a one-line summary, or `unknown`), or gives it back
(`open`) when the write certainly did not happen, so that it can be clicked again.

A newer card for the same owner and command replaces the older one (`replaced`): two choosers
from a double-submitted command cannot write twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from bot.database import delete_older_than
from bot.features.commands.models import CommandWriteCard
from bot.features.commands.store import claim_digest

Clock = Callable[[], datetime]

OPEN, RUNNING, DONE, UNKNOWN, REPLACED = "open", "running", "done", "unknown", "replaced"
CARD_TTL = timedelta(hours=24)  # a card's buttons work this long
CARD_KEEP = timedelta(days=7)  # rows kept this long, so a late click still gets its answer
STALE_RUN = timedelta(minutes=10)  # a claim still `running` after this was interrupted


@dataclass(frozen=True)
class Card:
    id: str
    owner: str
    state: str
    outcome: str | None
    created_at: datetime
    expires_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Claim:
    """What a click got: `won` (run the write now), else the card as it is (None: unknown)."""

    won: bool
    card: Card | None
    refused: str | None = None  # "unknown" | "not_owner" | "expired" | "taken"


class WriteCards:
    def __init__(self, engine: Engine, clock: Clock, ttl: timedelta = CARD_TTL) -> None:
        self.engine, self.clock, self.ttl = engine, clock, ttl

    def mint(self, owner: str, command: str) -> str:
        """A new open card for `owner`'s `command`; an older open card for it is replaced."""
        card_id = secrets.token_urlsafe(12)
        digest = claim_digest("card", owner, " ".join(command.split()))
        now = self.clock()
        with self.engine.begin() as connection:
            connection.execute(
                update(CommandWriteCard)
                .where(
                    CommandWriteCard.command_digest == digest,
                    CommandWriteCard.owner == owner,
                    CommandWriteCard.state == OPEN,
                )
                .values(state=REPLACED, updated_at=now)
            )
            connection.execute(
                insert(CommandWriteCard).values(
                    id=card_id,
                    owner=owner,
                    command_digest=digest,
                    state=OPEN,
                    outcome=None,
                    created_at=now,
                    expires_at=now + self.ttl,
                    updated_at=now,
                )
            )
        return card_id

    def get(self, card_id: str) -> Card | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    CommandWriteCard.id,
                    CommandWriteCard.owner,
                    CommandWriteCard.state,
                    CommandWriteCard.outcome,
                    CommandWriteCard.created_at,
                    CommandWriteCard.expires_at,
                    CommandWriteCard.updated_at,
                ).where(CommandWriteCard.id == card_id[:32])
            ).first()
        return Card(*row) if row else None

    def claim(self, card_id: str, owner: str) -> Claim:
        """Open -> running for the card's owner while it has not expired; one caller wins."""
        now = self.clock()
        with self.engine.begin() as connection:
            won = (
                connection.execute(
                    update(CommandWriteCard)
                    .where(
                        CommandWriteCard.id == card_id[:32],
                        CommandWriteCard.owner == owner,
                        CommandWriteCard.state == OPEN,
                        CommandWriteCard.expires_at > now,
                    )
                    .values(state=RUNNING, updated_at=now)
                ).rowcount
                == 1
            )
        card = self.get(card_id)
        if won:
            return Claim(True, card)
        if card is None:
            return Claim(False, None, "unknown")
        if card.owner != owner:
            return Claim(False, card, "not_owner")
        if card.state == OPEN:
            return Claim(False, card, "expired")
        return Claim(False, card, "taken")

    def settle(self, card_id: str, state: str, outcome: str) -> None:
        """The claimed write finished: `done` or `unknown`, with what to tell a later click."""
        self._finish(card_id, state=state, outcome=outcome)

    def release(self, card_id: str) -> None:
        """The claimed write certainly did not happen (or was never reached): open again."""
        self._finish(card_id, state=OPEN, outcome=None)

    def _finish(self, card_id: str, **values: str | None) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(CommandWriteCard)
                .where(CommandWriteCard.id == card_id[:32], CommandWriteCard.state == RUNNING)
                .values(updated_at=self.clock(), **values)
            )

    def prune(self, older_than: timedelta = CARD_KEEP) -> int:
        return delete_older_than(
            self.engine, CommandWriteCard.created_at, self.clock() - older_than
        )
