"""Meeting prep as the assistant's read tool: "prepare me for my next meeting" runs
`affinity_prepare_meeting` with the user's own key, and the answer names who is coming."""

from __future__ import annotations

from typing import Any

from bot.devtools.fake_anthropic import reply
from tests.bot.test_commands_support import on_the_seeds_day
from tests.bot.test_conversation_support import *  # noqa: F403  (fixtures)
from tests.bot.test_conversation_support import answer_with, connect, tool_json


def test_the_assistant_prepares_the_next_meeting_with_its_prep_tool(
    chat_app_factory: Any, api: Any, sandbox: Any
) -> None:
    morning = on_the_seeds_day(6)  # before today's 15:00 intro call
    app = chat_app_factory(clock=lambda: morning)
    app.fake.set_user(app.slack.user_id, tz="UTC")
    connect(app, app.slack.user_id, sandbox=sandbox)
    tools_offered: list[str] = []

    def answer_from_prep(request: Any) -> Any:
        found = tool_json(request)[0]
        people = [
            f"{a['name']} ({', '.join(o['name'] for o in a.get('organizations') or [])})"
            for a in found["attendees"]
        ]
        return reply(f"*{found['meeting']['title']}* with {'; '.join(people)}.")

    def prepare(request: Any) -> Any:
        tools_offered.extend(t["name"] for t in request.tools)
        return reply(None, ("affinity_prepare_meeting", {}))

    api.add(prepare, answer_from_prep)
    app.slack.message_im("prepare me for my next meeting")

    answer = answer_with(app.fake, "Intro call: LumenData")
    assert "Zain Varga (LumenData)" in answer.text
    assert "affinity_prepare_meeting" in tools_offered
    [found] = tool_json(api.message_requests[1])
    zain = next(a for a in found["attendees"] if a["name"] == "Zain Varga")
    assert zain["organizations"][0]["open_deals"][0]["stage"] == "IC"
    assert "Intro call, promising team." in zain["organizations"][0]["last_note"]["text"]


def test_the_prep_tool_refuses_input_outside_its_schema(
    chat_app_factory: Any, api: Any, sandbox: Any
) -> None:
    app = chat_app_factory()
    connect(app, app.slack.user_id, sandbox=sandbox)
    api.add(
        reply(None, ("affinity_prepare_meeting", {"meeting_id": "soon"})),
        lambda request: reply(f"Tool said: {tool_json(request)[0]}"),
    )
    app.slack.message_im("prep my meeting soon")
    answer_with(app.fake, "Tool said")
    [said] = tool_json(api.message_requests[1])
    assert said == "meeting_id must be a positive whole number."
    assert sandbox.state.request_count("GET", "/v2/meetings") == 0  # nothing was read


def test_the_brief_prepares_todays_meetings_with_outside_people(
    slack_app_factory: Any, fake_slack: Any, sandbox: Any
) -> None:
    from bot.features import commands, connect, notifications, platform
    from tests.bot.test_commands_support import ALICE, run
    from tests.bot.test_commands_support import connect as connect_directly

    morning = on_the_seeds_day(6)
    app = slack_app_factory(
        features=[platform, connect, commands, notifications], clock=lambda: morning
    )
    fake_slack.set_user(ALICE, tz="UTC")
    connect_directly(app, ALICE, sandbox=sandbox)

    text = str(run(app, "brief").params["blocks"])

    intro = text[text.index("Intro call: LumenData") : text.index("Product demo: Crescent")]
    assert "Zain Varga" in intro and "LumenData" in intro
    assert "open deal" in intro and "(IC)" in intro
    assert "last note" in intro and "Intro call, promising team." in intro
    demo = text[text.index("Product demo: Crescent") :]
    assert "Elif Mendes>* · knows Maya Patel best" in demo  # the warmest colleague


def test_app_home_says_which_reads_were_made_for_the_brief(
    slack_app_factory: Any, fake_slack: Any, sandbox: Any
) -> None:
    """The brief's reads are the user's key at work while they were not asking: their App Home
    counts them on one line, made for the brief, and lists their own requests as before."""
    from bot.features import activity, commands, connect, home, notifications, platform
    from tests.bot.test_commands_support import ALICE, run
    from tests.bot.test_commands_support import connect as connect_directly

    morning = on_the_seeds_day(6)
    app = slack_app_factory(
        features=[platform, connect, home, commands, notifications, activity],
        clock=lambda: morning,
    )
    fake_slack.set_user(ALICE, tz="UTC")
    connect_directly(app, ALICE, sandbox=sandbox)
    run(app, "people jane")
    run(app, "brief")
    run(app, "org acme")

    app.slack.as_user(ALICE).app_home_opened()
    shown = fake_slack.wait_for("views.publish", lambda c: "Recent activity" in c.text)
    lines = shown.text[shown.text.index("Recent activity") :].splitlines()[1:]
    brief = [i for i, line in enumerate(lines) if "brief" in line]
    acme = next(i for i, line in enumerate(lines) if "“acme”" in line)
    jane = next(i for i, line in enumerate(lines) if "“jane”" in line)
    assert len(brief) == 1 and acme < brief[0] < jane  # newest first, the brief one line
    assert "reads for your daily brief" in lines[brief[0]] and "See reminders" in lines[brief[0]]
