"""A button on an item already decided changes nothing: a replayed signed Slack request, or a second
press, answers "already approved by … at …" and nobody is told twice.

The real server on 127.0.0.1 with Slack pointed at the fake Web API; the poster, the Deputy Head,
the reporter and the DSL are linked to Slack, so every notification the bot queues is delivered
there and counted at the fake.
"""
from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import build_app
from bot.server import HUB
from bot.slack import render as slack_render
from domain.messages import Incoming
from handlers.router import Router
from storage import drafts as draft_store
from storage import reports as report_store
from storage.roster import get_person, link_account
from tests.fake_slack import FakeSlack, signed_headers

SECRET = "decided-signing-secret"
AT = "26 November 2026, 10:00"  # the test clock's start, in the school's time zone
QUIET_SECONDS = 1.0  # long enough for the delivery loop to send anything a replay had queued


class Stack:
    def __init__(self, services, slack: FakeSlack, server: TestServer, session: aiohttp.ClientSession):
        self.services, self.slack, self.server, self.session = services, slack, server, session

    def signed(self, payload: dict) -> tuple[bytes, dict]:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return body, signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded")

    async def send(self, body: bytes, headers: dict) -> int:
        async with self.session.post(self.server.make_url("/slack/events"), data=body, headers=headers) as response:
            return response.status

    def click(self, person_id: str, action: str, value: dict, message: dict | None = None) -> tuple[bytes, dict]:
        """`message`: the message the button is on, as Slack sends it back with the press."""
        user, dm = "U0" + person_id.upper(), "D0" + person_id.upper()
        payload = {"type": "block_actions", "team": {"id": "T0SCHOOL"}, "user": {"id": user},
                   "trigger_id": "t", "channel": {"id": dm},
                   "container": {"type": "message", "channel_id": dm},
                   "actions": [{"type": "button", "action_id": f"{action}#0", "value": json.dumps(value)}]}
        if message is not None:
            payload["message"] = message
        return self.signed(payload)

    def press_on(self, person_id: str, posted, label: str) -> tuple[bytes, dict]:
        """Press the button labelled `label` on a message the fake received, with that message."""
        [element] = [e for block in posted.blocks if block.get("type") == "actions"
                     for e in block["elements"] if e["text"]["text"] == label]
        action = element["action_id"].rsplit("#", 1)[0]
        message = {"type": "message", "ts": posted.response_ts, "text": posted.body.get("text"),
                   "blocks": posted.blocks}
        return self.click(person_id, action, json.loads(element["value"]), message)

    def modal(self, person_id: str, action: str, hidden: dict, values: dict) -> tuple[bytes, dict]:
        state = {name: {name: {"type": "static_select", "selected_option": {"value": value}}}
                 for name, value in values.items()}
        return self.signed({"type": "view_submission", "team": {"id": "T0SCHOOL"},
                            "user": {"id": "U0" + person_id.upper()}, "trigger_id": "t",
                            "view": {"id": "V1", "type": "modal", "callback_id": slack_render.FORM_CALLBACK_ID,
                                     "private_metadata": json.dumps({"action": action, "value": hidden}),
                                     "state": {"values": state}}})

    async def posts_to(self, person_id: str, containing: str, count: int = 1, timeout: float = 10.0) -> list:
        found = await self.slack.wait_for_async("chat.postMessage", count=count, timeout=timeout,
                                                containing=containing)
        return [p for p in found if p.body["channel"] == "D0" + person_id.upper()]

    async def deliver(self) -> None:
        """Send what handlers queued outside a request (as the delivery loop would)."""
        await self.server.app[HUB].dispatcher.deliver_due()

    async def quiet_posts_to(self, person_id: str, containing: str) -> list:
        """Everything sent to the person so far, after giving the delivery loop time to send more."""
        await asyncio.sleep(QUIET_SECONDS)
        return await self.posts_to(person_id, containing, count=99, timeout=0.01)


@pytest.fixture
async def stack(services):
    fake = FakeSlack().__enter__()
    for person in ("okafor", "hughes", "shah", "clarke"):
        link_account(services.db, "slack", "U0" + person.upper(), person)
    env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-decided", "SLACK_API_URL": fake.api_url}
    server = TestServer(build_app(services, env=env), host="127.0.0.1")
    await server.start_server()
    session = aiohttp.ClientSession()
    yield Stack(services, fake, server, session)
    await session.close()
    await server.close()
    fake.__exit__()


def _as(services, person_id: str, **fields) -> Incoming:
    return Incoming(channel="cli", platform_user_id=person_id, person=get_person(services.db, person_id),
                    conversation_id=f"test:{person_id}", **fields)


def submit_draft(services) -> int:
    Router(services).handle(_as(services, "hughes", action="draft.submit", value={
        "platform": "facebook", "pictured": "none",
        "text": "Year 4 had a brilliant trip to Marwell Zoo today. Thank you to all the parents who helped!"}))
    [draft] = draft_store.drafts_of(services.db, "hughes")
    return draft.id


def file_report(services) -> str:
    router, replies = Router(services), []
    for text in ["report a concern", "no", "1", "1", "A pupil showed me worrying messages", "a Y5 pupil",
                 "today at 9", "the playground", "none", "send"]:
        replies = router.handle(_as(services, "clarke", text=text))
    return replies[-1].data["report_ref"]


async def test_a_replayed_approve_click_changes_nothing_and_tells_the_poster_once(stack, services):
    draft_id = submit_draft(services)
    approve = stack.click("okafor", "draft.approve", {"draft_id": draft_id, "version": 1})
    assert await stack.send(*approve) == 200
    assert len(await stack.posts_to("hughes", "approved by Daniel Okafor")) == 1

    assert await stack.send(*approve) == 200  # the same signed request, byte for byte
    [answer] = await stack.posts_to("okafor", "already approved", timeout=10)
    assert f"Draft {draft_id} was already approved by Daniel Okafor at {AT}. Nothing was changed." in answer.blocks_text
    # A different decision pressed afterwards on the same card is refused the same way.
    assert await stack.send(*stack.click("okafor", "draft.reject", {"draft_id": draft_id, "version": 1,
                                                                    "reason": "on second thoughts"})) == 200
    [answer] = await stack.posts_to("okafor", "so it cannot be rejected")
    assert f"already approved by Daniel Okafor at {AT}, so it cannot be rejected" in answer.blocks_text

    assert len(await stack.quiet_posts_to("hughes", f"Draft {draft_id}")) == 1
    assert draft_store.get(services.db, draft_id).state == "approved"
    assert [row["action"] for row in draft_store.audit_trail(services.db, draft_id)] == ["submit", "approve"]


async def test_replayed_acknowledge_and_close_change_nothing_and_tell_the_reporter_once(stack, services):
    ref = file_report(services)
    acknowledge = stack.click("shah", "report.ack", {"ref": ref})
    assert await stack.send(*acknowledge) == 200
    assert len(await stack.posts_to("clarke", "has been read by Priya Shah")) == 1
    assert await stack.send(*acknowledge) == 200
    [answer] = await stack.posts_to("shah", "already acknowledged")
    assert f"{ref} was already acknowledged by Priya Shah at {AT}. Nothing was changed." in answer.blocks_text

    close = stack.modal("shah", "report.close_save", {"ref": ref}, {"outcome": "advice_given"})
    assert await stack.send(*close) == 200
    assert len(await stack.posts_to("clarke", "has been dealt with and closed")) == 1
    assert await stack.send(*close) == 200
    [answer] = await stack.posts_to("shah", "already closed")
    assert f"{ref} was already closed by Priya Shah at {AT}. Nothing was changed." in answer.blocks_text
    assert await stack.send(*acknowledge) == 200  # acknowledging a closed report says it is closed
    assert len(await stack.posts_to("shah", "already closed", count=2)) == 2

    assert len(await stack.quiet_posts_to("clarke", ref)) == 2  # read, then closed: once each
    report = report_store.get_report(services.db, ref)
    assert report["status"] == "closed" and report["outcome"] == "advice_given"
    kinds = [e["kind"] for e in report_store.events_of(services.db, report)]
    assert kinds.count("acknowledged") == 1 and kinds.count("closed") == 1


def _buttons(blocks: list) -> list[str]:
    return [e["text"]["text"] for b in blocks if b.get("type") == "actions" for e in b["elements"]]


def _context(blocks: list) -> str:
    return " ".join(e.get("text", "") for b in blocks if b.get("type") == "context" for e in b["elements"])


async def test_slack_approve_closes_the_buttons_on_the_approvers_message(stack, services):
    draft_id = submit_draft(services)
    await stack.deliver()
    [request] = await stack.posts_to("okafor", "needs your approval")
    assert {"Approve", "Reject"} <= set(_buttons(request.blocks))
    assert await stack.send(*stack.press_on("okafor", request, "Approve")) == 200
    [update] = await stack.slack.wait_for_async("chat.update")
    assert update.body["channel"] == "D0OKAFOR" and update.body["ts"] == request.response_ts
    blocks = update.blocks
    assert _buttons(blocks) == [] and f"Approved by Daniel Okafor at {AT}" in _context(blocks)
    assert "Marwell Zoo" in json.dumps(blocks)  # the draft is still shown, only the buttons went
    # The same card pressed again (a second tab, a replay) is closed again and changes nothing.
    assert await stack.send(*stack.press_on("okafor", request, "Reject")) == 200
    updates = await stack.slack.wait_for_async("chat.update", count=2)
    assert f"Approved by Daniel Okafor at {AT}" in _context(updates[-1].blocks)
    assert draft_store.get(services.db, draft_id).state == "approved"


async def test_slack_reject_through_its_modal_closes_the_original_message(stack, services):
    draft_id = submit_draft(services)
    await stack.deliver()
    [request] = await stack.posts_to("okafor", "needs your approval")
    assert await stack.send(*stack.press_on("okafor", request, "Reject")) == 200
    [opened] = await stack.slack.wait_for_async("views.open")
    view = opened.body["view"] if isinstance(opened.body["view"], dict) else json.loads(opened.body["view"])
    assert not stack.slack.calls_to("chat.update")  # nothing is decided until the reason is given
    metadata = json.loads(view["private_metadata"])
    body, headers = stack.signed({"type": "view_submission", "team": {"id": "T0SCHOOL"}, "user": {"id": "U0OKAFOR"},
                                  "trigger_id": "t2", "view": {"id": "V2", "type": "modal",
                                  "callback_id": view["callback_id"], "private_metadata": view["private_metadata"],
                                  "state": {"values": {"reason": {"reason": {"type": "plain_text_input",
                                                                             "value": "Names a pupil"}}}}}})
    assert metadata["action"] == "draft.reject"
    assert await stack.send(body, headers) == 200
    [update] = await stack.slack.wait_for_async("chat.update")
    assert update.body["ts"] == request.response_ts and _buttons(update.blocks) == []
    assert f"Rejected by Daniel Okafor at {AT}" in _context(update.blocks)


async def test_slack_acknowledge_closes_only_the_acknowledge_button(stack, services):
    ref = file_report(services)
    await stack.deliver()
    [alert] = await stack.posts_to("shah", ref)
    assert "Acknowledge" in _buttons(alert.blocks)
    assert await stack.send(*stack.press_on("shah", alert, "Acknowledge")) == 200
    [update] = await stack.slack.wait_for_async("chat.update")
    assert "Acknowledge" not in _buttons(update.blocks) and "Close with outcome" in _buttons(update.blocks)
    assert f"Acknowledged by Priya Shah at {AT}" in _context(update.blocks)


async def test_slack_a_refused_press_closes_nothing_and_says_nothing_of_the_decision(stack, services):
    ref = file_report(services)
    link_account(services.db, "slack", "U0LEWIS", "lewis")
    Router(services).handle(_as(services, "shah", action="report.ack", value={"ref": ref}))
    await stack.deliver()
    [alert] = await stack.posts_to("shah", ref)
    assert await stack.send(*stack.press_on("lewis", alert, "Acknowledge")) == 200
    [refusal] = await stack.posts_to("lewis", "Role needed")
    assert "Priya Shah" not in refusal.blocks_text
    await asyncio.sleep(QUIET_SECONDS)
    assert not stack.slack.calls_to("chat.update")
