"""Small HTTP helpers for talking to the sandbox the way real clients do."""

from __future__ import annotations

import base64

import httpx


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f":{key}".encode()).decode()}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def v1(sandbox, key: str, *, style: str = "basic") -> httpx.Client:
    headers = basic(key) if style == "basic" else bearer(key)
    return httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=10)


def v2(sandbox, key: str) -> httpx.Client:
    return httpx.Client(base_url=sandbox.base_url, headers=bearer(key), timeout=10)


def anonymous(sandbox) -> httpx.Client:
    return httpx.Client(base_url=sandbox.base_url, timeout=10)
