"""Findings of the security and correctness review, each pinned by a test that failed before its fix.

Real SQLite files, the real server on real sockets, the fake Slack Web API from tests/fake_slack.py.
"""
from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import build_app
from bot.server import HUB
from bot.slack import SLACK_ADAPTER
from domain.messages import Incoming, Notification, Reply
from tests.fake_slack import FakeSlack, signed_headers

SECRET = "review-signing-secret"
CONFIDENTIAL = "Quokka-7731 says her stepdad hits her"


def _non_loopback_address() -> str | None:
    """An address of this machine that is not 127.0.0.1 (what another computer would connect to)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


# --- the local web chat speaks as anyone: it must answer this computer only ---------------------

async def test_local_web_chat_refuses_other_computers_even_when_the_server_listens_on_all(services):
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    server = TestServer(build_app(services, env={}), host="0.0.0.0")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            base = f"http://{address}:{server.port}"
            async with session.post(f"{base}/local/messages", json={"person": "shah", "text": "open reports"}) as r:
                assert r.status == 403
                assert "this computer" in (await r.json())["error"]
            async with session.get(f"{base}/local/people") as r:
                assert r.status == 403
            async with session.get(f"{base}/local/inbox", params={"person": "shah"}) as r:
                assert r.status == 403
            async with session.get(f"{base}/healthz") as r:  # the other channels are not affected
                assert r.status == 200
            # From this computer it still works.
            async with session.post(f"http://127.0.0.1:{server.port}/local/messages",
                                    json={"person": "clarke", "text": "help"}) as r:
                assert r.status == 200
    finally:
        await server.close()


async def test_local_web_chat_refuses_requests_relayed_by_a_proxy(services):
    server = TestServer(build_app(services, env={}), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"},
                           {"X-Real-IP": "203.0.113.9"}):
                async with session.post(server.make_url("/local/messages"), headers=header,
                                        json={"person": "shah", "text": "open reports"}) as r:
                    assert r.status == 403, header
    finally:
        await server.close()


# --- logs: DEBUG must not turn on the platform SDKs' request-body logging ----------------------

def _file_report(services, reporter: str = "clarke", what: str = CONFIDENTIAL) -> str:
    from handlers.router import Router
    from storage.roster import get_person

    router, person = Router(services), get_person(services.db, reporter)
    replies = []
    for text in ["report a concern", "no", "1", "1", what, "a Y5 pupil", "today at 9", "the playground",
                 "none", "send"]:
        replies = router.handle(Incoming(channel="cli", platform_user_id=reporter, person=person, text=text))
    return replies[-1].data["report_ref"]


def _slack_env(slack: FakeSlack) -> dict:
    return {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.api_url}


def _dm_body(text: str, user: str, event_id: str) -> bytes:
    return json.dumps({"token": "t", "team_id": "T0SCHOOL", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": 1700000000,
                       "event": {"type": "message", "channel_type": "im", "channel": "D" + user[1:],
                                 "user": user, "text": text, "ts": "1700000001.000100"}}).encode()


async def test_debug_logging_never_writes_report_content_sent_to_slack(services, json_logs):
    from storage.roster import link_account

    ref = _file_report(services)
    link_account(services.db, "slack", "U0SHAH", "shah")
    with FakeSlack() as slack:
        server = TestServer(build_app(services, env=_slack_env(slack)), host="127.0.0.1")
        await server.start_server()
        try:
            body = _dm_body(f"view {ref}", "U0SHAH", "EvDebug1")
            async with aiohttp.ClientSession() as session:
                async with session.post(server.make_url("/slack/events"), data=body,
                                        headers=signed_headers(SECRET, body)) as response:
                    assert response.status == 200
            posted = await slack.wait_for_async("chat.postMessage", containing="Quokka-7731")
            assert posted, "the DSL should have been shown the report"
        finally:
            await server.close()
    assert "Quokka-7731" not in json_logs.getvalue()


# --- Slack: a form too big for its button waits in memory; only its owner may open it ----------

async def until(condition, what: str, timeout: float = 10.0) -> None:
    """Wait for `condition()` to hold (polling, with a deadline): background work is never timed."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.01)


class _Harness:
    def __init__(self, server, slack, session):
        self.server, self.slack, self.session = server, slack, session

    async def signed(self, body: bytes, content_type: str = "application/json") -> int:
        async with self.session.post(self.server.make_url("/slack/events"), data=body,
                                     headers=signed_headers(SECRET, body, content_type=content_type)) as r:
            return r.status

    async def click(self, element: dict, user: str) -> int:
        from urllib.parse import urlencode

        payload = {"type": "block_actions", "team": {"id": "T0SCHOOL"}, "api_app_id": "A1",
                   "user": {"id": user, "team_id": "T0SCHOOL"}, "trigger_id": f"trigger-{user}",
                   "channel": {"id": "D" + user[1:]}, "container": {"type": "message"},
                   "message": {"ts": "1700000000.000001"},
                   "actions": [{"type": "button", "action_id": element["action_id"], "value": element["value"]}]}
        return await self.signed(urlencode({"payload": json.dumps(payload)}).encode(),
                                 "application/x-www-form-urlencoded")


@pytest.fixture
async def slack_harness(services):
    with FakeSlack() as slack:
        server = TestServer(build_app(services, env=_slack_env(slack)), host="127.0.0.1")
        await server.start_server()
        session = aiohttp.ClientSession()
        try:
            yield _Harness(server, slack, session)
        finally:
            await session.close()
            await server.close()


async def test_a_stashed_form_opens_only_for_its_owner_and_is_not_kept_in_plain_text(slack_harness):
    from bot.slack import render
    from domain.messages import Form, FormField
    from handlers.router import TextRoute

    long_answer = CONFIDENTIAL + " " + "and more detail " * 200  # too big for a button's value
    form = Form("Report a concern", "report.submit",
                (FormField("what", "What happened?", kind="multiline", initial=long_answer),))
    hub = slack_harness.server.app[HUB]
    hub.router.text_routes.insert(0, TextRoute("form", lambda i, s: True,
                                               lambda i, s: [Reply("Please check.", form=form, private=True)]))
    assert await slack_harness.signed(_dm_body("report", "U0CLARKE", "EvStash1")) == 200
    posted = (await slack_harness.slack.wait_for_async("chat.postMessage"))[0]
    button = next(e for b in posted.blocks if b["type"] == "actions" for e in b["elements"])
    assert "form_ref" in button["value"]
    assert "Quokka-7731" not in repr(list(render._STASHED_FORMS.values()))

    assert await slack_harness.click(button, "U0NOWAK") == 200  # someone else, holding the token
    # the one "expired" message (waiting for two of them sat out the whole 10 s timeout)
    assert await slack_harness.slack.wait_for_async("chat.postMessage", containing="expired")
    assert slack_harness.slack.calls_to("views.open") == []

    assert await slack_harness.click(button, "U0CLARKE") == 200  # its owner
    opened = (await slack_harness.slack.wait_for_async("views.open"))[0]
    view = opened.body["view"] if isinstance(opened.body["view"], dict) else json.loads(opened.body["view"])
    assert view["blocks"][0]["element"]["initial_value"].startswith("Quokka-7731")


# --- Slack: bounded work under overload, acks still immediate ------------------------------------

class GatedSlack(FakeSlack):
    """chat.postMessage waits at a gate (a Slack that has slowed down), counting calls in flight."""

    def __post_init__(self):
        super().__post_init__()
        import threading

        self.gate = threading.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self._count_lock = threading.Lock()

    def _answer(self, method: str, body: dict) -> dict:
        if method == "chat.postMessage":
            with self._count_lock:
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.gate.wait(20)
            with self._count_lock:
                self.in_flight -= 1
        return super()._answer(method, body)


async def test_slack_turns_are_bounded_and_overflow_is_refused_at_once(services, monkeypatch):
    import time

    from bot.slack import adapter as slack_adapter

    monkeypatch.setattr(slack_adapter, "MAX_CONCURRENT_TURNS", 2)
    monkeypatch.setattr(slack_adapter, "MAX_WAITING_TURNS", 3)
    slack = GatedSlack().__enter__()
    server = TestServer(build_app(services, env=_slack_env(slack)), host="127.0.0.1")
    await server.start_server()
    adapter = server.app[SLACK_ADAPTER]
    try:
        async with aiohttp.ClientSession() as session:
            harness = _Harness(server, slack, session)
            statuses, slowest = [], 0.0
            for number in range(8):
                started = time.monotonic()
                statuses.append(await harness.signed(_dm_body("help", f"U0GUEST{number}", f"EvLoad{number}")))
                slowest = max(slowest, time.monotonic() - started)
                # The turn just acked is admitted when bolt runs its listener, after the ack.
                await until(lambda: adapter.turns_admitted == statuses.count(200), "the turn just acked started")
            assert slowest < 1.5, slowest  # Slack's 3 s ack holds under overload
            assert statuses[:5] == [200] * 5 and statuses[5:] == [503] * 3, statuses
            await until(lambda: slack.in_flight == 2, "two turns at Slack")
            assert slack.most_in_flight == 2  # no more than the cap reach Slack at once
            slack.gate.set()
            answered = await slack.wait_for_async("chat.postMessage", count=5)
            assert len(answered) == 5
            # Slack retries a refused event later; it is answered then, once.
            body = _dm_body("help", "U0GUEST7", "EvLoad7")
            async with session.post(server.make_url("/slack/events"), data=body,
                                    headers={**signed_headers(SECRET, body), "X-Slack-Retry-Num": "1",
                                             "X-Slack-Retry-Reason": "http_error"}) as response:
                assert response.status == 200
            assert len(await slack.wait_for_async("chat.postMessage", count=6)) == 6
    finally:
        slack.gate.set()
        await server.close()
        slack.__exit__()


# --- the delivery loop outlives a database fault ------------------------------------------------

async def test_the_delivery_loop_survives_a_database_error_and_delivers_afterwards(services):
    from bot.core import Hub
    from storage.outbox import take_local_inbox

    hub = Hub(services)
    loop_task = asyncio.create_task(hub.dispatcher.run())
    try:
        await asyncio.sleep(0.1)
        services.db.execute("ALTER TABLE outbox RENAME TO outbox_unreachable")  # every outbox query fails
        hub.dispatcher.wake()
        await asyncio.sleep(0.3)
        assert not loop_task.done(), loop_task.exception()
        services.db.execute("ALTER TABLE outbox_unreachable RENAME TO outbox")
        with services.db.atomic():
            services.notify(Notification("clarke", Reply("Your training is due."), key="review-loop-1"))
        for _ in range(100):
            messages = take_local_inbox(services.db, "clarke")
            if messages:
                break
            await asyncio.sleep(0.05)
        assert [m.text for m in messages] == ["Your training is due."]
    finally:
        loop_task.cancel()
        await asyncio.gather(loop_task, return_exceptions=True)


# --- training: a guided step recording someone else's training re-checks the role ----------------

def test_recording_someone_elses_training_rechecks_the_role_at_the_last_step(services):
    from handlers.router import Router
    from storage import training as training_store
    from storage.roster import get_person, set_roles

    router = Router(services)

    def say(text):
        return router.handle(Incoming(channel="cli", platform_user_id="shah",
                                      person=get_person(services.db, "shah"), text=text))

    first = say("record training for Amy Clarke")
    assert "When was" in first[0].text  # the DSL may; the date is asked
    set_roles(services.db, "shah", {"staff"})  # no longer the DSL before answering
    replies = say("today")
    assert "Only the Headteacher or the DSL" in replies[0].text, replies[0].text
    assert training_store.completed_on(training_store.get_record(services.db, "clarke"), "training") is None
