"""Concern reports end to end over real HTTP on 127.0.0.1, on every channel.

One aiohttp app from app.build_app serves the module: Slack is pointed at the fake Web API
(tests/fake_slack.py), Teams runs in emulator mode against the fake Bot Connector
(tests/fake_connector.py), and the local web chat is always on. People act as they would on each
platform (signed Slack events and block_actions, modal submissions, Teams activities and card
submits, JSON to /local/messages); what they see is read back from every call the fakes recorded.
Each test links the people it uses to the platform under test (storage.roster.link_account), so the
DSL's proactive alerts reach them there. The clock is a FakeClock shared by the module: it only
moves forward, and assertions follow each test's own report reference.

What is proved (issue 5's acceptance):
  - started in a public channel, the only thing said there is that the bot messaged the person
    privately; no report content ever reaches the channel, nor any other call but the reporter's
    DM and the View the DSL asked for;
  - the DSL alert carries the reference, category and urgency but not the content; View shows it to
    the DSL only; the same payload from anyone else is refused and shows nothing;
  - the urgent path: "call 999" first, and the urgent alert reaches the fake before the second
    intake question is posted;
  - escalation to the Headteacher after config.report_escalation_minutes, once, never before and
    never after an acknowledgement; the read receipt reaches the reporter once.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from typing import Any, Callable
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

import app as composition
from app import build_app
from bot.server import HUB
from bot.teams import TEAMS_CHANNEL
from bot.teams.sending import PRIVATE_NOTE
from handlers import reports as feature
from handlers.reports import PUBLIC_LINE
from storage import conversation_refs
from storage import reports as store
from storage.roster import link_account
from tests.conftest import FakeClock
from tests.fake_connector import FakeConnector
from tests.fake_slack import BOT_USER_ID, FakeSlack, signed_headers

pytestmark = pytest.mark.asyncio(loop_scope="module")

SECRET = "reports-e2e-signing-secret"
TOKEN = "xoxb-reports-e2e"
WAIT_SECONDS = 10.0
SLACK_PUBLIC = "C0STAFFROOM"
TEAMS_PUBLIC = "19:staffroom@thread.skype"

# The report's content: distinctive words, so a leak anywhere is found by a plain substring search.
WHAT = "Zephyrine in 4C showed me Snapchat messages from an adult asking her to meet him after school"
WHO = "Zephyrine (4C) and an adult who calls himself Quarrelwick"
WHEN = "this morning at 8:40, before registration"
WHERE = "Snapchat, profile snapchat.example/add/quarrelwick"
EVIDENCE = "Screenshot seen on her phone, not copied: meet me by the Bellflower gate"
FORM_VALUES = {"category": "child", "what": WHAT, "who": WHO, "when": WHEN, "where": WHERE, "evidence": EVIDENCE}
CONTENT_MARKERS = (WHAT, WHO, WHEN, WHERE, EVIDENCE, "Zephyrine", "Quarrelwick", "Bellflower", "8:40")
CATEGORY_LABEL = "Safeguarding concern about a child"
REF = re.compile(r"CJS-\d{4}-\d{4,}")


def leaked(text: str) -> list[str]:
    return [marker for marker in CONTENT_MARKERS if marker in text]


def slack_user(person_id: str) -> str:
    return "U0" + person_id.upper()


def slack_dm(person_id: str) -> str:
    return "D0" + person_id.upper()  # what the fake's conversations.open answers for slack_user()


def teams_aad(person_id: str) -> str:
    return f"aad-{person_id}"


def teams_personal(person_id: str) -> str:
    return f"a:personal-{person_id}"


def call_text(call) -> str:
    """Everything a recorded call carried (Slack body with its blocks, or a Teams activity)."""
    body = call.body
    return json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body


def slack_buttons(call) -> list[dict]:
    return [element for block in call.blocks if block.get("type") == "actions" for element in block["elements"]]


def slack_button(call, label: str) -> dict:
    found = [e for e in slack_buttons(call) if e["text"]["text"] == label]
    assert found, f"no button {label!r} in {[e['text']['text'] for e in slack_buttons(call)]}"
    return found[0]


def teams_actions(call) -> list[dict]:
    return [action for card in call.cards for action in card.get("actions", [])]


def teams_button(call, title: str) -> dict:
    found = [a for a in teams_actions(call) if a["title"] == title]
    assert found, f"no card action {title!r} in {[a['title'] for a in teams_actions(call)]}"
    return found[0]["data"]


def ref_in(text: str) -> str:
    match = REF.search(text)
    assert match, text[:500]
    return match.group(0)


class Stack:
    """The server, the fakes, and how each platform's people talk to the bot."""

    def __init__(self, services, server: TestServer, slack: FakeSlack, connector: FakeConnector,
                 http: aiohttp.ClientSession, clock: FakeClock):
        self.services, self.server, self.slack, self.connector = services, server, slack, connector
        self.http, self.clock, self.db = http, clock, services.db
        self.counter = itertools.count(1)

    @property
    def hub(self):
        return self.server.app[HUB]

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def use(self, platform: str, *people: str, first_message: bool = True) -> None:
        """Reach these people on `platform` only ("local": no platform account at all)."""
        for person_id in people:
            self.db["platform_accounts"].delete_where("person_id = ?", [person_id])
            self.db["conversation_state"].delete_where("who = ?", [person_id])  # no intake left from before
            if platform == "slack":
                link_account(self.db, "slack", slack_user(person_id), person_id)
            elif platform == "teams":
                link_account(self.db, "teams", teams_aad(person_id), person_id)
                if first_message:  # so a conversation reference is stored for proactive messages
                    await self.teams_say(person_id, "my reports")

    async def settle(self, seconds: float = 0.3) -> None:
        """Let background work (bolt after its ack, the delivery loop) show anything stray."""
        await asyncio.sleep(seconds)
        await self.hub.dispatcher.deliver_due()
        await self.server.app[TEAMS_CHANNEL].drain()

    async def run_report_ticks(self) -> None:
        for tick in feature.TICKS:
            tick(self.services)
        await self.hub.dispatcher.deliver_due()

    # --- Slack ------------------------------------------------------------------------------------

    def slack_calls(self, start: int = 0) -> list:
        with self.slack._lock:
            return list(self.slack.calls[start:])

    def slack_mark(self) -> int:
        return len(self.slack_calls())

    async def slack_post(self, body: bytes, content_type: str) -> None:
        headers = signed_headers(SECRET, body, content_type=content_type)
        async with self.http.post(self.url("/slack/events"), data=body, headers=headers) as response:
            assert response.status == 200, await response.text()

    async def slack_event(self, event: dict) -> None:
        n = next(self.counter)
        body = json.dumps({"token": "t", "team_id": "T0SCHOOL", "api_app_id": "A1", "type": "event_callback",
                           "event_id": f"EvReport{n}", "event_time": int(time.time()),
                           "authorizations": [{"team_id": "T0SCHOOL", "user_id": BOT_USER_ID, "is_bot": True}],
                           "event": {**event, "ts": f"1700000200.{n:06d}"}}).encode()
        await self.slack_post(body, "application/json")

    async def slack_say(self, person_id: str, text: str) -> None:
        await self.slack_event({"type": "message", "channel_type": "im", "channel": slack_dm(person_id),
                                "user": slack_user(person_id), "text": text})

    async def slack_mention(self, person_id: str, text: str, channel: str = SLACK_PUBLIC) -> None:
        await self.slack_event({"type": "app_mention", "channel": channel, "user": slack_user(person_id),
                                "text": f"<@{BOT_USER_ID}> {text}"})

    def click_payload(self, person_id: str, element: dict, channel: str | None = None) -> dict:
        """The block_actions Slack sends when `person_id` presses `element` (in their DM by default)."""
        channel = channel or slack_dm(person_id)
        return {"type": "block_actions", "team": {"id": "T0SCHOOL"}, "api_app_id": "A1",
                "user": {"id": slack_user(person_id), "team_id": "T0SCHOOL"},
                "trigger_id": f"trigger-{person_id}-{next(self.counter)}",
                "channel": {"id": channel}, "container": {"type": "message", "channel_id": channel},
                "message": {"ts": "1700000000.000001"},
                "actions": [{"type": "button", "block_id": "b", "action_ts": "1",
                             "action_id": element["action_id"], "value": element["value"]}]}

    async def slack_send_payload(self, payload: dict) -> None:
        await self.slack_post(urlencode({"payload": json.dumps(payload)}).encode(),
                              "application/x-www-form-urlencoded")

    async def slack_click(self, person_id: str, element: dict, channel: str | None = None) -> str:
        """Press a button; returns the click's trigger_id (what a modal must be opened with)."""
        payload = self.click_payload(person_id, element, channel)
        await self.slack_send_payload(payload)
        return payload["trigger_id"]

    async def slack_submit(self, person_id: str, view: dict, values: dict[str, str]) -> None:
        state = {}
        for block in view["blocks"]:
            name, kind = block["block_id"], block["element"]["type"]
            if kind == "static_select":
                state[name] = {name: {"type": kind, "selected_option": {"value": values[name]}}}
            else:
                state[name] = {name: {"type": kind, "value": values.get(name)}}
        await self.slack_send_payload({
            "type": "view_submission", "team": {"id": "T0SCHOOL"}, "user": {"id": slack_user(person_id)},
            "trigger_id": f"trigger-{person_id}-{next(self.counter)}",
            "view": {"id": "V1", "type": "modal", "callback_id": view["callback_id"],
                     "private_metadata": view["private_metadata"], "state": {"values": state}}})

    async def slack_wait(self, start: int, predicate: Callable[[Any], bool], count: int = 1,
                         what: str = "") -> list[tuple[int, Any]]:
        """(index, call) of the calls since `start` that satisfy `predicate`, once there are `count`."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            found = [(start + i, c) for i, c in enumerate(self.slack_calls(start)) if predicate(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [(c.method, c.body.get("channel")) for c in self.slack_calls(start)]
                raise AssertionError(f"no Slack call {what}; saw {seen}")
            await asyncio.sleep(0.02)

    async def slack_posted(self, start: int, channel: str, containing: str) -> tuple[int, Any]:
        found = await self.slack_wait(
            start, lambda c: c.method == "chat.postMessage" and c.body.get("channel") == channel
            and containing in call_text(c), what=f"posting {containing!r} to {channel}")
        return found[0]

    def slack_posts(self, start: int, channel: str, containing: str = "") -> list:
        return [c for c in self.slack_calls(start) if c.method == "chat.postMessage"
                and c.body.get("channel") == channel and containing in call_text(c)]

    async def slack_modal(self, start: int, trigger_id: str) -> dict:
        """The modal opened (views.open) with the trigger_id of one button click."""
        [(_, opened)] = (await self.slack_wait(
            start, lambda c: c.method == "views.open" and c.body.get("trigger_id") == trigger_id,
            what=f"views.open with {trigger_id}"))[:1]
        view = opened.body["view"]
        return view if isinstance(view, dict) else json.loads(view)

    async def slack_file_report(self, reporter: str, danger: str = "no", in_channel: bool = False) -> str:
        """A whole intake on Slack: start, danger, allegation, the modal, confirm. Returns the reference."""
        dm = slack_dm(reporter)
        mark = self.slack_mark()
        if in_channel:
            await self.slack_mention(reporter, "I need to report something about a pupil")
        else:
            await self.slack_say(reporter, "report a concern")
        _, asked = await self.slack_posted(mark, dm, "immediate danger")
        mark = self.slack_mark()
        await self.slack_click(reporter, slack_button(asked, "Yes, a child is in danger now" if danger == "yes"
                                                      else "No"))
        _, about = await self.slack_posted(mark, dm, "member of staff")
        mark = self.slack_mark()
        view = await self.slack_modal(mark, await self.slack_click(reporter, slack_button(about, "No")))
        assert [b["block_id"] for b in view["blocks"]] == list(FORM_VALUES)
        assert json.loads(view["private_metadata"])["action"] == "report.submit"
        assert leaked(json.dumps(view)) == []  # a fresh form: nothing typed yet
        mark = self.slack_mark()
        await self.slack_submit(reporter, view, FORM_VALUES)
        _, summary = await self.slack_posted(mark, dm, "Check your report")
        assert WHAT in summary.blocks_text  # the reporter reviews their own words, in their DM
        mark = self.slack_mark()
        await self.slack_click(reporter, slack_button(summary, "Send to the DSL"))
        _, received = await self.slack_posted(mark, dm, "Report received")
        return ref_in(received.blocks_text)

    # --- Teams ------------------------------------------------------------------------------------

    def teams_calls(self, start: int = 0) -> list:
        with self.connector._lock:
            return list(self.connector.calls[start:])

    def teams_mark(self) -> int:
        return len(self.teams_calls())

    def teams_activity(self, person_id: str, *, text: str | None = None, value: dict | None = None,
                       conversation_id: str | None = None, channel: bool = False) -> dict:
        conversation = {"id": conversation_id or (TEAMS_PUBLIC if channel else teams_personal(person_id)),
                        "conversationType": "channel" if channel else "personal", "tenantId": "tenant-1"}
        if channel:
            conversation["isGroup"] = True
        body = {"type": "message", "id": f"act-{next(self.counter)}", "timestamp": "2026-11-26T10:00:00.000Z",
                "serviceUrl": self.connector.url, "channelId": "msteams",
                "from": {"id": f"29:{person_id}", "name": person_id, "aadObjectId": teams_aad(person_id)},
                "conversation": conversation, "recipient": {"id": "28:policybot", "name": "Policy Bot"},
                "channelData": {"tenant": {"id": "tenant-1"}}, "locale": "en-GB"}
        if text is not None:
            body["text"] = f"<at>Policy Bot</at> {text}" if channel else text
        if value is not None:
            body["value"] = value
        return body

    async def teams_post(self, activity: dict) -> None:
        async with self.http.post(self.url("/api/messages"), json=activity) as response:
            assert response.status in (200, 202), await response.text()
        await self.server.app[TEAMS_CHANNEL].drain()

    async def teams_say(self, person_id: str, text: str, **where) -> None:
        await self.teams_post(self.teams_activity(person_id, text=text, **where))

    async def teams_submit(self, person_id: str, data: dict, **where) -> None:
        await self.teams_post(self.teams_activity(person_id, value=data, **where))

    def teams_replies(self, start: int, conversation_id: str, containing: str = "") -> list:
        return [c for c in self.teams_calls(start) if c.is_reply and c.conversation_id == conversation_id
                and containing in c.text]

    def teams_reply(self, start: int, conversation_id: str, containing: str):
        found = self.teams_replies(start, conversation_id, containing)
        assert found, (f"nothing containing {containing!r} in {conversation_id}; saw "
                       f"{[(c.conversation_id, c.text[:160]) for c in self.teams_calls(start) if c.is_reply]}")
        return found[0]

    # --- local web chat ---------------------------------------------------------------------------

    async def local(self, person_id: str, **payload) -> list[dict]:
        async with self.http.post(self.url("/local/messages"), json={"person": person_id, **payload}) as response:
            assert response.status == 200, await response.text()
            return (await response.json())["replies"]

    async def inbox(self, person_id: str) -> list[dict]:
        async with self.http.get(self.url("/local/inbox"), params={"person": person_id}) as response:
            assert response.status == 200
            return (await response.json())["messages"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory, knowledge):
    clock = FakeClock()
    services = composition.build_services(db_path=str(tmp_path_factory.mktemp("reports-e2e") / "policybot.db"),
                                          clock=clock, knowledge=knowledge)
    slack = FakeSlack().__enter__()
    connector = FakeConnector()
    env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.api_url,
           "POLICYBOT_TEAMS_EMULATOR": "1"}  # Teams people are linked by teams_id, as the roster does
    server = TestServer(build_app(services, env=env), host="127.0.0.1")
    await server.start_server()
    http = aiohttp.ClientSession()
    yield Stack(services, server, slack, connector, http, clock)
    await http.close()
    await server.close()
    slack.__exit__()
    connector.close()
    services.db.close()


# --- Slack ------------------------------------------------------------------------------------------

async def test_slack_report_started_in_a_public_channel_leaks_nothing_there(stack):
    await stack.use("slack", "clarke", "shah", "reed", "okafor", "lewis", "hill")
    start = stack.slack_mark()
    ref = await stack.slack_file_report("clarke", in_channel=True)

    # Mid-way, nothing: and afterwards the reporter posting details in the channel gets no echo.
    mark = stack.slack_mark()
    await stack.slack_mention("clarke", "report a concern")  # a fresh intake, then details typed in public
    await stack.slack_posted(mark, slack_dm("clarke"), "immediate danger")
    mark = stack.slack_mark()
    await stack.slack_mention("clarke", WHAT)
    await stack.slack_posted(mark, slack_dm("clarke"), "waiting in our private chat")
    await stack.settle()
    calls = stack.slack_calls(start)

    public = [c for c in calls if c.body.get("channel") == SLACK_PUBLIC]
    assert public, "the bot answered in the channel"
    assert {c.method for c in public} == {"chat.postMessage"}
    assert [c.body["text"] for c in public] == [PUBLIC_LINE] * 3  # two starts, one answer given there
    assert all(leaked(call_text(c)) == [] for c in public)
    # The intake went on in the DM the bot opened with the reporter.
    assert any(c.method == "conversations.open" and c.body.get("users") == slack_user("clarke") for c in calls)
    assert stack.slack_posts(start, slack_dm("clarke"), "Report received")

    # The DSL alert (proactive, to the DSL's DM): reference, category, urgency; never the content.
    [alert] = stack.slack_posts(start, slack_dm("shah"), ref)
    assert ref in alert.blocks_text and CATEGORY_LABEL in alert.blocks_text and "Normal" in alert.blocks_text
    assert "Amy Clarke" in alert.blocks_text
    assert leaked(call_text(alert)) == []
    assert stack.slack_posts(start, slack_dm("reed"), ref), "the deputy DSL is alerted too"

    # View, pressed by the DSL (a signed block_actions from her user id): the content, privately.
    view_payload = stack.click_payload("shah", slack_button(alert, "View"))
    mark = stack.slack_mark()
    await stack.slack_send_payload(view_payload)
    _, shown = await stack.slack_posted(mark, slack_dm("shah"), "Confidential")
    for answer in (WHAT, WHO, WHEN, WHERE, EVIDENCE):
        assert answer in shown.blocks_text

    # The same payload replayed with someone else's user id: refused, nothing shown.
    for intruder in ("okafor", "lewis", "hill"):
        for channel in (slack_dm("shah"), slack_dm(intruder)):  # as replayed, and from their own DM
            replay = {**view_payload, "user": {"id": slack_user(intruder), "team_id": "T0SCHOOL"},
                      "channel": {"id": channel}, "container": {"type": "message", "channel_id": channel},
                      "trigger_id": f"trigger-{intruder}-{next(stack.counter)}"}
            mark = stack.slack_mark()
            await stack.slack_send_payload(replay)
            _, refused = await stack.slack_posted(mark, channel, "Role needed")
            await stack.settle(0.1)
            assert all(leaked(call_text(c)) == [] for c in stack.slack_calls(mark)), intruder
            assert "Designated Safeguarding Lead" in refused.blocks_text
    denied = [row for row in store.audit_rows(stack.db, ref) if row["action"] == "view" and not row["allowed"]]
    assert {row["person_id"] for row in denied} == {"okafor", "lewis", "hill"}

    # Content went only to the reporter's DM (and the modal they filled in) and to the DSL's View.
    for index, call in enumerate(stack.slack_calls(start)):
        if leaked(call_text(call)):
            assert (call.method == "chat.postMessage" and call.body["channel"] == slack_dm("clarke")) \
                or call is shown, (index, call.method, call.body.get("channel"))


async def test_slack_policy_command_in_a_public_channel_answers_only_ephemerally_and_goes_to_the_dm(stack):
    await stack.use("slack", "hughes")
    mark = stack.slack_mark()
    body = urlencode({"command": "/policy", "text": "report a concern", "user_id": slack_user("hughes"),
                      "channel_id": SLACK_PUBLIC, "channel_name": "staffroom", "team_id": "T0SCHOOL",
                      "trigger_id": f"trigger-hughes-{next(stack.counter)}",
                      "response_url": stack.slack.response_url("reports")}).encode()
    await stack.slack_post(body, "application/x-www-form-urlencoded")
    await stack.slack_posted(mark, slack_dm("hughes"), "immediate danger")
    await stack.settle(0.1)
    calls = stack.slack_calls(mark)
    [response] = [c for c in calls if c.method == "response_url"]
    assert response.body["response_type"] == "ephemeral" and response.body["text"] == PUBLIC_LINE
    assert [c for c in calls if c.body.get("channel") == SLACK_PUBLIC] == []


async def test_slack_urgent_path_alerts_the_dsl_before_the_second_question(stack):
    await stack.use("slack", "lewis", "shah", "reed")
    dm = slack_dm("lewis")
    mark = stack.slack_mark()
    await stack.slack_say("lewis", "report a concern")
    _, asked = await stack.slack_posted(mark, dm, "immediate danger")
    mark = stack.slack_mark()
    await stack.slack_click("lewis", slack_button(asked, "Yes, a child is in danger now"))
    second_index, _second = await stack.slack_posted(mark, dm, "member of staff")
    reply_index, urgent_reply = await stack.slack_posted(mark, dm, "Call 999")
    alert_index, alert = await stack.slack_posted(mark, slack_dm("shah"), "URGENT")

    assert "tell the DSL (Priya Shah) in person now" in urgent_reply.blocks_text
    assert alert_index < second_index, "the urgent alert went out before the next question"
    assert reply_index < second_index, "the very first reply says to call 999"
    assert alert_index < reply_index  # the hub sends what a turn queued before any of its replies
    ref = ref_in(alert.blocks_text)
    assert ref in urgent_reply.blocks_text
    assert stack.slack_posts(mark, slack_dm("reed"), ref)

    # The details follow in the modal; the "details added" alert still carries no content.
    mark = stack.slack_mark()
    view = await stack.slack_modal(mark, await stack.slack_click("lewis", slack_button(_second, "No")))
    mark = stack.slack_mark()
    await stack.slack_submit("lewis", view, FORM_VALUES)
    _, summary = await stack.slack_posted(mark, dm, "Check your report")
    mark = stack.slack_mark()
    await stack.slack_click("lewis", slack_button(summary, "Send to the DSL"))
    _, received = await stack.slack_posted(mark, dm, "Report received")
    assert ref in received.blocks_text
    _, details = await stack.slack_posted(mark, slack_dm("shah"), "Details added")
    assert ref in details.blocks_text and leaked(call_text(details)) == []


async def test_slack_escalates_to_the_headteacher_after_the_timeout_once_and_not_when_acknowledged(stack):
    await stack.use("slack", "nowak", "hughes", "shah", "reed", "ingram")
    minutes = stack.services.config.report_escalation_minutes
    assert minutes == 15
    ignored = await stack.slack_file_report("nowak")
    acknowledged = await stack.slack_file_report("hughes")
    [alert] = stack.slack_posts(0, slack_dm("shah"), acknowledged)
    mark = stack.slack_mark()
    await stack.slack_click("shah", slack_button(alert, "Acknowledge"))
    await stack.slack_posted(mark, slack_dm("shah"), f"Acknowledged {acknowledged}")
    head = slack_dm("ingram")
    start = stack.slack_mark()

    stack.clock.advance(minutes=minutes - 1)
    await stack.run_report_ticks()
    await stack.settle(0.1)
    assert stack.slack_posts(start, head, ignored) == [], "not before the timeout"

    stack.clock.advance(minutes=2)
    await stack.run_report_ticks()
    _, escalation = await stack.slack_posted(start, head, ignored)
    assert "ESCALATED" in escalation.blocks_text and "Urgency" in escalation.blocks_text
    assert leaked(call_text(escalation)) == []

    stack.clock.advance(minutes=minutes * 4)
    await stack.run_report_ticks()
    await stack.settle(0.1)
    assert len(stack.slack_posts(start, head, ignored)) == 1, "only once"
    assert stack.slack_posts(start, head, acknowledged) == [], "not after the DSL acknowledged"


async def test_slack_read_receipt_reaches_the_reporter_once_when_the_dsl_acknowledges(stack):
    await stack.use("slack", "patel", "shah", "reed")
    ref = await stack.slack_file_report("patel")
    [alert] = stack.slack_posts(0, slack_dm("shah"), ref)
    start = stack.slack_mark()
    assert stack.slack_posts(0, slack_dm("patel"), "has been read by") == []
    await stack.slack_click("shah", slack_button(alert, "Acknowledge"))
    _, receipt = await stack.slack_posted(start, slack_dm("patel"), "has been read by Priya Shah")
    assert ref in receipt.blocks_text and leaked(call_text(receipt)) == []

    for label in ("Acknowledge", "View"):  # pressing again (or viewing) sends no second receipt
        mark = stack.slack_mark()
        await stack.slack_click("shah", slack_button(alert, label))
        await stack.slack_wait(mark, lambda c: c.method == "chat.postMessage"
                               and c.body.get("channel") == slack_dm("shah"), what="the DSL's answer")
    await stack.settle()
    assert len(stack.slack_posts(0, slack_dm("patel"), "has been read by")) == 1


# --- Teams ------------------------------------------------------------------------------------------

async def test_teams_intake_with_the_adaptive_card_form_files_alerts_and_views(stack):
    await stack.use("teams", "clarke", "shah", "okafor", "hill", "lewis")
    personal = teams_personal("clarke")
    start = stack.teams_mark()
    await stack.teams_say("clarke", "report a concern")
    asked = stack.teams_reply(start, personal, "immediate danger")
    mark = stack.teams_mark()
    await stack.teams_submit("clarke", teams_button(asked, "No"))
    about = stack.teams_reply(mark, personal, "member of staff")
    mark = stack.teams_mark()
    await stack.teams_submit("clarke", teams_button(about, "No"))
    form_call = stack.teams_reply(mark, personal, "Input.Text")
    [card] = form_call.cards
    inputs = {element["id"]: element["type"] for element in card["body"] if element["type"].startswith("Input.")}
    assert inputs == {"category": "Input.ChoiceSet", "what": "Input.Text", "who": "Input.Text",
                      "when": "Input.Text", "where": "Input.Text", "evidence": "Input.Text"}
    submit = card["actions"][0]
    assert submit["type"] == "Action.Submit" and submit["data"]["action"] == "report.submit"

    mark = stack.teams_mark()
    await stack.teams_submit("clarke", {**submit["data"], **FORM_VALUES})  # as Teams merges the inputs in
    summary = stack.teams_reply(mark, personal, "Check your report")
    assert WHAT in summary.text
    mark = stack.teams_mark()
    await stack.teams_submit("clarke", teams_button(summary, "Send to the DSL"))
    received = stack.teams_reply(mark, personal, "Report received")
    ref = ref_in(received.text)

    stored = conversation_refs.personal(stack.db, "teams", teams_aad("shah"))
    alert = stack.teams_reply(mark, stored["conversation"]["id"], ref)  # the DSL's stored reference
    assert CATEGORY_LABEL in alert.text and "Normal" in alert.text and leaked(alert.text) == []
    view_data = teams_button(alert, "View")
    assert view_data == {"action": "report.view", "value": {"ref": ref}}

    mark = stack.teams_mark()
    await stack.teams_submit("shah", view_data)
    shown = stack.teams_reply(mark, teams_personal("shah"), "Confidential")
    assert WHAT in shown.text and WHO in shown.text

    for intruder in ("okafor", "hill", "lewis"):  # deputy head, governor, staff replay the DSL's card data
        mark = stack.teams_mark()
        await stack.teams_submit(intruder, view_data)
        refused = stack.teams_reply(mark, teams_personal(intruder), "Role needed")
        assert leaked(refused.text) == []
        assert all(leaked(c.text) == [] for c in stack.teams_calls(mark)), intruder

    for call in stack.teams_calls(start):
        if leaked(call.text):
            assert call.conversation_id == personal or call is shown, (call.method, call.path)
    receipts = stack.teams_replies(start, personal, "has been read by Priya Shah")
    assert len(receipts) == 1 and ref in receipts[0].text  # the DSL's View was the first read


async def test_teams_urgent_path_alerts_the_dsl_before_the_second_question(stack):
    await stack.use("teams", "nowak", "shah")
    personal = teams_personal("nowak")
    await stack.teams_say("nowak", "report a concern")
    mark = stack.teams_mark()
    await stack.teams_say("nowak", "yes")
    calls = stack.teams_calls(mark)
    alert_index = next(i for i, c in enumerate(calls) if c.is_reply and c.conversation_id == teams_personal("shah")
                       and "URGENT" in c.text)
    reply_index = next(i for i, c in enumerate(calls) if c.is_reply and c.conversation_id == personal
                       and "Call 999" in c.text)
    second_index = next(i for i, c in enumerate(calls) if c.is_reply and c.conversation_id == personal
                        and "member of staff" in c.text)
    assert alert_index < second_index
    assert reply_index < second_index
    # Stricter than the acceptance asks: the hub sends what a turn queued before any of its replies.
    assert alert_index < reply_index
    assert "in person now" in calls[reply_index].text
    assert ref_in(calls[alert_index].text) == ref_in(calls[reply_index].text)


async def test_teams_report_started_in_a_team_channel_leaks_nothing_there(stack):
    await stack.use("teams", "shah")
    await stack.use("teams", "brown", first_message=False)  # seen only in the channel: no personal chat yet
    start = stack.teams_mark()
    await stack.teams_say("brown", "report a concern", channel=True)
    personal_ref = conversation_refs.personal(stack.db, "teams", teams_aad("brown"))
    assert personal_ref is not None, "the bot opened a private chat"
    personal = personal_ref["conversation"]["id"]
    assert personal.startswith("personal-")
    assert stack.teams_replies(start, personal, "immediate danger")

    # Details typed in the channel mid-intake are not taken there, and not repeated anywhere.
    await stack.teams_say("brown", WHAT, channel=True)
    in_channel = stack.teams_replies(start, TEAMS_PUBLIC)
    said = [card["body"][0]["text"] for call in in_channel for card in call.cards]
    assert set(said) == {PUBLIC_LINE, PRIVATE_NOTE}
    assert all(leaked(c.text) == [] for c in stack.teams_calls(start))
    assert stack.teams_replies(start, personal, "waiting in our private chat")

    # The intake goes on in the private chat, to a filed report; the channel still saw nothing.
    for answer in ("no", "no"):
        await stack.teams_say("brown", answer, conversation_id=personal)
    [form_call] = stack.teams_replies(start, personal, "Input.Text")[-1:]
    submit = form_call.cards[0]["actions"][0]["data"]
    await stack.teams_submit("brown", {**submit, **FORM_VALUES}, conversation_id=personal)
    summary = stack.teams_replies(start, personal, "Check your report")[-1]
    mark = stack.teams_mark()
    await stack.teams_submit("brown", teams_button(summary, "Send to the DSL"), conversation_id=personal)
    ref = ref_in(stack.teams_reply(mark, personal, "Report received").text)
    assert leaked(stack.teams_reply(mark, teams_personal("shah"), ref).text) == []
    assert stack.teams_replies(start, TEAMS_PUBLIC) == in_channel
    for call in stack.teams_calls(start):
        if leaked(call.text):
            assert call.conversation_id == personal, call.path


# --- local web chat ---------------------------------------------------------------------------------

async def test_local_guided_conversation_alerts_the_dsl_inbox_and_shows_content_only_after_view(stack):
    await stack.use("local", "staff", "shah", "reed", "lewis")
    for person_id in ("shah", "reed", "staff"):
        await stack.inbox(person_id)  # start from empty inboxes
    replies = await stack.local("staff", text="report a concern")
    assert "immediate danger" in json.dumps(replies)
    steps = [("no", "member of staff"), ("1", "What kind of concern"), ("1", "What happened"),
             (WHAT, "Who is involved"), (WHO, "When did it happen"), (WHEN, "Where did it happen"),
             (WHERE, "Any evidence"), (EVIDENCE, "Check your report")]
    for answer, next_question in steps:
        replies = await stack.local("staff", text=answer)
        assert next_question in json.dumps(replies), (answer, replies)
    replies = await stack.local("staff", text="send")
    ref = replies[-1]["data"]["report_ref"]
    assert replies[-1]["title"] == "Report received" and ref in replies[-1]["text"]

    [alert] = [m for m in await stack.inbox("shah") if ref in (m["title"] or "")]
    assert dict(map(tuple, alert["facts"]))["Category"] == CATEGORY_LABEL
    assert dict(map(tuple, alert["facts"]))["Urgency"] == "Normal"
    assert leaked(json.dumps(alert)) == []
    assert [m for m in await stack.inbox("reed") if ref in (m["title"] or "")]
    [view] = [b for b in alert["buttons"] if b["label"] == "View"]

    shown = await stack.local("shah", action=view["action"], value=view["value"])
    assert WHAT in json.dumps(shown) and WHO in json.dumps(shown)
    refused = await stack.local("lewis", action=view["action"], value=view["value"])
    assert "Role needed" in json.dumps(refused) and leaked(json.dumps(refused)) == []

    receipts = [m for m in await stack.inbox("staff") if "has been read" in m["text"]]
    assert len(receipts) == 1 and ref in receipts[0]["text"]
