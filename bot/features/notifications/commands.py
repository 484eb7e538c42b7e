"""`/affinity follow`, `unfollow`, `following` and `follow-allow`: the replies, for the user who
typed them (ephemeral), never posted in the open."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from affinity_client.errors import AffinityError
from bot.blocks import error_message, kit
from bot.blocks.text import escape_clip
from bot.connector import parse_identifier
from bot.features.connect import is_workspace_admin
from bot.features.notifications.messages import every_poll
from bot.features.notifications.models import PollState
from bot.features.notifications.poller import Poller
from bot.features.notifications.store import DM, Subscriptions, poll_key, tenant_of, utc_day
from bot.grammar import Command, ListRef
from bot.services import Services

MODE_WORDS = {"stages": "stage moves", "new": "new entries", "all": "every field change"}
PAUSE_WORDS = {
    "revoked": "paused: your Affinity key no longer works (`/affinity connect` resumes it)",
    "reconnected": "paused while your key did not work; it resumes with the next read, now "
    "that you have reconnected",
    "not-visible": "paused: your key can no longer read this list",
    "not-allowed": "paused: a private list, no longer allowed in this channel",
    "cannot-post": "paused: I could not post there (invite me, then follow again)",
}
COMMANDS = {"follow", "unfollow", "following", "follow-allow", "brief", "prep", "webhooks"}


def reply(
    services: Services,
    command: Command,
    identifier: str,
    client: WebClient | None,
    channel_id: str | None,
) -> kit.Message:
    if command.name == "webhooks":
        from bot.features.notifications import webhooks

        return webhooks.reply(services, command["action"], identifier, client)
    if command.name == "prep":
        from bot.features.notifications.brief import ZONES
        from bot.features.notifications.prep import prep

        user = parse_identifier(identifier)
        zone = ZONES.of(client, user.team_id, user.user_id) if client else "UTC"
        return prep(
            services.connector, identifier, command.get("meeting_id"), services.clock(), zone
        )
    if command.name == "brief":
        from bot.features.notifications.brief import Briefs

        return Briefs(services).command(identifier, command.get("schedule"), client)
    subs = Subscriptions(services.engine, services.clock)
    if command.name == "following":
        return following(services, subs, identifier)
    lists = _lists(services, identifier)
    if isinstance(lists, str):
        return error_message(lists)
    found = find_list(lists, command["list"])
    if isinstance(found, str):
        return error_message(found, "Type `/affinity lists` to see the lists your key can read.")
    destination = _destination(command.get("channel"), channel_id, client)
    if destination is None:
        return error_message(
            f"I can't find the channel {command.get('channel')}.",
            "Type the command in that channel instead, without naming it.",
        )
    name = escape_clip(found["name"], 150)
    where = "your DM" if destination == DM else f"<#{destination}>"
    user = parse_identifier(identifier)
    if command.name == "follow-allow":
        return _allow(services, subs, client, identifier, found, destination)
    if command.name == "unfollow":
        if subs.remove(identifier, int(found["id"]), destination):
            return kit.section_message(f":no_bell: No longer following *{name}* in {where}.")
        return kit.section_message(
            f":information_source: You don't follow *{name}* in {where}; "
            "`/affinity following` lists where you do."
        )
    public = bool(found.get("public"))
    if (
        not public
        and destination != DM
        and not subs.allowed(user.team_id, destination, int(found["id"]))
    ):
        quoted = found["name"].replace('"', "'")
        return error_message(
            f"*{name}* is a private list: its changes go to a channel only where a workspace "
            "admin has allowed that list "
            f'(`/affinity follow-allow "{quoted}" <#{destination}>`).',
            f'Follow it in your own DM instead: `/affinity follow "{quoted}" dm`.',
        )
    tenant = tenant_of(services, identifier) or "?"
    mode = command.get("mode") or "stages"
    before = next(
        (
            mine
            for mine in subs.of_owner(identifier)
            if mine.list_id == int(found["id"]) and mine.destination == destination
        ),
        None,
    )
    sub, _ = subs.add(
        identifier, tenant, int(found["id"]), str(found["name"]), public, mode, destination
    )
    Poller(services).ensure_polls([sub])  # changes from now on, none from before
    what = MODE_WORDS[mode]
    if before is None:
        verb = "Following"
    elif before.mode != mode:
        verb, what = (
            "Now following",
            f"{what}, no longer {MODE_WORDS.get(before.mode, before.mode)}",
        )
    elif before.paused:
        verb = "Following again"
    else:
        verb = "Still following"
    return kit.section_message(
        f":bell: {verb} *{name}* ({what}) in {where}. I read its changes with "
        f"your own key about {every_poll(services.settings.notify_poll_seconds)}; several "
        "changes come as one message."
    )


def following(services: Services, subs: Subscriptions, identifier: str) -> kit.Message:
    mine = subs.of_owner(identifier)
    if not mine:
        return kit.section_message(
            'You don\'t follow any list. Try `/affinity follow "Series A Pipeline"` in a channel.'
        )
    account = services.connector.account(identifier)
    reconnected = account is not None and str(account.status) == "ACTIVE"
    lines = []
    for sub in mine:
        where = "your DM" if sub.destination == DM else f"<#{sub.destination}>"
        paused = "reconnected" if sub.paused == "revoked" and reconnected else sub.paused
        state = f" — {PAUSE_WORDS.get(paused, 'paused')}" if paused else ""
        lines.append(
            f"• *{escape_clip(sub.list_name, 150)}* ({MODE_WORDS.get(sub.mode, sub.mode)}) in "
            f"{where}{state}"
        )
    cost = _requests_today(services, [poll_key(s) for s in mine])
    blocks = [
        kit.section("\n".join(lines)[:2900]),
        kit.context(
            f"Reading them cost {cost} Affinity request{'s' if cost != 1 else ''} today "
            "(shared with colleagues who follow the same public lists)."
        ),
    ]
    if Poller(services).capped():
        blocks.append(
            kit.context(
                ":warning: The app's daily cap of Affinity requests for following lists is "
                "reached: lists are read again from 00:00 UTC, and nothing that changes "
                "meanwhile is lost."
            )
        )
    return kit.message("The lists you follow", blocks)


def _requests_today(services: Services, keys: list[str]) -> int:
    day = utc_day(services.clock())
    with Session(services.engine) as session:
        rows = session.scalars(select(PollState).where(PollState.key.in_(set(keys))))
        return sum(r.requests_today for r in rows if r.requests_day == day)


def _allow(
    services: Services,
    subs: Subscriptions,
    client: WebClient | None,
    identifier: str,
    found: dict[str, Any],
    destination: str,
) -> kit.Message:
    user = parse_identifier(identifier)
    if client is None or not is_workspace_admin(client, user.user_id):
        return error_message("Only a workspace admin can allow a private list in a channel.")
    if destination == DM:
        return error_message("Name a channel (or type the command in it): a DM needs no grant.")
    subs.allow(user.team_id, destination, int(found["id"]), identifier)
    name = escape_clip(found["name"], 150)
    return kit.section_message(
        f":white_check_mark: *{name}* may now be followed in <#{destination}>. Each follower's "
        "own key still decides what they can post there."
    )


def _lists(services: Services, identifier: str) -> list[dict[str, Any]] | str:
    """The lists the user's key reads now (with whether each is public), or why not."""
    try:
        result = services.connector.execute_tool(identifier, "affinity_list_lists", {})
    except AffinityError as error:
        return str(error) or "I could not read your lists from Affinity."
    return list(result.get("lists") or [])


def find_list(lists: list[dict[str, Any]], ref: ListRef) -> dict[str, Any] | str:
    if ref.id is not None:
        for item in lists:
            if int(item["id"]) == ref.id:
                return item
        return f"Your key can't read a list with id {ref.id}."
    wanted = (ref.name or "").casefold()
    exact = [i for i in lists if str(i.get("name") or "").casefold() == wanted]
    close = exact or [i for i in lists if wanted in str(i.get("name") or "").casefold()]
    if len(close) == 1:
        return close[0]
    if not close:
        return f"Your key can't read a list called “{escape_clip(ref.name, 100)}”."
    names = ", ".join(f"*{escape_clip(i['name'], 60)}*" for i in close[:5])
    return f"“{escape_clip(ref.name, 100)}” matches several lists: {names}. Use its full name."


def _destination(channel: str | None, typed_in: str | None, client: WebClient | None) -> str | None:
    """A channel id, or "dm"; None for a `#name` that cannot be found."""
    if channel == DM:
        return DM
    if channel is None:
        return DM if not typed_in or typed_in.startswith("D") else typed_in
    if not channel.startswith("#"):
        return channel
    if client is None:
        return None
    try:
        cursor = None
        for _ in range(10):
            page = client.conversations_list(
                types="public_channel,private_channel", limit=1000, cursor=cursor
            )
            for item in page.get("channels") or []:
                if item.get("name") == channel[1:]:
                    return str(item["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError:
        return None
    return None
