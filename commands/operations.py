"""The operations commands (docs/OPERATIONS.md): backup, restore, rotate-report-key, export-person,
retention. app.py adds them to its command line with the database opener it composes.

    python app.py backup [--output FILE]
    python app.py restore FILE
    python app.py rotate-report-key
    python app.py export-person PERSON_ID [--output FILE]
    python app.py retention [--apply] [--questions-months N] [--outbox-days N]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable


SERVER_DATABASE_BACKUP = ("POLICYBOT_DB is a PostgreSQL server: back it up and restore it with the server's own "
                          "tools (pg_dump / pg_restore, or the hosting provider's backups); see docs/OPERATIONS.md.")


def cmd_backup(args) -> int:
    """An online backup of the database (safe while the server runs)."""
    from storage.backup import backup, check
    from storage.database import database_path, is_server_url

    if is_server_url(database_path()):
        print(SERVER_DATABASE_BACKUP, file=sys.stderr)
        return 2
    path = backup(database_path(), args.output)
    rows = check(path)
    print(f"Backed up {database_path()} to {path} ({sum(rows.values())} rows in {len(rows)} tables).")
    print("The concern-report key is not in the backup: keep a copy of data/report.key (or "
          "POLICYBOT_REPORT_KEY) somewhere else, or the reports in it cannot be read.")
    return 0


def cmd_restore(args) -> int:
    """Replace the database with a backup (stop the server first)."""
    from storage.backup import NotAPolicyBotDatabase, restore
    from storage.database import database_path, is_server_url

    if is_server_url(database_path()):
        print(SERVER_DATABASE_BACKUP, file=sys.stderr)
        return 2
    try:
        kept = restore(args.file, database_path())
    except NotAPolicyBotDatabase as refusal:
        print(f"Not restored: {refusal}", file=sys.stderr)
        return 2
    print(f"Restored {args.file} to {database_path()}." + (f" The previous database is kept at {kept}." if kept else ""))
    return 0


def cmd_rotate_report_key(args) -> int:
    """A new key for concern-report content; every stored report is re-encrypted under it."""
    from storage import crypto
    from storage.reports import reencrypt_all

    db = args.open_database()
    if os.environ.get(crypto.KEY_ENV, "").strip():
        print(f"Keys come from {crypto.KEY_ENV}: re-encrypting under its first key. (To rotate, put a new "
              "key first in that variable, keep the old ones after it, then run this.)")
    else:
        key_file = crypto.key_file_for(db)
        crypto.cipher_for(db)  # creates the key file on a fresh install
        crypto.add_key_to_file(key_file)
        print(f"Added a new key to {key_file}; older keys stay in it so older backups can still be read.")
    count = reencrypt_all(db)
    print(f"Re-encrypted {count} stored report field(s) under the new key.")
    return 0


def cmd_export_person(args) -> int:
    """Subject-access export: everything stored about one person, as JSON."""
    from storage.retention import export_person_json

    text = export_person_json(args.open_database(), args.person_id)
    if text is None:
        print(f"No one with the id {args.person_id!r} is in the database.", file=sys.stderr)
        return 2
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        os.chmod(args.output, 0o600)
        print(f"Wrote the export for {args.person_id} to {args.output}")
    else:
        sys.stdout.write(text + "\n")
    return 0


def cmd_retention(args) -> int:
    """What data retention would delete (or, with --apply, deletes). Concern reports are never deleted."""
    from datetime import datetime, timezone

    from storage import retention

    db = args.open_database()
    rules = retention.RetentionRules(question_months=args.questions_months, outbox_days=args.outbox_days)
    now = datetime.now(timezone.utc)
    counts = retention.apply(db, now, rules) if args.apply else retention.plan(db, now, rules)
    verb = "Deleted" if args.apply else "Would delete"
    for table, count in counts.items():
        print(f"{verb} {count:>6} row(s) from {table}")
    if not args.apply:
        print("Nothing was changed. Run with --apply to delete these rows.")
    print("Concern reports, their chronology and audit are never deleted automatically.")
    return 0


def add_commands(sub: argparse._SubParsersAction, open_database: Callable) -> None:
    """The operations commands, each handed `open_database` (app.py's, which applies its MIGRATIONS)."""
    backup_parser = sub.add_parser("backup", help="online backup of the database")
    backup_parser.add_argument("--output", default=None, help="file to write (default data/backups/policybot-<time>.db)")
    backup_parser.set_defaults(func=cmd_backup)

    restore_parser = sub.add_parser("restore", help="replace the database with a backup (stop the server first)")
    restore_parser.add_argument("file")
    restore_parser.set_defaults(func=cmd_restore)

    rotate = sub.add_parser("rotate-report-key", help="new encryption key for concern reports; re-encrypt them")
    rotate.set_defaults(func=cmd_rotate_report_key, open_database=open_database)

    export = sub.add_parser("export-person", help="subject-access export of one person's data (JSON)")
    export.add_argument("person_id")
    export.add_argument("--output", default=None)
    export.set_defaults(func=cmd_export_person, open_database=open_database)

    retention_parser = sub.add_parser("retention", help="show (or --apply) data retention; reports are kept")
    retention_parser.add_argument("--apply", action="store_true")
    retention_parser.add_argument("--questions-months", type=int, default=12)
    retention_parser.add_argument("--outbox-days", type=int, default=30)
    retention_parser.set_defaults(func=cmd_retention, open_database=open_database)
