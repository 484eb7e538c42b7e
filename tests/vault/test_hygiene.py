"""A planted key never shows in logs (DEBUG, SQL echo included), reprs or exception texts."""

from __future__ import annotations

import logging
import pickle

import pytest
from sqlalchemy import update

from tests.vault.conftest import PLANTED_KEY, keyring_of, profile
from vault import CredentialUnavailable, Secret, Vault, VaultError, db
from vault.models import AccountRow
from vault.redaction import (
    REDACTED,
    RedactingFilter,
    install_redaction,
    redact,
    register_secret,
    unregister_secret,
)
from vault.rotation import rotate


def test_secret_never_renders_its_value() -> None:
    secret = Secret(PLANTED_KEY)
    renderings = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>50}",
        "%s %r" % (secret, secret),  # noqa: UP031 - the %-operator is what is tested
        repr([secret]),
        repr({"key": secret}),
    ]
    assert all(PLANTED_KEY not in text for text in renderings)
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(AttributeError):
        secret.value = "x"  # type: ignore[attr-defined]
    assert secret.reveal() == PLANTED_KEY and secret == Secret(PLANTED_KEY)


def test_every_vault_operation_keeps_the_key_out_of_all_output(db_url: str, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    engine = db.make_engine(db_url, echo="debug")
    db.upgrade(engine)
    old, current = keyring_of("k1"), keyring_of("k2", "k1")
    current = type(current)([current.key("k2"), old.key("k1")])
    vault = Vault(engine, old)
    texts: list[str] = [repr(vault)]
    account = vault.connect("affinity", "T1:U1", PLANTED_KEY, profile())
    texts += [repr(account), str(account), repr(vault.get_credential("affinity", "T1:U1"))]
    vault = Vault(engine, current)
    report = rotate(engine, current)
    texts.append(repr(report))
    texts.append(repr(vault.get_credential("affinity", "T1:U1")))
    texts += [repr(a) for a in vault.list_accounts()]
    texts += [repr(h) for h in vault.status_history("affinity", "T1:U1")]
    with engine.begin() as conn:  # tamper: the next read fails and marks the account
        conn.execute(update(AccountRow).values(wrapped_key=b"\0" * 60))
    for _ in range(2):
        with pytest.raises(VaultError) as caught:
            vault.get_credential("affinity", "T1:U1")
        texts += [str(caught.value), repr(caught.value), repr(caught.value.__cause__)]
    vault.connect("affinity", "T1:U1", PLANTED_KEY, profile())
    vault.mark_revoked("affinity", "T1:U1", "401")
    with pytest.raises(CredentialUnavailable) as caught:
        vault.get_credential("affinity", "T1:U1")
    texts.append(str(caught.value))
    vault.connect("affinity", "T1:U1", PLANTED_KEY, profile())
    vault.disconnect("affinity", "T1:U1")
    vault.delete_for_identifier("T1:U1")
    engine.dispose()
    assert "SELECT" in caplog.text  # the SQL echo was captured
    output = "\n".join([caplog.text, *texts, *(r.getMessage() for r in caplog.records)])
    assert PLANTED_KEY not in output
    assert PLANTED_KEY.encode().hex() not in output


def test_redaction_covers_key_shapes_headers_fields_and_registered_values() -> None:
    register_secret("hunter2-registered")
    line = (
        f"calling with key {PLANTED_KEY}; Authorization: Basic OnNlY3JldA== "
        'Bearer abc.def {"api_key": "short1"} token=xoxb-123-456 password=hunter2-registered '
        "request 3f2b8c1e-1d2a-4b5c-9e8f-0a1b2c3d4e5f took 12ms"
    )
    cleaned = redact(line)
    for leaked in (PLANTED_KEY, "OnNlY3JldA==", "abc.def", "short1", "xoxb-123", "hunter2"):
        assert leaked not in cleaned
    assert "3f2b8c1e-1d2a-4b5c-9e8f-0a1b2c3d4e5f" in cleaned and "took 12ms" in cleaned
    unregister_secret("hunter2-registered")
    assert "hunter2-registered" in redact("hunter2-registered")
    assert redact("affinity_search_organizations page 2") == "affinity_search_organizations page 2"


def test_filter_redacts_messages_args_and_tracebacks(caplog) -> None:
    handler = logging.StreamHandler()
    redacting = install_redaction([handler, caplog.handler])
    assert install_redaction([handler]) is redacting  # installing twice adds nothing
    assert isinstance(redacting, RedactingFilter) and handler.filters == [redacting]
    logger = logging.getLogger("tests.vault.hygiene")
    try:
        raise RuntimeError(f"upstream said {PLANTED_KEY}")
    except RuntimeError:
        logger.exception("key was %s", PLANTED_KEY)
    caplog.handler.removeFilter(redacting)
    record = caplog.records[-1]
    formatted = logging.Formatter().format(record)
    assert PLANTED_KEY not in formatted and REDACTED in formatted
    assert "RuntimeError" in formatted
