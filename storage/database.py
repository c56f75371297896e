"""Open the database and bring its schema up to date.

Storage modules program against one small interface, `Store` (storage/store.py): the slice of
sqlite_utils' `Database` they use.

- SQLite, the default for one school, is opened through sqlite_utils (WAL mode, one connection
  shared by the event loop and executor threads): a file needs no server and no pool, and
  sqlite_utils' table helpers are what the interface was cut from.
- A `postgresql://` location, for a trust running many schools, opens
  `storage.postgres.PostgresDatabase`: the same interface through SQLAlchemy Core on psycopg 3,
  whose connection pool replaces connections a server drops and keeps each thread's transaction
  apart, and whose constructs do the table operations (upsert, reflection, DDL) in PostgreSQL's terms.

Every statement in storage/ is written once, with named parameters, in the SQL both speak.
Each storage module owns a `storage.migrations.Migrations` set named after its aggregate; app.py
lists them (MIGRATIONS) and open_database applies them, in that order, then LAYOUT, on start.
"""
from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import stat
from pathlib import Path
from typing import Any, Sequence

from sqlite_utils import Database

from storage.migrations import Migrations
from storage.store import Store, is_sqlite  # noqa: F401  (Store: re-exported for modules that import it from here)

log = logging.getLogger(__name__)

DEFAULT_DB_PATH = "data/policybot.db"
MIGRATION_LOCK_ID = 0x706F6C6963790001  # any constant: PostgreSQL advisory lock for migrations
# Handlers run on the event loop, so a write waiting on another process's lock (a backup, a CLI
# command) holds up every channel: wait a little, then tell the person clearly and change nothing.
BUSY_TIMEOUT_MS = 2500



def database_path() -> str:
    return os.environ.get("POLICYBOT_DB") or DEFAULT_DB_PATH


def is_server_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


# Changes to how every table is kept, applied after every aggregate's own migrations.
LAYOUT = Migrations("storage")


@LAYOUT()
def retire_hidden_rowid(db: Store) -> None:
    """PostgreSQL tables made before storage went through SQLAlchemy carried a hidden `rowid`
    column imitating SQLite's; queries order by their own columns now, so it goes."""
    if is_sqlite(db):
        return
    for row in list(db.query("SELECT table_name FROM information_schema.columns WHERE column_name = 'rowid'"
                             " AND table_schema = current_schema()")):
        db.execute(f'ALTER TABLE "{row["table_name"]}" DROP COLUMN rowid')


def open_database(path: str | Path | None, migrations: Sequence[Any]) -> Store:
    """Open (creating if needed) the database and apply every pending migration of `migrations`
    (app.py's MIGRATIONS: one `storage.migrations.Migrations` set per storage module).

    `path` (or POLICYBOT_DB) is a SQLite file, or a postgresql:// URL."""
    migrations = tuple(migrations)
    if not migrations:
        raise ValueError("no migration sets: app.py's MIGRATIONS lists them")
    location = str(path or database_path())
    if is_server_url(location):
        return _open_postgres(location, migrations)
    path = Path(location)
    path.parent.mkdir(parents=True, exist_ok=True)
    _owner_only(path)
    # check_same_thread=False: the aiohttp app hands the connection between the loop and
    # short-lived executor threads; SQLite itself serialises access.
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    db = Database(conn)
    # Deleted rows are zeroed, not left in free space for a copy of the file to carry (the default
    # of Debian's SQLite, not of every build).
    db.execute("PRAGMA secure_delete=ON")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    migrate(db, migrations)
    for suffix in WAL_SUFFIXES:  # SQLite gives new ones the database's mode; older ones may be wider
        _owner_only(Path(f"{path}{suffix}"), create=False)
    return db


WAL_SUFFIXES = ("-wal", "-shm")


def _owner_only(path: Path, create: bool = True) -> None:
    """The database holds staff names and (sealed) reports: readable by its owner alone, 0600, like
    the key file and the backups. A new file is created so; an existing wider one is tightened."""
    if create:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # an empty file is an empty database
            return
        except OSError:  # there already, or not creatable here (then sqlite3 says so as before)
            pass
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, 0o600)
            log.warning("database file %s was readable by others (mode %o); now 0600", path, mode)
    except FileNotFoundError:
        pass
    except OSError as error:  # not ours to change (another owner, a read-only mount): say so, carry on
        log.warning("database file %s: cannot make it owner-only (%s)", path, type(error).__name__)


def _open_postgres(url: str, migrations: Sequence[Any]) -> Store:
    from storage.crypto import require_key_outside_database
    from storage.errors import DatabaseSetupError

    require_key_outside_database()
    try:
        from storage.postgres import PostgresDatabase
    except ImportError:
        raise DatabaseSetupError("PostgreSQL support is not installed: pip install 'policybot[postgres]'") from None
    db = PostgresDatabase(url, lock_timeout_ms=BUSY_TIMEOUT_MS)
    # Several bot processes (one per school, or a CLI beside the server) may start at once:
    # one migrates, the others wait for it, then find nothing pending.
    with db.atomic():
        db.execute("SELECT pg_advisory_xact_lock(:lock_id)", {"lock_id": MIGRATION_LOCK_ID})
        migrate(db, migrations)
    return db


def migrate(db: Store, migrations: Sequence[Any]) -> None:
    for migration_set in (*migrations, LAYOUT):
        migration_set.apply(db)


MIN_FREE_DISK_BYTES = 1024 * 1024


def database_state(db: Store) -> str:
    """'ok', or what stops the bot saving: 'locked' (another program holds the write lock), 'full'
    (the size limit or the disk), 'unavailable' (the file cannot be read). For /healthz."""
    if not is_sqlite(db):
        from storage.errors import StorageFault

        try:
            db.execute("SELECT 1").fetchone()
        except StorageFault:
            return "unavailable"
        return "ok"
    try:
        path = db.execute("PRAGMA database_list").fetchone()[2]
        pages, limit, free_pages = (db.execute(f"PRAGMA {name}").fetchone()[0]
                                    for name in ("page_count", "max_page_count", "freelist_count"))
    except sqlite3.Error:
        return "unavailable"
    if pages >= limit and free_pages == 0:
        return "full"
    if path:
        try:
            if shutil.disk_usage(Path(path).parent).free < MIN_FREE_DISK_BYTES:
                return "full"
        except OSError:
            return "unavailable"
        if not db.conn.in_transaction:  # never while our own connection is mid-write
            # A separate connection that does not wait: can a write start now?
            probe = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
            except sqlite3.OperationalError as error:
                return "locked" if "locked" in str(error) or "busy" in str(error) else "unavailable"
            finally:
                probe.close()
    return "ok"
