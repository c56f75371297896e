"""The storage interface (`storage.database.Store`) behaves the same on SQLite and PostgreSQL, and
PostgreSQL's own faults (a lock held too long, a read-only server, an unreachable server, a missing
key) reach people and IT managers as clear messages with nothing half-written.

Every handler and end-to-end test that uses the `services` fixture runs on both databases too
(tests/conftest.py); these tests pin the interface itself and the faults only a server has.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from sqlite_utils.db import NotFoundError

import app
from domain.messages import Incoming
from handlers.router import Router
from storage import reports as report_store
from app import open_database
from storage.database import database_state
from storage.errors import StorageFault
from storage.roster import get_person

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(database_location):
    database = open_database(database_location)
    database["things"].create({"id": int, "name": str, "note": str}, pk="id")
    database["pairs"].create({"first_key": str, "second_key": str, "value": int}, pk=("first_key", "second_key"))
    yield database
    database.close()


# --- the interface ------------------------------------------------------------------------------

def test_insert_numbers_rows_and_get_finds_them(db):
    first = db["things"].insert({"name": "alpha"}).last_pk
    second = db["things"].insert({"name": "beta"}).last_pk
    assert second == first + 1
    assert db["things"].get(second)["name"] == "beta"
    assert set(db["things"].get(first)) == {"id", "name", "note"}  # no hidden bookkeeping columns


def test_get_of_a_missing_row_raises_not_found(db):
    with pytest.raises(NotFoundError):
        db["things"].get(404)


def test_upsert_on_a_compound_key_updates_rather_than_duplicates(db):
    db["pairs"].upsert({"first_key": "a", "second_key": "b", "value": 1}, pk=("first_key", "second_key"))
    db["pairs"].upsert({"first_key": "a", "second_key": "b", "value": 2}, pk=("first_key", "second_key"))
    assert [(r["first_key"], r["second_key"], r["value"]) for r in db["pairs"].rows] == [("a", "b", 2)]


def test_update_changes_only_the_named_row(db):
    one = db["things"].insert({"name": "one"}).last_pk
    two = db["things"].insert({"name": "two"}).last_pk
    db["things"].update(one, {"note": "changed"})
    assert db["things"].get(one)["note"] == "changed" and db["things"].get(two)["note"] is None


def test_rows_come_in_insertion_order_when_ordered_by_their_numbered_key(db):
    for name in ["c", "a", "b", "a2"]:
        db["things"].insert({"name": name, "note": "same"})
    rows = db["things"].rows_where("note = :note", {"note": "same"}, order_by="note, id")
    assert [r["name"] for r in rows] == ["c", "a", "b", "a2"]


def test_no_table_has_a_hidden_rowid_column(services):
    for table in services.db.table_names():
        assert "rowid" not in next(iter(services.db.query(f'SELECT * FROM "{table}" LIMIT 1')), {}), table


def test_text_sorts_byte_by_byte_as_iso_timestamps_need(db):
    stamps = ["2026-11-26T10:00:00+00:00", "2026-11-26T09:59:59+00:00", "2026-11-26 10:00:00", "Z", "a", "B"]
    for stamp in stamps:
        db["things"].insert({"name": stamp})
    assert [r["name"] for r in db["things"].rows_where(order_by="name")] == sorted(stamps)


def test_named_parameters_and_literal_question_marks_percent_signs_and_times_are_read_as_written(db):
    db["things"].insert({"name": "100% sure? at 10:30", "note": "x"})
    rows = list(db.query("SELECT name FROM things WHERE name LIKE '100%' AND note = :note AND name <> 'a?b'"
                         " AND name LIKE '%10:30'", {"note": "x"}))
    assert rows == [{"name": "100% sure? at 10:30"}]
    assert db.execute("SELECT count(*) FROM things WHERE note = :note OR name = :note", {"note": "x"}).fetchone()[0] == 1


def test_on_conflict_do_nothing_reports_no_row_written(db):
    db["pairs"].insert({"first_key": "k", "second_key": "k", "value": 1})
    cursor = db.execute("INSERT INTO pairs (first_key, second_key, value) VALUES (:first, :second, :value)"
                        " ON CONFLICT DO NOTHING", {"first": "k", "second": "k", "value": 2})
    assert cursor.rowcount == 0
    assert db["pairs"].get(("k", "k"))["value"] == 1


def test_returning_gives_the_new_id(db):
    new_id = db.execute("INSERT INTO things (name) VALUES (:name) RETURNING id", {"name": "r"}).fetchone()[0]
    assert db["things"].get(new_id)["name"] == "r"


def test_a_failed_transaction_leaves_nothing_and_a_failed_inner_one_only_undoes_itself(db):
    with pytest.raises(RuntimeError), db.atomic():
        db["things"].insert({"name": "half"})
        raise RuntimeError("stop")
    assert db["things"].count == 0
    with db.atomic():
        db["things"].insert({"name": "kept"})
        with pytest.raises(RuntimeError), db.atomic():
            db["things"].insert({"name": "undone"})
            raise RuntimeError("inner")
    assert [r["name"] for r in db["things"].rows] == ["kept"]


def test_reopening_applies_no_migration_twice(database_location):
    first = open_database(database_location)
    applied = first.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    first.close()
    again = open_database(database_location)
    assert again.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == applied > 0
    again.close()


def test_report_text_is_in_no_column_of_any_table(services):
    secret = "Zebedee-told-me-about-the-private-messages"
    db, now = services.db, services.now()
    with db.atomic():
        report_store.create_report(db, short_code="CJS", year=now.year, reporter_id="clarke",
                                   reporter_name="Amy Clarke", category="online", urgent=False,
                                   routing="standard", content={"what": secret}, now=now, details_complete=True)
    tables = db.table_names()
    assert "reports" in tables and "report_events" in tables
    for table in tables:
        for row in db.query(f'SELECT * FROM "{table}"'):
            assert not any(secret in str(value) for value in row.values()), table


# --- PostgreSQL's own faults -------------------------------------------------------------------

@pytest.fixture
def postgres_services(postgres_server, monkeypatch, clock, knowledge):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("POLICYBOT_REPORT_KEY", Fernet.generate_key().decode())
    url = postgres_server.url_for_new_schema()
    built = app.build_services(db_path=url, clock=clock, knowledge=knowledge)
    yield built, url
    built.db.close()
    postgres_server.drop_schema(url)


def say(services, who: str, text: str, person=None) -> str:
    person = person or get_person(services.db, who)
    replies = Router(services).handle(Incoming("local", who, text=text, person=person))
    return "\n".join(reply.plain() for reply in replies)


def test_a_table_locked_by_another_program_gets_a_clear_message_and_nothing_is_written(postgres_services):
    services, url = postgres_services
    before = services.db["reports"].count
    for answer in ("report a concern", "no", "1", "1", "A parent sent a pupil a friend request",
                   "Child K in 5B", "today at 9:15", "Instagram direct messages", "none"):
        reply = say(services, "clarke", answer)
    assert "Send to the DSL" in reply
    holder = psycopg.connect(url)
    holder.execute("LOCK TABLE reports IN ACCESS EXCLUSIVE MODE")  # held until rollback
    try:
        reply = say(services, "clarke", "send")
    finally:
        holder.rollback()
        holder.close()
    assert "database is busy" in reply and "Nothing was changed" in reply
    assert services.db["reports"].count == before
    assert database_state(services.db) == "ok"
    # Nothing the person typed was lost: once the lock is gone, sending again files it, once.
    assert "CJS-" in say(services, "clarke", "send")
    assert services.db["reports"].count == before + 1


def test_a_read_only_server_gets_a_clear_message(postgres_services):
    services, _url = postgres_services
    services.db.execute("SET default_transaction_read_only = on")
    reply = say(services, "patel", "authorise Amy Clarke to post")
    assert "can't be written to" in reply and "Nothing was changed" in reply


def terminate_backend_of(db, url: str) -> None:
    """Cut the bot's connection from the server side, as a server restart or a firewall would."""
    pid = db.execute("SELECT pg_backend_pid()").fetchone()[0]
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_request_that_meets_a_dropped_connection_is_answered_plainly_and_the_next_one_works(postgres_services):
    """SQLAlchemy's optimistic disconnect handling: the statement that meets the break fails (the
    person is told, nothing changed); the connection is marked invalidated and the next request
    runs on a fresh one, without restarting the bot."""
    services, url = postgres_services
    patel = get_person(services.db, "patel")
    terminate_backend_of(services.db, url)
    reply = say(services, "patel", "authorise Amy Clarke to post", person=patel)
    assert "couldn't reach the database" in reply and "Nothing was changed" in reply and "Traceback" not in reply
    assert database_state(services.db) == "ok"
    reply = say(services, "patel", "authorise Amy Clarke to post", person=patel)
    assert "couldn't" not in reply and "Traceback" not in reply
    assert [row["person_id"] for row in services.db["poster_authorisations"].rows] == ["clarke"]


def test_a_write_that_meets_a_dropped_connection_fails_clearly_and_is_never_sent_twice(postgres_services):
    """No statement is re-sent on a new connection behind the caller's back: the write that met
    the break raises StorageFault and is not stored; the next statement gets a new connection."""
    services, url = postgres_services
    db = services.db
    db["things"].create({"id": int, "name": str}, pk="id")
    dropped = db.execute("SELECT pg_backend_pid()").fetchone()[0]
    terminate_backend_of(db, url)
    with pytest.raises(StorageFault, match="database unavailable"):
        db.execute("INSERT INTO things (name) VALUES (:name) RETURNING id", {"name": "met the break"})
    new_id = db.execute("INSERT INTO things (name) VALUES (:name) RETURNING id", {"name": "once"}).fetchone()[0]
    assert [r["name"] for r in db["things"].rows] == ["once"] and new_id == 1
    assert db.execute("SELECT pg_backend_pid()").fetchone()[0] != dropped


def test_each_thread_keeps_one_connection_and_close_gives_them_all_back(postgres_services):
    """A statement costs one round trip: a thread's statements share its connection (no checkout
    and pre-ping each); threads that ended give theirs back, and close() gives back the rest."""
    import threading

    services, url = postgres_services
    db = services.db
    pid = db.execute("SELECT pg_backend_pid()").fetchone()[0]
    with db.atomic():
        assert db.execute("SELECT pg_backend_pid()").fetchone()[0] == pid
        with db.atomic():
            assert db.execute("SELECT pg_backend_pid()").fetchone()[0] == pid
    assert db.execute("SELECT pg_backend_pid()").fetchone()[0] == pid
    others = []
    for _ in range(3):  # one after another: each ended thread's connection is taken back
        thread = threading.Thread(target=lambda: others.append(db.execute("SELECT pg_backend_pid()").fetchone()[0]))
        thread.start()
        thread.join(10)
    assert pid not in others and db.engine.pool.checkedout() <= 2

    def ours() -> int:
        with psycopg.connect(url, autocommit=True) as admin:
            return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [[pid, *others]]).fetchone()[0]

    db.close()
    # The server ends a backend a moment after its client says goodbye, so wait for that (a
    # connection still open would stay listed past the deadline).
    deadline = time.monotonic() + 10
    while ours() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ours() == 0
    assert db.execute("SELECT 1").fetchone()[0] == 1  # and it is usable again after close


def test_a_break_inside_a_transaction_is_not_papered_over_by_a_new_connection(postgres_services):
    services, url = postgres_services
    db = services.db
    db["things"].create({"id": int, "name": str}, pk="id")
    pid = db.execute("SELECT pg_backend_pid()").fetchone()[0]
    with pytest.raises(StorageFault), db.atomic():
        db["things"].insert({"name": "before the break"})
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        db["things"].insert({"name": "after the break"})  # must not land on a fresh connection
    assert [r["name"] for r in db["things"].rows] == []


@pytest.fixture
def own_postgres_server(monkeypatch):
    """A PostgreSQL server for one test alone, for tests that stop or restart it."""
    from cryptography.fernet import Fernet

    from tests.conftest import start_postgres_or_skip

    monkeypatch.setenv("POLICYBOT_REPORT_KEY", Fernet.generate_key().decode())
    server = start_postgres_or_skip()
    yield server
    server.stop()


@pytest.fixture
def services_of_a_gone_server(own_postgres_server, clock, knowledge):
    """Services whose PostgreSQL server has stopped."""
    services = app.build_services(db_path=own_postgres_server.url_for_new_schema(), clock=clock, knowledge=knowledge)
    patel = get_person(services.db, "patel")
    own_postgres_server.shut_down()
    return services, patel, own_postgres_server.url


def test_a_server_that_has_gone_is_unavailable_for_health_and_a_polite_reply_in_chat(services_of_a_gone_server):
    services, patel, url = services_of_a_gone_server
    assert database_state(services.db) == "unavailable"
    reply = say(services, "patel", "authorise Amy Clarke to post", person=patel)
    assert "couldn't reach the database" in reply and "Nothing was changed" in reply
    assert "Traceback" not in reply and "psycopg" not in reply and url not in reply


def run_app(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)


def test_a_server_database_without_the_report_key_is_refused_clearly(postgres_server):
    env = {"POLICYBOT_DB": postgres_server.url_for_new_schema(), "POLICYBOT_REPORT_KEY": "",
           "POLICYBOT_REPORT_KEY_FILE": ""}
    result = run_app("gaps", env=env)
    assert result.returncode == 2
    assert "POLICYBOT_REPORT_KEY" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_server_is_a_clear_message_without_the_password(postgres_server):
    env = {"POLICYBOT_DB": "postgresql://policybot:s3cret-pw@127.0.0.1:1/policybot",
           "POLICYBOT_REPORT_KEY": "x" * 44}
    result = run_app("gaps", env=env)
    assert result.returncode == 2
    assert "cannot use its database" in result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["backup"], ["restore", "some.db"]])
def test_backup_and_restore_point_a_server_database_at_its_own_tools(command, postgres_server):
    from cryptography.fernet import Fernet

    env = {"POLICYBOT_DB": postgres_server.url_for_new_schema(), "POLICYBOT_REPORT_KEY": Fernet.generate_key().decode()}
    result = run_app(*command, env=env)
    assert result.returncode == 2 and "pg_dump" in result.stderr


def test_two_processes_starting_at_once_migrate_once(postgres_server):
    from cryptography.fernet import Fernet

    env = {"POLICYBOT_DB": postgres_server.url_for_new_schema(), "POLICYBOT_REPORT_KEY": Fernet.generate_key().decode()}
    processes = [subprocess.Popen([sys.executable, str(ROOT / "app.py"), "gaps"], cwd=ROOT, env={**os.environ, **env},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outcomes = [process.communicate(timeout=60) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outcomes
    check = psycopg.connect(env["POLICYBOT_DB"])
    names = [row[0] for row in check.execute("SELECT migration_set || '/' || name FROM _sqlite_migrations")]
    check.close()
    assert len(names) == len(set(names)) > 0


def test_a_storage_fault_names_no_content():
    fault = StorageFault("database is locked")
    assert str(fault) == "database is locked"


async def test_over_http_a_database_gone_away_is_a_503_with_retry_after(services_of_a_gone_server):
    import aiohttp
    from aiohttp.test_utils import TestServer

    from app import build_app

    services, _patel, _url = services_of_a_gone_server
    server = TestServer(build_app(services, env={}), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            message = {"person": "clarke", "text": "can I accept a friend request from a pupil?"}
            async with session.post(server.make_url("/local/messages"), json=message) as response:
                assert response.status == 503 and response.headers["Retry-After"] == "5"
                assert "database is unavailable" in (await response.json())["error"]
            async with session.get(server.make_url("/healthz")) as response:
                assert response.status == 503 and (await response.json())["database"] == "unavailable"
    finally:
        await server.close()



async def test_a_server_restart_is_ridden_out_without_restarting_the_bot(own_postgres_server, clock, knowledge):
    """The database server restarts (an upgrade, a reboot): while it is down people get clear
    answers and nothing half-written; once it is back the bot carries on by itself."""
    import aiohttp
    from aiohttp.test_utils import TestServer

    from app import build_app

    services = app.build_services(db_path=own_postgres_server.url_for_new_schema(), clock=clock, knowledge=knowledge)
    web_server = TestServer(build_app(services, env={}), host="127.0.0.1")
    await web_server.start_server()

    async def ask(session, text: str) -> tuple[int, dict]:
        async with session.post(web_server.make_url("/local/messages"), json={"person": "patel", "text": text}) as response:
            return response.status, await response.json()

    try:
        async with aiohttp.ClientSession() as session:
            assert (await ask(session, "who can post?"))[0] == 200
            own_postgres_server.shut_down()
            status, body = await ask(session, "authorise Amy Clarke to post")
            assert status == 503 and "unavailable" in body["error"]
            own_postgres_server.start_up()  # back, on the same data and port
            status, body = await ask(session, "authorise Amy Clarke to post")
            assert status == 200 and "couldn't" not in json.dumps(body)
            async with session.get(web_server.make_url("/healthz")) as response:
                assert response.status == 200
        check = open_database(services.db.url)  # a connection of its own: what is really stored
        assert [row["person_id"] for row in check["poster_authorisations"].rows] == ["clarke"]
        check.close()
    finally:
        await web_server.close()
        services.db.close()


async def test_with_the_database_server_down_slack_and_teams_messages_get_a_plain_answer(
        own_postgres_server, clock, knowledge):
    """During an outage a message on either platform is answered "couldn't reach the database",
    rather than the turn failing silently at the account lookup before any handler runs."""
    import aiohttp
    from aiohttp.test_utils import TestServer

    from app import build_app
    from bot.teams import TEAMS_CHANNEL
    from tests.fake_connector import FakeConnector
    from tests.fake_slack import FakeSlack, signed_headers
    from tests.test_slack import dm_event, event_body
    from tests.test_teams import FRIEND_QUESTION, activity

    services = app.build_services(db_path=own_postgres_server.url_for_new_schema(), clock=clock, knowledge=knowledge)
    with FakeSlack(emails={"U0CLARKE": "a.clarke@calmore.example.org"}) as slack, FakeConnector() as connector:
        env = {"SLACK_SIGNING_SECRET": "s3cret", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.api_url,
               "POLICYBOT_TEAMS_EMULATOR": "1"}
        web_server = TestServer(build_app(services, env=env), host="127.0.0.1")
        await web_server.start_server()
        try:
            own_postgres_server.shut_down()
            body = event_body(dm_event(FRIEND_QUESTION), "EvOutage")
            async with aiohttp.ClientSession() as session:
                async with session.post(web_server.make_url("/slack/events"), data=body,
                                        headers=signed_headers("s3cret", body)) as response:
                    assert response.status == 200
                async with session.post(web_server.make_url("/api/messages"), json=activity(connector, FRIEND_QUESTION),
                                        headers={"Content-Type": "application/json"}) as response:
                    assert response.status in (200, 201, 202)
            [post] = await slack.wait_for_async("chat.postMessage", timeout=10)
            assert "couldn't reach the database" in post.blocks_text
            await web_server.app[TEAMS_CHANNEL].drain()
            [reply] = connector.wait_for(lambda call: call.is_reply, timeout=10)
            assert "couldn't reach the database" in reply.text
        finally:
            await web_server.close()
            services.db.close()
