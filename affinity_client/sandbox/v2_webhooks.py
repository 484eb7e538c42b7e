"""V2 webhooks (2026-07-15, beta): `GET/POST /v2/webhooks`, `GET/POST/DELETE /v2/webhooks/{id}`.

A caller sees and changes only the webhooks they created, unless granted "Manage all webhooks"
(the seeded admin); anyone else's webhook answers 404, as the spec says ("does not exist or is
not accessible"). Before a webhook is created, and before an update that changes the URL of an
active webhook or re-activates a disabled one, the sandbox POSTs a test delivery (`{"type":
"sample.webhook", "body": {}, "sent_at": …}`) to the URL: a URL that is not http(s), carries
credentials, is already another webhook's, or does not answer 2xx is a 400 `validation` error on
`url`. The
instance holds at most `WEBHOOK_LIMIT` webhooks (Affinity's V1 limit, reference/affinity-api.md
§3); one more is a 400 `bad-request` with no property. Writes call `SandboxState.emit`, which
delivers each event to the active webhooks subscribed to it (`deliveries.py`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from werkzeug.wrappers import Response

from . import deliveries, seed, v2
from .filter_language import compile_filter, prop
from .versions import path_id
from .web import ApiError, Ctx, json_response, v2_date, v2_page

WEBHOOK_LIMIT = 3
DELIVERY_TIMEOUT_SECONDS = deliveries.DELIVERY_TIMEOUT_SECONDS
SAMPLE_TYPE = "sample.webhook"
SUBSCRIPTION_TYPES = (
    "list.created",
    "list.updated",
    "list.deleted",
    "list_entry.created",
    "list_entry.deleted",
    "note.created",
    "note.updated",
    "note.deleted",
    "field.created",
    "field.updated",
    "field.deleted",
    "field_value.created",
    "field_value.updated",
    "field_value.deleted",
    "person.created",
    "person.updated",
    "person.deleted",
    "organization.created",
    "organization.updated",
    "organization.deleted",
    "organization.merged",
    "opportunity.created",
    "opportunity.updated",
    "opportunity.deleted",
    "file.created",
    "file.deleted",
    "smart_interaction_value.updated",
    "reminder.created",
    "reminder.updated",
    "reminder.deleted",
)
"""`webhooks.SubscriptionType`, shared with the V1 webhook API."""
_WHEN = (">", "<", ">=", "<=")
FILTER = {
    "id": prop("int", "id", "="),
    "createdAt": prop("datetime", "created_at", *_WHEN),
    "updatedAt": prop("datetime", "updated_at", *_WHEN),
}


def _manages_all(ctx: Ctx) -> bool:
    return seed.MANAGE_ALL_WEBHOOKS in (ctx.user.get("grants") or [])


def _visible(ctx: Ctx) -> list[dict[str, Any]]:
    me = ctx.user["person_id"]
    return [
        w
        for _, w in sorted(ctx.world.webhooks.items())
        if _manages_all(ctx) or w["creator_id"] == me
    ]


def _render(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": w["id"],
        "url": w["url"],
        "subscriptions": list(w["subscriptions"]),
        "status": w["status"],
        "creator": {"id": w["creator_id"]} if w["creator_id"] is not None else None,
        "createdAt": v2_date(w["created_at"]),
        "updatedAt": v2_date(w["updated_at"]),
    }


def _webhook(ctx: Ctx, webhook_id: str) -> dict[str, Any]:
    wid = path_id(webhook_id, "webhookId", ctx.version)
    found = ctx.world.webhooks.get(wid)
    if found is None or not (_manages_all(ctx) or found["creator_id"] == ctx.user["person_id"]):
        raise ApiError(404, "Webhook not found")
    return found


def _subscriptions(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > 100:
        raise ApiError(400, "subscriptions must be an array of at most 100", "subscriptions")
    for item in value:
        if item not in SUBSCRIPTION_TYPES:
            raise ApiError(400, f"Unknown subscription type {item!r}", "subscriptions")
    return list(dict.fromkeys(value))


def _check_url(ctx: Ctx, raw: Any, own_id: int | None = None) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ApiError(400, "url must be an absolute http or https URL", "url")
    url = raw.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError(400, "url must be an absolute http or https URL", "url")
    if parts.username is not None or parts.password is not None:
        raise ApiError(400, "url must not contain credentials", "url")
    if any(w["url"] == url and w["id"] != own_id for w in ctx.world.webhooks.values()):
        raise ApiError(400, "url already belongs to another webhook", "url")
    return url


def _test_delivery(ctx: Ctx, url: str) -> None:
    """POST a sample event to `url` (with the state unlocked: the receiver may be slow or even
    call the sandbox back); a transport error or a non-2xx answer refuses the URL."""
    ctx.state.lock.release()
    try:
        answer = httpx.post(
            url,
            content=deliveries.payload(SAMPLE_TYPE, {}),
            headers={"Content-Type": "application/json"},
            timeout=DELIVERY_TIMEOUT_SECONDS,
        )
        ok = answer.is_success
    except httpx.HTTPError:
        ok = False
    finally:
        ctx.state.lock.acquire()
    if not ok:
        raise ApiError(400, "url did not accept the test delivery", "url")


def _body(ctx: Ctx, allowed: set[str]) -> dict[str, Any]:
    body = ctx.body()
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(400, f"Unknown property {unknown[0]}", unknown[0])
    return body


def list_webhooks(ctx: Ctx) -> Any:
    matches = compile_filter(ctx.request.args.get("filter"), FILTER)
    found = [w for w in _visible(ctx) if matches(w)]
    page = v2_page(ctx, found, total_count=v2._total_count(ctx))
    page["data"] = [_render(w) for w in page["data"]]
    return page


def create_webhook(ctx: Ctx) -> Any:
    body = _body(ctx, {"url", "subscriptions"})
    for name in ("url", "subscriptions"):
        if name not in body:
            raise ApiError(400, f"{name} is required", name)
    subscriptions = _subscriptions(body["subscriptions"])
    url = _check_url(ctx, body["url"])
    if len(ctx.world.webhooks) >= WEBHOOK_LIMIT:
        raise ApiError(400, f"The organization has reached its limit of {WEBHOOK_LIMIT} webhooks")
    _test_delivery(ctx, url)
    url = _check_url(ctx, url)  # again: another request may have taken it meanwhile
    if len(ctx.world.webhooks) >= WEBHOOK_LIMIT:
        raise ApiError(400, f"The organization has reached its limit of {WEBHOOK_LIMIT} webhooks")
    wid = ctx.world.new_id("webhook")
    rec = {
        "id": wid,
        "url": url,
        "subscriptions": subscriptions,
        "status": "active",
        "creator_id": ctx.user["person_id"],
        "created_at": datetime.now(UTC),
        "updated_at": None,
    }
    ctx.world.webhooks[wid] = rec
    return json_response(_render(rec), 201)


def get_webhook(ctx: Ctx, webhook_id: str) -> Any:
    return _render(_webhook(ctx, webhook_id))


def update_webhook(ctx: Ctx, webhook_id: str) -> Any:
    rec = _webhook(ctx, webhook_id)
    body = _body(ctx, {"url", "subscriptions", "status"})
    changes: dict[str, Any] = {}
    if "subscriptions" in body:
        changes["subscriptions"] = _subscriptions(body["subscriptions"])
    if "status" in body:
        if body["status"] not in ("active", "disabled"):
            raise ApiError(400, "status must be active or disabled", "status")
        changes["status"] = body["status"]
    if "url" in body:
        changes["url"] = _check_url(ctx, body["url"], rec["id"])
    status = changes.get("status", rec["status"])
    url = changes.get("url", rec["url"])
    reactivated = rec["status"] == "disabled" and status == "active"
    if status == "active" and (url != rec["url"] or reactivated):
        _test_delivery(ctx, url)
        if "url" in changes:
            _check_url(ctx, url, rec["id"])
    if rec["id"] not in ctx.world.webhooks:
        raise ApiError(404, "Webhook not found")
    rec.update(changes)
    rec["updated_at"] = datetime.now(UTC)
    return Response(status=204)


def delete_webhook(ctx: Ctx, webhook_id: str) -> Any:
    rec = _webhook(ctx, webhook_id)
    del ctx.world.webhooks[rec["id"]]
    return Response(status=204)


ROUTES = [
    ("/v2/webhooks", ["GET"], list_webhooks),
    ("/v2/webhooks", ["POST"], create_webhook),
    ("/v2/webhooks/<seg:webhook_id>", ["GET"], get_webhook),
    ("/v2/webhooks/<seg:webhook_id>", ["POST"], update_webhook),
    ("/v2/webhooks/<seg:webhook_id>", ["DELETE"], delete_webhook),
]
