"""Fixtures shared by every layer's tests live in tests/plugins/, one module per concern."""

from hypothesis import HealthCheck, settings

# Property tests are derandomized so that a run is reproducible on any machine; no deadline,
# since a loaded CI machine is slow in ways that say nothing about the code.
settings.register_profile(
    "repeatable",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("repeatable")

pytest_plugins = [
    "tests.plugins.logging_state",
    "tests.plugins.sandbox",
    "tests.plugins.v2_conformance",
    "tests.plugins.postgres",
    "tests.plugins.slack",
]
