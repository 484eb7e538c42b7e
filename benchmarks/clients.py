"""A new user's first Affinity call against a known user's, over the shared connection pool.

    python benchmarks/clients.py [--users 40]

Against the local sandbox over loopback: for each of `--users` rounds, the time to build a client
for a key not seen before and make its first call (`whoami`), then the time of one more call by
a client already in use. Beside it, the same first call made the way a client with a connection
pool of its own would (a new `httpx.Client`, hence a new SSL context and a new connection). The
last line is one JSON object: medians in ms and `ratio_new_to_known` (target: <= 1.0 within
noise) and `ratio_own_pool_to_known`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40)
    args = parser.parse_args()

    import httpx

    from affinity_client import AffinityClient
    from affinity_client.sandbox import SandboxServer, seed

    new_ms: list[float] = []
    known_ms: list[float] = []
    own_ms: list[float] = []
    with SandboxServer() as sandbox:
        known = AffinityClient(seed.ADMIN_KEY, sandbox.base_url)
        known.whoami()  # warm: the pool has a connection to the sandbox

        def first_call_of_new_user() -> None:
            AffinityClient(seed.ADMIN_KEY, sandbox.base_url).whoami()

        def known_users_call() -> None:
            known.whoami()

        def first_call_with_own_pool() -> None:
            own = httpx.Client()  # what a client with its own pool pays before its first call
            AffinityClient(seed.ADMIN_KEY, sandbox.base_url, http=own).whoami()
            own.close()

        runs = [(first_call_of_new_user, new_ms), (known_users_call, known_ms)]
        runs.append((first_call_with_own_pool, own_ms))
        for round_ in range(args.users):
            for offset in range(len(runs)):  # each kind goes first in turn (order effects)
                work, times = runs[(round_ + offset) % len(runs)]
                started = time.perf_counter()
                work()
                times.append((time.perf_counter() - started) * 1000)
    new, known_median, own_median = (statistics.median(v) for v in (new_ms, known_ms, own_ms))
    print(f"new user's first call   {new:7.2f} ms (median of {args.users})")
    print(f"known user's call       {known_median:7.2f} ms")
    print(f"first call, own pool    {own_median:7.2f} ms")
    print(
        json.dumps(
            {
                "new_user_first_call_ms": round(new, 2),
                "known_user_call_ms": round(known_median, 2),
                "own_pool_first_call_ms": round(own_median, 2),
                "ratio_new_to_known": round(new / known_median, 2),
                "ratio_own_pool_to_known": round(own_median / known_median, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
