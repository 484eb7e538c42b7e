"""Master-key rotation: online, idempotent, resumable after a crash."""

from __future__ import annotations

import pytest

from tests.vault.conftest import keyring_of, profile
from vault import Vault
from vault.keyring import Keyring
from vault.rotation import rotate


class Crash(Exception):
    pass


def _connect_many(vault: Vault, count: int) -> dict[str, str]:
    keys = {f"T1:U{i}": f"key-{i:03d}-abcdefghij" for i in range(count)}
    for identifier, key in keys.items():
        vault.connect("affinity", identifier, key, profile())
    return keys


def _assert_all_readable(vault: Vault, keys: dict[str, str]) -> None:
    for identifier, key in keys.items():
        assert vault.get_credential("affinity", identifier).reveal() == key


def test_rotation_interrupted_midway_resumes_and_keeps_every_key_readable(engine) -> None:
    old = keyring_of("k1")
    keys = _connect_many(Vault(engine, old), 6)
    new = Keyring([keyring_of("k2").key("k2"), old.key("k1")])
    vault = Vault(engine, new)
    done: list[int] = []

    def crash_after_three(account_id: int) -> None:
        done.append(account_id)
        _assert_all_readable(vault, keys)  # readable at every step of the rotation
        if len(done) == 3:
            raise Crash

    with pytest.raises(Crash):
        rotate(engine, new, batch_size=4, on_rewrapped=crash_after_three)
    kids = [vault.get_account("affinity", i).kid for i in keys]
    assert kids.count("k2") == 3 and kids.count("k1") == 3
    _assert_all_readable(vault, keys)

    report = rotate(engine, new, batch_size=4)
    assert report.rewrapped == 3 and report.unreadable == []
    assert {vault.get_account("affinity", i).kid for i in keys} == {"k2"}
    assert rotate(engine, new).rewrapped == 0  # idempotent
    only_new = Keyring([new.key("k2")])  # the old key can now be removed
    assert Vault(engine, only_new).unknown_key_ids() == set()
    _assert_all_readable(Vault(engine, only_new), keys)


def test_rotation_reports_unreadable_rows_and_leaves_them(engine) -> None:
    Vault(engine, keyring_of("lost")).connect("affinity", "T1:U9", "key-lost-123456", profile())
    keys = _connect_many(Vault(engine, keyring_of("k1")), 1)  # under a different k1: unreadable
    current = keyring_of("k2", "k1")
    report = rotate(engine, current)
    assert report.rewrapped == 0
    assert sorted(report.unreadable) == [("affinity", "T1:U0"), ("affinity", "T1:U9")]
    assert keys  # rows untouched
    assert Vault(engine, current).get_account("affinity", "T1:U9").kid == "lost"


def test_cli_rotate_and_keygen(tmp_path, monkeypatch, capsys) -> None:
    from vault import cli, db
    from vault.keyring import generate_key_entry, parse_master_keys

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.run("keygen") == 0
    new_entry = capsys.readouterr().out.strip()
    old_entry = generate_key_entry("old")
    engine = db.make_engine(url)
    db.upgrade(engine)
    Vault(engine, parse_master_keys(old_entry)).connect(
        "affinity", "T1:U1", "key-cli-1234567", profile()
    )
    monkeypatch.setenv("VAULT_MASTER_KEYS", f"{new_entry},{old_entry}")
    assert cli.run("rotate") == 0
    out = capsys.readouterr().out
    assert "re-wrapped 1 credential" in out and "you may remove it" in out
    only_new = parse_master_keys(new_entry)
    assert Vault(engine, only_new).get_credential("affinity", "T1:U1").reveal() == "key-cli-1234567"
    engine.dispose()


def test_cli_without_master_key_prints_what_to_set(monkeypatch, capsys) -> None:
    from vault import cli

    monkeypatch.delenv("VAULT_MASTER_KEYS", raising=False)
    assert cli.run("rotate") == 2
    err = capsys.readouterr().err
    assert err.startswith("affinity-bot: VAULT_MASTER_KEYS is not set")
    assert "Traceback" not in err
