"""The WSGI app: routing, auth, rate-limit headers, fault injection and the request log.

Order per request: control routes (no auth, never logged) -> log -> injected latency ->
auth (401) -> rate limit (429) -> injected 5xx -> route. Every API answer, errors included,
carries the six `x-ratelimit-*` headers.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Mapping
from typing import Any, cast

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.wrappers import Request, Response

from . import (
    control,
    seed,
    v1,
    v2,
    v2_changes,
    v2_fields,
    v2_meetings,
    v2_notes,
    v2_persons,
    v2_rate_limit,
    v2_relationships,
    v2_reminders,
    v2_search,
    v2_users,
    v2_views,
    v2_webhooks,
    versions,
)
from .permissions import denied_message, missing_permission
from .store import HOLD_LIMIT_SECONDS, SandboxState
from .web import ApiError, Ctx, error_body, json_response


def _rules(routes: list[Any], prefix: str) -> list[Rule]:
    return [Rule(path, methods=methods, endpoint=(prefix, func)) for path, methods, func in routes]


class SegmentConverter(BaseConverter):
    """Any one path segment; V2 handlers get ids validated into 400s with the spec's name."""

    regex = r"[^/]+"


URLS = Map(
    _rules(v1.ROUTES, "v1")
    + _rules(v2.ROUTES, "v2")
    + _rules(v2_notes.ROUTES, "v2")
    + _rules(v2_reminders.ROUTES, "v2")
    + _rules(v2_reminders.V1_ROUTES, "v1")
    + _rules(v2_meetings.ROUTES, "v2")
    + _rules(v2_views.ROUTES, "v2")
    + _rules(v2_search.ROUTES, "v2")
    + _rules(v2_changes.ROUTES, "v2")
    + _rules(v2_fields.ROUTES, "v2")
    + _rules(v2_persons.ROUTES, "v2")
    + _rules(v2_relationships.ROUTES, "v2")
    + _rules(v2_users.ROUTES, "v2")
    + _rules(v2_rate_limit.ROUTES, "v2")
    + _rules(v2_webhooks.ROUTES, "v2")
    + _rules(control.ROUTES, "control"),
    strict_slashes=False,
    merge_slashes=False,
    converters={"seg": SegmentConverter},
)

V2_PATH_PARAMS = {
    "person_id": "personId",
    "company_id": "companyId",
    "opportunity_id": "opportunityId",
    "list_id": "listId",
    "entry_id": "listEntryId",
    "note_id": "noteId",
}


V2_ANSWER_OBSERVERS: list[Callable[[dict[str, Any]], None]] = []
"""Test-only: callables given every V2 answer (method, path, status, version, headers, body,
routed) of every sandbox in the process; the test suite's conformance check registers one
(tests/plugins/v2_conformance.py). Empty in normal use: answers are then not copied."""


MONTHLY_EXEMPT = frozenset({"/auth/whoami", "/v2/auth/whoami", "/rate-limit", "/v2/rate-limit"})
"""Not counted against the account's monthly quota: "It is exempt from the monthly limit, as is
`/auth/whoami`" (reference/affinity-api.md §3, from V1's docs on `/rate-limit`). The V2 spec is
silent on `GET /v2/rate-limit`; it reports the same windows, so it is exempt like V1's."""


LAGGING_KINDS = {"opportunity_id": "opportunity", "entry_id": "list_entry", "note_id": "note"}
"""V2 path ids that can name something V1 just created (see `SandboxState.lagging`)."""


def v2_path_ints(args: Mapping[str, Any], version: str = seed.API_VERSION) -> dict[str, Any]:
    """Path ids as integers within the version's bounds, or a 400 naming the spec's parameter."""
    out = dict(args)
    for name, spec_name in V2_PATH_PARAMS.items():
        if name in out:
            out[name] = versions.path_id(out[name], spec_name, version)
    return out


def credentials(request: Request, api: str) -> tuple[str, str | None]:
    """(auth kind, key): kind is "basic", "bearer", "none" or "malformed"."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if not header:
        return "none", None
    if scheme.lower() == "bearer" and value.strip():
        return "bearer", value.strip()
    if scheme.lower() == "basic":
        try:
            _user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "malformed", None
        # Affinity's scheme: empty username, the key as password. A key sent as the username
        # is not accepted, so a client that gets this wrong finds out here, not in production.
        return "basic", password or None
    return "malformed", None


class SandboxApp:
    """WSGI callable over one SandboxState."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        api = "v2" if request.path.startswith("/v2/") or request.path == "/v2" else "v1"
        adapter = URLS.bind_to_environ(request.environ)
        kind: str | None = None
        func: Any = None
        path_rule: str | None = None
        route_error: HTTPException | None = None
        try:
            rule, args = adapter.match(return_rule=True)
        except (NotFound, MethodNotAllowed) as exc:
            args, route_error = {}, exc
        else:
            (kind, func), path_rule = rule.endpoint, rule.rule
        if kind == "control":
            try:
                return cast(Response, func(self.state, request, wsgi=self, **args))
            except ApiError as exc:
                return json_response({"message": exc.message}, exc.status)
        with self.state.lock:
            return self.api_call(request, api, func, args, route_error, path_rule)

    def api_call(
        self,
        request: Request,
        api: str,
        func: Any,
        args: Mapping[str, Any],
        route_error: HTTPException | None,
        path_rule: str | None = None,
    ) -> Response:
        state = self.state
        auth_kind, key = credentials(request, api)
        user = state.user_for_key(key)
        if api == "v2" and auth_kind != "bearer":
            user = None
        default_version = user["api_version"] if user else seed.API_VERSION
        try:
            version = versions.answer_version(request.headers.get(versions.HEADER), default_version)
            version = versions.defining_version(version, request.method, path_rule)
            version_error = None
        except ApiError as exc:
            version, version_error = default_version, exc
        entry = {
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode(),
            "api": api,
            "auth": auth_kind,
            "user_id": user["person_id"] if user else None,
            "status": None,
            "time": time.time(),
        }
        state.log_request(entry)
        delay = state.latency_ms(request.path)
        gates = state.holds_for(request.path)
        if delay or gates:
            state.lock.release()
            try:
                time.sleep(delay / 1000)
                for gate in gates:
                    gate.wait(HOLD_LIMIT_SECONDS)
            finally:
                state.lock.acquire()
        headers, limited = state.count_request(
            key if user else None, monthly=request.path not in MONTHLY_EXEMPT
        )
        response = self.answer(
            request, api, func, args, route_error, user, limited, version, version_error
        )
        for name, value in headers.items():
            response.headers[name] = str(value)
        if response.status_code == 429:
            monthly = headers.get("x-ratelimit-limit-org-remaining") == 0
            reset = "x-ratelimit-limit-org-reset" if monthly else "x-ratelimit-limit-user-reset"
            response.headers["Retry-After"] = headers[reset]
        if api == "v2":
            response.headers[versions.HEADER] = version
            entry["version"] = version
            if V2_ANSWER_OBSERVERS:
                self.observe(request, response, version, routed=route_error is None)
        entry["status"] = response.status_code
        return response

    @staticmethod
    def observe(request: Request, response: Response, version: str, *, routed: bool) -> None:
        answer = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "version": version,
            "headers": dict(response.headers),
            "body": response.get_data(),
            "routed": routed,
        }
        for observer in V2_ANSWER_OBSERVERS:
            observer(answer)

    def answer(
        self,
        request: Request,
        api: str,
        func: Any,
        args: Mapping[str, Any],
        route_error: HTTPException | None,
        user: dict[str, Any] | None,
        limited: bool,
        version: str = seed.API_VERSION,
        version_error: ApiError | None = None,
    ) -> Response:
        def fail(status: int, message: str, param: str | None = None) -> Response:
            return json_response(error_body(api, status, message, param), status)

        if user is None:
            return fail(401, "Invalid API key" if api == "v2" else "Unauthorized")
        if api == "v2" and version_error is not None:
            return fail(version_error.status, version_error.message, version_error.param)
        if limited:
            controls = self.state.controls
            if (
                controls.monthly_cap
                and controls.monthly_quota_used_up
                and request.path not in MONTHLY_EXEMPT
            ):
                return fail(429, "Monthly API request quota exceeded for this account")
            return fail(429, "Too many requests: rate limit exceeded")
        fault = self.state.take_fault(request.method, request.path)
        if fault is not None:
            return fail(
                fault,
                "Internal server error"
                if fault == 500
                else "Service unavailable"
                if fault == 503
                else "Injected error",
            )
        if route_error is not None:
            if isinstance(route_error, MethodNotAllowed):
                return fail(405, "Method not allowed")
            return fail(404, "Not found")
        if api == "v2":
            lacking = missing_permission(user, request.method, request.path, version)
            if lacking is not None:
                return fail(403, denied_message(lacking))
        ctx = Ctx(request=request, user=user, state=self.state, api=api, version=version)
        try:
            if api == "v2":
                args = v2_path_ints(args, version)
                if any(
                    self.state.lagging(kind, args[name])
                    for name, kind in LAGGING_KINDS.items()
                    if name in args
                ):
                    return fail(404, "Not found")
            result = func(ctx, **args)
        except ApiError as exc:
            return fail(exc.status, exc.message, exc.param)
        if isinstance(result, Response):
            return result
        return json_response(result)
