"""Pytest fixtures for the Slack app: the fake Slack Web API and signed requests (filled in with the app)."""
