"""The connector: the one path to Affinity (refusals, 401 -> REVOKED once, 403 explained,
pooled clients, audit rows, isolation), offline against the sandbox."""

from __future__ import annotations

import logging
import shutil
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from affinity_client.errors import NotFoundError, ToolInputError
from affinity_client.sandbox import seed
from bot.config import Settings
from bot.connector import (
    Connector,
    KeyRevokedError,
    NotConnectedError,
    PermissionProblem,
    explain_forbidden,
    identifier_for,
    parse_identifier,
)
from bot.database import upgrade_all
from bot.models import AuditLogEntry
from bot.services import Services
from vault import AffinityProfile

ALICE = identifier_for("T1", "UALICE")
BOB = identifier_for("T1", "UBOB")
CAROL_OTHER_TEAM = identifier_for("T2", "UCAROL")


def profile_for(user: dict) -> AffinityProfile:
    return AffinityProfile(
        user["person_id"],
        f"{user['first_name']} {user['last_name']}",
        user["email"],
        seed.TENANT["id"],
        seed.TENANT["name"],
        seed.TENANT["subdomain"],
    )


ADMIN, STANDARD, REVOKED_USER = seed.USERS[:3]


@pytest.fixture
def services(tmp_path_factory, upgraded_sqlite_template, sandbox, vault_keyring):
    copy = tmp_path_factory.mktemp("connector-db") / "affinity-bot.db"
    shutil.copyfile(upgraded_sqlite_template, copy)
    settings = Settings(database_url=f"sqlite:///{copy}", affinity_base_url=sandbox.base_url)
    built = Services.build(settings, keyring=vault_keyring)
    yield built
    built.close()


@pytest.fixture
def connector(services) -> Connector:
    return services.connector


def connect(services, identifier, user) -> None:
    services.vault.connect("affinity", identifier, user["api_key"], profile_for(user))


def audit_rows(services) -> list[AuditLogEntry]:
    with Session(services.engine) as session:
        return list(session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id)))


def test_identifiers_are_per_workspace_and_round_trip():
    assert identifier_for("T1", "U1") != identifier_for("T2", "U1")
    assert identifier_for("T1", "U1", "E1") != identifier_for("T1", "U1")
    user = parse_identifier(identifier_for("T1", "U1", "E9"))
    assert (user.team_id, user.user_id, user.enterprise_id) == ("T1", "U1", "E9")
    with pytest.raises(ValueError):
        identifier_for("T1", "U:1")


def test_never_connected_is_refused_with_how_to_connect(connector, sandbox):
    with pytest.raises(NotConnectedError) as caught:
        connector.execute_tool(ALICE, "affinity_list_lists", {})
    assert "/affinity connect" in str(caught.value)
    assert sandbox.state.requests == []


def test_active_account_runs_the_tool_and_audits_without_secrets(connector, services, sandbox):
    connect(services, ALICE, ADMIN)
    result = connector.execute_tool(ALICE, "affinity_list_lists", {})
    assert any(item["id"] == seed.PRIVATE_LIST_ID for item in result["lists"])
    [row] = audit_rows(services)
    assert (row.identifier, row.tool, row.outcome) == (ALICE, "affinity_list_lists", "ok")
    assert row.duration_ms >= 0 and row.reference


def test_note_text_never_reaches_the_audit_log(connector, services):
    connect(services, ALICE, ADMIN)
    secret_note = "Founder mentioned a confidential term sheet from Sequoia"
    connector.execute_tool(
        ALICE, "affinity_create_note", {"content": secret_note, "person_ids": [seed.JANE_ID]}
    )
    [row] = audit_rows(services)
    text = repr([getattr(row, c.name) for c in AuditLogEntry.__table__.columns])
    assert "Sequoia" not in text and ADMIN["api_key"] not in text
    assert row.tool == "affinity_create_note" and row.outcome == "ok"


def test_clients_are_pooled_per_account(connector, services):
    connect(services, ALICE, ADMIN)
    connector.execute_tool(ALICE, "affinity_list_lists", {})
    first = connector.pool.peek(ALICE)
    connector.execute_tool(ALICE, "affinity_list_lists", {})
    assert connector.pool.peek(ALICE) is first
    assert len(connector.pool) == 1
    # A reconnect with another key gets a fresh client.
    connect(services, ALICE, STANDARD)
    connector.execute_tool(ALICE, "affinity_list_lists", {})
    assert connector.pool.peek(ALICE) is not first


def test_a_new_client_knows_the_cached_lists_so_a_deal_reads_no_list(connector, services, sandbox):
    connect(services, ALICE, ADMIN)
    connector.lists(ALICE, refresh=True)  # cached, as at connect
    connector.evict(ALICE)  # a new client: nothing read on it yet
    sandbox.state.clear_requests()
    deal = connector.execute_tool(
        ALICE, "affinity_get_opportunity", {"opportunity_id": seed.ACME_DEAL_ID}
    )
    assert deal["list"]["name"] == "Series A Pipeline"
    paths = [r["path"] for r in sandbox.state.requests]
    assert len(paths) == 2 and not any(p.startswith("/lists") for p in paths)


def test_lists_read_from_any_surface_refresh_the_users_cached_lists(connector, services, sandbox):
    """The assistant's or a notification's read of the lists, not only /affinity lists,
    brings a rename in Affinity into the cache; a read of one type of list does not replace
    the whole cache with it."""
    connect(services, ALICE, ADMIN)
    connector.lists(ALICE, refresh=True)
    sandbox.state.world.lists[201]["name"] = "Series A"
    connector.evict(ALICE)  # past the minute a client keeps what it read
    connector.execute_tool(ALICE, "affinity_list_lists", {})
    cached = {item.id: item.name for item in connector.lists(ALICE)}
    assert cached[201] == "Series A" and len(cached) == len(sandbox.state.world.lists)

    connector.execute_tool(ALICE, "affinity_list_lists", {"type": "person"})
    assert {item.id: item.name for item in connector.lists(ALICE)} == cached


def test_lists_cached_over_an_hour_ago_do_not_name_a_deals_list(connector, services, sandbox):
    connect(services, ALICE, ADMIN)
    connector.lists(ALICE, refresh=True)
    sandbox.state.world.lists[201]["name"] = "Series A"  # renamed in Affinity since
    deal = {"opportunity_id": seed.ACME_DEAL_ID}
    assert connector.execute_tool(ALICE, "affinity_get_opportunity", deal)["list"]["name"] == (
        "Series A Pipeline"  # within the hour: the cached name, no request for it
    )
    later = datetime.now(UTC) + timedelta(minutes=61)
    connector.clock = lambda: later
    connector.evict(ALICE)
    sandbox.state.clear_requests()
    assert connector.execute_tool(ALICE, "affinity_get_opportunity", deal)["list"]["name"] == (
        "Series A"
    )
    assert any(r["path"].startswith("/lists") for r in sandbox.state.requests)


def test_401_revokes_once_and_tells_the_user_once(connector, services, sandbox):
    connect(services, ALICE, ADMIN)
    told: list[tuple[str, str]] = []
    connector.on_revoked(lambda ident, account: told.append((ident, account.status)))
    sandbox.state.revoke_key(ADMIN["api_key"])
    with pytest.raises(KeyRevokedError) as caught:
        connector.execute_tool(ALICE, "affinity_search_persons", {"term": "jane"})
    assert "/affinity connect" in str(caught.value)
    account = connector.account(ALICE)
    assert account.status == "REVOKED" and "401" in account.status_reason
    assert ALICE not in connector.pool
    for _ in range(3):  # later calls are refused before Affinity is asked
        with pytest.raises(NotConnectedError) as refused:
            connector.execute_tool(ALICE, "affinity_search_persons", {"term": "jane"})
        assert refused.value.status == "REVOKED"
    assert told == [(ALICE, "REVOKED")]
    assert [r.outcome for r in audit_rows(services)] == ["revoked", "refused", "refused", "refused"]
    assert audit_rows(services)[0].affinity_status == 401


def test_401_on_an_old_key_does_not_revoke_a_fresh_one(connector, services, sandbox):
    connect(services, ALICE, REVOKED_USER)  # this key answers 401
    old = services.vault.get_credential("affinity", ALICE)
    connect(services, ALICE, ADMIN)  # reconnected meanwhile
    assert connector.revoked(ALICE, "old key refused", old) is False
    assert connector.account(ALICE).status == "ACTIVE"
    assert connector.execute_tool(ALICE, "affinity_list_lists", {})["lists"]


def test_a_deal_on_the_private_list_is_explained_as_its_list(connector, services, sandbox):
    connect(services, ALICE, STANDARD)
    secret = next(
        o for o in sandbox.state.opportunities.values() if o["list_id"] == seed.PRIVATE_LIST_ID
    )
    with pytest.raises(PermissionProblem) as caught:
        connector.execute_tool(ALICE, "affinity_get_opportunity", {"opportunity_id": secret["id"]})
    assert str(caught.value).startswith("You don't have access to this deal's list")
    assert connector.account(ALICE).status == "ACTIVE"


def test_403_on_the_private_list_is_explained_and_account_stays_active(connector, services):
    connect(services, ALICE, STANDARD)
    with pytest.raises(PermissionProblem) as caught:
        connector.execute_tool(
            ALICE, "affinity_list_opportunities", {"list_id": seed.PRIVATE_LIST_ID}
        )
    assert "private list" in str(caught.value)
    assert connector.account(ALICE).status == "ACTIVE"
    [row] = audit_rows(services)
    assert (row.outcome, row.affinity_status, row.error_kind) == ("denied", 403, "permission")


@pytest.mark.parametrize(
    ("tool", "said", "expected"),
    [
        (
            "affinity_list_opportunities",
            "Insufficient rights to a resource",
            "Export data from Lists",
        ),
        ("affinity_get_relationship_strength", "Forbidden", "Export All People directory"),
        ("affinity_search_organizations", "Forbidden", "Export All Organizations directory"),
        ("affinity_search_persons", "Request from IP address not in the allowlist", "IP allowlist"),
        ("affinity_get_person", "This endpoint requires an admin", "admins"),
        ("affinity_create_note", "Only the creator of a note can change or delete it", "creator"),
        ("affinity_search_persons", "Forbidden", "lacks a permission"),
    ],
)
def test_403_explanations(tool, said, expected):
    from affinity_client.errors import PermissionDeniedError

    assert expected in explain_forbidden(tool, PermissionDeniedError(said, status=403))


def test_other_errors_pass_through_and_are_audited(connector, services, sandbox):
    connect(services, ALICE, ADMIN)
    with pytest.raises(ToolInputError):
        connector.execute_tool(ALICE, "affinity_get_person", {})
    with pytest.raises(NotFoundError):
        connector.execute_tool(ALICE, "affinity_get_person", {"person_id": 99999999})
    assert connector.account(ALICE).status == "ACTIVE"
    kinds = [(r.outcome, r.error_kind) for r in audit_rows(services)]
    assert kinds == [("error", "ToolInputError"), ("error", "NotFoundError")]


def test_unreadable_credential_asks_for_reconnection(connector, services):
    from vault.models import AccountRow

    connect(services, ALICE, ADMIN)
    connect(services, BOB, STANDARD)
    # Copy Bob's sealed credential into Alice's row: it must not open (and never as Bob's key).
    with Session(services.engine) as session, session.begin():
        rows = {r.identifier: r for r in session.scalars(select(AccountRow))}
        for column in ("ciphertext", "wrapped_key", "kid", "format_version"):
            if hasattr(rows[BOB], column):
                setattr(rows[ALICE], column, getattr(rows[BOB], column))
    with pytest.raises(NotConnectedError) as caught:
        connector.execute_tool(ALICE, "affinity_list_lists", {})
    assert caught.value.status == "REVOKED"
    assert "Reconnect" in str(caught.value)


@pytest.mark.parametrize("other", [BOB, CAROL_OTHER_TEAM])
def test_isolation_each_identifier_uses_only_its_own_key(connector, services, sandbox, other):
    connect(services, ALICE, ADMIN)
    connect(services, other, STANDARD)
    sandbox.state.clear_requests()
    barrier = threading.Barrier(8)
    whoami: dict[str, set[int]] = {ALICE: set(), other: set()}

    def call(identifier: str) -> None:
        barrier.wait()
        for _ in range(5):
            connector.execute_tool(identifier, "affinity_list_lists", {})

    threads = [threading.Thread(target=call, args=(ident,)) for ident in (ALICE, other) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for request in sandbox.state.requests:
        whoami.setdefault("users", set()).add(request["user_id"])
    assert whoami["users"] == {ADMIN["person_id"], STANDARD["person_id"]}
    # Alice's calls saw the private list (admin), the other user's never did.
    assert any(
        i["id"] == seed.PRIVATE_LIST_ID
        for i in connector.execute_tool(ALICE, "affinity_list_lists", {})["lists"]
    )
    assert all(
        i["id"] != seed.PRIVATE_LIST_ID
        for i in connector.execute_tool(other, "affinity_list_lists", {})["lists"]
    )
    # Revoking one account leaves the other untouched.
    sandbox.state.revoke_key(STANDARD["api_key"])
    with pytest.raises(KeyRevokedError):
        connector.execute_tool(other, "affinity_list_lists", {})
    assert connector.account(ALICE).status == "ACTIVE"
    assert connector.execute_tool(ALICE, "affinity_list_lists", {})["lists"]


def test_planted_key_never_logged_or_shown(connector, services, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    connect(services, ALICE, ADMIN)
    messages = []
    for action in (
        lambda: connector.execute_tool(ALICE, "affinity_list_lists", {}),
        lambda: sandbox.state.revoke_key(ADMIN["api_key"]),
        lambda: connector.execute_tool(ALICE, "affinity_list_lists", {}),
        lambda: connector.execute_tool(ALICE, "affinity_list_lists", {}),
    ):
        try:
            action()
        except Exception as error:  # collect what a user would see
            messages += [str(error), repr(error)]
    assert messages
    everything = "\n".join(
        messages
        + [r.getMessage() for r in caplog.records]
        + [repr(r.__dict__) for r in caplog.records]
    )
    assert ADMIN["api_key"] not in everything


def test_executor_for_is_bound_to_one_user(connector, services):
    connect(services, ALICE, ADMIN)
    execute = connector.executor_for(ALICE)
    assert execute("affinity_list_lists", {})["lists"]
    with pytest.raises(NotConnectedError):
        connector.executor_for(BOB)("affinity_list_lists", {})


def test_the_connector_tables_match_their_models(tmp_path):
    from sqlalchemy import inspect

    from bot.database import make_engine, schema_differences

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade_all(url)
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"connector_claims", "connector_tenant_pins"} <= tables
        assert [d for d in schema_differences(engine) if "connector" in repr(d)] == []
    finally:
        engine.dispose()


def test_an_eviction_never_closes_a_client_a_call_is_still_using():
    from bot.connector import ClientPool
    from vault import Secret

    closed: list[str] = []

    class FakeClient:
        def __init__(self, key: str) -> None:
            self.key = key

        def close(self) -> None:
            closed.append(self.key)

    pool = ClientPool(FakeClient, size=1)  # type: ignore[arg-type]
    with pool.lease("A", Secret("key-a-123456")) as client:
        pool.evict("A")
        assert closed == []  # still in use by this call
        assert client.key == "key-a-123456"
    assert closed == ["key-a-123456"]
    with pool.lease("B", Secret("key-b-123456")), pool.lease("C", Secret("key-c-123456")):
        assert "B" not in pool and closed == ["key-a-123456"]  # over the size, but in use
    assert closed == ["key-a-123456", "key-b-123456"]
    pool.close()
    assert closed[-1] == "key-c-123456"
