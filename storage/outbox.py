"""The outbox: every proactive message is written here first, then delivered and marked.

A message that cannot be delivered stays pending and is retried with backoff; a stable key makes
queueing idempotent, so a restart or a retried handler never sends the same thing twice.

A confidential reply (Reply.confidential: concern-report content, alerts, receipts) is stored
sealed, here and in the local inbox: the whole payload encrypted with the report key
(storage.crypto, the cipher of the reports themselves) and opened only when it is sent. So an
undelivered View never reaches the database file, its WAL or a backup in clear. Sealing the
payload rather than storing a reference to re-render at send time keeps the outbox ignorant of
what each feature shows: the reply goes out exactly as the handler made it, whoever made it.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

from domain.messages import Notification, Reply, reply_from_dict, reply_to_dict
from storage.crypto import cipher_for
from storage.migrations import Migrations
from storage.store import Store, is_sqlite

migrations = Migrations("outbox")

MAX_BACKOFF = timedelta(hours=1)


@migrations()
def create_outbox(db: Store) -> None:
    db["outbox"].create({
        "id": str, "key": str, "person_id": str, "payload": str, "urgent": int,
        "status": str, "attempts": int, "next_attempt_at": str, "created_at": str,
        "delivered_at": str, "channel": str, "last_error": str,
    }, pk="id", defaults={"attempts": 0, "status": "pending", "urgent": 0})
    db["outbox"].create_index(["key"], unique=True)
    db["outbox"].create_index(["status", "next_attempt_at"])
    # Messages for people reached only through the local channel (web chat / terminal).
    db["local_inbox"].create({"id": int, "person_id": str, "payload": str, "created_at": str,
                              "seen": int}, pk="id", defaults={"seen": 0})
    db["local_inbox"].create_index(["person_id", "seen"])


SEALED = "sealed:"  # a sealed payload: this, then a Fernet token of the reply's JSON


@migrations(transactional=False)
def seal_stored_payloads(db: Store) -> None:
    """Rows written before payloads were sealed could hold a report in clear. They carry no
    confidential mark (an alert or an undelivered View is told only by its text): seal them all."""
    sealed = 0
    with db.atomic():
        for table in ("outbox", "local_inbox"):
            for row in list(db.query(f"SELECT id, payload FROM {table} WHERE payload NOT LIKE :sealed",
                                     {"sealed": SEALED + "%"})):
                db.execute(f"UPDATE {table} SET payload = :payload WHERE id = :id",
                           {"payload": SEALED + cipher_for(db).encrypt(row["payload"] or "{}"), "id": row["id"]})
                sealed += 1
    if sealed and is_sqlite(db):
        # The clear pages are in the write-ahead log too: fold it into the file (where secure_delete,
        # set by open_database, has zeroed the old cells) and empty it. A busy reader only delays this.
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@migrations()
def add_queue_order(db: Store) -> None:
    """The order messages were queued in, so ties in created_at (to the second) go out as queued.
    Rows already waiting keep the order they had: SQLite's own rowid, or the hidden rowid column
    PostgreSQL tables had before storage went through SQLAlchemy (storage.database.LAYOUT drops it)."""
    db.execute("ALTER TABLE outbox ADD COLUMN queued INTEGER")
    if is_sqlite(db) or list(db.query("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
                                      " AND table_name = 'outbox' AND column_name = 'rowid'")):
        db.execute("UPDATE outbox SET queued = rowid")
    db["outbox"].create_index(["queued"])


def _stored(db: Store, reply: Reply) -> str:
    """The payload as stored: JSON, or sealed when the reply is confidential."""
    text = json.dumps(reply_to_dict(reply))
    return SEALED + cipher_for(db).encrypt(text) if reply.confidential else text


def _opened(db: Store, stored: str) -> Reply:
    """The reply a stored payload holds (storage.crypto.InvalidToken: sealed under a key we lack)."""
    if stored.startswith(SEALED):
        stored = cipher_for(db).decrypt(stored[len(SEALED):])
    return reply_from_dict(json.loads(stored))


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def enqueue(db: Store, notification: Notification, now: datetime | None = None) -> bool:
    """Queue a notification; False when one with the same key was queued before."""
    now = now or datetime.now(timezone.utc)
    cursor = db.execute(
        "INSERT INTO outbox (id, key, person_id, payload, urgent, status, attempts,"
        " next_attempt_at, created_at, queued) VALUES (:id, :key, :person_id, :payload, :urgent, 'pending', 0,"
        " :now, :now, (SELECT coalesce(max(queued), 0) + 1 FROM outbox)) ON CONFLICT DO NOTHING",
        {"id": uuid.uuid4().hex, "key": notification.key or uuid.uuid4().hex, "person_id": notification.person_id,
         "payload": _stored(db, notification.reply), "urgent": int(notification.urgent), "now": _iso(now)})
    return cursor.rowcount == 1


def due(db: Store, now: datetime, limit: int = 50) -> list[dict]:
    """Pending messages whose time has come, urgent first, then oldest first."""
    return list(db.query(
        "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= :now"
        " ORDER BY urgent DESC, created_at, queued, id LIMIT :limit", {"now": _iso(now), "limit": limit}))


def next_due_at(db: Store) -> datetime | None:
    row = db.execute("SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'").fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def payload(db: Store, row: dict) -> Reply:
    """The reply an outbox row carries, opened if sealed (InvalidToken without its key)."""
    return _opened(db, row["payload"])


def mark_delivered(db: Store, message_id: str, channel: str, now: datetime) -> None:
    with db.atomic():
        db.execute("UPDATE outbox SET status = 'delivered', delivered_at = :now, channel = :channel,"
                   " attempts = attempts + 1, last_error = NULL WHERE id = :id",
                   {"now": _iso(now), "channel": channel, "id": message_id})


def mark_failed(db: Store, message_id: str, error: str, now: datetime,
                retry_after: float | None = None) -> datetime:
    """Record a failed attempt and schedule the next one with exponential backoff."""
    row = db["outbox"].get(message_id)
    attempts = int(row["attempts"]) + 1
    delay = timedelta(seconds=min(5 * 2 ** (attempts - 1), MAX_BACKOFF.total_seconds()))
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    next_at = now + delay
    with db.atomic():
        db.execute("UPDATE outbox SET attempts = :attempts, next_attempt_at = :next_at, last_error = :error"
                   " WHERE id = :id", {"attempts": attempts, "next_at": _iso(next_at), "error": error[:300],
                                       "id": message_id})
    return next_at


def pending_count(db: Store) -> int:
    return db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]


def deliver_locally(db: Store, person_id: str, reply: Reply, now: datetime) -> None:
    db["local_inbox"].insert({"person_id": person_id, "payload": _stored(db, reply),
                              "created_at": _iso(now), "seen": 0})


def take_local_inbox(db: Store, person_id: str) -> list[Reply]:
    """Unseen local messages for one person, marked seen as they are taken."""
    with db.atomic():
        rows = list(db["local_inbox"].rows_where("person_id = :person_id AND seen = 0", {"person_id": person_id},
                                                 order_by="id"))
        if rows:
            db.execute("UPDATE local_inbox SET seen = 1 WHERE person_id = :person_id AND id <= :last_id",
                       {"person_id": person_id, "last_id": rows[-1]["id"]})
    return [_opened(db, r["payload"]) for r in rows]
