"""The PostgreSQL fixture: skips without a server, but fails loudly in CI."""

from __future__ import annotations

import pytest

from tests.plugins import postgres


def test_missing_postgres_skips_with_the_reason(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL unavailable: no initdb"):
        postgres._unavailable("no initdb")


def test_missing_postgres_fails_in_ci(monkeypatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required in CI: no initdb"):
        postgres._unavailable("no initdb")


def test_binaries_are_found_on_path_or_in_the_debian_location(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    found = postgres._find_bindir()
    assert found is None or (found / "initdb").exists()


def test_each_test_gets_its_own_empty_database(postgres_url: str) -> None:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(postgres_url)
    assert inspect(engine).get_table_names() == []
    assert engine.url.database.startswith("test_")
    engine.dispose()
