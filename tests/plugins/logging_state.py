"""Every test starts with the logging configuration the session started with.

The app's entry points (`bootstrap`, the console) configure logging for a real process: root level,
handlers, library loggers. Run in-process by a test, that would leak into the tests after it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    root_state = (root.level, list(root.handlers), list(root.filters))
    named = {
        name: (logger.level, logger.propagate, list(logger.handlers), list(logger.filters))
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.setLevel(root_state[0])
    root.handlers[:] = root_state[1]
    root.filters[:] = root_state[2]
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger):
            continue
        level, propagate, handlers, filters = named.get(name, (logging.NOTSET, True, [], []))
        logger.setLevel(level)
        logger.propagate = propagate
        logger.handlers[:] = handlers
        logger.filters[:] = filters
