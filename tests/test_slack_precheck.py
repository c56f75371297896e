"""The Slack route checks the signature itself, before anything else looks at the request.

bolt checks the signature again later, so only a busy server shows whether the early check is
there: with every turn slot taken, a signed request is told 503 (retry later), and a forged one
must still be told 401 — a forger learns nothing about load and is never invited to retry.
Real server on 127.0.0.1, the fake Slack Web API holding chat.postMessage to keep a turn busy.
"""
from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

import app as composition
from app import build_app
from tests.fake_slack import signed_headers
from tests.test_review_security import GatedSlack
from tests.test_slack import SECRET, StandInKnowledge, dm_event, event_body

FORGERIES = {
    "unsigned": lambda body: {"Content-Type": "application/json"},
    "wrong-secret": lambda body: signed_headers("another-secret", body),
    "six-minutes-old": lambda body: signed_headers(SECRET, body, timestamp=time.time() - 360),
    "signed-for-another-body": lambda body: signed_headers(SECRET, body + b" "),
}


@pytest.fixture
async def busy_server(tmp_path, clock, monkeypatch):
    """A server whose only turn slot is held by a reply Slack has not yet accepted."""
    from bot.slack import adapter as slack_adapter

    monkeypatch.setattr(slack_adapter, "MAX_CONCURRENT_TURNS", 1)
    monkeypatch.setattr(slack_adapter, "MAX_WAITING_TURNS", 0)
    services = composition.build_services(db_path=str(tmp_path / "policybot.db"), clock=clock,
                                          knowledge=StandInKnowledge())
    slack = GatedSlack().__enter__()
    env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.api_url}
    server = TestServer(build_app(services, env=env), host="127.0.0.1")
    await server.start_server()
    session = aiohttp.ClientSession()

    async def post(body: bytes, headers: dict) -> tuple[int, dict]:
        async with session.post(server.make_url("/slack/events"), data=body, headers=headers) as response:
            if response.status == 503:  # Slack retries after this many seconds
                assert response.headers["Retry-After"] == "5"
            return response.status, await response.json(content_type=None)

    try:
        first = event_body(dm_event("hello"), "EvBusy1")
        assert (await post(first, signed_headers(SECRET, first)))[0] == 200
        for _ in range(200):  # the turn has reached Slack and waits there
            if slack.in_flight:
                break
            await asyncio.sleep(0.02)
        assert slack.in_flight == 1
        yield post, slack
    finally:
        slack.gate.set()
        await session.close()
        await server.close()
        slack.__exit__()
        services.db.close()


@pytest.mark.parametrize("forgery", FORGERIES, ids=list(FORGERIES))
async def test_a_forged_request_to_a_busy_server_gets_401_not_503(busy_server, forgery):
    post, slack = busy_server
    genuine = event_body(dm_event("are you there?"), "EvBusy2")
    status, body = await post(genuine, signed_headers(SECRET, genuine))
    assert (status, body) == (503, {"error": "Busy: please retry shortly."})  # the server is busy
    forged = event_body(dm_event("open reports"), "EvForged")
    status, body = await post(forged, FORGERIES[forgery](forged))
    assert (status, body) == (401, {"error": "Invalid or expired Slack signature."})
    slack.gate.set()
    await asyncio.sleep(0.3)
    # Only the genuine turn that held the slot was answered; the forged request reached nobody.
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert all("open reports" not in str(call.body) for call in slack.calls)


# --- the size limit, also checked before bolt reads anything ------------------------------------

@pytest.fixture
async def slack_route(tmp_path, clock):
    from tests.fake_slack import FakeSlack

    services = composition.build_services(db_path=str(tmp_path / "policybot.db"), clock=clock,
                                          knowledge=StandInKnowledge())
    slack = FakeSlack().__enter__()
    env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.api_url}
    server = TestServer(build_app(services, env=env), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            async def post(body, headers: dict) -> tuple[int, dict]:
                async with session.post(server.make_url("/slack/events"), data=body, headers=headers) as response:
                    return response.status, await response.json(content_type=None)

            yield post
    finally:
        await server.close()
        slack.__exit__()
        services.db.close()


def challenge_of_exactly(size: int) -> bytes:
    body = b'{"type": "url_verification", "challenge": "ch4llenge", "token": "t"}'
    return body[:-1] + b" " * (size - len(body)) + b"}"


async def test_a_signed_body_of_exactly_the_limit_is_read(slack_route):
    from bot.slack import MAX_SLACK_BODY_BYTES

    body = challenge_of_exactly(MAX_SLACK_BODY_BYTES)
    assert len(body) == MAX_SLACK_BODY_BYTES
    status, reply = await slack_route(body, signed_headers(SECRET, body))
    assert (status, reply.get("challenge")) == (200, "ch4llenge")


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_body_one_byte_over_the_limit_gets_413_signed_or_not(slack_route, declared):
    from bot.slack import MAX_SLACK_BODY_BYTES

    body = challenge_of_exactly(MAX_SLACK_BODY_BYTES + 1)

    async def chunks():  # no Content-Length: the size is known only once read
        for start in range(0, len(body), 65536):
            yield body[start:start + 65536]

    status, reply = await slack_route(body if declared else chunks(), signed_headers(SECRET, body))
    assert (status, reply) == (413, {"error": "Request body too large for a Slack request."})


@pytest.mark.parametrize("body, content_type, expected", [
    pytest.param(b"hello", "text/plain", (415, "Slack requests are JSON or form-encoded."), id="not-json-or-form"),
    pytest.param(b'{"type": "\xff\xfe"}', "application/json", (400, "Slack request bodies are UTF-8."), id="not-utf-8"),
    pytest.param(b"[1, 2]", "application/json", (400, "Malformed Slack request body."), id="json-but-not-an-object"),
    pytest.param(b"payload=%7Bnot+json", "application/x-www-form-urlencoded", (400, "Malformed Slack request body."),
                 id="form-payload-not-json"),
])
async def test_the_route_refuses_what_slack_never_sends_with_its_own_status_and_message(
        slack_route, body, content_type, expected):
    status, reply = await slack_route(body, signed_headers(SECRET, body, content_type=content_type))
    assert (status, reply) == (expected[0], {"error": expected[1]})
