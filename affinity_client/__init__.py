"""Affinity's REST API (V1 and V2), the tool catalog, and a local sandbox. Knows nothing of Slack."""
