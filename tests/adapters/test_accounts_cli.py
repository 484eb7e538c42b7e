"""`affinity-bot accounts ...`: connected accounts without Slack, with the modal's semantics
(whoami first, the same statuses and history), the key never on the command line or in output."""

from __future__ import annotations

import io
import sys

import pytest
from sqlalchemy import create_engine, text

from bot.adapters.accounts import check_external, is_slack_identifier
from bot.adapters.tokens import TokenStore
from bot.cli import main
from bot.connector import identifier_for, parse_identifier
from bot.services import utc_now
from tests.adapters.conftest import ADMIN, AGENT_ID, REVOKED_USER
from vault.keyring import generate_key_entry


@pytest.fixture
def cli(database_url, sandbox, monkeypatch, tmp_path, capsys):
    """`cli(*args, stdin="")` -> (exit code, stdout, stderr), configured by the environment."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("AFFINITY_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("VAULT_MASTER_KEYS", generate_key_entry("cli"))

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_add_checks_the_key_with_affinity_and_lists_status_and_history(cli):
    code, out, err = cli("accounts", "add", AGENT_ID, stdin=ADMIN["api_key"] + "\n")
    assert code == 0, err
    assert f"{AGENT_ID}: connected as {ADMIN['first_name']}" in out
    code, out, _ = cli("accounts", "list")
    assert code == 0 and f"{AGENT_ID}\texternal\tACTIVE" in out
    code, out, _ = cli("accounts", "status", AGENT_ID)
    assert code == 0
    assert "checked with Affinity just now" in out
    assert "None -> PENDING" not in out and "- -> PENDING (created)" in out
    assert "PENDING -> ACTIVE (connected)" in out
    code, out, _ = cli("accounts", "add", AGENT_ID, stdin=ADMIN["api_key"])
    code, out, _ = cli("accounts", "status", AGENT_ID)
    assert "ACTIVE -> ACTIVE (reconnected)" in out


def test_a_refused_key_stores_nothing_and_the_key_is_never_printed(cli):
    code, out, err = cli("accounts", "add", AGENT_ID, stdin=REVOKED_USER["api_key"])
    assert code == 2 and "did not accept this key" in err
    assert REVOKED_USER["api_key"] not in out + err
    assert "no accounts yet" in cli("accounts", "list")[1]
    code, _, err = cli("accounts", "add", AGENT_ID, stdin="")
    assert code == 2 and "No API key was given" in err


def test_the_key_cannot_be_given_as_an_argument(cli):
    with pytest.raises(SystemExit):
        cli("accounts", "add", AGENT_ID, ADMIN["api_key"])


def test_a_revoked_key_shows_revoked_with_the_step_that_reconnects_it(cli, sandbox):
    cli("accounts", "add", AGENT_ID, stdin=ADMIN["api_key"])
    sandbox.state.revoke_key(ADMIN["api_key"])
    code, out, _ = cli("accounts", "status", AGENT_ID)
    assert code == 1
    assert "status:         REVOKED" in out
    assert f"affinity-bot accounts add {AGENT_ID}" in out
    assert "ACTIVE -> REVOKED (Affinity rejected the key (401)" in out


def test_slack_identifiers_are_managed_only_in_slack(cli):
    slack_user = identifier_for("T1", "U1")
    for action in ("add", "remove", "token"):
        code, _, err = cli("accounts", action, slack_user, stdin=ADMIN["api_key"])
        assert code == 2 and "/affinity" in err, action
    code, _, err = cli("accounts", "add", "-bad id", stdin=ADMIN["api_key"])
    assert code == 2 and "not a valid identifier" in err


def test_external_identifiers_never_collide_with_slack_identifiers():
    for external in ("user_aff_123", "ana@firm.com", "T1", "T1U1"):
        assert check_external(external) == external
        assert not is_slack_identifier(external)
        with pytest.raises(ValueError):
            parse_identifier(external)
    assert is_slack_identifier(identifier_for("T1", "U1", "E1"))


def test_token_is_shown_once_stored_as_a_digest_and_revoked_by_remove(cli, database_url):
    cli("accounts", "add", AGENT_ID, stdin=ADMIN["api_key"])
    code, token, err = cli("accounts", "token", AGENT_ID, "--label", "laptop")
    token = token.strip()
    assert code == 0 and token.startswith("afmcp_") and "shown once" in err
    engine = create_engine(database_url)
    with engine.connect() as connection:
        dump = repr(connection.execute(text("select * from mcp_tokens")).all())
    assert token not in dump and "laptop" in dump
    tokens = TokenStore(engine, utc_now)
    assert tokens.identifier_for(token) == AGENT_ID
    code, out, _ = cli("accounts", "remove", AGENT_ID)
    assert code == 0 and "its MCP tokens" in out
    assert tokens.identifier_for(token) is None
    assert "PENDING" in cli("accounts", "list")[1]
    assert cli("accounts", "remove", "nobody")[0] == 1


def test_a_revoked_external_account_is_not_announced_in_slack(services, sandbox, caplog):
    from bot.connector import KeyRevokedError
    from bot.features.revocation import notify_revoked
    from tests.adapters.conftest import connect

    told: list[bool] = []
    connect(services, AGENT_ID, ADMIN)
    services.connector.on_revoked(
        lambda ident, acc: told.append(notify_revoked(services, ident, acc))
    )
    sandbox.state.revoke_key(ADMIN["api_key"])
    with pytest.raises(KeyRevokedError):
        services.connector.execute_tool(AGENT_ID, "affinity_search_persons", {"term": "jane"})
    assert told == [False]  # no one to DM, and no error logged for trying
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")]


def test_the_mcp_server_logs_like_the_app_on_stderr_with_tokens_and_keys_redacted(
    services, monkeypatch, capsys
):
    """`affinity-bot mcp` honours LOG_LEVEL and scrubs secrets as `affinity-bot run` does, and
    keeps stdout for the stdio protocol."""
    import logging

    from bot.adapters import commands
    from bot.middleware.logs import NOISY_LOGGERS

    token = TokenStore(services.engine, utc_now).create(AGENT_ID, "t", via="test")[0]

    def serve(services, **options):
        logging.getLogger("bot.adapters.mcp").info("a request with Bearer %s", token)
        logging.getLogger("bot.adapters.mcp").info("key=%s", ADMIN["api_key"])

    monkeypatch.setattr("bot.adapters.mcp.serve_http", serve)
    root = logging.getLogger()
    saved = root.level, list(root.handlers), {n: logging.getLogger(n).level for n in NOISY_LOGGERS}
    root.handlers = []  # as in a fresh process: configure_logging installs its own
    try:
        commands.mcp_serve(
            services, identifier=None, http=True, host="127.0.0.1", port=0, allow_writes=False
        )
        for handler in root.handlers:
            handler.flush()
    finally:
        root.handlers = saved[1]
        root.setLevel(saved[0])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)
    out, err = capsys.readouterr()
    assert "a request with Bearer" in err and "INFO bot.adapters.mcp" in err
    assert token not in err and ADMIN["api_key"] not in err
    assert "a request" not in out
