"""A DM in the instant after connecting, before the lists are cached: the assistant's prompt
still has the user's lists (the turn reads them), never "no cached lists"."""

from __future__ import annotations

from affinity_client import AffinityClient
from bot.connector import CONNECTION, identifier_for
from bot.devtools.fake_anthropic import reply
from tests.bot.test_conversation_support import *  # noqa: F403  (fixtures)
from tests.bot.test_conversation_support import _v2_whoami, answer_with
from vault import AffinityProfile


def test_a_dm_before_the_lists_are_cached_gets_them_in_the_prompt(chat_app, api, sandbox):
    from affinity_client.sandbox import seed

    client = AffinityClient(seed.ADMIN_KEY, base_url=sandbox.base_url)
    profile = AffinityProfile.from_whoami(_v2_whoami(client.whoami()))
    client.close()
    identifier = identifier_for(chat_app.slack.team_id, chat_app.slack.user_id)
    chat_app.services.vault.connect(CONNECTION, identifier, seed.ADMIN_KEY, profile)  # no lists

    api.add(reply("Your Series A pipeline has 42 deals."))
    chat_app.slack.message_im("what's in our series a pipeline?")
    answer_with(chat_app.fake, "42 deals", timeout=15)

    system = api.message_requests[0].system_text
    assert "no cached Affinity lists" not in system
    assert f"Series A Pipeline (id {seed.LISTS['Series A Pipeline']}, opportunity list)" in system
