"""affinity-sdk 2.0.6, Affinity's own Python SDK, pointed at the sandbox over loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

affinity = pytest.importorskip("affinity", reason="affinity-sdk is a dev dependency")

from affinity_client.sandbox import seed  # noqa: E402


@pytest.fixture
def sdk_for(sandbox: Any) -> Iterator[Callable[[str], Any]]:
    """``sdk_for(key)``: an SDK client on the sandbox (no retries: a failure shows at once)."""
    made: list[Any] = []

    def make(key: str) -> Any:
        client = affinity.Affinity(
            api_key=key,
            v1_base_url=sandbox.base_url,
            v2_base_url=f"{sandbox.base_url}/v2",
            max_retries=0,
            enable_beta_endpoints=True,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def sdk(sdk_for: Callable[[str], Any]) -> Any:
    return sdk_for(seed.ADMIN_KEY)
