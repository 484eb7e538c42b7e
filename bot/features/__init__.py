"""Feature modules of the Slack app, registered in this order by `bot.app.build_app()`.

Each module named in `FEATURES` exposes `register(app: slack_bolt.App, services: Services)`,
which adds its listeners (and, if it has periodic work, its jobs on
`services.background`). Listeners reach services through that closure, never through Bolt's
`context` (Bolt deep-copies context for lazy listeners). Append new features to the list.
"""

from __future__ import annotations

import importlib
from types import ModuleType

FEATURES: list[str] = [
    "bot.features.platform",
    "bot.features.connect",
    "bot.features.home",
    "bot.features.revocation",
    "bot.features.conversation",
    "bot.features.commands",
]


def load() -> list[ModuleType]:
    """Import every feature module, in order (also declares their tables on bot.models.Base)."""
    return [importlib.import_module(name) for name in FEATURES]
