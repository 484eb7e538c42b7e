"""Helpers for tool tests against the sandbox over loopback HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from affinity_client import AffinityClient
from affinity_client.retry import RetryPolicy


class Sleeps(list):
    """A fake sleep that records instead of waiting (retries stay instant in tests)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(sandbox: Any, key: str, **kwargs: Any) -> AffinityClient:
    kwargs.setdefault("sleep", Sleeps())
    kwargs.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=30))
    kwargs.setdefault("timeout", 10.0)
    return AffinityClient(key, sandbox.base_url, **kwargs)


def control(sandbox: Any, path: str, body: dict[str, Any]) -> None:
    response = httpx.post(f"{sandbox.base_url}/_sandbox/{path}", json=body, timeout=5)
    response.raise_for_status()


def request_log(sandbox: Any) -> list[dict[str, Any]]:
    response = httpx.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5)
    return response.json()["requests"]


def clear_log(sandbox: Any) -> None:
    httpx.delete(f"{sandbox.base_url}/_sandbox/requests", timeout=5).raise_for_status()


def count(
    log: list[dict[str, Any]], method: str, prefix: str = "", exact: str | None = None
) -> int:
    return sum(
        1
        for r in log
        if r["method"] == method and (r["path"] == exact if exact else r["path"].startswith(prefix))
    )
