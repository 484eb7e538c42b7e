"""A logging filter that removes credentials from log records before any handler writes them.

It redacts (1) anything shaped like a stored key (a long run of letters and digits, as Affinity
keys and the vault's master keys are), (2) credentials in `Authorization:` headers and in
`api_key`/`token`/`password`-style fields, and (3) any exact value registered at run time with
`register_secret` (e.g. the Slack bot token or signing secret).

Filters on a logger do not see records propagated from child loggers, so `install_redaction()`
attaches the filter to the root logger's handlers (and to any handler you pass).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

REDACTED = "[REDACTED]"

# A key-shaped token: 32+ characters of [A-Za-z0-9_-] with at least one digit and one letter.
_KEY_SHAPED = re.compile(
    r"(?<![A-Za-z0-9_\-])(?=[A-Za-z0-9_\-]*\d)(?=[A-Za-z0-9_\-]*[A-Za-z])[A-Za-z0-9_\-]{32,}"
    r"(?![A-Za-z0-9_\-])"
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_AUTH_HEADER = re.compile(
    r"(?i)\b(authorization['\"]?\s*[:=]\s*['\"]?(?:basic|bearer)?\s*)[^\s'\",}]+"
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s'\",}]+")
_SECRET_FIELD = re.compile(
    r"(?i)(['\"]?\b(?:api[_-]?key|x-api-key|token|secret|password|master[_-]?keys?)['\"]?"
    r"\s*[:=]\s*['\"]?)([^\s'\",}]+)"
)
_SLACK_TOKEN = re.compile(r"\bx(?:ox[a-z]|app|oxe)-[A-Za-z0-9-]+")

_registered: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Redact this exact value from every log record from now on (values under 6 chars ignored)."""
    if value and len(value) >= 6:
        with _lock:
            _registered.add(value)


def unregister_secret(value: str) -> None:
    with _lock:
        _registered.discard(value)


def redact(text: str) -> str:
    """`text` with every credential-looking part replaced by [REDACTED]."""
    with _lock:
        values = sorted(_registered, key=len, reverse=True)
    for value in values:
        text = text.replace(value, REDACTED)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _SECRET_FIELD.sub(lambda m: m.group(1) + REDACTED, text)
    text = _SLACK_TOKEN.sub(REDACTED, text)
    return _KEY_SHAPED.sub(lambda m: m.group(0) if _UUID.match(m.group(0)) else REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (args merged in) and traceback text, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw parts, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_redaction(
    handlers: Iterable[logging.Handler] | None = None,
) -> RedactingFilter:
    """Attach one RedactingFilter to `handlers` (default: every handler of the root logger).

    Call it after logging is configured; handlers added later need `handler.addFilter(...)`.
    """
    chosen = list(logging.getLogger().handlers) if handlers is None else list(handlers)
    existing = next((f for h in chosen for f in h.filters if isinstance(f, RedactingFilter)), None)
    redacting = existing or RedactingFilter()
    for handler in chosen:
        if redacting not in handler.filters:
            handler.addFilter(redacting)
    return redacting
