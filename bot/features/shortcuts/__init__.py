""" "Log to Affinity" (message shortcut) and "New Affinity note" (global shortcut).

The shortcut opens a waiting modal at once (the trigger lasts 3 s), then fills it: the message
as editable note text (or the whole thread, by a toggle), a typeahead for people, organizations
and deals (`multi_external_select`, answered by `block_suggestion` with searches run with the
user's own key), pre-filled with the records the text names unambiguously, and — with
`ANTHROPIC_API_KEY` — a "Summarise" option. Not connected: the key modal first, then the form.

Submit: one note on every chosen record, exactly once (the form's draft row is claimed by the
first submission, in whichever process), with the Slack message's permalink at its end; the user
is told privately in the message's thread (or in their DM for the global shortcut), with links
to the records in Affinity. See docs/slack-app.md, "Surfaces".
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from affinity_client.errors import AffinityError
from bot.blocks import actions as ids
from bot.blocks import kit
from bot.blocks.connection import connect_modal
from bot.blocks.text import Links, escape_clip
from bot.connector import click_identifier, parse_identifier
from bot.features.commands.answers import for_error
from bot.features.connect import AfterConnect, after_connect
from bot.features.shortcuts.drafts import PRUNE_SECONDS, Draft, NoteDrafts
from bot.features.shortcuts.modal import (
    LOG_MESSAGE,
    MAX_TEXT,
    NEW_NOTE,
    NOTE_MODAL,
    RECORDS_ACTION,
    RECORDS_BLOCK,
    THREAD_TOGGLE,
    NoteForm,
    gone_view,
    note_modal,
    read_metadata,
    submitted_records,
    submitted_text,
    waiting_view,
    wants_summary,
)
from bot.features.shortcuts.records import (
    Record,
    RecordSearch,
    note_targets,
    recognise,
    record_from_option,
    typeahead,
)
from bot.features.shortcuts.summary import summarise
from bot.features.threads import AuthorNames, read_thread, readable_text
from bot.services import Services

log = logging.getLogger(__name__)

AFTER_CONNECT = "note"
TYPEAHEAD_THREADS = 6
NO_TEXT = "Write the note, or close this form."
NO_RECORD = "Choose at least one person, organization or deal to log the note on."
GONE = "This form has expired. Use the shortcut again."


class NoteForms:
    """Builds, fills and saves note forms for one process's services."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.drafts = NoteDrafts(services.engine, services.clock)
        self.names = AuthorNames()

    # -- opening ------------------------------------------------------------------------

    def open(self, client: WebClient, trigger_id: str, identifier: str, draft: Draft) -> None:
        account = self.services.connector.account(identifier)
        if account is None or str(account.status) != "ACTIVE":
            revoked = account is not None and str(account.status) == "REVOKED"
            client.views_open(
                trigger_id=trigger_id,
                view=connect_modal({"then": AFTER_CONNECT, "draft": draft.id}, reconnect=revoked),
            )
            return
        opened = client.views_open(trigger_id=trigger_id, view=waiting_view())
        self.fill(client, identifier, draft, opened["view"]["id"])

    def resume(
        self, client: WebClient, identifier: str, metadata: dict[str, Any], view_id: str
    ) -> None:
        """Connected from the key modal: back to the note form it was opened for."""
        draft = self.drafts.get(str(metadata.get("draft") or ""), identifier)
        if draft is None:
            client.views_update(view_id=view_id, view=gone_view(GONE))
            return
        self.fill(client, identifier, draft, view_id)

    def fill(
        self,
        client: WebClient,
        identifier: str,
        draft: Draft,
        view_id: str,
        *,
        source: str | None = None,
        chosen: list[Record] | None = None,
        view_hash: str | None = None,
    ) -> None:
        form = self.form(client, identifier, draft, source, chosen)
        extra = {"hash": view_hash} if view_hash else {}
        client.views_update(view_id=view_id, view=note_modal(form), **extra)

    def form(
        self,
        client: WebClient,
        identifier: str,
        draft: Draft,
        source: str | None,
        chosen: list[Record] | None,
    ) -> NoteForm:
        team_id = parse_identifier(identifier).team_id
        source = source or ("message" if draft.channel_id else "blank")
        text = ""
        if source == "thread" and draft.channel_id and draft.thread_ts:
            thread = read_thread(
                client, team_id, draft.channel_id, draft.thread_ts, self.names, max_chars=MAX_TEXT
            )
            text = thread.render() if thread is not None else ""
            if thread is None:
                source = "message"
        if source == "message":
            text = readable_text(client, team_id, {"text": draft.text}, self.names)
        records = chosen
        if records is None:
            records = (
                recognise(RecordSearch(self.services.connector, identifier), text) if text else []
            )
        return NoteForm(
            draft_id=draft.id,
            text=text[:MAX_TEXT],
            source=source,
            has_thread=bool(draft.thread_ts),
            records=tuple(records),
            can_summarise=self.services.agent is not None,
            clipped=len(text) > MAX_TEXT,
        )

    # -- saving -------------------------------------------------------------------------

    def save(
        self,
        client: WebClient,
        identifier: str,
        draft: Draft,
        text: str,
        records: list[Record],
        *,
        summary: bool,
    ) -> None:
        content, note = text.strip(), ""
        agent = self.services.agent
        if summary and agent is not None:
            summarised = summarise(agent, content)
            if summarised:
                content = summarised
            else:
                note = " Claude could not summarise it, so the text was saved as written."
        link = self.permalink(client, draft)
        if link:
            content = f"{content}\n\nFrom Slack: {link}"
        try:
            created = self.services.connector.execute_tool(
                identifier, "affinity_create_note", {"content": content, **note_targets(records)}
            )
        except AffinityError as error:
            self.drafts.finish(draft.id, None)
            self.tell(client, identifier, draft, for_error(error, writes=True))
            return
        self.drafts.finish(draft.id, int(created["id"]))
        self.tell(client, identifier, draft, self.confirmation(identifier, records, note))

    @staticmethod
    def permalink(client: WebClient, draft: Draft) -> str | None:
        if not draft.channel_id or not draft.message_ts:
            return None
        try:
            found = client.chat_getPermalink(channel=draft.channel_id, message_ts=draft.message_ts)
        except SlackApiError as error:
            log.info("no permalink for the note (%s)", error.response.get("error"))
            return None
        return found.get("permalink")

    def confirmation(self, identifier: str, records: list[Record], note: str) -> kit.Message:
        account = self.services.connector.account(identifier)
        profile = account.profile if account is not None else None
        links = Links(profile.tenant_subdomain if profile is not None else None)
        named = ", ".join(links.link(r.kind, r.id, r.name.split(" (")[0], 100) for r in records)
        text = f":white_check_mark: Logged a note in Affinity on {named}.{escape_clip(note, 200)}"
        first = links.url(records[0].kind, records[0].id) if records else None
        buttons = [kit.button("Open in Affinity", ids.OPEN_IN_AFFINITY, url=first)] if first else []
        return kit.message(text, [kit.section(text), *([kit.actions(buttons)] if buttons else [])])

    def tell(self, client: WebClient, identifier: str, draft: Draft, message: kit.Message) -> None:
        """Privately, in the message's thread; in the user's DM for the global shortcut (or
        when the app cannot post in that channel)."""
        user_id = parse_identifier(identifier).user_id
        if draft.channel_id:
            try:
                client.chat_postEphemeral(
                    channel=draft.channel_id,
                    user=user_id,
                    thread_ts=draft.thread_ts or None,
                    **message,
                )
                return
            except SlackApiError as error:
                log.info("confirmation not posted in the channel (%s)", error.response.get("error"))
        client.chat_postMessage(channel=user_id, **message)


class ShortcutListeners:
    def __init__(self, forms: NoteForms) -> None:
        self.forms = forms
        self.pool = ThreadPoolExecutor(TYPEAHEAD_THREADS, thread_name_prefix="note-typeahead")

    def on_message_shortcut(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        identifier = click_identifier(body)
        message = body.get("message") or {}
        ts = str(message.get("ts") or body.get("message_ts") or "")
        thread_ts = message.get("thread_ts") or (ts if message.get("reply_count") else None)
        draft = self.forms.drafts.create(
            identifier,
            str(message.get("text") or ""),
            channel_id=(body.get("channel") or {}).get("id"),
            message_ts=ts,
            thread_ts=thread_ts,
        )
        self.forms.open(client, body["trigger_id"], identifier, draft)

    def on_global_shortcut(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        identifier = click_identifier(body)
        draft = self.forms.drafts.create(identifier, "")
        self.forms.open(client, body["trigger_id"], identifier, draft)

    def on_records_options(self, ack: Ack, body: dict[str, Any]) -> None:
        identifier = click_identifier(body)
        account = self.forms.services.connector.account(identifier)
        if account is None or str(account.status) != "ACTIVE":
            ack(options=[])
            return
        search = RecordSearch(self.forms.services.connector, identifier)
        ack(option_groups=typeahead(search, str(body.get("value") or ""), self.pool))

    def on_thread_toggle(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        identifier = click_identifier(body)
        draft = self.forms.drafts.get(str(read_metadata(view).get("draft") or ""), identifier)
        if draft is None:
            return
        action = (body.get("actions") or [{}])[0]
        whole = any(o.get("value") == "thread" for o in action.get("selected_options") or [])
        values = (view.get("state") or {}).get("values") or {}
        chosen = [r for r in map(record_from_option, submitted_records(values)) if r]
        self.forms.fill(
            client,
            identifier,
            draft,
            view["id"],
            source="thread" if whole else "message",
            chosen=chosen or None,
            view_hash=view.get("hash"),
        )

    def on_submit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = body.get("view") or {}
        values = (view.get("state") or {}).get("values") or {}
        identifier = click_identifier(body)
        text_block, text = submitted_text(values)
        records = [r for r in map(record_from_option, submitted_records(values)) if r]
        errors = {}
        if not text.strip():
            errors[text_block or RECORDS_BLOCK] = NO_TEXT
        if not records:
            errors[RECORDS_BLOCK] = NO_RECORD
        if errors:
            ack(response_action="errors", errors=errors)
            return
        draft = self.forms.drafts.get(str(read_metadata(view).get("draft") or ""), identifier)
        if draft is None:
            ack(response_action="update", view=gone_view(GONE))
            return
        if not self.forms.drafts.claim(draft.id, identifier):
            ack()  # submitted twice: the first submission saves the one note
            return
        ack()
        self.forms.save(client, identifier, draft, text, records, summary=wants_summary(values))


def register(app: App, services: Services) -> None:
    forms = NoteForms(services)
    listeners = ShortcutListeners(forms)
    app.shortcut(LOG_MESSAGE)(listeners.on_message_shortcut)
    app.shortcut(NEW_NOTE)(listeners.on_global_shortcut)
    app.options(RECORDS_ACTION)(listeners.on_records_options)
    app.action(THREAD_TOGGLE)(listeners.on_thread_toggle)
    app.view(NOTE_MODAL)(listeners.on_submit)
    after_connect(
        AFTER_CONNECT,
        AfterConnect(
            view=lambda _metadata: waiting_view(),
            resume=lambda svc, client, identifier, metadata, view_id: NoteForms(svc).resume(
                client, identifier, metadata, view_id
            ),
        ),
    )
    services.background.register("prune-note-drafts", PRUNE_SECONDS, forms.drafts.prune)


__all__ = ["LOG_MESSAGE", "NEW_NOTE", "NoteForms", "register"]
