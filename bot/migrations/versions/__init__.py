"""The bot's revisions, one file each; alembic picks up every file here."""
