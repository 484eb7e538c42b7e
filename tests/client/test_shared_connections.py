"""Every key's client shares one connection pool; each request carries its own key, and only it."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

import httpx

from affinity_client import AffinityClient
from affinity_client.client import shared_http

KEY_A = "keyAlphaAlphaAlphaAlpha0123456789"
KEY_B = "keyBravoBravoBravoBravo0123456789"


def _key_of(request: httpx.Request) -> str:
    scheme, _, value = request.headers["authorization"].partition(" ")
    if scheme == "Bearer":
        return value
    return base64.b64decode(value).decode().removeprefix(":")


class Recorder:
    """A server that answers whoami for whichever key a request carries, and sets a cookie."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []  # (key, path, cookie header)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = _key_of(request)
        self.seen.append((key, request.url.path, request.headers.get("cookie", "")))
        body = {"user": {"id": 1, "firstName": key[:8]}, "tenant": {"id": 1}}
        return httpx.Response(200, json=body, headers={"set-cookie": f"session={key}; Path=/"})


def test_two_users_clients_share_one_pool_and_each_request_carries_its_own_key():
    recorder = Recorder()
    with httpx.Client(transport=httpx.MockTransport(recorder)) as pool:
        alice = AffinityClient(KEY_A, "https://api.example.test", http=pool)
        bob = AffinityClient(KEY_B, "https://api.example.test", http=pool)
        with ThreadPoolExecutor(4) as threads:
            names = list(
                threads.map(lambda c: c.whoami()["user"]["name"], [alice, bob, alice, bob])
            )
        alice.close()  # one user's client closing leaves the shared pool to the others
        assert bob.whoami()["user"]["name"] == KEY_B[:8]

    assert names == [KEY_A[:8], KEY_B[:8], KEY_A[:8], KEY_B[:8]]
    assert sorted(key for key, _, _ in recorder.seen) == [KEY_A, KEY_A, KEY_B, KEY_B, KEY_B]
    assert all(path == "/auth/whoami" for _, path, _ in recorder.seen)


def test_the_process_pool_is_shared_holds_no_credentials_and_keeps_no_cookies():
    first, second = AffinityClient(KEY_A), AffinityClient(KEY_B)

    assert first._http is second._http is shared_http()
    assert "authorization" not in shared_http().headers
    assert shared_http().auth is None
    second.close()
    assert not shared_http().is_closed


def test_a_cookie_set_for_one_user_never_reaches_another_users_request():
    recorder = Recorder()
    pool = shared_http()
    transport = httpx.MockTransport(recorder)
    saved = pool._transport
    pool._transport = transport  # the shared pool's cookie policy, over a recording server
    try:
        AffinityClient(KEY_A, "https://api.example.test").whoami()
        AffinityClient(KEY_B, "https://api.example.test").whoami()
    finally:
        pool._transport = saved

    assert [cookie for _, _, cookie in recorder.seen] == ["", ""]
