"""The assistant's answer streamed into a DM thread as Claude writes it.

`AnswerStream.feed` receives the model's text (the agent's ``on_text``); it buffers, converts to
standard Markdown with :func:`to_stream_markdown` (Slack renders a stream's `markdown_text` as
Markdown; the result looks like a posted answer and is as safe), and sends what is ready through
slack_sdk's `WebClient.chat_stream()` helper (`chat.startStream` for the first chunk, then
`chat.appendStream`) — at a line or word boundary once `FLUSH_CHARS` characters are waiting or
`FLUSH_SECONDS` have passed, never one call per token. The helper's own buffer is not used
(`buffer_size=1`: each piece goes out when this class decides). `finish()` sends the rest and
stops the stream (`chat.stopStream`).

Failures never lose or repeat text:
- `chat.startStream` refused (the workspace does not offer streaming, a missing scope…): nothing
  was shown, `finish()` returns False and the caller posts the answer as usually. The team is
  remembered (`TeamRefusals`) so later turns do not try again; transient errors are not.
- a later call fails, or the message would grow past `STREAM_TEXT_LIMIT`: the stream is stopped
  and the text not yet shown is posted as ordinary message(s) in the thread by `finish()`.
Nothing here raises into the agent turn: a Slack problem must not end the model's answer.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.messages.chunk import TaskUpdateChunk
from slack_sdk.web.chat_stream import ChatStream

from bot.features.conversation.markdown import to_stream_markdown
from bot.features.conversation.mrkdwn import split_message, to_mrkdwn
from bot.features.conversation.replies import TeamRefusals, ThreadReply

log = logging.getLogger(__name__)

FLUSH_CHARS = 200
FLUSH_SECONDS = 0.5
STREAM_TEXT_LIMIT = 12000  # chat.*Stream markdown_text limit; longer answers continue as posts
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_SLACK_FAILURES = (SlackApiError, OSError)  # an API error, or the network (URLError, timeouts)
_INLINE_MARKS = ("*", "~", "_", "`")  # open while their count on the line is odd
_MARKERS_ONLY = re.compile(r"[ \t]*(?:[-*+•=>#]+|\d+[.)])?[ \t]*")


class AnswerStream:
    """One answer streamed into `reply`'s thread (a DM). States: idle -> streaming -> done,
    or `off` (never started: the caller posts the answer) or `broken` (rest posted at the end)."""

    def __init__(
        self,
        reply: ThreadReply,
        user_id: str,
        refusals: TeamRefusals,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reply, self.user_id, self.refusals, self.clock = reply, user_id, refusals, clock
        self.raw = ""  # the model's text so far
        self.sent = ""  # the Markdown the stream message shows
        self.sent_raw = 0  # how much of `raw` `sent` covers
        self.streamer: ChatStream | None = None
        self.ts: str | None = None
        self.state = "idle"
        self._last_flush = clock()
        self._steps = 0  # task updates shown in the stream
        self._open_step: dict[str, str] | None = None  # the task update still in progress

    def feed(self, text: str) -> None:
        """The agent's ``on_text``: buffer, and send what is due."""
        try:
            self.raw += text
            if self.state in ("idle", "streaming") and self._due():
                self._flush(final=False)
        except Exception:  # a bug here must not end the model's turn; finish() posts the rest
            log.exception("streaming the answer failed")
            self.state = "broken" if self.ts else "off"

    def step(self, title: str) -> None:
        """A tool is about to run: once the stream shows text, each step appears in it as a
        task update ("in progress", then "complete" when the next text or step comes). Before
        any text, the assistant status says it instead (`ThreadReply.step`)."""
        try:
            if self.state in ("idle", "streaming") and self.raw[self.sent_raw :].strip():
                self._flush(final=False)  # the text before the step goes out first
            if self.state != "streaming" or self.streamer is None:
                return
            self._steps += 1
            task = {"id": f"step-{self._steps}", "title": title}
            self._send_chunks([*self._closing_chunk(), _task(task, "in_progress")])
            self._open_step = task
        except Exception:  # progress must never end the model's turn
            log.exception("showing a step in the stream failed")

    def finish(self) -> bool:
        """Send the rest and stop. True when the text reached the thread (streamed, with any
        rest posted); False when nothing was streamed and the caller should post the answer."""
        if self.state in ("idle", "streaming") and self.raw[self.sent_raw :].strip():
            try:
                self._flush(final=True)
            except Exception:  # a bug here must not hide the turn's own outcome
                log.exception("streaming the answer failed")
                self.state = "broken" if self.ts else "off"
        if self.ts is None:
            return False
        if self.state == "streaming" and self._open_step is not None:
            self._send_chunks(self._closing_chunk())
        self._stop(self.ts)
        if self.state == "broken":
            rest = self._rest()
            if rest:
                for piece in split_message(rest):
                    self.reply.post(text=piece)
        self.state = "done"
        return True

    def _due(self) -> bool:
        pending = len(self.raw) - self.sent_raw
        waited = self.clock() - self._last_flush
        return pending > 0 and (pending >= FLUSH_CHARS or waited >= FLUSH_SECONDS)

    def _flush(self, *, final: bool) -> None:
        cut = len(self.raw) if final else _cut_point(self.raw, self.sent_raw)
        if cut <= self.sent_raw:
            return
        converted = to_stream_markdown(self.raw[:cut])
        if not converted.startswith(self.sent):
            if final:  # cannot continue what is shown: finish() posts the rest
                self.state = "broken"
            return  # Markdown still open across the cut (e.g. a link): wait for more text
        delta = converted[len(self.sent) :]
        if not delta:
            return
        if len(converted) > STREAM_TEXT_LIMIT:
            self.state = "broken"  # the rest is posted as messages by finish()
            return
        if self._send(delta):
            self.sent, self.sent_raw = converted, cut
            self._last_flush = self.clock()

    def _send(self, delta: str) -> bool:
        reply = self.reply
        if self.streamer is None:
            self.streamer = reply.client.chat_stream(
                channel=reply.channel,
                thread_ts=reply.thread_ts,
                buffer_size=1,
                recipient_team_id=reply.team_id,
                recipient_user_id=self.user_id,
            )
        try:
            if self._open_step is not None:  # the step before this text is done
                self.streamer.append(chunks=self._closing_chunk())
            self.streamer.append(markdown_text=delta)  # starts the stream the first time
        except _SLACK_FAILURES as error:
            self._failed(error)
            return False
        if self.ts is None:
            self.ts = self.streamer.ts
            self.state = "streaming"
            reply.abandon()  # a "Working on it…" placeholder, if any, gives way
        return True

    def _closing_chunk(self) -> list[TaskUpdateChunk]:
        """The open step marked complete (once), or nothing."""
        task, self._open_step = self._open_step, None
        return [_task(task, "complete")] if task is not None else []

    def _send_chunks(self, chunks: list[TaskUpdateChunk]) -> None:
        if not chunks or self.streamer is None:
            return
        try:
            self.streamer.append(chunks=chunks)
        except _SLACK_FAILURES as error:
            self._failed(error)

    def _failed(self, error: Exception) -> None:
        code = error.response.get("error") if isinstance(error, SlackApiError) else None
        if self.ts is None:
            log.info(
                "answer streaming unavailable (%s); posting the answer instead",
                code or type(error).__name__,
            )
            if code and code not in TRANSIENT_ERRORS:
                self.refusals.refuse(self.reply.team_id)
            self.state = "off"
        else:
            log.info("answer stream broke (%s); posting the rest", code or type(error).__name__)
            self.state = "broken"

    def _stop(self, ts: str) -> None:
        try:
            if self.state == "broken" or self.streamer is None:
                # The helper still holds the piece Slack refused: stopping through it would send
                # that piece again, and finish() posts it.
                self.reply.client.chat_stopStream(
                    channel=self.reply.channel, ts=ts, **self._footer()
                )
            else:
                self.streamer.stop(**self._footer())
        except _SLACK_FAILURES as error:  # all text was appended already: nothing is lost
            log.info("could not stop the answer stream: %s", type(error).__name__)

    def _footer(self) -> dict[str, Any]:
        """The reply's footer blocks (the assistant pane's feedback buttons), under the stream."""
        footer = getattr(self.reply, "footer", None)
        return {"blocks": footer} if footer else {}

    def _rest(self) -> str:
        """The text the stream message does not show, as mrkdwn for ordinary messages (the
        stream was only ever cut where no formatting is open)."""
        return to_mrkdwn(self.raw[self.sent_raw :])


def _task(task: dict[str, str], status: str) -> TaskUpdateChunk:
    return TaskUpdateChunk(id=task["id"], title=task["title"], status=status)


def _cut_point(raw: str, start: int) -> int:
    """Where the text can be cut for sending: after the last complete line outside a code
    block, else (a long line) after the last word that leaves no inline Markdown open."""
    line_end = raw.rfind("\n", start) + 1
    if line_end > start and raw[:line_end].count("```") % 2 == 0:
        return line_end
    if raw.count("```") % 2:
        return start
    line_start = raw.rfind("\n", 0, len(raw)) + 1
    for match in reversed(list(re.finditer(r"\s", raw[max(start, line_start) :]))):
        cut = max(start, line_start) + match.end()
        if _closed(raw[line_start:cut]):
            return cut
    return start


def _closed(line: str) -> bool:
    """No inline formatting open in `line` so far (a heading converts only once complete, a
    list or quote marker only once its text follows)."""
    return (
        not re.match(r"[ \t]{0,3}#", line)
        and not _MARKERS_ONLY.fullmatch(line)
        and all(line.count(mark) % 2 == 0 for mark in _INLINE_MARKS)
        and line.count("[") == line.count("]")
        and line.count("(") == line.count(")")
    )
