"""Pytest fixtures that serve the Affinity sandbox over loopback HTTP.

One server per test session; the function-scoped `sandbox` fixture resets it (seed, faults,
request log) before each test and yields the `SandboxServer` (`.base_url`, `.state`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from affinity_client.ratelimit import reset_limiters
from affinity_client.sandbox import SandboxServer
from affinity_client.sandbox import seed as sandbox_seed


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    """The sandbox back at its seed, and the client's per-key budgets (900 requests a minute,
    shared in the process) back at zero: each test is a fresh minute of a fresh Affinity."""
    sandbox_server.reset()
    reset_limiters()
    return sandbox_server


@pytest.fixture
def admin_key() -> str:
    return sandbox_seed.ADMIN_KEY


@pytest.fixture
def standard_key() -> str:
    return sandbox_seed.STANDARD_KEY


@pytest.fixture
def revoked_key() -> str:
    return sandbox_seed.REVOKED_KEY
