"""The one path from every surface (commands, DMs, the agent, Home) to Affinity.

`Connector.execute_tool(identifier, tool_name, tool_input)`:

1. loads the user's connected account and refuses unless it is ACTIVE (`NotConnectedError`,
   whose text says how to connect or reconnect);
2. opens the credential. One that fails authentication under a configured master key (tampered,
   its profile edited) turns the account REVOKED in the vault and is reported as "could not be
   verified", with a Reconnect DM. One sealed with a master key id this process does not hold
   is the operator's mistake: the account stays ACTIVE, the user is told in one line that the
   app's configuration has a problem (`ConfigurationProblem`), and admins are told at most once
   an hour per workspace (an ERROR log line, and the `on_configuration_problem`
   listeners: a DM to the workspace's installer, see bot/features/admin_alerts.py);
3. runs the tool on a pooled `AffinityClient` — one per account, evicted when the account is
   revoked or disconnected or its credential changes; the pool is keyed by identifier and a
   salted fingerprint of the key, never by the key itself;
4. on a 401 marks the account REVOKED (only if the refused key is still the stored one: a 401 on
   an old key never revokes a freshly reconnected one) and announces it once (the revocation
   feature sends one DM with a Reconnect button, claimed in the database across processes);
5. on a 403 explains which permission is probably missing and leaves the account ACTIVE;
6. on a used-up monthly quota (`MonthlyQuotaError`, the user gets its one line) tells the
   `on_monthly_quota` listeners at most once a day per workspace (a DM to the
   installer, see bot/features/admin_alerts.py);
7. audits every call in `audit_log` (time, identifier, tool, outcome, duration, Affinity status,
   error kind, reference): never the key, never the tool input (note text stays out).

Isolation: the only credential ever opened for a call is the one stored for the identifier the
call names; the vault binds each ciphertext to its identifier, so a row copied across accounts
does not open.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from affinity_client import AffinityClient, know_lists, run_tool
from affinity_client.client import V2_API_VERSION, ApiVersion
from affinity_client.errors import (
    AffinityError,
    AuthenticationError,
    MonthlyQuotaError,
    PermissionDeniedError,
)
from affinity_client.tools.common import KNOWN_LISTS_TTL
from bot.budget import RequestBudgets
from bot.claims import Claims
from bot.models import AuditLogEntry
from vault import (
    AFFINITY,
    UNTRUSTED_REASONS,
    UNVERIFIABLE_REASON,
    AffinityList,
    ConnectedAccount,
    CredentialUnavailable,
    MasterKeyMissing,
    Secret,
    Vault,
)

log = logging.getLogger("bot.connector")

CONNECTION = AFFINITY
CONNECT_HINT = "/affinity connect"
REVOKED_REASON = "Affinity rejected the key (401): it was revoked or regenerated in Affinity"
POOL_SIZE = 512
LIST_LISTS = "affinity_list_lists"
LISTS_FRESH_FOR = timedelta(seconds=KNOWN_LISTS_TTL)
CONFIGURATION_ALERT_INTERVAL = timedelta(hours=1)
QUOTA_ALERT_INTERVAL = timedelta(days=1)
CONFIGURATION_PROBLEM = (
    "This app's configuration has a problem, so it can't use your Affinity key right now. "
    "The app's admins have been told; your connection is kept, nothing to do on your side."
)

# The answer a user needs for each kind of 403 (see reference/affinity-api.md §1.4 and §16).
_PRIVATE_LIST = (
    "Affinity refused access to that list: it is probably a private list that has not been "
    "shared with your Affinity user. Ask its owner to share it with you."
)
_DEAL_LIST = (
    "You don't have access to this deal's list: it is on a private Affinity list that has not "
    "been shared with your Affinity user. Ask the list's owner to share it with you."
)
_LIST_EXPORT = (
    "Affinity refused to return the list's entries: your Affinity role probably lacks the "
    '"Export data from Lists" permission. Ask an Affinity admin to grant it.'
)
_PEOPLE_EXPORT = (
    'Affinity refused this: your Affinity role probably lacks the "Export All People '
    'directory" permission. Ask an Affinity admin to grant it.'
)
_ORG_EXPORT = (
    'Affinity refused this: your Affinity role probably lacks the "Export All Organizations '
    'directory" permission. Ask an Affinity admin to grant it.'
)
_NOTE_OWNER = (
    "Affinity refused this: only the creator of a note may change it, or your role may not "
    "write notes here."
)
_REMINDER_OWNER = (
    "Affinity refused this: only a reminder's owner or its creator may complete or change it. "
    "Ask them to, or to make you its owner."
)
_REMINDER_TOOLS = {"affinity_complete_reminder"}
_ADMIN_ONLY = (
    "Affinity allows this only to admins: ask an Affinity admin to do it, or to change your role."
)
_IP_ALLOWLIST = (
    "Affinity refused the request because of the IP allowlist on your API key: this app's "
    "server address is not on it. Add it in Affinity (Settings → Manage Apps), or use a key "
    "without an allowlist."
)
_GENERIC = (
    "Affinity refused this: your Affinity user lacks a permission it needs (a private list or "
    "record, or an export permission). Your connection is fine; ask an Affinity admin."
)
_LIST_TOOLS = {
    "affinity_list_opportunities",
    "affinity_get_opportunity",
    "affinity_create_opportunity",
    "affinity_update_opportunity",
    "affinity_add_to_list",
    "affinity_get_organization",
}
_PEOPLE_TOOLS = {"affinity_get_person", "affinity_get_relationship_strength"}
# Affinity V1's numeric list types, as older caches and some answers carry them.
LIST_TYPES = {"0": "person", "1": "organization", "8": "opportunity"}
_ORG_TOOLS = {"affinity_search_organizations"}


# ------------------------------------------------------------------------------ cached lists


def list_type(value: object) -> str:
    """A list's type by name ("person", "organization", "opportunity"), in whichever form
    it came."""
    text = "" if value is None else str(value)
    return LIST_TYPES.get(text, text)


def _as_lists(items: Iterable[Mapping[str, Any]]) -> list[AffinityList]:
    """Lists as `affinity_list_lists` returns them, as the vault caches them."""
    return [
        AffinityList(int(item["id"]), str(item.get("name") or ""), list_type(item.get("type")))
        for item in items
    ]


def lists_are_fresh(fetched_at: datetime | None, now: datetime) -> bool:
    """Whether lists cached at `fetched_at` may still be taken as the user's lists: for
    `LISTS_FRESH_FOR`, after which a rename or a new list in Affinity shows."""
    return fetched_at is not None and now - fetched_at < LISTS_FRESH_FOR


def cached_lists(account: ConnectedAccount | None) -> list[AffinityList]:
    """The account's cached lists, their types by name (none for no account)."""
    if account is None:
        return []
    return [
        AffinityList(int(item.id), str(item.name), list_type(item.type))
        for item in account.lists or ()
    ]


# ------------------------------------------------------------------------------ identifiers


@dataclass(frozen=True)
class SlackUser:
    """Whom an identifier belongs to: enough to DM them or publish their Home."""

    team_id: str
    user_id: str
    enterprise_id: str | None = None


def identifier_for(
    team_id: str | None, user_id: str | None, enterprise_id: str | None = None
) -> str:
    """The vault identifier of one Slack user in one workspace: `T…:U…` (`T…:U…:E…` on Grid).

    Team first, so that `vault.delete_for_identifier_prefix("T…:")` erases a workspace. Raises
    `ValueError` when a payload lacks the team or the user.
    """
    if not team_id or not user_id:
        raise ValueError("a Slack team id and user id are both needed")
    for part in (team_id, user_id, enterprise_id or ""):
        if ":" in part:
            raise ValueError("Slack ids never contain ':'")
    return f"{team_id}:{user_id}" + (f":{enterprise_id}" if enterprise_id else "")


def click_identifier(body: dict[str, Any]) -> str:
    """The identifier of whoever sent an interactive payload (click, modal submission).

    The team is read as Bolt's `context.team_id` reads it (the payload's `team` before the
    user's home `team_id`), so a click and a slash command or mention by the same person in
    the same workspace (Slack Connect channels included) always name the same account.
    """
    user = body.get("user") or {}
    team_id = (body.get("team") or {}).get("id") or user.get("team_id")
    enterprise = (body.get("enterprise") or {}).get("id")
    return identifier_for(team_id, user.get("id"), enterprise or None)


def parse_identifier(identifier: str) -> SlackUser:
    parts = identifier.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f"not a Slack identifier: {identifier!r}")
    return SlackUser(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


# ------------------------------------------------------------------------------ errors


class ConnectorError(AffinityError):
    """Base of the connector's own answers; `str()` is safe to show the user."""


class NotConnectedError(ConnectorError):
    """No usable key: never connected (PENDING / none) or REVOKED (with the reason)."""

    def __init__(self, status: str, reason: str | None = None) -> None:
        super().__init__(not_connected_message(status, reason))
        # the account's status, in place of the HTTP status the base class keeps
        self.status = status  # type: ignore[assignment]
        self.reason = reason


class KeyRevokedError(ConnectorError):
    """Affinity answered 401 just now: the account is REVOKED and the user was told once."""

    def __init__(self, reason: str = REVOKED_REASON) -> None:
        self.reason = reason
        super().__init__(
            "Affinity no longer accepts your API key (it was revoked or regenerated). "
            f"Reconnect with `{CONNECT_HINT}` to keep going.",
            status=401,
        )


class ConfigurationProblem(ConnectorError):
    """The stored key cannot be read by this process (a master key id is not configured): the
    operator's mistake. The account stays ACTIVE; `str()` is the one line for the user."""

    def __init__(self, kid: str) -> None:
        super().__init__(CONFIGURATION_PROBLEM)
        self.kid = kid


class PermissionProblem(ConnectorError):
    """Affinity answered 403; the account stays ACTIVE. `str()` names the likely permission."""

    def __init__(self, message: str, *, cause: PermissionDeniedError) -> None:
        super().__init__(message, status=403, request_id=cause.request_id)
        self.affinity_message = cause.message


def not_connected_message(status: str, reason: str | None) -> str:
    if status == "REVOKED":
        if reason in UNTRUSTED_REASONS:
            return (
                "Your stored Affinity key could not be verified by this app, so it is no "
                f"longer used (nothing changed in Affinity). Reconnect with `{CONNECT_HINT}`."
            )
        why = f" ({reason})" if reason else ""
        return f"Your Affinity key stopped working{why}. Reconnect with `{CONNECT_HINT}`."
    return f"You haven't connected Affinity yet. Connect with `{CONNECT_HINT}`."


def explain_forbidden(tool_name: str, error: PermissionDeniedError) -> str:
    """The most likely missing permission for a 403, by what Affinity said and which tool ran."""
    said = (error.message or "").lower()
    if "allowlist" in said or "ip address" in said or "whitelist" in said:
        return _IP_ALLOWLIST
    if "admin" in said:
        return _ADMIN_ONLY
    if "note" in said and "creator" in said:
        return _NOTE_OWNER
    if tool_name in _REMINDER_TOOLS or ("reminder" in said and "owner" in said):
        return _REMINDER_OWNER
    if "export" in said:
        if "people" in said or "person" in said:
            return _PEOPLE_EXPORT
        if "organization" in said or "compan" in said:
            return _ORG_EXPORT
        return _LIST_EXPORT
    if "this deal's list" in said:  # the client's own answer for a deal it may not see
        return _DEAL_LIST
    if "list" in said:
        return _PRIVATE_LIST
    if tool_name in _LIST_TOOLS:
        return _LIST_EXPORT
    if tool_name in _PEOPLE_TOOLS:
        return _PEOPLE_EXPORT
    if tool_name in _ORG_TOOLS:
        return _ORG_EXPORT
    return _GENERIC


# ------------------------------------------------------------------------------ the pool


class _Pooled:
    """A pooled client, how many calls are using it, and whether it was retired from the pool."""

    __slots__ = ("client", "fingerprint", "in_use", "retired")

    def __init__(self, fingerprint: str, client: AffinityClient) -> None:
        self.fingerprint = fingerprint
        self.client = client
        self.in_use = 0
        self.retired = False


class ClientPool:
    """One `AffinityClient` per account, reused across calls (keep-alive), bounded (LRU).

    An entry remembers a salted HMAC of the key it was built with (the salt is random per
    process), so a reconnected key gets a fresh client; the raw key is never a dict key.
    Calls lease a client; a client evicted while calls still use it is closed by the last one,
    so an eviction never breaks a call in flight on another thread.
    """

    def __init__(self, factory: Callable[[str], AffinityClient], size: int = POOL_SIZE) -> None:
        self._factory = factory
        self._size = size
        self._salt = secrets.token_bytes(32)
        self._entries: OrderedDict[str, _Pooled] = OrderedDict()
        self._lock = threading.Lock()

    def _fingerprint(self, secret: Secret) -> str:
        return hmac.new(self._salt, secret.reveal().encode(), hashlib.sha256).hexdigest()

    @contextlib.contextmanager
    def lease(self, identifier: str, secret: Secret) -> Iterator[AffinityClient]:
        """The account's client for the length of one call (built if missing or stale)."""
        fingerprint = self._fingerprint(secret)
        to_close: list[AffinityClient] = []
        with self._lock:
            entry = self._entries.get(identifier)
            if entry is not None and entry.fingerprint == fingerprint:
                self._entries.move_to_end(identifier)
            else:
                if entry is not None:
                    to_close += self._retire(identifier)
                entry = _Pooled(fingerprint, self._factory(secret.reveal()))
                self._entries[identifier] = entry
                while len(self._entries) > self._size:
                    to_close += self._retire(next(iter(self._entries)))
            entry.in_use += 1
        _close_all(to_close)
        try:
            yield entry.client
        finally:
            with self._lock:
                entry.in_use -= 1
                done = entry.retired and entry.in_use == 0
            if done:
                _close_all([entry.client])

    def peek(self, identifier: str) -> AffinityClient | None:
        """The pooled client of an account, if any (for tests and diagnostics)."""
        entry = self._entries.get(identifier)
        return entry.client if entry else None

    def evict(self, identifier: str) -> None:
        with self._lock:
            to_close = self._retire(identifier)
        _close_all(to_close)

    def _retire(self, identifier: str) -> list[AffinityClient]:
        """Drop an entry (lock held); its client, if no call is using it, to be closed."""
        entry = self._entries.pop(identifier, None)
        if entry is None:
            return []
        entry.retired = True
        return [entry.client] if entry.in_use == 0 else []

    def __contains__(self, identifier: str) -> bool:
        return identifier in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        with self._lock:
            to_close = [c for ident in list(self._entries) for c in self._retire(ident)]
        _close_all(to_close)


def _close_all(clients: list[AffinityClient]) -> None:
    for client in clients:
        try:
            client.close()
        except Exception:  # closing must never break a call
            log.debug("closing a pooled Affinity client failed", exc_info=True)


# ------------------------------------------------------------------------------ the connector

RevocationListener = Callable[[str, ConnectedAccount], object]
ConfigurationListener = Callable[[str, str], object]  # (identifier, missing master key id)
QuotaListener = Callable[[str, MonthlyQuotaError], object]  # (identifier, the error)
# (identifier, tool, tool input, result, audit reference)
ResultListener = Callable[[str, str, dict[str, Any], Any, str], object]


class Connector:
    """Joins the vault and the Affinity client for one process. Thread-safe."""

    def __init__(
        self,
        vault: Vault,
        engine: Engine,
        *,
        base_url: str,
        clock: Callable[[], datetime],
        client_factory: Callable[[str], AffinityClient] | None = None,
        api_version: ApiVersion = V2_API_VERSION,
    ) -> None:
        self.vault = vault
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.budgets = RequestBudgets(engine)  # per key, shared by processes on PostgreSQL
        self.client_factory = client_factory or (
            lambda key: AffinityClient(
                key,
                base_url=base_url,
                api_version=api_version,
                limiter=self.budgets.limiter(key),
            )
        )
        self.pool = ClientPool(self.client_factory)
        self._revocation_listeners: list[RevocationListener] = []
        self._configuration_listeners: list[ConfigurationListener] = []
        self._quota_listeners: list[QuotaListener] = []
        self._result_listeners: list[ResultListener] = []
        self.claims = Claims(engine, lambda: self.clock())  # alerts rationed across processes

    # -- public ----------------------------------------------------------------------------

    def account(self, identifier: str) -> ConnectedAccount | None:
        """The user's account, its profile verified. One whose stored credential fails
        verification (found here, or by any other read) is announced: the Reconnect DM, claimed
        once per revocation across processes."""
        account = self.vault.get_account(CONNECTION, identifier)
        if (
            account is not None
            and account.status == "REVOKED"
            and account.status_reason == UNVERIFIABLE_REASON
        ):
            self.announce_revoked(identifier, account)
        return account

    def executor_for(
        self, identifier: str, *, via: str | None = None
    ) -> Callable[[str, dict], dict]:
        """`(tool_name, tool_input) -> result` bound to one user (for the agent; `via` as for
        `execute_tool`)."""

        def execute(tool_name: str, tool_input: dict) -> dict:
            return self.execute_tool(identifier, tool_name, tool_input, via=via)

        return execute

    def on_revoked(self, listener: RevocationListener) -> None:
        """Call `listener(identifier, account)` whenever a key is found revoked."""
        self._revocation_listeners.append(listener)

    def on_configuration_problem(self, listener: ConfigurationListener) -> None:
        """Call `listener(identifier, kid)` when a key cannot be read because master key `kid`
        is not configured: at most once an hour per workspace, across processes."""
        self._configuration_listeners.append(listener)

    def on_monthly_quota(self, listener: QuotaListener) -> None:
        """Call `listener(identifier, error)` when Affinity refuses a call because the firm's
        monthly quota is used up: at most once a day per workspace, across processes."""
        self._quota_listeners.append(listener)

    def lists(self, identifier: str, refresh: bool = False) -> list[AffinityList]:
        """The user's Affinity lists: as cached, or (`refresh`) read from Affinity now with
        `affinity_list_lists` and cached again. Errors of the read are the tool's errors."""
        if not refresh:
            return cached_lists(self.account(identifier))
        result = self.execute_tool(identifier, LIST_LISTS, {})  # which caches them
        return _as_lists(result.get("lists") or [])

    def fresh_lists(self, account: ConnectedAccount | None) -> list[AffinityList]:
        """The account's cached lists while fresh (`lists_are_fresh`), else none: a tool then
        reads what it needs of a list from Affinity."""
        if account is None or not lists_are_fresh(account.lists_fetched_at, self.clock()):
            return []
        return cached_lists(account)

    def cache_lists(
        self, identifier: str, lists: Iterable[Mapping[str, Any]]
    ) -> list[AffinityList]:
        """Cache lists as `affinity_list_lists` returns them; a cache that cannot be written is
        logged and the lists returned all the same (the cache is a convenience)."""
        found = _as_lists(lists)
        try:
            self.vault.cache_lists(CONNECTION, identifier, found)
        except Exception:
            log.warning("could not cache the lists of %s", identifier, exc_info=True)
        return found

    def evict(self, identifier: str) -> None:
        """Forget the pooled client of an account (disconnected, revoked, reconnected)."""
        self.pool.evict(identifier)

    def close(self) -> None:
        self.pool.close()

    def on_tool_result(self, listener: ResultListener) -> None:
        """Call `listener(identifier, tool, tool_input, result, reference)` after each tool
        call that succeeded (`reference` is its audit row's); a failing listener is logged."""
        self._result_listeners.append(listener)

    def execute_tool(
        self,
        identifier: str,
        tool_name: str,
        tool_input: dict | None,
        *,
        via: str | None = None,
    ) -> dict:
        """Run one tool for one user. See the module docstring for the errors raised. `via`
        names what made the call when the user did not ask for it there and then ("brief"):
        their App Home's activity says so."""
        references: list[str] = []
        result = self.run(
            identifier,
            tool_name,
            lambda client: run_tool(client, tool_name, tool_input),
            references=references,
            via=via,
        )
        if tool_name == LIST_LISTS and not (tool_input or {}).get("type"):
            self.cache_lists(identifier, result.get("lists") or [])  # every list, as of now
        for listener in list(self._result_listeners):
            try:
                listener(identifier, tool_name, tool_input or {}, result, references[0])
            except Exception:
                log.warning("a tool-result listener failed for %s", tool_name, exc_info=True)
        return result

    def run(
        self,
        identifier: str,
        label: str,
        operation: Callable[[AffinityClient], Any],
        *,
        references: list[str] | None = None,
        via: str | None = None,
    ) -> Any:
        """`operation(client)` on the user's pooled client, with the checks, 401/403 handling
        and audit row of `execute_tool` (`label` is the audited tool name, e.g. "whoami").
        The audit row's reference is appended to `references` when given."""
        started = time.monotonic()
        reference = uuid.uuid4().hex[:12]
        if references is not None:
            references.append(reference)
        try:
            result = self._run(identifier, label, operation)
        except Exception as error:
            _attach_reference(error, reference)
            self._audit(identifier, label, started, reference, error, via)
            raise
        self._audit(identifier, label, started, reference, None, via)
        return result

    def revoked(self, identifier: str, reason: str, credential: Secret | None) -> bool:
        """Mark an account REVOKED after a 401 and announce it; False if a newer key is stored.

        Used by `execute_tool` and by the background sweep.
        """
        self.evict(identifier)
        account = self.vault.mark_revoked(CONNECTION, identifier, reason, credential=credential)
        if account.status != "REVOKED":
            return False
        self.announce_revoked(identifier, account)
        return True

    def announce_revoked(self, identifier: str, account: ConnectedAccount) -> None:
        for listener in list(self._revocation_listeners):
            try:
                listener(identifier, account)
            except Exception:
                log.exception("telling %s about their revoked key failed", identifier)

    # -- internals -------------------------------------------------------------------------

    def _credential(self, identifier: str) -> Secret:
        try:
            return self.vault.get_credential(CONNECTION, identifier)
        except MasterKeyMissing as missing:
            self.evict(identifier)
            self._configuration_problem(identifier, missing.kid)
            raise ConfigurationProblem(missing.kid) from None
        except CredentialUnavailable as unavailable:
            self.evict(identifier)
            if unavailable.reason == UNVERIFIABLE_REASON:
                self.account(identifier)  # announces it
            raise NotConnectedError(str(unavailable.status), unavailable.reason) from None

    def _due(self, topic: str, identifier: str, interval: timedelta) -> bool:
        """True (and claimed) when no process alerted the identifier's workspace about `topic`
        in the last `interval`."""
        team = identifier.split(":", 1)[0]
        return self.claims.claim_lease(f"alert:{topic}:{team}", interval)

    def _monthly_quota(self, identifier: str, error: MonthlyQuotaError) -> None:
        """The quota listeners (the installer's DM), at most once a day per workspace."""
        if not self._due("monthly-quota", identifier, QUOTA_ALERT_INTERVAL):
            return
        for listener in list(self._quota_listeners):
            try:
                listener(identifier, error)
            except Exception:
                log.exception(
                    "telling the installer of %s about the monthly quota failed",
                    identifier.split(":", 1)[0],
                )

    def _configuration_problem(self, identifier: str, kid: str) -> None:
        """ERROR log and the admins' listeners, at most once an hour per workspace."""
        team = identifier.split(":", 1)[0]
        if not self._due("master-key", identifier, CONFIGURATION_ALERT_INTERVAL):
            return
        log.error(
            "stored Affinity keys in workspace %s are sealed with master key id %r, which "
            "VAULT_MASTER_KEYS does not hold: the accounts are kept ACTIVE but cannot be used. "
            "Add the key back to VAULT_MASTER_KEYS and restart (docs/vault.md).",
            team,
            kid,
        )
        for listener in list(self._configuration_listeners):
            try:
                listener(identifier, kid)
            except Exception:
                log.exception("telling the admins of %s about master key %r failed", team, kid)

    def _run(self, identifier: str, label: str, operation: Callable[[AffinityClient], Any]) -> Any:
        account = self.account(identifier)
        if account is None:
            raise NotConnectedError("NONE")
        if account.status != "ACTIVE":
            self.evict(identifier)
            raise NotConnectedError(str(account.status), account.status_reason)
        # The user's cached lists name a list (a deal's, say) without a request, while fresh.
        known = [{"id": x.id, "name": x.name, "type": x.type} for x in self.fresh_lists(account)]
        for _attempt in range(2):
            secret = self._credential(identifier)
            try:
                with self.pool.lease(identifier, secret) as client:
                    know_lists(client, known)
                    return operation(client)
            except AuthenticationError:
                if self.revoked(identifier, REVOKED_REASON, secret):
                    raise KeyRevokedError() from None
                # A newer key was stored while this call ran: a 401 sends nothing, so retry once.
                log.info("401 on a replaced key for %s; retrying with the new key", identifier)
            except PermissionDeniedError as denied:
                explained = explain_forbidden(label, denied)
                raise PermissionProblem(explained, cause=denied) from None
            except MonthlyQuotaError as used_up:
                self._monthly_quota(identifier, used_up)
                raise
        raise KeyRevokedError()

    def _audit(
        self,
        identifier: str,
        tool_name: str,
        started: float,
        reference: str,
        error: BaseException | None,
        via: str | None = None,
    ) -> None:
        outcome, kind, status = _classify(error)
        entry = AuditLogEntry(
            at=self.clock(),
            identifier=identifier[:255],
            tool=str(tool_name)[:100],
            outcome=outcome,
            duration_ms=int((time.monotonic() - started) * 1000),
            affinity_status=status,
            error_kind=kind,
            reference=reference,
            via=via[:32] if via else None,
        )
        try:
            with self._sessions.begin() as session:
                session.add(entry)
        except Exception:  # an audit failure must not hide the call's own answer
            log.exception(
                "audit row for %s %s (ref %s) not written", identifier, tool_name, reference
            )

    def recent_activity(
        self, identifier: str, limit: int = 10, *, tools_only: bool = True
    ) -> list[dict[str, Any]]:
        """The user's last calls from the audit log, newest first (for App Home).

        `tools_only` leaves out the app's own key checks (the sweep's whoami, the connect
        probe), which are not something the user did.
        """
        query = select(AuditLogEntry).where(AuditLogEntry.identifier == identifier)
        if tools_only:
            query = query.where(AuditLogEntry.tool.startswith("affinity_"))
        query = query.order_by(AuditLogEntry.at.desc(), AuditLogEntry.id.desc()).limit(limit)
        with self._sessions.begin() as session:
            return [
                {
                    "at": row.at.isoformat() if row.at else None,
                    "tool": row.tool,
                    "outcome": row.outcome,
                    "error_kind": row.error_kind,
                    "affinity_status": row.affinity_status,
                    "reference": row.reference,
                    "via": row.via,
                }
                for row in session.scalars(query)
            ]


def _classify(error: BaseException | None) -> tuple[str, str | None, int | None]:
    """(outcome, error kind, Affinity status) for the audit log."""
    if error is None:
        return "ok", None, None
    status = getattr(error, "status", None)
    status = status if isinstance(status, int) else None
    if isinstance(error, NotConnectedError):
        return "refused", "not_connected", None
    if isinstance(error, KeyRevokedError):
        return "revoked", "authentication", 401
    if isinstance(error, PermissionProblem):
        return "denied", "permission", 403
    if isinstance(error, ConfigurationProblem):
        return "error", "configuration", None
    return "error", type(error).__name__, status


def _attach_reference(error: BaseException, reference: str) -> None:
    # Some exception types refuse attributes; the audit row still has the reference.
    with contextlib.suppress(Exception):
        error.reference = reference  # type: ignore[attr-defined]


__all__ = [
    "CONNECTION",
    "LIST_TYPES",
    "ClientPool",
    "ConfigurationProblem",
    "Connector",
    "ConnectorError",
    "KeyRevokedError",
    "NotConnectedError",
    "PermissionProblem",
    "SlackUser",
    "cached_lists",
    "explain_forbidden",
    "identifier_for",
    "list_type",
    "lists_are_fresh",
    "not_connected_message",
    "parse_identifier",
]
