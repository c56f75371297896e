"""Data retention, and a subject-access export of everything stored about one person.

Retention (`python app.py retention` shows, `--apply` deletes, in one transaction):
  questions            asked more than QUESTION_MONTHS months ago (with their answers and feedback)
  outbox               delivered messages older than OUTBOX_DAYS days (pending ones are never lost)
  local_inbox          local chat messages already seen, older than OUTBOX_DAYS days
  processed_events     Slack event ids older than PROCESSED_EVENT_DAYS days (Slack retries within
                       minutes; a week is ample replay protection)
  attachments          a post draft's photos DRAFT_PHOTO_DAYS days after the draft was finished
                       (published, rejected or withdrawn: what was published is on the school's
                       accounts), and photos sent for a draft never submitted after a day
Never deleted automatically: concern reports, their chronology and access audit (safeguarding
records are kept as the school's records-retention policy says — typically until the child is 25,
or longer for allegations against staff — and removed only by a deliberate decision of the DSL),
drafts' text and their audit (the record of what the school published), training records and the roster.
"""
from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from storage.store import Store, in_list

QUESTION_MONTHS = 12
OUTBOX_DAYS = 30
PROCESSED_EVENT_DAYS = 7
DRAFT_PHOTO_DAYS = 30
DRAFT_INTAKE_DAYS = 1
FINISHED_DRAFT_STATES = ("published", "rejected", "withdrawn")


@dataclass(frozen=True)
class RetentionRules:
    question_months: int = QUESTION_MONTHS
    outbox_days: int = OUTBOX_DAYS
    processed_event_days: int = PROCESSED_EVENT_DAYS
    draft_photo_days: int = DRAFT_PHOTO_DAYS


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's last day)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _table_exists(db: Store, name: str) -> bool:
    return db[name].exists()


def _selections(rules: RetentionRules, now: datetime) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each table's rows due for deletion, as (WHERE clause, parameters)."""
    question_cutoff = _iso(months_before(now, rules.question_months))
    outbox_cutoff = _iso(now - timedelta(days=rules.outbox_days))
    old_questions = "SELECT id FROM questions WHERE asked_at < :cutoff"
    finished, finished_params = in_list("state", FINISHED_DRAFT_STATES)
    return {
        "feedback": (f"question_id IN ({old_questions})", {"cutoff": question_cutoff}),
        "answers": (f"question_id IN ({old_questions})", {"cutoff": question_cutoff}),
        "last_answer": (f"question_id IN ({old_questions})", {"cutoff": question_cutoff}),
        "questions": ("asked_at < :cutoff", {"cutoff": question_cutoff}),
        "outbox": ("status = 'delivered' AND coalesce(delivered_at, created_at) < :cutoff", {"cutoff": outbox_cutoff}),
        "local_inbox": ("seen = 1 AND created_at < :cutoff", {"cutoff": outbox_cutoff}),
        "processed_events": ("seen_at < :cutoff", {"cutoff": _iso(now - timedelta(days=rules.processed_event_days))}),
        # Only draft photos: concern evidence and certificates (other owner kinds) are never touched here.
        "attachments": ("(owner_kind = 'draft_intake' AND created_at < :intake_cutoff) OR (owner_kind = 'draft'"
                        f" AND owner_ref IN (SELECT CAST(id AS TEXT) FROM drafts WHERE state IN {finished}"
                        " AND updated_at < :draft_cutoff))",
                        {"intake_cutoff": _iso(now - timedelta(days=DRAFT_INTAKE_DAYS)), **finished_params,
                         "draft_cutoff": _iso(now - timedelta(days=rules.draft_photo_days))}),
    }


def plan(db: Store, now: datetime, rules: RetentionRules = RetentionRules()) -> dict[str, int]:
    """How many rows of each table retention would delete now (nothing is changed)."""
    return {table: db.execute(f'SELECT count(*) FROM "{table}" WHERE {where}', params).fetchone()[0]
            for table, (where, params) in _selections(rules, now).items() if _table_exists(db, table)}


def apply(db: Store, now: datetime, rules: RetentionRules = RetentionRules()) -> dict[str, int]:
    """Delete what `plan` lists, in one transaction; returns the rows deleted per table."""
    deleted = {}
    with db.atomic():
        # Children first (answers, feedback, last_answer point at questions).
        for table, (where, params) in _selections(rules, now).items():
            if _table_exists(db, table):
                deleted[table] = db.execute(f'DELETE FROM "{table}" WHERE {where}', params).rowcount
    return deleted


# --- subject-access export --------------------------------------------------------------------

def _rows(db: Store, table: str, where: str, params: dict[str, Any], order_by: str) -> list[dict]:
    if not _table_exists(db, table):
        return []
    return list(db[table].rows_where(where, params, order_by=order_by))


def export_person(db: Store, person_id: str) -> dict[str, Any] | None:
    """Everything stored about one person, as JSON-ready data; None when nobody has that id.

    Concern reports: those the person RAISED, with the content they gave decrypted. Reports ABOUT
    a person are not searched here (their content is encrypted and disclosing it is a safeguarding
    decision with its own exemptions): the DSL answers that part of a request by hand.
    Messages queued to the person are listed without their text: alerts to the safeguarding team
    describe other people's reports.
    """
    from storage import reports as report_store

    me = {"person_id": person_id}
    people = _rows(db, "people", "id = :person_id", me, "id")
    if not people:
        return None
    person = people[0]
    questions = _rows(db, "questions", "person_id = :person_id", me, "id")
    chosen, by_question = in_list("question", [q["id"] for q in questions])
    answers = {a["question_id"]: a for a in _rows(db, "answers", f"question_id IN {chosen}", by_question, "question_id")}
    feedback = _rows(db, "feedback", "person_id = :person_id", me, "question_id")
    drafts = _rows(db, "drafts", "submitter_id = :person_id", me, "id")
    chosen, by_draft = in_list("draft", [d["id"] for d in drafts])
    versions = _rows(db, "draft_versions", f"draft_id IN {chosen}", by_draft, "draft_id, version")
    raised = []
    for report in _rows(db, "reports", "reporter_id = :person_id", me, "id"):
        entry = {k: v for k, v in report.items() if k not in ("content", "outcome_detail")}
        entry["content"] = report_store.content_of(db, report)
        raised.append(entry)
    state = _rows(db, "conversation_state", "who = :person_id", me, "who")
    accounts = _rows(db, "platform_accounts", "person_id = :person_id", me, "platform, platform_user_id")
    return {
        "person": person,
        "platform_accounts": accounts,
        "questions": [{**q, "answer": answers.get(q["id"])} for q in questions],
        "feedback": feedback,
        "drafts": [{**d, "versions": [v for v in versions if v["draft_id"] == d["id"]]} for d in drafts],
        "poster_authorisation": _rows(db, "poster_authorisations", "person_id = :person_id", me, "person_id"),
        "training": {
            "record": _rows(db, "training_records", "person_id = :person_id", me, "person_id"),
            "events": _rows(db, "training_events", "person_id = :person_id", me, "id"),
            "reminders": _rows(db, "training_reminders", "person_id = :person_id", me, "sent_at, item, cycle, stage"),
            "snoozes": _rows(db, "training_snoozes", "person_id = :person_id", me, "item, cycle"),
            "policy_checks": _rows(db, "policy_checks", "person_id = :person_id", me, "started_at, id"),
        },
        "reports_raised": raised,
        "audit": {
            "report_access": _rows(db, "access_audit", "person_id = :person_id", me, "id"),
            "draft_actions": _rows(db, "draft_audit", "actor_id = :person_id", me, "id"),
            "poster_changes": _rows(db, "poster_audit", "person_id = :person_id OR actor_id = :person_id", me, "id"),
        },
        "conversation_in_progress": [{"flow": s["flow"], "step": s["step"], "updated_at": s["updated_at"]}
                                     for s in state],
        "messages_sent_to_them": [{k: m[k] for k in ("key", "status", "created_at", "delivered_at", "channel")}
                                  for m in _rows(db, "outbox", "person_id = :person_id", me, "created_at, queued, id")],
        "conversation_references": [
            {k: r[k] for k in ("platform", "platform_user_id", "kind", "updated_at")}
            for r in _rows(db, "conversation_refs", "platform_user_id IN (SELECT platform_user_id FROM "
                           "platform_accounts WHERE person_id = :person_id)", me, "platform, platform_user_id, kind")],
    }


def export_person_json(db: Store, person_id: str) -> str | None:
    data = export_person(db, person_id)
    return None if data is None else json.dumps(data, ensure_ascii=False, indent=2, default=str)
