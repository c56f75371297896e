"""Open the SQLite database (WAL mode) and bring its schema up to date.

Each storage module owns a `sqlite_utils.Migrations` set named after its aggregate; they are all
applied here on start, so a new module only has to be listed in MIGRATION_MODULES.
"""
from __future__ import annotations

import importlib
import os
import shutil
import sqlite3
from pathlib import Path

from sqlite_utils import Database

MIGRATION_MODULES = (
    "storage.roster",
    "storage.state",
    "storage.outbox",
    "storage.conversation_refs",
    "storage.questions",
    "storage.drafts",
    "storage.reports",
    "storage.training",
)

DEFAULT_DB_PATH = "data/policybot.db"
# Handlers run on the event loop, so a write waiting on another process's lock (a backup, a CLI
# command) holds up every channel: wait a little, then tell the person clearly and change nothing.
BUSY_TIMEOUT_MS = 2500


def database_path() -> str:
    return os.environ.get("POLICYBOT_DB") or DEFAULT_DB_PATH


def open_database(path: str | Path | None = None) -> Database:
    """Open (creating if needed) the database file and apply every pending migration."""
    path = Path(path or database_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: the aiohttp app hands the connection between the loop and
    # short-lived executor threads; SQLite itself serialises access.
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    db = Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    migrate(db)
    return db


def migrate(db: Database) -> None:
    for module_name in MIGRATION_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name == module_name:  # an aggregate not built yet
                continue
            raise
        module.migrations.apply(db)


MIN_FREE_DISK_BYTES = 1024 * 1024


def database_state(db: Database) -> str:
    """'ok', or what stops the bot saving: 'locked' (another program holds the write lock), 'full'
    (the size limit or the disk), 'unavailable' (the file cannot be read). For /healthz."""
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
