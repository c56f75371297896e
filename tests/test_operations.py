"""Operations: backup and restore, report-key rotation, data retention, subject-access export, and
structured logs (JSON lines with a request id; never a report's content).

The commands run as the IT manager runs them (`python app.py …` in a subprocess, POLICYBOT_DB set);
the storage functions are also tested directly where a clock is needed.
"""
from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import build_app
from domain.messages import Notification, Reply
from storage import backup as backups
from storage import crypto, outbox, retention
from storage import drafts as draft_store
from storage import reports as report_store
from storage import training as training_store
from app import open_database
from storage.questions import record_question
from storage.state import first_time_seen

ROOT = Path(__file__).resolve().parent.parent
SECRET_WHAT = "Zebra-Quartz-7781 saw the pupil's photo shared in the class group"


def run_app(*args: str, db: Path | str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "POLICYBOT_DB": str(db), **(env or {})}
    if Path(str(db)).suffix == ".db" and not (env and crypto.KEY_ENV in env):
        environment.pop(crypto.KEY_ENV, None)  # a SQLite file's key is the key file beside it
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def file_report(services, reporter: str = "clarke", what: str = SECRET_WHAT) -> str:
    db, now = services.db, services.now()
    with db.atomic():
        report = report_store.create_report(
            db, short_code="CJS", year=now.year, reporter_id=reporter, reporter_name=reporter.title(),
            category="child", urgent=False, routing="standard", content={"what": what, "who": "a pupil"},
            now=now, details_complete=True)
    return report["ref"]


def count(location: Path | str, table: str) -> int:
    """Rows in a table, read through a connection of its own (not the one the bot holds)."""
    db = open_database(location)
    try:
        return db[table].count
    finally:
        db.close()


# --- backup and restore -----------------------------------------------------------------------------

@pytest.mark.sqlite_only
def test_backup_command_writes_a_sound_copy_while_the_database_is_open(services, tmp_path):
    db_path = tmp_path / "policybot.db"
    ref = file_report(services)
    # The server's connection stays open (and mid-way through a read) during the backup: it is online.
    cursor = services.db.execute("SELECT * FROM people")
    cursor.fetchone()
    target = tmp_path / "copies" / "nightly.db"
    result = run_app("backup", "--output", str(target), db=db_path)
    assert result.returncode == 0, result.stderr
    assert "report.key" in result.stdout  # the reminder that the key is not inside
    rows = backups.check(target)
    assert rows["reports"] == 1 and rows["people"] == count(db_path, "people")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT ref FROM reports").fetchone()[0] == ref
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file


@pytest.mark.sqlite_only
def test_backup_default_name_is_timestamped_in_data_backups(services, tmp_path):
    moment = datetime(2026, 11, 26, 18, 5, 9, tzinfo=timezone.utc)
    path = backups.backup(tmp_path / "policybot.db", now=moment)
    assert path == tmp_path / "backups" / "policybot-20261126-180509.db"
    assert not list((tmp_path / "backups").glob("*.partial"))


def test_backup_of_a_missing_database_says_so(tmp_path):
    with pytest.raises(FileNotFoundError):
        backups.backup(tmp_path / "nothing-here.db")


@pytest.mark.sqlite_only
@pytest.mark.parametrize("make_bad", ["text", "empty", "foreign_sqlite", "truncated", "missing"])
def test_restore_refuses_anything_but_a_sound_policybot_database(services, tmp_path, make_bad):
    db_path = tmp_path / "policybot.db"
    file_report(services)
    good = backups.backup(db_path, tmp_path / "good.db")
    bad = tmp_path / "bad.db"
    if make_bad == "text":
        bad.write_text("id,name\nclarke,Amy\n")
    elif make_bad == "empty":
        bad.write_bytes(b"")
    elif make_bad == "foreign_sqlite":
        with sqlite3.connect(bad) as other:
            other.execute("CREATE TABLE notes (x)")
    elif make_bad == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    before = count(db_path, "reports")
    result = run_app("restore", str(bad), db=db_path)
    assert result.returncode == 2
    assert result.stderr.startswith("Not restored:") and "Traceback" not in result.stderr
    assert count(db_path, "reports") == before
    assert not list(tmp_path.glob("policybot.db.before-restore-*"))


@pytest.mark.sqlite_only
def test_restore_puts_the_backup_back_and_keeps_the_replaced_database(services, tmp_path):
    db_path = tmp_path / "policybot.db"
    file_report(services)
    snapshot = backups.backup(db_path, tmp_path / "snapshot.db")
    file_report(services, what="filed after the backup")
    services.db.close()  # the server is stopped for a restore
    assert count(db_path, "reports") == 2
    result = run_app("restore", str(snapshot), db=db_path)
    assert result.returncode == 0, result.stderr
    assert count(db_path, "reports") == 1
    kept = list(tmp_path.glob("policybot.db.before-restore-*"))
    assert len(kept) == 1 and count(kept[0], "reports") == 2
    assert not Path(str(db_path) + "-wal").exists() or Path(str(db_path) + "-wal").stat().st_size == 0
    reopened = run_app("export-person", "clarke", db=db_path)  # the restored file opens and migrates
    assert reopened.returncode == 0 and SECRET_WHAT in reopened.stdout


# --- key rotation -----------------------------------------------------------------------------------

@pytest.mark.sqlite_only
def test_rotate_report_key_reencrypts_and_keeps_content_readable(services, tmp_path):
    db_path = tmp_path / "policybot.db"
    ref = file_report(services)
    key_file = tmp_path / "report.key"
    old_keys = key_file.read_bytes().split()
    old_token = services.db.execute("SELECT content FROM reports").fetchone()[0]
    services.db.close()

    result = run_app("rotate-report-key", db=db_path)
    assert result.returncode == 0, result.stderr
    assert "Re-encrypted" in result.stdout
    keys = key_file.read_bytes().split()
    assert len(keys) == 2 and keys[1:] == old_keys and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with sqlite3.connect(db_path) as connection:
        new_token = connection.execute("SELECT content FROM reports WHERE ref = ?", [ref]).fetchone()[0]
    assert new_token != old_token
    assert crypto.Cipher([keys[0]]).decrypt_json(new_token)["what"] == SECRET_WHAT  # the new key alone reads it
    with pytest.raises(crypto.InvalidToken):
        crypto.Cipher(old_keys).decrypt(new_token)  # and the old key no longer does


# --- retention --------------------------------------------------------------------------------------

def test_retention_deletes_old_questions_delivered_messages_and_event_ids_but_never_reports(services, clock):
    db = services.db
    long_ago = clock() - timedelta(days=500)
    old_question = record_question(db, person_id="lewis", channel="local", text="can I post photos?", now=long_ago,
                                   answered=True, section="2", clause="2-1", verdict="depends", confidence=0.8)
    record_question(db, person_id="lewis", channel="local", text="can I friend a parent?", now=clock(),
                    answered=True, section="3", clause="3-2", verdict="no", confidence=0.9)
    clock.set(long_ago)
    old_ref = file_report(services)  # a report filed long ago stays
    outbox.enqueue(db, Notification("lewis", Reply("old, delivered"), key="old-delivered"), now=long_ago)
    outbox.enqueue(db, Notification("lewis", Reply("old, still pending"), key="old-pending"), now=long_ago)
    clock.advance(days=500)
    delivered = db["outbox"].rows_where("key = 'old-delivered'").__next__()["id"]
    outbox.mark_delivered(db, delivered, "local", long_ago)
    first_time_seen(db, "slack:Ev-old")
    with db.atomic():
        db.execute("UPDATE processed_events SET seen_at = :seen_at",
                   {"seen_at": (clock() - timedelta(days=8)).isoformat()})
    first_time_seen(db, "slack:Ev-new")

    planned = retention.plan(db, clock())
    assert planned["questions"] == 1 and planned["answers"] == 1
    assert planned["outbox"] == 1 and planned["processed_events"] == 1
    assert db.execute("SELECT count(*) FROM questions").fetchone()[0] == 2  # plan changes nothing

    deleted = retention.apply(db, clock())
    assert deleted == planned
    assert [q["text"] for q in db["questions"].rows] == ["can I friend a parent?"]
    assert not list(db["answers"].rows_where("question_id = :id", {"id": old_question}))
    assert [r["key"] for r in db["outbox"].rows] == ["old-pending"]  # pending messages are never lost
    assert [r["event_id"] for r in db["processed_events"].rows] == ["slack:Ev-new"]
    assert report_store.get_report(db, old_ref) is not None
    assert "reports" not in planned and "report_events" not in planned and "access_audit" not in planned


def test_retention_command_shows_before_it_deletes(services, database_location, clock):
    db_path = database_location
    record_question(services.db, person_id="lewis", channel="local", text="an old question",
                    now=datetime.now(timezone.utc) - timedelta(days=800), answered=False, section=None,
                    clause=None, verdict=None, confidence=0.0)
    file_report(services)
    shown = run_app("retention", db=db_path)
    assert shown.returncode == 0, shown.stderr
    assert "Would delete      1 row(s) from questions" in shown.stdout
    assert "never deleted" in shown.stdout
    assert count(db_path, "questions") == 1
    applied = run_app("retention", "--apply", db=db_path)
    assert applied.returncode == 0 and "Deleted      1 row(s) from questions" in applied.stdout
    assert count(db_path, "questions") == 0 and count(db_path, "reports") == 1


def test_months_before_handles_month_ends():
    moment = datetime(2026, 3, 31, 12, tzinfo=timezone.utc)
    assert retention.months_before(moment, 1) == datetime(2026, 2, 28, 12, tzinfo=timezone.utc)
    assert retention.months_before(moment, 12) == datetime(2025, 3, 31, 12, tzinfo=timezone.utc)
    assert retention.months_before(datetime(2026, 1, 15, tzinfo=timezone.utc), 1).month == 12


# --- subject-access export --------------------------------------------------------------------------

def test_export_person_has_everything_about_them_and_only_their_own_reports(services, database_location, clock):
    db = services.db
    mine = file_report(services, reporter="clarke")
    others = file_report(services, reporter="lewis", what="Lewis's own confidential words")
    record_question(db, person_id="clarke", channel="local", text="can I post photos?", now=clock(),
                    answered=True, section="2", clause="2-1", verdict="depends", confidence=0.8)
    training_store.record_completion(db, "clarke", "training", clock().date(), "patel", clock())
    with db.atomic():
        draft_store.create(db, "clarke", "facebook", "Our trip!", "", [], [], True, "okafor", "local", clock())
    report_store.audit(db, "clarke", others, "view", False, clock())

    result = run_app("export-person", "clarke", db=database_location)
    assert result.returncode == 0, result.stderr
    export = json.loads(result.stdout)
    assert export["person"]["email"] == "a.clarke@calmore.example.org"
    assert [q["text"] for q in export["questions"]] == ["can I post photos?"]
    assert export["questions"][0]["answer"]["clause"] == "2-1"
    assert export["training"]["record"][0]["training_on"] == clock().date().isoformat()
    assert export["drafts"][0]["versions"][0]["text"] == "Our trip!"
    assert [r["ref"] for r in export["reports_raised"]] == [mine]
    assert export["reports_raised"][0]["content"]["what"] == SECRET_WHAT
    assert "Lewis's own confidential words" not in result.stdout
    assert export["audit"]["report_access"][0]["report_ref"] == others  # the refused look is theirs to see


def test_export_of_someone_unknown_is_a_clear_refusal(services, database_location):
    result = run_app("export-person", "nobody", db=database_location)
    assert result.returncode == 2 and "No one with the id 'nobody'" in result.stderr


# --- structured logs --------------------------------------------------------------------------------

async def test_logs_are_json_lines_with_request_ids_and_never_report_content(services, json_logs):
    server = TestServer(build_app(services, env={}), host="127.0.0.1")
    await server.start_server()
    secret = "Quokka-5512 told me a teacher messages her on Snapchat at night"
    conversation = ["report a concern", "no", "1", "1", secret, "Mr Example, Year 5", "last Tuesday evening",
                    "on Snapchat", "none", "send"]
    request_ids = []
    try:
        async with aiohttp.ClientSession() as session:
            for index, text in enumerate(conversation):
                headers = {"X-Request-Id": f"proxy-id-{index:04d}"} if index == 0 else {}
                async with session.post(server.make_url("/local/messages"), json={"person": "clarke", "text": text},
                                        headers=headers) as response:
                    assert response.status == 200
                    request_ids.append(response.headers["X-Request-Id"])
                    replies = (await response.json())["replies"]
            async with session.get(server.make_url("/no-such-page")) as response:
                assert response.status == 404 and response.headers["X-Request-Id"]
    finally:
        await server.close()
    assert any(r.get("data", {}).get("report_ref") for r in replies), replies
    assert request_ids[0] == "proxy-id-0000"  # a proxy's id is kept, so its logs join ours
    assert len(set(request_ids)) == len(request_ids)
    stored = services.db.execute("SELECT content FROM reports").fetchone()[0]
    assert secret not in stored  # encrypted at rest, as a sanity check on the test itself

    text = json_logs.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert secret not in text and "Quokka" not in text and "Snapchat" not in text
    access = [line for line in lines if line["logger"] == "policybot.http"]
    assert [line["request_id"] for line in access[:len(request_ids)]] == request_ids
    for line in access:
        assert {"time", "level", "logger", "request_id", "path", "status", "duration_ms"} <= set(line)
        assert isinstance(line["duration_ms"], float) and line["time"].endswith("Z")
    assert access[-1]["path"] == "/no-such-page" and access[-1]["status"] == 404


async def test_a_bad_request_id_header_is_replaced_not_echoed(services, json_logs):
    server = TestServer(build_app(services, env={}), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(server.make_url("/healthz"),
                                   headers={"X-Request-Id": "<script>alert(1)</script>"}) as response:
                assert response.status == 200
                assert response.headers["X-Request-Id"] != "<script>alert(1)</script>"
                assert len(response.headers["X-Request-Id"]) == 32
    finally:
        await server.close()
    assert "<script>" not in json_logs.getvalue()
