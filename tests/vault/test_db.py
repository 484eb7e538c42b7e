"""The schema: migrations, URL handling, and concurrent start-up."""

from __future__ import annotations

from vault import db


def test_fresh_upgrade_matches_models(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    assert db.schema_differences(engine) == []
    engine.dispose()
