"""Connecting a key: the modal, connection status, disconnect confirmation, reconnect prompt."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.blocks import actions as ids
from bot.blocks import kit, limits
from bot.blocks.text import escape_clip, format_date, one_line, pack_lines
from vault import UNTRUSTED_REASONS

TOOL_LABELS = {
    "affinity_search_persons": "Search people",
    "affinity_get_person": "View people",
    "affinity_search_organizations": "Search organizations",
    "affinity_get_organization": "View organizations",
    "affinity_list_lists": "See lists",
    "affinity_list_opportunities": "See pipelines",
    "affinity_get_opportunity": "View deals",
    "affinity_create_opportunity": "Create deals",
    "affinity_update_opportunity": "Update deals",
    "affinity_create_note": "Write notes",
    "affinity_list_notes": "Read notes",
    "affinity_add_to_list": "Add to lists",
    "affinity_get_relationship_strength": "Relationship strength",
    "affinity_update_note": "Edit notes",
    "affinity_delete_note": "Delete notes",
    "affinity_list_reminders": "See reminders",
    "affinity_create_reminder": "Set reminders",
    "affinity_complete_reminder": "Complete reminders",
    "affinity_list_meetings": "See meetings",
    "affinity_create_person": "Add people",
    "affinity_create_organization": "Add organizations",
    "affinity_get_field_history": "Field history",
    "affinity_list_fields": "See a list's fields",
    "affinity_list_saved_views": "See saved views",
    "affinity_search_opportunities": "Find deals by name",
    "affinity_remove_from_list": "Remove from lists",
    "affinity_search_list_entries": "Filter pipelines",
    "affinity_update_field_values": "Move deals and set fields",
}

KEY_HELP = (
    "*Where to get a key:* in Affinity, open *Settings → Manage Apps* and choose "
    "*Generate an API key*. Affinity shows the key only once, so copy it right away. "
    "On some Enterprise plans only admins may create keys; ask yours if the button is missing."
)
KEY_PRIVACY = (
    ":lock: Only you see this window. Your key is stored encrypted and used only for your own "
    "requests; it is never shown in Slack again, and you can disconnect at any time."
)


@dataclass(frozen=True)
class ConnectionView:
    """What the status, Home and reconnect views show about a user's connection.

    status: `ACTIVE`, `REVOKED`, `PENDING` (no key yet) or `NONE` (never connected).
    """

    status: str = "NONE"
    user_name: str | None = None
    user_email: str | None = None
    workspace: str | None = None
    subdomain: str | None = None
    last_verified_at: str | None = None
    revoked_reason: str | None = None
    revoked_at: str | None = None

    @property
    def connected(self) -> bool:
        return self.status == "ACTIVE"


def connect_modal(
    private_metadata: Mapping[str, Any] | None = None,
    *,
    reconnect: bool = False,
    link: bool = False,
    current: ConnectionView | None = None,
) -> dict[str, Any]:
    """The modal that collects the API key (callback `affinity_connect_modal`); `current`: the
    connection a new key replaces, said in the modal when it works.

    `private_metadata` is non-secret context (e.g. channel, thread) returned on submit; it must
    never hold the key. Errors are shown with `ack(response_action="errors",
    errors={API_KEY_BLOCK: "..."})`. `link` (`/affinity link-agent`) also asks for an agent
    identifier to link to the account (bot/adapters/links.py): linking needs the key.
    """
    metadata = json.dumps(dict(private_metadata or {}), separators=(",", ":"))
    if len(metadata) > limits.PRIVATE_METADATA:
        raise ValueError("private_metadata over Slack's 3000 characters")
    intro = (
        "Your previous key stopped working. Paste a new one to reconnect."
        if reconnect
        else "Connect your own Affinity account: searches, pipelines and notes then use your "
        "access, exactly as you see them in Affinity."
    )
    if current is not None and current.connected:
        intro = f"You're connected as {_who(current)}. A key you paste here replaces that one."
    if link:
        intro = (
            "Let your own agents (LangChain, MCP) use your Affinity key under a name of your "
            "choosing. Paste your key to show it is yours."
        )
    title = "Reconnect Affinity" if reconnect else "Connect Affinity"
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": ids.CONNECT_MODAL,
        "title": kit.plain("Link your agents" if link else title, limits.MODAL_TITLE),
        "submit": kit.plain("Connect", limits.MODAL_TITLE),
        "close": kit.plain("Cancel", limits.MODAL_TITLE),
        "private_metadata": metadata,
        "blocks": [
            kit.section(intro),
            {
                "type": "input",
                "block_id": ids.API_KEY_BLOCK,
                "label": kit.plain("Affinity API key", limits.INPUT_LABEL),
                "hint": kit.plain(
                    "The key is visible while you type; no one else sees it.", limits.INPUT_LABEL
                ),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.API_KEY_ACTION,
                    "min_length": 8,
                    "max_length": 200,
                    "placeholder": kit.plain("Paste your API key", 150),
                },
            },
            kit.section(KEY_HELP),
            kit.context(KEY_PRIVACY),
        ],
    }
    if link:
        view["blocks"].append(
            {
                "type": "input",
                "block_id": ids.LINK_BLOCK,
                "label": kit.plain("Agent identifier", limits.INPUT_LABEL),
                "hint": kit.plain(
                    "The name your agents give, e.g. your email. Only you can link it, here.",
                    limits.INPUT_LABEL,
                ),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.LINK_ACTION,
                    "max_length": 255,
                },
            }
        )
    return view


def _who(conn: ConnectionView) -> str:
    name = escape_clip(one_line(conn.user_name) or "your Affinity user", 200)
    email = f" ({escape_clip(conn.user_email, 200)})" if conn.user_email else ""
    workspace = escape_clip(one_line(conn.workspace), 200) if conn.workspace else "Affinity"
    domain = f" · {escape_clip(conn.subdomain, 100)}.affinity.co" if conn.subdomain else ""
    return f"*{name}*{email} in *{workspace}*{domain}"


def connect_button(conn: ConnectionView) -> kit.Block:
    if conn.status == "REVOKED":
        return kit.button("Reconnect", ids.RECONNECT, style="primary")
    return kit.button("Connect Affinity", ids.CONNECT, style="primary")


def disconnect_button() -> kit.Block:
    return kit.button("Disconnect", ids.DISCONNECT, style="danger")


def status_lines(conn: ConnectionView) -> str:
    if conn.status == "ACTIVE":
        verified = format_date(conn.last_verified_at)
        return f":large_green_circle: Connected as {_who(conn)}" + (
            f"\nKey last verified {verified}." if verified else ""
        )
    if conn.status == "REVOKED" and conn.revoked_reason in UNTRUSTED_REASONS:
        return (
            ":red_circle: Your stored Affinity key could not be verified by this app, so it "
            "is no longer used. Nothing was changed in Affinity; reconnect to keep going."
        )
    if conn.status == "REVOKED":
        reason = escape_clip(one_line(conn.revoked_reason) or "Affinity rejected the key", 500)
        when = format_date(conn.revoked_at)
        return (
            ":red_circle: Your Affinity key stopped working"
            + (f" on {when}" if when else "")
            + f": {reason}."
        )
    return ":white_circle: Not connected to Affinity yet."


def probe_lines(probe: Mapping[str, Mapping[str, Any]]) -> list[str]:
    lines = []
    for tool in sorted(probe, key=lambda t: list(TOOL_LABELS).index(t) if t in TOOL_LABELS else 99):
        outcome = probe[tool] or {}
        label = TOOL_LABELS.get(tool, escape_clip(tool, 100))
        if outcome.get("ok"):
            partial = escape_clip(one_line(outcome.get("reason")), 200)  # works, with less
            lines.append(f":white_check_mark: {label}" + (f" ({partial})" if partial else ""))
        else:
            reason = escape_clip(one_line(outcome.get("reason")) or "not allowed", 200)
            lines.append(f":no_entry_sign: {label}: {reason}")
    return lines


def connection_status(
    conn: ConnectionView, probe: Mapping[str, Mapping[str, Any]] | None = None
) -> kit.Message:
    """`/affinity status`: who you are connected as, and which tools your key can use."""
    blocks: list[kit.Block | None] = [kit.section(status_lines(conn))]
    if probe and conn.connected:
        blocks.append(
            kit.section(
                "*What your key can do*\n"
                + pack_lines(probe_lines(probe), limits.SECTION_TEXT - 40)
            )
        )
    buttons = [disconnect_button()] if conn.connected else [connect_button(conn)]
    blocks.append(kit.actions(buttons))
    fallback = {
        "ACTIVE": "Connected to Affinity",
        "REVOKED": "Your Affinity key stopped working",
    }.get(conn.status, "Not connected to Affinity")
    if conn.status == "REVOKED" and conn.revoked_reason in UNTRUSTED_REASONS:
        fallback = "Your stored Affinity key could not be verified"
    return kit.message(fallback, blocks)


def disconnect_confirmation(conn: ConnectionView) -> kit.Message:
    """Asks before the key is erased (Disconnect / Cancel)."""
    text = (
        f"Disconnect {_who(conn)}? Your key will be erased from this app. "
        "Nothing changes in Affinity, and you can connect again at any time."
    )
    return kit.message(
        "Disconnect from Affinity?",
        [
            kit.section(text),
            kit.actions(
                [
                    kit.button("Disconnect", ids.DISCONNECT_CONFIRM, style="danger"),
                    kit.button("Cancel", ids.DISCONNECT_CANCEL),
                ]
            ),
        ],
    )


def disconnected() -> kit.Message:
    return kit.message(
        "Disconnected from Affinity",
        [
            kit.section(":wave: Disconnected. Your Affinity key has been erased."),
            kit.actions([kit.button("Connect again", ids.CONNECT)]),
        ],
    )


def reconnect_prompt(conn: ConnectionView) -> kit.Message:
    """Sent when a key was revoked: why, and a Reconnect button that opens the modal."""
    if conn.revoked_reason in UNTRUSTED_REASONS:
        fallback = "Your stored Affinity key could not be verified. Reconnect to keep going."
        why = (
            "The key stored for you did not pass this app's integrity check (it may have "
            "been altered in the app's database), so it is not used. Nothing was changed."
        )
    else:
        fallback = "Your Affinity key stopped working. Reconnect to keep going."
        why = (
            "This happens when the key is revoked or regenerated in Affinity, or your "
            "Affinity user is deactivated. Nothing was changed."
        )
    return kit.message(
        fallback,
        [
            kit.section(status_lines(conn)),
            kit.context(why),
            kit.actions([kit.button("Reconnect", ids.RECONNECT, style="primary")]),
        ],
    )


def connected(conn: ConnectionView) -> kit.Message:
    """Sent after a successful connect."""
    return kit.message(
        "Connected to Affinity",
        [
            kit.section(
                f":white_check_mark: You're connected as {_who(conn)}.\n"
                "Try `/affinity lists` or `/affinity person &lt;name&gt;`."
            ),
        ],
    )
