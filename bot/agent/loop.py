"""The tool-use loop: one user turn, from their words to an answer plus proposed writes.

Reads run through the injected executor (bound by the caller to the asking user's credential).
Writes never run here: each becomes a :class:`ProposedWrite` and the model is told it is queued
for the user's approval. A revoked key ends the turn with ``needs_reconnect``; Anthropic errors
end it with a one-line explanation after the SDK's bounded retries. What the user reads of a
turn that proposed writes never says they are done (``bot.agent.claims``); tool results are
compacted without silent cuts (``bot.agent.compact``).
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import anthropic
from anthropic.types import (
    ContentBlock,
    ContentBlockParam,
    Message,
    MessageParam,
    ToolResultBlockParam,
)

from affinity_client.errors import AffinityError, AuthenticationError
from bot.agent import model_errors
from bot.agent.catalog import CACHE_CONTROL, Catalog, Executor, tool_definitions
from bot.agent.claims import ClaimGuard, honest_answer
from bot.agent.compact import PageSpec, compact_result
from bot.agent.context import UserContext
from bot.agent.describe import ProposedWrite, describe_write
from bot.agent.memory_format import append_user_text, close_turn
from bot.agent.names import NameMap, collect_names
from bot.agent.prompt import system_blocks
from bot.agent.settings import AgentSettings
from bot.agent.tables import read_result

log = logging.getLogger(__name__)

TextSink = Callable[[str], None]
StepSink = Callable[[str], None]  # called with a tool's name before the loop runs it

QUEUED = (
    "Queued for the user's approval as proposal item {n}: {what}. NOT done yet: nothing "
    "has changed in Affinity. Tell the user what you proposed; they approve it with a "
    "button."
)
RECONNECT = (
    "Affinity rejected this user's API key (revoked or invalid). Nothing more can be "
    "looked up until they reconnect with /affinity connect."
)
NOT_RUN = "Not run: an earlier call in this step failed because the Affinity key was rejected."
UNEXPECTED = "The tool failed unexpectedly; try again or rephrase the request."
TOO_MANY = (
    "Not queued: {n} changes are already proposed in this request, the most one "
    "approval card holds. Tell the user to approve those first or narrow the request."
)
STEP_LIMIT = "_I stopped after {n} steps without finishing; ask a narrower question._"
CUT_SHORT = "_(answer cut short: it reached the length limit)_"


@dataclass(frozen=True)
class ToolCallRecord:
    name: str
    input: dict[str, Any]
    outcome: str  # "ok" | "error" | "proposed"
    result_chars: int = 0
    result: Any = None


@dataclass
class TurnOutcome:
    text: str
    proposals: list[ProposedWrite]
    messages: list[MessageParam]  # the whole conversation after this turn, JSON-ready
    needs_reconnect: bool = False
    error: str | None = None  # one line when the model API failed
    usage: list[dict[str, int]] = field(default_factory=list)
    tool_calls: list[ToolCallRecord] = field(default_factory=list)


def build_client(
    settings: AgentSettings, deadline: model_errors.DeadlineMiddleware
) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=settings.api_key_text,
        base_url=settings.base_url,
        max_retries=settings.max_retries,
        timeout=settings.request_timeout,
        middleware=[deadline],
    )


class AgentLoop:
    def __init__(
        self, settings: AgentSettings, catalog: Catalog, client: anthropic.Anthropic | None = None
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.tools = tool_definitions(catalog)
        self._deadline = model_errors.DeadlineMiddleware()
        self.client = client or build_client(settings, self._deadline)

    def run(
        self,
        user: UserContext,
        history: list[MessageParam],
        user_text: str,
        execute: Executor,
        on_text: TextSink | None = None,
        on_tool: StepSink | None = None,
    ) -> TurnOutcome:
        """One turn. ``on_text`` (optional) receives, as it streams, everything the user should
        read: each model step's text (a step that follows earlier text not ending in whitespace
        starts with a blank line, so steps never run together) and the note the loop adds when
        the answer is cut short or the step limit is reached. Errors and the reconnect case are
        not fed to it: the caller shows those from the outcome. ``on_tool`` (optional) is told
        each tool's name as its step starts (e.g. to show Slack's assistant status)."""
        turn = _Turn(self, user, execute, copy.deepcopy(history), on_text)
        turn.on_tool = on_tool
        turn.previous_end = cached_end(turn.messages)
        append_user_text(turn.messages, user_text)
        self._deadline.set_deadline(time.monotonic() + self.settings.turn_time_budget)
        try:
            return turn.play()
        finally:
            self._deadline.set_deadline(None)

    def create(
        self,
        system: list[dict[str, Any]],
        messages: list[MessageParam],
        on_text: TextSink | None = None,
        previous_end: int = 0,
    ) -> Message:
        remaining = self._deadline.remaining()
        if remaining is not None and remaining <= 0:
            raise model_errors.TurnDeadlineExceeded
        timeout = self.settings.request_timeout
        if remaining is not None:
            timeout = max(0.5, min(timeout, remaining))
        params: dict[str, Any] = {
            "model": self.settings.model,
            "max_tokens": self.settings.max_output_tokens,
            "system": system,
            "tools": self.tools,
            "messages": _with_breakpoints(messages, previous_end),
            "timeout": timeout,
        }
        if on_text is None:
            return self.client.messages.create(**params)
        with self.client.messages.stream(**params) as stream:
            for text in stream.text_stream:
                on_text(text)
            return stream.get_final_message()


class _Turn:
    """The state of one turn; ``play`` runs it to the end."""

    def __init__(
        self,
        loop: AgentLoop,
        user: UserContext,
        execute: Executor,
        messages: list[MessageParam],
        on_text: TextSink | None,
    ) -> None:
        self.loop, self.execute, self.messages = loop, execute, messages
        self.guard = ClaimGuard(on_text) if on_text is not None else None
        self.on_text = _StepSeparatedSink(self.guard) if self.guard is not None else None
        self.system = system_blocks(user)
        self.names: NameMap = {("list", lst.id): {"name": lst.name} for lst in user.lists}
        _names_from_history(messages, self.names)
        self.proposals: list[ProposedWrite] = []
        self.usage: list[dict[str, int]] = []
        self.calls: list[ToolCallRecord] = []
        self.needs_reconnect = False
        self.previous_end = 0  # message blocks the previous request sent (cache breakpoints)
        self.on_tool: StepSink | None = None

    def play(self) -> TurnOutcome:
        settings = self.loop.settings
        for _ in range(settings.max_tool_iterations):
            if self.on_text is not None:
                self.on_text.new_step()
            try:
                response = self.loop.create(
                    self.system, self.messages, self.on_text, self.previous_end
                )
                self.previous_end = _block_count(self.messages)
            except (anthropic.APIError, model_errors.TurnDeadlineExceeded) as exc:
                log.warning(
                    "model call failed: %s (request id %s)",
                    type(exc).__name__,
                    getattr(exc, "request_id", None),
                )
                message = model_errors.user_message(exc)
                return self._finish(message, error=message)
            self._record_usage(response)
            if self.guard is not None:
                self.guard.end_step()
            blocks = [_block_json(b) for b in response.content]
            # the API refuses an empty assistant turn in the history; the user is told plainly
            content = blocks or [{"type": "text", "text": "(no answer)"}]
            self.messages.append({"role": "assistant", "content": content})
            text = _text_of(blocks)
            if response.stop_reason == "pause_turn":
                continue
            if response.stop_reason != "tool_use":
                if response.stop_reason == "max_tokens":
                    text = f"{text}\n{CUT_SHORT}".strip()
                    self._stream_note("\n" + CUT_SHORT)
                return self._finish(text)
            self.messages.append({"role": "user", "content": self._run_tools(content)})
            if self.needs_reconnect:
                return self._finish(RECONNECT)
        limit = STEP_LIMIT.format(n=settings.max_tool_iterations)
        self._stream_note("\n\n" + limit)
        return self._finish(limit)

    def _stream_note(self, note: str) -> None:
        """A note the loop adds to the answer, also fed to ``on_text`` (after any text)."""
        if self.on_text is not None:
            self.on_text(note if self.on_text.fed else note.lstrip("\n"))

    def _finish(self, text: str, *, error: str | None = None) -> TurnOutcome:
        """End the turn. The model's own words stay in memory as written; what the user is
        shown never calls a proposal done (see bot.agent.claims)."""
        close_turn(self.messages, text)
        if self.guard is not None:
            self.guard.finish(self.proposals)
        if error is None:
            text = honest_answer(text, self.proposals)
        return TurnOutcome(
            text, self.proposals, self.messages, self.needs_reconnect, error, self.usage, self.calls
        )

    def _record_usage(self, response: Message) -> None:
        u = response.usage
        self.usage.append(
            {
                "input_tokens": u.input_tokens or 0,
                "output_tokens": u.output_tokens or 0,
                "cache_read_input_tokens": u.cache_read_input_tokens or 0,
                "cache_creation_input_tokens": u.cache_creation_input_tokens or 0,
            }
        )

    def _run_tools(self, content: list[ContentBlockParam]) -> list[ContentBlockParam]:
        results: list[ContentBlockParam] = []
        for block in content:
            if block["type"] != "tool_use":
                continue
            tool_input = cast(dict[str, Any], block.get("input") or {})
            if self.on_tool is not None:
                try:
                    self.on_tool(block["name"])
                except Exception as exc:  # showing progress must never end the turn
                    log.info("step notice failed: %s", type(exc).__name__)
            text, is_error = self._run_tool(block["name"], tool_input)
            result: ToolResultBlockParam = {
                "type": "tool_result",
                "tool_use_id": block["id"],
                "content": text,
            }
            if is_error:
                result["is_error"] = True
            results.append(result)
        return results

    def _run_tool(self, name: str, tool_input: dict[str, Any]) -> tuple[str, bool]:
        tool = self.loop.catalog.get(name)
        if tool is None:
            self.calls.append(ToolCallRecord(name, tool_input, "error"))
            return f"There is no tool named {name!r}.", True
        if tool.writes:
            if len(self.proposals) >= self.loop.settings.max_proposals_per_turn:
                self.calls.append(ToolCallRecord(name, tool_input, "error"))
                return TOO_MANY.format(n=len(self.proposals)), True
            problem = _input_problem(tool, tool_input)
            if problem:  # the model fixes its input now rather than the user approving a dud
                self.calls.append(ToolCallRecord(name, tool_input, "error"))
                return problem, True
            proposal = describe_write(name, tool_input, self.names)
            self.proposals.append(proposal)
            self.calls.append(ToolCallRecord(name, tool_input, "proposed"))
            return QUEUED.format(n=len(self.proposals), what=_with_ids(proposal)), False
        if self.needs_reconnect:
            return NOT_RUN, True
        compose = getattr(tool, "compose", None)  # a read the bot builds from several reads
        try:
            result = (
                compose(self.execute, tool_input)
                if callable(compose)
                else self.execute(name, tool_input)
            )
        except AuthenticationError:
            self.needs_reconnect = True
            self.calls.append(ToolCallRecord(name, tool_input, "error"))
            return RECONNECT, True
        except AffinityError as exc:
            self.calls.append(ToolCallRecord(name, tool_input, "error"))
            return str(exc), True
        except Exception as exc:  # a bug in a tool must not leak its text to the model
            log.error("tool %s raised %s", name, type(exc).__name__)
            self.calls.append(ToolCallRecord(name, tool_input, "error"))
            return UNEXPECTED, True
        collect_names(name, result, self.names)
        settings = self.loop.settings
        items_key = getattr(tool, "page_items", None)
        text = compact_result(
            result,
            max_chars=settings.tool_result_max_chars,
            text_max=settings.text_field_max_chars,
            page=PageSpec(name, tool_input, items_key) if items_key else None,
        )
        self.calls.append(ToolCallRecord(name, tool_input, "ok", len(text), result))
        return text, False


class _StepSeparatedSink:
    """Wraps ``on_text``: the text of a new model step is kept apart from the previous step's
    ("Let me check." + "Acme has…" must not read "Let me check.Acme has…")."""

    def __init__(self, sink: TextSink) -> None:
        self._sink = sink
        self.fed = False  # any text so far
        self._tail = ""  # the last character fed
        self._step_started = False

    def new_step(self) -> None:
        self._step_started = True

    def __call__(self, text: str) -> None:
        if not text:
            return
        if self._step_started and self.fed and not self._tail.isspace():
            self._sink("\n\n")
        self._step_started = False
        self._sink(text)
        self.fed, self._tail = True, text[-1]


def _names_from_history(messages: list[MessageParam], into: NameMap) -> None:
    """Names seen in earlier turns' tool results (Affinity's words, never the model's)."""
    tools_by_id: dict[str, str] = {}
    for message in messages:
        for block in cast(list[Any], message.get("content") or []):  # stored JSON
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_use":
                tools_by_id[block["id"]] = block["name"]
            elif block.get("type") == "tool_result" and not block.get("is_error"):
                try:
                    data = read_result(block.get("content") or "")
                except (TypeError, ValueError):
                    continue
                collect_names(tools_by_id.get(block.get("tool_use_id", ""), ""), data, into)


def _with_ids(proposal: ProposedWrite) -> str:
    """ "Add a note on deal Acme (Series A Pipeline) [opportunity 30001]": names and ids, so the
    thread's memory keeps which records a proposal was about."""
    ids = ", ".join(f"{t.kind} {t.id}" for t in proposal.targets)
    return f"{proposal.description} [{ids}]" if ids else proposal.description


def _input_problem(tool: Any, tool_input: dict[str, Any]) -> str | None:
    """The catalog's own schema check (``Tool.validate``), when the tool has one."""
    validate = getattr(tool, "validate", None)
    if not callable(validate):
        return None
    try:
        validate(tool_input)
    except AffinityError as exc:
        return f"Not queued: {exc}"
    return None


def _block_json(block: ContentBlock) -> ContentBlockParam:
    """A response block in its JSON form, which is also its form in a request."""
    return cast(ContentBlockParam, block.model_dump(mode="json", exclude_none=True))


def _text_of(content: list[ContentBlockParam]) -> str:
    return "\n".join(b["text"] for b in content if b["type"] == "text" and b["text"])


LOOKBACK_BLOCKS = 20  # the API finds a cached prefix up to 20 blocks before a breakpoint


def _block_count(messages: list[MessageParam]) -> int:
    return sum(len(c) if isinstance(c := m.get("content"), list) else 1 for m in messages)


def cached_end(messages: list[MessageParam]) -> int:
    """How many message blocks the previous request sent (and cached): all of them but the
    trailing answer, for a stored history that ends with the model's answer."""
    count = _block_count(messages)
    if messages and messages[-1].get("role") == "assistant":
        count -= _block_count(messages[-1:])
    return count


def _with_breakpoints(messages: list[MessageParam], previous_end: int) -> list[MessageParam]:
    """A copy with cache_control on the last block (the next request reads everything before
    it) and, when the previous request's end is beyond the API's 20-block look-back from
    there (many tool results at once), on that end too, so it is read rather than rewritten."""
    total = _block_count(messages)
    marks = {total - 1}
    if 0 < previous_end < total and total - previous_end >= LOOKBACK_BLOCKS:
        marks.add(previous_end - 1)
    out, index = [], 0
    for message in messages:
        content = message.get("content")
        if not isinstance(content, list):
            out.append(message)
            index += 1
            continue
        blocks = [
            {**b, "cache_control": CACHE_CONTROL} if index + i in marks else b
            for i, b in enumerate(content)
        ]
        index += len(content)
        out.append(
            cast(MessageParam, {**message, "content": blocks}) if blocks != content else message
        )
    return out
