"""Faults: the platforms failing or slow, the database locked or full, and the server killed (SIGKILL)
in the middle of every flow that changes records. After each fault the database is checked for
lost or duplicated records, not just for a polite reply.

tests/test_delivery.py covers Slack down / 500 / 429 once each; here: a Web API slower than the
client's timeout, backoff growth over many failures, a burst of messages through an intermittent
outage, a slow platform never holding up a person's own reply, and Teams' connector failing.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import DELIVERY_WAIT_SECONDS
from bot.delivery import Dispatcher
from app import build_app
from bot.server import HUB
from bot.slack.sender import SlackSender
from domain.messages import Notification, Reply
from storage import outbox
from storage.roster import link_account
from tests.fake_slack import FakeSlack
from tests.test_reports_durability import Server, texts

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
    return next(services.db["outbox"].rows_where("key = :key", {"key": key}))


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


BURST = 12  # each refused connection costs the SDK's own retry pause: keep the burst small


async def test_a_burst_through_an_intermittent_outage_is_delivered_exactly_once_each(services, clock):
    with FakeSlack() as slack:
        dispatcher = slack_dispatcher(services, slack)
        for n in range(BURST):
            services.notify(Notification("clarke", Reply(f"Burst message {n:02d}."), key=f"burst-{n}"))
        # The API flips between 500, 429, refused and working on every round.
        for round_number in range(8):
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
        for n in range(BURST):
            assert len(posts(slack, f"Burst message {n:02d}.")) == 1, n
    keys = [r["key"] for r in services.db["outbox"].rows_where("key LIKE 'burst-%'")]
    assert len(keys) == len(set(keys)) == BURST


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
    from storage.roster import link_account
    from tests.fake_connector import FakeConnector
    from tests.test_teams import EMULATOR_ENV, STAFF_AAD, activity

    link_account(services.db, "teams", STAFF_AAD, "staff")  # the Emulator's mode links nobody by email
    with FakeConnector() as connector:
        app = build_app(services, env=EMULATOR_ENV)
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


# --- the database locked or full -------------------------------------------------------------------

LONG_WHAT = ("Fault check: a pupil in Year 5 showed me messages an adult sent on a gaming chat. " * 40)[:3000]
REPORT_ANSWERS = ("report a concern", "no", "1", "1", LONG_WHAT, "Child R, Year 6", "this morning", "TikTok", "none")
# Nearly a page of text: after one of these, the next one needs a new page, which a full database refuses.
LONG_DRAFT = "draft: " + ("Year 3 had a wonderful science week with experiments every afternoon. " * 55) + "\npictured: none"
RECORD_TABLES = ("reports", "report_events", "access_audit", "drafts", "draft_versions", "draft_audit", "outbox",
                 "local_inbox", "training_reminders")


def counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path, timeout=30) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in RECORD_TABLES}


def reply_text(replies: list[dict]) -> str:
    return "\n".join(f"{r.get('title') or ''} {r.get('text') or ''}" for r in replies)


class WebChat:
    """The local web chat of an in-process server (real HTTP on 127.0.0.1)."""

    def __init__(self, server: TestServer, session: aiohttp.ClientSession):
        self.server, self.session = server, session

    async def say(self, person: str, text: str) -> list[dict]:
        async with self.session.post(self.server.make_url("/local/messages"),
                                     json={"person": person, "text": text}) as response:
            assert response.status == 200, await response.text()
            return (await response.json())["replies"]

    async def health(self) -> tuple[int, dict]:
        started = time.monotonic()
        async with self.session.get(self.server.make_url("/healthz")) as response:
            body = await response.json()
        assert time.monotonic() - started < 2.0, "/healthz must answer promptly whatever the database's state"
        return response.status, body


@pytest.fixture
async def web_chat(services):
    server = TestServer(build_app(services, env={}), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        yield WebChat(server, session)
    await server.close()


def db_file(services) -> Path:
    return Path(services.db.execute("PRAGMA database_list").fetchone()[2])


@pytest.mark.sqlite_only  # PostgreSQL's lock and full faults: tests/test_postgres_store.py
async def test_a_locked_database_gets_a_clear_message_changes_nothing_and_health_says_locked(services, web_chat):
    path = db_file(services)
    for answer in REPORT_ANSWERS:
        await web_chat.say("clarke", answer)
    before = counts(path)
    # Short waits for the lock in this test (the server's own is 10 s).
    services.db.execute("PRAGMA busy_timeout=200")
    locker = sqlite3.connect(path, timeout=1, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # another program holding the write lock
    try:
        refused = reply_text(await web_chat.say("clarke", "send"))
        assert "couldn't save" in refused and "busy" in refused and "Nothing was changed" in refused
        assert "something went wrong" not in refused
        refused_draft = reply_text(await web_chat.say("hughes", LONG_DRAFT))
        assert "couldn't save" in refused_draft
        status, body = await web_chat.health()
        assert (status, body) == (503, {"status": "error", "database": "locked"})
        # Reading still works while another program writes: questions are answered.
        assert "friend request" in reply_text(await web_chat.say("lewis", "Can I accept a friend request from a parent?"))
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert counts(path) == before  # no half-written report, draft or alert

    assert await web_chat.health() == (200, {"status": "ok"})
    ack = await web_chat.say("clarke", "send")  # the intake was kept: sending again works
    assert "Received" in reply_text(ack)
    assert "sent to" in reply_text(await web_chat.say("hughes", LONG_DRAFT))
    after = counts(path)
    assert after["reports"] == before["reports"] + 1
    assert after["drafts"] == before["drafts"] + 1


@pytest.mark.sqlite_only  # PostgreSQL's lock and full faults: tests/test_postgres_store.py
async def test_a_full_database_gets_a_clear_message_changes_nothing_and_health_says_full(services, web_chat):
    path = db_file(services)
    for answer in REPORT_ANSWERS:
        await web_chat.say("clarke", answer)
    await web_chat.say("lewis", "report a concern")
    assert "sent to" in reply_text(await web_chat.say("hughes", LONG_DRAFT))  # fills the drafts' first page
    db = services.db
    db.execute("CREATE TABLE filler (blob BLOB)")
    db.execute(f"PRAGMA max_page_count={db.execute('PRAGMA page_count').fetchone()[0] + 64}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        while True:  # fill every page the limit allows: the disk is full
            db.execute("INSERT INTO filler VALUES (zeroblob(3000))")
    before = counts(path)

    refused = reply_text(await web_chat.say("clarke", "send"))
    assert "couldn't save" in refused and "full" in refused and "Nothing was changed" in refused
    assert "something went wrong" not in refused
    refused_draft = reply_text(await web_chat.say("hughes", LONG_DRAFT))
    assert "couldn't save" in refused_draft and "full" in refused_draft
    refused_answer = reply_text(await web_chat.say("lewis", "no"))  # intake step with a long answer next
    assert "couldn't save" in refused_answer or "Is the concern about" in refused_answer
    assert counts(path) == before
    assert await web_chat.health() == (503, {"status": "error", "database": "full"})

    db.execute("DROP TABLE filler")  # the IT manager frees space
    db.execute("PRAGMA max_page_count=1073741823")
    assert await web_chat.health() == (200, {"status": "ok"})
    ack = await web_chat.say("clarke", "send")
    assert "Received" in reply_text(ack)
    ref = ack[-1]["data"]["report_ref"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM reports WHERE ref = ?", [ref]).fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM report_events e JOIN reports r ON r.id = e.report_id"
                            " WHERE r.ref = ? AND e.kind = 'filed'", [ref]).fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM reports WHERE reporter_id = 'clarke'").fetchone() == (1,)


# --- SIGKILL during each flow, then restart ---------------------------------------------------------
# A real `python app.py serve` process (tests/test_reports_durability.Server), driven over HTTP,
# killed with SIGKILL (no shutdown of any kind) at points in each flow, restarted on the same file.
# The server also runs its training tick on start (real clock), so every restart exercises the
# nudges too; `assert_consistent` checks the whole database after each scenario.

REPORT_STEPS = ("report a concern", "no", "1", "1", "Kill check: an adult messaged a pupil on a gaming site",
                "Child K, Year 5", "yesterday after school", "Roblox", "none")
DRAFT = "draft: Year 6 raised money for the food bank this week - thank you all!\npictured: none"


@pytest.fixture
def process(tmp_path):
    """Start (and restart) the server on one database; stops whatever is left at the end."""
    db_path, log_path = tmp_path / "policybot.db", tmp_path / "server.log"
    started: list[Server] = []

    def start() -> Server:
        server = Server(db_path, log_path).start()
        started.append(server)
        return server

    start.db_path = db_path
    yield start
    for server in started:
        server.stop()


def query(db_path: Path, sql: str, args=()) -> list[tuple]:
    with sqlite3.connect(db_path, timeout=30) as conn:
        return conn.execute(sql, args).fetchall()


def assert_consistent(db_path: Path) -> None:
    """No record lost half-way, none duplicated, nothing delivered twice."""
    one = lambda sql, args=(): query(db_path, sql, args)[0][0]  # noqa: E731
    assert one("SELECT count(*) - count(DISTINCT key) FROM outbox") == 0
    # reports: each filed exactly once, with its 'filed' event, audit row and an alert per recipient
    for report_id, ref, routing in query(db_path, "SELECT id, ref, routing FROM reports"):
        assert one("SELECT count(*) FROM report_events WHERE report_id = ? AND kind = 'filed'", [report_id]) == 1, ref
        assert one("SELECT count(*) FROM access_audit WHERE report_ref = ? AND action = 'file'", [ref]) == 1, ref
        assert one("SELECT count(*) FROM outbox WHERE key LIKE ? ESCAPE '\\'", [f"report:{ref}:alert:%"]) >= 1, ref
    assert one("SELECT count(*) - count(DISTINCT ref) FROM reports") == 0
    # drafts: every version stored, exactly one submit, and the audit trail ends in the draft's state
    for draft_id, state, version in query(db_path, "SELECT id, state, version FROM drafts"):
        assert one("SELECT count(*) FROM draft_versions WHERE draft_id = ?", [draft_id]) == version
        assert one("SELECT count(*) FROM draft_audit WHERE draft_id = ? AND action = 'submit'", [draft_id]) == 1
        last = query(db_path, "SELECT to_state FROM draft_audit WHERE draft_id = ? ORDER BY id DESC LIMIT 1", [draft_id])
        assert last == [(state,)], (draft_id, state, last)
        assert one("SELECT count(*) FROM outbox WHERE key LIKE ?", [f"draft-{draft_id}-v1-approval%"]) >= 1
    # nudges: each stage recorded once (its primary key) with exactly one outbox message
    assert one("SELECT count(*) FROM training_reminders") == one("SELECT count(*) FROM outbox WHERE key LIKE 'training-%'")
    # delivery: every local message delivered exactly once into the person's inbox
    assert one("SELECT count(*) FROM local_inbox") == one(
        "SELECT count(*) FROM outbox WHERE status = 'delivered' AND channel = 'local'")


def wait_delivered(db_path: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if query(db_path, "SELECT count(*) FROM outbox WHERE status = 'pending'")[0][0] == 0:
            return
        time.sleep(0.1)
    raise AssertionError(query(db_path, "SELECT key, attempts, last_error FROM outbox WHERE status = 'pending'"))


def test_sigkill_at_every_stage_of_a_report_loses_nothing_and_files_it_once(process):
    db_path = process.db_path
    server = process()
    for step in REPORT_STEPS[:4]:
        server.say("clarke", step)
    server.kill()  # mid-intake, before what happened
    server = process()
    assert "What happened" in texts(server.say("clarke", "report a concern"))  # resumes where it was
    for step in REPORT_STEPS[4:7]:
        server.say("clarke", step)
    server.kill()  # mid-intake, half the details given
    server = process()
    assert "Where did it happen" in texts(server.say("clarke", "report a concern"))
    for step in REPORT_STEPS[7:]:
        server.say("clarke", step)
    server.kill()  # at the summary, before sending
    assert query(db_path, "SELECT count(*) FROM reports") == [(0,)]
    server = process()
    assert "Check your report" in texts(server.say("clarke", "report a concern"))
    ack = server.say("clarke", "send")
    ref = ack[-1]["data"]["report_ref"]
    server.kill()  # right after the acknowledgement

    server = process()
    # pressing "Send to the DSL" again (a replayed click) files nothing
    assert "no report waiting" in texts(server.press("clarke", "report.confirm"))
    wait_delivered(db_path)
    assert query(db_path, "SELECT count(*) FROM reports WHERE reporter_id = 'clarke'") == [(1,)]
    alerted = query(db_path, "SELECT person_id FROM outbox WHERE key LIKE ? ORDER BY person_id", [f"report:{ref}:alert:%"])
    assert alerted == [("reed",), ("shah",)]
    for dsl in ("shah", "reed"):
        alerts = [m for m in server.inbox(dsl) if ref in (m.get("title") or "")]
        assert len(alerts) == 1, (dsl, alerts)  # delivered once, whether before or after the kill
    server.stop()
    assert_consistent(db_path)


def _send_then_kill(server: Server, body: dict, delay: float) -> None:
    """Post `body` and SIGKILL the server `delay` seconds later, whether or not it has answered."""
    sender = threading.Thread(target=lambda: _ignore_errors(server.post, body), daemon=True)
    sender.start()
    time.sleep(delay)
    server.kill()
    sender.join(timeout=10)


def _ignore_errors(call, *args) -> None:
    try:
        call(*args)
    except Exception:  # the connection dies with the server: that is the point
        pass


@pytest.mark.parametrize("delays", [(0.0, 0.002, 0.005, 0.01, 0.02, 0.05)])
def test_sigkill_while_a_report_is_being_sent_files_it_whole_or_not_at_all(process, delays):
    db_path = process.db_path
    people = ("clarke", "lewis", "nowak", "staff", "hughes", "brown")[:len(delays)]
    server = process()
    for person, delay in zip(people, delays):
        for step in REPORT_STEPS:
            server.say(person, step)
        _send_then_kill(server, {"person": person, "text": "send"}, delay)
        server = process()
    for person in people:
        filed = query(db_path, "SELECT count(*) FROM reports WHERE reporter_id = ?", [person])[0][0]
        intake = query(db_path, "SELECT count(*) FROM conversation_state WHERE who = ?", [person])[0][0]
        assert (filed, intake) in ((1, 0), (0, 1)), (person, filed, intake)  # filed, or still waiting to send
        if not filed:
            assert "Received" in texts(server.say(person, "send"))
        assert query(db_path, "SELECT count(*) FROM reports WHERE reporter_id = ?", [person]) == [(1,)]
    wait_delivered(db_path)
    server.stop()
    assert_consistent(db_path)


def test_sigkill_during_draft_approval_loses_no_decision_and_records_it_once(process):
    db_path = process.db_path
    server = process()
    card = server.say("hughes", DRAFT)
    draft_id = int(card[0]["title"].split()[1])
    server.kill()  # right after the submission was acknowledged
    assert query(db_path, "SELECT state, version FROM drafts WHERE id = ?", [draft_id]) == [("submitted", 1)]

    server = process()
    assert f"Draft {draft_id}" in texts(server.say("okafor", "pending approvals"))
    decided = server.say("okafor", f"approve draft {draft_id}")
    assert "approved" in texts(decided)
    server.kill()  # right after the approve click was acknowledged

    server = process()
    again = texts(server.press("okafor", "draft.approve", {"draft_id": draft_id, "version": 1}))
    assert "already approved by Daniel Okafor" in again  # a replayed click changes nothing
    wait_delivered(db_path)
    told = [m for m in server.inbox("hughes") if f"Draft {draft_id} approved" in (m.get("title") or "")]
    assert len(told) == 1
    assert query(db_path, "SELECT action FROM draft_audit WHERE draft_id = ? ORDER BY id", [draft_id]) == [
        ("submit",), ("approve",)]
    assert query(db_path, "SELECT count(*) FROM outbox WHERE key = ?", [f"draft-{draft_id}-v1-approved"]) == [(1,)]

    # and a kill while the click is being handled: approved whole or not at all
    second = int(server.say("hughes", DRAFT.replace("this week", "this term"))[0]["title"].split()[1])
    _send_then_kill(server, {"person": "okafor", "action": "draft.approve",
                             "value": {"draft_id": second, "version": 1}}, 0.005)
    server = process()
    state = query(db_path, "SELECT state FROM drafts WHERE id = ?", [second])[0][0]
    approvals = query(db_path, "SELECT count(*) FROM draft_audit WHERE draft_id = ? AND action = 'approve'", [second])[0][0]
    assert (state, approvals) in (("approved", 1), ("submitted", 0))
    if state == "submitted":
        assert "approved" in texts(server.press("okafor", "draft.approve", {"draft_id": second, "version": 1}))
    wait_delivered(db_path)
    server.stop()
    assert_consistent(db_path)


# --- nudges: the scheduler killed between (and inside) its transactions --------------------------
# The server's training tick uses the real clock, so a child process runs the same code (tick, then
# the Dispatcher) with the clock fixed on a working Thursday morning, and SIGKILLs itself at a
# chosen point: inside the tick's transaction, between a local delivery and its "delivered" mark,
# or just after that mark. Then it runs again to completion, as a restarted server would.

SCHEDULER = textwrap.dedent('''
    import asyncio, os, signal, sys
    from datetime import datetime, timezone
    sys.path.insert(0, os.getcwd())
    import app
    from bot.core import Hub
    from handlers import training
    from storage import outbox
    from storage import training as training_store

    kill_at = os.environ.get("KILL_AT", "")
    point, _, nth = kill_at.partition(":")
    calls = {"n": 0}

    def killing(module, name, before):
        original = getattr(module, name)

        def wrapped(*args, **kwargs):
            calls["n"] += 1
            if before and calls["n"] == int(nth):
                os.kill(os.getpid(), signal.SIGKILL)
            result = original(*args, **kwargs)
            if not before and calls["n"] == int(nth):
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        setattr(module, name, wrapped)

    if point == "mark_sent":          # inside the tick's transaction, after N stage rows
        killing(training_store, "mark_sent", before=False)
    elif point == "deliver_locally":  # after the Nth message is in the inbox, before it is marked
        killing(outbox, "deliver_locally", before=False)
    elif point == "mark_delivered":   # just after the Nth message is marked delivered
        killing(outbox, "mark_delivered", before=False)

    moment = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)  # Thursday, term time, 10:00
    services = app.build_services(knowledge=object(), clock=lambda: moment)
    app.load_training_records(services)
    hub = Hub(services)
    queued = training.tick(services)
    delivered = asyncio.run(hub.dispatcher.deliver_due())
    while delivered:
        delivered = asyncio.run(hub.dispatcher.deliver_due())
    print("queued", queued)
''')


def run_scheduler(db_path: Path, kill_at: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "Microsoft"))}
    env.update(POLICYBOT_DB=str(db_path), KILL_AT=kill_at)
    return subprocess.run([sys.executable, "-c", SCHEDULER], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def nudges(db_path: Path) -> dict[str, int]:
    one = lambda sql: query(db_path, sql)[0][0]  # noqa: E731
    return {"stages": one("SELECT count(*) FROM training_reminders"),
            "queued": one("SELECT count(*) FROM outbox WHERE key LIKE 'training-%'"),
            "delivered": one("SELECT count(*) FROM outbox WHERE key LIKE 'training-%' AND status = 'delivered'"),
            "inbox": one("SELECT count(*) FROM local_inbox"),
            "distinct_inbox": one("SELECT count(*) FROM (SELECT DISTINCT person_id, payload FROM local_inbox)")}


@pytest.fixture(scope="module")
def complete_run(tmp_path_factory) -> dict[str, int]:
    """What one uninterrupted run sends: the reference every interrupted run must end up at."""
    db_path = tmp_path_factory.mktemp("nudges") / "policybot.db"
    result = run_scheduler(db_path)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = nudges(db_path)
    assert figures["stages"] >= 5, "the sample training records should leave several reminders due"
    return figures


@pytest.mark.parametrize("kill_at", ["mark_sent:1", "mark_sent:4", "deliver_locally:1", "deliver_locally:3",
                                     "mark_delivered:2"])
def test_sigkill_during_nudges_never_loses_or_repeats_a_reminder(tmp_path, complete_run, kill_at):
    db_path = tmp_path / "policybot.db"
    killed = run_scheduler(db_path, kill_at)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-3000:])
    if kill_at.startswith("mark_sent"):  # the tick's transaction was not committed: nothing of it
        assert nudges(db_path)["stages"] == 0 and nudges(db_path)["queued"] == 0
    for _ in range(2):  # the restart, then another tick: nothing new is due
        finished = run_scheduler(db_path)
        assert finished.returncode == 0, finished.stderr[-3000:]
    figures = nudges(db_path)
    assert figures == complete_run, figures
    assert figures["inbox"] == figures["distinct_inbox"] == figures["delivered"]  # each reminder seen once
    assert_consistent(db_path)
