"""`affinity-bot console`: scripted sessions (stdin) against the real app, sandbox and fake Slack.

Each test runs `bot.console.main` with a script on stdin and asserts on what it printed. Lines
of a script may be functions of the output so far (to press the button a result just showed).
"""

from __future__ import annotations

import io
import re
import shutil
import socket
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from affinity_client.sandbox import seed
from bot.console import main

Line = str | Callable[[str], str]


class ScriptedStdin(io.TextIOBase):
    """stdin that is not a terminal; each line is given (or computed from the output) on read."""

    def __init__(self, lines: Iterable[Line], output: io.StringIO) -> None:
        self._lines = iter(lines)
        self._output = output

    def readline(self, size: int = -1) -> str:
        line = next(self._lines, None)
        if line is None:
            return ""
        return (line(self._output.getvalue()) if callable(line) else line) + "\n"

    def isatty(self) -> bool:
        return False


def button(label: str) -> Callable[[str], str]:
    """`/click N` for the latest button called `label` in the output so far."""

    def click(output: str) -> str:
        numbers = re.findall(rf"\[(\d+)\] {re.escape(label)}\b", output)
        assert numbers, f"no [{label}] button was shown"
        return f"/click {numbers[-1]}"

    return click


@pytest.fixture
def data_dir(
    tmp_path: Path, upgraded_sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """An empty data directory holding an upgraded console database (upgrading is slow)."""
    shutil.copyfile(upgraded_sqlite_template, tmp_path / "console.db")
    for name in ("ANTHROPIC_API_KEY", "VAULT_MASTER_KEYS", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AFFINITY_BOT_DATA_DIR", str(tmp_path))
    return tmp_path


def run_console(data_dir: Path, lines: Iterable[Line], *, user: str | None = None) -> str:
    output = io.StringIO()
    code = main(
        user=user,
        stdin=ScriptedStdin(lines, output),
        stdout=output,
        environ={"AFFINITY_BOT_DATA_DIR": str(data_dir)},
    )
    assert code == 0
    return output.getvalue()


def after(output: str, typed: str, nth: int = 0) -> str:
    """What the console printed after the `nth` (0: first, -1: last) input line `typed`."""
    marker = f"> {typed}\n"
    assert marker in output, f"{typed!r} was not echoed"
    rest = output.split(marker)[1:][nth]
    return re.split(r"^\w+> ", rest, maxsplit=1, flags=re.M)[0]


CONNECT = ["/affinity connect", ""]  # Enter at the key prompt: the sandbox user's own key


def test_a_scripted_session_connects_looks_up_pages_and_shows_home(data_dir: Path) -> None:
    output = run_console(
        data_dir,
        [
            *CONNECT,
            "/affinity person jane smith",
            "/affinity deals series a",
            button("More"),
            "lists",
            "/home",
            "/quit",
        ],
    )

    assert "This is a local demo" in output
    assert "* admin      Maya Patel" in output
    connected = after(output, "/affinity connect")
    assert "[dialog: Connect Affinity]" in connected
    assert "Affinity API key (Enter = Maya Patel's sandbox key):" in connected
    assert "connected as *Maya Patel* (maya@northwind.vc) in *Northwind Ventures*" in output
    person = after(output, "/affinity person jane smith")
    assert "[bot · only you]" in person and "Jane Smith" in person
    assert "jane@acme.com" in person
    pipeline = after(output, "/affinity deals series a")
    assert "Series A Pipeline" in pipeline and "*Diligence*" in pipeline
    assert re.search(r"\[\d+\] More", pipeline)
    more_click = re.search(r"^maya> (/click \d+)$", output, re.M).group(1)  # type: ignore[union-attr]
    page_two = after(output, more_click)
    assert "replaces the message" in page_two and "Series A Pipeline" in page_two
    assert page_two.split("\n", 2)[1:] != pipeline.split("\n", 2)[1:]  # another page of deals
    dm = after(output, "lists")
    assert "[bot · DM thread]" in dm and "Your Affinity lists" in dm and "Portfolio" in dm
    home = after(output, "/home")
    assert "[App Home]" in home and "Connected as *Maya Patel*" in home
    assert "Series A Pipeline" in home  # the user's lists
    assert seed.ADMIN_KEY not in output


def test_a_refused_key_is_shown_inside_the_dialog_and_asked_again(data_dir: Path) -> None:
    output = run_console(
        data_dir,
        [
            "/affinity connect",
            "not-a-key-affinity-knows",
            "",
            "/affinity status",
        ],
        user="standard",
    )

    dialog = after(output, "/affinity connect")
    assert dialog.count("[dialog: Connect Affinity]") == 2
    assert "! Affinity API key: Affinity did not accept this key" in dialog
    assert "not-a-key-affinity-knows" not in output  # typed keys are masked in the transcript
    assert "Affinity API key (Enter = Daniel Okafor's sandbox key): ********" in dialog
    assert "connected as *Daniel Okafor*" in output
    assert "Connected as *Daniel Okafor*" in after(output, "/affinity status")


def test_a_console_command_typed_in_a_dialog_closes_it_and_runs(data_dir: Path) -> None:
    """A script whose click opened a dialog goes on with its next command, which is never
    taken for the dialog's value (an API key here)."""
    output = run_console(data_dir, ["/affinity connect", "/affinity status", "/quit"])

    dialog = after(output, "/affinity connect")
    assert "[dialog: Connect Affinity]" in dialog and "(dialog closed)" in dialog
    assert dialog.count("[dialog: Connect Affinity]") == 1  # not submitted, not asked again
    status = after(output, "/affinity status")
    assert "connected as" not in output.lower().split("/affinity status")[0]
    assert "Connect" in status


def test_a_typed_key_is_used_and_never_printed(data_dir: Path) -> None:
    output = run_console(data_dir, ["/affinity connect", seed.STANDARD_KEY])

    assert "connected as *Daniel Okafor*" in output  # the admin's console, the standard key
    assert seed.STANDARD_KEY not in output and "********" in output


def test_a_revoked_key_gets_one_reconnect_dm_and_the_button_reconnects(data_dir: Path) -> None:
    output = run_console(
        data_dir,
        [
            *CONNECT,
            "/revoke",
            "/affinity person jane smith",
            "/restore",
            button("Reconnect"),
            "",
            "/affinity person jane smith",
        ],
    )

    revoked = after(output, "/affinity person jane smith")
    assert "[bot · DM]" in revoked and "stopped working" in revoked
    assert re.search(r"\[\d+\] Reconnect", revoked)
    assert "[dialog: Reconnect Affinity]" in output
    assert output.count("connected as *Maya Patel*") == 2
    assert "jane@acme.com" in after(output, "/affinity person jane smith", -1)


def test_dms_continue_one_thread_until_new(data_dir: Path) -> None:
    from bot.console.runtime import ConsoleRuntime

    started: list[ConsoleRuntime] = []
    original = ConsoleRuntime.start

    def spy(self: ConsoleRuntime) -> ConsoleRuntime:
        started.append(self)
        return original(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ConsoleRuntime, "start", spy)
        threads: list[set[str]] = []

        def snapshot(_: str) -> str:
            fake = started[0].fake
            threads.append(
                {
                    m.get("thread_ts") or m["ts"]
                    for m in fake.messages("D0MAYA001")
                    if m.get("user") == "U0MAYA001"
                }
            )
            return "/help"

        output = run_console(data_dir, ["lists", "help", snapshot, "/new", "lists", snapshot])

    assert len(threads[0]) == 1  # two DMs, one thread
    assert len(threads[1]) == 2  # /new started another
    assert "(your next DM starts a new thread)" in output


def test_without_an_anthropic_key_free_text_gets_the_configure_message(data_dir: Path) -> None:
    output = run_console(data_dir, [*CONNECT, "who knows the founder of acme best?"])

    assert "off: set ANTHROPIC_API_KEY" in output
    reply = after(output, "who knows the founder of acme best?")
    assert "[bot · DM thread]" in reply and "ANTHROPIC_API_KEY" in reply


def test_console_commands_help_users_and_mistakes(data_dir: Path) -> None:
    output = run_console(
        data_dir,
        [
            "/help",
            "/frobnicate",
            "/click 42",
            "/click",
            "/user nobody",
            "/user daniel@northwind.vc",
            "/affinity status",
            "/user",
            "/quit",
            "/affinity help",
        ],
    )

    assert "/click N [option]" in after(output, "/help")
    assert "Unknown console command /frobnicate" in output
    assert "There is no button [42]." in output
    assert "Usage: /click N" in output
    assert "No sandbox user 'nobody'." in output
    assert "(you are now Daniel Okafor, standard, daniel@northwind.vc)" in output
    assert "Not connected to Affinity yet" in after(output, "/affinity status")
    assert "* standard   Daniel Okafor" in after(output, "/user")
    assert "daniel> /affinity help" not in output  # /quit stopped reading


def test_an_unknown_user_option_stops_with_the_choices(
    data_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    assert (
        main(
            user="nobody",
            stdin=ScriptedStdin([], io.StringIO()),
            stdout=io.StringIO(),
            environ={"AFFINITY_BOT_DATA_DIR": str(data_dir)},
        )
        == 2
    )
    assert "admin (maya@northwind.vc)" in capsys.readouterr().err


def test_the_console_never_leaves_loopback(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost") and self.family != socket.AF_UNIX:
            attempts.append(address)
            raise OSError("the console must not reach the network")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    output = run_console(data_dir, [*CONNECT, "/affinity deals series a", "lists", "/home"])

    assert attempts == []
    assert "Series A Pipeline" in output


def test_with_an_anthropic_key_dms_are_a_conversation_with_the_assistant(data_dir: Path) -> None:
    from bot.devtools.fake_anthropic import ScriptedAnthropic, reply

    script = [
        reply(None, ("affinity_search_persons", {"term": "jane smith"})),
        reply("Jane Smith is at Acme (jane@acme.com); Daniel Okafor knows her best."),
    ]
    with ScriptedAnthropic(script) as api:
        output = io.StringIO()
        lines = [*CONNECT, "who is jane smith?"]
        code = main(
            stdin=ScriptedStdin(lines, output),
            stdout=output,
            environ={
                "AFFINITY_BOT_DATA_DIR": str(data_dir),
                "ANTHROPIC_API_KEY": "sk-ant-console-test",
                "ANTHROPIC_BASE_URL": api.base_url,
            },
        )
        requests = api.message_requests

    assert code == 0
    text = output.getvalue()
    assert "Assistant: on" in text
    answer = after(text, "who is jane smith?")
    assert "[bot · DM thread]" in answer
    assert "Daniel Okafor knows her best" in answer
    assert any("jane@acme.com" in t for r in requests for t in r.tool_result_texts())
    assert "sk-ant-console-test" not in text


def test_a_write_button_clicked_twice_writes_once_and_says_what_it_did(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reproduction: a chooser's Choose clicked twice in the console creates one deal; the
    ephemeral message keeps one ts through its replacements, as in Slack."""
    from bot.devtools.slack_requests import SlackRequests

    containers: list[dict] = []
    original = SlackRequests.block_action

    def spy(self: SlackRequests, action_id: str, value: str | None = None, **options: object):
        containers.append(dict(options["payload"]["container"]))  # type: ignore[index]
        return original(self, action_id, value, **options)

    monkeypatch.setattr(SlackRequests, "block_action", spy)
    typed = f'/affinity new-deal "Series A" Dup test --org {seed.ACME_ORG_ID}'
    output = run_console(data_dir, [*CONNECT, typed, button("Choose"), "/click 1", "/quit"])

    assert "Did you mean the list *Series A Pipeline*?" in after(output, typed)
    first = after(output, "/click 1")
    deal_id = re.search(r"Dup test · in Series A Pipeline · id (\d+)", first).group(1)  # type: ignore[union-attr]
    second = after(output, "/click 1", nth=-1)
    assert f"Already done: Deal Dup test created in Series A Pipeline (deal #{deal_id})" in second
    assert output.count("· id ") == 1  # one deal card: nothing was created twice
    assert len(containers) == 2 and containers[0]["message_ts"] == containers[1]["message_ts"]
    assert all(c["is_ephemeral"] for c in containers)
