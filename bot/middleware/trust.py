"""Only what Slack signed gets in, and only in a shape Slack sends.

Every HTTP request must carry Slack's signature (`X-Slack-Signature`, v0 HMAC-SHA256 with the
signing secret over `v0:<timestamp>:<raw body>`) and a timestamp within five minutes. The check
runs twice, on the same rules:

- in the WSGI layer (`bot.wsgi`), on the raw bytes, before Bolt parses anything: Bolt's
  `BoltRequest` parses the body and copies ids and the `response_url` out of it when it is built,
  so a body that was never verified must not reach it;
- in `RequestTrust`, the middleware that replaces Bolt's own signature check, so that no other
  way into `App.dispatch` skips it. Socket Mode requests come over Slack's authenticated
  WebSocket and carry no signature; they skip the signature, never the shape check.

Anything that cannot be verified (a missing or malformed header, a stale timestamp, a wrong
signature, a check that fails) is answered 401 with one WARNING naming the reason and nothing
from the body. A signed body that is not in a shape Slack sends (`shape_problem`) is answered
400, with one WARNING. Only then is the request marked verified (`is_verified`): the error
handler reads ids and reply addresses from verified requests only.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.middleware.shapes import shape_problem

logger = logging.getLogger("bot.trust")

SIGNATURE_TOLERANCE_SECONDS = 5 * 60
VERIFIED = "affinity_request_verified"  # context key, set only by RequestTrust
_TIMESTAMP = re.compile(r"\A[0-9]{1,12}\Z")
_SIGNATURE = re.compile(r"\Av0=[0-9a-f]{64}\Z")

Headers = Mapping[str, str | Sequence[str]]


def header(headers: Headers, name: str) -> str | None:
    """The first value of header `name` (lower case), from WSGI- or Bolt-style headers."""
    value = headers.get(name)
    if isinstance(value, str) or value is None:
        return value
    return value[0] if len(value) else None


def verification_failure(
    signing_secret: str | None,
    body: bytes | str,
    timestamp: str | None,
    signature: str | None,
    now: float | None = None,
) -> str | None:
    """Why this request cannot be trusted to come from Slack, or None when it can."""
    try:
        if not signing_secret:
            return "no signing secret is configured"
        if not timestamp:
            return "no X-Slack-Request-Timestamp header"
        if not _TIMESTAMP.match(timestamp):
            return "a malformed X-Slack-Request-Timestamp header"
        now = time.time() if now is None else now
        if abs(now - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS:
            return "a timestamp more than five minutes away from now"
        if not signature:
            return "no X-Slack-Signature header"
        if not _SIGNATURE.match(signature):
            return "a malformed X-Slack-Signature header"
        raw = body.encode("utf-8") if isinstance(body, str) else body
        digest = hmac.new(
            signing_secret.encode("utf-8"),
            b"v0:" + timestamp.encode("ascii") + b":" + raw,
            hashlib.sha256,
        ).hexdigest()
        if not hmac.compare_digest("v0=" + digest, signature):
            return "a signature that does not match"
        return None
    except Exception as error:  # whatever fails, the request is not verified
        return f"a verification that failed ({type(error).__name__})"


def refusal(status: int, reason: str) -> BoltResponse:
    """The answer to a request that is not let in, with its one WARNING line (no body, no ids)."""
    if status == 401:
        logger.warning("refused a request that could not be verified: %s", reason)
    elif status == 400:
        logger.warning("refused a signed request (HTTP 400): %s", reason)
    else:
        logger.warning("refused a request (HTTP %s): %s", status, reason)
    return BoltResponse(status=status, body="")


def is_verified(context: Mapping[str, Any]) -> bool:
    return context.get(VERIFIED) is True


class RequestTrust(Middleware):
    """Bolt's signature check, replaced: strict, never raising, and followed by the shape check."""

    def __init__(self, signing_secret: str | None, clock: Callable[[], float] = time.time):
        self.signing_secret = signing_secret
        self.clock = clock

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if req.mode != "socket_mode":
            reason = verification_failure(
                self.signing_secret,
                req.raw_body,
                header(req.headers, "x-slack-request-timestamp"),
                header(req.headers, "x-slack-signature"),
                self.clock(),
            )
            if reason:
                return refusal(401, reason)
        problem = shape_problem(req.body)
        if problem:
            return refusal(400, problem)
        req.context[VERIFIED] = True
        return next()
