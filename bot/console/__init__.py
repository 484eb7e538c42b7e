"""`affinity-bot console`: try the whole Slack app in a terminal, with no Slack workspace.

The console drives the real app (`bot.app.build_app`, every feature's listeners, served over
loopback HTTP exactly as in HTTP mode) with signed Slack requests, through the fake Slack Web API
the tests use, against an in-process Affinity sandbox, on a SQLite file in the data directory
with the vault's development master key. Nothing leaves the machine, except calls to Anthropic's
API when `ANTHROPIC_API_KEY` is set (then DMs are a conversation with the assistant).

    affinity-bot console [--user standard]       # interactive
    affinity-bot console < session.txt           # scripted: one line per input, printed back
    python -m bot.console --script session.txt   # the same, from a file

See docs/console.md.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import IO

from bot.console.emoji import render_shortcodes
from bot.console.runtime import ConsoleRuntime, console_database_url
from bot.console.session import Session
from bot.console.users import find_user, sandbox_users
from vault import VaultConfigurationError

__all__ = ["ConsoleRuntime", "Session", "main"]

MASK = "********"


def _line_reader(source: IO[str], echo: IO[str] | None):
    """Reads answers from `source`; when `echo` is given, prints each prompt and line (scripts)."""

    def ask(prompt: str, secret: bool) -> str | None:
        if echo is None:
            try:
                return getpass.getpass(prompt) if secret else input(prompt)
            except EOFError:
                return None
        line = source.readline()
        if not line:
            return None
        line = line.rstrip("\n")
        shown = MASK if secret and line.strip() and line.strip() != "/cancel" else line
        print(f"{prompt}{shown}".rstrip(), file=echo, flush=True)
        return line

    return ask


def banner(runtime: ConsoleRuntime, database_url: str) -> list[str]:
    agent = (
        f"on: DMs are a conversation with Claude ({runtime.services.settings.anthropic_model}"
        f"{' at ' + runtime.anthropic_base_url if runtime.anthropic_base_url else ''})"
        if runtime.agent_enabled
        else "off: set ANTHROPIC_API_KEY to talk in plain language; DMs take the command grammar"
    )
    return [
        "Affinity for Slack: local demo console",
        "  This is a local demo. Slack is simulated on this machine and Affinity is the built-in",
        "  sandbox (Northwind Ventures); the app itself is the real one, with every listener.",
        f"  Data: {database_url.removeprefix('sqlite:///')} ({_sealed_with(runtime)})",
        f"  Assistant: {agent}",
        "  Type /help for the console's commands, /affinity help for the app's.",
    ]


def _sealed_with(runtime: ConsoleRuntime) -> str:
    """Which master key seals the console's credentials, as the vault will choose it."""
    environ = os.environ if runtime.environ is None else runtime.environ
    if (environ.get("VAULT_MASTER_KEYS") or "").strip():
        return "keys sealed with your VAULT_MASTER_KEYS"
    return "development key; not for production"


def main(
    user: str | None = None,
    *,
    script: str | None = None,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run the console. Interactive on a terminal; otherwise (or with `script`) reads lines."""
    env = _environment() if environ is None else environ
    out = stdout or sys.stdout
    users = sandbox_users()
    chosen = find_user(users, user)
    if chosen is None:
        print(
            f"No sandbox user {user!r}. Choose a role or email: "
            + ", ".join(f"{u.role} ({u.email})" for u in users),
            file=sys.stderr,
        )
        return 2
    source = stdin or sys.stdin
    script_file = open(script, encoding="utf-8") if script else None  # noqa: SIM115
    interactive = script_file is None and source.isatty()
    log_level = (env.get("LOG_LEVEL") or "ERROR").upper()
    if not isinstance(logging.getLevelName(log_level), int):
        log_level = "ERROR"
    restore_logging = _configure_logging(log_level)
    database_url = console_database_url(dict(env))
    runtime = ConsoleRuntime(
        anthropic_api_key=(env.get("ANTHROPIC_API_KEY") or "").strip() or None,
        anthropic_base_url=(env.get("ANTHROPIC_BASE_URL") or "").strip() or None,
        anthropic_model=(env.get("ANTHROPIC_MODEL") or "").strip() or None,
        database_url=database_url,
        log_level=log_level,
        environ=dict(env),
    )

    def write(text: str) -> None:
        print(render_shortcodes(text), file=out, flush=True)

    try:
        _enable_line_editing(interactive)
        runtime.start()
        for line in banner(runtime, database_url):
            write(line)
        ask = _line_reader(script_file or source, None if interactive else out)
        session = Session(runtime, users, chosen, ask, write)
        session.list_users()
        return session.run()
    except KeyboardInterrupt:
        write("")
        return 0
    except VaultConfigurationError as error:
        print(f"affinity-bot: {error}", file=sys.stderr)
        return 2
    finally:
        runtime.stop()
        if script_file is not None:
            script_file.close()
        restore_logging()


def _configure_logging(level: str) -> Callable[[], None]:
    """Log lines to stderr at `level` (werkzeug's request lines hidden); returns an undo, so
    that a caller in the same process (a test) gets its logging back as it was."""
    from bot.middleware.logs import NOISY_LOGGERS, configure_logging

    root = logging.getLogger()
    names = ("werkzeug", *NOISY_LOGGERS)
    saved = (root.level, list(root.handlers), {n: logging.getLogger(n).level for n in names})
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    configure_logging(level)
    logging.getLogger("werkzeug").setLevel(max(logging.WARNING, logging.getLevelName(level)))

    def restore() -> None:
        root.setLevel(saved[0])
        for extra in [h for h in root.handlers if h not in saved[1]]:
            root.removeHandler(extra)
        for name, old in saved[2].items():
            logging.getLogger(name).setLevel(old)

    return restore


def _environment() -> dict[str, str]:
    """The process environment over a `.env` file in the working directory (as the app reads)."""
    from dotenv import dotenv_values

    file_values = {k: v for k, v in dotenv_values(".env").items() if v is not None}
    return {**file_values, **os.environ}


def _enable_line_editing(interactive: bool) -> None:
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401 - arrow keys and history for input()
