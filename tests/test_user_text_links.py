"""What people type never becomes a live link in the bot's own messages.

A poster's draft and a reporter's concern reach the Deputy Head and the DSL in the bot's name; link
syntax in them (Markdown's `[label](url)`, Slack's `<url|label>`, `<!channel>` and `<@U…>`) must
arrive as text. Slack over the real stack: a modal submission and a button click, signed, to the
real server, and the messages read back from the fake Web API. Teams: the same handlers' replies
(the approval card queued in the outbox, the report view) through the real Adaptive Card renderer.
The bot's own links (bare URLs from data/school.toml) still arrive as they were written.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import build_app
from bot.slack import render as slack_render
from bot.teams.cards import reply_to_card
from domain.messages import Incoming
from handlers.router import Router
from storage import outbox
from storage.roster import get_person, link_account
from tests.fake_slack import FakeSlack, signed_headers

SECRET = "links-signing-secret"
DRAFT = ("Year 4 had a brilliant trip to Marwell Zoo today! [Book next year's trip here](https://evil.example/login) "
         "<!channel> <https://evil.example/pay|Marwell Zoo tickets>")
CONCERN = ("She showed me [this harmless post](https://evil.example/x) and <https://evil.example/chat|the class chat>; "
           "<!channel> <!here> <@U0OKAFOR> saw it too.")
MARKDOWN_LINK = re.compile(r"\][(\[:]")  # what a Markdown renderer needs right after a label
# CommonMark autolinks: <scheme:…> and <someone@example.org>
AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@)")
SLACK_LINK = re.compile(r"<[^>]*>")  # Slack parses anything between < and > in mrkdwn


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return [node] if isinstance(node, str) else []


def _as(services, person_id: str, channel: str = "local", **fields) -> Incoming:
    return Incoming(channel=channel, platform_user_id=person_id, person=get_person(services.db, person_id),
                    conversation_id=f"test:{person_id}", **fields)


def file_report(services, what: str = CONCERN, reporter: str = "clarke") -> str:
    router = Router(services)
    replies = []
    for text in ["report a concern", "no", "1", "1", what, "a Y5 pupil", "today at 9", "the playground",
                 "none", "send"]:
        replies = router.handle(_as(services, reporter, channel="cli", text=text))
    return replies[-1].data["report_ref"]


def outbox_replies(services, person_id: str) -> list:
    return [outbox.payload(services.db, row) for row in services.db["outbox"].rows_where("person_id = :person_id", {"person_id": person_id})]


# --- Slack, over the real server -------------------------------------------------------------------

@pytest.fixture
async def slack(services):
    fake = FakeSlack().__enter__()
    for person in ("okafor", "hughes", "shah", "clarke"):
        link_account(services.db, "slack", "U0" + person.upper(), person)
    env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-links", "SLACK_API_URL": fake.api_url}
    server = TestServer(build_app(services, env=env), host="127.0.0.1")
    await server.start_server()
    session = aiohttp.ClientSession()

    async def interact(payload: dict) -> int:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded")
        async with session.post(server.make_url("/slack/events"), data=body, headers=headers) as response:
            return response.status

    fake.interact = interact
    yield fake
    await session.close()
    await server.close()
    fake.__exit__()


def assert_inert_in_slack(call, typed_links: list[str]) -> None:
    for text in [call.body["text"], *_strings(call.blocks)]:
        live = [tag for tag in SLACK_LINK.findall(text)]
        assert not live, f"live Slack syntax {live} in {text[:200]!r}"
        assert not MARKDOWN_LINK.search(text), text[:200]
    readable = call.blocks_text.replace("\u200b", "")
    for typed in typed_links:  # the words are all still there, as text
        assert typed in readable


async def test_a_draft_reaches_the_deputy_head_on_slack_with_its_links_as_text(slack, services):
    submission = {"type": "view_submission", "team": {"id": "T0SCHOOL"}, "user": {"id": "U0HUGHES"},
                  "trigger_id": "trigger-1",
                  "view": {"id": "V1", "type": "modal", "callback_id": slack_render.FORM_CALLBACK_ID,
                           "private_metadata": json.dumps({"action": "draft.submit", "value": {}}),
                           "state": {"values": {
                               "platform": {"platform": {"type": "static_select",
                                                         "selected_option": {"value": "facebook"}}},
                               "text": {"text": {"type": "plain_text_input", "value": DRAFT}},
                               "pictured": {"pictured": {"type": "plain_text_input", "value": "none"}}}}}}
    assert await slack.interact(submission) == 200
    [card] = await slack.wait_for_async("chat.postMessage", containing="needs your approval")
    assert card.body["channel"] == "D0OKAFOR"
    assert_inert_in_slack(card, ["Book next year's trip here", "&lt;!channel&gt;",
                                 "&lt;https://evil.example/pay|Marwell Zoo tickets&gt;"])


async def test_a_concern_reaches_the_dsl_on_slack_with_its_mentions_and_links_as_text(slack, services):
    ref = file_report(services)
    assert await slack.interact({
        "type": "block_actions", "team": {"id": "T0SCHOOL"}, "user": {"id": "U0SHAH"}, "trigger_id": "t",
        "channel": {"id": "D0SHAH"}, "container": {"type": "message", "channel_id": "D0SHAH"},
        "actions": [{"type": "button", "action_id": "report.view#0", "value": json.dumps({"ref": ref})}]}) == 200
    [view] = await slack.wait_for_async("chat.postMessage", containing="Confidential")
    assert view.body["channel"] == "D0SHAH"
    assert_inert_in_slack(view, ["this harmless post", "&lt;!channel&gt; &lt;!here&gt; &lt;@U0OKAFOR&gt;"])


# --- Teams: the same replies through the Adaptive Card renderer -------------------------------------

def assert_inert_in_card(card: dict, typed: list[str]) -> None:
    texts = [card["fallbackText"]]
    for element in card["body"]:
        texts += [element.get("text", "")] + [item.get("text", "") for item in element.get("items", [])]
        texts += [v for fact in element.get("facts", []) for v in (fact["title"], fact["value"])]
    assert not [t for t in texts if MARKDOWN_LINK.search(t)], "a Markdown link would be live in the card"
    assert not [t for t in texts if AUTOLINK.search(t)], "an autolink would be live"
    readable = "\n".join(texts).replace("\u200b", "")
    for words in typed:  # what the person wrote reads the same
        assert words in readable


def test_the_deputy_heads_approval_card_shows_the_drafts_links_as_text(services):
    router = Router(services)
    router.handle(_as(services, "hughes", action="draft.submit",
                      value={"platform": "facebook", "text": DRAFT + " <info@evil.example>", "pictured": "none"}))
    [approval] = [r for r in outbox_replies(services, "okafor") if "needs your approval" in (r.title or "")]
    assert_inert_in_card(reply_to_card(approval), [DRAFT + " <info@evil.example>"])


def test_the_dsls_view_of_a_concern_shows_its_links_as_text(services):
    ref = file_report(services, what="See [the screenshot](https://evil.example/s.png) and ![x](https://evil.example/t.gif) "
                                      "and [ref][1]\n\n[1]: https://evil.example/ref")
    [view] = Router(services).handle(_as(services, "shah", action="report.view", value={"ref": ref}))
    card = reply_to_card(view)
    assert_inert_in_card(card, ["See [the screenshot](https://evil.example/s.png)", "[1]: https://evil.example/ref"])


def test_the_bots_own_links_stay_as_written(services):
    [reply] = Router(services).handle(_as(services, "clarke", text="acknowledge policy"))
    link = services.config.policy_link
    assert link in reply.text
    card = reply_to_card(reply)
    assert link in card["body"][0]["text"] + card["body"][1]["text"]
    assert link in "\n".join(_strings(slack_render.reply_blocks(reply)))
