"""The Slack app: listeners, the connector joining vault and client, the Claude agent."""
