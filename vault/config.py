"""Where the vault keeps its data: the environment, with the defaults in docs/vault.md."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DATA_DIR_ENV = "AFFINITY_BOT_DATA_DIR"
DATABASE_URL_ENV = "DATABASE_URL"
MASTER_KEYS_ENV = "VAULT_MASTER_KEYS"
DEFAULT_DATA_DIR = "./data"
DEFAULT_DATABASE_FILE = "affinity-bot.db"


def data_dir(environ: Mapping[str, str] | None = None, *, create: bool = True) -> Path:
    """The data directory (`AFFINITY_BOT_DATA_DIR`, default ./data), created if missing."""
    env = os.environ if environ is None else environ
    path = Path(env.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser()
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
