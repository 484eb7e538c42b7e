"""The sandbox's in-memory state: the seeded world, its indexes, keys, faults and the request log.

One `SandboxState` per server. Every request handler runs under `state.lock`, so writes from
concurrent requests never interleave. `reset()` restores the seed in a few milliseconds by
unpickling a snapshot taken once.
"""

from __future__ import annotations

import fnmatch
import functools
import pickle
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import events, seed
from .deliveries import Deliveries, payload

USER_LIMIT_PER_MINUTE = 900
REQUEST_LOG_LIMIT = 10_000
"""A long-running demo server keeps only the most recent requests."""
ORG_LIMIT_PER_MONTH = 100_000


@dataclass
class Fault:
    """Answer `status` to requests whose method and path match, `remaining` more times."""

    method: str
    path: str
    status: int
    remaining: int

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)


@dataclass
class Latency:
    ms: int
    path: str = "*"


@dataclass
class Controls:
    """Fault injection and key state; cleared by reset."""

    revoked_keys: set[str] = field(default_factory=lambda: {seed.REVOKED_KEY})
    forced_429: dict[str, int] = field(default_factory=dict)
    enforce_rate_limit: bool = False
    user_limit_per_minute: int = USER_LIMIT_PER_MINUTE  # what the headers report and enforce
    faults: list[Fault] = field(default_factory=list)
    latencies: list[Latency] = field(default_factory=list)
    holds: list[tuple[str, threading.Event]] = field(default_factory=list)
    window_start: dict[str, float] = field(default_factory=dict)
    window_used: dict[str, int] = field(default_factory=dict)
    org_used: int = 0
    monthly_quota_used_up: bool = False
    monthly_cap: bool = True
    """False models a plan without a monthly cap (Enterprise): no `x-ratelimit-limit-org*`
    headers, V1 `/rate-limit` says "unlimited", and the monthly quota never runs out."""
    replication_lag_ms: int = 0
    v1_created: dict[tuple[str, int], float] = field(default_factory=dict)


HOLD_LIMIT_SECONDS = 30.0
"""The longest a held request waits: a test that forgets to release never hangs the sandbox."""


def _release(controls: Controls | None) -> None:
    for _pattern, gate in controls.holds if controls is not None else ():
        gate.set()


class Indexes:
    """Lookups that would otherwise scan the world on every request."""

    def __init__(self, world: seed.World) -> None:
        self.entries_by_list: dict[int, list[int]] = defaultdict(list)
        self.entries_by_entity: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.values_by_entity: dict[int, list[int]] = defaultdict(list)
        self.values_by_entry: dict[int, list[int]] = defaultdict(list)
        self.persons_by_org: dict[int, list[int]] = defaultdict(list)
        self.opps_by_person: dict[int, list[int]] = defaultdict(list)
        self.opps_by_org: dict[int, list[int]] = defaultdict(list)
        self.fields_by_list: dict[int | None, list[int]] = defaultdict(list)
        self.options: dict[int, tuple[int, dict[str, Any]]] = {}
        for e in world.list_entries.values():
            self.add_entry(e)
        for v in world.field_values.values():
            self.add_value(v)
        for p in world.persons.values():
            for oid in p["organization_ids"]:
                self.persons_by_org[oid].append(p["id"])
        for o in world.opportunities.values():
            self.add_opportunity(o)
        for f in world.fields.values():
            self.fields_by_list[f["list_id"]].append(f["id"])
            for opt in f["dropdown_options"]:
                self.options[opt["id"]] = (f["id"], opt)

    def add_entry(self, e: dict[str, Any]) -> None:
        self.entries_by_list[e["list_id"]].append(e["id"])
        self.entries_by_entity[(e["entity_type"], e["entity_id"])].append(e["id"])

    def remove_entry(self, e: dict[str, Any]) -> None:
        self.entries_by_list[e["list_id"]].remove(e["id"])
        self.entries_by_entity[(e["entity_type"], e["entity_id"])].remove(e["id"])

    def add_value(self, v: dict[str, Any]) -> None:
        self.values_by_entity[v["entity_id"]].append(v["id"])
        if v["list_entry_id"] is not None:
            self.values_by_entry[v["list_entry_id"]].append(v["id"])

    def remove_value(self, v: dict[str, Any]) -> None:
        self.values_by_entity[v["entity_id"]].remove(v["id"])
        if v["list_entry_id"] is not None:
            self.values_by_entry[v["list_entry_id"]].remove(v["id"])

    def add_opportunity(self, o: dict[str, Any]) -> None:
        for pid in o["person_ids"]:
            self.opps_by_person[pid].append(o["id"])
        for oid in o["organization_ids"]:
            self.opps_by_org[oid].append(o["id"])

    def remove_opportunity(self, o: dict[str, Any]) -> None:
        for pid in o["person_ids"]:
            self.opps_by_person[pid].remove(o["id"])
        for oid in o["organization_ids"]:
            self.opps_by_org[oid].remove(o["id"])


class SandboxState:
    """The world plus everything the control endpoints change. Use under `lock`."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._snapshot = _seed_snapshot()
        self.keys = {u["api_key"]: u for u in seed.USERS}
        self.requests: list[dict[str, Any]] = []
        self.deliveries = Deliveries()
        self.reset()

    # -- lifecycle -----------------------------------------------------------
    def reset(self) -> None:
        """Back to the seed: data, faults, revocations and the request log."""
        with self.lock:
            self.world: seed.World = pickle.loads(self._snapshot)  # noqa: S301 - our own bytes
            self.index = Indexes(self.world)
            _release(getattr(self, "controls", None))
            self.controls = Controls()
            self.requests.clear()
            self.deliveries.reset()

    # -- in-process conveniences for tests -------------------------------------
    @property
    def notes(self) -> dict[int, dict[str, Any]]:
        return self.world.notes

    @property
    def opportunities(self) -> dict[int, dict[str, Any]]:
        return self.world.opportunities

    @property
    def list_entries(self) -> dict[int, dict[str, Any]]:
        return self.world.list_entries

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    def request_count(self, method: str | None = None, path_prefix: str = "") -> int:
        """How many logged API requests match (control endpoints are never logged)."""
        with self.lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r["method"] == method) and r["path"].startswith(path_prefix)
            )

    def revoke_key(self, key: str) -> None:
        with self.lock:
            self.controls.revoked_keys.add(key)

    def restore_key(self, key: str) -> None:
        with self.lock:
            self.controls.revoked_keys.discard(key)

    def force_rate_limit(self, key: str, count: int) -> None:
        with self.lock:
            self.controls.forced_429[key] = count

    def fail(self, method: str, path: str, status: int = 500, count: int = 1) -> None:
        with self.lock:
            self.controls.faults.append(Fault(method.upper(), path, status, count))

    def use_up_monthly_quota(self) -> None:
        """Every counted request answers 429 with no monthly requests left, until faults are
        cleared (reference/affinity-api.md §3: the monthly count resets at month end)."""
        with self.lock:
            self.controls.monthly_quota_used_up = True

    def set_monthly_cap(self, capped: bool) -> None:
        """Whether the account's plan has a monthly request cap (the seed's plan has one)."""
        with self.lock:
            self.controls.monthly_cap = capped
            self.controls.monthly_quota_used_up = False

    def set_replication_lag(self, ms: int) -> None:
        """V2 answers 404 for what V1 created in the last `ms` ms (affinity-api.md §7.4:
        "an entity created or updated through V1 can 404 or look stale in V2 for roughly
        100-500 ms")."""
        with self.lock:
            self.controls.replication_lag_ms = ms

    def created_through_v1(self, kind: str, entity_id: int) -> None:
        """Remember when V1 created an entity (`kind`: "opportunity", "list_entry", "note")."""
        with self.lock:
            self.controls.v1_created[(kind, entity_id)] = time.monotonic()

    def lagging(self, kind: str, entity_id: int) -> bool:
        """True while V2 cannot see yet what V1 created (under the replication-lag fault)."""
        with self.lock:
            lag = self.controls.replication_lag_ms
            made = self.controls.v1_created.get((kind, entity_id))
            return bool(lag) and made is not None and time.monotonic() - made < lag / 1000

    def emit(self, event_type: str, body: dict[str, Any]) -> None:
        """Announce a write: every write that Affinity announces with a webhook event
        (`webhooks.SubscriptionType`, e.g. "person.created") calls this, and each active webhook
        subscribed to `event_type` (an empty subscription list means every type) gets one
        delivery. Queued only: the write never waits for a receiver (`deliveries.flush()` does)."""
        with self.lock:
            hooks = [
                (w["id"], w["url"])
                for _, w in sorted(self.world.webhooks.items())
                if w["status"] == "active"
                and (not w["subscriptions"] or event_type in w["subscriptions"])
            ]
        if not hooks:
            return
        data = payload(event_type, body)
        for webhook_id, url in hooks:
            self.deliveries.enqueue(webhook_id, url, event_type, data)

    def add_latency(self, ms: int, path: str = "*") -> None:
        with self.lock:
            self.controls.latencies.append(Latency(ms, path))

    def hold(self, path: str = "*") -> threading.Event:
        """Hold matching requests (fnmatch on the path) until the returned event is set, or
        `HOLD_LIMIT_SECONDS` pass: a test sees what the app does while a call is in flight
        without racing a fixed latency. Clearing faults or resetting releases every hold."""
        gate = threading.Event()
        with self.lock:
            self.controls.holds.append((path, gate))
        return gate

    def holds_for(self, path: str) -> list[threading.Event]:
        return [gate for pattern, gate in self.controls.holds if fnmatch.fnmatchcase(path, pattern)]

    def clear_faults(self) -> None:
        with self.lock:
            _release(self.controls)
            keep = self.controls.revoked_keys
            created = self.controls.v1_created
            self.controls = Controls(revoked_keys=keep, v1_created=created)

    # -- field value changes ---------------------------------------------------
    def field_raws(self, f: dict[str, Any], entity_id: int, entry_id: int | None) -> list[Any]:
        """The stored values of field `f` on an entity (or its list entry), in write order."""
        w = self.world
        return [
            w.field_values[vid]["value"]
            for vid in self.index.values_by_entity[entity_id]
            if w.field_values[vid]["field_id"] == f["id"]
            and w.field_values[vid]["list_entry_id"] == entry_id
        ]

    @contextmanager
    def field_write(
        self, f: dict[str, Any], entity_id: int, entry_id: int | None, changer_id: int | None
    ) -> Iterator[None]:
        """Wrap every write of a field's values (V1 or V2, any endpoint): what the field held
        before and after is compared and each difference becomes a field value change, by
        `changer_id`, now. Single-value fields give add, update or delete; multi-value fields
        give one add or delete per value, as Affinity's change log does."""
        before = self.field_raws(f, entity_id, entry_id)
        yield
        after = self.field_raws(f, entity_id, entry_id)
        when = datetime.now(UTC)
        for action, raw in _differences(f, before, after):
            rec = seed.change_record(
                self.world, f, entity_id, entry_id, action, raw, changer_id, when
            )
            self.world.field_value_changes[rec["id"]] = rec
            self.emit(*events.field_value(rec))

    # -- per-request bookkeeping ---------------------------------------------
    def user_for_key(self, key: str | None) -> dict[str, Any] | None:
        if not key or key in self.controls.revoked_keys:
            return None
        return self.keys.get(key)

    def log_request(self, entry: dict[str, Any]) -> None:
        self.requests.append(entry)
        if len(self.requests) > REQUEST_LOG_LIMIT:
            del self.requests[: len(self.requests) - REQUEST_LOG_LIMIT]

    def minute_window(self, key: str) -> tuple[int, int]:
        """(requests used, seconds until reset) in `key`'s current one-minute window."""
        c = self.controls
        elapsed = time.monotonic() - c.window_start.get(key, -1e9)
        if elapsed >= 60:
            return 0, 60
        return c.window_used.get(key, 0), max(1, int(60 - elapsed))

    def take_fault(self, method: str, path: str) -> int | None:
        for fault in self.controls.faults:
            if fault.remaining > 0 and fault.matches(method, path):
                fault.remaining -= 1
                return fault.status
        return None

    def latency_ms(self, path: str) -> int:
        return sum(lat.ms for lat in self.controls.latencies if fnmatch.fnmatchcase(path, lat.path))

    def count_request(self, key: str | None, monthly: bool = True) -> tuple[dict[str, int], bool]:
        """Count one request against `key`'s minute window (and, if `monthly`, the account's
        month); return headers and whether to 429. `monthly` is False for whoami and
        `/rate-limit`, which Affinity exempts from the monthly limit (affinity-api.md §3)."""
        c = self.controls
        now = time.monotonic()
        bucket = key or ""
        if now - c.window_start.get(bucket, -1e9) >= 60:
            c.window_start[bucket] = now
            c.window_used[bucket] = 0
        limited = False
        if key and c.forced_429.get(key, 0) > 0:
            c.forced_429[key] -= 1
            limited = True
        elif (c.enforce_rate_limit and c.window_used[bucket] >= c.user_limit_per_minute) or (
            monthly and c.monthly_quota_used_up and c.monthly_cap
        ):
            limited = True
        if not limited:
            c.window_used[bucket] += 1
            c.org_used += 1 if monthly else 0
        usage = self.usage(key)
        minute = usage["callerPerMinute"]
        headers = {
            "x-ratelimit-limit-user": minute["limit"],
            "x-ratelimit-limit-user-remaining": minute["remaining"],
            "x-ratelimit-limit-user-reset": minute["reset"],
        }
        if "orgPerMonth" in usage:
            month = usage["orgPerMonth"]
            headers["x-ratelimit-limit-org"] = month["limit"]
            headers["x-ratelimit-limit-org-remaining"] = month["remaining"]
            headers["x-ratelimit-limit-org-reset"] = month["reset"]
        return headers, limited

    def usage(self, key: str | None) -> dict[str, dict[str, int]]:
        """The caller's rate-limit windows, read without counting: what the `x-ratelimit-*`
        headers carry and `GET /v2/rate-limit` answers (`RateLimitWindow`s). `callerPerMinute`
        always; `orgPerMonth` only while the account has a monthly cap."""
        c = self.controls
        bucket = key or ""
        elapsed = time.monotonic() - c.window_start.get(bucket, -1e9)
        used = c.window_used.get(bucket, 0) if elapsed < 60 else 0
        reset = max(0, int(60 - elapsed)) if elapsed < 60 else 60
        out = {
            "callerPerMinute": {
                "limit": c.user_limit_per_minute,
                "remaining": max(0, c.user_limit_per_minute - used),
                "reset": reset or 60,
                "used": used,
            }
        }
        if c.monthly_cap:
            out["orgPerMonth"] = {
                "limit": ORG_LIMIT_PER_MONTH,
                "remaining": 0
                if c.monthly_quota_used_up
                else max(0, ORG_LIMIT_PER_MONTH - c.org_used),
                "reset": seconds_to_month_end(),
                "used": ORG_LIMIT_PER_MONTH if c.monthly_quota_used_up else c.org_used,
            }
        return out


def _differences(f: dict[str, Any], before: list[Any], after: list[Any]) -> list[tuple[str, Any]]:
    if not f["allows_multiple"]:
        old, new = (before[-1] if before else None), (after[-1] if after else None)
        if old == new:
            return []
        if old is None:
            return [("add", new)]
        return [("delete", old)] if new is None else [("update", new)]
    removed, added = list(before), list(after)
    for value in before:  # a multiset difference: a value written twice is added twice
        if value in added:
            added.remove(value)
            removed.remove(value)
    return [("delete", v) for v in removed] + [("add", v) for v in added]


@functools.cache
def _seed_snapshot() -> bytes:
    """The seed, built once per process and pickled (unpickling is the fast way to reset)."""
    return pickle.dumps(seed.build_seed())


def seconds_to_month_end() -> int:
    now = datetime.now(UTC)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return int((datetime(year, month, 1, tzinfo=UTC) - now).total_seconds())
