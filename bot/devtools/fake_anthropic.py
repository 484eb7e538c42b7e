"""A scripted, local Anthropic Messages API served over real loopback HTTP.

The real ``anthropic`` SDK talks to it unchanged::

    with ScriptedAnthropic([reply(text="Hi")]) as api:
        client = anthropic.Anthropic(api_key="test", base_url=api.base_url)
        client.messages.create(model="claude-sonnet-4-6", max_tokens=100, messages=[...])
        api.requests[0].system

A script is a sequence of steps, consumed one per ``POST /v1/messages``:

- :func:`reply` — a canned response (text and/or tool_use blocks, stop_reason, usage);
- a callable ``(request: RecordedRequest) -> step`` — so the reply can depend on the tool_result
  the "model" was just given (returning ``reply(...)`` or an error step);
- :func:`error` / :func:`rate_limited` / :func:`overloaded` / :func:`server_error` — an HTTP error
  with the API's error body;
- :func:`delay` — wait (e.g. longer than the client timeout), then serve the next step.

Every request is recorded (headers without credentials). The server validates what the real API
enforces on the basics (``max_tokens`` and ``model`` present, roles alternating starting with a
user turn, each ``tool_use`` answered by a ``tool_result`` with the same id at the start of the
next user message, sampling parameters rejected as in API version 2026-10-21) and answers 400
with a real-looking error body otherwise (also more than four ``cache_control`` breakpoints).
Usage is estimated at four characters a token, with the API's prompt caching rules: a prefix
ending at a ``cache_control`` breakpoint is written when it has at least the model's minimum of
tokens (2048 for Sonnet 4.6, 4096 for Opus 4.5/4.6 and Haiku 4.5, 1024 for older models), and a
later call reads it back as ``cache_read_input_tokens`` only if it ends at one of that call's
breakpoints or within the 20 blocks before one, and only while the entry lives: 5 minutes
(``"ttl": "1h"``: an hour) since it was last written or read.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

CHARS_PER_TOKEN = 4
_HIDDEN_HEADERS = {"authorization", "x-api-key", "cookie"}
_REJECTED_PARAMS = ("temperature", "top_p", "top_k")


# ---------------------------------------------------------------------------------------------
# Script steps


@dataclass(frozen=True)
class ToolCall:
    """A tool_use block the scripted model emits; ``id`` is generated when omitted."""

    name: str
    input: dict[str, Any]
    id: str | None = None


@dataclass(frozen=True)
class Reply:
    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    stop_reason: str | None = None  # derived when None: tool_use if tool calls, else end_turn
    output_tokens: int | None = None  # estimated from the content when None
    usage: tuple[tuple[str, int], ...] = ()  # explicit usage fields, overriding the estimate


@dataclass(frozen=True)
class ErrorStep:
    status: int
    error_type: str
    message: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Delay:
    seconds: float


Step = Reply | ErrorStep | Delay | Callable[["RecordedRequest"], Any]


def reply(
    text: str | None = None,
    *tool_calls: ToolCall | tuple[str, dict[str, Any]],
    stop_reason: str | None = None,
    output_tokens: int | None = None,
    usage: dict[str, int] | None = None,
) -> Reply:
    """A canned assistant message. ``tool_calls`` may be ``ToolCall`` or ``(name, input)``;
    ``usage`` (e.g. ``{"input_tokens": 10, "cache_read_input_tokens": 5}``) overrides the
    estimated fields it names."""
    calls = tuple(c if isinstance(c, ToolCall) else ToolCall(c[0], c[1]) for c in tool_calls)
    return Reply(text, calls, stop_reason, output_tokens, tuple((usage or {}).items()))


def error(status: int, error_type: str, message: str, **headers: str) -> ErrorStep:
    return ErrorStep(
        status, error_type, message, tuple((k.replace("_", "-"), v) for k, v in headers.items())
    )


def rate_limited(retry_after: float = 0.01) -> ErrorStep:
    return error(
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit.",
        retry_after=str(retry_after),
    )


def overloaded() -> ErrorStep:
    return error(529, "overloaded_error", "Overloaded")


def server_error() -> ErrorStep:
    return error(500, "api_error", "Internal server error")


def delay(seconds: float) -> Delay:
    return Delay(seconds)


# ---------------------------------------------------------------------------------------------
# Recording


@dataclass
class RecordedRequest:
    """One request as the server received it (credentials removed from the headers)."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    response_status: int | None = None
    response_body: dict[str, Any] | None = None

    @property
    def system(self) -> Any:
        return self.body.get("system")

    @property
    def system_text(self) -> str:
        system = self.system
        if isinstance(system, str):
            return system
        return "\n".join(b.get("text", "") for b in system or [])

    @property
    def tools(self) -> list[dict[str, Any]]:
        return self.body.get("tools") or []

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages") or []

    def tool_results(self) -> list[dict[str, Any]]:
        """The tool_result blocks of the last message (what the tools just answered)."""
        if not self.messages:
            return []
        content = self.messages[-1].get("content")
        if not isinstance(content, list):
            return []
        return [b for b in content if b.get("type") == "tool_result"]

    def tool_result_texts(self) -> list[str]:
        return [_block_text(b.get("content")) for b in self.tool_results()]


def _block_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


# ---------------------------------------------------------------------------------------------
# Validation


class _Invalid(Exception):
    pass


def validate_request(body: Any) -> None:
    """Raise ``_Invalid`` with the API's wording for the basics the real API enforces."""
    if not isinstance(body, dict):
        raise _Invalid("Request body must be a JSON object.")
    for name in _REJECTED_PARAMS:
        if name in body:
            raise _Invalid(f"{name}: Extra inputs are not permitted")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise _Invalid("model: Field required")
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        raise _Invalid("max_tokens: Field required")
    _validate_tools(body.get("tools") or [])
    _validate_messages(body.get("messages"))
    found = sum(1 for _, bp in _prefix_segments(body) if bp)
    if found > MAX_BREAKPOINTS:
        raise _Invalid(
            f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be "
            f"provided. Found {found}."
        )


def _validate_tools(tools: list[Any]) -> None:
    names = set()
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or not tool.get("name"):
            raise _Invalid(f"tools.{i}.name: Field required")
        if "input_schema" not in tool and "type" not in tool:
            raise _Invalid(f"tools.{i}.input_schema: Field required")
        if tool["name"] in names:
            raise _Invalid(f"tools: Tool names must be unique ({tool['name']})")
        names.add(tool["name"])


def _validate_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise _Invalid("messages: Field required")
    expected_results: set[str] = set()
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        want = "user" if i % 2 == 0 else "assistant"
        if role != want:
            raise _Invalid(
                f'messages.{i}.role: roles must alternate between "user" and '
                f'"assistant", starting with "user"; got {role!r}'
            )
        blocks = _blocks(message.get("content"), i)
        if role == "user":
            _check_tool_results(blocks, expected_results, i)
            expected_results = set()
        else:
            expected_results = {
                b["id"] for b in blocks if b.get("type") == "tool_use" and "id" in b
            }
            if any(b.get("type") == "tool_result" for b in blocks):
                raise _Invalid(f"messages.{i}: tool_result blocks are only allowed in user turns")


def _blocks(content: Any, i: int) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list) or not content:
        raise _Invalid(f"messages.{i}.content: Field required")
    return content


def _check_tool_results(blocks: list[dict[str, Any]], expected: set[str], i: int) -> None:
    got = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
    leading = list(itertools.takewhile(lambda b: b.get("type") == "tool_result", blocks))
    if len(leading) != len(got):
        raise _Invalid(f"messages.{i}: tool_result blocks must come first in the user message")
    unknown = [g for g in got if g not in expected]
    if unknown:
        raise _Invalid(
            f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` "
            f"blocks: {unknown[0]}. Each `tool_result` block must have a "
            "corresponding `tool_use` block in the previous message."
        )
    missing = expected - set(got)
    if missing:
        raise _Invalid(
            f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
            f"immediately after: {sorted(missing)[0]}. Each `tool_use` block must "
            "have a corresponding `tool_result` block in the next message."
        )


# ---------------------------------------------------------------------------------------------
# Token accounting


def estimate_tokens(value: Any) -> int:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return max(1, len(text) // CHARS_PER_TOKEN) if text else 0


def _prefix_segments(body: dict[str, Any]) -> list[tuple[Any, bool]]:
    """The prompt in cache order (tools, system, messages) as (piece, ends_at_breakpoint)."""
    segments: list[tuple[Any, bool]] = []
    for tool in body.get("tools") or []:
        segments.append((tool, "cache_control" in tool))
    system = body.get("system")
    if isinstance(system, str):
        segments.append((system, False))
    for block in system or [] if isinstance(system, list) else []:
        segments.append((block, "cache_control" in block))
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            segments.append((message, False))
            continue
        for block in content or []:
            segments.append(({"role": message.get("role"), **block}, "cache_control" in block))
    return segments


def _ttl_of(piece: Any) -> float:
    """A breakpoint's time to live: ``cache_control.ttl`` ("5m" or "1h"), 5 minutes by default."""
    control = piece.get("cache_control") if isinstance(piece, dict) else None
    ttl = control.get("ttl") if isinstance(control, dict) else None
    return CACHE_TTL_SECONDS.get(str(ttl or DEFAULT_CACHE_TTL), CACHE_TTL_SECONDS["5m"])


def _without_cache_control(piece: Any) -> Any:
    """Where a breakpoint sits is not part of the cached content."""
    if isinstance(piece, dict) and "cache_control" in piece:
        return {k: v for k, v in piece.items() if k != "cache_control"}
    return piece


MAX_BREAKPOINTS = 4
LOOKBACK_BLOCKS = 20
CACHE_TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}  # a hit refreshes the entry's time to live
DEFAULT_CACHE_TTL = "5m"
MIN_CACHE_TOKENS = (  # model name prefix -> the smallest prefix that is cached
    ("claude-sonnet-4-6", 2048),
    ("claude-opus-4-6", 4096),
    ("claude-opus-4-5", 4096),
    ("claude-haiku-4-5", 4096),
)
DEFAULT_MIN_CACHE_TOKENS = 1024  # older models (Sonnet 4.5 / 4, Opus 4.1)


def min_cache_tokens_for(model: str) -> int:
    return next(
        (n for prefix, n in MIN_CACHE_TOKENS if model.startswith(prefix)), DEFAULT_MIN_CACHE_TOKENS
    )


class _PromptCache:
    """Prompt caching as the API does it: a prefix is written at each ``cache_control``
    breakpoint when it is at least the model's minimum length; a request reads the longest
    prefix cached earlier that ends at a breakpoint or at one of the ``LOOKBACK_BLOCKS``
    blocks before one (the API's look-back; an earlier cache entry is not found), while the
    entry lives (its TTL, counted from when it was last written or read)."""

    def __init__(self, min_tokens: int | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.min_tokens = min_tokens  # None: by model
        self.clock = clock
        self._seen: dict[str, tuple[float, float]] = {}  # prefix -> (expires at, ttl)
        self._lock = threading.Lock()

    @staticmethod
    def count(body: dict[str, Any]) -> int:
        return sum(
            estimate_tokens(_without_cache_control(piece)) for piece, _ in _prefix_segments(body)
        )

    def usage(self, body: dict[str, Any]) -> dict[str, int]:
        minimum = (
            self.min_tokens
            if self.min_tokens is not None
            else min_cache_tokens_for(str(body.get("model") or ""))
        )
        digest = hashlib.sha256(str(body.get("model")).encode())  # caches are per model
        total = 0
        positions: list[tuple[str, int]] = []
        breakpoints: list[tuple[int, float]] = []  # (position, ttl)
        for raw, is_breakpoint in _prefix_segments(body):
            piece = _without_cache_control(raw)
            digest.update(json.dumps(piece, sort_keys=True).encode())
            total += estimate_tokens(piece)
            positions.append((digest.copy().hexdigest(), total))
            if is_breakpoint:
                breakpoints.append((len(positions) - 1, _ttl_of(raw)))
        with self._lock:
            now = self.clock()
            read = 0
            for b, _ in breakpoints:
                for q in range(b, max(-1, b - LOOKBACK_BLOCKS), -1):
                    entry = self._seen.get(positions[q][0])
                    if entry is not None and entry[0] > now:
                        read = max(read, positions[q][1])
                        self._seen[positions[q][0]] = (now + entry[1], entry[1])  # refreshed
                        break
            written = [(positions[b], ttl) for b, ttl in breakpoints if positions[b][1] >= minimum]
            for (key, _), ttl in written:
                self._seen[key] = (now + ttl, ttl)
            written_upto = [upto for (_, upto), _ in written]
        creation = max(0, max(written_upto, default=0) - read)
        return {
            "input_tokens": total - read - creation,
            "cache_creation_input_tokens": creation,
            "cache_read_input_tokens": read,
        }


# ---------------------------------------------------------------------------------------------
# The server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # tests read .requests instead
        pass


class ScriptedAnthropic:
    """The fake API. Use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(
        self,
        script: Iterable[Step] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        min_cache_tokens: int | None = None,
        model_echo: str | None = None,
        fallback: Callable[[RecordedRequest], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``fallback`` answers once the script is used up (e.g. a rule-based demo model for
        a console); without it an exhausted script is a 500 saying so. ``min_cache_tokens``
        overrides the model's minimum cacheable prefix (by default the API's, per model);
        ``clock`` times cache entries (a test moves it past the 5-minute TTL)."""
        self._script: list[Step] = list(script)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._cache = _PromptCache(min_cache_tokens, clock)
        self._model_echo = model_echo
        self._fallback = fallback
        self.requests: list[RecordedRequest] = []
        self.step_errors: list[Exception] = []  # exceptions raised by callable steps
        self._server = make_server(
            host, port, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self._thread: threading.Thread | None = None

    # lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def start(self) -> ScriptedAnthropic:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True, name="fake-anthropic"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # scripting ---------------------------------------------------------------------------

    def add(self, *steps: Step) -> None:
        with self._lock:
            self._script.extend(steps)

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._script)

    @property
    def message_requests(self) -> list[RecordedRequest]:
        """Recorded ``/v1/messages`` requests that passed validation."""
        return [r for r in self.requests if r.path == "/v1/messages" and r.response_status != 400]

    def _next_step(self) -> Step | None:
        with self._lock:
            return self._script.pop(0) if self._script else self._fallback

    # HTTP --------------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            body = None
        headers = {
            k.lower(): v for k, v in request.headers.items() if k.lower() not in _HIDDEN_HEADERS
        }
        recorded = RecordedRequest(request.path, headers, body if isinstance(body, dict) else {})
        with self._lock:
            self.requests.append(recorded)
        status, payload, extra = self._route(request, body, recorded)
        recorded.response_status, recorded.response_body = status, payload
        if status == 200 and recorded.body.get("stream") and payload.get("type") == "message":
            response = Response(sse_events(payload), status=200, content_type="text/event-stream")
        else:
            response = Response(json.dumps(payload), status=status, content_type="application/json")
        response.headers["request-id"] = f"req_fake_{next(self._ids):06d}"
        for key, value in extra:
            response.headers[key] = value
        return response

    def _route(
        self, request: Request, body: Any, recorded: RecordedRequest
    ) -> tuple[int, dict[str, Any], Sequence[tuple[str, str]]]:
        if request.method != "POST" or request.path not in (
            "/v1/messages",
            "/v1/messages/count_tokens",
        ):
            return 404, _error_body("not_found_error", f"Not found: {request.path}"), ()
        if not request.headers.get("authorization") and not request.headers.get("x-api-key"):
            return 401, _error_body("authentication_error", "invalid x-api-key"), ()
        if request.path.endswith("count_tokens"):
            return 200, {"input_tokens": self._cache.count(body or {})}, ()
        try:
            validate_request(body)
        except _Invalid as exc:
            return 400, _error_body("invalid_request_error", str(exc)), ()
        return self._play(recorded)

    def _play(
        self, recorded: RecordedRequest
    ) -> tuple[int, dict[str, Any], Sequence[tuple[str, str]]]:
        step = self._next_step()
        while True:
            if step is None:
                return (
                    500,
                    _error_body("api_error", "ScriptedAnthropic: script exhausted"),
                    (("x-should-retry", "false"),),
                )
            if isinstance(step, Delay):
                if self._stopping.wait(step.seconds):
                    return 500, _error_body("api_error", "server stopping"), ()
                step = self._next_step()
                continue
            if callable(step) and not isinstance(step, Reply | ErrorStep):
                try:
                    step = step(recorded)
                except Exception as exc:  # a broken script should fail loudly, not be retried
                    self.step_errors.append(exc)
                    return (
                        500,
                        _error_body(
                            "api_error",
                            f"ScriptedAnthropic: script step raised {type(exc).__name__}: {exc}",
                        ),
                        (("x-should-retry", "false"),),
                    )
                continue
            break
        if isinstance(step, ErrorStep):
            return step.status, _error_body(step.error_type, step.message), step.headers
        assert isinstance(step, Reply)
        return 200, self._message(step, recorded.body), ()

    def _message(self, step: Reply, body: dict[str, Any]) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if step.text:
            content.append({"type": "text", "text": step.text})
        for call in step.tool_calls:
            tool_id = call.id or f"toolu_fake_{next(self._ids):06d}"
            content.append(
                {"type": "tool_use", "id": tool_id, "name": call.name, "input": call.input}
            )
        stop_reason = step.stop_reason or ("tool_use" if step.tool_calls else "end_turn")
        usage = self._cache.usage(body)
        usage["output_tokens"] = step.output_tokens or estimate_tokens(content)
        usage.update(dict(step.usage))
        return {
            "id": f"msg_fake_{next(self._ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": self._model_echo or body.get("model"),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }


def sse_events(message: dict[str, Any], chunk: int = 12) -> str:
    """A complete message as the Messages API streams it (``stream: true``)."""

    def event(kind: str, data: dict[str, Any]) -> str:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"

    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    out = [event("message_start", {"message": start})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            out.append(
                event(
                    "content_block_start",
                    {"index": index, "content_block": {"type": "text", "text": ""}},
                )
            )
            text = block["text"]
            out += [
                event(
                    "content_block_delta",
                    {"index": index, "delta": {"type": "text_delta", "text": text[i : i + chunk]}},
                )
                for i in range(0, len(text), chunk)
            ]
        else:
            out.append(
                event(
                    "content_block_start", {"index": index, "content_block": {**block, "input": {}}}
                )
            )
            out.append(
                event(
                    "content_block_delta",
                    {
                        "index": index,
                        "delta": {
                            "type": "input_json_delta",
                            "partial_json": json.dumps(block["input"]),
                        },
                    },
                )
            )
        out.append(event("content_block_stop", {"index": index}))
    out.append(
        event(
            "message_delta",
            {
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        )
    )
    out.append(event("message_stop", {}))
    return "".join(out)


def _error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


__all__ = [
    "Delay",
    "ErrorStep",
    "RecordedRequest",
    "Reply",
    "ScriptedAnthropic",
    "ToolCall",
    "delay",
    "error",
    "estimate_tokens",
    "overloaded",
    "rate_limited",
    "reply",
    "server_error",
]
