"""Running one `/affinity` command for one user: parse -> plan -> connector -> follow up -> render.

`CommandRunner.run(identifier, command, ...)` returns the message to show (or None when there is
nothing to show, e.g. the connect modal was opened). It never talks to Slack itself, so the
slash command, the buttons and DMs share it. Every Affinity call goes through the connector with
the identifier of the user who typed or clicked; nothing here can borrow another user's key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from affinity_client.errors import AffinityError
from affinity_client.tools.notes import read_note
from bot.blocks import (
    RenderContext,
    chooser,
    decode_more_value,
    error_message,
    help_message,
    kit,
    limits,
    needs_more_key,
    problem,
    render,
    usage_error,
)
from bot.blocks import actions as ids
from bot.blocks.choices import MAX_OPTIONS, write_value
from bot.blocks.paging import encode_more_value, key_value
from bot.blocks.text import clip, format_date
from bot.connector import Connector, cached_lists, not_connected_message, parse_identifier
from bot.features import connect
from bot.features.commands import answers
from bot.features.commands.cards import DONE, UNKNOWN, WriteCards
from bot.features.commands.store import Claims, PageKeys, claim_digest
from bot.grammar import Command, ListRef, UsageError, format_command, parse, writes
from bot.grammar.resolve import (
    CLICK_FIRST,
    Choice,
    Local,
    Option,
    Problem,
    Replan,
    ToolCall,
    confirmation,
    deal_term,
    follow_up,
    in_user_zone,
    named_kind,
    names_days,
    plan,
)
from bot.services import Services
from vault import AffinityList, ConnectedAccount

log = logging.getLogger(__name__)

LOOKUPS = {"person", "org", "intro"}
SUBSCRIPTION_COMMANDS = {
    "follow",
    "unfollow",
    "following",
    "follow-allow",
    "brief",
    "prep",
    "webhooks",
}
DEAL_WRITES = {"affinity_create_opportunity", "affinity_update_opportunity"}
FIELD_WRITE = "affinity_update_field_values"
MAX_STEPS = 4
CONFIRM_LABEL = {"affinity_remove_from_list": "Remove", "affinity_delete_note": "Delete"}
"""The button that answers the question a `CLICK_FIRST` write asks, by its tool."""
ASKS_FIRST = frozenset({"remove", "note-delete"})
"""Commands whose write (`CLICK_FIRST`) is asked about before it runs. A button that offers one
(a list of the right kind for `remove`) runs it as if typed: it asks, it never counts as the
answer to the question, which names the record and the list for the first time."""
# A typed write repeated word for word within this window is taken as a double submit.
TYPED_REPEAT_WINDOW = timedelta(seconds=60)

ALREADY_TYPED = kit.message(
    "Not repeated",
    [
        kit.context(
            ":information_source: You sent exactly this a moment ago; it ran once and was not "
            "repeated. Send it again in a minute if you really mean to do it twice."
        )
    ],
)


@dataclass(frozen=True)
class WriteGuard:
    """How a typed write is made to run once: a claim `key`, free again after `window`.
    (A click's write is claimed by its card instead: see `CommandRunner.run_card`.)"""

    key: str
    window: timedelta | None = None

    @classmethod
    def for_typed(cls, identifier: str, text: str) -> WriteGuard:
        return cls(claim_digest("typed", identifier, " ".join(text.split())), TYPED_REPEAT_WINDOW)


@dataclass(frozen=True)
class Reply:
    """A message to show; `is_result` when it is a rendered Affinity result (may be shared)."""

    message: kit.Message
    is_result: bool = False
    repeated: bool = False  # a write not run again (its claim was taken)


@dataclass(frozen=True)
class Invocation:
    """Who runs what, from where. `trigger_id` lets `connect` open its modal; `channel_id` is
    where it was typed (for `channel-answers`)."""

    identifier: str
    client: WebClient | None = None
    trigger_id: str | None = None
    page_token: str | None = None
    guard: WriteGuard | None = None
    card: str | None = None  # the write card this click claimed (its write settles it)
    channel_id: str | None = None


def as_dicts(lists: Sequence[AffinityList]) -> list[dict[str, Any]]:
    """Lists as the grammar's planner reads them."""
    return [{"id": e.id, "name": e.name, "type": e.type} for e in lists]


def account_status(account: ConnectedAccount | None) -> str:
    return "NONE" if account is None else str(account.status)


def command_runner(services: Services) -> CommandRunner:
    """The process's one command runner."""
    return services.shared(CommandRunner, lambda: CommandRunner(services))


class CommandRunner:
    """Runs parsed commands for users; one per process (`command_runner`)."""

    def __init__(self, services: Services) -> None:
        # imported here: the conversation feature imports this module
        from bot.features.conversation.timezones import UserTimezones

        self.services = services
        self.timezones = UserTimezones()
        self.claims = Claims(services.engine, services.clock)
        self.pages = PageKeys(services.engine, services.clock)
        self.cards = WriteCards(services.engine, services.clock)

    @property
    def connector(self) -> Connector:
        return self.services.connector

    # -- entry points --------------------------------------------------------------------

    def run_text(self, text: str, inv: Invocation) -> Reply | None:
        parsed = parse(text)
        if isinstance(parsed, UsageError):
            return Reply(usage_error(parsed))
        return self.run(parsed, inv)

    def run_value(self, value: str, inv: Invocation) -> Reply | None:
        """A More/Share/Run/Choose button value -> that page of that command, run for the
        clicking user (never for whoever produced the button). A write is refused: writes run
        only from a write card (`run_card`), except that a command that asks first may ask."""
        found = self.decode_value(value, inv.identifier)
        if isinstance(found, dict):
            return Reply(found)
        text, token = found
        parsed = parse(text)
        if isinstance(parsed, UsageError):
            return Reply(usage_error(parsed))
        if writes(parsed) and parsed.name not in ASKS_FIRST:
            return Reply(
                error_message(
                    "That button cannot change data.", "Type the command if you mean to run it."
                )
            )
        return self.run(parsed, replace(inv, page_token=token, card=None))

    def run_card(
        self, card_id: str, text: str, inv: Invocation, working: Callable[[], None] = lambda: None
    ) -> Reply | None:
        """A click on a write card: claim it, call `working()`, run `text` once.

        Any later click on the card — another message ts, another container, another process —
        is answered from the card: in progress, already done (with the outcome), replaced,
        expired, or not yours. Nothing is run for it.
        """
        found = self.decode_value(text, inv.identifier)  # a command too long for the button
        if isinstance(found, dict):
            return Reply(found)
        parsed = parse(found[0])
        if isinstance(parsed, UsageError):
            return Reply(usage_error(parsed))
        claim = self.cards.claim(card_id, inv.identifier)
        if not claim.won:
            log.info("write card click not run (%s)", claim.refused)
            return Reply(answers.card_refused(claim, self.services.clock()), repeated=True)
        try:
            working()
            return self.run(parsed, replace(inv, card=card_id, guard=None))
        finally:  # the write was never reached (a new choice, not connected...): open again
            self.cards.release(card_id)

    def decode_value(self, value: str, owner: str) -> tuple[str, str | None] | kit.Message:
        """(command text, page token) from a More/Share value; a message when unusable."""
        try:
            data = decode_more_value(value)
        except ValueError:
            return value, None  # a plain command text (first page)
        if "key" not in data:
            return data["command"], data["page_token"]
        stored = self.pages.load(data["key"])
        if stored is None or stored.owner != owner:
            return error_message(
                "That button has expired.", "Run the command again to get fresh results."
            )
        return stored.command, stored.page_token

    def run(self, command: Command, inv: Invocation) -> Reply | None:
        if command.name == "channel-answers":  # a setting of this app, not an Affinity call
            return self.channel_answers(command, inv)
        if command.name == "mcp-token":  # a token of this app, not an Affinity call
            return self.mcp_token(command, inv)
        if command.name in SUBSCRIPTION_COMMANDS:
            return self.subscriptions(command, inv)
        if command.name == "link-agent":  # the connect modal, asking for an agent identifier
            return self.link_agent(inv)
        first = plan(command, [])
        if isinstance(first, Local):
            return self.local(first, inv)
        account = self.connector.account(inv.identifier)
        status = account_status(account)
        if account is None or status != "ACTIVE":
            reason = account.status_reason if account is not None else None
            return Reply(
                answers.connect_prompt(status, reason, not_connected_message(status, reason))
            )
        subdomain = account.profile.tenant_subdomain if account.profile else None
        try:
            return self._run_steps(command, inv, as_dicts(cached_lists(account)), subdomain)
        except AffinityError as error:
            log.info("command %s failed: %s", command.name, type(error).__name__)
            return Reply(answers.for_error(error, writes=writes(command)))

    # -- local commands ------------------------------------------------------------------

    def local(self, step: Local, inv: Invocation) -> Reply | None:
        if step.action == "help":
            return Reply(help_message(step.topic))
        if step.action == "connect":
            if inv.trigger_id and inv.client is not None:
                connect.open_connect_modal(
                    self.services, inv.client, inv.trigger_id, inv.identifier
                )
                return None
            return Reply(
                answers.connect_prompt(text="Press *Connect Affinity* to paste your API key.")
            )
        if step.action in {"pin-tenant", "unpin-tenant"}:
            user = parse_identifier(inv.identifier)
            text, blocks = connect.pin_tenant_reply(
                self.services,
                inv.client,
                user.team_id,
                user.user_id,
                inv.identifier,
                unpin=step.action == "unpin-tenant",
            )
        elif step.action == "status":
            text, blocks = connect.status_reply(self.services, inv.identifier)
        else:
            text, blocks = connect.disconnect_prompt(self.services, inv.identifier)
        return Reply({"text": text, "blocks": blocks})

    def channel_answers(self, command: Command, inv: Invocation) -> Reply:
        from bot.features.conversation.visibility import channel_answers_reply

        user = parse_identifier(inv.identifier)
        return Reply(
            channel_answers_reply(
                self.services,
                inv.client,
                team_id=user.team_id,
                user_id=user.user_id,
                channel_id=inv.channel_id,
                identifier=inv.identifier,
                setting=command.get("visibility"),
            )
        )

    def subscriptions(self, command: Command, inv: Invocation) -> Reply:
        """follow / unfollow / following / follow-allow / brief (bot.features.notifications)."""
        from bot.features.notifications.commands import reply

        if command.name != "following":
            account = self.connector.account(inv.identifier)
            status = account_status(account)
            if account is None or status != "ACTIVE":
                reason = account.status_reason if account is not None else None
                return Reply(
                    answers.connect_prompt(status, reason, not_connected_message(status, reason))
                )
        return Reply(reply(self.services, command, inv.identifier, inv.client, inv.channel_id))

    def mcp_token(self, command: Command, inv: Invocation) -> Reply:
        from bot.features.mcp_tokens import create_token

        label = command.get("label")
        return Reply(create_token(self.services, inv.client, inv.trigger_id, inv.identifier, label))

    def link_agent(self, inv: Invocation) -> Reply:
        from bot.features.mcp_tokens import LINK_OPENED, LINK_SLASH_ONLY

        if inv.client is None or not inv.trigger_id:
            return Reply(kit.message(LINK_SLASH_ONLY, [kit.section(LINK_SLASH_ONLY)]))
        connect.open_connect_modal(
            self.services, inv.client, inv.trigger_id, inv.identifier, link=True
        )
        return Reply(kit.message(LINK_OPENED, [kit.section(LINK_OPENED)]))

    # -- the steps -----------------------------------------------------------------------

    def _run_steps(
        self, command: Command, inv: Invocation, lists: list[dict[str, Any]], subdomain: str | None
    ) -> Reply | None:
        zone = self.time_zone(command, inv)
        step = plan(command, lists, page_token=inv.page_token, time_zone=zone)
        refreshed = False
        for _ in range(MAX_STEPS):
            if (
                isinstance(step, Problem)
                and step.code in {"no_lists", "not_found"}
                and (not refreshed and command.get("list") is not None)
            ):
                lists = as_dicts(self.connector.lists(inv.identifier, refresh=True))
                refreshed = True
                step = plan(command, lists, page_token=inv.page_token, time_zone=zone)
                continue
            if isinstance(step, Problem):
                asks = command.name in ASKS_FIRST  # its suggestions ask; they confirm nothing
                card = self._mint(command, inv) if step.options and not asks else None
                step = replace(step, options=self._fitting(step.options, inv, card))
                return Reply(problem(step, RenderContext(subdomain), card))
            if isinstance(step, Choice):
                return Reply(self._chooser(command, step, inv, subdomain))
            if isinstance(step, Local):
                return self.local(step, inv)
            if isinstance(step, Replan):  # a name resolved: the command by id from here
                command = step.command
                step = plan(command, lists, page_token=inv.page_token, time_zone=zone)
                continue
            step = in_user_zone(step, command, zone)
            if step.tool in CLICK_FIRST and inv.card is None:
                if step.tool == "affinity_delete_note":  # what goes, or "not found" at once
                    step = replace(step, about=self._note_about(int(step.input["note_id"]), inv))
                ask = confirmation(command, step)
                card, label = self._mint(command, inv), CONFIRM_LABEL.get(step.tool, "Choose")
                return Reply(chooser(ask, RenderContext(subdomain), None, card, label))
            result = self._call(step, inv)
            if isinstance(result, str):
                return Reply(ALREADY_TYPED, repeated=True)
            if step.tool == "affinity_list_lists":
                self.connector.cache_lists(inv.identifier, result.get("lists") or [])
            if inv.page_token and command.name in LOOKUPS:
                return self._render(command, step, result, inv, subdomain)
            following = follow_up(command, result, lists)
            if following is None:
                return self._render(command, step, result, inv, subdomain)
            if isinstance(following, Replan):  # a name resolved: the command by id from here
                command = following.command
                step = plan(command, lists, page_token=inv.page_token, time_zone=zone)
                continue
            step = following
        raise RuntimeError(f"command {command.name} did not settle in {MAX_STEPS} steps")

    def time_zone(self, command: Command, inv: Invocation) -> str:
        """The user's time zone for a command that names days (`remind tomorrow`, `meetings
        today`, `deals … "Last Reviewed=today"`): from Slack's users.info, cached; UTC when it
        cannot be read."""
        if not names_days(command) or inv.client is None:
            return "UTC"
        try:
            who = parse_identifier(inv.identifier)
        except ValueError:
            return "UTC"
        return self.timezones.of(inv.client, who.team_id, who.user_id)

    def _call(self, call: ToolCall, inv: Invocation) -> dict[str, Any] | str:
        """Run the call; a write runs only under its claim ("repeated" when it is taken)."""
        if call.writes and inv.card is not None:
            return self._card_write(call, inv.identifier, inv.card)
        guard = inv.guard if call.writes else None
        if guard is not None and not self.claims.claim(guard.key, guard.window):
            log.info("write %s not repeated (claim taken)", call.tool)
            return "repeated"
        try:
            return self.connector.execute_tool(inv.identifier, call.tool, dict(call.input))
        except AffinityError as error:
            if guard is not None and answers.nothing_written(error):
                self.claims.release(guard.key)
            raise

    def _note_about(self, note_id: int, inv: Invocation) -> str:
        """`Maya Patel, 3 Nov 2026: “Met Jane at the Acme office…”` (the note, read with the
        user's key); a note they cannot see or that does not exist raises, as a delete would."""
        note = self.connector.run(inv.identifier, "note_preview", lambda c: read_note(c, note_id))
        who = (note.get("creator") or {}).get("name")
        when = format_date(note.get("created_at"))
        said = " ".join(str(note.get("content") or "").split())
        quoted = f"“{clip(said, 120)}”" if said else "no text"
        return ", ".join(x for x in (who, when) if x) + (": " if who or when else "") + quoted

    def _card_write(self, call: ToolCall, identifier: str, card: str) -> dict[str, Any]:
        """The write of a claimed card; its outcome is stored for any later click."""
        try:
            result = self.connector.execute_tool(identifier, call.tool, dict(call.input))
        except AffinityError as error:
            if not answers.nothing_written(error):
                self.cards.settle(card, UNKNOWN, answers.UNCONFIRMED)
            raise  # certainly nothing written: run_card opens the card again
        except Exception:
            self.cards.settle(card, UNKNOWN, answers.UNCONFIRMED)
            raise
        self.cards.settle(card, DONE, answers.outcome_summary(call.tool, result))
        return result

    # -- rendering -----------------------------------------------------------------------

    def _mint(self, command: Command, inv: Invocation) -> str | None:
        """A write card for the choices of a write command (None for a read)."""
        if not writes(command):
            return None
        return self.cards.mint(inv.identifier, format_command(command))

    def _chooser(
        self, command: Command, choice: Choice, inv: Invocation, subdomain: str | None
    ) -> kit.Message:
        text = format_command(command)
        more_key = None
        if needs_more_key(text, choice.next_page_token):
            more_key = self.pages.store(inv.identifier, text, choice.next_page_token)
        kind = (
            command["ref"].kind
            if command.name in LOOKUPS
            else "opportunity"
            if deal_term(command)
            else named_kind(command) or "list"
        )
        card = self._mint(command, inv)
        choice = replace(choice, options=self._fitting(choice.options, inv, card))
        return chooser(choice, RenderContext(subdomain, text, more_key), kind, card)

    def _fitting(
        self, options: Sequence[Option], inv: Invocation, card: str | None
    ) -> tuple[Option, ...]:
        """`options` whose command is too long for its button (a long note's text) stored, and
        named in the button by its key: every option keeps a button."""
        fitted = []
        for option in options[:MAX_OPTIONS]:
            value = write_value(card, option.command) if card else option.command
            if len(value) > limits.BUTTON_VALUE:
                key = self.pages.store(inv.identifier, option.command, None)
                option = replace(option, command=key_value(key))
            fitted.append(option)
        return (*fitted, *options[MAX_OPTIONS:])

    def _render(
        self,
        command: Command,
        call: ToolCall,
        result: Mapping[str, Any],
        inv: Invocation,
        subdomain: str | None,
    ) -> Reply:
        text = self.view_command(command, call, result)
        token = result.get("next_page_token")
        more_key = None
        if text and needs_more_key(text, token):
            more_key = self.pages.store(inv.identifier, text, token)
        ctx = RenderContext(subdomain, text, more_key)
        term = str(command["ref"]) if command.name in LOOKUPS else ""
        message = render(call.tool, result, ctx, term)
        if text and inv.page_token:
            set_share_value(message, self.page_value(inv.identifier, text, inv.page_token))
        return Reply(message, is_result=True)

    @staticmethod
    def view_command(command: Command, call: ToolCall, result: Mapping[str, Any]) -> str | None:
        """Read-only command text that shows this result again (for More and Share).

        Writes never re-run: a changed deal is shared as `deal <id>`; a note or a list entry
        has no read-only twin, so those results have no Share button.
        """
        if call.tool in DEAL_WRITES:
            return f"deal {result['id']}" if result.get("id") else None
        entity = result.get("entity") or {}
        if call.tool == FIELD_WRITE and entity.get("type") == "opportunity":
            return f"deal {entity['id']}" if entity.get("id") else None
        if writes(command):
            return None
        if command.name in LOOKUPS and call.tool not in {
            "affinity_search_persons",
            "affinity_search_organizations",
        }:
            record = result.get("person") if command.name == "intro" else result
            record_id = (record or {}).get("id")
            return f"{command.name} {record_id}" if record_id else format_command(command)
        if command.name == "deals" and "list_id" in call.input:
            return format_command(command.replace(list=ListRef(id=int(call.input["list_id"]))))
        return format_command(command)

    def page_value(self, identifier: str, text: str, page_token: str) -> str:
        value = encode_more_value(text, page_token)
        if value is None:
            value = key_value(self.pages.store(identifier, text, page_token))
        return value


def set_share_value(message: kit.Message, value: str) -> None:
    """Point the message's Share button at `value` (the page the user is looking at)."""
    for element in buttons(message):
        if element.get("action_id") == ids.SHARE:
            element["value"] = value


def buttons(message: kit.Message) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in message.get("blocks") or []:
        if block.get("type") == "actions":
            found.extend(block.get("elements") or [])
        elif isinstance(block.get("accessory"), dict):
            found.append(block["accessory"])
    return found
