"""The model's answer as Slack mrkdwn, split within Slack's limits; routing helpers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.features.conversation.mrkdwn import split_message, to_mrkdwn
from bot.features.conversation.routing import is_direct_message, strip_mention, wants_command


def test_markdown_becomes_mrkdwn():
    text = (
        "## Pipeline\n**Acme** is in [Diligence](https://northwind.affinity.co/opportunities/1)"
        "\n- one\n* two\n~~old~~ __new__\n---"
    )
    assert to_mrkdwn(text) == (
        "*Pipeline*\n*Acme* is in <https://northwind.affinity.co/opportunities/1|Diligence>"
        "\n• one\n• two\n~old~ *new*"
    )


def test_mrkdwn_the_model_wrote_is_kept():
    text = "*Acme* — <https://acme.com|acme.com> • _seed_ `id 5001`"
    assert to_mrkdwn(text) == text


def test_mentions_and_broadcasts_copied_from_crm_data_cannot_ping():
    out = to_mrkdwn("Note says <!channel> and <@U123> & <javascript:alert(1)|click>")
    assert "<!channel>" not in out and "<@U123>" not in out and "<javascript" not in out
    assert "&lt;!channel&gt;" in out and "&amp;" in out


def test_code_is_left_alone_but_escaped():
    out = to_mrkdwn("```\n**not bold** <b>\n```")
    assert out == "```\n**not bold** &lt;b&gt;\n```"


def test_long_answers_split_on_paragraphs_within_the_limit():
    paragraphs = [f"Paragraph {i}: " + "word " * 150 for i in range(12)]
    pieces = split_message("\n\n".join(paragraphs), limit=3900)
    assert len(pieces) > 1 and all(len(p) <= 3900 for p in pieces)
    assert all(p.startswith("Paragraph") for p in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(" ".join(paragraphs).split())


def test_a_long_answer_is_never_cut_inside_a_link_or_an_escaped_character():
    link = "<https://acme.affinity.co/companies/1|Acme Big Corp>"
    assert split_message("a " * 15 + link + " and", limit=75) == ["a " * 14 + "a", link + " and"]
    pieces = split_message(to_mrkdwn("xxx " + "R&D" * 20), limit=40)
    assert all(not p.startswith(("amp;", "mp;", "p;", ";")) for p in pieces)
    assert all(p.count("&") == p.count("&amp;") for p in pieces)


@given(st.text(max_size=3000), st.integers(min_value=20, max_value=500))
def test_split_never_exceeds_the_limit_and_loses_no_words(text, limit):
    pieces = split_message(text, limit)
    assert all(len(p) <= limit for p in pieces)
    words = "".join("".join(pieces).split())
    assert words.replace("`", "") == "".join(text.split()).replace("`", "")


def test_a_code_block_cut_in_two_is_closed_and_reopened():
    rows = "\n".join(f"row {i} <x>" for i in range(30))
    pieces = split_message(to_mrkdwn(f"Here:\n\n```\n{rows}\n```\nDone."), limit=120)
    assert len(pieces) > 2 and all(len(p) <= 120 for p in pieces)
    assert all(p.count("```") == 2 for p in pieces)
    assert pieces[1].startswith("```\nrow") and pieces[-1].endswith("```\nDone.")


def test_which_messages_are_addressed_to_the_bot():
    dm = {"channel_type": "im", "user": "U1", "text": "hi", "ts": "1.1"}
    assert is_direct_message(dm)
    assert not is_direct_message({**dm, "subtype": "message_changed"})
    assert not is_direct_message({**dm, "bot_id": "B1"})
    assert not is_direct_message({**dm, "channel_type": "channel"})


def test_only_the_bots_own_mention_is_stripped():
    assert strip_mention("<@UBOT> who knows <@U2>?", "UBOT") == "who knows <@U2>?"
    assert strip_mention("<@UBOT>", "UBOT") == ""


def test_command_words_in_plain_language_go_to_the_assistant_when_it_is_available():
    plain = "add a note to acme saying hi"
    assert wants_command("lists", assistant=True)
    assert wants_command(plain, assistant=False)  # the usage help then
    assert not wants_command(plain, assistant=True)
    assert wants_command("/affinity add a note", assistant=True)
    assert not wants_command("who knows jane?", assistant=True)
    assert not wants_command("who knows jane?", assistant=False)


def test_a_malformed_agent_limit_stops_start_up_naming_it():
    import pytest

    from bot.agent import build_agent
    from bot.config import ConfigError, Settings

    # The limits are read with every other setting, once: start-up lists the bad one.
    env = {"ANTHROPIC_API_KEY": "sk-ant-x", "AGENT_MAX_TOOL_ITERATIONS": "lots"}
    _, problems = Settings.read_env(env, env_file=None)
    assert problems == ["AGENT_MAX_TOOL_ITERATIONS must be a number, got 'lots'"]
    with pytest.raises(ConfigError, match="AGENT_MAX_TOOL_ITERATIONS"):
        Settings.from_env({**env, "AGENT_MAX_TOOL_ITERATIONS": "0"}, env_file=None)
    assert build_agent(Settings(), None, None) is None  # type: ignore[arg-type]


def test_today_in_a_time_zone():
    import datetime as dt

    from bot.features.conversation.timezones import today_in

    now = dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC)
    assert today_in("America/Los_Angeles", now) == dt.date(2026, 11, 27)
    assert today_in("UTC", now) == dt.date(2026, 11, 28)
    assert today_in("Asia/Tokyo", now.replace(hour=20)) == dt.date(2026, 11, 29)
