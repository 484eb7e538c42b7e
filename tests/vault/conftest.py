"""Vault fixtures: keyrings, an upgraded database on SQLite and PostgreSQL, a vault over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from vault import AffinityProfile, Vault, db
from vault.keyring import Keyring, generate_key_entry, parse_master_keys

PLANTED_KEY = "PLANTEDaffinityKEY0123456789abcdefXYZ"  # searched for in every output


def keyring_of(*kids: str) -> Keyring:
    return parse_master_keys(",".join(generate_key_entry(kid) for kid in kids))


def profile(user_id: int = 7, tenant_id: int = 1) -> AffinityProfile:
    return AffinityProfile(
        user_id=user_id,
        user_name=f"User {user_id}",
        user_email=f"u{user_id}@firm.example",
        tenant_id=tenant_id,
        tenant_name="Firm",
        tenant_subdomain="firm",
    )


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'vault.db'}")
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def keyring() -> Keyring:
    return keyring_of("k1")


@pytest.fixture
def vault(engine: Engine, keyring: Keyring) -> Vault:
    return Vault(engine, keyring)
