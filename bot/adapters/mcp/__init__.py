"""The MCP server (the official `mcp` SDK, extra `mcp`): `affinity-bot mcp`. See server.py."""

from bot.adapters.mcp.server import build_server, http_app, serve_http, serve_stdio

__all__ = ["build_server", "http_app", "serve_http", "serve_stdio"]
