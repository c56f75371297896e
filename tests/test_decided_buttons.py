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

    def click(self, person_id: str, action: str, value: dict) -> tuple[bytes, dict]:
        user, dm = "U0" + person_id.upper(), "D0" + person_id.upper()
        return self.signed({"type": "block_actions", "team": {"id": "T0SCHOOL"}, "user": {"id": user},
                            "trigger_id": "t", "channel": {"id": dm},
                            "container": {"type": "message", "channel_id": dm},
                            "actions": [{"type": "button", "action_id": f"{action}#0",
                                         "value": json.dumps(value)}]})

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
