"""The console as a new user meets it: a silent key prompt, an admin, emoji, an honest banner."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from affinity_client.sandbox import seed
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


def test_the_console_users_count_today_where_the_seed_does(data_dir: Path) -> None:
    """The firm's users are in Pacific time, like the seed's "today": the deals it marks reviewed
    today are found at any hour (at 03:00 UTC the UTC date is already tomorrow there)."""
    output = run_console(
        data_dir,
        [*CONNECT, '/affinity deals series a "Last Reviewed=today"', "/affinity brief daily 08:00"],
    )
    reviewed = after(output, '/affinity deals series a "Last Reviewed=today"')
    assert (
        f"  {seed.LAST_REVIEWED_TODAY} deals · " in reviewed and "Last Reviewed = today" in reviewed
    )
    scheduled = after(output, "/affinity brief daily 08:00")
    assert "every day at 08:00 (America/Los_Angeles, your Slack time zone)" in scheduled


def test_the_sandbox_users_table_lines_up(data_dir: Path) -> None:
    output = run_console(data_dir, ["/quit"])
    rows = [r for r in output.split("Sandbox users")[1].splitlines() if "@northwind.vc" in r]
    assert len(rows) == len(seed.USERS)
    pairs = list(zip(rows, seed.USERS, strict=True))
    names = {row.index(f"{u['first_name']} {u['last_name']}") for row, u in pairs}
    emails = {row.index(u["email"]) for row, u in pairs}
    assert len(names) == 1 and len(emails) == 1


def test_a_brief_turned_off_twice_says_there_was_none(data_dir: Path) -> None:
    output = run_console(
        data_dir,
        [*CONNECT, "/affinity brief daily 08:00", "/affinity brief off", "/affinity brief off"],
    )
    assert "No daily brief any more" in after(output, "/affinity brief off")
    again = after(output, "/affinity brief off", -1)
    assert "You have no daily brief" in again and "any more" not in again


def test_a_write_on_a_missing_record_is_two_sentences(data_dir: Path) -> None:
    output = run_console(data_dir, [*CONNECT, "/affinity note person 99999999 hello"])
    said = after(output, "/affinity note person 99999999 hello")
    assert "Person 99999999" in said and "Nothing was changed." in said
    assert "found Nothing" not in said


def test_the_brief_and_prep_write_days_as_the_other_cards_do(data_dir: Path) -> None:
    """`Tuesday 1 December`, `Tue 1 Dec, 17:00` like `Tue 1 Dec 2026` elsewhere: no `01`."""
    import re
    from datetime import datetime

    output = run_console(data_dir, [*CONNECT, "/affinity brief", "/affinity prep next"])
    today = datetime.now(seed.PACIFIC)
    assert f"Your brief for {today:%A} {today.day} {today:%B}*" in after(output, "/affinity brief")
    prep = after(output, "/affinity prep next")
    assert re.search(r"\* — [A-Z][a-z]{2} [1-9]\d? [A-Z][a-z]{2}, \d\d:\d\d\n", prep), prep


def test_a_channel_is_named_as_slack_names_it(data_dir: Path) -> None:
    output = run_console(data_dir, [*CONNECT, '/affinity follow "Series A Pipeline"'])
    said = after(output, '/affinity follow "Series A Pipeline"')
    assert "(stage moves) in #deals." in said and "C0DEALS01" not in said


def test_connect_typed_in_a_dm_says_where_the_key_goes_once(data_dir: Path) -> None:
    said = after(run_console(data_dir, ["connect"]), "connect")
    assert "Press *Connect Affinity* to paste your API key." in said
    assert said.count("private window") == 1 and "[1] Connect Affinity" in said


def test_connect_again_says_who_is_connected_and_that_the_key_replaces_it(data_dir: Path) -> None:
    output = run_console(data_dir, [*CONNECT, *CONNECT])
    first, again = (
        after(output, "/affinity connect", n).split("(dialog submitted)")[0] for n in (0, -1)
    )
    assert "[dialog: Connect Affinity]" in first and "You're connected as" not in first
    assert "You're connected as *Maya Patel* (maya@northwind.vc) in *Northwind Ventures*" in again
    assert "A key you paste here replaces that one." in again


def test_times_show_in_the_users_time_zone_as_slack_shows_them(data_dir: Path) -> None:
    """The meetings card's times are Slack date tokens: shown in the reader's zone, so the same
    meeting reads the same time there and in the brief."""
    from datetime import UTC, datetime

    output = run_console(data_dir, [*CONNECT, "/affinity meetings today", "/affinity brief"])
    meetings, brief = after(output, "/affinity meetings today"), after(output, "/affinity brief")
    day = datetime.now(seed.PACIFIC).date()
    first = datetime(day.year, day.month, day.day, 15, tzinfo=UTC).astimezone(seed.PACIFIC)
    assert f"*{first:%H:%M}* " in meetings and "UTC" not in meetings
    assert f"*{first:%H:%M}* " in brief
