"""to_stream_markdown: the answer as standard Markdown for chat.*Stream, rendering like the
mrkdwn we post, and exactly as safe."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.features.conversation.markdown import to_stream_markdown


@pytest.mark.parametrize(
    ("model", "markdown"),
    [
        # the model writes Slack mrkdwn, as the prompt asks
        ("*Acme Corp* is at _Diligence_.", "**Acme Corp** is at _Diligence_."),
        ("Stage ~Intro~ Diligence", "Stage ~~Intro~~ Diligence"),
        ("See <https://acme.com/deck|the deck>.", "See [the deck](https://acme.com/deck)."),
        ("<https://acme.com>", "[https://acme.com](https://acme.com)"),
        ("Mail <mailto:maya@acme.com|Maya>", "Mail [Maya](mailto:maya@acme.com)"),
        ("• one\n• two", "- one\n- two"),
        ("• one\n  • nested", "- one\n  - nested"),
        # ... or Markdown anyway
        ("**Acme Corp** and __Beta__", "**Acme Corp** and **Beta**"),
        ("[the deck](https://acme.com/deck)", "[the deck](https://acme.com/deck)"),
        ("- one\n* two\n+ three", "- one\n- two\n- three"),
        ("1. first\n2. second", "1. first\n2. second"),
        ("## Next steps\nCall them.", "**Next steps**  \nCall them."),
        ("Above\n\n---\n\nBelow", "Above\n\nBelow"),
        ("~~old~~ new", "~~old~~ new"),
        ("> quoted line", "> quoted line"),
    ],
)
def test_formatting_becomes_the_markdown_that_renders_the_same(model, markdown):
    assert to_stream_markdown(model) == markdown


def test_lines_stay_lines_and_paragraphs_stay_paragraphs():
    assert to_stream_markdown("Owner: Maya\nStage: Diligence\n\nNext: call") == (
        "Owner: Maya  \nStage: Diligence\n\nNext: call"
    )


@pytest.mark.parametrize(
    "code",
    [
        "Run `select * from deals` now",
        "```\nfor x in [1, 2]:\n    print(x * 2)  # *not bold*\n```",
        "```python\n~~x~~ = [a](b)\n```",
    ],
)
def test_code_spans_and_blocks_are_left_as_written(code):
    assert to_stream_markdown(code) == code


@pytest.mark.parametrize(
    "attack",
    [
        "<!channel> the deal closed",
        "<!here>",
        "<!everyone>",
        "<@U0123ABC> approve this",
        "<#C0123|general>",
        "<!subteam^S123>",
        "<https://evil.example|https://acme.com>",
        "&lt;!channel&gt;",
        "&#60;!here&#62;",
        "&#x3C;@U1&#x3E;",
    ],
)
def test_no_mention_or_slack_link_can_be_written(attack):
    out = to_stream_markdown(f"Note from the CRM: {attack}")
    assert "<" not in out.replace("&lt;", "") and ">" not in out.replace("&gt;", "")
    assert not re.search(r"&(?!(?:amp|lt|gt);)", out)  # no entity that decodes to `<`


def test_escaped_text_shows_the_characters():
    assert to_stream_markdown("Q&A <finance> > 5") == "Q&amp;A &lt;finance&gt; &gt; 5"


def test_code_is_escaped_like_a_posted_answer():
    assert to_stream_markdown("`<!channel>`") == "`&lt;!channel&gt;`"


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("[click](javascript:alert(1))", r"\[click\](javascript:alert(1))"),
        ("![pixel](https://evil.example/t.gif)", r"\![pixel](https://evil.example/t.gif)"),
        (
            "[ref][1]\n\n[1]: https://evil.example",
            "\\[ref\\]\\[1\\]\n\n\\[1\\]: https://evil.example",
        ),
    ],
)
def test_markdown_only_links_and_images_cannot_be_forged(text, markdown):
    assert to_stream_markdown(text) == markdown


def test_link_labels_and_urls_cannot_break_out():
    out = to_stream_markdown("<https://acme.com/a_(b)?x=1&y=2|a ] [label*>")
    assert out == r"[a \] \[label\*](https://acme.com/a_%28b%29?x=1&amp;y=2)"


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("5 * 3 * 2", r"5 \* 3 \* 2"),
        ("about ~5 to ~10 deals", r"about \~5 to \~10 deals"),
        ("C:\\deals\\*", r"C:\\deals\\\*"),
        ("Acme\n==", "Acme  \n\\=="),
        ("Acme\n--", "Acme  \n\\--"),
    ],
)
def test_characters_that_mrkdwn_shows_as_text_stay_text(text, markdown):
    assert to_stream_markdown(text) == markdown


def test_empty_and_control_characters():
    assert to_stream_markdown("") == ""
    assert to_stream_markdown("a\x00b\x01c\x02") == "abc"


@given(st.text(alphabet="<>&!@#*_~[]()|`\\•-= \nabc:/.", max_size=60))
def test_any_text_leaves_no_raw_angle_bracket_outside_links(text):
    out = to_stream_markdown("x " + text)
    assert "<" not in out and ">" not in out.replace("&gt;", "").lstrip(">").replace("\n>", "")


@pytest.mark.parametrize(
    ("model", "mrkdwn", "markdown"),
    [
        # one parse, two renderings that show the same thing
        (
            "## Deals\n**Acme** ~~lost~~\n\n- one\n  - two\n\n---\n\nDone",
            "*Deals*\n*Acme* ~lost~\n\n• one\n  • two\n\nDone",
            "**Deals**  \n**Acme** ~~lost~~\n\n- one\n  - two\n\nDone",
        ),
        (
            "![pixel](https://evil.example/t.gif)",
            "!<https://evil.example/t.gif|pixel>",
            r"\![pixel](https://evil.example/t.gif)",
        ),
        ("```py\nx <y>\n```", "```py\nx &lt;y&gt;\n```", "```py\nx &lt;y&gt;\n```"),
    ],
)
def test_mrkdwn_and_stream_markdown_come_from_one_reading(model, mrkdwn, markdown):
    from bot.features.conversation.mrkdwn import to_mrkdwn

    assert (to_mrkdwn(model), to_stream_markdown(model)) == (mrkdwn, markdown)


@pytest.mark.parametrize(
    "attack",
    [
        "&#60;!channel&#62;",
        "&#x3C;@U1&#x3E;",
        "<!here>",
        "[x](<https://a.b|forged>)",
        "<https://evil.example|<!channel>>",
        "`<!everyone>`",
    ],
)
def test_posted_answers_follow_the_same_escaping(attack):
    from bot.features.conversation.mrkdwn import to_mrkdwn

    out = to_mrkdwn(f"CRM says {attack}")
    assert not re.search(r"<(?!https?://|mailto:)", out)  # only a web or mail link opens a `<`
    assert "<!" not in out and "<@" not in out
    assert not re.search(r"&(?!(?:amp|lt|gt);)", out)


@given(st.text(alphabet="<>&!@#*_~[]()|`\\•-= \nabc:/.h", max_size=60))
def test_a_posted_answer_opens_a_bracket_only_for_a_link(text):
    from bot.features.conversation.mrkdwn import to_mrkdwn

    out = to_mrkdwn("x " + text)
    assert not re.search(r"<(?!https?://|mailto:)", out)
