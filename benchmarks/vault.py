"""Vault figures: seals and opens per second, and what a credential lookup adds to a tool call.

    python benchmarks/vault.py            # SQLite in a temp dir
    DATABASE_URL=postgresql://... python benchmarks/vault.py

The lookup (DB read + unwrap + open) is compared with one HTTP round trip (GET /auth/whoami,
keep-alive) to the local Affinity sandbox, the cheapest call a tool can make.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow the
# `vault` package: drop that folder so `import vault` finds the real one.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import httpx  # noqa: E402

from affinity_client.sandbox import seed  # noqa: E402
from affinity_client.sandbox.server import SandboxServer  # noqa: E402
from vault import AffinityProfile, Secret, Vault, db  # noqa: E402
from vault.envelope import open_sealed, seal  # noqa: E402
from vault.keyring import generate_key_entry, parse_master_keys  # noqa: E402


def per_second(action: Callable[[], object], seconds: float = 1.0) -> float:
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        action()
        count += 1
    return count / elapsed


def median_seconds(action: Callable[[], object], runs: int = 300) -> float:
    for _ in range(20):  # warm up connections and caches
        action()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    keyring = parse_master_keys(generate_key_entry("bench"))
    key = Secret(seed.ADMIN_KEY)
    sealed = seal(keyring, "affinity", "T1:U1", key)
    print(f"seal: {per_second(lambda: seal(keyring, 'affinity', 'T1:U1', key)):,.0f}/s")
    print(f"open: {per_second(lambda: open_sealed(keyring, 'affinity', 'T1:U1', sealed)):,.0f}/s")

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        engine = db.make_engine(url)
        db.upgrade(engine)
        vault = Vault(engine, keyring)
        profile = AffinityProfile(1, "Bench", None, 1, "Bench", "bench")
        for i in range(1000):  # a realistic table, not a single row
            vault.connect("affinity", f"T1:U{i}", f"bench-key-{i}-0123456789", profile)
        lookup = median_seconds(lambda: vault.get_credential("affinity", "T1:U500"))
        backend = engine.url.get_backend_name()
        engine.dispose()

    sandbox = SandboxServer(port=0).start()
    try:
        with httpx.Client(base_url=sandbox.base_url, auth=("", seed.ADMIN_KEY)) as client:
            round_trip = median_seconds(lambda: client.get("/auth/whoami").raise_for_status())
    finally:
        sandbox.stop()

    print(f"credential lookup ({backend}, 1000 accounts): {lookup * 1e3:.3f} ms median")
    print(f"sandbox round trip (GET /auth/whoami): {round_trip * 1e3:.3f} ms median")
    print(f"lookup / round trip: {lookup / round_trip:.2f}")


if __name__ == "__main__":
    main()
