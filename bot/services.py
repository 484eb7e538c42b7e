"""What every feature receives: one `Services` per process, built once and passed to `register()`.

`Services.build()` is the one place the process's long-lived collaborators are made, eagerly and
in dependency order: the vault, the connector (the one path to Affinity), the agent (None without
`ANTHROPIC_API_KEY`), and the database-backed stores features share. Every member is typed, so a
type checker follows the whole graph. A new collaborator: add a typed field and build it in
`build()`. A feature's own object that other features use too (the command runner, the
channel-answers store) is made on first use by `shared()`, through an accessor in the feature's
module (`command_runner(services)`), so this module knows no feature.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar, cast

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.claims import Claims
from bot.config import Settings
from bot.connector import Connector
from bot.receipts import DeliveryReceipts
from vault import Keyring, Vault

if TYPE_CHECKING:  # built in Services.build()
    from bot.agent import Agent

Clock = Callable[[], datetime]
T = TypeVar("T")
# (team_id, enterprise_id) -> a Web API client for that workspace, or None (not installed).
SlackClients = Callable[[str, str | None], WebClient | None]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Job:
    name: str
    interval_seconds: float
    func: Callable[[], object]
    jitter: float
    initial_delay: float | None


class BackgroundTasks:
    """Periodic jobs on daemon threads, one thread per job, stopped together on shutdown.

    Each process runs its own copy of every job (several bot processes each sweep), so jobs must be
    safe to run concurrently — claim work in the database, as the event receipts do. Runs are
    jittered (±`jitter` of the interval, and a random first delay) so that processes started
    together do not fire in lockstep. A job that raises is logged and runs again next time.
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._jobs: list[_Job] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._started = False
        self._logger = logger or logging.getLogger("bot.background")

    def register(
        self,
        name: str,
        interval_seconds: float,
        func: Callable[[], object],
        *,
        jitter: float = 0.1,
        initial_delay: float | None = None,
    ) -> None:
        """Run `func()` every `interval_seconds` once started (also if registered after start)."""
        if interval_seconds <= 0:
            raise ValueError(f"interval of job {name!r} must be positive")
        job = _Job(name, interval_seconds, func, jitter, initial_delay)
        self._jobs.append(job)
        if self.running:
            self._launch(job)

    @property
    def names(self) -> list[str]:
        return [job.name for job in self._jobs]

    @property
    def running(self) -> bool:
        return self._started and not self._stopping.is_set()

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._stopping.clear()
        for job in self._jobs:
            self._launch(job)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self._started = False

    def run_once(self, name: str) -> None:
        """Run one job now, in this thread (for tests and the console)."""
        for job in self._jobs:
            if job.name == name:
                self._run(job)
                return
        raise KeyError(name)

    def _launch(self, job: _Job) -> None:
        thread = threading.Thread(
            target=self._loop, args=(job,), name=f"job:{job.name}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _loop(self, job: _Job) -> None:
        delay = job.initial_delay
        if delay is None:
            delay = random.uniform(0, job.interval_seconds * max(job.jitter, 0.01))
        while not self._stopping.wait(delay):
            self._run(job)
            spread = job.interval_seconds * job.jitter
            delay = max(0.0, job.interval_seconds + random.uniform(-spread, spread))

    def _run(self, job: _Job) -> None:
        try:
            job.func()
        except Exception:
            self._logger.exception("background job %s failed; it will run again", job.name)


@dataclass
class Services:
    """The process-wide collaborators features need. Built once per process by `build()`."""

    settings: Settings
    engine: Engine
    vault: Vault
    connector: Connector
    agent: Agent | None
    clock: Clock = utc_now
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("bot"))
    background: BackgroundTasks = field(default_factory=BackgroundTasks)
    # Database-backed stores shared by features, made by build().
    receipts: DeliveryReceipts = field(init=False)
    claims: Claims = field(init=False)
    # Set by bot.app.build_app() once the Slack app exists (None before).
    slack_clients: SlackClients | None = None
    _shared: dict[type, object] = field(default_factory=dict, init=False, repr=False)
    _shared_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        engine: Engine | None = None,
        keyring: Keyring | None = None,
        allow_dev_keyfile: bool = False,
        clock: Clock | None = None,
        logger: logging.Logger | None = None,
    ) -> Services:
        """Services for `settings`.

        The engine defaults to `settings.database_url` (else the vault's SQLite file). The vault
        is opened with `keyring`, else the keyring from `VAULT_MASTER_KEYS`: a missing master key
        stops start-up with the vault's explanation (`VaultConfigurationError`), unless
        `allow_dev_keyfile` (local demos only). A malformed `AGENT_*` setting stops it with a
        `ConfigError`. The schema is not touched: call `bot.database.upgrade_all()` first.
        """
        from bot.agent import build_agent
        from bot.database import make_engine
        from vault import load_keyring

        engine = engine if engine is not None else make_engine(settings.database_url)
        clock = clock or utc_now
        keyring = keyring or load_keyring(allow_dev_keyfile=allow_dev_keyfile)
        vault = Vault(engine, keyring, clock=clock)
        services = cls(
            settings=settings,
            engine=engine,
            vault=vault,
            connector=Connector(
                vault,
                engine,
                base_url=settings.affinity_base_url,
                clock=clock,
                api_version=settings.affinity_api_version,
            ),
            agent=build_agent(settings, engine, clock),
            clock=clock,
            logger=logger or logging.getLogger("bot"),
        )
        services.receipts = DeliveryReceipts(engine, clock)
        services.claims = Claims(engine, clock)
        return services

    def shared(self, kind: type[T], make: Callable[[], T]) -> T:
        """The process's one object of `kind`, made by `make` on first use: a feature's own
        state that other features reach too (the command runner, the channel-answers store),
        kept here without this module knowing the features."""
        with self._shared_lock:
            found = self._shared.get(kind)
            if found is None:
                found = self._shared[kind] = make()
            return cast(T, found)

    def close(self) -> None:
        """Stop background jobs, close pooled Affinity clients, release database connections."""
        self.background.stop()
        self.connector.close()
        self.engine.dispose()
