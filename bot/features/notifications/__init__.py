"""List subscriptions (`/affinity follow`) and the daily brief (`/affinity brief`).

Public interface: `register(app, services)` adds the jobs: `notify-poll` (every
`NOTIFY_POLL_SECONDS` / 5, at least 5 s and at most a minute: it only works on due polls), the
outbox prune, and `notify-brief` (every minute: the briefs that are due), and the admins' App Home
lines on what polling costs. The commands are
answered by `bot.features.notifications.commands.reply`, called by the `/affinity` command
runner. See docs/notifications.md.
"""

from __future__ import annotations

from slack_bolt import App

from bot.features import home
from bot.features.notifications.admin import usage_section
from bot.features.notifications.brief import Briefs
from bot.features.notifications.poller import Poller
from bot.services import Services

JOB = "notify-poll"
BRIEF_JOB = "notify-brief"
PRUNE_SECONDS = 3600


def register(app: App, services: Services) -> None:
    poller = Poller(services)
    tick = min(60.0, max(5.0, services.settings.notify_poll_seconds / 5))
    services.background.register(JOB, tick, poller.tick)
    services.background.register("prune-notify-outbox", PRUNE_SECONDS, poller.prune)
    services.background.register(BRIEF_JOB, 60, Briefs(services).send_due)
    home.add_home_section("notify-usage", usage_section)


__all__ = ["BRIEF_JOB", "JOB", "Briefs", "Poller", "register"]
