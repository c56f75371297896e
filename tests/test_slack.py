"""Slack end to end: the real aiohttp server on 127.0.0.1, bolt inside it, a fake Web API on loopback."""
from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

import app as composition
from app import build_app
from bot.server import HUB
from bot.slack import render
from domain.messages import Button, Form, FormField, Reply
from knowledge.answers import Answer, Related
from tests.fake_slack import BOT_USER_ID, FakeSlack, signed_headers

SECRET = "test-signing-secret"
STAFF_USER = "U0CLARKE"
STAFF_EMAIL = "A.Clarke@calmore.example.org"  # case differs from the roster on purpose


STAND_IN_QUOTE = "Staff must not do that."


class StandInKnowledge:
    """Answers every question with one clause and a see-also, so adapter tests need no engine."""

    def answer(self, question: str, audience=None, today=None) -> Answer:
        return Answer(question=question, answered=True, text="No, you must not <ever> do that & more.",
                      section="3", clause="3-2", heading="Personal use", quote=STAND_IN_QUOTE,
                      verdict="no", confidence=0.9, related=[Related("4-1", "Photographs")])


def event_body(event: dict, event_id: str = "Ev001") -> bytes:
    return json.dumps({"token": "t", "team_id": "T0SCHOOL", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()),
                       "authorizations": [{"team_id": "T0SCHOOL", "user_id": BOT_USER_ID, "is_bot": True}],
                       "event": event}).encode()


def dm_event(text: str, user: str = STAFF_USER, channel: str = "D0CLARKE", **extra) -> dict:
    return {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text,
            "ts": "1700000001.000100", "event_ts": "1700000001.000100", **extra}


def interactive_body(payload: dict) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


class SlackHarness:
    def __init__(self, server: TestServer, slack: FakeSlack, session: aiohttp.ClientSession):
        self.server, self.slack, self.session = server, slack, session

    @property
    def hub(self):
        return self.server.app[HUB]

    async def post(self, body: bytes, headers: dict | None = None) -> tuple[int, str]:
        async with self.session.post(self.server.make_url("/slack/events"), data=body,
                                     headers=headers or {}) as response:
            return response.status, await response.text()

    async def signed(self, body: bytes, content_type: str = "application/json", **extra_headers):
        return await self.post(body, {**signed_headers(SECRET, body, content_type=content_type),
                                      **extra_headers})

    async def click(self, block_action: dict, user: str = STAFF_USER, channel: str = "D0CLARKE"):
        payload = {"type": "block_actions", "team": {"id": "T0SCHOOL"}, "api_app_id": "A1",
                   "user": {"id": user, "team_id": "T0SCHOOL"}, "trigger_id": "trigger-1",
                   "channel": {"id": channel}, "container": {"type": "message", "channel_id": channel},
                   "message": {"ts": "1700000000.000001"}, "actions": [block_action]}
        return await self.signed(interactive_body(payload), "application/x-www-form-urlencoded")


def _services(tmp_path, clock, knowledge):
    return composition.build_services(db_path=str(tmp_path / "policybot.db"), clock=clock, knowledge=knowledge)


async def _harness(services):
    slack = FakeSlack(emails={STAFF_USER: STAFF_EMAIL}).__enter__()
    env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.api_url}
    server = TestServer(build_app(services, env=env), host="127.0.0.1")
    await server.start_server()
    session = aiohttp.ClientSession()
    return SlackHarness(server, slack, session)


async def _close(harness: SlackHarness):
    await harness.session.close()
    await harness.server.close()
    harness.slack.__exit__()


@pytest.fixture
async def harness(tmp_path, clock):
    services = _services(tmp_path, clock, StandInKnowledge())
    built = await _harness(services)
    yield built
    await _close(built)
    services.db.close()


@pytest.fixture
async def real_harness(services):
    """The server answering with the real policy engine (tests/conftest.py's `services`)."""
    built = await _harness(services)
    yield built
    await _close(built)


# --- signing ------------------------------------------------------------------------------------

URL_VERIFICATION = json.dumps({"type": "url_verification", "challenge": "ch4llenge", "token": "t"}).encode()


async def test_signed_url_verification_answers_the_challenge(harness):
    status, text = await harness.signed(URL_VERIFICATION)
    assert status == 200
    assert "ch4llenge" in text


@pytest.mark.parametrize("headers", [
    pytest.param({"Content-Type": "application/json"}, id="unsigned"),
    pytest.param(signed_headers("another-secret", URL_VERIFICATION), id="wrong-secret"),
    pytest.param(signed_headers(SECRET, URL_VERIFICATION, timestamp=time.time() - 360), id="six-minutes-old"),
])
async def test_forged_requests_are_refused_and_nothing_is_posted(harness, headers):
    status, _ = await harness.post(URL_VERIFICATION, headers)
    assert status == 401
    forged_dm = event_body(dm_event("hello"), "EvForged")
    status, _ = await harness.post(forged_dm, {**headers, "Content-Type": "application/json"})
    assert status == 401
    assert harness.slack.calls == []


# --- messages -----------------------------------------------------------------------------------

async def test_dm_is_answered_in_the_dm_with_block_kit(harness):
    status, _ = await harness.signed(event_body(dm_event("can I do that?")))
    assert status == 200
    posts = await harness.slack.wait_for_async("chat.postMessage")
    assert len(posts) == 1
    post = posts[0]
    assert post.body["channel"] == "D0CLARKE"
    assert post.headers.get("Authorization") == "Bearer xoxb-test"
    assert "No, you must not &lt;ever&gt; do that &amp; more." in post.blocks_text
    assert "> Staff must not do that." in post.blocks_text
    assert "Section 3 — Personal use" in post.blocks_text
    assert "Staff must not do that." in post.body["text"]


async def test_the_person_is_identified_by_email_once(harness):
    for n in range(2):
        await harness.signed(event_body(dm_event(f"question {n}", ts=f"1700000001.00010{n}"), f"EvId{n}"))
    await harness.slack.wait_for_async("chat.postMessage", count=2)
    assert len(harness.slack.calls_to("users.info")) == 1
    from storage.roster import person_for_account

    assert person_for_account(harness.hub.services.db, "slack", STAFF_USER).id == "clarke"


async def test_an_unknown_user_without_email_is_still_answered(harness):
    await harness.signed(event_body(dm_event("hello?", user="U0STRANGER", channel="D0STRANGER")))
    posts = await harness.slack.wait_for_async("chat.postMessage")
    assert [p.body["channel"] for p in posts] == ["D0STRANGER"]


async def test_dm_question_gets_the_friend_request_clause(real_harness):
    await real_harness.signed(event_body(dm_event("can I accept a friend request from an ex-pupil?")))
    posts = await real_harness.slack.wait_for_async("chat.postMessage")
    assert [p.body["channel"] for p in posts] == ["D0CLARKE"]
    assert "friend requests" in posts[0].blocks_text.lower()


async def test_mention_in_a_channel_is_answered_in_a_thread_without_the_mention(harness):
    seen = []
    harness.hub.router.text_routes.insert(0, _recording_route(seen))
    event = {"type": "app_mention", "channel": "C0STAFFROOM", "user": STAFF_USER,
             "text": f"<@{BOT_USER_ID}> can I post this?", "ts": "1700000002.000200",
             "event_ts": "1700000002.000200"}
    status, _ = await harness.signed(event_body(event, "EvMention"))
    assert status == 200
    posts = await harness.slack.wait_for_async("chat.postMessage")
    assert [(p.body["channel"], p.body["thread_ts"]) for p in posts] == [("C0STAFFROOM", "1700000002.000200")]
    assert [(i.text, i.private) for i in seen] == [("can I post this?", False)]


async def test_a_private_reply_to_a_channel_mention_goes_to_the_dm(harness):
    def confidential(incoming, services):
        return [Reply("Thank you. This stays between you and the DSL.", private=True)]

    from handlers.router import TextRoute

    harness.hub.router.text_routes.insert(0, TextRoute("secret", lambda i, s: True, confidential))
    event = {"type": "app_mention", "channel": "C0STAFFROOM", "user": STAFF_USER,
             "text": f"<@{BOT_USER_ID}> I am worried about a pupil", "ts": "1700000003.000300"}
    await harness.signed(event_body(event, "EvPrivate"))
    posts = await harness.slack.wait_for_async("chat.postMessage")
    assert [p.body["channel"] for p in posts] == ["D0CLARKE"]
    assert harness.slack.calls_to("conversations.open")[0].body["users"] == STAFF_USER
    assert not any(c.body.get("channel", "").startswith("C") for c in harness.slack.calls)


@pytest.mark.parametrize("event", [
    dm_event("edited", subtype="message_changed"),
    dm_event("from a bot", bot_id="B0OTHER"),
    dm_event("my own words", user=BOT_USER_ID),
    {**dm_event("in a channel"), "channel_type": "channel", "channel": "C0STAFFROOM"},
    {"type": "reaction_added", "user": STAFF_USER, "reaction": "thumbsup"},
])
async def test_events_that_are_not_a_person_asking_are_ignored(harness, event):
    status, _ = await harness.signed(event_body(event, "EvIgnore"))
    assert status == 200
    await harness.signed(event_body(dm_event("the real question"), "EvAfter"))
    posts = await harness.slack.wait_for_async("chat.postMessage", containing=STAND_IN_QUOTE)
    assert [p.body["channel"] for p in posts] == ["D0CLARKE"]  # only the real question's answer
    assert len(await harness.slack.wait_for_async("chat.postMessage", count=2, timeout=0.3,
                                                  containing=STAND_IN_QUOTE)) == 1


async def test_a_retried_event_is_answered_once(harness):
    body = event_body(dm_event("can I do that?"), "EvRetried")
    assert (await harness.signed(body))[0] == 200
    assert (await harness.signed(body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}))[0] == 200
    await harness.slack.wait_for_async("chat.postMessage", containing=STAND_IN_QUOTE)
    assert len(await harness.slack.wait_for_async("chat.postMessage", count=2, timeout=0.5,
                                                  containing=STAND_IN_QUOTE)) == 1


# --- interactivity ------------------------------------------------------------------------------

def _recording_route(seen: list):
    from handlers.router import TextRoute

    def record(incoming, services):
        seen.append(incoming)
        return [Reply("noted")]

    return TextRoute("record", lambda i, s: True, record)


async def test_a_button_round_trips_its_action_and_value(harness):
    value = {"clause": "4-1", "note": "ünïcode <&>", "n": 3}
    received = []

    def offer(incoming, services):
        return [Reply("Pick one", buttons=[Button("Other", "test.other"), Button("This one", "test.pick", value)])]

    def picked(incoming, services):
        received.append((incoming.action, incoming.value, incoming.person and incoming.person.id))
        return [Reply(f"You picked {incoming.value['clause']}")]

    from handlers.router import TextRoute

    harness.hub.router.text_routes.insert(0, TextRoute("offer", lambda i, s: True, offer))
    harness.hub.router.actions["test"] = picked
    await harness.signed(event_body(dm_event("show me buttons"), "EvButtons"))
    posted = (await harness.slack.wait_for_async("chat.postMessage"))[0]
    elements = [e for block in posted.blocks if block["type"] == "actions" for e in block["elements"]]
    assert len({e["action_id"] for e in elements}) == len(elements) == 2
    status, _ = await harness.click({"type": "button", **{k: elements[1][k] for k in ("action_id", "value")},
                                     "block_id": "b1", "action_ts": "1"})
    assert status == 200
    posts = await harness.slack.wait_for_async("chat.postMessage", count=2)
    assert received == [("test.pick", value, "clarke")]
    assert posts[1].body["channel"] == "D0CLARKE"
    assert "You picked 4-1" in posts[1].blocks_text


async def test_a_see_also_button_click_is_answered(harness):
    await harness.signed(event_body(dm_event("can I do that?"), "EvSeeAlso"))
    posted = (await harness.slack.wait_for_async("chat.postMessage"))[0]
    see_also = next(e for b in posted.blocks if b["type"] == "actions" for e in b["elements"]
                    if e["text"]["text"].startswith("See also"))
    await harness.click({"type": "button", "action_id": see_also["action_id"], "value": see_also["value"]})
    posts = await harness.slack.wait_for_async("chat.postMessage", count=2)
    assert len(posts) == 2 and posts[1].body["channel"] == "D0CLARKE"


@pytest.mark.parametrize("value", ["not json", "[1, 2]", "", None])
async def test_a_forged_button_value_is_handled_politely(harness, value):
    received = []
    harness.hub.router.actions["test"] = lambda incoming, services: received.append(incoming.value) or [Reply("ok")]
    action = {"type": "button", "action_id": "test.pick#0"}
    if value is not None:
        action["value"] = value
    status, _ = await harness.click(action)
    assert status == 200
    await harness.slack.wait_for_async("chat.postMessage")
    assert received == [{}]


async def test_a_form_opens_as_a_modal_and_its_submission_reaches_the_handler(harness):
    form = Form(title="Report a concern", submit_action="test.submit",
                fields=(FormField("what", "What happened?", kind="multiline"),
                        FormField("when", "When", kind="date", required=False),
                        FormField("who", "Who", kind="choice", options=(("pupil", "A pupil"), ("staff", "Staff")))),
                value={"report_id": "r-1"})
    received = []
    from handlers.router import TextRoute

    harness.hub.router.text_routes.insert(
        0, TextRoute("form", lambda i, s: True, lambda i, s: [Reply("Please fill this in.", form=form)]))
    harness.hub.router.actions["test"] = lambda incoming, services: received.append(
        (incoming.action, incoming.value)) or [Reply("Received, thank you.", private=True)]

    await harness.signed(event_body(dm_event("report"), "EvForm"))
    posted = (await harness.slack.wait_for_async("chat.postMessage"))[0]
    open_button = next(e for b in posted.blocks if b["type"] == "actions" for e in b["elements"])
    assert open_button["action_id"].startswith(render.OPEN_FORM_ACTION)
    await harness.click({"type": "button", "action_id": open_button["action_id"], "value": open_button["value"]})
    opened = (await harness.slack.wait_for_async("views.open"))[0]
    assert opened.body["trigger_id"] == "trigger-1"
    view = opened.body["view"] if isinstance(opened.body["view"], dict) else json.loads(opened.body["view"])
    assert [b["block_id"] for b in view["blocks"]] == ["what", "when", "who"]

    submission = {"type": "view_submission", "team": {"id": "T0SCHOOL"}, "user": {"id": STAFF_USER},
                  "trigger_id": "trigger-2",
                  "view": {"id": "V1", "type": "modal", "callback_id": view["callback_id"],
                           "private_metadata": view["private_metadata"],
                           "state": {"values": {
                               "what": {"what": {"type": "plain_text_input", "value": "A comment online"}},
                               "when": {"when": {"type": "datepicker", "selected_date": "2026-11-20"}},
                               "who": {"who": {"type": "static_select", "selected_option": {"value": "pupil"}}},
                           }}}}
    status, _ = await harness.signed(interactive_body(submission), "application/x-www-form-urlencoded")
    assert status == 200
    posts = await harness.slack.wait_for_async("chat.postMessage", count=2)
    assert received == [("test.submit", {"what": "A comment online", "when": "2026-11-20", "who": "pupil",
                                         "report_id": "r-1"})]
    assert posts[1].body["channel"] == "D0CLARKE"


async def test_policy_slash_command_acks_and_responds_ephemerally(harness):
    body = urlencode({"command": "/policy", "text": "can I do that?", "user_id": STAFF_USER,
                      "channel_id": "C0STAFFROOM", "channel_name": "staffroom", "team_id": "T0SCHOOL",
                      "trigger_id": "trigger-3", "response_url": harness.slack.response_url()}).encode()
    status, _ = await harness.signed(body, "application/x-www-form-urlencoded")
    assert status == 200
    responses = await harness.slack.wait_for_async("response_url")
    assert responses[0].body["response_type"] == "ephemeral"
    assert "Staff must not do that." in responses[0].blocks_text
    assert harness.slack.calls_to("chat.postMessage") == []


async def test_the_ack_does_not_wait_for_a_slow_answer(harness):
    import time as clock_time
    from handlers.router import TextRoute

    def slow(incoming, services):
        clock_time.sleep(2.0)
        return [Reply("finally")]

    harness.hub.router.text_routes.insert(0, TextRoute("slow", lambda i, s: True, slow))
    body = urlencode({"command": "/policy", "text": "slow one", "user_id": STAFF_USER, "channel_id": "D0CLARKE",
                      "team_id": "T0SCHOOL", "response_url": harness.slack.response_url()}).encode()
    started = clock_time.monotonic()
    status, _ = await harness.signed(body, "application/x-www-form-urlencoded")
    acked_after = clock_time.monotonic() - started
    assert status == 200
    assert acked_after < 1.5, acked_after
    assert len(await harness.slack.wait_for_async("response_url", containing="finally")) == 1


async def test_home_tab_is_published_with_its_four_buttons(harness):
    event = {"type": "app_home_opened", "user": STAFF_USER, "channel": "D0CLARKE", "tab": "home"}
    await harness.signed(event_body(event, "EvHome"))
    published = (await harness.slack.wait_for_async("views.publish"))[0]
    view = published.body["view"] if isinstance(published.body["view"], dict) else json.loads(published.body["view"])
    actions = [e["action_id"].split("#")[0] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["home.ask", "draft.start", "report.start", "training.mine"]


async def test_home_ask_button_prompts_in_the_dm(harness):
    payload = {"type": "block_actions", "team": {"id": "T0SCHOOL"}, "user": {"id": STAFF_USER},
               "trigger_id": "t", "view": {"type": "home"}, "container": {"type": "view"},
               "actions": [{"type": "button", "action_id": "home.ask#0", "value": "{}"}]}
    await harness.signed(interactive_body(payload), "application/x-www-form-urlencoded")
    posts = await harness.slack.wait_for_async("chat.postMessage")
    assert posts[0].body["channel"] == "D0CLARKE"
    assert "question" in posts[0].blocks_text


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("body,content_type", [
    (b"{not json", "application/json"),
    (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
    (b"[1, 2, 3]", "application/json"),
    (b'{"type": "event_callback", "event": "nonsense"}', "application/json"),
    (b'{"type": "event_callback", "event_id": "Ev9", "event": {"type": "message", "channel_type": "im"}}',
     "application/json"),
    (b'{"type": "block_actions", "actions": "x"}', "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    (b'{"type": "something_new"}', "application/json"),
    (b"hello", "text/plain"),
    (b"x" * (1024 * 1024), "application/json"),
])
async def test_bad_input_never_gets_a_5xx_and_the_server_keeps_serving(harness, body, content_type):
    status, text = await harness.signed(body, content_type)
    assert 200 <= status < 500, (status, text)
    status, _ = await harness.post(body, {"Content-Type": content_type})
    assert 400 <= status < 500
    async with harness.session.get(harness.server.make_url("/healthz")) as response:
        assert response.status == 200


LONE = b"\\ud800"  # a lone surrogate as JSON may carry it: escaped, since UTF-8 cannot


async def test_a_lone_surrogate_anywhere_in_a_slack_payload_is_answered_without_a_traceback(harness, json_logs):
    received = []
    harness.hub.router.actions["test"] = lambda incoming, services: received.append(
        (incoming.action, incoming.value)) or [Reply("Received, thank you.")]
    metadata = json.dumps({"action": "test.submit", "value": {}})
    submission = {"type": "view_submission", "team": {"id": "T0SCHOOL"}, "user": {"id": STAFF_USER},
                  "trigger_id": "trigger-2",
                  "view": {"id": "V1", "type": "modal", "callback_id": render.FORM_CALLBACK_ID,
                           "private_metadata": metadata,
                           "state": {"values": {"what": {"what": {"type": "plain_text_input", "value": "LONE"}}}}}}
    click = {"type": "block_actions", "team": {"id": "T0SCHOOL"}, "user": {"id": STAFF_USER},
             "channel": {"id": "D0CLARKE"}, "trigger_id": "t",
             # the button's value is JSON inside JSON: the surrogate arrives only when it is decoded
             "actions": [{"type": "button", "action_id": "test.pick#0", "value": '{"note": "\\ud800"}'}]}
    json_bodies = [
        event_body(dm_event("can I LONE post?"), "EvLone1"),  # in the text
        event_body(dm_event("can I post?", ts="1700000001.000200"), "EvLONE2"),  # in the event id
        event_body(dm_event("hello", user="U0LONE", channel="D0OTHER"), "EvLone3"),  # in the user id
    ]
    for body in json_bodies:
        status, _ = await harness.signed(body.replace(b"LONE", LONE))
        assert status == 200
    for payload in (submission, click):  # interactivity: JSON inside a form field
        body = urlencode({"payload": json.dumps(payload).replace("LONE", "\\ud800")}).encode()
        status, _ = await harness.signed(body, "application/x-www-form-urlencoded")
        assert status == 200
    # A slash command is form-encoded: the surrogate's bytes (CESU-8) are not UTF-8 at all.
    command = (f"command=%2Fpolicy&text=can+I+%ED%A0%80+post&user_id={STAFF_USER}&channel_id=D0CLARKE&"
               f"team_id=T0SCHOOL&trigger_id=t3&response_url={harness.slack.response_url()}").encode()
    status, _ = await harness.signed(command, "application/x-www-form-urlencoded")
    assert status == 200

    posts = await harness.slack.wait_for_async("chat.postMessage", count=5)
    assert sorted(p.body["channel"] for p in posts) == ["D0CLARKE"] * 4 + ["D0OTHER"]
    assert len(await harness.slack.wait_for_async("response_url")) == 1
    assert received == [("test.submit", {"what": "\ufffd"}), ("test.pick", {"note": "\ufffd"})]
    logged = json_logs.getvalue()
    assert "traceback" not in logged.lower()
    assert not [line for line in logged.splitlines() if json.loads(line)["level"] in ("ERROR", "CRITICAL")]


async def test_slack_is_off_without_credentials(tmp_path, clock):
    services = _services(tmp_path, clock, StandInKnowledge())
    server = TestServer(build_app(services, env={}), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(server.make_url("/slack/events"), data=URL_VERIFICATION) as response:
                assert response.status == 503
                assert "SLACK_SIGNING_SECRET" in (await response.json())["error"]
    finally:
        await server.close()
        services.db.close()


# --- rendering (pure) ---------------------------------------------------------------------------

def test_many_buttons_are_chunked_five_per_actions_block_with_unique_ids():
    reply = Reply("x", buttons=[Button(f"B{i}", "a.b", {"i": i}) for i in range(12)])
    actions = [b for b in render.reply_blocks(reply) if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [5, 5, 2]
    ids = [e["action_id"] for b in actions for e in b["elements"]]
    assert len(set(ids)) == 12
    assert [render.decode_action(e["action_id"], e["value"]) for b in actions for e in b["elements"]][11] == ("a.b", {"i": 11})


def test_rendering_escapes_and_carries_every_part():
    reply = Reply("a < b & c > d", title="Title", quote="line 1\nline 2", quote_source="Section 3",
                  facts=[("Status", "Pending <review>")], notes=["small print"])
    blocks = render.reply_blocks(reply)
    kinds = [b["type"] for b in blocks]
    assert kinds == ["header", "section", "section", "context", "section", "context"]
    assert blocks[1]["text"]["text"] == "a &lt; b &amp; c &gt; d"
    assert blocks[2]["text"]["text"] == "> line 1\n> line 2"
    assert blocks[4]["fields"][0]["text"] == "*Status*\nPending &lt;review&gt;"


def test_a_very_long_reply_stays_within_slack_limits():
    reply = Reply("word " * 20000, buttons=[Button("Keep me", "a.b")])
    blocks = render.reply_blocks(reply)
    assert len(blocks) <= 50
    assert blocks[-1]["type"] == "actions"
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


# --- the database failing at the adapter's own step (the repeat check, before any handler) ------

@pytest.mark.sqlite_only  # SQLite's lock; PostgreSQL's dropped connection is the next test
async def test_a_dm_is_still_answered_while_another_program_holds_the_database_lock(real_harness, services):
    import sqlite3

    await real_harness.signed(event_body(dm_event("hello"), "EvFirstContact"))  # links the account
    await real_harness.slack.wait_for_async("chat.postMessage")
    real_harness.slack.clear()
    path = services.db.execute("PRAGMA database_list").fetchone()[2]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as a backup or a CLI command writing would
    try:
        await real_harness.signed(event_body(dm_event("can I accept a friend request from an ex-pupil?"), "EvLocked"))
        posts = await real_harness.slack.wait_for_async("chat.postMessage", timeout=20)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "friend requests" in posts[0].blocks_text.lower()  # answered, not silently dropped


@pytest.mark.postgres_only
async def test_a_dm_is_still_answered_after_the_database_connection_drops(real_harness, services):
    import psycopg

    pid = services.db.execute("SELECT pg_backend_pid()").fetchone()[0]
    with psycopg.connect(services.db.url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])  # the repeat check's write meets the break
    await real_harness.signed(event_body(dm_event("can I accept a friend request from an ex-pupil?"), "EvDropped"))
    posts = await real_harness.slack.wait_for_async("chat.postMessage", timeout=10)
    assert "friend requests" in posts[0].blocks_text.lower()
