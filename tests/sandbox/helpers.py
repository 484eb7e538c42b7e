"""Small HTTP helpers for talking to the sandbox the way real clients do.

Clients are cached per (server, credentials): building an httpx.Client loads TLS settings,
which costs far more than a loopback request.
"""

from __future__ import annotations

import base64
import functools

import httpx


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f":{key}".encode()).decode()}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@functools.cache
def _client(base_url: str, authorization: str | None, version: str | None = None) -> httpx.Client:
    headers = {"Authorization": authorization} if authorization else {}
    if version:
        headers["X-Affinity-Api-Version"] = version
    return httpx.Client(base_url=base_url, headers=headers, timeout=10, verify=False)


def v1(sandbox, key: str, *, style: str = "basic") -> httpx.Client:
    headers = basic(key) if style == "basic" else bearer(key)
    return _client(sandbox.base_url, headers["Authorization"])


def v2(sandbox, key: str, version: str | None = None) -> httpx.Client:
    """A V2 client; `version` sends `X-Affinity-Api-Version` (else the key's default applies)."""
    return _client(sandbox.base_url, bearer(key)["Authorization"], version)


def anonymous(sandbox) -> httpx.Client:
    return _client(sandbox.base_url, None)
