"""Connecting a key: the private modal, its submission, status, disconnect, tenant pinning.

`/affinity connect` (dispatched by the commands feature to `open_connect_modal`) and the
Connect / Reconnect buttons open the modal right after the ack (trigger ids expire in 3 s).

On submit, the key is checked with Affinity's whoami *before* anything is stored, inside Slack's
3 seconds (a 2.2 s budget, no retries): a refused key (401) or an unreachable Affinity gets an
error inside the modal (`response_action: errors`) and nothing is kept; a key for another
Affinity tenant than the workspace is pinned to is refused the same way. A good key is sealed
(ACTIVE), the modal closes, and after the ack the user's lists are cached, the permissions their
key actually has are probed, and a DM tells them who and which workspace they are connected as
and which tools they can use. The key itself is never logged, echoed or put in a message.

Opened by `/affinity link-agent`, the modal also asks for an "agent identifier": it links an
external identifier (bot/adapters/links.py) to the user's account with the key, so their own
agents can name it; this is the only way a link is made. A malformed one, one linked to someone
else or one with a key of its own is refused in the modal before anything is stored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import sessionmaker

from affinity_client import AffinityClient
from affinity_client.errors import AffinityError, AuthenticationError, PermissionDeniedError
from affinity_client.probe import probe_permissions
from affinity_client.retry import RetryPolicy
from bot.blocks import actions as ids
from bot.blocks import kit
from bot.blocks.connection import (
    connect_button,
    connect_modal,
    connected,
    connection_status,
    disconnect_confirmation,
    disconnected,
    probe_lines,
)
from bot.blocks.text import escape_clip, pack_lines
from bot.connector import (
    CONNECTION,
    ConnectorError,
    NotConnectedError,
    click_identifier,
    explain_forbidden,
    identifier_for,
    parse_identifier,
)
from bot.erasure import erase_read_data
from bot.features.home import connection_view, publish_home
from bot.models import TenantPin
from bot.services import Services
from vault import AffinityProfile
from vault.redaction import register_secret

log = logging.getLogger("bot.features.connect")

WHOAMI_SECONDS = 2.2  # whoami must answer inside Slack's 3 s view_submission window
BAD_KEY = (
    "Affinity did not accept this key. Check that you copied the whole key (Affinity "
    "shows it only once; generate a new one under Settings → Manage Apps if needed)."
)
UNREACHABLE = (
    "Affinity could not be reached to check the key. Nothing was saved; please try "
    "again in a minute."
)
KEY_SHAPE = "Paste only the API key: no spaces or line breaks inside it."


# ------------------------------------------------------------------------------ the modal


@dataclass(frozen=True)
class AfterConnect:
    """Where a key modal opened on the way to something else goes back to, once connected.

    A feature opens `connect_modal({"then": <name>, ...})` and registers the name with
    `after_connect`. On a good key the modal is replaced at once by `view(metadata)` (in the
    acknowledgement), then `resume(services, client, identifier, metadata, view_id)` runs.
    """

    view: Callable[[dict[str, Any]], dict[str, Any]]
    resume: Callable[[Services, WebClient, str, dict[str, Any], str], None]


_AFTER_CONNECT: dict[str, AfterConnect] = {}


def after_connect(name: str, then: AfterConnect) -> None:
    _AFTER_CONNECT[name] = then


def _continuation(view: dict[str, Any]) -> tuple[AfterConnect | None, dict[str, Any]]:
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None, {}
    if not isinstance(metadata, dict):
        return None, {}
    return _AFTER_CONNECT.get(str(metadata.get("then") or "")), metadata


def open_connect_modal(
    services: Services,
    client: WebClient,
    trigger_id: str,
    identifier: str,
    *,
    link: bool = False,
) -> None:
    """Open the private key modal (call right after the ack: trigger ids last 3 s); `link`
    also asks for an agent identifier to link (`/affinity link-agent`)."""
    account = services.connector.account(identifier)
    reconnect = account is not None and str(account.status) == "REVOKED"
    view = connect_modal({}, reconnect=reconnect, link=link, current=connection_view(account))
    client.views_open(trigger_id=trigger_id, view=view)


def _submitted_key(view: dict[str, Any]) -> str:
    block = (view.get("state") or {}).get("values", {}).get(ids.API_KEY_BLOCK) or {}
    field: dict[str, Any] = block.get(ids.API_KEY_ACTION) or next(iter(block.values()), {})
    return (field.get("value") or "").strip()


def _submitted_link(view: dict[str, Any]) -> str:
    block = (view.get("state") or {}).get("values", {}).get(ids.LINK_BLOCK) or {}
    field: dict[str, Any] = block.get(ids.LINK_ACTION) or next(iter(block.values()), {})
    return (field.get("value") or "").strip()


def link_problem(services: Services, identifier: str, external: str) -> str | None:
    """Why the Slack user `identifier` may not link the agent identifier `external`, or None."""
    from bot.adapters.identifiers import EXTERNAL_IDENTIFIER, FORMAT
    from bot.adapters.links import Links

    if not EXTERNAL_IDENTIFIER.fullmatch(external):  # never ':' either: that is a Slack account
        return f"“{external}” is not a valid identifier: use {FORMAT}."
    owner = Links(services.engine, services.clock).owner(external)
    if owner is not None and owner != identifier:
        return f"“{external}” is already linked to someone else's account. Pick another name."
    if services.vault.get_account(CONNECTION, external) is not None:
        return f"“{external}” is an account of its own in this app. Pick another name."
    return None


def check_key(services: Services, api_key: str) -> dict[str, Any]:
    """whoami with a short, single-attempt budget. Raises AffinityError."""
    client = AffinityClient(
        api_key,
        base_url=services.settings.affinity_base_url,
        api_version=services.settings.affinity_api_version,
        timeout=WHOAMI_SECONDS,
        connect_timeout=1.0,
        max_call_seconds=WHOAMI_SECONDS,
        retry=RetryPolicy(max_attempts=1),
    )
    try:
        return client.whoami()
    finally:
        client.close()


def profile_of(whoami: dict[str, Any]) -> AffinityProfile:
    user, tenant = whoami["user"], whoami["tenant"]
    return AffinityProfile(
        user_id=int(user["id"]),
        user_name=user.get("name") or "",
        user_email=user.get("email"),
        tenant_id=int(tenant["id"]),
        tenant_name=tenant.get("name") or "",
        tenant_subdomain=tenant.get("subdomain"),
    )


def key_problem(
    services: Services, team_id: str, api_key: str
) -> tuple[str | None, AffinityProfile | None]:
    """(error for the modal, None) or (None, profile of a good key for an allowed tenant)."""
    if any(ch.isspace() for ch in api_key):
        return KEY_SHAPE, None
    try:
        profile = profile_of(check_key(services, api_key))
    except AuthenticationError:
        return BAD_KEY, None
    except PermissionDeniedError as denied:
        return explain_forbidden("whoami", denied), None
    except (AffinityError, KeyError, TypeError, ValueError):
        log.warning("whoami failed while connecting a key for team %s", team_id, exc_info=False)
        return UNREACHABLE, None
    pinned = pinned_tenant(services, team_id)
    if pinned is not None and pinned[0] != profile.tenant_id:
        name = escape_clip(profile.tenant_name or "another Affinity workspace", 100)
        firm = escape_clip(pinned[1] or "your firm's Affinity", 100)
        return (
            f"This key belongs to the Affinity workspace “{name}”, but this Slack workspace "
            f"only connects to “{firm}”. Use a key from that Affinity account."
        ), None
    return None, profile


def handle_submission(
    services: Services, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    user, team = body["user"], body.get("team") or {}
    team_id = team.get("id") or user.get("team_id")
    enterprise = (body.get("enterprise") or {}).get("id")
    identifier = identifier_for(team_id, user["id"], enterprise)
    api_key = _submitted_key(body.get("view") or {})
    if not api_key:
        ack(response_action="errors", errors={ids.API_KEY_BLOCK: "Paste your API key."})
        return
    register_secret(api_key)  # belt and braces: scrubbed from any log line from now on
    link = _submitted_link(body.get("view") or {})
    bad_link = link_problem(services, identifier, link) if link else None
    if bad_link:
        ack(response_action="errors", errors={ids.LINK_BLOCK: bad_link})
        return
    problem, profile = key_problem(services, team_id, api_key)
    if problem or profile is None:
        ack(response_action="errors", errors={ids.API_KEY_BLOCK: problem or UNREACHABLE})
        return
    connector = services.connector
    services.vault.connect(CONNECTION, identifier, api_key, profile)
    del api_key
    connector.evict(identifier)
    if link:
        from bot.adapters.links import Links

        Links(services.engine, services.clock).link(link, identifier)
    then, metadata = _continuation(body.get("view") or {})
    if then is None:
        ack()
    else:
        ack(response_action="update", view=then.view(metadata))
        try:
            then.resume(services, client, identifier, metadata, body["view"]["id"])
        except Exception:  # connected all the same: the follow-up below still runs
            log.warning("going back after connecting failed", exc_info=True)
    finish_connect(services, client, identifier, user["id"])


def finish_connect(services: Services, client: WebClient, identifier: str, user_id: str) -> None:
    """After the ack: cache lists, probe permissions, refresh their Home, tell the user (the DM
    comes last, so whoever waits for it sees everything else done)."""
    connector = services.connector
    probe: dict[str, Any] | None = None
    try:
        connector.lists(identifier, refresh=True)
        probe = connector.run(identifier, "probe", probe_permissions)
    except ConnectorError as error:  # revoked in between: the revocation DM says what to do
        log.info("connect follow-up for %s stopped: %s", identifier, type(error).__name__)
    except AffinityError:
        log.warning("connect follow-up for %s failed", identifier, exc_info=True)
    publish_home(services, client, identifier)
    account = connector.account(identifier)
    if account is not None and str(account.status) == "ACTIVE":
        message = connected(connection_view(account))
        if probe:
            message["blocks"].append(
                kit.section("*What your key can do*\n" + pack_lines(probe_lines(probe), 2900))
            )
        client.chat_postMessage(channel=user_id, **message)


# ------------------------------------------------------------------------------ status, disconnect


def status_reply(services: Services, identifier: str) -> tuple[str, list[dict]]:
    """`/affinity status`: who, which workspace, status (why revoked), last verified, and which
    tools the key can use (checked live, which also re-verifies the key)."""
    connector = services.connector
    probe = None
    account = connector.account(identifier)
    if account is not None and str(account.status) == "ACTIVE":
        try:
            probe = connector.run(identifier, "probe", probe_permissions)
            services.vault.touch_verified(CONNECTION, identifier)
        except (ConnectorError, AffinityError) as error:
            log.info("status probe for %s: %s", identifier, type(error).__name__)
        account = connector.account(identifier)
    message = connection_status(connection_view(account), probe)
    return message["text"], message["blocks"]


def disconnect_prompt(services: Services, identifier: str) -> tuple[str, list[dict]]:
    """`/affinity disconnect`: a confirmation with Disconnect / Cancel (nothing erased yet)."""
    account = services.connector.account(identifier)
    if account is None or not account.has_credential:
        view = connection_view(account)
        text = "You're not connected to Affinity, so there is nothing to disconnect."
        blocks = [kit.section(text), kit.actions([connect_button(view)])]
        return text, [block for block in blocks if block]
    message = disconnect_confirmation(connection_view(account))
    return message["text"], message["blocks"]


def disconnect(services: Services, identifier: str) -> None:
    """Erase the credential and everything read with it or acting with it (`bot.erasure`: also
    the MCP tokens and linked agent identifiers)."""
    from contextlib import suppress

    from vault import AccountNotFound

    with suppress(AccountNotFound):  # a second click on "Disconnect": nothing left to erase
        services.vault.disconnect(CONNECTION, identifier)
    services.connector.evict(identifier)
    erase_read_data(services.engine, identifier)


# ------------------------------------------------------------------------------ tenant pin


def pinned_tenant(services: Services, team_id: str) -> tuple[int, str | None] | None:
    """(tenant id, name) this Slack workspace may connect to, or None: AFFINITY_TENANT_ID wins
    over a pin set in Slack."""
    configured = services.settings.affinity_tenant_id
    if configured:
        return int(configured), None
    with sessionmaker(services.engine).begin() as session:
        pin = session.get(TenantPin, team_id)
        return (pin.tenant_id, pin.tenant_name) if pin else None


def is_workspace_admin(client: WebClient, user_id: str) -> bool:
    user = client.users_info(user=user_id).get("user") or {}
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def known_workspace_admin(client: WebClient | None, user_id: str) -> bool:
    """True only when Slack says `user_id` is a workspace admin: what is merely shown to admins
    (App Home sections, details in a status) is not shown when Slack cannot say."""
    if client is None:
        return False
    try:
        return is_workspace_admin(client, user_id)
    except SlackApiError as error:
        log.info("admin check failed: %s", error.response.get("error"))
        return False


def pin_tenant_reply(
    services: Services,
    client: WebClient | None,
    team_id: str,
    user_id: str,
    identifier: str,
    *,
    unpin: bool = False,
) -> tuple[str, list[dict]]:
    """`/affinity pin-tenant` (or `unpin-tenant`): a Slack workspace admin pins this workspace
    to the Affinity tenant of their own connected key, so other firms' keys are refused."""

    def reply(text: str) -> tuple[str, list[dict]]:
        return text, [kit.section(text)]

    if services.settings.affinity_tenant_id:
        return reply(
            "This workspace is pinned by the app's configuration (AFFINITY_TENANT_ID); "
            "ask whoever runs the app to change it."
        )
    if client is None or not is_workspace_admin(client, user_id):
        return reply("Only a Slack workspace admin or owner can pin the Affinity workspace.")
    sessions = sessionmaker(services.engine)
    if unpin:
        with sessions.begin() as session:
            pin = session.get(TenantPin, team_id)
            if pin is not None:
                session.delete(pin)
        return reply("Unpinned: keys for any Affinity workspace can be connected here again.")
    account = services.connector.account(identifier)
    if account is None or str(account.status) != "ACTIVE" or account.profile is None:
        return reply(
            "Connect your own Affinity key first (`/affinity connect`): the workspace "
            "is pinned to the Affinity account your key belongs to."
        )
    profile = account.profile
    with sessions.begin() as session:
        pin = session.get(TenantPin, team_id) or TenantPin(team_id=team_id)
        pin.tenant_id, pin.tenant_name = profile.tenant_id, profile.tenant_name
        pin.pinned_by, pin.pinned_at = user_id, services.clock()
        session.add(pin)
    name = escape_clip(profile.tenant_name or str(profile.tenant_id), 100)
    return reply(
        f":pushpin: This Slack workspace now connects only to the Affinity workspace "
        f"*{name}*. Keys for any other Affinity account will be refused."
    )


# ------------------------------------------------------------------------------ listeners


def _actor(body: dict[str, Any]) -> tuple[str, str, str]:
    identifier = click_identifier(body)
    slack_user = parse_identifier(identifier)
    return identifier, slack_user.team_id, slack_user.user_id


def _from_view(body: dict[str, Any]) -> bool:
    return (body.get("container") or {}).get("type") == "view"


class ConnectListeners:
    """The handlers of the key modal and the connect / disconnect buttons (Bolt passes the
    arguments by name; `self` carries the services)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def on_connect_submission(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        handle_submission(self.services, ack, body, client)

    def on_connect_click(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        identifier, _team, _user = _actor(body)
        open_connect_modal(self.services, client, body["trigger_id"], identifier)

    def on_disconnect_click(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        identifier, _team, user_id = _actor(body)
        text, blocks = disconnect_prompt(self.services, identifier)
        if _from_view(body) or not body.get("response_url"):
            client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        else:
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    def on_disconnect_confirm(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        identifier, _team, _user = _actor(body)
        disconnect(self.services, identifier)
        respond(replace_original=True, **disconnected())
        publish_home(self.services, client, identifier)

    @staticmethod
    def on_disconnect_cancel(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replace_original=True, text="Nothing changed: you're still connected to Affinity.")


def register(app: App, services: Services) -> None:
    listeners = ConnectListeners(services)
    app.view(ids.CONNECT_MODAL)(listeners.on_connect_submission)
    app.action(ids.CONNECT)(listeners.on_connect_click)
    app.action(ids.RECONNECT)(listeners.on_connect_click)
    app.action(ids.DISCONNECT)(listeners.on_disconnect_click)
    app.action(ids.DISCONNECT_CONFIRM)(listeners.on_disconnect_confirm)
    app.action(ids.DISCONNECT_CANCEL)(listeners.on_disconnect_cancel)


__all__ = [
    "NotConnectedError",
    "check_key",
    "disconnect",
    "disconnect_prompt",
    "finish_connect",
    "open_connect_modal",
    "pin_tenant_reply",
    "pinned_tenant",
    "register",
    "status_reply",
]
