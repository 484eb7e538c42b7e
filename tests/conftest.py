"""Fixtures shared by every layer's tests live in tests/plugins/, one module per concern."""

pytest_plugins = [
    "tests.plugins.logging_state",
    "tests.plugins.sandbox",
    "tests.plugins.postgres",
    "tests.plugins.slack",
]
