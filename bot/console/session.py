"""The console's read-eval-print loop: what each typed line does.

Typed lines become what Slack would send the app: `/affinity …` a signed slash command, plain
text a DM to the bot (in one thread until `/new`), `/click N` a block action for button N,
`/home` an `app_home_opened` event. When the app opens a dialog, its inputs are asked for at the
prompt and submitted as a `view_submission`; errors the app returns inside the dialog are shown
and asked for again.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.console.runtime import ConsoleRuntime
from bot.console.transcript import Clickable, Place, Transcript
from bot.console.users import CHANNEL_ID, TEAM_ID, TIME_ZONE, ConsoleUser, find_user
from bot.devtools.blocks_text import Input, render_view
from bot.devtools.slack_requests import SlackRequests
from bot.features.shortcuts.modal import LOG_MESSAGE, NEW_NOTE

KEY_WORDS = ("api key", "api_key", "key")
MAX_DIALOG_ROUNDS = 5

HELP = """\
Console commands
  /affinity <command>   the slash command, e.g. /affinity connect, /affinity person jane smith
  <any other text>      a DM to the bot (one thread until /new); without ANTHROPIC_API_KEY
                        DMs take the command grammar: "person jane smith", "lists"
  /mention <text>       @mention the bot in #deals
  /log [text]           "Log to Affinity" on a message in #deals: yours with <text>, or the
                        last one shown there
  /note                 the "New Affinity note" shortcut
  /paste <url>          post an Affinity link in #deals (the app previews it)
  /new                  start a new DM thread
  /click N [option]     press button N of what was shown (option: a number of a menu)
  /home                 open your App Home
  /user [role|email]    act as another sandbox user (no argument: list them)
  /revoke               Affinity (the sandbox) revokes your key: try the revocation flow
  /restore              the sandbox accepts your key again (then reconnect with Enter)
  /act-as ROLE stage DEAL STAGE   a colleague moves a deal, e.g. /act-as standard stage 30001 IC
  /act-as ROLE add LIST ENTITY    a colleague adds a person or company to a list
  /poll                 read the followed lists now (as the scheduler would) and post changes
  /help                 this help
  /quit                 leave (also Ctrl-D)
In a dialog: type each value; Enter takes the suggested value; /cancel closes the dialog, and
a console command (/affinity ...) closes it and runs."""

Ask = Callable[[str, bool], str | None]  # (prompt, secret) -> the line, None at the end
ACT_AS_USAGE = (
    "Usage: /act-as ROLE stage DEAL_ID STAGE (e.g. /act-as standard stage 30001 IC), or "
    "/act-as ROLE add LIST_ID ENTITY_ID. ROLE: admin, standard."
)


def refusal(answer: httpx.Response) -> str:
    """The reason in a sandbox control's error answer (V1 or V2 body), in one line."""
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:300]
    body = body.get("body") or body if isinstance(body, dict) else {}
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message") or errors[0])[:300]
    if isinstance(errors, list) and errors:
        return str(errors[0])[:300]
    return str(body.get("message") or body)[:300]


def act_as_body(text: str) -> dict[str, Any] | str:
    """The sandbox's act-as request for `/act-as …`, or how to type it."""
    words = text.split()
    if len(words) < 4 or not all(w.isdigit() for w in words[2:3]):
        return ACT_AS_USAGE
    role, action, first, rest = words[0], words[1].lower(), int(words[2]), words[3:]
    if action == "stage":
        return {"as": role, "action": "stage", "opportunity_id": first, "stage": " ".join(rest)}
    if action in {"add", "add-entry"} and len(rest) == 1 and rest[0].isdigit():
        return {"as": role, "action": "add-entry", "list_id": first, "entity_id": int(rest[0])}
    return ACT_AS_USAGE


@dataclass
class Session:
    runtime: ConsoleRuntime
    users: list[ConsoleUser]
    user: ConsoleUser
    ask: Ask
    write: Callable[[str], None]
    dm_threads: dict[str, str] = field(default_factory=dict)
    transcript: Transcript = field(init=False)
    pending: list[str] = field(default_factory=list)  # lines to run before asking for more

    def __post_init__(self) -> None:
        self.transcript = Transcript(
            self.runtime.fake,
            self.write,
            CHANNEL_ID,
            dm_thread=lambda: self.dm_threads.get(self.user.slack_user_id),
            names={u.slack_user_id: u.name for u in self.users},
            zone=TIME_ZONE,
        )
        for user in self.users:
            self.runtime.fake.set_user(
                user.slack_user_id,
                real_name=user.name,
                email=user.email,
                team_id=TEAM_ID,
                is_admin=user.role == "admin",
                tz=TIME_ZONE,
            )

    @property
    def slack(self) -> SlackRequests:
        base = self.runtime.requests
        return base.as_user(self.user.slack_user_id, team_id=TEAM_ID, channel_id=CHANNEL_ID)

    @property
    def prompt(self) -> str:
        return f"{self.user.handle}> "

    # ------------------------------------------------------------------ loop

    def run(self) -> int:
        while True:
            if self.pending:  # typed in a dialog, which it closed: shown as run here
                line: str | None = self.pending.pop(0)
                self.write(f"{self.prompt}{line}")
            else:
                line = self.ask(self.prompt, False)
            if line is None:
                return 0
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not self.handle(line):
                return 0

    def handle(self, line: str) -> bool:
        """Do what `line` says; False to quit."""
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if not word.startswith("/"):
            self.dm(line)
            return True
        handler = self.handlers().get(word.lower())
        if handler is None:
            self.write(
                f"Unknown console command {word}. Type /help for the list, or "
                "/affinity help for the app's commands."
            )
            return True
        return handler(rest) is not False

    def handlers(self) -> dict[str, Callable[[str], bool | None]]:
        """The console's commands, by their word."""
        return {
            "/affinity": self.command,
            "/mention": self.mention,
            "/log": self.log_message,
            "/note": self.new_note,
            "/paste": self.paste,
            "/new": self.new_thread,
            "/click": self.click,
            "/home": self.home,
            "/user": self.switch_user,
            "/users": lambda _: self.list_users(),
            "/revoke": self.revoke,
            "/restore": self.restore,
            "/act-as": self.act_as,
            "/poll": self.poll,
            "/help": lambda _: self.write(HELP),
            "/quit": lambda _: False,
            "/exit": lambda _: False,
        }

    def closes_dialog(self, answer: str) -> bool:
        """Whether a line typed in a dialog closes it: `/cancel`, or a console command
        (`/affinity …` in a script after a click that opened a dialog), which is then run as the
        next line instead of being taken for the dialog's value."""
        if answer.strip() == "/cancel":
            return True
        word = answer.strip().split(" ", 1)[0].lower()
        if word in self.handlers():
            self.pending.append(answer)
            return True
        return False

    # ------------------------------------------------------------------ Slack actions

    def command(self, text: str) -> None:
        mark = self.runtime.mark()
        sent = self.slack.command(text)
        if sent.status_code != 200:
            self.write(f"(the app answered HTTP {sent.status_code}: {sent.text[:200]})")
        self.transcript.show_ack(sent.text)
        self.after(mark)

    def dm(self, text: str) -> None:
        mark = self.runtime.mark()
        slack = self.slack
        thread = self.dm_threads.get(self.user.slack_user_id)
        ts = slack.fake.add_message(
            slack.dm_channel, text, user=self.user.slack_user_id, thread_ts=thread
        )
        if thread is None:
            self.dm_threads[self.user.slack_user_id] = ts
        slack.message_im(text, thread_ts=thread, ts=ts)
        self.after(mark)

    def mention(self, text: str) -> None:
        if not text:
            self.write("Usage: /mention <text>")
            return
        mark = self.runtime.mark()
        self.slack.app_mention(text)
        self.after(mark)

    def log_message(self, text: str) -> None:
        """The message shortcut on `text` (posted in #deals as you), else on the last message
        there (someone else's, or the bot's)."""
        slack = self.slack
        mark = self.runtime.mark()
        if text:
            sent = slack.message_action(LOG_MESSAGE, text=text)
        else:
            shown = [m for m in slack.fake.messages(CHANNEL_ID) if m.get("text")]
            if not shown:
                self.write("Nothing in #deals yet: /log <text> logs a message of yours.")
                return
            last = shown[-1]
            sent = slack.message_action(
                LOG_MESSAGE,
                text=str(last["text"]),
                message_ts=str(last["ts"]),
                thread_ts=last.get("thread_ts"),
                author=str(last.get("user") or self.user.slack_user_id),
            )
        if sent.status_code != 200:
            self.write(f"(the app answered HTTP {sent.status_code})")
        self.after(mark)

    def new_note(self, _: str) -> None:
        mark = self.runtime.mark()
        self.slack.shortcut(NEW_NOTE)
        self.after(mark)

    def paste(self, text: str) -> None:
        urls = [word for word in text.split() if word.startswith(("http://", "https://"))]
        if not urls:
            self.write("Usage: /paste <url> (e.g. https://northwind.affinity.co/companies/5001)")
            return
        mark = self.runtime.mark()
        self.slack.link_shared(*urls)
        self.after(mark)

    def new_thread(self, _: str) -> None:
        self.dm_threads.pop(self.user.slack_user_id, None)
        self.write("(your next DM starts a new thread)")

    def home(self, _: str) -> None:
        mark = self.runtime.mark()
        self.slack.app_home_opened()
        self.runtime.settle()
        self.transcript.show(self.runtime.calls_since(mark), show_home=True)
        if not self.transcript.show_home(self.user.slack_user_id):
            self.write("(the app did not publish an App Home)")
        self.fill_dialogs()

    def click(self, rest: str) -> None:
        parts = rest.split()
        if not parts or not parts[0].isdigit():
            self.write("Usage: /click N [option] (N is a number in brackets, like [2])")
            return
        target = self.transcript.clickable(int(parts[0]))
        if target is None:
            self.write(f"There is no button [{parts[0]}].")
            return
        option = self._option(target, parts[1:])
        if option is False or option is True:
            return
        if target.control.url:
            self.write(f"(in Slack this opens {target.control.url})")
        mark = self.runtime.mark()
        sent = self.slack.block_action(
            target.control.action_id, payload=self._action_payload(target, option)
        )
        if sent.status_code != 200:
            self.write(f"(the app answered HTTP {sent.status_code})")
        self.after(mark)

    def _option(self, target: Clickable, args: list[str]) -> dict[str, Any] | bool | None:
        options = target.control.options
        if not options:
            return None
        if not args or not args[0].isdigit() or not 1 <= int(args[0]) <= len(options):
            self.write(f"Pick an option: /click {target.control.number} <1-{len(options)}>")
            return False
        label, value = options[int(args[0]) - 1]
        return {"text": {"type": "plain_text", "text": label}, "value": value}

    def _action_payload(self, target: Clickable, option: dict[str, Any] | None) -> dict:
        control, place = target.control, target.place
        if place.kind == "view":
            return self.slack.block_action_payload(
                control.action_id,
                control.value,
                block_id=control.block_id,
                view=place.view,
                selected_option=option,
            )
        payload = self.slack.block_action_payload(
            control.action_id,
            control.value,
            block_id=control.block_id,
            message_ts=place.ts or None,
            channel_id=place.channel or CHANNEL_ID,
            selected_option=option,
        )
        container = payload["container"]
        if place.thread_ts:
            container["thread_ts"] = place.thread_ts
        if place.kind == "ephemeral":  # as Slack sends it: the message's ts, not its content
            container["is_ephemeral"] = True
            payload.pop("message", None)
            response_id = str(payload.get("response_url") or "").rsplit("/", 1)[-1]
            if place.ts and response_id:
                self.runtime.fake.bind_response(response_id, place.ts)
            return payload
        message = payload["message"]
        message["text"] = place.message.get("text", "")
        message["blocks"] = place.message.get("blocks") or []
        if place.thread_ts:
            message["thread_ts"] = place.thread_ts
        return payload

    def revoke(self, _: str) -> None:
        self.runtime.sandbox.state.revoke_key(self.user.api_key)
        self.write(
            f"(the sandbox now refuses {self.user.name}'s key, as Affinity does when a "
            "key is revoked; your next command finds out. /restore undoes it.)"
        )

    def restore(self, _: str) -> None:
        self.runtime.sandbox.state.restore_key(self.user.api_key)
        self.write(
            f"(the sandbox accepts {self.user.name}'s key again; reconnect with "
            "/affinity connect and Enter at the key prompt)"
        )

    def act_as(self, text: str) -> None:
        """A change made in Affinity by another sandbox user (the sandbox's act-as control),
        for `/affinity follow` to find at the next `/poll`."""
        body = act_as_body(text)
        if isinstance(body, str):
            self.write(body)
            return
        answer = httpx.post(
            f"{self.runtime.sandbox.base_url}/_sandbox/act-as", json=body, timeout=10
        )
        if answer.status_code >= 400:
            self.write(f"(the sandbox refused: {refusal(answer)})")
            return
        done = (
            f"moved deal {body['opportunity_id']} to {body['stage']}"
            if body["action"] == "stage"
            else f"added {body['entity_id']} to list {body['list_id']}"
        )
        self.write(f"(in Affinity, {body['as']} {done}; /poll reads the followed lists now)")

    def poll(self, _: str) -> None:
        """The subscriptions' scheduled job, now: every followed list read and changes posted."""
        from bot.features.notifications import Poller

        mark = self.runtime.mark()
        poller = Poller(self.runtime.services)
        poller.make_due()
        report = poller.tick()
        self.write(
            f"(polled {report.polled} followed list{'s' if report.polled != 1 else ''}: "
            f"{report.queued} change{'s' if report.queued != 1 else ''} to post)"
        )
        self.after(mark)

    # ------------------------------------------------------------------ users

    def switch_user(self, wanted: str) -> None:
        if not wanted:
            self.list_users()
            return
        user = find_user(self.users, wanted)
        if user is None:
            self.write(f"No sandbox user {wanted!r}.")
            self.list_users()
            return
        self.user = user
        self.write(f"(you are now {user.name}, {user.role}, {user.email})")

    def list_users(self) -> None:
        self.write("Sandbox users (/user ROLE or EMAIL switches):")
        roles = max(len(u.role) for u in self.users)
        names = max(len(u.name) for u in self.users)
        for user in self.users:
            mark = "*" if user == self.user else " "
            note = {
                "revoked": "  (Affinity refuses this key)",
                "admin": "  (Slack workspace admin: can pin-tenant)",
                "restricted": "  (no export permissions: some reads go through V1)",
            }.get(user.role, "")
            self.write(f" {mark} {user.role:<{roles}} {user.name:<{names}} {user.email}{note}")

    # ------------------------------------------------------------------ after a request

    def after(self, mark: int) -> None:
        """Show everything the app did since `mark`, then fill any dialog it opened."""
        if not self.runtime.settle():
            self.write("(the app is still working; its answer will show after your next line)")
        self.transcript.show(self.runtime.calls_since(mark))
        self.fill_dialogs()

    def fill_dialogs(self) -> None:
        while (view := self.transcript.take_opened_view()) is not None:
            self.fill_dialog(view)

    def fill_dialog(self, view: dict[str, Any]) -> None:
        errors: dict[str, str] = {}
        for _ in range(MAX_DIALOG_ROUNDS):
            rendered = render_view(view, first_number=self.transcript.next_number)
            self.transcript.block(f"dialog: {_title(view)}", rendered, Place("view", view=view))
            for block_id, message in errors.items():
                self.write(
                    f"  ! {message}"
                    if block_id not in {i.block_id for i in rendered.inputs}
                    else f"  ! {_label(rendered.inputs, block_id)}: {message}"
                )
            values = self.ask_inputs(rendered.inputs, view)
            if values is None:
                self.write("(dialog closed)")
                return
            mark = self.runtime.mark()
            sent = self.slack.view_submission(
                str(view.get("callback_id", "")),
                values,
                private_metadata=str(view.get("private_metadata", "")),
                title=_title(view),
            )
            action = _parse(sent.text)
            if action.get("response_action") == "errors":
                errors = dict(action.get("errors") or {})
                self.transcript.show(self.runtime.calls_since(mark))
                continue
            if action.get("response_action") in ("update", "push"):
                view, errors = dict(action.get("view") or {}), {}
                self.runtime.settle()  # a form filled after the acknowledgement replaces it
                for call in self.runtime.calls_since(mark):
                    if call.method == "views.update":
                        view = dict(call.params.get("view") or view)
                continue
            self.write("(dialog submitted)")
            self.after(mark)
            return
        self.write("(dialog closed after too many tries)")

    def ask_inputs(
        self, inputs: list[Input], view: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        for item in inputs:
            element = _element(view or {}, item.block_id)
            if item.element_type in ("multi_external_select", "external_select"):
                chosen = self.ask_typeahead(item, element, view or {})
                if chosen is None:
                    return None
                values[item.block_id] = {
                    item.action_id: {"type": item.element_type, "selected_options": chosen}
                }
                continue
            if item.element_type == "checkboxes":
                options = element.get("options") or []
                answer = self.ask(f"  {_text(options)} (y/N): ", False)
                if answer is None or self.closes_dialog(answer):
                    return None
                picked = options[:1] if answer.strip().lower() in ("y", "yes") else []
                values[item.block_id] = {
                    item.action_id: {"type": "checkboxes", "selected_options": picked}
                }
                continue
            suggestion, label = self._suggestion(item)
            prompt = f"  {item.label}" + (f" (Enter = {label})" if label else "") + ": "
            answer = self.ask(prompt, _is_key(item))
            if answer is None or self.closes_dialog(answer):
                return None
            answer = answer.strip() or suggestion
            values[item.block_id] = {item.action_id: _input_value(item, answer)}
        return values

    def ask_typeahead(
        self, item: Input, element: dict[str, Any], view: dict[str, Any]
    ) -> list[dict[str, Any]] | None:
        """A typeahead: search (the app answers with options), then pick numbers; Enter keeps
        what the form suggests."""
        chosen = list(element.get("initial_options") or [])
        while True:
            names = ", ".join(_option_text(o) for o in chosen) or "nothing"
            query = self.ask(f"  {item.label}: search (Enter = {names}): ", False)
            if query is None or self.closes_dialog(query):
                return None
            if not query.strip():
                return chosen
            sent = self.slack.block_suggestion(
                item.action_id, query.strip(), block_id=item.block_id, view=view
            )
            body = _parse(sent.text)
            found = [o for g in body.get("option_groups") or [] for o in g.get("options") or []]
            found += body.get("options") or []
            if not found:
                self.write("    (nothing found)")
                continue
            for number, option in enumerate(found, 1):
                self.write(f"    {number}. {_option_text(option)}")
            picks = self.ask("  pick (numbers, space-separated): ", False) or ""
            for word in picks.split():
                if word.isdigit() and 1 <= int(word) <= len(found):
                    option = found[int(word) - 1]
                    if option["value"] not in {o["value"] for o in chosen}:
                        chosen.append(option)

    def _suggestion(self, item: Input) -> tuple[str, str]:
        if _is_key(item):
            return self.user.api_key, f"{self.user.name}'s sandbox key"
        if item.initial_value:
            return item.initial_value, repr(item.initial_value)
        return "", ""


def _is_key(item: Input) -> bool:
    text = f"{item.block_id} {item.label}".lower()
    return any(word in text for word in KEY_WORDS)


def _input_value(item: Input, answer: str) -> dict[str, Any]:
    if item.element_type in ("static_select", "radio_buttons"):
        return {
            "type": item.element_type,
            "selected_option": {"text": {"type": "plain_text", "text": answer}, "value": answer},
        }
    if item.element_type == "multi_static_select":
        return {
            "type": item.element_type,
            "selected_options": [
                {"text": {"type": "plain_text", "text": v}, "value": v} for v in shlex.split(answer)
            ],
        }
    return {"type": item.element_type or "plain_text_input", "value": answer or None}


def _element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    for block in view.get("blocks") or []:
        if block.get("block_id") == block_id:
            return dict(block.get("element") or {})
    return {}


def _option_text(option: dict[str, Any]) -> str:
    return str((option.get("text") or {}).get("text") or option.get("value") or "")


def _text(options: list[dict[str, Any]]) -> str:
    return _option_text(options[0]) if options else "yes"


def _parse(body: str) -> dict[str, Any]:
    try:
        parsed = json.loads(body) if body.strip() else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _title(view: dict[str, Any]) -> str:
    title = view.get("title")
    return str(title.get("text") if isinstance(title, dict) else title or "dialog")


def _label(inputs: list[Input], block_id: str) -> str:
    return next((i.label for i in inputs if i.block_id == block_id), block_id)
