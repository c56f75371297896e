"""What the storage interface promises since PostgreSQL goes through SQLAlchemy Core: named
parameters read as written, upsert, nested transactions, one order on both databases, a
transaction per thread, and an upgrade path for files and servers made before.

Runs on both databases (tests/conftest.py's database_location) unless marked.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import psycopg
import pytest

from app import open_database
from domain.messages import Notification, Reply
from storage import outbox
from storage.database import LAYOUT
from storage.migrations import MIGRATIONS_TABLE, Migrations

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(database_location):
    database = open_database(database_location)
    database["things"].create({"id": int, "name": str, "note": str, "size": int}, pk="id",
                              defaults={"size": 0})
    database["pairs"].create({"first_key": str, "second_key": str, "value": int}, pk=("first_key", "second_key"))
    yield database
    database.close()


def test_upsert_inserts_then_changes_only_the_columns_it_is_given(db):
    db["pairs"].upsert({"first_key": "a", "second_key": "b", "value": 1}, pk=("first_key", "second_key"))
    db["things"].upsert({"id": 7, "name": "seven", "note": "kept"}, pk="id")
    assert db["things"].upsert({"id": 7, "name": "SEVEN"}, pk="id").last_pk == 7
    assert db["things"].get(7) == {"id": 7, "name": "SEVEN", "note": "kept", "size": 0}


def test_upsert_of_the_key_alone_adds_the_row_once_and_changes_nothing(db):
    db["things"].upsert({"id": 3}, pk="id")
    db["things"].update(3, {"name": "three"})
    db["things"].upsert({"id": 3}, pk="id")
    assert [(r["id"], r["name"]) for r in db["things"].rows] == [(3, "three")]


def test_a_database_error_in_an_inner_block_undoes_only_that_block(db):
    """On PostgreSQL an error spoils the whole transaction unless the inner block is a savepoint."""
    with db.atomic():
        kept = db["things"].insert({"name": "kept"}).last_pk
        with pytest.raises(Exception), db.atomic():
            db["things"].insert({"name": "undone"})
            db["things"].insert({"id": kept, "name": "same key again"})
        db["things"].insert({"name": "after"})
    assert [r["name"] for r in db["things"].rows_where(order_by="id")] == ["kept", "after"]


def test_one_named_parameter_may_appear_twice_and_lists_go_through_in_list(db):
    from storage.store import in_list

    for name in ("a", "b", "c"):
        db["things"].insert({"name": name, "note": name})
    chosen, params = in_list("name", ["a", "c"])
    rows = db.query(f"SELECT name FROM things WHERE name IN {chosen} AND note = name ORDER BY id", params)
    assert [r["name"] for r in rows] == ["a", "c"]
    assert list(db.query(f"SELECT name FROM things WHERE name IN {in_list('x', [])[0]}")) == []


def test_messages_queued_in_the_same_second_go_out_in_the_order_they_were_queued(database_location):
    db = open_database(database_location)
    try:
        for key in ("third-by-name", "first-by-name", "second-by-name"):
            outbox.enqueue(db, Notification("clarke", Reply(key), key=key), NOW)
        assert [row["key"] for row in outbox.due(db, NOW)] == ["third-by-name", "first-by-name", "second-by-name"]
    finally:
        db.close()


def test_migration_records_are_sqlite_utils_own_so_older_files_keep_their_history(tmp_path):
    from sqlite_utils import Database
    from sqlite_utils import Migrations as SqliteUtilsMigrations

    older, ours = SqliteUtilsMigrations("things"), Migrations("things")
    for migrations in (older, ours):
        migrations(name="create_things")(lambda db: db["things"].create({"id": int}, pk="id"))
    db = Database(tmp_path / "older.db")
    older.apply(db)
    ours.apply(db)  # sees the step sqlite_utils applied: nothing is made twice
    assert ours.applied(db) == {"create_things"}
    assert db.execute(f"SELECT count(*) FROM {MIGRATIONS_TABLE}").fetchone()[0] == 1


# --- PostgreSQL's layer ----------------------------------------------------------------------------

def test_an_it_managers_url_is_used_with_the_psycopg_driver_and_its_options_kept():
    from storage.postgres import engine_url

    for given in ("postgresql://bot@db.trust/policybot?options=-csearch_path%3Doakfield&sslmode=require",
                  "postgres://bot@db.trust/policybot?options=-csearch_path%3Doakfield&sslmode=require"):
        url, connect_args = engine_url(given, 2500)
        assert url.drivername == "postgresql+psycopg" and url.database == "policybot"
        assert url.query == {"sslmode": "require"}
        assert connect_args["options"] == "-csearch_path=oakfield -c lock_timeout=2500"


@pytest.mark.postgres_only
def test_positional_parameters_are_refused_plainly(db):
    with pytest.raises(TypeError, match="named parameters"):
        db.execute("SELECT 1 WHERE 1 = ?", [1])


@pytest.mark.postgres_only
def test_each_thread_has_its_own_transaction(db):
    """The event loop and an executor thread share one database object: a transaction open in one
    is neither joined nor seen by the other's statements until it commits."""
    inside, release, seen = threading.Event(), threading.Event(), []

    def writer():
        with db.atomic():
            db["things"].insert({"name": "from the other thread"})
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert inside.wait(10)
    seen.append(db["things"].count)
    db["things"].insert({"name": "from this thread"})  # its own autocommitted statement
    release.set()
    thread.join(10)
    assert seen == [0]
    assert sorted(r["name"] for r in db["things"].rows) == ["from the other thread", "from this thread"]


@pytest.mark.postgres_only
def test_tables_made_with_the_old_hidden_rowid_lose_it_on_upgrade(database_location):
    db = open_database(database_location)
    db.execute("ALTER TABLE people ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY")
    db.execute("ALTER TABLE outbox ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY")
    db.execute(f"DELETE FROM {MIGRATIONS_TABLE} WHERE migration_set = :name", {"name": LAYOUT.name})
    db.close()
    upgraded = open_database(database_location)
    try:
        with psycopg.connect(database_location) as check:
            left = check.execute("SELECT table_name FROM information_schema.columns WHERE column_name = 'rowid'"
                                 " AND table_schema = current_schema()").fetchall()
        assert left == []
        outbox.enqueue(upgraded, Notification("clarke", Reply("after the upgrade"), key="after"), NOW)
        assert [row["key"] for row in outbox.due(upgraded, NOW)] == ["after"]
    finally:
        upgraded.close()
