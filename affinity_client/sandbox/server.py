"""Serving the sandbox over real loopback HTTP with a threaded WSGI server."""

from __future__ import annotations

import socket
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from . import seed
from .app import SandboxApp
from .store import SandboxState


class _QuietHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add milliseconds to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class SandboxServer:
    """A sandbox on `host:port` (port 0 picks a free one), run in a background thread.

    >>> with SandboxServer().start() as sb:
    ...     sb.base_url  # "http://127.0.0.1:54321"
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = SandboxState()
        self.app = SandboxApp(self.state)
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self.host = host
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="affinity-sandbox",
                daemon=True,
            )
            self._thread.start()
        return self

    def reset(self) -> None:
        """Back to the seed; clears faults, revocations (except the seeded one) and the log."""
        self.state.reset()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def banner(base_url: str) -> str:
    lines = [
        f"Affinity sandbox ({seed.TENANT['name']}) listening on {base_url}",
        "  V1 at the root, V2 under /v2, controls under /_sandbox/",
        "Users:",
    ]
    for u in seed.USERS:
        lines.append(
            f"  {u['role']:<9} {u['first_name']} {u['last_name']} "
            f"(person {u['person_id']})  key: {u['api_key']}"
        )
    lines.append(f"Try: curl -u :{seed.ADMIN_KEY} {base_url}/auth/whoami")
    return "\n".join(lines)


def serve_forever(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve until interrupted; print the base URL and the seeded users' keys first."""
    server = SandboxServer(host, port)
    print(banner(server.base_url), flush=True)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._server.server_close()
