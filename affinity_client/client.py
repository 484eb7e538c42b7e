"""``AffinityClient``: a client per key over one shared connection pool, both API versions,
retries, budgets.

Every key's client sends through the same process-wide ``httpx.Client`` (``shared_http``): one
connection pool and one SSL context per process, so a new user's first call opens no new TLS
context and reuses warm connections. Authentication travels on each request (the
``Authorization`` header), never on the pool or its connections, so a connection carries no
user's identity from one request to the next.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Literal, TypeVar, cast
from urllib.parse import urlsplit

import httpx

from .errors import (
    AffinityError,
    AffinityTransportError,
    InvalidRequestError,
    MonthlyQuotaError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnknownOutcomeError,
    error_from_response,
)
from .pagination import Page, PageCursor, v1_page, v2_page
from .ratelimit import (
    DEFAULT_REQUESTS_PER_MINUTE,
    Limiter,
    RateLimitSnapshot,
    key_fingerprint,
    limiter_for_key,
)
from .retry import NOT_SENT_ERRORS, SAFE_METHODS, RetryPolicy, server_retry_after

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.affinity.co"
ApiVersion = Literal["2024-01-01", "2026-07-15"]
V2_API_VERSIONS: tuple[ApiVersion, ...] = ("2024-01-01", "2026-07-15")
"""The V2 versions whose answers this client parses (docs/client.md, "API version")."""
V2_API_VERSION: ApiVersion = "2026-07-15"
"""The version sent in `X-Affinity-Api-Version` unless a client is given another."""
USER_AGENT = "affinity-for-slack/0.1 (+https://github.com/; httpx)"

Params = Mapping[str, Any] | None

SETTLE_SECONDS = 8.0
"""How long a V2 read or write may wait for V2 to see what V1 just wrote."""
SETTLE_FIRST_DELAY = 0.15

SHARED_MAX_CONNECTIONS = 100
SHARED_MAX_KEEPALIVE = 20

_shared_lock = threading.Lock()
_shared: httpx.Client | None = None


def shared_http() -> httpx.Client:
    """This process's one connection pool and SSL context, used by every key's client.

    Built on first use (and again in a forked child, which must not share its parent's
    sockets). It has no base URL and no credentials: each request names its URL and carries
    its own ``Authorization`` header. It keeps no cookies, which would otherwise travel from
    one user's response to the next user's request.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = httpx.Client(
                limits=httpx.Limits(
                    max_connections=SHARED_MAX_CONNECTIONS,
                    max_keepalive_connections=SHARED_MAX_KEEPALIVE,
                ),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                cookies=_no_cookies(),
                follow_redirects=False,
            )
        return _shared


def _no_cookies() -> CookieJar:
    """A cookie jar that accepts no cookie from any domain."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def _forget_shared_after_fork() -> None:
    global _shared, _shared_lock
    _shared, _shared_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_shared_after_fork)


class AffinityClient:
    """A client for one Affinity API key.

    V1 paths (``/persons``) go to the base URL with Basic or Bearer auth; V2 paths (``/v2/…``)
    with Bearer auth and ``X-Affinity-Api-Version`` pinned to ``api_version``, so that the
    key's own Default API Version never changes what comes back. Every call is bounded by
    ``max_call_seconds`` including retries and waits. The key never appears in ``repr``,
    exception messages or logs.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        v1_auth: Literal["basic", "bearer"] = "basic",
        api_version: ApiVersion = V2_API_VERSION,
        timeout: float = 20.0,
        connect_timeout: float = 5.0,
        max_call_seconds: float = 45.0,
        retry: RetryPolicy | None = None,
        requests_per_minute: int | None = None,
        transport: httpx.BaseTransport | None = None,
        http: httpx.Client | None = None,
        limiter: Limiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("api_key is empty")
        if v1_auth not in ("basic", "bearer"):
            raise ValueError("v1_auth must be 'basic' or 'bearer'")
        if api_version not in V2_API_VERSIONS:
            raise ValueError(f"api_version must be one of {', '.join(V2_API_VERSIONS)}")
        self.__key = api_key.strip()
        self.key_fingerprint = key_fingerprint(self.__key)
        self.base_url = base_url.rstrip("/")
        self._base_path = urlsplit(self.base_url).path.rstrip("/")
        self.v1_auth = v1_auth
        self.api_version = api_version
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_call_seconds = max_call_seconds
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        # None: follow the per-minute budget Affinity reports (X-Ratelimit-Limit-User),
        # starting at its documented 900; a number: a fixed budget (tests, a stricter cap).
        self._follow_user_limit = requests_per_minute is None
        # `limiter`: a budget shared with other processes (the bot's database); else this
        # process's limiter for the key.
        self._limiter: Limiter = limiter or limiter_for_key(
            self.__key, requests_per_minute or DEFAULT_REQUESTS_PER_MINUTE
        )
        self._rate_limit = RateLimitSnapshot()
        self._memo: dict[Any, tuple[float, Any]] = {}
        self.request_count = 0
        # A `transport` (tests, a recording proxy) gets a client of its own, closed with this
        # one; otherwise `http`, or the process's shared pool, which `close` leaves open.
        self._owns_http = transport is not None
        if transport is not None:
            self._http = httpx.Client(
                transport=transport,
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                follow_redirects=False,
            )
        else:
            self._http = http or shared_http()
        basic = base64.b64encode(f":{self.__key}".encode()).decode()
        bearer = f"Bearer {self.__key}"
        self._auth = {
            "v1": f"Basic {basic}" if v1_auth == "basic" else bearer,
            "v2": bearer,
        }

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Release what this client owns (the shared pool stays open for the other keys)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> AffinityClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AffinityClient(base_url={self.base_url!r}, key=<{self.key_fingerprint}>)"

    __str__ = __repr__

    @property
    def rate_limit(self) -> RateLimitSnapshot:
        """The budgets reported by the most recent response."""
        return self._rate_limit

    # -- verbs -------------------------------------------------------------------------------
    def get(self, path: str, params: Params = None, *, resource: str | None = None) -> Any:
        return self.request("GET", path, params=params, resource=resource)

    def post(
        self,
        path: str,
        json: Any = None,
        *,
        idempotent: bool = False,
        resource: str | None = None,
        operation: str | None = None,
    ) -> Any:
        return self.request(
            "POST", path, json=json, idempotent=idempotent, resource=resource, operation=operation
        )

    def put(
        self,
        path: str,
        json: Any = None,
        *,
        idempotent: bool = False,
        resource: str | None = None,
        operation: str | None = None,
    ) -> Any:
        return self.request(
            "PUT", path, json=json, idempotent=idempotent, resource=resource, operation=operation
        )

    def patch(
        self,
        path: str,
        json: Any = None,
        *,
        idempotent: bool = False,
        resource: str | None = None,
        operation: str | None = None,
    ) -> Any:
        return self.request(
            "PATCH", path, json=json, idempotent=idempotent, resource=resource, operation=operation
        )

    # -- pagination --------------------------------------------------------------------------
    def page(
        self,
        path: str,
        params: Params = None,
        *,
        items_key: str | None = None,
        cursor: PageCursor | None = None,
        resource: str | None = None,
    ) -> Page:
        """Fetch one page of a V1 or V2 collection, starting at ``cursor`` if given.

        V1 pages repeat the same params plus ``page_token``; V2 pages follow ``nextUrl`` as
        given (its path and query, re-based onto this client's base URL).
        """
        version = api_version_of(path)
        if cursor is not None and cursor.api_version != version:
            raise ValueError("page cursor is for the other API version")
        if version == "v2":
            if cursor is not None:
                body = self.get(self._rebase(cursor.value), resource=resource)
            else:
                body = self.get(path, params, resource=resource)
            return v2_page(body)
        query = dict(params or {})
        if cursor is not None:
            query["page_token"] = cursor.value
        body = self.get(path, query, resource=resource)
        return v1_page(body, items_key or "data")

    def iter_pages(
        self,
        path: str,
        params: Params = None,
        *,
        items_key: str | None = None,
        resource: str | None = None,
    ) -> Iterator[Page]:
        cursor: PageCursor | None = None
        while True:
            page = self.page(path, params, items_key=items_key, cursor=cursor, resource=resource)
            yield page
            if page.next is None or page.next == cursor:
                return
            cursor = page.next

    def iter_items(
        self,
        path: str,
        params: Params = None,
        *,
        items_key: str | None = None,
        resource: str | None = None,
    ) -> Iterator[Any]:
        for page in self.iter_pages(path, params, items_key=items_key, resource=resource):
            yield from page.items

    def search(
        self,
        path: str,
        criteria: dict[str, Any],
        params: Params = None,
        *,
        cursor: PageCursor | None = None,
        resource: str | None = None,
    ) -> Page:
        """One page of a V2 search (``POST``, answered 201): ``criteria`` is the body of every
        page's request; a ``cursor`` (the previous page's ``next``) gives the page's query.
        A search changes nothing, so it is retried like a read."""
        if cursor is not None:
            if cursor.api_version != "v2":
                raise ValueError("page cursor is for the other API version")
            path, params = self._rebase(cursor.value), None
        body = self.request(
            "POST", path, params=params, json=criteria, idempotent=True, resource=resource
        )
        return v2_page(body)

    def _rebase(self, path_and_query: str) -> str:
        if self._base_path and path_and_query.startswith(self._base_path + "/"):
            return path_and_query[len(self._base_path) :]
        return path_and_query

    # -- identity ----------------------------------------------------------------------------
    def whoami(self) -> dict[str, Any]:
        """``{user: {id, name, email}, tenant: {id, name, subdomain}}`` for this key."""
        body = self.get("/auth/whoami")
        user = body.get("user") or {}
        tenant = body.get("tenant") or {}
        name = " ".join(p for p in (user.get("firstName"), user.get("lastName")) if p).strip()
        return {
            "user": {
                "id": user.get("id"),
                "name": name or None,
                "email": user.get("email") or user.get("emailAddress"),
            },
            "tenant": {
                "id": tenant.get("id"),
                "name": tenant.get("name"),
                "subdomain": tenant.get("subdomain"),
            },
        }

    def fetch_rate_limit(self) -> RateLimitSnapshot:
        """Ask Affinity for this key's budgets (V2 ``GET /v2/rate-limit``; V1 ``/rate-limit``
        where the key's V2 version predates it) and follow the per-minute limit it reports."""
        try:
            snapshot = RateLimitSnapshot.from_v2_body(self.get("/v2/rate-limit") or {})
        except (NotFoundError, InvalidRequestError):
            snapshot = RateLimitSnapshot.from_v1_body(self.get("/rate-limit") or {})
        self._rate_limit = snapshot
        if self._follow_user_limit and snapshot.user_limit:
            self._limiter.resize(snapshot.user_limit)
        return snapshot

    # -- memo for slow-changing metadata (list definitions) -------------------------------------
    def memo(self, key: Any, ttl: float, load: Callable[[], T]) -> T:
        """Return a value cached on this client for ``ttl`` seconds, loading it if stale."""
        now = self._clock()
        hit = self._memo.get(key)
        if hit and now - hit[0] < ttl:
            return cast(T, hit[1])
        value = load()
        self._memo[key] = (now, value)
        return value

    def forget(self, key: Any) -> None:
        self._memo.pop(key, None)

    def peek(self, key: Any, ttl: float) -> Any:
        """The value cached under ``key`` if younger than ``ttl`` seconds, else None (never
        a request)."""
        hit = self._memo.get(key)
        return hit[1] if hit and self._clock() - hit[0] < ttl else None

    def remember(self, key: Any, value: Any) -> None:
        """Cache ``value`` under ``key`` from now (what the caller already knows)."""
        self._memo[key] = (self._clock(), value)

    # -- V2 right after a V1 write -----------------------------------------------------------
    def settle(self, action: Callable[[], T], *, within: float = SETTLE_SECONDS) -> T:
        """Run ``action``, repeating it while it raises :class:`NotFoundError`.

        For a V2 read or write about something V1 just created or changed: V2 can answer 404
        for it for roughly 100-500 ms (reference/affinity-api.md §7.4). Waits 0.15 s, 0.3 s,
        0.6 s … (capped at 2 s) and gives up, re-raising the 404, once ``within`` seconds (and
        never more than ``max_call_seconds``) have passed.
        """
        deadline = self._clock() + min(within, self.max_call_seconds)
        delay = SETTLE_FIRST_DELAY
        while True:
            try:
                return action()
            except NotFoundError:
                if self._clock() + delay > deadline:
                    raise
                log.info("V2 does not see a V1 write yet; retrying in %.2fs", delay)
                self._sleep(delay)
                delay = min(delay * 2, 2.0)

    # -- the core ----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        json: Any = None,
        idempotent: bool | None = None,
        resource: str | None = None,
        operation: str | None = None,
    ) -> Any:
        """Send one logical request with the retry rules of :mod:`affinity_client.retry`."""
        method = method.upper()
        version = api_version_of(path)
        headers = {"Authorization": self._auth[version]}
        if version == "v2":
            headers["X-Affinity-Api-Version"] = self.api_version
        call = _Call(
            method=method,
            path=path,
            version=version,
            headers=headers,
            query=_encode_params(params),
            json=json,
            resource=resource,
            safe=method in SAFE_METHODS or bool(idempotent),
            operation=operation or f"{method} {path.split('?')[0]}",
            deadline=self._clock() + self.max_call_seconds,
        )
        attempt = 0
        while True:
            attempt += 1
            self._take_rate_slot(call.deadline)
            outcome = self._attempt(call, attempt)
            if not isinstance(outcome, _Retry):
                return outcome
            if attempt >= self.retry.max_attempts or self._clock() + outcome.delay > call.deadline:
                raise outcome.error
            log.info(
                "retrying %s after %s (attempt %d, %.2fs)",
                call.operation,
                type(outcome.error).__name__,
                attempt,
                outcome.delay,
            )
            self._sleep(outcome.delay)

    def _attempt(self, call: _Call, attempt: int) -> Any:
        """One HTTP exchange: the decoded body, a :class:`_Retry`, or an exception raised."""
        remaining = call.deadline - self._clock()
        if remaining <= 0:
            raise AffinityTransportError(
                "Affinity did not answer in time.", api_version=call.version
            )
        timeout = httpx.Timeout(
            min(self.timeout, remaining), connect=min(self.connect_timeout, remaining)
        )
        try:
            self.request_count += 1
            response = self._http.request(
                call.method,
                self.base_url + "/" + call.path.lstrip("/"),
                params=call.query,
                json=call.json,
                headers=call.headers,
                timeout=timeout,
            )
        except NOT_SENT_ERRORS:
            return _Retry(
                AffinityTransportError(api_version=call.version), self.retry.backoff(attempt)
            )
        except httpx.TransportError as exc:
            if not call.safe:
                log.warning("write %s outcome unknown: %s", call.operation, type(exc).__name__)
                raise UnknownOutcomeError(
                    operation=call.operation, api_version=call.version
                ) from None
            return _Retry(
                AffinityTransportError(api_version=call.version), self.retry.backoff(attempt)
            )
        snapshot = RateLimitSnapshot.from_headers(response.headers)
        if snapshot is not None:
            self._rate_limit = snapshot
            if self._follow_user_limit and snapshot.user_limit:
                self._limiter.resize(snapshot.user_limit)
        if response.is_success:
            return _decode(response)
        error = error_from_response(
            response,
            api_version=call.version,
            resource=call.resource,
            retry_after=server_retry_after(response.headers),
            scrub=self.__key,
        )
        if response.status_code == 429 and snapshot is not None and snapshot.org_remaining == 0:
            # The monthly quota, not the minute: nothing to gain by retrying before it resets.
            log.warning("Affinity monthly quota used up (key %s)", self.key_fingerprint)
            raise MonthlyQuotaError(
                reset_seconds=snapshot.org_reset_seconds,
                status=429,
                api_version=call.version,
                request_id=error.request_id,
            )
        if response.status_code == 429:
            return _Retry(error, self.retry.rate_limit_delay(attempt, response.headers))
        if response.status_code >= 500:
            if not call.safe:
                raise UnknownOutcomeError(
                    operation=call.operation,
                    status=error.status,
                    api_version=call.version,
                    request_id=error.request_id,
                )
            return _Retry(error, self.retry.backoff(attempt))
        raise error

    def _take_rate_slot(self, deadline: float) -> None:
        """Wait for the per-key limiter, but never past the call's deadline."""
        while True:
            wait = self._limiter.try_acquire(self._clock())
            if wait <= 0:
                return
            if self._clock() + wait > deadline:
                raise RateLimitedError(
                    "This key is at its per-minute request budget; try again shortly.",
                    retry_after=wait,
                )
            self._sleep(wait)


@dataclass(frozen=True)
class _Call:
    """Everything one logical request needs across its attempts."""

    method: str
    path: str
    version: str
    headers: dict[str, str]
    query: list[tuple[str, Any]] | None
    json: Any
    resource: str | None
    safe: bool
    operation: str
    deadline: float


@dataclass(frozen=True)
class _Retry:
    """An attempt failed in a way worth repeating after ``delay`` seconds."""

    error: AffinityError
    delay: float


def api_version_of(path: str) -> str:
    return "v2" if path == "/v2" or path.startswith("/v2/") else "v1"


def _encode_params(params: Params) -> list[tuple[str, Any]] | None:
    """Drop ``None``, spell booleans ``true``/``false``, repeat list params (``ids=1&ids=2``)."""
    if not params:
        return None
    out: list[tuple[str, Any]] = []
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None:
                continue
            out.append((name, ("true" if item else "false") if isinstance(item, bool) else item))
    return out


def _decode(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise ServerError(
            "Affinity sent a response that is not JSON.", status=response.status_code
        ) from None
