"""Training and policy-acknowledgement records, the reminders already sent, and check evidence.

The scheduler is driven by these tables, not by memory: `training_reminders` holds one row per
person, item, cycle and stage (its primary key), so a restart never sends a reminder twice.
"""
from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable

from storage.migrations import Migrations
from storage.store import Store, in_list

migrations = Migrations("training")

# item -> the column of training_records holding its last completion date
ITEM_COLUMNS = {"training": "training_on", "policy": "policy_ack_on", "dsl": "dsl_training_on"}
# The earliest moment: the first policy version ever seen is the baseline, not a change.
BASELINE = "0001-01-01"


@migrations()
def create_training(db: Store) -> None:
    db["training_records"].create({
        "person_id": str, "training_on": str, "certificate": str, "policy_ack_on": str,
        "policy_hash": str, "dsl_training_on": str, "updated_at": str, "updated_by": str,
    }, pk="person_id")
    # One row per reminder stage actually sent: the scheduler's memory across restarts.
    db["training_reminders"].create({
        "person_id": str, "item": str, "cycle": str, "stage": str, "sent_at": str,
    }, pk=("person_id", "item", "cycle", "stage"))
    db["training_reminders"].create_index(["sent_at"])
    db["training_snoozes"].create({"person_id": str, "item": str, "cycle": str, "until": str},
                                  pk=("person_id", "item", "cycle"))
    db["policy_versions"].create({"hash": str, "first_seen": str}, pk="hash")
    # Evidence of each policy check: the questions asked, the answers given, the score.
    db["policy_checks"].create({
        "id": str, "person_id": str, "policy_hash": str, "questions": str, "answers": str,
        "score": int, "status": str, "started_at": str, "completed_at": str,
    }, pk="id")
    db["policy_checks"].create_index(["person_id", "status"])
    # Who recorded what, for whom and when (the DSL and Headteacher record for others).
    db["training_events"].create({
        "id": int, "person_id": str, "item": str, "done_on": str, "recorded_by": str,
        "recorded_at": str, "source": str,
    }, pk="id")
    db["training_events"].create_index(["person_id"])


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


# --- records ------------------------------------------------------------------------------------

def get_record(db: Store, person_id: str) -> dict:
    rows = list(db["training_records"].rows_where("person_id = :person_id", {"person_id": person_id}))
    return rows[0] if rows else {"person_id": person_id}


def all_records(db: Store) -> dict[str, dict]:
    return {row["person_id"]: row for row in db["training_records"].rows}


def completed_on(record: dict, item: str) -> date | None:
    value = record.get(ITEM_COLUMNS[item])
    return date.fromisoformat(value) if value else None


def record_completion(db: Store, person_id: str, item: str, done_on: date, recorded_by: str,
                      now: datetime, source: str = "chat", certificate: str | None = None,
                      policy_hash: str | None = None) -> None:
    """Set the last completion date of one item (and its audit row) in one transaction."""
    if item not in ITEM_COLUMNS:
        raise ValueError(f"unknown training item {item!r}")
    row = {"person_id": person_id, ITEM_COLUMNS[item]: done_on.isoformat(),
           "updated_at": _iso(now), "updated_by": recorded_by}
    if certificate:
        row["certificate"] = certificate
    if item == "policy":
        row["policy_hash"] = policy_hash
    with db.atomic():
        db["training_records"].upsert(row, pk="person_id")
        db["training_events"].insert({"person_id": person_id, "item": item, "done_on": done_on.isoformat(),
                                      "recorded_by": recorded_by, "recorded_at": _iso(now), "source": source})


def import_csv(db: Store, source: str | Path | io.TextIOBase, now: datetime,
               known_people: Iterable[str] | None = None) -> tuple[int, list[str]]:
    """Load records from a CSV (the school's own export). Returns (rows loaded, problems).

    Columns: person_id (or id), training_on, certificate, policy_ack_on, dsl_training_on;
    dates ISO (2026-09-03) or UK day-first (03/09/2026). A row that cannot be read is reported,
    not guessed; the rest still load. A later date never goes backwards to an earlier one.
    """
    known = set(known_people) if known_people is not None else None
    handle = open(source, newline="", encoding="utf-8-sig") if isinstance(source, (str, Path)) else source
    loaded, problems = 0, []
    with handle, db.atomic():
        existing = all_records(db)
        for line_number, row in enumerate(csv.DictReader(handle), start=2):
            person_id = (row.get("person_id") or row.get("id") or "").strip()
            if not person_id:
                continue
            if known is not None and person_id not in known:
                problems.append(f"line {line_number}: {person_id} is not on the roster")
                continue
            update = {"person_id": person_id}
            try:
                for column in ("training_on", "policy_ack_on", "dsl_training_on"):
                    value = _csv_date(row.get(column))
                    current = existing.get(person_id, {}).get(column)
                    if value and (not current or value > current):
                        update[column] = value
            except ValueError as error:
                problems.append(f"line {line_number}: {error}")
                continue
            certificate = (row.get("certificate") or "").strip()
            if certificate:
                update["certificate"] = certificate
            update.update({"updated_at": _iso(now), "updated_by": "import"})
            db["training_records"].upsert(update, pk="person_id")
            loaded += 1
    return loaded, problems


def _csv_date(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if "/" in value:
        day, month, year = (int(part) for part in value.split("/"))
        return date(year + (2000 if year < 100 else 0), month, day).isoformat()
    return date.fromisoformat(value).isoformat()


def export_csv(rows: Iterable[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def events_oldest_first(db: Store) -> list[dict]:
    """Every completion recorded (who, which item, recorded by whom, how), oldest first."""
    return list(db.query("SELECT person_id, item, recorded_by, source FROM training_events ORDER BY id"))


def latest_completion(db: Store, person_id: str, items: Iterable[str]) -> tuple[str, date] | None:
    """The item and day of the person's latest recorded completion among `items`."""
    chosen, params = in_list("item", items)
    row = db.execute(f"SELECT item, done_on FROM training_events WHERE person_id = :person_id AND item IN {chosen}"
                     " ORDER BY done_on DESC, id DESC LIMIT 1", {"person_id": person_id, **params}).fetchone()
    return (row[0], date.fromisoformat(row[1])) if row else None


def any_records(db: Store) -> bool:
    return db.execute("SELECT count(*) FROM training_records").fetchone()[0] > 0


# --- reminders sent -----------------------------------------------------------------------------

def sent_stages(db: Store, since: datetime) -> set[tuple[str, str, str, str]]:
    """(person, item, cycle, stage) of every reminder sent since a moment."""
    return {tuple(row) for row in db.execute(
        "SELECT person_id, item, cycle, stage FROM training_reminders WHERE sent_at >= :since",
        {"since": _iso(since)})}


def mark_sent(db: Store, person_id: str, item: str, cycle: str, stage: str, now: datetime) -> bool:
    """Record a stage as sent; False when it was already (so the caller must not notify)."""
    cursor = db.execute("INSERT INTO training_reminders (person_id, item, cycle, stage, sent_at)"
                        " VALUES (:person_id, :item, :cycle, :stage, :sent_at) ON CONFLICT DO NOTHING",
                        {"person_id": person_id, "item": item, "cycle": cycle, "stage": stage, "sent_at": _iso(now)})
    return cursor.rowcount == 1


def reminders_of(db: Store, person_id: str | None = None) -> list[dict]:
    where, args = ("person_id = :person_id", {"person_id": person_id}) if person_id else (None, {})
    # The key's columns after sent_at: one order on both databases (several stages go in one tick).
    return list(db["training_reminders"].rows_where(where, args, order_by="sent_at, person_id, item, cycle, stage"))


# --- snoozes ------------------------------------------------------------------------------------

def snooze(db: Store, person_id: str, item: str, cycle: str, until: date) -> None:
    with db.atomic():
        db["training_snoozes"].upsert({"person_id": person_id, "item": item, "cycle": cycle,
                                       "until": until.isoformat()}, pk=("person_id", "item", "cycle"))


def all_snoozes(db: Store) -> dict[tuple[str, str, str], date]:
    return {(r["person_id"], r["item"], r["cycle"]): date.fromisoformat(r["until"])
            for r in db["training_snoozes"].rows}


# --- policy versions ----------------------------------------------------------------------------

def policy_first_seen(db: Store, policy_hash: str, today: date) -> date:
    """When this policy text was first seen; the very first version is the baseline (not a change)."""
    rows = list(db["policy_versions"].rows_where("hash = :hash", {"hash": policy_hash}))
    if rows:
        return date.fromisoformat(rows[0]["first_seen"])
    any_before = db.execute("SELECT count(*) FROM policy_versions").fetchone()[0]
    first_seen = today.isoformat() if any_before else BASELINE
    with db.atomic():
        db.execute("INSERT INTO policy_versions (hash, first_seen) VALUES (:hash, :first_seen) ON CONFLICT DO NOTHING",
                   {"hash": policy_hash, "first_seen": first_seen})
    return date.fromisoformat(first_seen)


# --- policy checks ------------------------------------------------------------------------------

def start_check(db: Store, person_id: str, policy_hash: str, questions: list[dict], now: datetime) -> str:
    check_id = uuid.uuid4().hex
    with db.atomic():
        db.execute("UPDATE policy_checks SET status = 'abandoned' WHERE person_id = :person_id"
                   " AND status = 'in_progress'", {"person_id": person_id})
        db["policy_checks"].insert({"id": check_id, "person_id": person_id, "policy_hash": policy_hash,
                                    "questions": json.dumps(questions), "answers": "[]", "score": 0,
                                    "status": "in_progress", "started_at": _iso(now)})
    return check_id


def get_check(db: Store, check_id: str) -> dict | None:
    rows = list(db["policy_checks"].rows_where("id = :id", {"id": str(check_id)}))
    if not rows:
        return None
    row = dict(rows[0])
    row["questions"] = json.loads(row["questions"])
    row["answers"] = json.loads(row["answers"] or "[]")
    return row


def save_answers(db: Store, check_id: str, answers: list[dict], score: int, complete: bool,
                 now: datetime) -> None:
    db["policy_checks"].update(check_id, {
        "answers": json.dumps(answers), "score": score,
        "status": "complete" if complete else "in_progress",
        "completed_at": _iso(now) if complete else None})


def checks_of(db: Store, person_id: str) -> list[dict]:
    return [get_check(db, row["id"]) for row in
            db["policy_checks"].rows_where("person_id = :person_id AND status = 'complete'", {"person_id": person_id},
                                           order_by="completed_at")]


def check_in_progress(db: Store, person_id: str) -> dict | None:
    """The person's latest policy check still in progress, if any."""
    row = db.execute("SELECT id FROM policy_checks WHERE person_id = :person_id AND status = 'in_progress'"
                     " ORDER BY started_at DESC, id DESC LIMIT 1", {"person_id": person_id}).fetchone()
    return get_check(db, row[0]) if row else None


def abandon_check(db: Store, check_id: str) -> None:
    """A check the person stopped: kept, never counted as an acknowledgement."""
    db["policy_checks"].update(check_id, {"status": "abandoned"})
