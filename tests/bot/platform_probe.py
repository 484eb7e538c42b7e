"""A tiny test-only feature that exercises the platform: it echoes, counts and fails on demand."""

from __future__ import annotations

import threading
from typing import Any

from slack_bolt import App

from bot.services import Services

PLANTED_KEY = "aff1n1tyPlantedKey0123456789abcdefXYZ"  # key-shaped, must never be logged
PLANTED_TOKEN = "xoxb-9999-8888-plantedtokenvalue"


class Probe:
    """Register with `extra_features=[probe]`; `probe.seen` lists what the listeners handled."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def _saw(self, kind: str, detail: str) -> None:
        with self._lock:
            self.seen.append((kind, detail))

    def count(self, kind: str) -> int:
        with self._lock:
            return sum(1 for k, _ in self.seen if k == kind)

    def register(self, app: App, services: Services) -> None:
        @app.command("/affinity")
        def probe_command(ack: Any, command: dict, respond: Any) -> None:
            text = command.get("text", "")
            if text == "boom-before-ack":
                raise RuntimeError("failed before the ack")
            ack()
            self._saw("command", text)
            if text == "boom":
                raise RuntimeError(f"failed with {PLANTED_TOKEN} in the message")
            respond(text=f"echo {text}")

        @app.event("message")
        def probe_message(event: dict, client: Any) -> None:
            self._saw("message", event.get("text", ""))
            if event.get("text") == "boom":
                raise RuntimeError("the DM listener failed")
            client.chat_postMessage(
                channel=event["channel"], text=f"got {event['text']}", thread_ts=event["ts"]
            )

        @app.event("app_mention")
        def probe_mention(event: dict) -> None:
            self._saw("mention", event.get("text", ""))
            raise RuntimeError("the mention listener failed")

        @app.action("probe_click")
        def probe_click(ack: Any, body: dict, respond: Any) -> None:
            ack()
            self._saw("click", body["actions"][0].get("value", ""))
            respond(text="clicked", replace_original=False)

        @app.view("probe_modal")
        def probe_modal(ack: Any, view: dict) -> None:
            self._saw("view", view["id"])
            raise RuntimeError("the modal listener failed before its ack")
