"""Open the SQLite database (WAL mode) and bring its schema up to date.

Each storage module owns a `sqlite_utils.Migrations` set named after its aggregate; they are all
applied here on start, so a new module only has to be listed in MIGRATION_MODULES.
"""
from __future__ import annotations

import importlib
import os
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


def database_path() -> str:
    return os.environ.get("POLICYBOT_DB") or DEFAULT_DB_PATH


def open_database(path: str | Path | None = None) -> Database:
    """Open (creating if needed) the database file and apply every pending migration."""
    path = Path(path or database_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: the aiohttp app hands the connection between the loop and
    # short-lived executor threads; SQLite itself serialises access.
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
    db = Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=10000")
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


def is_healthy(db: Database) -> bool:
    try:
        return db.execute("SELECT 1").fetchone() == (1,)
    except sqlite3.Error:
        return False
