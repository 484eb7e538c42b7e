"""Global Bolt middleware every request goes through, installed by `bot.app.build_app()`.

- `dedup`: a Slack delivery (event, command, click, submission) is handled once, across processes
  (claimed on the listener thread, after the acknowledgement);
- `early_ack`: commands and clicks are acknowledged on the request thread, so a burst of slow
  work never keeps Slack waiting past its 3 seconds;
- `errors`: an unexpected error becomes a short apology with a reference id for the user, and a
  log line with the details and the same reference (never a secret, never the request body);
- `logs`: logging set-up with secret redaction and quiet third-party loggers;
- `trust` and `shapes`: the signature check that replaces Bolt's (also run on the raw bytes by
  `bot.wsgi`), and the shape check of signed payloads; installed by `build_app` in Bolt's
  `before_authorize` slot, ahead of everything here;
- `capacity`: the bounded listener pool and the answers to deliveries it has no room for;
- `installations`: in OAuth mode, Bolt's authorization reads installations from memory, so no
  acknowledgement waits on the database or on `auth.test` (wired by `build_app`).
Bolt's other built-ins stay on: authorization, and ignoring the bot's own events
(`ignoring_self_events_enabled`, default True).
"""

from __future__ import annotations

from slack_bolt import App

from bot.middleware.dedup import install_dedup
from bot.middleware.early_ack import install_early_ack
from bot.middleware.errors import install_error_handler
from bot.receipts import DeliveryReceipts
from bot.services import Services

__all__ = ["DeliveryReceipts", "install_middleware"]


def install_middleware(app: App, services: Services) -> None:
    on_error = install_error_handler(app, services)
    install_dedup(app, services, on_error)
    install_early_ack(app)
