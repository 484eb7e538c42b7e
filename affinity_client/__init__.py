"""Affinity's REST API (V1 and V2), the tool catalog, and a local sandbox.

Knows nothing of Slack. The client never imports the sandbox.
"""

from .client import AffinityClient
from .errors import (
    AffinityError,
    AffinityTransportError,
    AuthenticationError,
    InvalidRequestError,
    MonthlyQuotaError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ToolInputError,
    UnknownOutcomeError,
)
from .ratelimit import RateLimitSnapshot
from .tools import TOOLS, Tool, know_lists, run_tool, tool_definitions

__all__ = [
    "TOOLS",
    "AffinityClient",
    "AffinityError",
    "AffinityTransportError",
    "AuthenticationError",
    "InvalidRequestError",
    "MonthlyQuotaError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitSnapshot",
    "RateLimitedError",
    "ServerError",
    "Tool",
    "ToolInputError",
    "UnknownOutcomeError",
    "know_lists",
    "run_tool",
    "tool_definitions",
]
