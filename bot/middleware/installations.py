"""OAuth mode: a workspace's installation is read from memory, so its acknowledgements wait on
no database and no Slack call.

Bolt authorizes every request before any listener or middleware can acknowledge it: it reads the
workspace's bot from the installation store and, unless told to cache, asks Slack `auth.test`
about the token. Both would sit in front of every acknowledgement. Here:

- `CachedInstallationStore` answers `find_bot` / `find_installation` from memory for
  `INSTALLATION_CACHE_SECONDS` after reading them once; a workspace that is not installed is never
  remembered (an install handled by another process is seen at once). Every write or delete made
  through it (an install, `app_uninstalled`, `tokens_revoked`) empties the cache of this
  process; another process notices within `INSTALLATION_CACHE_SECONDS`, and until then a deleted
  token is only refused by Slack.
- `cached_authorize` is Bolt's installation-store authorization with its `auth.test` cache on
  (one call per bot token and process), reading through that store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from logging import Logger
from typing import Any

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore

INSTALLATION_CACHE_SECONDS = 60.0


class CachedInstallationStore(InstallationStore):
    """An installation store whose reads are remembered for `ttl` seconds (hits only)."""

    def __init__(
        self,
        store: InstallationStore,
        ttl: float = INSTALLATION_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.clock = clock
        self._found: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    @property
    def logger(self) -> Logger:
        return self.store.logger

    def clear(self) -> None:
        with self._lock:
            self._found.clear()

    def _read(self, key: Hashable, read: Callable[[], Any]) -> Any:
        now = self.clock()
        with self._lock:
            cached = self._found.get(key)
            if cached is not None and now - cached[0] < self.ttl:
                return cached[1]
        found = read()
        if found is not None:
            with self._lock:
                self._found[key] = (now, found)
        return found

    # -- reads ----------------------------------------------------------------------------

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return self._read(
            ("bot", enterprise_id, team_id, bool(is_enterprise_install)),
            lambda: self.store.find_bot(
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            ),
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return self._read(
            ("installation", enterprise_id, team_id, user_id, bool(is_enterprise_install)),
            lambda: self.store.find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            ),
        )

    # -- writes: each one empties the cache -------------------------------------------------

    def save(self, installation: Installation) -> None:
        try:
            self.store.save(installation)
        finally:
            self.clear()

    def save_bot(self, bot: Bot) -> None:
        try:
            self.store.save_bot(bot)
        finally:
            self.clear()

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        try:
            self.store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        finally:
            self.clear()

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        try:
            self.store.delete_installation(
                enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
            )
        finally:
            self.clear()

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        try:
            self.store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
        finally:
            self.clear()


def cached_authorize(
    store: CachedInstallationStore,
    *,
    client_id: str | None,
    client_secret: str | None,
    logger: Logger,
) -> InstallationStoreAuthorize:
    """Bolt's bot-only authorization through `store`, with `auth.test` asked once per token."""
    return InstallationStoreAuthorize(
        logger=logger,
        installation_store=store,
        client_id=client_id,
        client_secret=client_secret,
        bot_only=True,
        cache_enabled=True,
    )
