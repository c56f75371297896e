"""The soak's checks afterwards, read from the server's database through the storage interface
(storage.database.open_database), so the same SQL checks SQLite and PostgreSQL alike."""
from __future__ import annotations

import contextlib
import os
import time
from typing import Iterator

from app import open_database
from benchmarks.soak_workload import Results
from storage.crypto import KEY_ENV


@contextlib.contextmanager
def report_key_in_environment(report_key: str | None) -> Iterator[None]:
    """open_database refuses a server database without a report key in the environment; lend it
    this run's key for the checks, and leave the environment as it was."""
    before = os.environ.get(KEY_ENV)
    if report_key:
        os.environ[KEY_ENV] = report_key
    try:
        yield
    finally:
        if report_key:
            if before is None:
                os.environ.pop(KEY_ENV, None)
            else:
                os.environ[KEY_ENV] = before


def check_database(database: str, results: Results, report_key: str | None = None,
                   drain_seconds: float = 30.0) -> dict:
    """Every acknowledged report stored once; approvals recorded once; the outbox drained.
    Read through the storage interface, so the same SQL checks SQLite and PostgreSQL."""
    deadline = time.monotonic() + drain_seconds
    with report_key_in_environment(report_key):
        db = open_database(database)
    try:
        one = lambda sql, args=None: db.execute(sql, args).fetchone()[0]  # noqa: E731
        rows = lambda sql: {row[0]: row[1] for row in db.execute(sql).fetchall()}  # noqa: E731
        while time.monotonic() < deadline and one("SELECT count(*) FROM outbox WHERE status = 'pending'"):
            time.sleep(0.2)
        refs = results.report_refs
        stored = rows("SELECT ref, count(*) FROM reports GROUP BY ref")
        filed_events = rows("SELECT r.ref, count(*) FROM report_events e JOIN reports r ON r.id = e.report_id"
                            " WHERE e.kind = 'filed' GROUP BY r.ref")
        approvals = rows("SELECT draft_id, count(*) FROM draft_audit WHERE action = 'approve' GROUP BY draft_id")
        return {
            "reports_acknowledged": len(refs),
            "reports_in_db": one("SELECT count(*) FROM reports"),
            "acknowledged_refs_unique": len(set(refs)) == len(refs),
            "every_report_once": all(stored.get(ref) == 1 and filed_events.get(ref) == 1 for ref in refs)
                                 and len(stored) == len(refs),
            "drafts_approved": len(results.approved_drafts),
            "every_approval_once": all(approvals.get(d) == 1 for d in results.approved_drafts)
                                   and one("SELECT count(*) FROM drafts WHERE state = 'approved'")
                                   == len(results.approved_drafts),
            "outbox_keys_unique": one("SELECT count(*) - count(DISTINCT key) FROM outbox") == 0,
            "outbox_pending": one("SELECT count(*) FROM outbox WHERE status = 'pending'"),
            "local_inbox_once": one("SELECT count(*) FROM local_inbox")
                                == one("SELECT count(*) FROM outbox WHERE status = 'delivered' AND channel = 'local'"),
        }
    finally:
        db.close()
