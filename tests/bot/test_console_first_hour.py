"""The console as a new user meets it: a silent key prompt, an admin, emoji, an honest banner."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.console import _line_reader, main
from tests.bot.test_console import CONNECT, ScriptedStdin, after, data_dir, run_console

__all__ = ["data_dir"]


def test_the_key_prompt_does_not_echo_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str]] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(("hidden", prompt)) or "k")
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(("shown", prompt)) or "t")
    ask = _line_reader(io.StringIO(), None)
    assert ask("API key: ", True) == "k" and ask("you> ", False) == "t"
    assert asked == [("hidden", "API key: "), ("shown", "you> ")]


def test_the_admin_can_pin_the_tenant(data_dir: Path) -> None:
    output = run_console(
        data_dir, [*CONNECT, "/affinity pin-tenant", "/user standard", "/affinity pin-tenant"]
    )
    assert "Slack workspace admin" in output.split("Sandbox users")[1]
    pinned = after(output, "/affinity pin-tenant")
    assert "now connects only to the Affinity workspace *Northwind Ventures*" in pinned
    refused = after(output, "/affinity pin-tenant", -1)
    assert "Only a Slack workspace admin or owner can pin" in refused


def test_emoji_shortcodes_show_as_emoji(data_dir: Path) -> None:
    output = run_console(data_dir, [*CONNECT, "/affinity deal abc"])
    reply = after(output, "/affinity deal abc")
    assert "No deal" in reply
    assert ":warning:" not in reply and "⚠" in reply


def test_the_banner_names_the_key_that_seals(data_dir: Path) -> None:
    plain = run_console(data_dir, ["/quit"])
    assert "development key; not for production" in plain
    output = io.StringIO()
    key = "k1:" + "A" * 43 + "="
    main(
        stdin=ScriptedStdin(["/quit"], output),
        stdout=output,
        environ={"AFFINITY_BOT_DATA_DIR": str(data_dir), "VAULT_MASTER_KEYS": key},
    )
    assert "development key" not in output.getvalue()
    assert "VAULT_MASTER_KEYS" in output.getvalue()
