"""Signed Slack requests and realistic payloads: what Slack sends to an app over HTTP.

Shared by the tests (tests/plugins/slack.py), the console (`affinity-bot console`) and the load
benchmark. `SlackRequests` signs every request the way Slack does (X-Slack-Signature v0 over
`v0:<timestamp>:<body>`, X-Slack-Request-Timestamp, optional X-Slack-Retry-Num) and builds the
payloads of slash commands, Events API callbacks (DMs, mentions, App Home, user changes), block
actions and view submissions. Response URLs and DM channels point at a `FakeSlack`, so whatever
the app answers is recorded there.

    slack = SlackRequests(base_url="http://127.0.0.1:3000", fake=fake)
    sent = slack.command("person jane smith")     # the ack: sent.status_code, sent.text
    fake.responses(sent.response_id)              # what the listener posted to response_url
    slack.as_user("U0BOB0001").message_im("lists")  # someone else, in their DM with the bot
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier
from werkzeug.serving import BaseWSGIServer, make_server

from bot.devtools.fake_slack import FakeSlack

SIGNING_SECRET = "test-signing-secret-4f9c2b7e1d"
BOT_TOKEN = "xoxb-1111-2222-testbottoken"
DEFAULT_TEAM_ID = "T0FAKE001"
DEFAULT_USER_ID = "U0ALICE01"
DEFAULT_CHANNEL_ID = "C0DEALS01"

TRANSPORT_OPTIONS = ("retry_num", "timestamp", "signature", "without")

_ids = itertools.count(1)
# Ids differ between processes too: an app on a database that outlives this process (the
# console's) deduplicates event ids and must never take a new event for a redelivery.
_PROCESS_TAG = uuid.uuid4().hex[:6].upper()


def _unique(prefix: str) -> str:
    return f"{prefix}{_PROCESS_TAG}{next(_ids):06X}"


@dataclass
class Sent:
    """The HTTP answer to a request (the ack), with the payload that was sent."""

    http: httpx.Response
    payload: dict[str, Any]
    response_id: str | None = None

    @property
    def status_code(self) -> int:
        return self.http.status_code

    @property
    def text(self) -> str:
        return self.http.text

    def json(self) -> Any:
        return self.http.json()

    @property
    def trigger_id(self) -> str | None:
        return self.payload.get("trigger_id")


@dataclass
class SlackRequests:
    """Sends what Slack sends, signed, as one user of one workspace."""

    base_url: str
    fake: FakeSlack
    signing_secret: str = SIGNING_SECRET
    team_id: str = DEFAULT_TEAM_ID
    user_id: str = DEFAULT_USER_ID
    channel_id: str = DEFAULT_CHANNEL_ID
    enterprise_id: str | None = None
    api_app_id: str = "AFAKEAPP1"
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=15))

    def as_user(
        self, user_id: str, *, team_id: str | None = None, channel_id: str | None = None
    ) -> SlackRequests:
        """The same helper, acting as another user (and/or workspace)."""
        return replace(
            self,
            user_id=user_id,
            team_id=team_id or self.team_id,
            channel_id=channel_id or self.channel_id,
        )

    @property
    def dm_channel(self) -> str:
        return self.fake.dm_channel(self.user_id)

    # -- transport --------------------------------------------------------------------

    def sign(self, body: str, timestamp: str) -> str:
        return str(
            SignatureVerifier(self.signing_secret).generate_signature(
                timestamp=timestamp, body=body
            )
        )

    def post(
        self,
        body: str,
        content_type: str,
        *,
        path: str = "/slack/events",
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | str | None = None,
        signature: str | None = None,
        without: tuple[str, ...] = (),
    ) -> httpx.Response:
        """POST `body` signed (or with the `signature` you give) at `timestamp` (default now).

        `without` names headers to leave out (e.g. "X-Slack-Signature").
        """
        headers = self.signed_headers(body, content_type, timestamp=timestamp, signature=signature)
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        for name in without:
            headers.pop(name, None)
        return self.http.post(self.base_url + path, content=body.encode(), headers=headers)

    def signed_headers(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | str | None = None,
        signature: str | None = None,
    ) -> dict[str, str]:
        """The headers Slack sends with `body`: content type, timestamp and signature."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature if signature is not None else self.sign(body, ts),
        }

    def post_form(self, fields: dict[str, Any], **options: Any) -> httpx.Response:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **options)

    def post_json(self, payload: dict[str, Any], **options: Any) -> httpx.Response:
        return self.post(json.dumps(payload), "application/json", **options)

    def post_interactive(self, payload: dict[str, Any], **options: Any) -> httpx.Response:
        return self.post_form({"payload": json.dumps(payload)}, **options)

    # -- slash commands ---------------------------------------------------------------

    def command_payload(
        self,
        text: str = "",
        *,
        command: str = "/affinity",
        response_id: str | None = None,
        channel_id: str | None = None,
    ) -> dict[str, Any]:
        response_id = response_id or _unique("R")
        return {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "deal-team",
            "enterprise_id": self.enterprise_id or "",
            "channel_id": channel_id or self.channel_id,
            "channel_name": "deals",
            "user_id": self.user_id,
            "user_name": f"user.{self.user_id.lower()}",
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(response_id),
            "trigger_id": f"{next(_ids)}.{self.team_id}.{uuid.uuid4().hex}",
        }

    def command(
        self,
        text: str = "",
        *,
        command: str = "/affinity",
        response_id: str | None = None,
        channel_id: str | None = None,
        payload: dict[str, Any] | None = None,
        **options: Any,
    ) -> Sent:
        """Run `/affinity <text>`; the response_url points at the fake (`sent.response_id`)."""
        payload = payload or self.command_payload(
            text, command=command, response_id=response_id, channel_id=channel_id
        )
        http = self.post_form(payload, **options)
        return Sent(http, payload, payload["response_url"].rsplit("/", 1)[-1])

    # -- events -----------------------------------------------------------------------

    def event_envelope(self, event: dict[str, Any], *, event_id: str | None = None) -> dict:
        return {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "enterprise_id": self.enterprise_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or _unique("Ev"),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": self.enterprise_id,
                    "team_id": self.team_id,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + uuid.uuid4().hex,
        }

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **options: Any) -> Sent:
        """Deliver an Events API `event_callback` wrapping `event` (same `event_id` = retry)."""
        envelope = self.event_envelope(event, event_id=event_id)
        return Sent(self.post_json(envelope, **options), envelope)

    def _message(
        self, text: str, channel: str, ts: str | None, thread_ts: str | None, user: str | None
    ) -> dict[str, Any]:
        user = user or self.user_id
        ts = ts or self.fake.add_message(channel, text, user=user, thread_ts=thread_ts)
        message = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "team": self.team_id,
            "blocks": [
                {
                    "type": "rich_text",
                    "block_id": "b1",
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                    ],
                }
            ],
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        return message

    def message_im(
        self,
        text: str,
        *,
        thread_ts: str | None = None,
        ts: str | None = None,
        user: str | None = None,
        bot_id: str | None = None,
        **options: Any,
    ) -> Sent:
        """The user writes `text` in their DM with the bot (also stored in the fake)."""
        event = self._message(text, self.dm_channel, ts, thread_ts, user)
        event["channel_type"] = "im"
        if bot_id:
            event["bot_id"] = bot_id
        return self.event(event, **options)

    def app_mention(
        self,
        text: str,
        *,
        channel: str | None = None,
        thread_ts: str | None = None,
        ts: str | None = None,
        **options: Any,
    ) -> Sent:
        mention = f"<@{self.fake.bot_user_id}> {text}"
        event = self._message(mention, channel or self.channel_id, ts, thread_ts, None)
        event["type"] = "app_mention"
        return self.event(event, **options)

    def app_home_opened(self, *, tab: str = "home", **options: Any) -> Sent:
        event = {
            "type": "app_home_opened",
            "user": self.user_id,
            "channel": self.dm_channel,
            "tab": tab,
            "event_ts": f"{time.time():.6f}",
        }
        return self.event(event, **options)

    def assistant_thread_event(
        self,
        kind: str = "assistant_thread_started",
        *,
        thread_ts: str | None = None,
        viewing: str | None = None,
        **options: Any,
    ) -> Sent:
        """The user opens the assistant pane (`assistant_thread_started`), or switches channel
        beside it (`assistant_thread_context_changed`); `viewing` is the channel they view.
        A new thread gets the assistant's greeting message as its root, stored in the fake."""
        channel = self.dm_channel
        if thread_ts is None:
            thread_ts = self.fake.add_message(channel, "", user=self.fake.bot_user_id)
        context: dict[str, Any] = {"team_id": self.team_id, "enterprise_id": self.enterprise_id}
        if viewing:
            context["channel_id"] = viewing
        event = {
            "type": kind,
            "assistant_thread": {
                "user_id": self.user_id,
                "context": context,
                "channel_id": channel,
                "thread_ts": thread_ts,
            },
            "event_ts": f"{time.time():.6f}",
        }
        return self.event(event, **options)

    def link_shared(
        self,
        *urls: str,
        channel: str | None = None,
        source: str = "conversations_history",
        **options: Any,
    ) -> Sent:
        """The user posts a message with `urls` on a registered unfurl domain (stored in the
        fake); `source="composer"` is a link still being typed (no message yet)."""
        channel = channel or self.channel_id
        event: dict[str, Any] = {
            "type": "link_shared",
            "channel": channel,
            "user": self.user_id,
            "links": [{"url": url, "domain": url.split("/")[2]} for url in urls],
            "source": source,
            "unfurl_id": _unique("Uf"),
            "event_ts": f"{time.time():.6f}",
        }
        if source == "composer":
            event["channel"] = "COMPOSER"
            event["message_ts"] = _unique("Composer")
        else:
            event["message_ts"] = self.fake.add_message(channel, " ".join(urls), user=self.user_id)
        return self.event(event, **options)

    def user_change(self, *, deleted: bool = True, **options: Any) -> Sent:
        user = {
            "id": self.user_id,
            "team_id": self.team_id,
            "name": f"user.{self.user_id.lower()}",
            "deleted": deleted,
            "is_bot": False,
            "profile": {"real_name": f"User {self.user_id}", "team": self.team_id},
        }
        event = {"type": "user_change", "user": user, "event_ts": f"{time.time():.6f}"}
        return self.event(event, **options)

    def app_uninstalled(self, **options: Any) -> Sent:
        return self.event({"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"}, **options)

    def tokens_revoked(
        self, *, bot: Iterable[str] = (), oauth: Iterable[str] = (), **options: Any
    ) -> Sent:
        event = {
            "type": "tokens_revoked",
            "tokens": {"oauth": list(oauth), "bot": list(bot)},
            "event_ts": f"{time.time():.6f}",
        }
        return self.event(event, **options)

    # -- interactivity ----------------------------------------------------------------

    def _actor(self) -> dict[str, Any]:
        return {
            "user": {
                "id": self.user_id,
                "username": f"user.{self.user_id.lower()}",
                "name": f"user.{self.user_id.lower()}",
                "team_id": self.team_id,
            },
            "team": {"id": self.team_id, "domain": "deal-team"},
            "enterprise": {"id": self.enterprise_id} if self.enterprise_id else None,
            "is_enterprise_install": False,
            "api_app_id": self.api_app_id,
            "token": "legacy-verification-token",
            "trigger_id": f"{next(_ids)}.{self.team_id}.{uuid.uuid4().hex}",
        }

    def block_action_payload(
        self,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str = "actions",
        message_ts: str | None = None,
        channel_id: str | None = None,
        view: dict[str, Any] | None = None,
        response_id: str | None = None,
        action_ts: str | None = None,
        selected_option: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A button click (or select) on a message, or in a view when `view` is given."""
        action: dict[str, Any] = {
            "type": "static_select" if selected_option else "button",
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": action_ts or f"{time.time():.6f}",
        }
        if value is not None:
            action["value"] = value
        if selected_option is not None:
            action["selected_option"] = selected_option
        payload = {
            "type": "block_actions",
            **self._actor(),
            "actions": [action],
            "state": {"values": {}},
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", _unique("V"))}
            payload["view"] = {
                "id": payload["container"]["view_id"],
                "type": "modal",
                "team_id": self.team_id,
                "state": {"values": {}},
                **view,
            }
            return payload
        channel = channel_id or self.channel_id
        message_ts = message_ts or f"{time.time():.6f}"
        payload.update(
            {
                "container": {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": channel,
                    "is_ephemeral": False,
                },
                "channel": {"id": channel, "name": "deals"},
                "message": {
                    "type": "message",
                    "ts": message_ts,
                    "user": self.fake.bot_user_id,
                    "bot_id": self.fake.bot_id,
                    "text": "",
                    "blocks": [],
                },
                "response_url": self.fake.response_url(response_id or _unique("R")),
            }
        )
        return payload

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        payload: dict[str, Any] | None = None,
        **options: Any,
    ) -> Sent:
        transport = {k: options.pop(k) for k in TRANSPORT_OPTIONS if k in options}
        payload = payload or self.block_action_payload(action_id, value, **options)
        url = payload.get("response_url") if isinstance(payload, dict) else None
        response_id = url.rsplit("/", 1)[-1] or None if isinstance(url, str) else None
        return Sent(self.post_interactive(payload, **transport), payload, response_id)

    @staticmethod
    def input_values(values: dict[str, str], action_id: str = "value") -> dict[str, Any]:
        """`view.state.values` for plain-text inputs: {block_id: text} -> Slack's shape."""
        return {
            block_id: {action_id: {"type": "plain_text_input", "value": text}}
            for block_id, text in values.items()
        }

    def view_submission_payload(
        self,
        callback_id: str,
        values: dict[str, Any] | None = None,
        *,
        private_metadata: str = "",
        view_id: str | None = None,
        title: str = "Affinity",
    ) -> dict[str, Any]:
        view_id = view_id or _unique("V")
        return {
            "type": "view_submission",
            **self._actor(),
            "view": {
                "id": view_id,
                "team_id": self.team_id,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "title": {"type": "plain_text", "text": title},
                "blocks": [],
                "state": {"values": values or {}},
                "hash": hashlib.sha256(view_id.encode()).hexdigest()[:16],
                "root_view_id": view_id,
                "app_id": self.api_app_id,
                "bot_id": self.fake.bot_id,
            },
            "response_urls": [],
        }

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, Any] | None = None,
        *,
        payload: dict[str, Any] | None = None,
        **options: Any,
    ) -> Sent:
        transport = {k: options.pop(k) for k in TRANSPORT_OPTIONS if k in options}
        payload = payload or self.view_submission_payload(callback_id, values, **options)
        return Sent(self.post_interactive(payload, **transport), payload)

    # -- shortcuts and typeahead ----------------------------------------------------------

    def message_action_payload(
        self,
        callback_id: str,
        *,
        text: str,
        message_ts: str | None = None,
        thread_ts: str | None = None,
        author: str | None = None,
        reply_count: int = 0,
        channel_id: str | None = None,
    ) -> dict[str, Any]:
        """A message shortcut ("…" on a message) used on a message of `author` (stored in the
        fake unless `message_ts` names one already there)."""
        channel = channel_id or self.channel_id
        author = author or self.user_id
        if message_ts is None:
            message_ts = self.fake.add_message(channel, text, user=author, thread_ts=thread_ts)
        message: dict[str, Any] = {
            "type": "message",
            "user": author,
            "text": text,
            "ts": message_ts,
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        if reply_count:
            message["reply_count"] = reply_count
        return {
            "type": "message_action",
            **self._actor(),
            "callback_id": callback_id,
            "action_ts": f"{time.time():.6f}",
            "message_ts": message_ts,
            "channel": {"id": channel, "name": "deals"},
            "message": message,
            "response_url": self.fake.response_url(_unique("R")),
        }

    def message_action(self, callback_id: str, **options: Any) -> Sent:
        transport = {k: options.pop(k) for k in TRANSPORT_OPTIONS if k in options}
        payload = self.message_action_payload(callback_id, **options)
        return Sent(self.post_interactive(payload, **transport), payload)

    def shortcut(self, callback_id: str, **transport: Any) -> Sent:
        """A global shortcut (the ⚡ menu or the search bar)."""
        payload = {
            "type": "shortcut",
            **self._actor(),
            "callback_id": callback_id,
            "action_ts": f"{time.time():.6f}",
        }
        return Sent(self.post_interactive(payload, **transport), payload)

    def block_suggestion(
        self,
        action_id: str,
        value: str,
        *,
        block_id: str,
        view: dict[str, Any] | None = None,
        **transport: Any,
    ) -> Sent:
        """What an external select sends as the user types `value`; the answer is the options."""
        view = view or {}
        payload = {
            "type": "block_suggestion",
            **self._actor(),
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "container": {"type": "view", "view_id": view.get("id", _unique("V"))},
            "view": {
                "id": view.get("id", _unique("V")),
                "type": "modal",
                "team_id": self.team_id,
                "callback_id": view.get("callback_id", ""),
                "private_metadata": view.get("private_metadata", ""),
                "state": {"values": {}},
            },
        }
        return Sent(self.post_interactive(payload, **transport), payload)


def serve_wsgi(wsgi_app: Any) -> tuple[BaseWSGIServer, str]:
    """Serve `wsgi_app` on an ephemeral loopback port, threaded. Returns (server, base url)."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.02},
        name="slack-app-http",
        daemon=True,
    ).start()
    return server, f"http://127.0.0.1:{server.server_port}"
