"""Start-up refuses a vault whose master key ids are not all configured (`db upgrade`,
`vault rotate`, `console`; `run` is covered with real processes in test_two_os_processes.py),
and repairs what earlier versions got wrong (`vault repair`, also run at every start)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import update

from bot.cli import main
from bot.database import upgrade_all
from tests.vault.conftest import profile
from vault import UNREADABLE_REASON, Vault, make_engine
from vault.keyring import generate_key_entry, parse_master_keys
from vault.models import AccountRow
from vault.repair import RESTORED_REASON

A = ("affinity", "T1:U1")


@pytest.fixture
def deployment(tmp_path, monkeypatch):
    """A configured deployment on a SQLite file whose account A is sealed with key `k-a`."""
    for name in ("DATABASE_URL", "VAULT_MASTER_KEYS", "AFFINITY_BOT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    upgrade_all(url)
    entry = generate_key_entry("k-a")
    engine = make_engine(url)
    Vault(engine, parse_master_keys(entry)).connect(*A, "key-one-1234567", profile())
    yield engine, entry
    engine.dispose()


@pytest.mark.parametrize("command", [["db", "upgrade"], ["vault", "rotate"], ["vault", "repair"]])
def test_a_missing_master_key_id_stops_the_command_with_one_clear_message(
    deployment, monkeypatch, capsys, command
):
    engine, _entry = deployment
    monkeypatch.setenv("VAULT_MASTER_KEYS", generate_key_entry("k-b"))

    assert main(command) == 2

    err = capsys.readouterr().err
    assert "k-a" in err and "VAULT_MASTER_KEYS" in err and "forget-key" in err
    assert "Traceback" not in err and err.count("\n") == 1
    with engine.connect() as connection:
        assert (
            connection.scalar(AccountRow.__table__.select().with_only_columns(AccountRow.status))
            == "ACTIVE"
        )


def test_vault_repair_restores_an_account_an_earlier_version_revoked(
    deployment, monkeypatch, capsys
):
    engine, entry = deployment
    with engine.begin() as connection:  # what a process started without k-a used to do
        connection.execute(
            update(AccountRow).values(status="REVOKED", status_reason=UNREADABLE_REASON)
        )
    monkeypatch.setenv("VAULT_MASTER_KEYS", f"{generate_key_entry('k-b')},{entry}")

    assert main(["vault", "repair"]) == 0

    assert "restored 1 account" in capsys.readouterr().out
    vault = Vault(engine, parse_master_keys(entry))
    assert vault.get_account(*A).status == "ACTIVE"
    assert vault.status_history(*A)[-1].reason == RESTORED_REASON
    assert vault.get_credential(*A).reveal() == "key-one-1234567"


def test_forget_key_is_the_way_out_for_a_key_lost_for_good(deployment, monkeypatch, capsys):
    engine, _entry = deployment
    monkeypatch.setenv("VAULT_MASTER_KEYS", generate_key_entry("k-b"))
    assert main(["vault", "forget-key", "k-b"]) == 2  # configured: nothing to forget
    assert main(["vault", "forget-key", "k-a"]) == 0
    assert main(["db", "upgrade"]) == 0
    assert "disconnected 1 account" in capsys.readouterr().out
    vault = Vault(engine, parse_master_keys(generate_key_entry("k-b")))
    assert vault.get_account(*A).status == "PENDING"


def test_the_console_refuses_a_database_sealed_with_another_key(tmp_path, capsys):
    from bot.console import main as console_main
    from bot.console.runtime import console_database_url

    environ = {"AFFINITY_BOT_DATA_DIR": str(tmp_path)}
    url = console_database_url(environ)
    upgrade_all(url)
    engine = make_engine(url)
    Vault(engine, parse_master_keys(generate_key_entry("k-a"))).connect(
        *A, "key-one-1234567", profile()
    )
    engine.dispose()
    out = io.StringIO()

    status = console_main(
        stdin=io.StringIO("/quit\n"),
        stdout=out,
        environ={**environ, "VAULT_MASTER_KEYS": generate_key_entry("k-b")},
    )

    assert status == 2
    err = capsys.readouterr().err
    assert "k-a" in err and "Traceback" not in err
    assert "Affinity for Slack" not in out.getvalue()  # never got as far as the banner
