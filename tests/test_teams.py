"""Teams end to end: the real aiohttp app on 127.0.0.1, a fake Bot Framework connector on loopback.

`server` is the production set-up: an app id, and every activity carries a token that the real
botbuilder code validates against keys a fake Bot Framework publishes on loopback
(tests/fake_bot_framework.py). `emulator_server` is the Bot Framework Emulator's local mode."""
from __future__ import annotations

import asyncio

import json

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import build_app
from bot.server import HUB
from bot.teams import TEAMS_CHANNEL
from bot.teams.cards import reply_to_card, submitted_action
from domain.messages import Button, Form, FormField, Notification, Reply
from storage import conversation_refs
from storage.roster import accounts_of
from tests.fake_bot_framework import OUTGOING_TOKEN, FakeBotFramework
from tests.fake_connector import FakeConnector

APP_ID = "11111111-2222-3333-4444-555555555555"
STAFF_AAD = "00000000-0000-0000-0000-000000000001"
FRIEND_QUESTION = "can I accept a friend request from an ex-pupil?"


def activity(connector: FakeConnector, text: str | None = None, *, conversation_type: str = "personal",
             conversation_id: str = "a:conv-personal", value=None, activity_type: str = "message",
             user_id: str = "29:user1", aad: str | None = STAFF_AAD, **extra) -> dict:
    sender = {"id": user_id, "name": "A Staff"}
    if aad:
        sender["aadObjectId"] = aad
    body = {
        "type": activity_type, "id": "act-1", "timestamp": "2026-11-26T10:00:00.000Z",
        "serviceUrl": connector.url, "channelId": "msteams", "from": sender,
        "conversation": {"id": conversation_id, "conversationType": conversation_type, "tenantId": "tenant-1"},
        "recipient": {"id": "28:policybot", "name": "Policy Bot"},
        "channelData": {"tenant": {"id": "tenant-1"}}, "locale": "en-GB", **extra,
    }
    if text is not None:
        body["text"] = text
    if value is not None:
        body["value"] = value
    return body


@pytest.fixture
def connector():
    with FakeConnector() as fake:
        yield fake


async def start(services, env: dict | None = None):
    app = build_app(services, env=env or {})
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


AUTHED_ENV = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "not-a-secret", "MicrosoftAppType": "MultiTenant"}
EMULATOR_ENV = {"POLICYBOT_TEAMS_EMULATOR": "1"}


@pytest.fixture
def issuer(monkeypatch):
    with FakeBotFramework() as fake:
        fake.install(monkeypatch)
        yield fake


@pytest.fixture
async def server(services, issuer):
    """An app id, and every activity `post`ed signed by the fake Bot Framework for its serviceUrl."""
    running = await start(services, AUTHED_ENV)
    running.issuer = issuer
    yield running
    await running.close()


@pytest.fixture
async def emulator_server(services):
    running = await start(services, EMULATOR_ENV)
    yield running
    await running.close()


@pytest.fixture
async def authed_server(services):
    """An app id, and no token unless a test sends one."""
    running = await start(services, AUTHED_ENV)
    yield running
    await running.close()


async def post(server, body, headers=None, raw: bytes | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json", **(headers or {})}
    signer = getattr(server, "issuer", None)
    if signer is not None and isinstance(body, dict) and "Authorization" not in headers:
        headers["Authorization"] = signer.bearer(APP_ID, service_url=body.get("serviceUrl"))
    data = raw if raw is not None else json.dumps(body).encode()
    async with aiohttp.ClientSession() as session:
        async with session.post(server.make_url("/api/messages"), data=data, headers=headers) as response:
            return response.status, await response.text()


async def post_accepted(server, body: dict) -> None:
    """Post an activity the bot must take: a refusal fails here, not later as a reply never seen."""
    status, text = await post(server, body)
    assert status in (200, 202), f"the bot refused the activity: {status} {text}"


async def turns_done(server) -> None:
    await server.app[TEAMS_CHANNEL].drain()


def pending_keys(services) -> set[str]:
    """Keys of messages still waiting in the outbox (other features may queue their own too)."""
    return {row["key"] for row in services.db["outbox"].rows_where("status = 'pending'")}


async def first_attempt_recorded(services, key: str, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        rows = list(services.db["outbox"].rows_where("key = :key AND attempts > 0", {"key": key}))
        if rows:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no delivery attempt was recorded for {key}")


def actions_of(card: dict) -> list[dict]:
    return card.get("actions", [])


# --- answering ---------------------------------------------------------------------------------

async def test_message_is_answered_with_an_adaptive_card_at_the_connector(server, connector):
    status, _ = await post(server, activity(connector, FRIEND_QUESTION))
    assert status in (200, 201, 202)
    await turns_done(server)
    [reply] = connector.wait_for(lambda call: call.is_reply)
    assert reply.conversation_id == "a:conv-personal"
    [card] = reply.cards
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert "friend request" in reply.text.lower()
    quoted = [item for item in card["body"] if item["type"] == "Container"]
    assert quoted, "the policy's own words are shown as a quoted container"


async def test_sender_is_linked_to_the_roster_by_email_from_the_connector(server, connector, services):
    """By their Entra object id, with the email from the connector the token vouched for."""
    await post_accepted(server, activity(connector, FRIEND_QUESTION))
    await turns_done(server)
    assert accounts_of(services.db, "staff") == {"teams": STAFF_AAD}
    [lookup] = connector.calls_to("GET", "/v3/conversations/a:conv-personal/members/29:user1")
    assert lookup.headers.get("Authorization") == f"Bearer {OUTGOING_TOKEN}"  # the bot's own credentials


async def test_member_lookup_failure_still_answers(server, connector, services):
    connector.member = lambda user_id: None  # 404 from the connector's member API
    await post_accepted(server, activity(connector, FRIEND_QUESTION))
    await turns_done(server)
    [reply] = connector.wait_for(lambda call: call.is_reply)
    assert reply.cards
    assert accounts_of(services.db, "staff") == {}


async def test_card_submit_is_handled(server, connector):
    submit = activity(connector, value={"action": "ask.clause", "value": {"clause": "3-4"}})
    status, _ = await post(server, submit)
    assert status == 202
    await turns_done(server)
    [reply] = connector.wait_for(lambda call: call.is_reply)
    card = reply.cards[0]
    assert card["body"][0]["text"].startswith("Section 3")
    assert "friend requests" in reply.text


async def test_buttons_on_an_answer_card_work_when_pressed(server, connector):
    await post_accepted(server, activity(connector, FRIEND_QUESTION))
    await turns_done(server)
    [answer] = connector.wait_for(lambda call: call.is_reply)
    buttons = [a for a in actions_of(answer.cards[0]) if a["type"] == "Action.Submit"]
    assert buttons, "the answer offers buttons (feedback, see also)"
    connector.clear()

    # Teams sends the pressed button's data back as the message's value, with no text.
    await post_accepted(server, activity(connector, value=buttons[0]["data"]))
    await turns_done(server)
    [reply] = connector.wait_for(lambda call: call.is_reply)
    assert reply.cards
    assert "no longer active" not in reply.text and "couldn't read" not in reply.text


async def test_forged_card_submit_gets_a_polite_answer(server, connector):
    await post_accepted(server, activity(connector, value={"action": ["not", "a", "string"]}))
    await turns_done(server)
    [reply] = connector.wait_for(lambda call: call.is_reply)
    assert "couldn't read that card" in reply.text


async def test_channel_mention_is_answered_in_the_channel(server, connector):
    body = activity(connector, f"<at>Policy Bot</at> {FRIEND_QUESTION}", conversation_type="channel",
                    conversation_id="19:team-channel@thread.skype;messageid=1",
                    entities=[{"type": "mention", "text": "<at>Policy Bot</at>",
                               "mentioned": {"id": "28:policybot", "name": "Policy Bot"}}])
    await post_accepted(server, body)
    await turns_done(server)
    [reply] = connector.wait_for(lambda call: call.is_reply)
    assert reply.conversation_id == "19:team-channel@thread.skype;messageid=1"
    assert "friend request" in reply.text.lower()


async def test_new_member_is_welcomed_but_not_the_bot(server, connector):
    update = activity(connector, activity_type="conversationUpdate",
                      membersAdded=[{"id": "28:policybot"}, {"id": "29:user1"}])
    await post_accepted(server, update)
    await turns_done(server)
    replies = connector.wait_for(lambda call: call.is_reply)
    assert len(replies) == 1
    assert "Policy Bot" in replies[0].cards[0]["body"][0]["text"]


async def test_bot_added_alone_says_nothing(server, connector):
    await post_accepted(server, activity(connector, activity_type="conversationUpdate", membersAdded=[{"id": "28:policybot"}]))
    await turns_done(server)
    assert connector.replies == []


# --- bad input and authentication --------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer abc.def.ghi"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiIxMTExIn0."},  # unsigned JWT
])
async def test_with_an_app_id_unauthenticated_activities_are_refused(authed_server, connector, headers):
    status, body = await post(authed_server, activity(connector, "hello"), headers)
    assert status == 401
    assert "Traceback" not in body
    await turns_done(authed_server)
    assert connector.calls == []


@pytest.mark.parametrize("raw, content_type", [
    (b"{not json", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'{"type": "message"}', "application/json"),  # no serviceUrl / conversation
    (b'{"type": "message", "serviceUrl": "x", "conversation": "not an object"}', "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    (json.dumps({"type": "message", "text": "hi"}).encode(), "text/plain"),
    (b"", "application/json"),
    (b"x" * (1024 * 1024), "application/json"),
    (b'{"pad": "' + b"x" * (1024 * 1024) + b'"}', "application/json"),
])
@pytest.mark.parametrize("which", ["emulator", "authed"])
async def test_bad_requests_get_a_4xx_and_the_server_keeps_serving(emulator_server, authed_server, connector, raw,
                                                                  content_type, which):
    target = emulator_server if which == "emulator" else authed_server
    status, body = await post(target, None, {"Content-Type": content_type}, raw=raw)
    assert 400 <= status < 500, (status, body)
    async with aiohttp.ClientSession() as session:
        async with session.get(target.make_url("/healthz")) as response:
            assert response.status == 200
    assert connector.calls == []


# --- privacy and proactive delivery ------------------------------------------------------------

async def test_proactive_message_waits_in_the_outbox_while_the_connector_is_down(server, connector, services, clock):
    await post_accepted(server, activity(connector, FRIEND_QUESTION))
    await turns_done(server)
    assert accounts_of(services.db, "staff") == {"teams": STAFF_AAD}
    dispatcher = server.app[HUB].dispatcher
    connector.clear()
    connector.down = True

    services.notify(Notification("staff", Reply("Your safeguarding training is due.", title="Training"),
                                 key="training-due:staff:2026"))
    await dispatcher.deliver_due()
    assert "training-due:staff:2026" in pending_keys(services)
    assert connector.replies, "a delivery was attempted"

    connector.down = False
    seen = len(connector.calls)
    clock.advance(hours=2)
    await dispatcher.deliver_due()
    await dispatcher.deliver_due()
    delivered = [c for c in connector.calls[seen:] if c.is_reply]
    assert len(delivered) == 1
    assert delivered[0].conversation_id == "a:conv-personal"
    assert "training is due" in delivered[0].text
    assert "training-due:staff:2026" not in pending_keys(services)


async def test_person_never_seen_on_teams_waits_in_the_outbox(server, connector, services):
    from storage.roster import link_account

    link_account(services.db, "teams", "aad-of-clarke", "clarke")
    services.notify(Notification("clarke", Reply("Hello"), key="hello-clarke"))
    await server.app[HUB].dispatcher.deliver_due()
    assert pending_keys(services) >= {"hello-clarke"}
    assert connector.calls == []


async def test_proactive_to_someone_seen_only_in_a_channel_opens_a_private_chat(server, connector, services):
    channel_id = "19:team-channel@thread.skype"
    await post_accepted(server, activity(connector, f"<at>Policy Bot</at> {FRIEND_QUESTION}",
                                conversation_type="channel", conversation_id=channel_id))
    await turns_done(server)
    assert conversation_refs.personal(services.db, "teams", STAFF_AAD) is None
    connector.clear()

    services.notify(Notification("staff", Reply("Confidential: your report was received.", private=True),
                                 key="report-ack"))
    await server.app[HUB].dispatcher.deliver_due()

    [created] = connector.calls_to("POST", "/v3/conversations")[:1]
    assert created.path == "/v3/conversations"
    assert created.body["members"][0]["id"] == "29:user1"
    assert created.body["channelData"]["tenant"]["id"] == "tenant-1"
    [sent] = connector.wait_for(lambda call: call.is_reply)
    assert sent.conversation_id.startswith("personal-")
    assert channel_id not in sent.path
    assert conversation_refs.personal(services.db, "teams", STAFF_AAD)["conversation"]["id"] == sent.conversation_id


async def test_private_reply_to_a_channel_message_goes_to_a_personal_chat_only(server, connector, services):
    channel_id = "19:team-channel@thread.skype;messageid=9"
    await post_accepted(server, activity(connector, "<at>Policy Bot</at> who am I?", conversation_type="channel",
                                conversation_id=channel_id))
    await turns_done(server)
    in_channel = [call for call in connector.replies if call.conversation_id == channel_id]
    elsewhere = [call for call in connector.replies if call.conversation_id != channel_id]
    assert [call.cards[0]["body"][0]["text"] for call in in_channel] == ["I've sent you the details in a private chat."]
    assert "You are" not in json.dumps([call.cards for call in in_channel])
    [private] = elsewhere
    assert private.conversation_id.startswith("personal-")
    assert "You are A Staff" in private.text
    assert connector.calls_to("POST", "/v3/conversations")


async def test_reply_not_sent_while_the_connector_is_down_is_kept_in_the_outbox(server, connector, services, clock):
    await post_accepted(server, activity(connector, FRIEND_QUESTION))  # links the account, stores the reference
    await turns_done(server)
    connector.down = True
    await post_accepted(server, activity(connector, "can I post photos of pupils on my own instagram?", id="act-2"))
    await turns_done(server)
    assert pending_keys(services) == {"teams-reply:act-2:0"}
    # The turn's own delivery attempt may still be failing on a slow machine: let it record its
    # failure (and its retry time) before the connector comes back and the clock moves on.
    await first_attempt_recorded(services, "teams-reply:act-2:0")
    connector.down = False
    clock.advance(hours=2)
    connector.clear()
    await server.app[HUB].dispatcher.deliver_due()
    [delivered] = connector.replies
    assert "instagram" in delivered.text.lower() or delivered.cards
    assert pending_keys(services) == set()


# --- cards -------------------------------------------------------------------------------------

def test_reply_renders_every_part_as_adaptive_card_elements():
    reply = Reply(
        "Body text", title="Title", quote="The policy's words.", quote_source="Section 3 — Staff",
        facts=[("Status", "Waiting")], notes=["Small print"],
        buttons=[Button("Approve", "draft.approve", {"draft": 7}, style="primary")],
        form=Form("Report a concern", "report.submit", (
            FormField("what", "What happened", kind="multiline"),
            FormField("when", "When", kind="date", required=False),
            FormField("who", "Who", kind="choice", options=(("pupil", "A pupil"), ("adult", "An adult"))),
        ), value={"flow": "r1"}))
    card = reply_to_card(reply)
    types = [element["type"] for element in card["body"]]
    assert types == ["TextBlock", "TextBlock", "Container", "FactSet", "TextBlock", "TextBlock",
                     "Input.Text", "Input.Date", "Input.ChoiceSet"]
    assert card["body"][2]["items"][1]["text"] == "Section 3 — Staff"
    assert card["body"][4]["isSubtle"] is True
    assert card["body"][6]["isMultiline"] is True
    assert card["body"][8]["choices"] == [{"title": "A pupil", "value": "pupil"}, {"title": "An adult", "value": "adult"}]
    submit, approve = card["actions"]
    assert submit["data"] == {"action": "report.submit", "value": {"flow": "r1"}}
    assert approve == {"type": "Action.Submit", "title": "Approve", "style": "positive",
                       "data": {"action": "draft.approve", "value": {"draft": 7}}}


@pytest.mark.parametrize("value, expected", [
    ({"action": "report.submit", "value": {"flow": "r1"}, "what": "text"},
     ("report.submit", {"what": "text", "flow": "r1"})),
    ({"action": "x", "value": {"flow": "r1"}, "flow": "forged"}, ("x", {"flow": "r1"})),
    ({"action": "x", "value": "not a dict"}, ("x", {})),
    ({"action": ""}, (None, {})),
    ({"action": 5}, (None, {})),
    ({"action": "x" * 500}, (None, {})),
    ("a string", (None, {})),
    (None, (None, {})),
])
def test_card_submits_are_read_defensively(value, expected):
    assert submitted_action(value) == expected


@pytest.mark.sqlite_only  # a SQLite lock held by another program (a backup, a CLI command)
async def test_a_message_is_still_answered_while_another_program_holds_the_database_lock(server, connector, services):
    import sqlite3

    path = services.db.execute("PRAGMA database_list").fetchone()[2]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # saving the conversation reference now waits, then fails
    try:
        status, _ = await post(server, activity(connector, FRIEND_QUESTION))
        await turns_done(server)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert status in (200, 201, 202)
    [reply] = connector.wait_for(lambda call: call.is_reply, timeout=10)
    assert "friend request" in reply.text.lower()  # answered, not dropped with the reference
