"""List subscriptions: `/affinity follow` posts a list's changes into a channel or a DM.

Public interface: `register(app, services)` adds the polling job (`notify-poll`, every
`NOTIFY_POLL_SECONDS` / 5, at least 5 s and at most a minute: it only does work for due polls)
and the outbox prune; the commands are answered by `bot.features.notifications.commands.reply`,
called by the `/affinity` command runner. See docs/notifications.md.
"""

from __future__ import annotations

from slack_bolt import App

from bot.features.notifications.poller import Poller
from bot.services import Services

JOB = "notify-poll"
PRUNE_SECONDS = 3600


def register(app: App, services: Services) -> None:
    poller = Poller(services)
    tick = min(60.0, max(5.0, services.settings.notify_poll_seconds / 5))
    services.background.register(JOB, tick, poller.tick)
    services.background.register("prune-notify-outbox", PRUNE_SECONDS, poller.prune)


__all__ = ["JOB", "Poller", "register"]
