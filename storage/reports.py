"""Concern reports: the report, its chronology (notes, status changes) and the access audit.

Content (what happened, who, when, where, evidence, notes, outcomes) is stored only as Fernet
tokens (storage.crypto); the plain columns hold what the lists and alerts need: reference,
category, urgency, routing, status and times. Every read and change is written to access_audit.

Routing (decided with KCSIE Part 4 in mind; a concern about an adult who works with children is
handled by the case manager, who must not be the person it is about):
  standard           concerns not about staff: alert DSL + deputy DSL; escalate to Headteacher;
                     readable by dsl, deputy_dsl, headteacher.
  staff              an allegation about another member of staff: alert Headteacher + DSL (the
                     Headteacher is the case manager and the DSL is told); the deputy DSL is left out
                     because the allegation may be about them; escalation repeats the alert, urgent.
  about_dsl          about the DSL: alert Headteacher; escalate to Chair of Governors; never dsl.
  about_headteacher  about the Headteacher: alert Chair of Governors (escalation repeats it,
                     urgent); never headteacher.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from storage.crypto import Cipher, cipher_for
from storage.migrations import Migrations
from storage.store import Store, iso, parse_iso  # noqa: F401  (iso, parse_iso: handlers use store.iso)

migrations = Migrations("reports")


@dataclass(frozen=True)
class Routing:
    name: str
    alert_roles: tuple[str, ...]
    escalate_roles: tuple[str, ...]
    reader_roles: tuple[str, ...]
    excluded_roles: tuple[str, ...] = ()
    # Who is told when nobody in alert_roles is on the roster (so an alert is never dropped).
    fallback_roles: tuple[str, ...] = ()


ROUTINGS: dict[str, Routing] = {
    "standard": Routing("standard", ("dsl", "deputy_dsl"), ("headteacher",),
                        ("dsl", "deputy_dsl", "headteacher"), fallback_roles=("headteacher",)),
    "staff": Routing("staff", ("headteacher", "dsl"), ("headteacher", "dsl"),
                     ("headteacher", "dsl"), fallback_roles=("chair_of_governors",)),
    "about_dsl": Routing("about_dsl", ("headteacher",), ("chair_of_governors",),
                         ("headteacher", "chair_of_governors"), excluded_roles=("dsl",),
                         fallback_roles=("chair_of_governors",)),
    "about_headteacher": Routing("about_headteacher", ("chair_of_governors",), ("chair_of_governors",),
                                 ("chair_of_governors",), excluded_roles=("headteacher",),
                                 fallback_roles=("dsl",)),
}

# Every role that reads some report; anyone else is refused before a report is even looked up.
ANY_READER_ROLES = ("dsl", "deputy_dsl", "headteacher", "chair_of_governors")

OPEN_STATUSES = ("open", "acknowledged")


@migrations()
def create_reports(db: Store) -> None:
    db["reports"].create({
        "id": int, "ref": str, "year": int, "seq": int, "reporter_id": str, "reporter_name": str,
        "category": str, "urgent": int, "routing": str, "content": str, "status": str,
        "created_at": str, "updated_at": str, "details_complete": int,
        "acknowledged_at": str, "acknowledged_by": str, "first_read_at": str, "first_read_by": str,
        "read_receipt_sent": int, "escalated_at": str, "closed_at": str, "closed_by": str,
        "outcome": str, "outcome_detail": str,
    }, pk="id", not_null={"ref", "year", "seq", "reporter_id", "status", "created_at"},
        defaults={"urgent": 0, "status": "open", "routing": "standard", "details_complete": 0,
                  "read_receipt_sent": 0})
    db["reports"].create_index(["ref"], unique=True)
    db["reports"].create_index(["year", "seq"], unique=True)
    db["reports"].create_index(["status", "created_at"])
    db["reports"].create_index(["reporter_id"])
    db["report_events"].create({
        "id": int, "report_id": int, "at": str, "actor_id": str, "kind": str, "body": str,
    }, pk="id", foreign_keys=[("report_id", "reports", "id")], not_null={"report_id", "at", "kind"})
    db["report_events"].create_index(["report_id", "id"])
    db["access_audit"].create({
        "id": int, "at": str, "person_id": str, "report_ref": str, "action": str, "allowed": int,
        "detail": str,
    }, pk="id", not_null={"at", "action", "allowed"})
    db["access_audit"].create_index(["report_ref"])


@migrations()
def create_report_counters(db: Store) -> None:
    """The last reference number given out each year. Taking the next one is a single upsert that
    locks the year's row, so two processes filing at once (the server and `app.py chat`, or two
    servers on one PostgreSQL) get consecutive numbers rather than the same one."""
    db["report_counters"].create({"year": int, "last_seq": int}, pk="year", not_null={"last_seq"})
    db.execute("INSERT INTO report_counters (year, last_seq) SELECT year, max(seq) FROM reports GROUP BY year")


def make_reference(short_code: str, year: int, seq: int) -> str:
    return f"{short_code}-{year}-{seq:04d}"


# --- writing (call these inside the caller's `with db.atomic():`) -----------------------------

def create_report(db: Store, *, short_code: str, year: int, reporter_id: str, reporter_name: str,
                  category: str | None, urgent: bool, routing: str, content: dict[str, Any] | None,
                  now: datetime, details_complete: bool) -> dict:
    """Insert a report with the next reference of the year, and its 'filed' event."""
    if routing not in ROUTINGS:
        raise ValueError(f"unknown routing {routing!r}")
    cipher = cipher_for(db)
    seq = db.execute(
        "INSERT INTO report_counters (year, last_seq) VALUES (:year, 1) ON CONFLICT (year)"
        " DO UPDATE SET last_seq = report_counters.last_seq + 1 RETURNING last_seq", {"year": year}).fetchone()[0]
    ref = make_reference(short_code, year, seq)
    db["reports"].insert({
        "ref": ref, "year": year, "seq": seq, "reporter_id": reporter_id, "reporter_name": reporter_name,
        "category": category, "urgent": int(urgent), "routing": routing,
        "content": cipher.encrypt_json(content or {}), "status": "open",
        "created_at": iso(now), "updated_at": iso(now), "details_complete": int(details_complete),
    })
    report = get_report(db, ref)
    add_event(db, report["id"], "filed", reporter_id, now,
              f"Filed{' as URGENT: child in immediate danger' if urgent else ''}; routing {routing}")
    return report


def update_details(db: Store, ref: str, *, content: dict[str, Any], category: str | None,
                   routing: str, actor_id: str, now: datetime, complete: bool) -> dict:
    cipher = cipher_for(db)
    db["reports"].update(get_report(db, ref)["id"], {
        "content": cipher.encrypt_json(content), "category": category, "routing": routing,
        "updated_at": iso(now), "details_complete": int(complete)})
    report = get_report(db, ref)
    add_event(db, report["id"], "details", actor_id, now, "Details given by the reporter")
    return report


def set_routing(db: Store, ref: str, routing: str, actor_id: str, now: datetime) -> dict:
    if routing not in ROUTINGS:
        raise ValueError(f"unknown routing {routing!r}")
    report = get_report(db, ref)
    db["reports"].update(report["id"], {"routing": routing, "updated_at": iso(now)})
    add_event(db, report["id"], "routing", actor_id, now, f"Routing set to {routing}")
    return get_report(db, ref)


def add_event(db: Store, report_id: int, kind: str, actor_id: str, now: datetime,
              body: str | None = None) -> None:
    """A chronology entry; its body may be confidential, so it is always encrypted."""
    db["report_events"].insert({
        "report_id": report_id, "at": iso(now), "actor_id": actor_id, "kind": kind,
        "body": cipher_for(db).encrypt(body) if body else None})


def audit(db: Store, person_id: str, ref: str | None, action: str, allowed: bool, now: datetime,
          detail: str = "") -> None:
    """Who tried to read or change which report, and whether they were let in (never content)."""
    db["access_audit"].insert({"at": iso(now), "person_id": person_id, "report_ref": ref,
                               "action": action, "allowed": int(allowed), "detail": detail})


def update(db: Store, ref: str, changes: dict[str, Any], now: datetime) -> dict:
    report = get_report(db, ref)
    db["reports"].update(report["id"], {**changes, "updated_at": iso(now)})
    return get_report(db, ref)


def encrypt(db: Store, text: str) -> str:
    return cipher_for(db).encrypt(text)


# --- reading ------------------------------------------------------------------------------------

def get_report(db: Store, ref: str) -> dict | None:
    rows = list(db["reports"].rows_where("ref = :ref", {"ref": ref.upper()}, limit=1))
    return rows[0] if rows else None


def content_of(db: Store, report: dict) -> dict[str, Any]:
    return cipher_for(db).decrypt_json(report["content"]) if report.get("content") else {}


def decrypt(db: Store, token: str | None) -> str:
    return cipher_for(db).decrypt(token) if token else ""


def events_of(db: Store, report: dict) -> list[dict]:
    cipher = cipher_for(db)
    return [{**row, "body": cipher.decrypt(row["body"]) if row["body"] else ""}
            for row in db["report_events"].rows_where("report_id = :report_id", {"report_id": report["id"]},
                                                      order_by="id")]


def open_reports(db: Store) -> list[dict]:
    """Open and acknowledged reports: urgent first, then oldest first."""
    return list(db["reports"].rows_where(
        "status IN ('open', 'acknowledged')", order_by="urgent DESC, created_at, id"))


def reports_by(db: Store, reporter_id: str) -> list[dict]:
    return list(db["reports"].rows_where("reporter_id = :reporter_id", {"reporter_id": reporter_id},
                                         order_by="created_at DESC, id DESC"))


def unacknowledged_since(db: Store, before: datetime) -> list[dict]:
    """Reports nobody has acknowledged, filed at or before `before`, not escalated yet; a report over
    its reporter's hourly limit is left out (it escalates in its reporter's summary instead)."""
    return list(db["reports"].rows_where(
        "status = 'open' AND acknowledged_at IS NULL AND escalated_at IS NULL AND created_at <= :before "
        f"AND NOT EXISTS (SELECT 1 FROM report_events e WHERE e.report_id = reports.id AND e.kind = '{ALERT_HELD}')",
        {"before": iso(before)}, order_by="created_at, id"))


# --- the hourly limit on one person's reports (handlers.reports.limits) ----------------------------
# Chronology kinds: the report was over its reporter's limit, so its alert waits for a summary;
# and the summary that carried it went out.
ALERT_HELD = "alert_held"
ALERT_SUMMARISED = "alert_summarised"


def filed_since(db: Store, reporter_id: str, since: datetime) -> int:
    return db.execute("SELECT count(*) FROM reports WHERE reporter_id = :reporter_id AND created_at > :since",
                      {"reporter_id": reporter_id, "since": iso(since)}).fetchone()[0]


def has_event(db: Store, report_id: int, kind: str) -> bool:
    return db.execute("SELECT count(*) FROM report_events WHERE report_id = :report_id AND kind = :kind",
                      {"report_id": report_id, "kind": kind}).fetchone()[0] > 0


def held_not_summarised(db: Store) -> list[dict]:
    """Reports whose alert is waiting for their reporter's next summary, oldest first."""
    return list(db["reports"].rows_where(
        f"EXISTS (SELECT 1 FROM report_events e WHERE e.report_id = reports.id AND e.kind = '{ALERT_HELD}') "
        f"AND NOT EXISTS (SELECT 1 FROM report_events e WHERE e.report_id = reports.id "
        f"AND e.kind = '{ALERT_SUMMARISED}')", order_by="created_at, id"))


def summarised_unacknowledged(db: Store, before: datetime) -> list[dict]:
    """Held reports whose summary went out at or before `before`, still open and not escalated."""
    return list(db["reports"].rows_where(
        "status = 'open' AND acknowledged_at IS NULL AND escalated_at IS NULL AND EXISTS (SELECT 1 FROM "
        f"report_events e WHERE e.report_id = reports.id AND e.kind = '{ALERT_SUMMARISED}' AND e.at <= :before)",
        {"before": iso(before)}, order_by="created_at, id"))


def last_summary_at(db: Store, reporter_id: str, kind: str) -> str | None:
    """When the reporter's last summary of this kind went out (the newest such event on their reports)."""
    return db.execute("SELECT max(e.at) FROM report_events e JOIN reports r ON r.id = e.report_id "
                      "WHERE r.reporter_id = :reporter_id AND e.kind = :kind",
                      {"reporter_id": reporter_id, "kind": kind}).fetchone()[0]


def last_access(db: Store, person_id: str) -> tuple[str, bool] | None:
    """The report reference and outcome of the person's latest audited access attempt."""
    row = db.execute("SELECT report_ref, allowed FROM access_audit WHERE person_id = :person_id"
                     " ORDER BY id DESC LIMIT 1", {"person_id": person_id}).fetchone()
    return (row[0], bool(row[1])) if row else None


def event_count(db: Store, report_id: int) -> int:
    return db.execute("SELECT count(*) FROM report_events WHERE report_id = :report_id",
                      {"report_id": report_id}).fetchone()[0]


def audit_rows(db: Store, ref: str | None = None) -> list[dict]:
    if ref is None:
        return list(db["access_audit"].rows_where(order_by="id"))
    return list(db["access_audit"].rows_where("report_ref = :ref", {"ref": ref}, order_by="id"))


CHRONOLOGY_COLUMNS = ["reference", "when", "by", "kind", "detail", "at_utc", "roster_id"]
AUTOMATIC_ACTORS = {"policybot": "Policy Bot (automatic)"}


def export_chronology_csv(db: Store, ref: str, school_timezone: str = "Europe/London") -> str:
    """The chronology of one report as CSV text (also for a CLI). Contains content: DSL eyes only.

    Read by people outside school (social care, the LADO): each entry says who by name and when in
    the school's local time ("10 June 2026, 09:05"); the ISO UTC time and roster id follow for machines.
    """
    report = get_report(db, ref)
    if report is None:
        raise KeyError(ref)
    zone = ZoneInfo(school_timezone)
    names = {row["id"]: row["name"] for row in db.query("SELECT id, name FROM people")}  # leavers too
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHRONOLOGY_COLUMNS)
    content = content_of(db, report)
    events = events_of(db, report)
    # The content goes with the event that last set it (the filing, or the details of an urgent one).
    content_event = next((e["id"] for e in reversed(events) if e["kind"] in ("filed", "details")), None)
    for row in events:
        detail = row["body"]
        if row["id"] == content_event and content:
            detail = f"{detail}. " + "; ".join(f"{k}: {v}" for k, v in content_summary(content))
        local = parse_iso(row["at"]).astimezone(zone)
        by = names.get(row["actor_id"]) or AUTOMATIC_ACTORS.get(row["actor_id"], row["actor_id"])
        writer.writerow([report["ref"], f"{local.day} {local:%B %Y, %H:%M}", _csv_safe(by), row["kind"],
                         _csv_safe(detail), row["at"], row["actor_id"]])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """Report content goes into a spreadsheet: stop a cell starting with = + - @ running as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


CONTENT_LABELS = (("category", "Category"), ("what", "What happened"), ("who", "Who is involved"),
                  ("when", "When"), ("where", "Where"), ("evidence", "Evidence"))


def content_summary(content: dict[str, Any]) -> list[tuple[str, str]]:
    from_labels = []
    for key, label in CONTENT_LABELS:
        value = content.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value:
            from_labels.append((label, str(value)))
    return from_labels


# --- key rotation -------------------------------------------------------------------------------

def reencrypt_all(db: Store, cipher: Cipher | None = None) -> int:
    """Re-encrypt every stored token under the newest key (after a key rotation)."""
    cipher = cipher or cipher_for(db)
    count = 0
    with db.atomic():
        for table, columns in (("reports", ("content", "outcome_detail")), ("report_events", ("body",))):
            for row in db[table].rows:
                changes = {c: cipher.rotate(row[c]) for c in columns if row.get(c)}
                if changes:
                    db[table].update(row["id"], changes)
                    count += len(changes)
        for row in db["conversation_state"].rows_where("flow = 'report'"):
            import json

            data = json.loads(row["data"] or "{}")
            if data.get("sealed"):
                data["sealed"] = cipher.rotate(data["sealed"])
                db["conversation_state"].update(row["who"], {"data": json.dumps(data)})
                count += 1
        from storage.outbox import SEALED

        for table in ("outbox", "local_inbox"):  # confidential messages waiting, sealed (storage.outbox)
            for row in list(db.query(f"SELECT id, payload FROM {table} WHERE payload LIKE :sealed",
                                     {"sealed": SEALED + "%"})):
                db.execute(f"UPDATE {table} SET payload = :payload WHERE id = :id",
                           {"payload": SEALED + cipher.rotate(row["payload"][len(SEALED):]), "id": row["id"]})
                count += 1
        from storage import attachments

        count += attachments.reencrypt_all(db, cipher)
    return count
