"""Personal bearer tokens for the MCP server: whoever presents one acts as its identifier.

A token is 256 random bits (`afmcp_` + URL-safe text), shown once when it is created; only its
SHA-256 digest is stored, with a short hint (its first characters) so a list can tell tokens
apart. A token is created by its owner in Slack (`/affinity mcp-token`) or by an operator for a
non-Slack account (`affinity-bot accounts token <identifier>`); it is listed and revoked on the
owner's App Home, and erased with the account's other data when it is disconnected or removed
(bot/erasure.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import sessionmaker

from bot.models import McpToken

PREFIX = "afmcp_"
HINT_LENGTH = len(PREFIX) + 4
LABEL_MAX = 100
# last_used_at is written at most this often per token (a busy agent must not write each call)
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenInfo:
    """A token as it may be shown: never the token itself."""

    id: str
    identifier: str
    label: str
    hint: str
    created_via: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _info(row: McpToken) -> TokenInfo:
    return TokenInfo(
        row.id,
        row.identifier,
        row.label,
        row.hint,
        row.created_via,
        row.created_at,
        row.last_used_at,
        row.revoked_at,
    )


class TokenStore:
    """Create, check, list and revoke MCP tokens in the bot's database. Thread-safe."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock

    def create(self, identifier: str, label: str, *, via: str) -> tuple[str, TokenInfo]:
        """A new token for `identifier`: (the token, to show once; what may be listed)."""
        token = PREFIX + secrets.token_urlsafe(32)
        row = McpToken(
            id=uuid.uuid4().hex,
            token_digest=digest(token),
            identifier=identifier,
            label=(label.strip() or "MCP token")[:LABEL_MAX],
            hint=token[:HINT_LENGTH],
            created_via=via,
            created_at=self._clock(),
        )
        with self._sessions.begin() as session:
            session.add(row)
        return token, _info(row)

    def identifier_for(self, token: str | None) -> str | None:
        """The identifier a live token acts as, or None (unknown, malformed or revoked)."""
        if not token or not token.startswith(PREFIX) or len(token) > 200:
            return None
        wanted = digest(token)
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.scalars(select(McpToken).where(McpToken.token_digest == wanted)).first()
            # the lookup is by digest; compare again in constant time all the same
            if row is None or row.revoked_at is not None:
                return None
            if not hmac.compare_digest(row.token_digest, wanted):
                return None
            if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
                row.last_used_at = now
            return row.identifier

    def list(self, identifier: str, *, include_revoked: bool = False) -> list[TokenInfo]:
        """The identifier's tokens, newest first."""
        query = select(McpToken).where(McpToken.identifier == identifier)
        if not include_revoked:
            query = query.where(McpToken.revoked_at.is_(None))
        query = query.order_by(McpToken.created_at.desc(), McpToken.id)
        with self._sessions.begin() as session:
            return [_info(row) for row in session.scalars(query)]

    def revoke(self, identifier: str, token_id: str) -> bool:
        """Revoke one of the identifier's own tokens; False if it has no such live token."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(McpToken)
                .where(
                    McpToken.id == token_id,
                    McpToken.identifier == identifier,
                    McpToken.revoked_at.is_(None),
                )
                .values(revoked_at=self._clock())
            )
            return bool(getattr(result, "rowcount", 0))


__all__ = ["PREFIX", "TokenInfo", "TokenStore", "digest"]
