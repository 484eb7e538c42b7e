"""The declarative base for the Slack app's own tables.

The bot's tables live in the same database as the vault's, under their own Alembic environment
(`bot/migrations`, version table `bot_alembic_version`), so the two schemas evolve independently.
Each feature declares its tables on this `Base` in its own module.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from vault.models import NAMING_CONVENTION  # one constraint-naming scheme for the database


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
