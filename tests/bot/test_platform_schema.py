"""The bot's schema: migrations produce exactly the models, on SQLite and PostgreSQL, once."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.database import (
    VERSION_TABLE,
    alembic_config,
    make_engine,
    schema_differences,
    upgrade_all,
)

PLATFORM_TABLES = {
    "slack_event_receipts",
    "audit_log",
    "slack_installations",
    "slack_bots",
    "slack_oauth_states",
}


def test_a_fresh_database_matches_the_models(db_url):
    upgrade_all(db_url)

    engine = make_engine(db_url)
    try:
        assert schema_differences(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert tables >= PLATFORM_TABLES
        assert {VERSION_TABLE, "alembic_version"} <= tables  # bot and vault keep separate histories
        assert any(name.startswith("vault_") for name in tables)
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade_all(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            before = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
        upgrade_all(engine)
        with engine.connect() as connection:
            after = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    finally:
        engine.dispose()
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert sorted(before) == sorted(after)
    assert {row[0] for row in after} == heads


@pytest.mark.slow
def test_two_processes_starting_at_once_upgrade_safely(db_url):
    script = textwrap.dedent(
        f"""
        from bot.database import upgrade_all
        upgrade_all({db_url!r})
        """
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [p.communicate(timeout=60)[1] for p in processes]

    assert [p.returncode for p in processes] == [0, 0], errors
    engine = make_engine(db_url)
    try:
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_upgrade_all_without_a_url_uses_the_configured_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "unset")  # recorded, so the .env value is undone after
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("AFFINITY_BOT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'from-env-file.db'}\n")

    upgrade_all()

    assert (tmp_path / "from-env-file.db").exists()
    assert not (tmp_path / "data" / "affinity-bot.db").exists()
