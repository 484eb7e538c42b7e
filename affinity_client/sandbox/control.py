"""Control endpoints under /_sandbox/ (a prefix the real API never uses): keys, faults, log, reset.

They need no auth and are never written to the request log.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, cast

from werkzeug.wrappers import Request, Response

from . import seed
from .store import SandboxState
from .web import ApiError, json_response


def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        raise ApiError(400, "Body must be JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Body must be a JSON object")
    return data


def _int(data: dict[str, Any], name: str, default: int | None = None) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, f"{name} must be an integer")
    return value


def _key(state: SandboxState, data: dict[str, Any]) -> str:
    key = data.get("key")
    if key not in state.keys:
        raise ApiError(404, "Unknown key; GET /_sandbox/users lists them")
    return cast(str, key)


def users(state: SandboxState, request: Request) -> Response:
    with state.lock:
        return json_response(
            {
                "tenant": seed.TENANT,
                "users": [
                    {**u, "revoked": u["api_key"] in state.controls.revoked_keys}
                    for u in seed.USERS
                ],
            }
        )


def revoke(state: SandboxState, request: Request) -> Response:
    state.revoke_key(_key(state, _body(request)))
    return json_response({"ok": True})


def restore(state: SandboxState, request: Request) -> Response:
    state.restore_key(_key(state, _body(request)))
    return json_response({"ok": True})


def rate_limit(state: SandboxState, request: Request) -> Response:
    """`{"key": K, "count": N}` -> N answers of 429 for K; `{"enforce": true}` -> 900/minute."""
    data = _body(request)
    if "enforce" in data:
        with state.lock:
            state.controls.enforce_rate_limit = bool(data["enforce"])
    if "key" in data:
        state.force_rate_limit(_key(state, data), _int(data, "count", 1))
    return json_response({"ok": True})


def monthly_quota(state: SandboxState, request: Request) -> Response:
    """Every counted request answers 429 with `x-ratelimit-limit-org-remaining: 0` until
    `DELETE /_sandbox/faults` (whoami and `/rate-limit` are exempt, as in Affinity)."""
    state.use_up_monthly_quota()
    return json_response({"ok": True})


def plan(state: SandboxState, request: Request) -> Response:
    """`{"monthly_cap": false}`: the account's plan has no monthly request cap (no
    `x-ratelimit-limit-org*` headers; V1 `/rate-limit` says "unlimited"); `true` restores the
    seeded plan's 100,000 a month, as do `DELETE /_sandbox/faults` and reset."""
    data = _body(request)
    if not isinstance(data.get("monthly_cap"), bool):
        raise ApiError(400, "monthly_cap must be true or false")
    state.set_monthly_cap(data["monthly_cap"])
    return json_response({"ok": True})


def replication_lag(state: SandboxState, request: Request) -> Response:
    """`{"ms": N}`: V2 reads and writes of what V1 created in the last N ms answer 404."""
    ms = _int(_body(request), "ms")
    if ms < 0:
        raise ApiError(400, "ms must be zero or more")
    state.set_replication_lag(ms)
    return json_response({"ok": True})


def error(state: SandboxState, request: Request) -> Response:
    """`{"method": "GET", "path": "/persons*", "status": 503, "count": 2}` (fnmatch pattern)."""
    data = _body(request)
    status = _int(data, "status", 500)
    if not 400 <= status <= 599:
        raise ApiError(400, "status must be an HTTP error status")
    path = data.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ApiError(400, "path must be a pattern starting with /")
    state.fail(str(data.get("method", "*")), path, status, _int(data, "count", 1))
    return json_response({"ok": True})


def latency(state: SandboxState, request: Request) -> Response:
    """`{"ms": 200, "path": "/v2/*"}` adds 200 ms to matching requests (default: all)."""
    data = _body(request)
    state.add_latency(_int(data, "ms"), str(data.get("path", "*")))
    return json_response({"ok": True})


def clear_faults(state: SandboxState, request: Request) -> Response:
    state.clear_faults()
    return json_response({"ok": True})


def requests_log(state: SandboxState, request: Request) -> Response:
    if request.method == "DELETE":
        state.clear_requests()
        return json_response({"ok": True})
    with state.lock:
        return json_response({"requests": list(state.requests)})


def reset(state: SandboxState, request: Request) -> Response:
    state.reset()
    return json_response({"ok": True})


def summary(state: SandboxState, request: Request) -> Response:
    with state.lock:
        w = state.world
        return json_response(
            {
                name: len(getattr(w, name))
                for name in (
                    "persons",
                    "organizations",
                    "opportunities",
                    "lists",
                    "list_entries",
                    "fields",
                    "field_values",
                    "notes",
                )
            }
        )


def _acting_user(data: dict[str, Any]) -> dict[str, Any]:
    """`as`: a role ("admin", "standard"), an email or a person id of a seeded user."""
    who = data.get("as")
    for u in seed.USERS:
        if who in (u["role"], u["email"], u["person_id"]):
            return u
    if who is None:
        raise ApiError(400, "`as` names the user to act as (a role, an email or a person id)")
    raise ApiError(404, "Unknown user for `as`; GET /_sandbox/users lists them")


def _stage_write(state: SandboxState, data: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The V2 field write that moves deal `opportunity_id` to the stage named `stage`."""
    opp_id = _int(data, "opportunity_id")
    wanted = str(data.get("stage") or "").strip().casefold()
    with state.lock:
        world = state.world
        opp = world.opportunities.get(opp_id)
        if opp is None:
            raise ApiError(404, f"No opportunity {opp_id}")
        entry = next(
            (
                e
                for e in world.list_entries.values()
                if e["entity_type"] == 8 and e["entity_id"] == opp_id
            ),
            None,
        )
        if entry is None:
            raise ApiError(404, f"Opportunity {opp_id} is on no list")
        status = next(
            (
                f
                for f in world.fields.values()
                if f["list_id"] == entry["list_id"] and f["name"] == "Status"
            ),
            None,
        )
        if status is None:
            raise ApiError(400, "That deal's list has no Status field")
        options = status["dropdown_options"]
        option = next((o for o in options if o["text"].casefold() == wanted), None)
        if option is None:
            names = ", ".join(o["text"] for o in options)
            raise ApiError(400, f"stage must be one of: {names}")
    path = f"/v2/lists/{entry['list_id']}/list-entries/{entry['id']}/fields/field-{status['id']}"
    body = {"value": {"type": "ranked-dropdown", "data": {"dropdownOptionId": option["id"]}}}
    return "POST", path, body


def act_as(state: SandboxState, request: Request, wsgi: Any, **_: Any) -> Response:
    """Make a change happen as another user, through the API's own write paths (so it is
    recorded, with that user as the changer, like any write): `{"as": "standard", "action":
    "stage", "opportunity_id": 30001, "stage": "IC"}` or `{"as": …, "action": "add-entry",
    "list_id": 205, "entity_id": 2001}`. Answers with the API's own status and body; `wsgi` is
    the sandbox's own app, which serves the write."""
    from werkzeug.test import Client

    data = _body(request)
    user = _acting_user(data)
    action = data.get("action")
    if action == "stage":
        method, path, body = _stage_write(state, data)
        headers = {"Authorization": f"Bearer {user['api_key']}"}
    elif action == "add-entry":
        method, path = "POST", f"/lists/{_int(data, 'list_id')}/list-entries"
        body = {"entity_id": _int(data, "entity_id")}
        token = base64.b64encode(f":{user['api_key']}".encode()).decode()
        headers = {"Authorization": f"Basic {token}"}
    else:
        raise ApiError(400, "action must be stage or add-entry")
    answer = Client(wsgi).open(path, method=method, json=body, headers=headers)
    text = answer.get_data(as_text=True)
    return json_response(
        {"status": answer.status_code, "body": json.loads(text) if text.strip() else None},
        200 if answer.status_code < 400 else answer.status_code,
    )


def webhook_deliveries(state: SandboxState, request: Request) -> Response:
    """GET: every recorded delivery (oldest first) with each attempt's outcome."""
    return json_response({"deliveries": state.deliveries.recorded()})


def flush_webhooks(state: SandboxState, request: Request) -> Response:
    """Wait until every queued delivery has been attempted (`{"timeout": 10}` at most)."""
    data = _body(request)
    timeout = data.get("timeout", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ApiError(400, "timeout must be a positive number of seconds")
    done = state.deliveries.flush(float(min(timeout, 60)))
    return json_response({"ok": done}, 200 if done else 504)


def redeliver_webhook(state: SandboxState, request: Request) -> Response:
    """Send a recorded delivery again, unchanged (`{"delivery": id}`; the last one without),
    as Affinity does when it did not see an answer."""
    data = _body(request)
    wanted = _int(data, "delivery") if "delivery" in data else None
    found = state.deliveries.redeliver(wanted)
    if found is None:
        raise ApiError(404, "No such delivery; GET /_sandbox/webhooks/deliveries lists them")
    return json_response({"ok": True, "delivery": found.id})


def _handler(func: Callable[[SandboxState, Request], Response]) -> Callable[..., Response]:
    def run(state: SandboxState, request: Request, **_: Any) -> Response:
        return func(state, request)

    return run


ROUTES = [
    ("/_sandbox/users", ["GET"], _handler(users)),
    ("/_sandbox/keys/revoke", ["POST"], _handler(revoke)),
    ("/_sandbox/keys/restore", ["POST"], _handler(restore)),
    ("/_sandbox/faults/rate-limit", ["POST"], _handler(rate_limit)),
    ("/_sandbox/faults/monthly-quota", ["POST"], _handler(monthly_quota)),
    ("/_sandbox/plan", ["POST"], _handler(plan)),
    ("/_sandbox/faults/replication-lag", ["POST"], _handler(replication_lag)),
    ("/_sandbox/faults/error", ["POST"], _handler(error)),
    ("/_sandbox/faults/latency", ["POST"], _handler(latency)),
    ("/_sandbox/faults", ["DELETE"], _handler(clear_faults)),
    ("/_sandbox/requests", ["GET", "DELETE"], _handler(requests_log)),
    ("/_sandbox/reset", ["POST"], _handler(reset)),
    ("/_sandbox/state", ["GET"], _handler(summary)),
    ("/_sandbox/act-as", ["POST"], act_as),
    ("/_sandbox/webhooks/deliveries", ["GET"], _handler(webhook_deliveries)),
    ("/_sandbox/webhooks/flush", ["POST"], _handler(flush_webhooks)),
    ("/_sandbox/webhooks/redeliver", ["POST"], _handler(redeliver_webhook)),
]
