"""What the app sent to Slack, as the console shows it: messages, edits, dialogs, App Home.

`Transcript.show(calls)` turns the fake Slack's recorded calls into printed text and keeps what
the console needs next: every button by its number (with the message or view it sits in, so a
click can carry the right container), the dialog the app just opened, and each user's latest
App Home. Internal calls (auth.test, users.info, conversations.*, statuses) are not shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.devtools.blocks_text import Control, Rendered, render_message, render_view
from bot.devtools.fake_slack import RESPONSE_URL, FakeSlack, RecordedCall

HIDDEN = {
    "auth.test",
    "users.info",
    "conversations.open",
    "conversations.replies",
    "api.test",
    "chat.getPermalink",
    "assistant.threads.setTitle",
    "assistant.threads.setSuggestedPrompts",
    "chat.startStream",
    "chat.appendStream",
}


@dataclass(frozen=True)
class Place:
    """Where a control was shown: a message (channel, ts, thread) or a view."""

    kind: str  # "message", "ephemeral" or "view"
    channel: str = ""
    ts: str = ""
    thread_ts: str | None = None
    message: dict[str, Any] = field(default_factory=dict)
    view: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Clickable:
    control: Control
    place: Place


@dataclass
class Transcript:
    """Renders recorded calls for one console session and remembers what can be clicked."""

    fake: FakeSlack
    write: Callable[[str], None]
    command_channel: str
    dm_thread: Callable[[], str | None] = lambda: None
    names: dict[str, str] = field(default_factory=dict)  # Slack user id -> name, for @mentions
    zone: str = "UTC"  # the console user's Slack time zone, where Slack shows a date token
    clickables: dict[int, Clickable] = field(default_factory=dict)
    next_number: int = 1
    opened_views: list[dict[str, Any]] = field(default_factory=list)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    _claimed: set[tuple[str, str]] = field(default_factory=set)

    # ------------------------------------------------------------------ public

    def show(self, calls: Iterable[RecordedCall], *, show_home: bool = False) -> None:
        home_changed = False
        for call in calls:
            if call.method in HIDDEN:
                continue
            if call.method == "views.publish":
                view = dict(call.params.get("view") or {})
                self.homes[str(call.params.get("user_id"))] = view
                home_changed = True
                continue
            self._show_call(call)
        if home_changed and not show_home:
            self.write("(your App Home was updated: /home shows it)")

    def show_home(self, user_id: str) -> bool:
        view = self.homes.get(user_id)
        if view is None:
            return False
        self.block(
            "App Home",
            render_view(in_zone(view, self.zone), first_number=self.next_number),
            Place("view", view={**view, "type": "home"}),
        )
        return True

    def show_ack(self, body: str) -> None:
        """A listener's `ack(text=...)`: shown like an ephemeral reply."""
        if not body.strip():
            return
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {"text": body}
        if isinstance(payload, dict) and (payload.get("text") or payload.get("blocks")):
            self._message(
                "only you",
                payload,
                Place(
                    "ephemeral",
                    channel=self.command_channel,
                    ts=self.fake.new_ts(),
                    message=payload,
                ),
            )

    def clickable(self, number: int) -> Clickable | None:
        return self.clickables.get(number)

    def take_opened_view(self) -> dict[str, Any] | None:
        return self.opened_views.pop(0) if self.opened_views else None

    def block(self, title: str, rendered: Rendered, place: Place) -> None:
        self.write(f"[{title}]")
        text = rendered.text
        for user_id, name in self.names.items():
            text = text.replace(f"@{user_id}", f"@{name}")
        text = text.replace(f"#{self.command_channel}", "#deals")  # as Slack names <#C…>
        if text.strip():
            self.write(text)
        for control in rendered.controls:
            self.clickables[control.number] = Clickable(control, place)
            self.next_number = max(self.next_number, control.number + 1)

    # ------------------------------------------------------------------ calls

    def _show_call(self, call: RecordedCall) -> None:
        params = call.params
        method = call.method
        if method == RESPONSE_URL:
            self._response(params, call.message_ts or "")
        elif method == "chat.postEphemeral":
            self._message(
                "only you",
                params,
                Place(
                    "ephemeral",
                    channel=params.get("channel", ""),
                    ts=call.message_ts or "",
                    thread_ts=params.get("thread_ts"),
                    message=params,
                ),
            )
        elif method == "chat.postMessage":
            self._posted(params)
        elif method == "chat.update":
            channel = self.fake.dm_channel(str(params.get("channel", "")))
            place = Place(
                "message",
                channel=channel,
                ts=str(params.get("ts")),
                thread_ts=self._thread_of(channel, str(params.get("ts"))),
                message=params,
            )
            self._message("edited", params, place)
        elif method == "chat.stopStream":
            self._streamed(params)
        elif method == "chat.delete":
            self.write("[a message was removed]")
        elif method in ("views.open", "views.push"):
            view = dict(params.get("view") or {})
            self.opened_views.append(view)
        elif method == "views.update":
            view = dict(params.get("view") or {})
            waiting = self.opened_views[-1] if self.opened_views else None
            if waiting is not None and waiting.get("callback_id") == view.get("callback_id"):
                self.opened_views[-1] = view  # filled after it opened: not yet shown
                return
            self.block(
                f"dialog updated: {_title(view)}",
                render_view(in_zone(view, self.zone), first_number=self.next_number),
                Place("view", view=view),
            )
        elif method == "chat.unfurl":
            for url, card in (params.get("unfurls") or {}).items():
                self._message(f"preview of {url}", card, Place("unfurl", message=card))
        elif method == "assistant.threads.setStatus":
            status = str(params.get("status") or "").strip()
            if status:
                self.write(f"(bot: {status})")
        else:
            self.write(f"(app called {method})")

    def _response(self, params: dict[str, Any], ts: str) -> None:
        """A response URL post; `ts` is the ephemeral message's, kept when it is replaced."""
        if params.get("delete_original"):
            self.write("[the message was removed]")
            return
        where = "in #deals" if params.get("response_type") == "in_channel" else "only you"
        if params.get("replace_original") in (True, "true"):
            where += ", replaces the message"
        self._message(
            where, params, Place("ephemeral", channel=self.command_channel, ts=ts, message=params)
        )

    def _posted(self, params: dict[str, Any]) -> None:
        channel = self.fake.dm_channel(str(params.get("channel", "")))
        thread_ts = params.get("thread_ts")
        ts = self._claim(channel, params)
        if channel.startswith("D"):
            where = "DM thread" if thread_ts else "DM"
        else:
            name = "#deals" if channel == self.command_channel else f"#{channel}"
            where = f"{name} thread" if thread_ts else name
        place = Place(
            "message", channel=channel, ts=ts, thread_ts=thread_ts, message={**params, "ts": ts}
        )
        self._message(where, params, place)

    def _streamed(self, params: dict[str, Any]) -> None:
        channel, ts = str(params.get("channel")), str(params.get("ts"))
        message = next((m for m in self.fake.messages(channel) if m.get("ts") == ts), None)
        if message is None:
            return
        self._claimed.add((channel, ts))
        where = "DM thread" if channel.startswith("D") else f"#{channel} thread"
        self._message(
            where,
            message,
            Place(
                "message",
                channel=channel,
                ts=ts,
                thread_ts=message.get("thread_ts"),
                message=message,
            ),
        )

    def _message(self, where: str, message: dict[str, Any], place: Place) -> None:
        shown = in_zone(message, self.zone)
        self.block(f"bot · {where}", render_message(shown, first_number=self.next_number), place)

    # ------------------------------------------------------------------ message ids

    def _claim(self, channel: str, params: dict[str, Any]) -> str:
        """The ts the fake gave the posted message: the first unclaimed bot message like it."""
        for stored in self.fake.messages(channel):
            key = (channel, str(stored.get("ts")))
            if key in self._claimed or stored.get("bot_id") is None:
                continue
            if stored.get("text", "") == params.get("text", "") and stored.get(
                "thread_ts"
            ) == params.get("thread_ts"):
                self._claimed.add(key)
                return key[1]
        return ""

    def _thread_of(self, channel: str, ts: str) -> str | None:
        for stored in self.fake.messages(channel):
            if stored.get("ts") == ts:
                return stored.get("thread_ts")
        return None


def _title(view: dict[str, Any]) -> str:
    title = view.get("title")
    return str(title.get("text") if isinstance(title, dict) else title or "dialog")


_DATE_TOKEN = re.compile(r"<!date\^(\d+)\^([^|>]*)\|[^>]*>")


def in_zone(value: Any, zone: str) -> Any:
    """`value` (a message or view) with each Slack date token's fallback written in `zone`:
    Slack shows the token in the reader's own time zone, as the console then does."""
    if isinstance(value, str):
        return _DATE_TOKEN.sub(lambda m: _in_zone(m, ZoneInfo(zone)), value)
    if isinstance(value, list):
        return [in_zone(item, zone) for item in value]
    if isinstance(value, dict):
        return {key: in_zone(item, zone) for key, item in value.items()}
    return value


def _in_zone(token: re.Match[str], zone: ZoneInfo) -> str:
    when = datetime.fromtimestamp(int(token[1]), zone)
    text = re.sub(r"\{date[a-z_]*\}", f"{when.day} {when:%b %Y}", token[2])
    return f"<!date^{token[1]}^{token[2]}|{text.replace('{time}', f'{when:%H:%M}')}>"
