"""The agent's migration creates exactly the tables the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm import sessionmaker

from bot.agent.describe import describe_write
from bot.agent.proposals import ProposalStore
from bot.database import make_engine, schema_differences, upgrade_bot
from tests.agent.conftest import RecordingExecutor

AGENT_TABLES = {"agent_conversations", "agent_proposals", "agent_proposal_items"}


def test_migration_matches_models_and_works(db_url, thread):
    engine = make_engine(db_url)
    try:
        upgrade_bot(engine)
        assert set(inspect(engine).get_table_names()) >= AGENT_TABLES
        assert [d for d in schema_differences(engine) if "agent_" in repr(d)] == []

        store = ProposalStore(sessionmaker(engine, expire_on_commit=False))
        batch = store.create_batch(
            "T1:U1",
            thread,
            [describe_write("affinity_create_note", {"content": "hi", "person_ids": [1]}, {})],
        )
        assert store.approve(batch.id, "T1:U1", RecordingExecutor()).acted == [0]
    finally:
        engine.dispose()
