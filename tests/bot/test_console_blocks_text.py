"""Block Kit as terminal text (bot/devtools/blocks_text.py): what the console prints."""

from __future__ import annotations

from bot.blocks.connection import connect_modal
from bot.devtools.blocks_text import mrkdwn_to_text, render_blocks, render_message, render_view


def test_mrkdwn_links_mentions_dates_entities_and_emoji_read_as_text() -> None:
    text = (
        "<https://northwind.affinity.co/persons/2001|Jane Smith> met <@U0MAYA001> on "
        "<!date^1764000000^{date_short}|24 Nov 2026> &lt;b&gt; &amp; :white_check_mark: "
        ":unknown_emoji: <!here> <#C1|deals> <https://acme.com>"
    )
    assert mrkdwn_to_text(text) == (
        "Jane Smith met @U0MAYA001 on 24 Nov 2026 <b> & ✓ :unknown_emoji: @here #deals "
        "https://acme.com"
    )
    assert mrkdwn_to_text("<https://x.co/a|A>", link_urls=True) == "A (https://x.co/a)"


def test_buttons_are_numbered_in_order_and_carry_their_action() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Series A"}},
        {
            "type": "section",
            "block_id": "s1",
            "text": {"type": "mrkdwn", "text": "*Diligence*"},
            "accessory": {
                "type": "button",
                "action_id": "open",
                "url": "https://a.co",
                "text": {"type": "plain_text", "text": "Open"},
            },
        },
        {"type": "divider"},
        {
            "type": "actions",
            "block_id": "acts",
            "elements": [
                {
                    "type": "button",
                    "action_id": "affinity_more",
                    "value": "p2",
                    "text": {"type": "plain_text", "text": "More"},
                },
                {
                    "type": "static_select",
                    "action_id": "pick",
                    "placeholder": {"type": "plain_text", "text": "Choose"},
                    "options": [{"text": {"type": "plain_text", "text": "Acme"}, "value": "5001"}],
                },
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "page 1"}]},
    ]
    rendered = render_blocks(blocks, first_number=7)

    assert rendered.text.splitlines() == [
        "Series A",
        "========",
        "*Diligence*",
        "  [7] Open (https://a.co)",
        "-" * 40,
        "  [8] More   [9] Choose ▾ 1:Acme",
        "  page 1",
    ]
    more = rendered.controls[1]
    assert (more.number, more.action_id, more.block_id, more.value) == (
        8,
        "affinity_more",
        "acts",
        "p2",
    )
    assert rendered.controls[2].options == (("Acme", "5001"),)


def test_a_message_without_blocks_shows_its_text() -> None:
    assert (
        render_message({"text": "Working on it… :hourglass_flowing_sand:"}).text
        == "Working on it… ⏳"
    )


def test_the_connect_modal_lists_its_key_input_and_buttons() -> None:
    rendered = render_view(connect_modal({}))

    assert rendered.text.startswith("┌ Connect Affinity ┐")
    assert rendered.text.rstrip().endswith("[Connect] [Cancel]")
    [key] = rendered.inputs
    assert (key.block_id, key.action_id, key.label) == (
        "affinity_api_key",
        "affinity_api_key_input",
        "Affinity API key",
    )
    assert key.element_type == "plain_text_input" and not key.optional
