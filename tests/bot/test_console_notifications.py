"""The console drives list subscriptions: a colleague moves a deal (`/act-as`), `/poll` reads the
followed list, and the change shows as the bot's message in #deals."""

from __future__ import annotations

from pathlib import Path

from tests.bot.test_console import CONNECT, after, data_dir, run_console  # noqa: F401 (fixture)


def test_act_as_then_poll_shows_the_channel_message(data_dir: Path) -> None:  # noqa: F811
    output = run_console(
        data_dir,
        [
            *CONNECT,
            '/affinity follow "Series A Pipeline"',
            "/poll",
            "/act-as standard stage 30001 IC",
            "/poll",
            "/act-as standard stage 30001 Nowhere",
            "/act-as",
            "/quit",
        ],
    )

    assert "Following *Series A Pipeline*" in after(output, '/affinity follow "Series A Pipeline"')
    assert "[bot · #deals]" not in after(output, "/poll")  # nothing happened yet
    moved = after(output, "/act-as standard stage 30001 IC")
    assert "standard moved deal 30001 to IC" in moved
    posted = after(output, "/poll", -1)
    assert "polled 1 followed list: 1 change to post" in posted
    assert "[bot · #deals]" in posted
    assert "Acme" in posted and "IC" in posted and "Daniel Okafor" in posted
    assert "stage must be one of" in after(output, "/act-as standard stage 30001 Nowhere")
    assert "Usage: /act-as ROLE stage" in after(output, "/act-as")
