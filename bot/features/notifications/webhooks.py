"""`/affinity webhooks on|off|status`: one Affinity webhook per firm, so that followed lists are
read as soon as something changes instead of at the next poll.

A workspace admin turns it on with their own key (V2 `POST /v2/webhooks`, for the event types
subscriptions need). Affinity documents no signature on deliveries (its V1 webhook pages and
the V2 spec describe the payload, `{"type", "body", "sent_at"}`, and nothing that proves who sent
it), so the delivery URL carries an unguessable secret: `<PUBLIC_URL>/affinity/webhooks/<secret>`.
The app keeps only the secret's SHA-256 (`WebhookRegistrations`). A delivery never carries news to
Slack itself: it only makes each follower's next read come sooner (`webhooks_receiver.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from affinity_client import AffinityClient
from affinity_client.errors import (
    AffinityError,
    InvalidRequestError,
    NotFoundError,
    UnknownOutcomeError,
)
from bot.blocks import error_message, kit
from bot.connector import PermissionProblem, parse_identifier
from bot.features.connect import is_workspace_admin, known_workspace_admin
from bot.features.notifications.messages import every_poll
from bot.features.notifications.store import tenant_of
from bot.features.notifications.webhooks_models import WebhookRegistration
from bot.services import Clock, Services

log = logging.getLogger(__name__)

DELIVERY_PATH = "/affinity/webhooks/"
EVENT_TYPES = (
    "list_entry.created",
    "list_entry.deleted",
    "field_value.created",
    "field_value.updated",
    "field_value.deleted",
)
"""What subscriptions need: entries added or removed, and field values (stages among them) set."""
PENDING_LIMIT = timedelta(minutes=2)
"""A registration still without a webhook id after this is a crashed `on`, and may be replaced."""
QUIET_WARNING = timedelta(days=1)
"""`status` mentions a webhook that has delivered nothing for this long."""


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class WebhookRegistrations:
    """The `notify_webhooks` rows (no Slack, no Affinity here)."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.clock = clock
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def of_tenant(self, tenant: str) -> WebhookRegistration | None:
        with self.sessions() as session:
            return session.get(WebhookRegistration, tenant)

    def begin(self, tenant: str, creator: str) -> str | None:
        """A new secret for `tenant`, its hash stored (pending); None when the tenant has a
        registration already (one webhook per firm) that is not a crashed attempt."""
        secret = secrets.token_urlsafe(32)
        now = self.clock()
        with self.sessions.begin() as session:
            found = session.get(WebhookRegistration, tenant)
            if found is not None:
                if found.webhook_id is not None or now - found.created_at < PENDING_LIMIT:
                    return None
                session.delete(found)
        row = WebhookRegistration(
            tenant=tenant,
            webhook_id=None,
            secret_hash=secret_hash(secret),
            created_by=creator,
            created_at=now,
            last_delivery_at=None,
            deliveries=0,
        )
        try:
            with self.sessions.begin() as session:
                session.add(row)
        except IntegrityError:  # another admin's `on` at the same moment
            return None
        return secret

    def activate(self, tenant: str, webhook_id: int) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(WebhookRegistration)
                .where(WebhookRegistration.tenant == tenant)
                .values(webhook_id=webhook_id)
            )

    def remove(self, tenant: str) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(WebhookRegistration).where(WebhookRegistration.tenant == tenant))

    def by_secret(self, secret: str) -> WebhookRegistration | None:
        """The registration whose URL carries `secret` (compared in constant time)."""
        wanted = secret_hash(secret)
        with self.sessions() as session:
            found = session.scalars(
                select(WebhookRegistration).where(WebhookRegistration.secret_hash == wanted)
            ).first()
        if found is None or not hmac.compare_digest(found.secret_hash, wanted):
            return None
        return found

    def delivered(self, tenant: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(WebhookRegistration)
                .where(WebhookRegistration.tenant == tenant)
                .values(
                    last_delivery_at=self.clock(),
                    deliveries=WebhookRegistration.deliveries + 1,
                )
            )


# -- the command ------------------------------------------------------------------------------


def reply(
    services: Services, action: str, identifier: str, client: WebClient | None
) -> kit.Message:
    tenant = tenant_of(services, identifier)
    registrations = WebhookRegistrations(services.engine, services.clock)
    user_id = parse_identifier(identifier).user_id
    if action == "status":
        found = registrations.of_tenant(tenant) if tenant else None
        return _status(services, found, identifier, admin=known_workspace_admin(client, user_id))
    if client is None or not is_workspace_admin(client, user_id):
        return error_message(
            "Only a workspace admin can turn Affinity webhooks on or off.",
            "`/affinity webhooks status` shows whether they are on.",
        )
    if tenant is None:
        return error_message(
            "I don't know your Affinity account yet; reconnect with `/affinity connect`."
        )
    if action == "off":
        return _off(services, registrations, tenant, identifier)
    return _on(services, registrations, tenant, identifier)


def _polling(services: Services) -> str:
    return every_poll(services.settings.notify_poll_seconds)


def delivery_base(services: Services) -> str | None:
    """The URL Affinity delivers to, before the secret; None when it cannot reach the app."""
    settings = services.settings
    if settings.mode == "socket" or not settings.public_url:
        return None
    return settings.public_url.rstrip("/") + DELIVERY_PATH


def _on(
    services: Services, registrations: WebhookRegistrations, tenant: str, identifier: str
) -> kit.Message:
    base = delivery_base(services)
    if base is None:
        why = (
            "the app runs in Socket Mode, which Affinity cannot reach"
            if services.settings.mode == "socket"
            else "`PUBLIC_URL` (the app's address as Affinity reaches it) is not set"
        )
        return kit.section_message(
            f":information_source: Webhooks need the app reachable over HTTP, and {why}. "
            f"Followed lists are read {_polling(services)} instead (polling) — nothing is missed, "
            "changes just arrive at the next read."
        )
    secret = registrations.begin(tenant, identifier)
    if secret is None:
        return kit.section_message(
            ":white_check_mark: Webhooks are already on for your Affinity account "
            "(`/affinity webhooks status` says since when)."
        )
    body = {"url": base + secret, "subscriptions": list(EVENT_TYPES)}

    def create(client: AffinityClient) -> Any:
        return client.post("/v2/webhooks", body, resource="webhook", operation="create webhook")

    try:
        created = services.connector.run(identifier, "webhooks_on", create)
    except InvalidRequestError as error:
        registrations.remove(tenant)
        if error.param is None:  # the spec: the firm's webhook limit is a bad-request, no param
            return error_message(
                "Your Affinity account already has as many webhooks as Affinity allows, so I "
                f"can't add one. Followed lists are still read {_polling(services)} (polling).",
                "An Affinity admin can delete a webhook the firm no longer uses, then try "
                "`/affinity webhooks on` again.",
            )
        return error_message(
            "Affinity could not deliver its test event to this app, so it refused the webhook. "
            f"Followed lists are still read {_polling(services)} (polling).",
            "Check that `PUBLIC_URL` is this app's address as seen from the internet (HTTPS).",
        )
    except UnknownOutcomeError:
        registrations.remove(tenant)
        return error_message(
            "Affinity did not answer in time, so I don't know whether it created the webhook; "
            f"followed lists are still read {_polling(services)} (polling).",
            "Try `/affinity webhooks on` again in a minute. A webhook Affinity did create "
            "meanwhile has its deliveries refused, and Affinity disables it after a few hours.",
        )
    except PermissionProblem:
        registrations.remove(tenant)
        return error_message(
            "Your Affinity key may not create webhooks. "
            f"Followed lists are still read {_polling(services)} (polling)."
        )
    except AffinityError as error:
        registrations.remove(tenant)
        return error_message(
            f"Affinity did not create the webhook: {error}. "
            f"Followed lists are still read {_polling(services)} (polling)."
        )
    registrations.activate(tenant, int(created["id"]))
    log.info("Affinity webhook %s created for tenant %s", created["id"], tenant)
    return kit.section_message(
        ":zap: Webhooks are on for your Affinity account: a change on a followed list is now "
        "read within seconds, with each follower's own key. Reading "
        f"{_polling(services)} continues as the fallback."
    )


def _off(
    services: Services, registrations: WebhookRegistrations, tenant: str, identifier: str
) -> kit.Message:
    found = registrations.of_tenant(tenant)
    if found is None or found.webhook_id is None:
        return kit.section_message(
            f":information_source: Webhooks are off; followed lists are read {_polling(services)}."
        )
    webhook_id = found.webhook_id

    def drop(client: AffinityClient) -> Any:
        return client.request("DELETE", f"/v2/webhooks/{webhook_id}", resource="webhook")

    left_in_affinity = ""
    try:
        services.connector.run(identifier, "webhooks_off", drop)
    except NotFoundError:  # gone already, or created by someone whose webhooks this key can't see
        if found.created_by != identifier:
            creator = parse_identifier(found.created_by).user_id
            left_in_affinity = (
                f" Affinity did not let your key delete webhook {webhook_id}: <@{creator}> "
                "created it, and they or an Affinity admin can remove it there (its deliveries "
                "are refused from now on)."
            )
    except AffinityError as error:
        return error_message(f"Affinity did not delete the webhook: {error}. Webhooks stay on.")
    registrations.remove(tenant)
    return kit.section_message(
        f":no_bell: Webhooks are off. Followed lists are read {_polling(services)}."
        + left_in_affinity
    )


def _status(
    services: Services, found: WebhookRegistration | None, identifier: str, *, admin: bool
) -> kit.Message:
    """Whether webhooks are on, for anyone; the webhook's id and the admin who turned it on
    only for workspace admins (who are the ones to act on them)."""
    polling = f"Followed lists are read {_polling(services)} either way (polling is the fallback)."
    said = describe(services, found, detailed=admin)
    if found is None or found.webhook_id is None:
        return kit.section_message(f"{said} {polling}")
    again = (
        "`webhooks off` then `on` registers it again"
        if admin
        else "a workspace admin can register it again (`webhooks off`, then `on`)"
    )
    quiet = ""
    reference = found.last_delivery_at or found.created_at
    if _disabled_in_affinity(services, identifier, found.webhook_id):
        quiet = (
            " But Affinity has *disabled* it (its deliveries failed for hours, or someone "
            f"disabled it there): {again}."
        )
    elif services.clock() - reference > QUIET_WARNING:
        quiet = (
            " Nothing has arrived for a while: Affinity disables a webhook whose deliveries "
            f"fail for hours, so if lists do change, {again}."
        )
    return kit.section_message(f"{said} {polling}{quiet}")


def describe(
    services: Services, found: WebhookRegistration | None, *, detailed: bool = True
) -> str:
    """One sentence on the firm's webhook from the app's own records (no Affinity request):
    for `webhooks status` and the admin's App Home. `detailed`: with the webhook's id and the
    admin who turned it on (for workspace admins only)."""
    if found is None or found.webhook_id is None:
        where = (
            " (the app runs in Socket Mode, which Affinity cannot reach)"
            if services.settings.mode == "socket"
            else ""
        )
        return f":information_source: Webhooks are off{where}."
    now = services.clock()
    if found.last_delivery_at is None:
        last = "none has arrived yet"
    else:
        last = f"the last arrived {_ago(now, found.last_delivery_at)}"
    if detailed:
        creator = parse_identifier(found.created_by).user_id
        since = (
            f"Affinity webhook {found.webhook_id}, turned on by <@{creator}> "
            f"{_ago(now, found.created_at)}"
        )
    else:
        since = f"turned on by a workspace admin {_ago(now, found.created_at)}"
    return (
        f":zap: Webhooks are on ({since}); {found.deliveries} "
        f"deliver{'y' if found.deliveries == 1 else 'ies'}, {last}."
    )


def tenant_registration(services: Services, identifier: str) -> WebhookRegistration | None:
    """The webhook registered for the Affinity firm of `identifier`'s key, if any."""
    tenant = tenant_of(services, identifier)
    registrations = WebhookRegistrations(services.engine, services.clock)
    return registrations.of_tenant(tenant) if tenant else None


def _disabled_in_affinity(services: Services, identifier: str, webhook_id: int) -> bool:
    """Whether Affinity says the webhook is disabled; False when the caller's key cannot see
    it (only its creator and those who manage all webhooks can) or Affinity does not answer."""

    def read(client: AffinityClient) -> Any:
        return client.get(f"/v2/webhooks/{webhook_id}", resource="webhook")

    try:
        found = services.connector.run(identifier, "webhooks_status", read)
    except AffinityError:
        return False
    return isinstance(found, dict) and found.get("status") == "disabled"


def _ago(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 90:
        return "just now" if seconds < 10 else f"{seconds} seconds ago"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes ago"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} hours ago"
    return f"{round(seconds / 86400)} days ago"
