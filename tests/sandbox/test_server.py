"""Starting the sandbox as a program, and serving requests concurrently."""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx

from affinity_client.sandbox import SandboxServer, seed

from .helpers import basic, v1, v2


def test_module_entry_point_prints_url_and_keys_and_serves():
    process = subprocess.Popen(
        [sys.executable, "-m", "affinity_client.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = [process.stdout.readline() for _ in range(6)]
        url = re.search(r"http://127\.0\.0\.1:\d+", banner[0]).group(0)
        assert any(seed.ADMIN_KEY in line for line in banner)
        assert any(seed.STANDARD_KEY in line for line in banner)
        answer = httpx.get(f"{url}/auth/whoami", headers=basic(seed.ADMIN_KEY), timeout=5)
        assert answer.json()["tenant"]["subdomain"] == "northwind"
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_context_manager_starts_and_stops_its_own_server():
    with SandboxServer() as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
        response = httpx.get(f"{server.base_url}/auth/whoami", headers=basic(seed.ADMIN_KEY))
        assert response.status_code == 200
    try:
        httpx.get(f"{server.base_url}/auth/whoami", timeout=1)
        raise AssertionError("the server should be stopped")
    except httpx.TransportError:
        pass


def test_concurrent_writes_are_all_kept(sandbox, admin_key):
    before = len(sandbox.state.notes)

    client = v1(sandbox, admin_key)

    def write(i: int) -> int:
        return client.post(
            "/notes", json={"content": f"note {i}", "person_ids": [seed.JANE_ID]}
        ).json()["id"]

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(write, range(40)))
    assert len(set(ids)) == 40
    assert len(sandbox.state.notes) == before + 40


def test_api_version_header(sandbox, admin_key):
    client = v2(sandbox, admin_key)
    pinned = client.get("/v2/auth/whoami", headers={"X-Affinity-Api-Version": "2024-01-01"})
    assert pinned.headers["x-affinity-api-version"] == "2024-01-01"
    bad = client.get("/v2/auth/whoami", headers={"X-Affinity-Api-Version": "1999-01-01"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["param"] == "X-Affinity-Api-Version"


def test_rate_limit_resource_counts_this_minute(sandbox, admin_key):
    client = v1(sandbox, admin_key)
    client.get("/lists")
    rate = client.get("/rate-limit").json()["rate"]["api_key_per_minute"]
    assert rate["used"] == 2 and rate["remaining"] == 898 and 0 < rate["reset"] <= 60
