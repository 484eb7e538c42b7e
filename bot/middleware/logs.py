"""Logging for the bot's processes: one format, secret redaction, quiet chatty libraries.

The vault's redaction filter (`vault.redaction`) scrubs tokens and keys from every record when it
is available. slack_sdk at DEBUG logs Web API bodies (client secrets, views) and Bolt at INFO logs
the body of a request whose signature fails, so those loggers stay at WARNING unless LOG_LEVEL is
DEBUG.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

NOISY_LOGGERS = ("slack_bolt", "slack_sdk", "httpx", "httpx2", "httpcore", "anthropic", "urllib3")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


def install_redaction(secrets: Iterable[str | None] = ()) -> bool:
    """Attach the vault's redaction filter to the root handlers and register exact `secrets`.

    Returns False (and does nothing) if the vault's redaction module is unavailable.
    """
    try:
        from vault import redaction
    except ImportError:
        return False
    for value in secrets:
        if value:
            redaction.register_secret(value)
    redaction.install_redaction()
    return True


def configure_logging(level: str = "INFO", secrets: Iterable[str | None] = ()) -> None:
    """Root logging for a bot process (the runner and the console call this once)."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    logging.getLogger().setLevel(level)
    library_level = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
    install_redaction(secrets)
