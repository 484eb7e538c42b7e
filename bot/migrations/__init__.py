"""The Slack app's Alembic environment (a package so that it ships in the wheel)."""
