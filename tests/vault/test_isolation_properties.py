"""Property: across random operations on many accounts, an identifier gets its own key or none."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.vault.conftest import keyring_of, profile
from vault import CredentialUnavailable, Status, Vault, db
from vault.keyring import Keyring
from vault.rotation import rotate

IDENTIFIERS = [f"{team}:{user}" for team in ("T1", "T2", "E1:T3") for user in ("U1", "U2")]
CONNECTIONS = ["affinity", "other"]

account = st.tuples(st.sampled_from(CONNECTIONS), st.sampled_from(IDENTIFIERS))
operation = st.one_of(
    st.tuples(st.just("create"), account),
    st.tuples(st.just("connect"), account),
    st.tuples(st.just("revoke"), account),
    st.tuples(st.just("disconnect"), account),
    st.tuples(st.just("delete"), st.sampled_from(IDENTIFIERS)),
    st.tuples(st.just("rotate"), st.just(None)),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_an_identifier_only_ever_gets_its_own_key(tmp_path_factory, operations) -> None:
    path = tmp_path_factory.mktemp("prop") / "vault.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    keyring: Keyring = keyring_of("k0")
    vault = Vault(engine, keyring)
    expected: dict[tuple[str, str], str | None] = {}  # what get_credential must return
    counter = itertools.count()
    for name, arg in operations:
        if name == "create":
            vault.get_or_create_connected_account(*arg)
            expected.setdefault(arg, None)
        elif name == "connect":
            key = f"key-{arg[0]}-{arg[1]}-{next(counter)}"
            vault.connect(*arg, key, profile())
            expected[arg] = key
        elif name == "revoke" and arg in expected:
            vault.mark_revoked(*arg, "401")
            expected[arg] = None
        elif name == "disconnect" and arg in expected:
            vault.disconnect(*arg)
            expected[arg] = None
        elif name == "delete":
            vault.delete_for_identifier(arg)
            expected = {k: v for k, v in expected.items() if k[1] != arg}
        elif name == "rotate":
            kid = f"r{next(counter)}"
            keyring = Keyring([keyring_of(kid).key(kid), *(keyring.key(k) for k in keyring.kids)])
            vault = Vault(engine, keyring)
            rotate(engine, keyring)
        for (connection_name, identifier), key in expected.items():
            try:
                got = vault.get_credential(connection_name, identifier).reveal()
            except CredentialUnavailable as exc:
                assert key is None, (connection_name, identifier, exc.status)
                assert exc.status in (Status.PENDING, Status.REVOKED)
            else:
                assert got == key
    engine.dispose()
