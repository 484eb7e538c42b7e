"""A message to the bot, answered: a command, a turn of the assistant, or how to set it up.

Routing: text whose first word is a subcommand runs as that command (in the thread) — unless the
assistant is available and the text does not parse as that command; other text goes to the
assistant when `ANTHROPIC_API_KEY` is configured, else gets a short note on what to
configure plus the command help. The assistant runs with the asking user's own Affinity key —
a user who is not connected gets the Connect (or Reconnect) prompt instead.

Where the answer goes: in a DM, the thread (streamed when enabled). In a channel, the mention's
thread, visible only to the asker with a Share button (`private`), unless a workspace admin made
that channel's answers public (`visibility`); then in the open, as in a DM but never streamed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from slack_sdk import WebClient

from bot.agent import Agent, ThreadKey, TurnResult
from bot.blocks import kit
from bot.blocks.confirmation import confirmation_card
from bot.blocks.text import escape, escape_clip
from bot.connector import identifier_for
from bot.features.commands import run_in_thread
from bot.features.conversation import accounts
from bot.features.conversation.held import HeldAnswers
from bot.features.conversation.locks import KeyedLocks
from bot.features.conversation.private import PrivateReply, PrivateThreadSurface
from bot.features.conversation.replies import TeamRefusals, ThreadReply, step_title
from bot.features.conversation.routing import Request, wants_command
from bot.features.conversation.streaming import AnswerStream
from bot.features.conversation.timezones import UserTimezones, today_in
from bot.features.conversation.visibility import channel_visibility
from bot.features.threads import AuthorNames, read_thread
from bot.grammar import UsageError, parse
from bot.services import Services
from bot.slack_users import SlackUsers
from vault import ConnectedAccount

log = logging.getLogger(__name__)

Reply = ThreadReply | PrivateReply  # in the open (a DM, a public channel) or to the asker only

UNCONFIGURED_TEXT = (
    "Plain-language questions need the assistant, which is not set up here "
    "(whoever runs this app can add `ANTHROPIC_API_KEY`). Commands work now:"
)
USEFUL_COMMANDS = ("person jane smith", "deals series a", "intro jane@acme.com")
EMPTY_MENTION_TEXT = (
    "Hi! Ask me about people, companies and deals in Affinity — in plain words or with a "
    "command such as `person jane smith`."
)


class Conversation:
    """Handles messages addressed to the bot; one per process (built by `register`)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.statuses = TeamRefusals()
        self.streams = TeamRefusals()  # teams whose Slack refused chat.startStream
        self.turn_locks = KeyedLocks()
        users = SlackUsers()  # one users.info per person for the time zone and the name
        self.timezones = UserTimezones(users)
        self.held = HeldAnswers(services.engine, services.clock)
        self.names = AuthorNames(users)

    def handle(self, client: WebClient, request: Request) -> None:
        private = self.is_private(request)
        if wants_command(request.text, assistant=self.services.agent is not None):
            surface = None
            if private:
                surface = PrivateThreadSurface(
                    client,
                    request.channel,
                    request.thread_ts,
                    request.user_id,
                    self.owner(request),
                    self.held,
                )
            run_in_thread(
                self.services,
                client,
                team_id=request.team_id,
                user_id=request.user_id,
                channel_id=request.channel,
                thread_ts=request.thread_ts,
                text=request.text,
                enterprise_id=request.enterprise_id,
                surface=surface,
            )
            return
        reply: Reply
        if private:
            reply = PrivateReply(
                client,
                request.channel,
                request.thread_ts,
                request.user_id,
                self.owner(request),
                self.held,
            )
        else:
            reply = ThreadReply(
                client,
                request.channel,
                request.thread_ts,
                request.team_id,
                request.is_dm,
                self.statuses,
                footer=list(request.footer),
            )
        agent = self.services.agent
        if not request.text:
            reply.post(text=EMPTY_MENTION_TEXT)
        elif agent is None:
            reply.post(**unconfigured_message(request.text))
        else:
            self.converse(agent, reply, request)

    def is_private(self, request: Request) -> bool:
        """Answers in a channel go to the asker only, unless an admin made the channel public.
        (A DM is private already, and answered in the open there.)"""
        return not request.is_dm and not channel_visibility(self.services).is_public(
            request.team_id, request.channel
        )

    @staticmethod
    def owner(request: Request) -> str:
        """The asker's vault identifier."""
        return identifier_for(request.team_id, request.user_id, request.enterprise_id)

    def converse(self, agent: Agent, reply: Reply, request: Request) -> None:
        connector = self.services.connector
        identifier = self.owner(request)
        account = connector.account(identifier)
        if account is None or not accounts.is_active(account):
            reply.post(**accounts.connect_prompt(account))
            return
        thread = ThreadKey(request.team_id, request.channel, request.thread_ts)
        reply.start()
        stream = self.answer_stream(agent, reply, request)
        try:
            zone = self.timezones.of(reply.client, request.team_id, request.user_id)
            user = accounts.user_context(account, zone, today_in(zone, self.services.clock()))
            where = request.context or self.thread_context(reply.client, request)
            user = replace(user, slack_context=where)
            with self.turn_locks.hold(f"{thread}:{identifier}"):
                result = agent.respond(
                    thread,
                    user,
                    request.text,
                    accounts.agent_executor(connector, identifier),
                    on_text=stream.feed if stream is not None else None,
                    on_tool=self.on_step(reply, stream),
                )
        except Exception:
            if stream is not None:
                stream.finish()  # what was written stays; the error handler apologises below
            reply.abandon()
            raise
        streamed = stream.finish() if stream is not None else False
        self.deliver(agent, reply, result, identifier, account, streamed=streamed)

    @staticmethod
    def on_step(reply: Reply, stream: AnswerStream | None) -> Callable[[str], None]:
        """A tool step: the assistant status, and a task update once the answer streams."""

        def step(tool: str) -> None:
            reply.step(tool)
            if stream is not None:
                stream.step(step_title(tool))

        return step

    def thread_context(self, client: WebClient, request: Request) -> str | None:
        """An @mention inside a channel thread: the thread's other messages, with their
        authors' names, for the turn ("log this thread on Acme"). A DM thread is the
        conversation with the bot itself, already in the agent's memory."""
        if request.is_dm or not request.in_thread:
            return None
        thread = read_thread(
            client,
            request.team_id,
            request.channel,
            request.thread_ts,
            self.names,
            exclude_ts=request.ts,
        )
        if thread is None or not thread.messages:
            return None
        return (
            f"The user @mentioned you in a thread of channel <#{request.channel}>. The "
            f"thread, oldest first (author: text):\n{thread.render()}"
        )

    def answer_stream(self, agent: Agent, reply: Reply, request: Request) -> AnswerStream | None:
        """A stream for the answer in a DM when AGENT_STREAM_ANSWERS is on, unless this
        workspace refused streaming before. Never in a channel: a stream is a message everyone
        there sees (a public channel keeps the placeholder that the answer replaces)."""
        if (
            not isinstance(reply, ThreadReply)
            or not request.is_dm
            or not agent.settings.stream_answers
            or not self.streams.allowed(request.team_id)
        ):
            return None
        return AnswerStream(reply, request.user_id, self.streams)

    def deliver(
        self,
        agent: Agent,
        reply: Reply,
        result: TurnResult,
        identifier: str,
        account: ConnectedAccount,
        *,
        streamed: bool = False,
    ) -> None:
        """The outcome in the thread; `streamed` means the answer text is already there."""
        if result.needs_reconnect:
            reply.post(**accounts.revoked_prompt(self.services.connector.account(identifier)))
        elif result.error:
            reply.post(text=f":warning: {escape(result.error)}")
        elif not streamed:
            reply.answer(result.text)
        if result.batch is not None:
            card = confirmation_card(result.batch, links=accounts.links_for(account))
            ts = reply.post(**card)
            if ts:
                agent.proposals.set_card(result.batch.id, reply.channel, ts)


def unconfigured_message(text: str = "") -> kit.Message:
    """Free text without ANTHROPIC_API_KEY: the command it probably meant, or what to configure,
    and the three most useful commands — one short answer, not the whole help."""
    guess = parse(text)
    meant = guess.suggestion if isinstance(guess, UsageError) else None
    if meant and " " in meant:  # a whole command ("person Jane Smith"), not a bare name
        line = f"Did you mean `{escape_clip(meant, 200)}`? Type it here as a command."
    else:
        line = UNCONFIGURED_TEXT
    examples = " · ".join(f"`{example}`" for example in USEFUL_COMMANDS)
    return kit.message(
        line, [kit.section(line), kit.context(f"Try {examples} — or `help` for every command.")]
    )
