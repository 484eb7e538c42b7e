"""A local fake of Slack's Web API, over loopback HTTP, for tests, benchmarks and the console.

`FakeSlack` answers the Web API methods this app uses with realistic payloads, records every call
(method, token, parameters, time), serves `response_url`s and records what is posted to them, and
can fail on command. Point the app at it with `SLACK_API_URL=<fake.api_url>` (or
`WebClient(base_url=fake.api_url)`) and give commands `response_url=fake.response_url(...)`.

    fake = FakeSlack().start()
    ...  # drive the app
    call = fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "D123")
    fake.stop()

Listeners run after the ack on worker threads, so tests wait for calls rather than assume them.

Ephemeral messages get a ts, as in Slack, kept while they are replaced: a message posted to a
response URL (or with `chat.postEphemeral`) gets a new ts, recorded as the call's `message_ts`;
a `replace_original` post keeps the ts of the message it replaces — the first message posted to
that response URL, or the message `bind_response(response_id, ts)` tied it to (a click's
response URL belongs to the message clicked).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

RESPONSE_URL = "response_url"  # the pseudo-method under which response_url posts are recorded
DEFAULT_TEAM_ID = "T0FAKE001"
DEFAULT_BOT_USER_ID = "UFAKEBOT1"
DEFAULT_BOT_ID = "BFAKEBOT1"
DEFAULT_APP_ID = "AFAKEAPP1"
NO_TOKEN_METHODS = {"oauth.v2.access", "api.test"}
# Fields that form-encoded Web API calls carry as JSON strings.
JSON_FIELDS = {
    "blocks",
    "attachments",
    "view",
    "prompts",
    "chunks",
    "metadata",
    "users",
    "unfurls",
}
USER_TOP_LEVEL = {
    "name",
    "real_name",
    "deleted",
    "is_bot",
    "is_admin",
    "is_owner",
    "is_primary_owner",
    "tz",
    "team_id",
}


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake received: a Web API method call or a response_url post."""

    method: str
    token: str | None
    params: dict[str, Any]
    at: float
    response_id: str | None = None
    message_ts: str | None = None  # the ts of the ephemeral message this call posted/replaced

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    @property
    def text(self) -> str:
        """The visible text of a posted message: `text` plus the text of its blocks."""
        parts = [str(self.params.get("text") or self.params.get("markdown_text") or "")]
        blocks = self.params.get("blocks") or (self.params.get("view") or {}).get("blocks") or []
        parts.extend(_block_texts(blocks))
        return "\n".join(p for p in parts if p)


def _block_texts(blocks: Any) -> Iterator[str]:
    """Every `text` string nested in Block Kit blocks."""
    if isinstance(blocks, dict):
        for key, value in blocks.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _block_texts(value)
    elif isinstance(blocks, list):
        for item in blocks:
            yield from _block_texts(item)


@dataclass
class _Failure:
    error: str
    status: int
    retry_after: int | None


@dataclass
class _State:
    calls: list[RecordedCall] = field(default_factory=list)
    failures: dict[str, list[_Failure]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by channel
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    response_messages: dict[str, str] = field(default_factory=dict)  # response id -> its ts
    ephemeral_ts: set[str] = field(default_factory=set)  # chat.update/delete refuse these


class FakeSlack:
    """Slack's Web API and response URLs on `127.0.0.1:<port>` (an ephemeral port by default)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        team_id: str = DEFAULT_TEAM_ID,
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        bot_id: str = DEFAULT_BOT_ID,
        app_id: str = DEFAULT_APP_ID,
    ) -> None:
        self.host, self.port = host, port
        self.team_id, self.bot_user_id = team_id, bot_user_id
        self.bot_id, self.app_id = bot_id, app_id
        self._state = _State()
        self._changed = threading.Condition()
        self._counter = itertools.count(1)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, Callable[[dict[str, Any], str | None], dict[str, Any]]] = {
            "api.test": lambda p, t: {"args": p},
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.unfurl": self._chat_unfurl,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.open": self._conversations_open,
            "conversations.replies": self._conversations_replies,
            "conversations.history": self._conversations_history,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "assistant.threads.setStatus": lambda p, t: {},
            "assistant.threads.setTitle": lambda p, t: {},
            "assistant.threads.setSuggestedPrompts": lambda p, t: {},
            "chat.startStream": self._chat_start_stream,
            "chat.appendStream": self._chat_append_stream,
            "chat.stopStream": self._chat_stop_stream,
            "oauth.v2.access": self._oauth_v2_access,
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        if self._server is None:
            self._server = make_server(self.host, self.port, self._wsgi, threaded=True)
            self.port = self._server.server_port
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-slack",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, with the trailing slash `WebClient` needs."""
        return f"{self.base_url}/api/"

    def response_url(self, response_id: str | None = None) -> str:
        """A response URL served by the fake; posts to it are recorded as `response_url` calls."""
        return f"{self.base_url}/response/{response_id or self._next_id('R')}"

    def bind_response(self, response_id: str, message_ts: str) -> None:
        """Posts with `replace_original` to this response URL replace the message `message_ts`
        (Slack's response URL of a click belongs to the message clicked)."""
        with self._changed:
            self._state.response_messages[response_id] = message_ts

    def new_ts(self) -> str:
        """A fresh message ts, as Slack would give a message."""
        return self._next_ts()

    # ------------------------------------------------------------------ control

    def reset(self) -> None:
        """Forget calls, queued failures, users, messages, views and delays."""
        with self._changed:
            self._state = _State()

    def fail_next(
        self,
        method: str,
        error: str = "internal_error",
        *,
        status: int = 200,
        retry_after: int | None = None,
    ) -> None:
        """The next call of `method` fails with `error` (status 429 adds `Retry-After`)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._changed:
            self._state.failures.setdefault(method, []).append(_Failure(error, status, retry_after))

    def slow_down(self, method: str, seconds: float) -> None:
        """Every call of `method` waits `seconds` before answering (0 to undo)."""
        with self._changed:
            self._state.delays[method] = seconds

    def set_user(self, user_id: str, **profile: Any) -> None:
        """Define what users.info returns: `deleted=True`, `is_bot`, `real_name`, `email`, ..."""
        with self._changed:
            user = self._state.users.setdefault(user_id, self._default_user(user_id))
            for key, value in profile.items():
                if key in USER_TOP_LEVEL:
                    user[key] = value
                    if key == "real_name":
                        user["profile"]["real_name"] = value
                else:
                    user["profile"][key] = value

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str,
        ts: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Seed a message a person wrote (for conversations.replies). Returns its ts."""
        ts = ts or self._next_ts()
        message = {"type": "message", "user": user, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self._changed:
            self._state.messages.setdefault(channel, []).append(message)
        return ts

    def show_view(self, view_id: str, view: dict[str, Any]) -> None:
        """A modal Slack shows without a Web API call (an acknowledgement's
        `response_action: update`), so that later `views.update` calls find it."""
        self._store_view(view, view_id)

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        with self._changed:
            return [c for c in self._state.calls if method is None or c.method == method]

    def responses(self, response_id: str | None = None) -> list[RecordedCall]:
        """What was posted to response URLs (to one of them if `response_id` is given)."""
        return [
            call
            for call in self.calls(RESPONSE_URL)
            if response_id is None or call.response_id == response_id
        ]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,
    ) -> RecordedCall:
        """The first recorded call of `method` matching `predicate`, waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for call in self._state.calls:
                    if call.method == method and (predicate is None or predicate(call)):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self._state.calls]
                    raise AssertionError(
                        f"no matching {method} call within {timeout}s; calls seen: {seen}"
                    )
                self._changed.wait(remaining)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        with self._changed:
            return [dict(m) for m in self._state.messages.get(channel, [])]

    # ------------------------------------------------------------------ HTTP

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/response/"):
            response_id = path.removeprefix("/response/")
            params = _parse_body(request)
            replaced_ts: str | None = self._response_ts(response_id, params)
            self._record(
                RESPONSE_URL, None, params, response_id=response_id, message_ts=replaced_ts
            )
            return _json_response({"ok": True})
        if not path.startswith("/api/"):
            return _json_response({"ok": False, "error": "not_found"}, status=404)
        method = path.removeprefix("/api/")
        params = _with_chunk_text({**dict(request.args), **_parse_body(request)})
        if request.authorization and request.authorization.type == "basic":
            params.setdefault("client_id", request.authorization.username)  # oauth.v2.access
        token = _token_of(request, params)
        ts = self._next_ts() if method == "chat.postEphemeral" else None
        if ts is not None:
            with self._changed:
                self._state.ephemeral_ts.add(ts)  # never stored: nobody else sees them
        self._record(method, token, params, message_ts=ts)
        delay = self._state.delays.get(method, 0)
        if delay:
            time.sleep(delay)
        failure = self._take_failure(method)
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            return _json_response(
                {"ok": False, "error": failure.error}, status=failure.status, headers=headers
            )
        handler = self._handlers.get(method)
        if handler is None:
            return _json_response({"ok": False, "error": "unknown_method"})
        if token is None and method not in NO_TOKEN_METHODS:
            return _json_response({"ok": False, "error": "not_authed"})
        try:
            payload = handler(params, token)
        except _SlackError as error:
            return _json_response({"ok": False, "error": str(error)})
        if ts is not None:
            payload = {**payload, "message_ts": ts}
        return _json_response({"ok": True, **payload})

    def _record(
        self,
        method: str,
        token: str | None,
        params: dict[str, Any],
        response_id: str | None = None,
        message_ts: str | None = None,
    ) -> None:
        with self._changed:
            self._state.calls.append(
                RecordedCall(method, token, params, time.time(), response_id, message_ts)
            )
            self._changed.notify_all()

    def _response_ts(self, response_id: str, params: dict[str, Any]) -> str:
        """The ts of the ephemeral message a response URL post shows (see the module doc)."""
        replace = params.get("replace_original") in (True, "true")
        with self._changed:
            bound = self._state.response_messages.get(response_id)
            if (replace or params.get("delete_original") in (True, "true")) and bound:
                return bound
            ts = self._next_ts()
            self._state.response_messages.setdefault(response_id, ts)
            return ts

    def _take_failure(self, method: str) -> _Failure | None:
        with self._changed:
            queue = self._state.failures.get(method)
            return queue.pop(0) if queue else None

    # ------------------------------------------------------------------ ids

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._counter):06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):08X}"

    def dm_channel(self, user_id: str) -> str:
        """The id of the bot's DM channel with `user_id` (stable, like Slack's)."""
        return "D" + user_id[1:] if user_id[:1] in ("U", "W") else user_id

    # ------------------------------------------------------------------ methods

    def _auth_test(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {
            "url": "https://fake-workspace.slack.com/",
            "team": "Fake Workspace",
            "user": "affinity",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "is_enterprise_install": False,
        }

    def _bot_message(self, params: dict[str, Any], ts: str) -> dict[str, Any]:
        message = {
            "type": "message",
            "subtype": "bot_message" if params.get("username") else None,
            "text": params.get("text", ""),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "ts": ts,
            "team": self.team_id,
        }
        for key in ("blocks", "thread_ts", "metadata"):
            if params.get(key):
                message[key] = params[key]
        return {k: v for k, v in message.items() if v is not None}

    def _require(self, params: dict[str, Any], *names: str) -> None:
        for name in names:
            if not params.get(name):
                raise _SlackError("channel_not_found" if name == "channel" else "invalid_arguments")

    def _chat_post_message(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._require(params, "channel")
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            raise _SlackError("no_text")
        channel = self.dm_channel(params["channel"])
        ts = self._next_ts()
        message = self._bot_message(params, ts)
        with self._changed:
            self._state.messages.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._require(params, "channel", "user")
        return {}  # the message_ts recorded with the call is added to the answer

    def _refuse_ephemeral(self, ts: str) -> None:
        """Like Slack: an ephemeral message is changed only through a click's response_url."""
        with self._changed:
            if ts in self._state.ephemeral_ts:
                raise _SlackError("message_not_found")

    def _chat_update(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._require(params, "channel", "ts")
        self._refuse_ephemeral(params["ts"])
        message = self._bot_message(params, params["ts"])
        with self._changed:
            for stored in self._state.messages.get(params["channel"], []):
                if stored["ts"] == params["ts"]:
                    stored.update(message)
        return {
            "channel": params["channel"],
            "ts": params["ts"],
            "text": params.get("text", ""),
            "message": message,
        }

    def _chat_delete(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._require(params, "channel", "ts")
        self._refuse_ephemeral(params["ts"])
        with self._changed:
            kept = [
                m
                for m in self._state.messages.get(params["channel"], [])
                if m["ts"] != params["ts"]
            ]
            self._state.messages[params["channel"]] = kept
        return {"channel": params["channel"], "ts": params["ts"]}

    def _chat_get_permalink(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._require(params, "channel", "message_ts")
        channel, ts = params["channel"], str(params["message_ts"])
        permalink = f"https://fake-workspace.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"channel": channel, "permalink": permalink}

    def _chat_unfurl(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Previews for links in a message (`channel` + `ts`) or in the composer (`unfurl_id` +
        `source`); each URL's card must be an object with blocks (or an attachment)."""
        if not (params.get("channel") and params.get("ts")) and not (
            params.get("unfurl_id") and params.get("source")
        ):
            raise _SlackError("invalid_arguments")
        unfurls = params.get("unfurls")
        if not isinstance(unfurls, dict) or not unfurls:
            raise _SlackError("invalid_unfurls")
        if not all(isinstance(card, dict) for card in unfurls.values()):
            raise _SlackError("invalid_unfurls")
        return {}

    def _store_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        if not isinstance(view, dict) or not view.get("type"):
            raise _SlackError("invalid_arguments")
        view_id = view_id or self._next_id("V")
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "type": view["type"],
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": self._next_id("H").lower(),
            "root_view_id": view_id,
            "previous_view_id": None,
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
        }
        with self._changed:
            self._state.views[view_id] = stored
        return stored

    def _views_open(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if not params.get("trigger_id") and not params.get("interactivity_pointer"):
            raise _SlackError("invalid_arguments")
        return {"view": self._store_view(params.get("view") or {})}

    def _views_update(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        view_id = params.get("view_id")
        if not view_id and not params.get("external_id"):
            raise _SlackError("invalid_arguments")
        if view_id and view_id not in self._state.views:
            raise _SlackError("not_found")
        return {"view": self._store_view(params.get("view") or {}, view_id)}

    def _views_publish(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._require(params, "user_id")
        view = params.get("view") or {}
        if view.get("type") != "home":
            raise _SlackError("invalid_arguments")
        return {"view": self._store_view(view)}

    def _conversations_open(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        users = params.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        if not users:
            raise _SlackError("users_list_not_supplied")
        channel = self.dm_channel(str(users).split(",")[0])
        return {"channel": {"id": channel, "is_im": True}, "already_open": True}

    def _conversations_replies(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._require(params, "channel", "ts")
        root = str(params["ts"])
        with self._changed:
            thread = [
                dict(m)
                for m in self._state.messages.get(params["channel"], [])
                if m["ts"] == root or m.get("thread_ts") == root
            ]
        if not thread:
            raise _SlackError("thread_not_found")
        return {"messages": thread, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _conversations_history(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        """A channel's top-level messages, newest first, after `oldest` (a ts); their message
        metadata only with `include_all_metadata`, as in Slack."""
        self._require(params, "channel")
        oldest = float(params.get("oldest") or 0)
        limit = int(params.get("limit") or 100)
        with_metadata = str(params.get("include_all_metadata")).lower() in {"1", "true"}
        with self._changed:
            messages = [
                dict(m)
                for m in self._state.messages.get(params["channel"], [])
                if float(m["ts"]) > oldest and m.get("thread_ts") in (None, m["ts"])
            ]
        if not with_metadata:
            for message in messages:
                message.pop("metadata", None)
        messages.sort(key=lambda m: float(m["ts"]), reverse=True)
        return {
            "messages": messages[:limit],
            "has_more": len(messages) > limit,
            "response_metadata": {"next_cursor": ""},
        }

    def _default_user(self, user_id: str) -> dict[str, Any]:
        name = f"user.{user_id.lower()}"
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": f"User {user_id}",
            "deleted": False,
            "is_bot": False,
            "is_admin": False,
            "tz": "Europe/London",
            "profile": {
                "real_name": f"User {user_id}",
                "display_name": name,
                "email": f"{name}@example.com",
                "team": self.team_id,
            },
        }

    def _users_info(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._require(params, "user")
        user_id = params["user"]
        with self._changed:
            user = self._state.users.get(user_id) or self._default_user(user_id)
            return {"user": json.loads(json.dumps(user))}

    def _users_list(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        """The users defined with `set_user`, in one page."""
        with self._changed:
            members = json.loads(json.dumps(list(self._state.users.values())))
        return {"members": members, "response_metadata": {"next_cursor": ""}}

    def _chat_start_stream(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._require(params, "channel", "thread_ts")
        ts = self._next_ts()
        message = self._bot_message({"text": params.get("markdown_text", ""), **params}, ts)
        message["thread_ts"] = params["thread_ts"]
        with self._changed:
            self._state.messages.setdefault(params["channel"], []).append(message)
        return {"channel": params["channel"], "ts": ts}

    def _stream_append(self, params: dict[str, Any]) -> None:
        with self._changed:
            for stored in self._state.messages.get(params["channel"], []):
                if stored["ts"] == params["ts"]:
                    stored["text"] = stored.get("text", "") + str(params.get("markdown_text", ""))
                    return
        raise _SlackError("message_not_found")

    def _chat_append_stream(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._require(params, "channel", "ts")
        self._stream_append(params)
        return {"channel": params["channel"], "ts": params["ts"]}

    def _chat_stop_stream(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        self._require(params, "channel", "ts")
        self._stream_append(params)
        with self._changed:
            message = next(
                m for m in self._state.messages[params["channel"]] if m["ts"] == params["ts"]
            )
            if params.get("blocks"):
                message["blocks"] = params["blocks"]
            return {"channel": params["channel"], "ts": params["ts"], "message": dict(message)}

    def _oauth_v2_access(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if not params.get("client_id") and not token:
            raise _SlackError("invalid_client_id")
        if params.get("grant_type") == "refresh_token":
            return {
                "token_type": "bot",
                "access_token": f"xoxb-fake-rotated-{next(self._counter)}",
                "refresh_token": f"xoxe-1-fake-{next(self._counter)}",
                "expires_in": 43200,
                "team": {"id": self.team_id, "name": "Fake Workspace"},
                "enterprise": None,
                "is_enterprise_install": False,
            }
        if not params.get("code"):
            raise _SlackError("invalid_code")
        return {
            "app_id": self.app_id,
            "authed_user": {"id": "UINSTALLER1"},
            "scope": "commands,chat:write,im:history",
            "token_type": "bot",
            "access_token": f"xoxb-fake-{self.team_id}-{next(self._counter)}",
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": "Fake Workspace"},
            "enterprise": None,
            "is_enterprise_install": False,
        }


class _SlackError(Exception):
    """A Web API error code, answered as `{"ok": false, "error": code}`."""


def _with_chunk_text(params: dict[str, Any]) -> dict[str, Any]:
    """The `markdown_text` chunks of a chat.*Stream call (slack_sdk's `chat_stream()` sends its
    text that way) joined into `markdown_text`, where Slack shows them and tests read them."""
    chunks = params.get("chunks")
    if not isinstance(chunks, list):
        return params
    texts = [
        str(c.get("text") or "")
        for c in chunks
        if isinstance(c, dict) and c.get("type") == "markdown_text"
    ]
    if not texts:
        return params
    return {**params, "markdown_text": str(params.get("markdown_text") or "") + "".join(texts)}


def _parse_body(request: Request) -> dict[str, Any]:
    raw = request.get_data(as_text=True)
    if not raw:
        return {}
    if request.mimetype == "application/json" or raw.lstrip().startswith("{"):
        try:
            parsed = json.loads(raw)
            return parsed if isinstance(parsed, dict) else {"_body": parsed}
        except ValueError:
            return {"_body": raw}
    params: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        if key in JSON_FIELDS and value[:1] in ("[", "{"):
            try:
                params[key] = json.loads(value)
                continue
            except ValueError:
                pass
        params[key] = value
    if "payload" in params and isinstance(params["payload"], str):
        with contextlib.suppress(ValueError):
            params.update(json.loads(params.pop("payload")))
    return params


def _token_of(request: Request, params: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    token = params.get("token")
    return str(token) if token else None


def _json_response(
    payload: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(payload), status=status, mimetype="application/json", headers=headers or {}
    )


def main() -> None:  # pragma: no cover - manual use
    """Serve a fake Slack in the foreground: `python -m bot.devtools.fake_slack`."""
    with FakeSlack(port=0) as fake:
        print(f"fake Slack Web API at {fake.api_url} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # pragma: no cover
    main()
