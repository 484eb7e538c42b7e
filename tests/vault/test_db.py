"""The schema: URLs, migrations step by step, and processes starting at the same time."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, inspect, select, text

from tests.vault.conftest import keyring_of
from vault import Vault, db
from vault.models import AccountRow, StatusChangeRow

_fork = multiprocessing.get_context("fork")


def test_fresh_upgrade_matches_models(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    db.upgrade(engine)  # idempotent
    assert db.schema_differences(engine) == []
    assert db.current_revision(engine) == "0002_cached_lists"
    engine.dispose()


def test_step_by_step_upgrade_ends_at_the_same_schema(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.upgrade(engine, "0001_connected_accounts")
    assert "vault_account_lists" not in inspect(engine).get_table_names()
    assert db.schema_differences(engine) != []
    with engine.begin() as conn:  # an account made by the old code survives the upgrade
        conn.execute(
            text(
                "INSERT INTO vault_connected_accounts (connection_name, identifier, status, "
                "status_changed_at, created_at, updated_at) VALUES ('affinity', 'T1:U1', "
                "'PENDING', :now, :now, :now)"
            ),
            {"now": datetime.now(UTC)},
        )
    db.upgrade(engine, "0002_cached_lists")
    assert db.schema_differences(engine) == []
    account = Vault(engine, keyring_of("k1")).get_account("affinity", "T1:U1")
    assert account is not None and account.lists == () and account.lists_fetched_at is None
    engine.dispose()


def test_other_tables_in_the_same_database_are_left_alone(db_url: str) -> None:
    engine = db.make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE slack_installations (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE slack_alembic_version (version_num VARCHAR(32))"))
    db.upgrade(engine)
    assert db.schema_differences(engine) == []
    assert {"slack_installations", "slack_alembic_version"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_is_normalised(given: str, expected: str) -> None:
    assert db.database_url({"DATABASE_URL": given}) == expected


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path) -> None:
    data = tmp_path / "nested" / "data"
    url = db.database_url({"AFFINITY_BOT_DATA_DIR": str(data)})
    assert url == f"sqlite:///{data.resolve() / 'affinity-bot.db'}"
    assert data.is_dir()


def _start_up(url: str, barrier, results) -> None:
    barrier.wait()
    try:
        db.upgrade(url)
        results.put("ok")
    except Exception as exc:  # reported to the parent
        results.put(repr(exc))


def _create_account(url: str, barrier, results) -> None:
    engine = db.make_engine(url)
    vault = Vault(engine, keyring_of("k1"))
    barrier.wait()
    try:
        results.put(vault.get_or_create_connected_account("affinity", "T1:U1").id)
    except Exception as exc:
        results.put(repr(exc))
    finally:
        engine.dispose()


def _run_together(target, url: str, count: int = 4) -> list[object]:
    barrier, results = _fork.Barrier(count), _fork.Queue()
    processes = [_fork.Process(target=target, args=(url, barrier, results)) for _ in range(count)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return outcomes


def test_processes_upgrading_at_once_all_succeed(db_url: str) -> None:
    assert _run_together(_start_up, db_url) == ["ok"] * 4
    engine = db.make_engine(db_url)
    assert db.schema_differences(engine) == []
    engine.dispose()


def test_processes_racing_to_create_an_account_make_exactly_one(db_url: str) -> None:
    db.upgrade(db_url)
    ids = _run_together(_create_account, db_url)
    assert len(set(ids)) == 1 and isinstance(ids[0], int), ids
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AccountRow)) == 1
        assert conn.scalar(select(func.count()).select_from(StatusChangeRow)) == 1
    engine.dispose()


def test_downgrade_to_base_removes_only_the_vaults_tables(db_url: str) -> None:
    from alembic import command

    engine = db.make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE slack_bots (id INTEGER PRIMARY KEY)"))
    db.upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(db.alembic_config(conn), "base")
    tables = set(inspect(engine).get_table_names())
    assert not any(name.startswith("vault_") for name in tables)
    assert "slack_bots" in tables
    db.upgrade(engine)
    assert db.schema_differences(engine) == []
    engine.dispose()
