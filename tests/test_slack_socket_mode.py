"""Slack Socket Mode end to end: the real server on 127.0.0.1 with SLACK_APP_TOKEN set, slack-bolt's
own Socket Mode client inside it, a fake Socket Mode websocket endpoint (tests/fake_socket_mode.py)
and the fake Web API (tests/fake_slack.py) on loopback. The answers come from the real policy engine.
"""
from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import build_app
from bot.server import HUB
from domain.messages import Reply
from handlers.router import TextRoute
from tests.fake_slack import BOT_USER_ID, FakeSlack, signed_headers
from tests.fake_socket_mode import FakeSocketMode

APP_TOKEN = "xapp-1-A1-test"
BOT_TOKEN = "xoxb-test"
SIGNING_SECRET = "test-signing-secret"
STAFF_USER = "U0CLARKE"
STAFF_DM = "D0CLARKE"
STAFF_EMAIL = "A.Clarke@calmore.example.org"
FRIEND_REQUEST_QUESTION = "can I accept a friend request from a pupil?"
# slack_sdk's Socket Mode client reads these itself and, unlike aiohttp, ignores NO_PROXY.
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


def event_callback(event: dict, event_id: str) -> dict:
    """An events_api envelope's payload: the very body the Events API would POST."""
    return {"token": "t", "team_id": "T0SCHOOL", "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0SCHOOL", "user_id": BOT_USER_ID, "is_bot": True}],
            "event": event}


def dm_event(text: str, ts: str) -> dict:
    return {"type": "message", "channel_type": "im", "channel": STAFF_DM, "user": STAFF_USER,
            "text": text, "ts": ts, "event_ts": ts}


def slash_command(text: str, response_url: str, command: str = "/policy") -> dict:
    """A slash_commands envelope's payload: the command's fields as a JSON object, not form-encoded."""
    return {"token": "t", "team_id": "T0SCHOOL", "team_domain": "calmore", "channel_id": "C0STAFFROOM",
            "channel_name": "staffroom", "user_id": STAFF_USER, "user_name": "a.clarke",
            "command": command, "text": text, "api_app_id": "A1", "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": "trigger-sm-1"}


def block_actions(button: dict) -> dict:
    """An interactive envelope's payload: a click on `button` in the bot's DM."""
    return {"type": "block_actions", "team": {"id": "T0SCHOOL", "domain": "calmore"}, "api_app_id": "A1",
            "user": {"id": STAFF_USER, "team_id": "T0SCHOOL"}, "trigger_id": "trigger-sm-2",
            "channel": {"id": STAFF_DM, "name": "directmessage"},
            "container": {"type": "message", "channel_id": STAFF_DM, "message_ts": "1700000000.000001"},
            "message": {"type": "message", "ts": "1700000000.000001"},
            "actions": [{"type": "button", "action_id": button["action_id"], "value": button["value"],
                         "block_id": "b1", "text": button["text"], "action_ts": "1700000002.1"}]}


def buttons_of(call) -> list[dict]:
    return [element for block in call.blocks if block["type"] == "actions" for element in block["elements"]]


class SocketHarness:
    def __init__(self, server: TestServer, slack: FakeSlack, socket: FakeSocketMode):
        self.server, self.slack, self.socket = server, slack, socket
        self._ts = 0

    def ask_in_dm(self, text: str, event_id: str) -> str:
        """Send a DM message event; returns the envelope id."""
        self._ts += 1
        ts = f"1700000100.{self._ts:06d}"
        return self.socket.send_envelope("events_api", event_callback(dm_event(text, ts), event_id))

    async def answered(self, envelope_id: str, containing: str, count: int = 1) -> list:
        """Asserts the envelope was acked and returns the chat.postMessage calls containing `containing`."""
        assert await self.socket.wait_for_ack_async(envelope_id) == {"envelope_id": envelope_id}
        return await self.slack.wait_for_async("chat.postMessage", count=count, containing=containing)


async def _start_server(services, slack: FakeSlack, **more_env: str) -> TestServer:
    env = {"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.api_url, **more_env}
    server = TestServer(build_app(services, env=env), host="127.0.0.1")
    await server.start_server()
    return server


@pytest.fixture
def no_proxy(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def socket_harness(services, no_proxy):
    with (FakeSocketMode() as socket,
          FakeSlack(emails={STAFF_USER: STAFF_EMAIL}, socket_mode_url=socket.url) as slack):
        server = await _start_server(services, slack)
        connections = await socket.wait_for_connections_async(1)
        assert len(connections) == 1 and connections[0].open, "the bot did not open a Socket Mode connection"
        yield SocketHarness(server, slack, socket)
        await server.close()


# --- connecting ---------------------------------------------------------------------------------

async def test_the_bot_opens_the_url_that_apps_connections_open_issued_with_the_app_token(socket_harness):
    opened = socket_harness.slack.calls_to("apps.connections.open")
    assert len(opened) == 1
    assert opened[0].headers.get("Authorization") == f"Bearer {APP_TOKEN}"  # not the bot token
    assert socket_harness.socket.connections[0].query == {"ticket": "fake-ticket"}


async def test_slack_events_answers_404_in_socket_mode(socket_harness):
    body = json.dumps({"type": "url_verification", "challenge": "ch4llenge"})
    async with aiohttp.ClientSession() as session:
        async with session.post(socket_harness.server.make_url("/slack/events"), data=body,
                                headers={"Content-Type": "application/json"}) as response:
            assert response.status == 404
            assert "Socket Mode" in (await response.json())["error"]
        async with session.get(socket_harness.server.make_url("/healthz")) as response:
            assert response.status == 200


async def test_stopping_the_server_closes_the_connection(services, no_proxy):
    with FakeSocketMode() as socket, FakeSlack(socket_mode_url=socket.url) as slack:
        server = await _start_server(services, slack)
        [connection] = await socket.wait_for_connections_async(1)
        started = time.monotonic()
        await server.close()
        assert time.monotonic() - started < 3
        for _ in range(100):
            if not connection.open:
                break
            await asyncio.sleep(0.01)
        assert not connection.open


@pytest.mark.parametrize("slack_state", ["refusing", "unreachable"])
async def test_the_server_serves_while_socket_mode_cannot_connect(services, no_proxy, slack_state):
    # A wrong app token, or no network at boot: slack_sdk keeps retrying, and the rest of the bot
    # (health check, Teams, web chat) must not wait for it.
    with FakeSlack(socket_mode_url=None) as slack:  # apps.connections.open answers ok: false
        if slack_state == "unreachable":
            slack.down()
        server = await asyncio.wait_for(_start_server(services, slack), timeout=3)
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get(server.make_url("/healthz")) as response:
                    assert response.status == 200
            if slack_state == "refusing":
                assert len(await slack.wait_for_async("apps.connections.open")) >= 1
        finally:
            started = time.monotonic()
            await server.close()
            assert time.monotonic() - started < 3


async def test_with_a_signing_secret_as_well_both_transports_work(services, no_proxy):
    with FakeSocketMode() as socket, FakeSlack(socket_mode_url=socket.url) as slack:
        server = await _start_server(services, slack, SLACK_SIGNING_SECRET=SIGNING_SECRET)
        try:
            assert len(await socket.wait_for_connections_async(1)) == 1
            body = json.dumps({"type": "url_verification", "challenge": "ch4llenge", "token": "t"}).encode()
            async with aiohttp.ClientSession() as session:
                async with session.post(server.make_url("/slack/events"), data=body,
                                        headers=signed_headers(SIGNING_SECRET, body)) as response:
                    assert response.status == 200
                    assert "ch4llenge" in await response.text()
        finally:
            await server.close()


# --- events, buttons, commands ------------------------------------------------------------------

async def test_a_dm_is_acked_and_answered_with_the_policy(socket_harness):
    h = socket_harness
    envelope_id = h.ask_in_dm(FRIEND_REQUEST_QUESTION, "EvSock1")
    posts = await h.answered(envelope_id, "friend requests")
    assert [p.body["channel"] for p in posts] == [STAFF_DM]
    assert posts[0].headers.get("Authorization") == f"Bearer {BOT_TOKEN}"
    assert "Section 3" in posts[0].blocks_text
    assert "No." in posts[0].blocks_text
    assert h.slack.calls_to("chat.postMessage") == posts  # one answer, nothing else


async def test_a_redelivered_event_is_acked_again_and_answered_once(socket_harness):
    # Slack re-sends an event it thinks was lost as a new envelope with the same event_id.
    h = socket_harness
    payload = event_callback(dm_event(FRIEND_REQUEST_QUESTION, "1700000200.000001"), "EvSockRetried")
    first = h.socket.send_envelope("events_api", payload)
    await h.answered(first, "friend requests")
    again = h.socket.send_envelope("events_api", payload, retry_attempt=1, retry_reason="timeout")
    assert await h.socket.wait_for_ack_async(again) == {"envelope_id": again}
    assert len(await h.slack.wait_for_async("chat.postMessage", count=2, timeout=0.5)) == 1


async def test_a_button_click_is_acked_and_handled(socket_harness):
    h = socket_harness
    answer = (await h.answered(h.ask_in_dm(FRIEND_REQUEST_QUESTION, "EvSockButton"), "friend requests"))[0]
    helpful = next(b for b in buttons_of(answer) if b["action_id"].startswith("ask.feedback")
                   and json.loads(b["value"])["helpful"] is True)
    envelope_id = h.socket.send_envelope("interactive", block_actions(helpful))
    assert await h.socket.wait_for_ack_async(envelope_id) == {"envelope_id": envelope_id}
    thanks = await h.slack.wait_for_async("chat.postMessage", containing="glad that helped")
    assert [p.body["channel"] for p in thanks] == [STAFF_DM]


async def test_policy_command_is_acked_and_answered_ephemerally(socket_harness):
    h = socket_harness
    envelope_id = h.socket.send_envelope(
        "slash_commands", slash_command(FRIEND_REQUEST_QUESTION, h.slack.response_url("sm")))
    assert await h.socket.wait_for_ack_async(envelope_id) == {"envelope_id": envelope_id}
    responses = await h.slack.wait_for_async("response_url", containing="friend requests")
    assert len(responses) == 1
    assert responses[0].body["response_type"] == "ephemeral"
    assert "Section 3" in responses[0].blocks_text
    assert h.slack.calls_to("chat.postMessage") == []  # nothing in the channel


async def test_an_unknown_command_is_answered_in_the_ack_itself(socket_harness):
    h = socket_harness
    envelope_id = h.socket.send_envelope(
        "slash_commands", slash_command("hello", h.slack.response_url("other"), command="/other"))
    ack = await h.socket.wait_for_ack_async(envelope_id)
    assert ack is not None and ack["envelope_id"] == envelope_id
    assert "/policy" in ack["payload"]["text"]


SLOW_ANSWER_SECONDS = 1.5


@pytest.mark.parametrize("kind", ["dm", "command"])
async def test_the_ack_does_not_wait_for_a_slow_answer(socket_harness, kind):
    # Slack wants the ack within 3 s; handlers run synchronously on the bot's loop, so a slow one
    # must start only once the ack has gone. The fake runs on its own loop and times the ack.
    h = socket_harness

    def slow(incoming, services):
        time.sleep(SLOW_ANSWER_SECONDS)
        return [Reply("finally")]

    h.server.app[HUB].router.text_routes.insert(0, TextRoute("slow", lambda i, s: True, slow))
    if kind == "dm":
        envelope_id = h.ask_in_dm("slow one", "EvSlow")
    else:
        envelope_id = h.socket.send_envelope("slash_commands", slash_command("slow one", h.slack.response_url()))
    assert await h.socket.wait_for_ack_async(envelope_id) == {"envelope_id": envelope_id}
    assert h.socket.acked_after(envelope_id) < 0.5 * SLOW_ANSWER_SECONDS, h.socket.acked_after(envelope_id)
    method = "chat.postMessage" if kind == "dm" else "response_url"
    assert len(await h.slack.wait_for_async(method, containing="finally")) == 1


# --- bad input and broken connections -----------------------------------------------------------

GARBAGE = [
    pytest.param("not json at all", id="plain-text"),
    pytest.param("{not json", id="broken-json"),
    pytest.param("[1, 2, 3]", id="json-list"),
    pytest.param("", id="empty"),
    pytest.param('{"type": "events_api", "envelope_id": "env-x"}', id="no-payload"),
    pytest.param('{"type": "events_api", "envelope_id": "env-y", "payload": 42}', id="payload-a-number"),
    pytest.param('{"type": "events_api", "envelope_id": "env-z", "payload": {"type": "event_callback", '
                 '"event": "nonsense"}}', id="event-not-an-object"),
    pytest.param('{"type": "interactive", "envelope_id": "env-w", "payload": {"type": "block_actions", '
                 '"actions": "x"}}', id="actions-not-a-list"),
    pytest.param('{"type": "something_new", "envelope_id": "env-v", "payload": {}}', id="unknown-type"),
]


@pytest.mark.parametrize("frame", GARBAGE)
async def test_a_bad_frame_does_not_break_the_connection(socket_harness, frame):
    h = socket_harness
    h.socket.send_raw(frame)
    envelope_id = h.ask_in_dm(FRIEND_REQUEST_QUESTION, "EvAfterGarbage")
    posts = await h.answered(envelope_id, "friend requests")
    assert [p.body["channel"] for p in posts] == [STAFF_DM]
    assert len(h.socket.connections) == 1 and h.socket.connections[0].open


async def test_a_binary_frame_is_ignored(socket_harness):
    h = socket_harness
    h.socket.send_raw(b"\xff\xfe\x00garbage")
    envelope_id = h.ask_in_dm(FRIEND_REQUEST_QUESTION, "EvAfterBinary")
    assert await h.answered(envelope_id, "friend requests")


@pytest.mark.parametrize("drop", ["close_connection", "send_disconnect"])
async def test_the_bot_reconnects_when_slack_closes_or_refreshes_the_connection(socket_harness, drop):
    h = socket_harness
    getattr(h.socket, drop)()
    connections = await h.socket.wait_for_connections_async(2)
    assert len(connections) == 2 and connections[1].open
    assert len(h.slack.calls_to("apps.connections.open")) == 2  # a fresh URL for the new connection
    envelope_id = h.ask_in_dm(FRIEND_REQUEST_QUESTION, "EvAfterReconnect")
    posts = await h.answered(envelope_id, "friend requests")
    assert [p.body["channel"] for p in posts] == [STAFF_DM]
    assert connections[1].received == [{"envelope_id": envelope_id}]  # acked on the new connection
    for _ in range(100):  # a refresh leaves the old connection for the client to close
        if not connections[0].open:
            break
        await asyncio.sleep(0.01)
    assert not connections[0].open


async def test_message_text_never_reaches_the_logs(json_logs, socket_harness):
    # slack_sdk logs every websocket frame at DEBUG under bolt's logger; the logging setup keeps it at INFO.
    h = socket_harness
    word = "Zephyrine"
    h.socket.send_raw('{"type": "events_api", "envelope_id": "env-bad", "payload": 42, "text": "%s"}' % word)
    h.socket.send_raw("{%s" % word)
    await h.answered(h.ask_in_dm(f"can I accept a friend request from {word}, a pupil?", "EvLogs"),
                     "friend requests")
    command = h.socket.send_envelope("slash_commands", slash_command(f"{word} {FRIEND_REQUEST_QUESTION}",
                                                                           h.slack.response_url("logs")))
    assert await h.socket.wait_for_ack_async(command) is not None
    assert await h.slack.wait_for_async("response_url")
    logs = json_logs.getvalue()
    assert "Slack Socket Mode connected" in logs  # the log was being written all along
    assert word not in logs
