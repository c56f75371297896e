"""No concern report in clear on disk, whatever fails on the way (issue 12).

A report is filed over the real stack (the aiohttp app on 127.0.0.1, Teams in emulator mode against
the fake Bot Connector, Slack against the fake Web API), with a distinctive phrase in what happened
and another in who is involved. Then every path that can fail is driven, and after each one the raw
bytes of every file under the data directory (the database, its -wal and -shm, the key file,
backups) and everything logged are searched for both phrases:

  - the DSL's Teams "view report" refused by the connector (queued in the outbox), retried while
    the connector is still refusing, then throttled (429), then delivered;
  - Slack failing every call while the deputy DSL asks to view it and an alert is due to her;
  - a restart of the services on the same file, which delivers what waited;
  - `app.py backup`, whose copy is checked to be unreadable with any key but the school's.

The phrases are ASCII on purpose: JSON payloads escape anything else, so only an ASCII phrase would
be found if a payload were stored in clear. Two more tests cover files written before sealing: old
rows are sealed at open, and a backup carries no deleted text left in free space.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

import app as composition
from app import build_app
from domain.messages import Notification, Reply, reply_to_dict
from storage import crypto, outbox
from storage.backup import backup
from app import open_database
from tests.fake_connector import FakeConnector
from tests.fake_slack import FakeSlack
from tests.test_reports_e2e import SECRET, TOKEN, Stack, ref_in, slack_dm, teams_button, teams_personal

ROOT = Path(__file__).resolve().parent.parent
WHAT_PHRASE = "Quillbrook-Saffron-4417"
WHO_PHRASE = "Tarnwell-Ombrage-9023"
PHRASES = (WHAT_PHRASE, WHO_PHRASE)
FORM_VALUES = {"category": "child",
               "what": f"A pupil showed me messages from an adult calling himself {WHAT_PHRASE}",
               "who": f"The pupil in 5B and {WHO_PHRASE}, an adult she met online",
               "when": "yesterday evening", "where": "a gaming chat", "evidence": "none"}
ENV = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": TOKEN,
       "POLICYBOT_TEAMS_EMULATOR": "1"}  # emulator mode: loopback peers and serviceUrl only


def traces(data_dir: Path, *texts: str) -> list[str]:
    """Where either phrase appears: any file under the data directory, byte for byte, or the texts."""
    found = []
    for path in sorted(data_dir.rglob("*")):
        if path.is_file():
            raw = path.read_bytes()
            found += [f"{path.relative_to(data_dir)}: {phrase}" for phrase in PHRASES if phrase.encode() in raw]
    found += [f"output: {phrase}" for phrase in PHRASES for text in texts if phrase in text]
    return found


class Scene:
    """The stack on one database file, restartable; the fakes and the HTTP session outlive restarts."""

    def __init__(self, data_dir: Path, clock, knowledge, slack: FakeSlack, connector: FakeConnector,
                 logs):
        self.data_dir, self.clock, self.knowledge = data_dir, clock, knowledge
        self.slack, self.connector, self.logs = slack, connector, logs
        self.db_path = data_dir / "policybot.db"
        self.stack: Stack | None = None

    async def start(self, http: aiohttp.ClientSession) -> Stack:
        services = composition.build_services(db_path=str(self.db_path), clock=self.clock, knowledge=self.knowledge)
        server = TestServer(build_app(services, env={**ENV, "SLACK_API_URL": self.slack.api_url}), host="127.0.0.1")
        await server.start_server()
        self.stack = Stack(services, server, self.slack, self.connector, http, self.clock)
        return self.stack

    async def stop(self) -> None:
        await self.stack.server.close()
        self.stack.services.db.close()

    def assert_no_trace(self, *outputs: str) -> None:
        assert self.db_path.exists()
        assert traces(self.data_dir, self.logs.getvalue(), *outputs) == []

    def pending(self, key_prefix: str) -> list[dict]:
        return [row for row in self.stack.db["outbox"].rows_where("status = 'pending'")
                if row["key"].startswith(key_prefix)]


@pytest.fixture
async def scene(tmp_path, clock, knowledge, json_logs):
    data_dir = tmp_path / "data"
    with FakeSlack() as slack, FakeConnector() as connector:
        made = Scene(data_dir, clock, knowledge, slack, connector, json_logs)
        async with aiohttp.ClientSession() as http:
            await made.start(http)
            yield made
            await made.stop()


async def file_report_on_teams(stack: Stack, reporter: str) -> str:
    """The whole intake with the Adaptive Card form, as in tests/test_reports_e2e.py; the reference."""
    personal = teams_personal(reporter)
    mark = stack.teams_mark()
    await stack.teams_say(reporter, "report a concern")
    for answer in ("immediate danger", "member of staff"):
        asked = stack.teams_reply(mark, personal, answer)
        mark = stack.teams_mark()
        await stack.teams_submit(reporter, teams_button(asked, "No"))
    [card] = stack.teams_reply(mark, personal, "Input.Text").cards
    mark = stack.teams_mark()
    await stack.teams_submit(reporter, {**card["actions"][0]["data"], **FORM_VALUES})
    summary = stack.teams_reply(mark, personal, "Check your report")
    assert WHAT_PHRASE in summary.text  # the reporter reviews their own words
    mark = stack.teams_mark()
    await stack.teams_submit(reporter, teams_button(summary, "Send to the DSL"))
    return ref_in(stack.teams_reply(mark, personal, "Report received").text)


@pytest.mark.sqlite_only
async def test_a_report_leaves_no_clear_text_on_disk_or_in_logs_whatever_fails(scene, clock, tmp_path):
    stack = scene.stack
    await stack.use("teams", "clarke", "shah")
    await stack.use("slack", "reed")  # the deputy DSL, on Slack
    ref = await file_report_on_teams(stack, "clarke")
    await stack.settle()
    scene.assert_no_trace()

    # 1. The DSL asks to view it on Teams; the connector drops the connection: the View is queued.
    scene.connector.refuse = True
    await stack.teams_say("shah", f"view report {ref}")
    [queued] = scene.pending("teams-reply:")
    assert queued["payload"].startswith(outbox.SEALED)
    assert WHAT_PHRASE in outbox.payload(stack.db, queued).plain()  # the View itself is what waits
    scene.assert_no_trace()

    # 2. Retried while the connector still refuses, then throttled (429 with Retry-After).
    clock.advance(minutes=1)
    await stack.hub.dispatcher.deliver_due()
    assert scene.pending("teams-reply:")
    scene.connector.refuse = False
    scene.connector.throttle(None, retry_after=120)
    clock.advance(minutes=5)
    await stack.hub.dispatcher.deliver_due()
    assert scene.pending("teams-reply:") and scene.connector.throttled
    scene.assert_no_trace()

    # 3. The connector recovers: the View reaches the DSL, opened only as it is sent.
    scene.connector.recover()
    clock.advance(minutes=10)
    mark = stack.teams_mark()
    await stack.hub.dispatcher.deliver_due()
    shown = stack.teams_reply(mark, teams_personal("shah"), WHAT_PHRASE)
    assert WHO_PHRASE in shown.text
    assert not scene.pending("teams-reply:")
    scene.assert_no_trace()

    # 4. Slack fails every call: the deputy DSL's View is not delivered, and neither is the alert
    #    that new information brings her; it waits in the outbox.
    slack_mark = stack.slack_mark()
    await stack.slack_say("reed", "my reports")  # bolt checks its token once (auth.test), while Slack works
    await stack.slack_posted(slack_mark, slack_dm("reed"), "concern reports")
    scene.slack.fail(500)
    slack_mark = stack.slack_mark()
    await stack.slack_say("reed", f"view report {ref}")
    await stack.slack_wait(slack_mark, lambda c: c.method == "chat.postMessage"
                           and c.body.get("channel") == slack_dm("reed") and WHAT_PHRASE in str(c.body),
                           what="the refused View")
    await stack.teams_say("clarke", f"add to {ref}: {WHO_PHRASE} has messaged her again")
    await stack.hub.dispatcher.deliver_due()
    assert [row for row in scene.pending(f"report:{ref}:info") if row["person_id"] == "reed"]
    await stack.settle()
    scene.assert_no_trace()

    # 5. A restart on the same file; Slack is back, and what waited goes out.
    await scene.stop()
    scene.slack.recover()
    stack = await scene.start(stack.http)
    assert {suffix: stat.S_IMODE(os.stat(f"{scene.db_path}{suffix}").st_mode)
            for suffix in ("", "-wal", "-shm") if os.path.exists(f"{scene.db_path}{suffix}")}.get("") == 0o600
    slack_mark = stack.slack_mark()
    clock.advance(hours=1)  # past the backoff of the failed attempt
    await stack.hub.dispatcher.deliver_due()
    await stack.slack_posted(slack_mark, slack_dm("reed"), "New information on")
    assert not scene.pending("report:")
    scene.assert_no_trace()

    # 6. `app.py backup`, while the server holds the database open.
    target = scene.data_dir / "backups" / "nightly.db"
    result = subprocess.run([sys.executable, str(ROOT / "app.py"), "backup", "--output", str(target)], cwd=ROOT,
                            env={**{k: v for k, v in os.environ.items() if k != crypto.KEY_ENV},
                                 "POLICYBOT_DB": str(scene.db_path)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    scene.assert_no_trace(result.stdout, result.stderr)

    # Safe without the key: with any other key, the copy's sealed rows and reports do not open.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "copy.db").write_bytes(target.read_bytes())
    copy = open_database(elsewhere / "copy.db")  # a key file of its own is made beside it
    try:
        sealed = list(copy["outbox"].rows_where("payload LIKE :sealed", {"sealed": outbox.SEALED + "%"}))
        assert sealed and any(row["key"].startswith("teams-reply:") for row in sealed)
        for row in sealed:
            with pytest.raises(crypto.InvalidToken):
                outbox.payload(copy, row)
    finally:
        copy.close()


@pytest.mark.sqlite_only
def test_rows_stored_in_clear_before_sealing_are_sealed_at_open_leaving_no_trace(tmp_path):
    path = tmp_path / "data" / "policybot.db"
    db = open_database(path)
    db.execute("PRAGMA secure_delete=OFF")  # as an older version, on an SQLite built without it, wrote
    view = Reply(f"Concern report CJS-2026-0001: {WHAT_PHRASE}", facts=[("Who", WHO_PHRASE)], private=True)
    legacy = reply_to_dict(view)
    legacy.pop("confidential")  # the old format knew no such mark
    with db.atomic():
        db.execute("INSERT INTO outbox (id, key, person_id, payload, urgent, status, attempts, next_attempt_at,"
                   " created_at) VALUES ('m1', 'teams-reply:act-9:0', 'shah', :payload, 0, 'pending', 1,"
                   " '2026-11-26T10:00:00+00:00', '2026-11-26T10:00:00+00:00')", {"payload": json.dumps(legacy)})
        db.execute("INSERT INTO local_inbox (person_id, payload, created_at, seen) VALUES ('reed', :payload,"
                   " '2026-11-26T10:00:00+00:00', 0)", {"payload": json.dumps(legacy)})
        db.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'outbox' AND name = 'seal_stored_payloads'")
    db.close()
    assert traces(path.parent), "the setup must leave the phrases in clear, as the old version did"

    reopened = open_database(path)
    try:
        assert traces(path.parent) == []
        [row] = reopened["outbox"].rows
        assert row["payload"].startswith(outbox.SEALED)
        assert outbox.payload(reopened, row).facts == [("Who", WHO_PHRASE)]  # still delivers as it was
        [kept] = outbox.take_local_inbox(reopened, "reed")
        assert WHAT_PHRASE in kept.text
    finally:
        reopened.close()


@pytest.mark.sqlite_only
def test_a_backup_carries_no_deleted_text_left_in_free_space(tmp_path):
    path = tmp_path / "data" / "policybot.db"
    db = open_database(path)
    db.execute("PRAGMA secure_delete=OFF")  # a file written by an SQLite that leaves deleted cells as they were
    with db.atomic():
        db.execute("INSERT INTO conversation_state (who, flow, step, data, updated_at) VALUES"
                   " ('clarke', 'old', 'what', :data, '2026-11-26')", {"data": f'{{"what": "{WHAT_PHRASE}"}}'})
    with db.atomic():
        db.execute("DELETE FROM conversation_state WHERE who = 'clarke'")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert WHAT_PHRASE.encode() in path.read_bytes(), "the setup must leave the deleted text in the file"
    try:
        copy = backup(path, tmp_path / "backups" / "copy.db")
    finally:
        db.close()
    assert WHAT_PHRASE.encode() not in copy.read_bytes()


@pytest.mark.sqlite_only
def test_a_confidential_notification_for_someone_on_no_platform_waits_sealed_in_the_local_inbox(services):
    services.notify(Notification("shah", Reply(f"View: {WHAT_PHRASE}", confidential=True), key="k"))
    [row] = services.db["outbox"].rows
    assert row["payload"].startswith(outbox.SEALED)
    with services.db.atomic():
        outbox.deliver_locally(services.db, "shah", outbox.payload(services.db, row), services.now())
    [stored] = services.db["local_inbox"].rows
    assert stored["payload"].startswith(outbox.SEALED) and WHAT_PHRASE not in stored["payload"]
    [taken] = outbox.take_local_inbox(services.db, "shah")
    assert taken.text == f"View: {WHAT_PHRASE}" and taken.confidential
