"""Online backups of the SQLite database, and restoring one.

A backup uses SQLite's own online backup API (sqlite3.Connection.backup), so it is consistent
while the server keeps writing; the copy is checked with `PRAGMA integrity_check` before it gets
its final name. Restore refuses a file that is not a sound Policy Bot database, keeps the current
file beside it, and swaps the new one in with an atomic rename. Stop the server before a restore.

The concern-report key (report.key, or POLICYBOT_REPORT_KEY) is NOT inside a backup: report
content in a backup is unreadable without it. That holds for everything confidential: reports,
their chronology, intakes in progress, and messages waiting in the outbox or the local inbox
(sealed, storage.outbox); and a backup is rebuilt from live rows (VACUUM), so no deleted text
rides along in free space. Keep a copy of the key, apart from the backups.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

# Tables every Policy Bot database has, whatever features were on when it was made.
REQUIRED_TABLES = ("people", "platform_accounts", "outbox", "conversation_state")
MIGRATIONS_TABLE = "_sqlite_migrations"


class NotAPolicyBotDatabase(Exception):
    """The file is missing, not SQLite, damaged, or not one of ours; the message says which."""


def default_backup_path(db_path: str | Path, now: datetime | None = None) -> Path:
    now = now or datetime.now(timezone.utc)
    return Path(db_path).resolve().parent / "backups" / f"policybot-{now:%Y%m%d-%H%M%S}.db"


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _checked_copy(source_path: Path, target: Path, staging_suffix: str) -> Path:
    """An online copy of `source_path` beside `target` (same file system, so the caller's rename
    is atomic), checked, owner-only and on disk; returns the staging file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + staging_suffix)
    staging.unlink(missing_ok=True)
    os.close(os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # owner-only from the first byte
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(staging)
    try:
        source.backup(copy)  # page by page, consistent, while others keep writing
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        # The pages came with their free space, which in a file written before payloads were sealed
        # (or by an SQLite without secure_delete) can still hold deleted text: rebuild from live rows.
        copy.execute("VACUUM")
    finally:
        copy.close()
        source.close()
    try:
        check(staging)
    except NotAPolicyBotDatabase:
        staging.unlink(missing_ok=True)
        raise
    os.chmod(staging, 0o600)  # it holds staff names and (encrypted) reports
    _fsync(staging)
    return staging


def backup(db_path: str | Path, output: str | Path | None = None, now: datetime | None = None) -> Path:
    """Copy the live database to `output` (default data/backups/policybot-YYYYmmdd-HHMMSS.db)."""
    source_path = Path(db_path)
    if not source_path.exists():
        raise FileNotFoundError(f"there is no database at {source_path}")
    target = Path(output) if output else default_backup_path(source_path, now)
    partial = _checked_copy(source_path, target, ".partial")
    os.replace(partial, target)
    return target


def check(path: str | Path) -> dict[str, int]:
    """Row counts of a sound Policy Bot database; NotAPolicyBotDatabase otherwise."""
    path = Path(path)
    if not path.is_file():
        raise NotAPolicyBotDatabase(f"{path} does not exist")
    with open(path, "rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise NotAPolicyBotDatabase(f"{path} is not an SQLite database")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise NotAPolicyBotDatabase(f"{path} is damaged: {verdict}")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [t for t in (*REQUIRED_TABLES, MIGRATIONS_TABLE) if t not in tables]
            if missing:
                raise NotAPolicyBotDatabase(f"{path} is not a Policy Bot database (no {', '.join(missing)} table)")
            return {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                    for t in sorted(tables) if not t.startswith(("sqlite_", "_"))}
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise NotAPolicyBotDatabase(f"{path} cannot be read as a database ({error})") from None


def restore(source: str | Path, db_path: str | Path, now: datetime | None = None) -> Path | None:
    """Put a backup in place of the database; returns where the replaced database was kept.

    Order matters: the backup is checked and copied next to the target first (same file system,
    so the final rename is atomic); the current database is checkpointed, so its write-ahead log
    holds nothing and cannot be replayed onto the restored file.
    """
    check(source)
    target = Path(db_path)
    incoming = _checked_copy(Path(source), target, ".restoring")
    kept = None
    if target.exists():
        current = sqlite3.connect(target)
        try:
            current.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            current.close()
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        shutil.copy2(target, kept)  # checkpointed: the main file alone is the whole database
    os.replace(incoming, target)  # atomic: the path always holds one whole database
    for suffix in ("-wal", "-shm"):  # the old file's (empty) log and index must not meet the new one
        Path(str(target) + suffix).unlink(missing_ok=True)
    return kept
