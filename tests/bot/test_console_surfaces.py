"""The console runs "Log to Affinity" on a message it shows and shows the preview of a pasted
Affinity link (scripted sessions on stdin, against the real app, sandbox and fake Slack)."""

from __future__ import annotations

from pathlib import Path

from affinity_client.sandbox import seed
from tests.bot.test_console import CONNECT, after, data_dir, run_console

__all__ = ["data_dir"]  # the fixture, imported for these tests


def test_log_to_affinity_from_the_console_saves_a_note(data_dir: Path) -> None:
    output = run_console(
        data_dir,
        [
            *CONNECT,
            "/log Met jane@acme.com: they will send the data room Friday.",
            "",  # the note text: as suggested (the message)
            "acme",  # search the typeahead
            "1",  # the first match
            "",  # done choosing
            "/quit",
        ],
    )

    logged = after(output, "/log Met jane@acme.com: they will send the data room Friday.")
    assert "[dialog: Log to Affinity]" in logged
    assert "Jane Smith (jane@acme.com)" in logged  # recognised from the email and suggested
    assert "Logged a note in Affinity on" in output
    assert "Jane Smith" in output.split("Logged a note in Affinity on", 1)[1].splitlines()[0]


def test_a_pasted_affinity_link_is_previewed(data_dir: Path) -> None:
    url = f"https://northwind.affinity.co/companies/{seed.ACME_ORG_ID}"
    output = run_console(data_dir, [*CONNECT, f"/paste {url}", "/quit"])

    shown = after(output, f"/paste {url}")
    assert f"[bot · preview of {url}]" in shown and "Acme" in shown and "Organization" in shown
