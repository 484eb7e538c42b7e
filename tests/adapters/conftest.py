"""Fixtures of the adapter tests: the app's services on a fresh SQLite copy, over the sandbox."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from affinity_client.sandbox import seed
from bot.config import Settings
from bot.services import Services
from vault import AffinityProfile

ADMIN, STANDARD, REVOKED_USER = seed.USERS[:3]
AGENT_ID = "user_aff_123"


def profile_for(user: dict[str, Any]) -> AffinityProfile:
    return AffinityProfile(
        user["person_id"],
        f"{user['first_name']} {user['last_name']}",
        user["email"],
        seed.TENANT["id"],
        seed.TENANT["name"],
        seed.TENANT["subdomain"],
    )


@pytest.fixture
def database_url(tmp_path_factory, upgraded_sqlite_template) -> str:
    copy = tmp_path_factory.mktemp("adapters-db") / "affinity-bot.db"
    shutil.copyfile(upgraded_sqlite_template, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def services(database_url, sandbox, vault_keyring) -> Iterator[Services]:
    settings = Settings(database_url=database_url, affinity_base_url=sandbox.base_url)
    built = Services.build(settings, keyring=vault_keyring)
    yield built
    built.close()


def connect(services: Services, identifier: str, user: dict[str, Any]) -> None:
    services.vault.connect("affinity", identifier, user["api_key"], profile_for(user))


def note_writes(sandbox: Any) -> int:
    """How many notes were written to the sandbox (searches are POSTs too, so count by path)."""
    return sum(1 for r in sandbox.state.requests if r["method"] == "POST" and "notes" in r["path"])


def a_meeting_of(sandbox: Any, user: dict[str, Any]) -> dict[str, Any]:
    """One of the user's seeded meetings with people from outside the firm."""
    return next(
        m
        for m in sandbox.state.world.meetings.values()
        if m["organizer_id"] == user["person_id"] and m["person_ids"] and not m["private"]
    )
