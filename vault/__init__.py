"""Encrypted credentials and connected accounts. Knows nothing of Slack or HTTP."""
