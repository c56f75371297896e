"""Post drafts end to end over every channel: the real aiohttp server on 127.0.0.1 with Slack pointed
at a fake Web API, Teams in emulator mode against a fake Bot Connector, and the local web chat.

People speak as they would on each platform (a signed Slack event or block_actions, a Teams activity
or card submit, a JSON POST to the web chat); what they see is read back from what the fakes
received (chat.postMessage / views.open at the fake Slack, activities at the fake connector) or
from the web chat's replies and inbox. One server and one database serve the whole module; each
test links the people it uses to the channel under test with storage.roster.link_account.

`Channels` and the three drivers are reused by tests/test_training_e2e.py.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

import app as composition
from app import build_app
from bot.server import HUB
from bot.slack import render as slack_render
from bot.teams import TEAMS_CHANNEL
from storage import drafts as draft_store
from storage.roster import link_account
from tests.conftest import FakeClock
from tests.fake_connector import FakeConnector
from tests.fake_slack import BOT_USER_ID, FakeSlack, signed_headers

SECRET = "e2e-signing-secret"
TOKEN = "xoxb-e2e"
CHANNELS = ("slack", "teams", "local")
WAIT_SECONDS = 10.0

pytestmark = pytest.mark.asyncio(loop_scope="module")


# --- what a person sees, whatever the channel ----------------------------------------------------

@dataclass
class Btn:
    label: str
    action: str
    value: dict
    raw: Any  # the platform's own element (Slack button, Teams Action.Submit data, web chat dict)


@dataclass
class FormSeen:
    title: str
    submit_action: str
    hidden: dict
    fields: list[str]
    raw: Any  # Slack: the modal view; Teams: the submit action's data; local: the form dict


@dataclass
class Msg:
    title: str
    text: str  # every string of the message, joined
    buttons: list[Btn] = field(default_factory=list)
    form: FormSeen | None = None

    def button(self, label: str) -> Btn:
        found = [b for b in self.buttons if b.label == label]
        assert found, f"no button {label!r} in {[b.label for b in self.buttons]}: {self.text[:300]}"
        return found[0]


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return [node] if isinstance(node, str) else []


# --- Slack ---------------------------------------------------------------------------------------

def slack_user(person_id: str) -> str:
    return "U0" + person_id.upper()


def slack_dm(person_id: str) -> str:
    return "D0" + person_id.upper()  # what the fake's conversations.open answers for slack_user()


class SlackDriver:
    name = "slack"

    def __init__(self, channels: "Channels"):
        self.channels = channels
        self.fake: FakeSlack = channels.slack
        self.counter = itertools.count(1)

    def link(self, person_id: str) -> None:
        link_account(self.channels.db, "slack", slack_user(person_id), person_id)

    async def post(self, body: bytes, content_type: str, user_headers: dict | None = None) -> int:
        headers = signed_headers(SECRET, body, content_type=content_type)
        async with self.channels.http.post(self.channels.url("/slack/events"), data=body,
                                           headers={**headers, **(user_headers or {})}) as response:
            await response.read()
            return response.status

    async def say(self, person_id: str, text: str) -> None:
        n = next(self.counter)
        event = {"type": "message", "channel_type": "im", "channel": slack_dm(person_id),
                 "user": slack_user(person_id), "text": text, "ts": f"1700000100.{n:06d}"}
        body = json.dumps({"token": "t", "team_id": "T0SCHOOL", "api_app_id": "A1", "type": "event_callback",
                           "event_id": f"EvE2E{n}", "event_time": int(time.time()),
                           "authorizations": [{"team_id": "T0SCHOOL", "user_id": BOT_USER_ID, "is_bot": True}],
                           "event": event}).encode()
        assert await self.post(body, "application/json") == 200

    def click_body(self, person_id: str, button: Btn, user_id: str | None = None) -> bytes:
        """The block_actions request Slack sends when `person_id` presses `button` in their DM."""
        trigger = f"trigger-{person_id}-{next(self.counter)}"
        payload = {"type": "block_actions", "team": {"id": "T0SCHOOL"}, "api_app_id": "A1",
                   "user": {"id": user_id or slack_user(person_id), "team_id": "T0SCHOOL"},
                   "trigger_id": trigger, "channel": {"id": slack_dm(person_id)},
                   "container": {"type": "message", "channel_id": slack_dm(person_id)},
                   "message": {"ts": "1700000000.000001"},
                   "actions": [{"type": "button", "block_id": "b", "action_ts": "1",
                                "action_id": button.raw["action_id"], "value": button.raw["value"]}]}
        return urlencode({"payload": json.dumps(payload)}).encode()

    async def click(self, person_id: str, button: Btn) -> None:
        assert await self.post(self.click_body(person_id, button), "application/x-www-form-urlencoded") == 200

    async def submit(self, person_id: str, form: FormSeen, values: dict[str, str]) -> None:
        state = {}
        for block in form.raw["blocks"]:
            name, kind = block["block_id"], block["element"]["type"]
            if name not in values:
                continue
            if kind == "static_select":
                element = {"type": kind, "selected_option": {"value": values[name]}}
            else:
                element = {"type": kind, "value": values[name]}
            state[name] = {name: element}
        payload = {"type": "view_submission", "team": {"id": "T0SCHOOL"}, "user": {"id": slack_user(person_id)},
                   "trigger_id": f"trigger-{person_id}-{next(self.counter)}",
                   "view": {"id": "V1", "type": "modal", "callback_id": form.raw["callback_id"],
                            "private_metadata": form.raw["private_metadata"], "state": {"values": state}}}
        body = urlencode({"payload": json.dumps(payload)}).encode()
        assert await self.post(body, "application/x-www-form-urlencoded") == 200

    def messages(self, person_id: str) -> list[Msg]:
        """In the order the fake received them: DMs to the person, and modals opened for their clicks."""
        with self.fake._lock:
            calls = list(self.fake.calls)
        seen = []
        for call in calls:
            if call.method == "chat.postMessage" and call.body.get("channel") == slack_dm(person_id):
                seen.append(self._message(call))
            elif call.method == "views.open" and str(call.body.get("trigger_id", "")).startswith(f"trigger-{person_id}-"):
                view = call.body["view"] if isinstance(call.body["view"], dict) else json.loads(call.body["view"])
                metadata = json.loads(view["private_metadata"])
                form = FormSeen(view["title"]["text"], metadata["action"], metadata["value"],
                                [b["block_id"] for b in view["blocks"]], view)
                seen.append(Msg(view["title"]["text"], "\n".join(_strings(view["blocks"])), form=form))
        return seen

    @staticmethod
    def _message(call) -> Msg:
        blocks = call.blocks
        title = next((b["text"]["text"] for b in blocks if b["type"] == "header"), "")
        buttons = []
        for block in blocks:
            for element in block.get("elements", []) if block["type"] == "actions" else []:
                action, value = slack_render.decode_action(element["action_id"], element["value"])
                buttons.append(Btn(element["text"]["text"], action, value, element))
        return Msg(title, call.blocks_text + "\n" + str(call.body.get("text") or ""), buttons)


# --- Teams ---------------------------------------------------------------------------------------

def teams_aad(person_id: str) -> str:
    return f"aad-{person_id}"


def teams_conversation(person_id: str) -> str:
    return f"a:personal-{person_id}"


class TeamsDriver:
    name = "teams"

    def __init__(self, channels: "Channels"):
        self.channels = channels
        self.fake: FakeConnector = channels.connector
        self.counter = itertools.count(1)

    def activity(self, person_id: str, *, text: str | None = None, value: dict | None = None,
                 aad: str | None = None) -> dict:
        body = {"type": "message", "id": f"act-{next(self.counter)}", "timestamp": "2026-11-26T10:00:00.000Z",
                "serviceUrl": self.fake.url, "channelId": "msteams",
                "from": {"id": f"29:{person_id}", "name": person_id, "aadObjectId": aad or teams_aad(person_id)},
                "conversation": {"id": teams_conversation(person_id), "conversationType": "personal",
                                 "tenantId": "tenant-1"},
                "recipient": {"id": "28:policybot", "name": "Policy Bot"},
                "channelData": {"tenant": {"id": "tenant-1"}}, "locale": "en-GB"}
        if text is not None:
            body["text"] = text
        if value is not None:
            body["value"] = value
        return body

    async def post(self, activity: dict) -> None:
        async with self.channels.http.post(self.channels.url("/api/messages"), json=activity) as response:
            assert response.status in (200, 202), await response.text()
        await self.channels.server.app[TEAMS_CHANNEL].drain()

    async def link(self, person_id: str) -> None:
        """Linked on the roster, and one message from their personal chat so the bot can reach them."""
        link_account(self.channels.db, "teams", teams_aad(person_id), person_id)
        await self.post(self.activity(person_id, text="help"))

    async def say(self, person_id: str, text: str) -> None:
        await self.post(self.activity(person_id, text=text))

    async def click(self, person_id: str, button: Btn) -> None:
        await self.post(self.activity(person_id, value=button.raw))

    async def submit(self, person_id: str, form: FormSeen, values: dict[str, str]) -> None:
        await self.post(self.activity(person_id, value={**form.raw, **values}))

    def messages(self, person_id: str) -> list[Msg]:
        return [self._message(card) for call in self.fake.replies
                if call.conversation_id == teams_conversation(person_id) for card in call.cards]

    @staticmethod
    def _message(card: dict) -> Msg:
        body, actions = card.get("body", []), list(card.get("actions", []))
        title = body[0]["text"] if body and body[0].get("size") == "Medium" else ""
        inputs = [element["id"] for element in body if element["type"].startswith("Input.")]
        form = None
        if inputs:
            submit = actions.pop(0)
            form = FormSeen(submit["title"], submit["data"]["action"], submit["data"]["value"], inputs, submit["data"])
        buttons = [Btn(a["title"], a["data"]["action"], a["data"]["value"], a["data"]) for a in actions]
        return Msg(title, "\n".join(_strings(body)), buttons, form)


# --- local web chat ------------------------------------------------------------------------------

class LocalDriver:
    name = "local"

    def __init__(self, channels: "Channels"):
        self.channels = channels
        self.seen: dict[str, list[Msg]] = {}

    async def post(self, person_id: str, payload: dict) -> None:
        async with self.channels.http.post(self.channels.url("/local/messages"),
                                           json={"person": person_id, **payload}) as response:
            assert response.status == 200, await response.text()
            data = await response.json()
        self.seen.setdefault(person_id, []).extend(self._message(r) for r in data["replies"])

    async def say(self, person_id: str, text: str) -> None:
        await self.post(person_id, {"text": text})

    async def click(self, person_id: str, button: Btn) -> None:
        await self.post(person_id, {"action": button.action, "value": button.value})

    async def submit(self, person_id: str, form: FormSeen, values: dict[str, str]) -> None:
        # As the page does: the form's hidden value, then what was typed into each field.
        await self.post(person_id, {"action": form.submit_action, "value": {**form.hidden, **values}})

    async def poll(self, person_id: str) -> None:
        async with self.channels.http.get(self.channels.url("/local/inbox"), params={"person": person_id}) as response:
            assert response.status == 200
            data = await response.json()
        self.seen.setdefault(person_id, []).extend(self._message(r) for r in data["messages"])

    def messages(self, person_id: str) -> list[Msg]:
        return list(self.seen.get(person_id, []))

    @staticmethod
    def _message(reply: dict) -> Msg:
        buttons = [Btn(b["label"], b["action"], b["value"], b) for b in reply["buttons"]]
        form = reply.get("form")
        seen_form = FormSeen(form["title"], form["submit_action"], form["value"],
                             [f["name"] for f in form["fields"]], form) if form else None
        text = "\n".join(_strings({k: v for k, v in reply.items() if k != "data"}))
        return Msg(reply.get("title") or "", text, buttons, seen_form)


# --- one server for every channel ----------------------------------------------------------------

class Channels:
    def __init__(self, services, server: TestServer, slack: FakeSlack, connector: FakeConnector,
                 http: aiohttp.ClientSession, clock: FakeClock):
        self.services, self.server, self.slack, self.connector = services, server, slack, connector
        self.http, self.clock = http, clock
        self.db = services.db
        self.drivers = {"slack": SlackDriver(self), "teams": TeamsDriver(self), "local": LocalDriver(self)}
        # messages each person had already received on a channel when `mark` was last called
        self.marks: dict[tuple[str, str], int] = {}

    @property
    def hub(self):
        return self.server.app[HUB]

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def use(self, channel: str, *people: str) -> None:
        """Reach these people on `channel` only (local: no platform account at all)."""
        for person_id in people:
            self.db["platform_accounts"].delete_where("person_id = ?", [person_id])
            if channel == "slack":
                self.drivers["slack"].link(person_id)
            elif channel == "teams":
                await self.drivers["teams"].link(person_id)

    def mark(self, channel: str, *people: str) -> None:
        for person_id in people:
            self.marks[(channel, person_id)] = len(self.drivers[channel].messages(person_id))

    def new(self, channel: str, person_id: str) -> list[Msg]:
        return self.drivers[channel].messages(person_id)[self.marks.get((channel, person_id), 0):]

    async def expect(self, channel: str, person_id: str, containing: str, timeout: float = WAIT_SECONDS) -> Msg:
        """The first message `person_id` got on `channel` since the last mark that contains `containing`."""
        driver = self.drivers[channel]
        deadline = time.monotonic() + timeout
        while True:
            if channel == "local":
                await driver.poll(person_id)
            found = [m for m in self.new(channel, person_id) if containing in m.text or containing in m.title]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"{person_id} got no message containing {containing!r} on {channel}; got "
                                     f"{[(m.title, m.text[:120]) for m in self.new(channel, person_id)]}")
            await asyncio.sleep(0.02)

    async def settle(self, seconds: float = 0.3) -> None:
        """Give background work (bolt after its ack, the delivery loop) time to show anything stray."""
        await asyncio.sleep(seconds)
        await self.hub.dispatcher.deliver_due()
        await self.server.app[TEAMS_CHANNEL].drain()


async def start_channels(tmp_path_factory, knowledge, clock: FakeClock):
    services = composition.build_services(db_path=str(tmp_path_factory.mktemp("e2e") / "policybot.db"),
                                          clock=clock, knowledge=knowledge)
    slack = FakeSlack().__enter__()
    connector = FakeConnector()
    env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.api_url,
           "POLICYBOT_TEAMS_EMULATOR": "1"}  # Teams people are linked by teams_id, as the roster does
    server = TestServer(build_app(services, env=env), host="127.0.0.1")
    await server.start_server()
    http = aiohttp.ClientSession()
    return Channels(services, server, slack, connector, http, clock)


async def stop_channels(channels: Channels) -> None:
    await channels.http.close()
    await channels.server.close()
    channels.slack.__exit__()
    channels.connector.close()
    channels.services.db.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def channels(tmp_path_factory, knowledge):
    built = await start_channels(tmp_path_factory, knowledge, FakeClock())
    yield built
    await stop_channels(built)


# --- helpers for the drafts flow -----------------------------------------------------------------

CLEAN_DRAFT = ("draft: Year 4 had a wonderful trip to Marwell Zoo today. Thank you to all the parents "
               "who helped!\npictured: none")
SECOND_VERSION = ("Year 4 had a wonderful trip to Marwell Zoo today, and saw the snow leopards. Thank you "
                  "to all the parents who helped!")


def draft_id_of(message: Msg) -> int:
    import re

    match = re.search(r"Draft (\d+)", message.title + " " + message.text)
    assert match, message
    return int(match.group(1))


def drafts_count(channels: Channels) -> int:
    return channels.db["drafts"].count


async def submit_clean_draft(channels: Channels, channel: str, text: str = CLEAN_DRAFT) -> tuple[int, Msg]:
    """hughes (poster) submits; returns the draft id and the approval message okafor received."""
    channels.mark(channel, "hughes", "okafor")
    await channels.drivers[channel].say("hughes", text)
    sent = await channels.expect(channel, "hughes", "for approval")
    draft_id = draft_id_of(sent)
    assert "Pre-check: nothing found against the policy." in sent.text
    approval = await channels.expect(channel, "okafor", f"Post draft {draft_id} needs your approval")
    return draft_id, approval


def slack_calls_since(channels: Channels, start: int) -> list:
    with channels.slack._lock:
        return list(channels.slack.calls[start:])


# --- the whole flow on every channel --------------------------------------------------------------

@pytest.mark.parametrize("channel", CHANNELS)
async def test_submit_request_changes_resubmit_approve_publish(channels, channel):
    await channels.use(channel, "hughes", "okafor")
    driver = channels.drivers[channel]
    slack_start, connector_start = len(channels.slack.calls), len(channels.connector.calls)

    draft_id, approval = await submit_clean_draft(channels, channel)
    assert approval.title == f"Post draft {draft_id} needs your approval"
    assert [b.label for b in approval.buttons] == ["Approve", "Request changes", "Reject"]
    assert "Marwell Zoo" in approval.text
    assert "Pre-check: nothing found against the policy." in approval.text

    # Request changes without a comment: the approver is asked for one in a form (modal / card / HTML).
    channels.mark(channel, "hughes", "okafor")
    await driver.click("okafor", approval.button("Request changes"))
    await channels.expect(channel, "okafor", f"Draft {draft_id}")
    form = next(m.form for m in channels.new(channel, "okafor") if m.form)
    assert form.submit_action == "draft.changes" and form.fields == ["comment"]
    assert draft_store.get(channels.db, draft_id).state == "submitted"  # nothing decided yet
    await driver.submit("okafor", form, {"comment": "Please mention the snow leopards."})
    await channels.expect(channel, "okafor", "sent back for changes")
    told = await channels.expect(channel, "hughes", "changes requested")
    assert "Please mention the snow leopards." in told.text
    assert draft_store.get(channels.db, draft_id).state == "changes_requested"

    # The submitter edits and resubmits: version 2, and the approver sees what changed.
    channels.mark(channel, "hughes", "okafor")
    await driver.click("hughes", told.button("Edit and resubmit"))
    await channels.expect(channel, "hughes", "Edit")
    edit_form = next(m.form for m in channels.new(channel, "hughes") if m.form)
    assert edit_form.submit_action == "draft.resubmit"
    await driver.submit("hughes", edit_form, {"platform": "facebook", "text": SECOND_VERSION,
                                              "photos": "", "pictured": "none"})
    await channels.expect(channel, "hughes", "resubmitted as version 2")
    second = await channels.expect(channel, "okafor", f"Post draft {draft_id} needs your approval")
    assert "What changed since version 1" in second.text and "[added: " in second.text and "snow leopards" in second.text
    assert draft_store.get(channels.db, draft_id).version == 2

    # The old version-1 Approve button no longer works; the new one does.
    channels.mark(channel, "okafor", "hughes")
    await driver.click("okafor", approval.button("Approve"))
    await channels.expect(channel, "okafor", "is now at version 2")
    assert draft_store.get(channels.db, draft_id).state == "submitted"
    await driver.click("okafor", second.button("Approve"))
    await channels.expect(channel, "okafor", f"Draft {draft_id} (version 2) approved")
    approved = await channels.expect(channel, "hughes", f"Draft {draft_id} approved by Daniel Okafor")
    assert draft_store.get(channels.db, draft_id).state == "approved"

    channels.mark(channel, "okafor", "hughes")
    await driver.click("hughes", approved.button("Mark as published"))
    await channels.expect(channel, "hughes", "recorded as published")
    await channels.expect(channel, "okafor", "has been published")
    assert draft_store.get(channels.db, draft_id).state == "published"

    trail = draft_store.audit_trail(channels.db, draft_id)
    assert [row["action"] for row in trail] == ["submit", "request_changes", "resubmit", "approve", "publish"]
    assert {row["channel"] for row in trail} == {channel}

    await channels.settle()
    if channel == "slack":
        # Every Web API call of the flow: DMs with the two people, modals for the two forms, and the
        # approver's decided cards closed in place (chat.update), nothing else.
        calls = slack_calls_since(channels, slack_start)
        assert {c.method for c in calls} <= {"conversations.open", "chat.postMessage", "views.open", "auth.test",
                                             "chat.update"}
        assert {c.body["channel"] for c in calls if c.method == "chat.update"} <= {slack_dm("okafor")}
        assert {c.body["channel"] for c in calls if c.method == "chat.postMessage"} == {slack_dm("hughes"), slack_dm("okafor")}
        assert {c.body["users"] for c in calls if c.method == "conversations.open"} == {slack_user("hughes"), slack_user("okafor")}
        assert len([c for c in calls if c.method == "views.open"]) == 2
        assert all(c.headers.get("Authorization") == f"Bearer {TOKEN}" for c in calls)
        approvals = [c for c in calls if c.method == "chat.postMessage" and c.body["channel"] == slack_dm("okafor")
                     and f"Post draft {draft_id} needs your approval" in c.blocks_text]
        assert len(approvals) == 2  # version 1 and version 2, each exactly once
    elif channel == "teams":
        calls = channels.connector.calls[connector_start:]
        assert {c.conversation_id for c in calls} <= {teams_conversation("hughes"), teams_conversation("okafor")}
        assert all((c.method == "POST" and c.is_reply) or c.is_update for c in calls)
        approvals = [c for c in calls if f"Post draft {draft_id} needs your approval" in c.text]
        assert len(approvals) == 2
    else:
        assert channels.slack.calls[slack_start:] == [] and channels.connector.calls[connector_start:] == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_reject_needs_a_reason_and_the_submitter_is_told_it(channels, channel):
    await channels.use(channel, "hughes", "okafor")
    driver = channels.drivers[channel]
    draft_id, approval = await submit_clean_draft(channels, channel)

    channels.mark(channel, "okafor", "hughes")
    await driver.click("okafor", approval.button("Reject"))
    await channels.expect(channel, "okafor", "why are you rejecting it")
    form = next(m.form for m in channels.new(channel, "okafor") if m.form)
    assert form.submit_action == "draft.reject" and form.fields == ["reason"]
    # An empty reason (a hand-made submit: the platforms' own forms would not send it) decides nothing.
    channels.mark(channel, "okafor")
    await driver.submit("okafor", form, {"reason": "   "})
    await channels.expect(channel, "okafor", "why are you rejecting it")
    assert draft_store.get(channels.db, draft_id).state == "submitted"
    await driver.submit("okafor", form, {"reason": "We already posted about the zoo this week."})
    await channels.expect(channel, "okafor", f"Draft {draft_id} (version 1) rejected")
    told = await channels.expect(channel, "hughes", f"Draft {draft_id} was not approved")
    assert "We already posted about the zoo this week." in told.text
    draft = draft_store.get(channels.db, draft_id)
    assert draft.state == "rejected" and draft.last_reason == "We already posted about the zoo this week."


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("text, finding", [
    ("draft: Vote Labour at the next general election to save our schools.\npictured: none", "political"),
    ("draft: Well done Leo Fernandes for winning the spelling bee!\npictured: Leo Fernandes", "no consent"),
])
async def test_a_blocked_draft_is_not_routed(channels, channel, text, finding):
    await channels.use(channel, "hughes", "okafor")
    before = drafts_count(channels)
    channels.mark(channel, "hughes", "okafor")
    await channels.drivers[channel].say("hughes", text)
    told = await channels.expect(channel, "hughes", "The pre-check found problems")
    assert finding in told.text and "Nothing was sent for approval" in told.text
    await channels.drivers[channel].say("hughes", "cancel")
    await channels.expect(channel, "hughes", "Cancelled")
    await channels.settle()
    assert drafts_count(channels) == before
    assert channels.new(channel, "okafor") == []


# --- role checks over the channels ---------------------------------------------------------------

@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_non_poster_cannot_submit(channels, channel):
    await channels.use(channel, "clarke", "okafor")
    before = drafts_count(channels)
    channels.mark(channel, "clarke", "okafor")
    await channels.drivers[channel].say("clarke", CLEAN_DRAFT)
    refused = await channels.expect(channel, "clarke", "authorised by the IT manager")
    assert "Sam Patel" in refused.text  # who can authorise them
    await channels.settle()
    assert drafts_count(channels) == before
    assert channels.new(channel, "okafor") == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_non_approver_click_and_the_submitters_own_click_are_refused(channels, channel):
    await channels.use(channel, "hughes", "okafor", "clarke", "ingram")
    driver = channels.drivers[channel]
    draft_id, approval = await submit_clean_draft(channels, channel)
    channels.mark(channel, "clarke", "ingram", "hughes", "okafor")

    await driver.click("clarke", approval.button("Approve"))  # a staff member with the button's payload
    await channels.expect(channel, "clarke", "Only the Deputy Head can approve")
    await driver.click("ingram", approval.button("Approve"))  # the Headteacher, while the Deputy Head is in
    await channels.expect(channel, "ingram", "marked away")
    await driver.click("hughes", approval.button("Approve"))  # the submitter
    await channels.expect(channel, "hughes", "Nobody can approve their own draft")
    await driver.click("clarke", approval.button("Reject"))
    await channels.expect(channel, "clarke", "Only the Deputy Head can approve")
    await channels.settle()
    assert draft_store.get(channels.db, draft_id).state == "submitted"
    assert [row["action"] for row in draft_store.audit_trail(channels.db, draft_id)] == ["submit"]
    assert channels.new(channel, "okafor") == []  # nothing was decided, so nobody was told anything


async def test_slack_replayed_button_from_another_user_is_refused(channels):
    """The approver's own block_actions body, correctly signed, but with another user's id."""
    await channels.use("slack", "hughes", "okafor", "clarke")
    slack = channels.drivers["slack"]
    draft_id, approval = await submit_clean_draft(channels, "slack")
    channels.mark("slack", "clarke", "hughes", "okafor")

    for impostor, refusal in ((slack_user("clarke"), "Only the Deputy Head"),
                              (slack_user("hughes"), "Nobody can approve their own draft"),
                              ("U0STRANGER", "I don't know who you are")):
        start = len(channels.slack.calls)
        body = slack.click_body("okafor", approval.button("Approve"), user_id=impostor)
        assert await slack.post(body, "application/x-www-form-urlencoded") == 200
        await channels.slack.wait_for_async("chat.postMessage", containing=refusal)
        await channels.settle(0.1)
        # One answer, in the conversation the click came from; no decision, so no notification.
        posted = [c for c in slack_calls_since(channels, start) if c.method == "chat.postMessage"]
        assert len(posted) == 1 and refusal in posted[0].blocks_text
    await channels.settle()
    assert draft_store.get(channels.db, draft_id).state == "submitted"
    assert not [m for m in channels.new("slack", "hughes")]
    assert not [m for m in channels.new("slack", "okafor") if "approved" in m.text.lower()]
    # Still decidable by the real approver afterwards.
    await slack.click("okafor", approval.button("Approve"))
    await channels.expect("slack", "hughes", f"Draft {draft_id} approved by Daniel Okafor")


async def test_teams_card_submit_replayed_by_another_user_is_refused(channels):
    await channels.use("teams", "hughes", "okafor", "clarke")
    teams = channels.drivers["teams"]
    draft_id, approval = await submit_clean_draft(channels, "teams")
    channels.mark("teams", "clarke", "hughes", "okafor")
    # The same card data, sent by clarke from her own chat, and by someone unknown claiming okafor's chat.
    await teams.click("clarke", approval.button("Approve"))
    await channels.expect("teams", "clarke", "Only the Deputy Head")
    channels.connector.member = lambda user_id: None  # the connector does not know them either
    try:
        await teams.post(teams.activity("okafor", value=approval.button("Approve").raw, aad="aad-stranger"))
    finally:
        from tests.fake_connector import default_member

        channels.connector.member = default_member
    await channels.expect("teams", "okafor", "I don't know who you are")
    assert draft_store.get(channels.db, draft_id).state == "submitted"
    assert channels.new("teams", "hughes") == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_deputy_heads_own_draft_goes_to_the_headteacher_and_not_back_to_them(channels, channel):
    await channels.use(channel, "okafor", "ingram")
    driver = channels.drivers[channel]
    channels.mark(channel, "okafor", "ingram")
    await driver.say("okafor", CLEAN_DRAFT)
    sent = await channels.expect(channel, "okafor", "sent to Claire Ingram for approval")
    draft_id = draft_id_of(sent)
    approval = await channels.expect(channel, "ingram", f"Post draft {draft_id} needs your approval")
    assert not [m for m in channels.new(channel, "okafor") if "needs your approval" in m.title]
    channels.mark(channel, "okafor")
    await driver.click("okafor", approval.button("Approve"))
    await channels.expect(channel, "okafor", "Nobody can approve their own draft")
    assert draft_store.get(channels.db, draft_id).state == "submitted"
    await driver.click("ingram", approval.button("Approve"))
    await channels.expect(channel, "okafor", f"Draft {draft_id} approved by Claire Ingram")
