"""Helpers for offline client tests: a routing MockTransport, a fake clock, a request log."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from affinity_client import AffinityClient
from affinity_client.retry import RetryPolicy
from tests.reference import REFERENCE_DIR, reference_file

KEY = "sk-test-SECRET-key-123"
FIXTURES = REFERENCE_DIR / "affinity-v1-responses"


def fixture(name: str) -> Any:
    return json.loads(reference_file(FIXTURES.name, f"{name}.raw.response.json").read_text())


class FakeTime:
    """A clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Handler = Callable[[httpx.Request], httpx.Response]


class Router:
    """Routes ``(METHOD, path)`` to handlers (a response, a list of responses served in turn,
    or a callable); records every request it receives."""

    def __init__(self, routes: dict[tuple[str, str], Any] | None = None) -> None:
        self.routes = dict(routes or {})
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes.get((request.method, request.url.path))
        if route is None:
            return httpx.Response(404, json={"message": f"no route {request.url.path}"})
        if isinstance(route, list):
            route = route.pop(0) if len(route) > 1 else route[0]
        if callable(route) and not isinstance(route, httpx.Response):
            return route(request)
        if isinstance(route, Exception):
            raise route
        return route

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def make_client(
    router: Router, *, time: FakeTime | None = None, key: str = KEY, **kwargs: Any
) -> AffinityClient:
    time = time or FakeTime()
    kwargs.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=30))
    kwargs.setdefault("requests_per_minute", 100_000)
    return AffinityClient(
        key,
        "https://api.test",
        transport=httpx.MockTransport(router),
        sleep=time.sleep,
        clock=time.clock,
        **kwargs,
    )


def raising(exc: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler
