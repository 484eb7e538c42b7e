"""Feature modules of the Slack app, registered in order by `bot.app.build_app()`
(the list is `bot.app.FEATURES`).

Each feature module exposes `register(app: slack_bolt.App, services: Services)`, which adds its
listeners (and, if it has periodic work, its jobs on `services.background`). Listeners reach
services through that closure, never through Bolt's `context` (Bolt deep-copies context for lazy
listeners). A feature that uses another imports it directly.
"""
