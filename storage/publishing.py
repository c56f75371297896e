"""Automatic publication of approved drafts: one row per draft version and platform.

The row's `key` ("draft-3-v2-facebook") is its idempotency key: it is unique, so one approved
version is queued for a platform once, whatever is pressed twice or replayed. A row moves
scheduled → publishing (leased to one worker until `lease_until`) → published, or back to
retrying with a later `next_attempt_at`, or to failed when the attempts run out. `progress` holds
what the platform already gave back part-way (uploaded photo ids, a media container, the moment the
final request was sent), written before the next step, so a restart mid-publish carries on from
there instead of starting again. Callers wrap each change in `db.atomic()` with its audit row.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from storage.database import Store
from storage.migrations import Migrations

migrations = Migrations("publishing")

SCHEDULED, PUBLISHING, RETRYING, PUBLISHED, FAILED, CANCELLED = (
    "scheduled", "publishing", "retrying", "published", "failed", "cancelled")
WAITING = (SCHEDULED, RETRYING)
FINISHED = (PUBLISHED, FAILED, CANCELLED)


@migrations()
def create_publications(db: Store) -> None:
    db["publications"].create({
        "id": int, "key": str, "draft_id": int, "version": int, "platform": str, "state": str,
        "scheduled_at": str, "next_attempt_at": str, "lease_until": str, "attempts": int,
        "last_error": str, "progress": str, "post_id": str, "published_at": str,
        "approved_by": str, "created_at": str, "updated_at": str,
    }, pk="id", not_null={"key", "draft_id", "version", "platform", "state"}, defaults={"attempts": 0})
    db["publications"].create_index(["key"], unique=True)
    db["publications"].create_index(["draft_id"])
    db["publications"].create_index(["state"])


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def key_for(draft_id: int, version: int, platform: str) -> str:
    return f"draft-{draft_id}-v{version}-{platform}"


def _row(row: dict) -> dict:
    return {**row, "progress": json.loads(row.get("progress") or "{}")}


def get(db: Store, publication_id: int) -> dict | None:
    rows = list(db["publications"].rows_where("id = :id", {"id": publication_id}))
    return _row(rows[0]) if rows else None


def schedule(db: Store, draft_id: int, version: int, platform: str, at: datetime, approved_by: str,
             now: datetime) -> bool:
    """Queue one version for one platform (the caller's transaction); False when already queued."""
    key = key_for(draft_id, version, platform)
    if list(db["publications"].rows_where("key = :key", {"key": key})):
        return False
    stamp = _iso(now)
    db["publications"].insert({
        "key": key, "draft_id": draft_id, "version": version, "platform": platform, "state": SCHEDULED,
        "scheduled_at": _iso(at), "next_attempt_at": _iso(at), "lease_until": "", "attempts": 0,
        "last_error": "", "progress": "{}", "post_id": "", "published_at": "", "approved_by": approved_by,
        "created_at": stamp, "updated_at": stamp,
    })
    return True


def of_draft(db: Store, draft_id: int) -> list[dict]:
    return [_row(r) for r in db["publications"].rows_where("draft_id = :draft_id", {"draft_id": draft_id}, order_by="id")]


def due(db: Store, now: datetime) -> list[dict]:
    """Rows to work on now: waiting ones whose time has come, and any whose worker's lease ran out
    (the process stopped mid-publish)."""
    stamp = _iso(now)
    rows = db["publications"].rows_where(
        "(state IN (:scheduled, :retrying) AND next_attempt_at <= :now) OR (state = :publishing AND lease_until <= :now)",
        {"scheduled": SCHEDULED, "retrying": RETRYING, "now": stamp, "publishing": PUBLISHING}, order_by="id")
    return [_row(r) for r in rows]


def claim(db: Store, row: dict, now: datetime, lease: timedelta) -> bool:
    """Take the row for one attempt; False when another worker changed it first."""
    cursor = db.execute(
        "UPDATE publications SET state = :publishing, attempts = attempts + 1, lease_until = :lease_until,"
        " updated_at = :now WHERE id = :id AND state = :read_state AND attempts = :read_attempts",
        {"publishing": PUBLISHING, "lease_until": _iso(now + lease), "now": _iso(now), "id": row["id"],
         "read_state": row["state"], "read_attempts": row["attempts"]})
    return cursor.rowcount == 1


def save_progress(db: Store, publication_id: int, progress: dict[str, Any]) -> None:
    db.execute("UPDATE publications SET progress = :progress WHERE id = :id",
               {"progress": json.dumps(progress, sort_keys=True), "id": publication_id})


def mark_published(db: Store, publication_id: int, post_id: str, now: datetime) -> None:
    db.execute("UPDATE publications SET state = :published, post_id = :post_id, published_at = :now,"
               " last_error = '', lease_until = '', updated_at = :now WHERE id = :id",
               {"published": PUBLISHED, "post_id": post_id, "now": _iso(now), "id": publication_id})


def mark_failed(db: Store, publication_id: int, error: str, retry_at: datetime | None, now: datetime) -> None:
    """Retry at `retry_at`, or give up (None)."""
    db.execute("UPDATE publications SET state = :state, last_error = :error, next_attempt_at = :retry_at,"
               " lease_until = '', updated_at = :now WHERE id = :id",
               {"state": RETRYING if retry_at else FAILED, "error": error[:500],
                "retry_at": _iso(retry_at) if retry_at else "", "now": _iso(now), "id": publication_id})


def cancel_waiting(db: Store, draft_id: int, now: datetime) -> int:
    """Stop what has not started (the poster published by hand); a row mid-publish is left alone."""
    return db.execute("UPDATE publications SET state = :cancelled, updated_at = :now WHERE draft_id = :draft_id"
                      " AND state IN (:scheduled, :retrying)",
                      {"cancelled": CANCELLED, "now": _iso(now), "draft_id": draft_id, "scheduled": SCHEDULED,
                       "retrying": RETRYING}).rowcount
