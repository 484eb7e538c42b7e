"""`GET /v2/rate-limit` (2026-07-15, beta): the caller's usage, as `RateLimit`.

The windows come from `SandboxState.usage`, the same method the `x-ratelimit-*` headers are
built from, so the body and the headers of one answer agree: `callerPerMinute` always,
`orgPerMonth` only while the account has a monthly cap (`SandboxState.set_monthly_cap`).
"""

from __future__ import annotations

from typing import Any

from .web import Ctx


def rate_limit(ctx: Ctx) -> Any:
    return ctx.state.usage(ctx.user["api_key"])


ROUTES = [("/v2/rate-limit", ["GET"], rate_limit)]
