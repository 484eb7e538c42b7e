"""The pytest fixtures serve a reset sandbox over loopback HTTP."""

import httpx


def test_sandbox_fixture_serves_whoami_for_admin(sandbox, admin_key):
    response = httpx.get(f"{sandbox.base_url}/auth/whoami", auth=("", admin_key))
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "maya@northwind.vc"


def test_revoked_key_is_refused_from_the_start(sandbox, revoked_key):
    response = httpx.get(f"{sandbox.base_url}/auth/whoami", auth=("", revoked_key))
    assert response.status_code == 401


def test_reset_forgets_writes(sandbox, admin_key):
    before = len(sandbox.state.notes)
    httpx.post(
        f"{sandbox.base_url}/notes",
        auth=("", admin_key),
        json={"content": "hello", "person_ids": [2001]},
    ).raise_for_status()
    assert len(sandbox.state.notes) == before + 1
    sandbox.reset()
    assert len(sandbox.state.notes) == before
