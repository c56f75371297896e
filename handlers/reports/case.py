"""The safeguarding team's side: view, evidence files, acknowledge, notes, close with an outcome,
the open list and the chronology export. Every read or change re-checks the role and the report's
routing (storage.reports.ROUTINGS) and is audited, allowed or not."""
from __future__ import annotations

from datetime import timedelta

from domain.messages import Button, Form, FormField, Incoming, Reply
from handlers import evidence
from handlers.channels import capabilities
from handlers.context import Services
from handlers.people import person_name
from handlers.reports.alerts import report_buttons, tell_reporter
from handlers.reports.common import (CATEGORY_LABELS, MAX_ANSWER_LENGTH, OUTCOME_LABELS, OUTCOMES, clean_text,
                                     has_words, local_time, not_yours_or_missing, privately, role_refusal,
                                     roles_phrase)
from storage import attachments
from storage import reports as store

def _already(services: Services, report: dict) -> str | None:
    """Who already acknowledged or closed this report, and when: a second or replayed press on
    Acknowledge or Close changes nothing and says so."""
    if report["status"] == "closed":
        return (f"{report['ref']} was already closed by {person_name(services, report['closed_by'] or '')} "
                f"at {local_time(services, report['closed_at'])}. Nothing was changed.")
    if report["status"] == "acknowledged":
        return (f"{report['ref']} was already acknowledged by "
                f"{person_name(services, report['acknowledged_by'] or '')} at "
                f"{local_time(services, report['acknowledged_at'])}. Nothing was changed.")
    return None


def _ago(age: timedelta) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min ago"
    return f"{minutes // (24 * 60)} days ago"


EVENT_LABELS = {"note": "Note", "added_by_reporter": "Added by the reporter", "acknowledged": "Acknowledged",
                "closed": "Closed", "escalated": "Escalated", store.ALERT_HELD: "Alert held",
                store.ALERT_SUMMARISED: "Alerted in a summary"}


def authorise(incoming: Incoming, services: Services, ref: str | None, action: str) -> tuple[dict | None, list[Reply]]:
    """Re-check the role and the report's routing for every read or change, and audit the attempt."""
    db, now, person = services.db, services.now(), incoming.person
    standard = store.ROUTINGS["standard"].reader_roles
    if person is None or not person.has_role(*store.ANY_READER_ROLES):
        with db.atomic():
            store.audit(db, incoming.who, ref, action, False, now, f"role needed: {roles_phrase(standard)}")
        return None, privately(incoming, [role_refusal(standard)])
    report = store.get_report(db, ref) if ref else None
    if report is None:
        with db.atomic():
            store.audit(db, incoming.who, ref, action, False, now, "no such report")
        return None, privately(incoming, [not_yours_or_missing()])
    routing = store.ROUTINGS[report["routing"]]
    if not person.has_role(*routing.reader_roles) or person.has_role(*routing.excluded_roles):
        with db.atomic():
            store.audit(db, incoming.who, report["ref"], action, False, now,
                        f"role needed: {roles_phrase(routing.reader_roles)}")
        return None, privately(incoming, [not_yours_or_missing()])
    return report, []


def _ref_from(incoming: Incoming) -> str | None:
    ref = incoming.value.get("ref") if isinstance(incoming.value, dict) else None
    if not isinstance(ref, str) or not ref.strip() or len(ref.strip()) > 40:  # a forged or broken payload
        return None
    return ref.strip().upper()


def _read_receipt(services: Services, report: dict, reader) -> None:
    if report["read_receipt_sent"]:
        return
    store.update(services.db, report["ref"], {"read_receipt_sent": 1, "first_read_at": store.iso(services.now()),
                                              "first_read_by": reader.id}, services.now())
    tell_reporter(services, report, "read",
                   f"Your concern report {report['ref']} has been read by {reader.name}"
                   f"{f' ({reader.job_title})' if reader.job_title else ''}. Thank you for reporting it.")


def view(incoming: Incoming, services: Services, ref: str | None = None) -> list[Reply]:
    report, refusal = authorise(incoming, services, ref or _ref_from(incoming), "view")
    if report is None:
        return refusal
    with services.db.atomic():
        store.audit(services.db, incoming.who, report["ref"], "view", True, services.now())
        _read_receipt(services, report, incoming.person)
    content = store.content_of(services.db, report)
    events = store.events_of(services.db, report)
    facts = [("Reference", report["ref"]), ("Raised by", report["reporter_name"]),
             ("Raised at", local_time(services, report["created_at"])),
             ("Urgency", "URGENT" if report["urgent"] else "Normal"),
             ("Status", report["status"]), *store.content_summary(content)]
    chronology = []
    for e in events:
        if e["kind"] not in EVENT_LABELS:
            continue
        label = EVENT_LABELS[e["kind"]]
        body = "" if not e["body"] or e["body"] == label else f": {e['body']}"
        chronology.append(f"{local_time(services, e['at'])} — {label} by {person_name(services, e['actor_id'])}{body}")
    if not report["details_complete"]:
        facts.append(("Details", "still being given by the reporter"))
    files = attachments.listing(services.db, attachments.REPORT, report["ref"])
    if files:
        facts.append(("Evidence files", evidence.describe(files)))
    file_buttons = [Button(f"Open {f['name']}", "report.file", {"ref": report["ref"], "file": f["id"]})
                    for f in files[:10]]
    return privately(incoming, [Reply("Confidential: for the safeguarding team only.",
                                       title=f"Concern report {report['ref']}", facts=facts,
                                       notes=chronology,
                                       buttons=report_buttons(report["ref"], report["status"], viewing=True)
                                       + file_buttons,
                                       private=True)])


def authorised_file(incoming: Incoming, services: Services, attachment_id: object,
                    action: str = "view_file") -> tuple[dict | None, list[Reply]]:
    """One evidence file for someone who may read its report: the same checks as View, and an
    audit row for every attempt (allowed or not) naming the file."""
    try:
        attachment_id = int(attachment_id)
    except (TypeError, ValueError):
        attachment_id = 0
    owner = attachments.owner_of(services.db, attachment_id) if attachment_id > 0 else None
    ref = owner[1] if owner and owner[0] == attachments.REPORT else None
    if ref is None:
        with services.db.atomic():
            store.audit(services.db, incoming.who, None, action, False, services.now(),
                        f"no such evidence file {attachment_id}")
        return None, privately(incoming, [Reply("There is no such evidence file.")])
    report, refusal = authorise(incoming, services, ref, action)
    if report is None:
        return None, refusal
    with services.db.atomic():
        store.audit(services.db, incoming.who, report["ref"], action, True, services.now(), f"file {attachment_id}")
    return attachments.read(services.db, attachment_id), []


def open_file(incoming: Incoming, services: Services) -> list[Reply]:
    """The Open button under an evidence file: the file itself, to this person only."""
    found, refusal = authorised_file(incoming, services, incoming.value.get("file"))
    if found is None:
        return refusal
    return privately(incoming, [evidence.file_reply(
        services, found["id"], f"Evidence for {found['owner_ref']}: {found['name']}. Confidential: "
        "do not forward or save it anywhere else.")])


def acknowledge(incoming: Incoming, services: Services, ref: str | None = None) -> list[Reply]:
    report, refusal = authorise(incoming, services, ref or _ref_from(incoming), "acknowledge")
    if report is None:
        return refusal
    db, now = services.db, services.now()
    already = _already(services, report)
    with db.atomic():
        store.audit(db, incoming.who, report["ref"], "acknowledge", True, now, "already" if already else "")
        if already is None:
            store.update(db, report["ref"], {"status": "acknowledged", "acknowledged_at": store.iso(now),
                                             "acknowledged_by": incoming.who}, now)
            store.add_event(db, report["id"], "acknowledged", incoming.who, now, "Acknowledged")
            _read_receipt(services, report, incoming.person)
    if already:
        return privately(incoming, [Reply(already, buttons=report_buttons(report["ref"], report["status"]))])
    return privately(incoming, [Reply(f"Acknowledged {report['ref']}. The reporter has been told it has "
                                       "been read.", buttons=report_buttons(report["ref"], "acknowledged"))])


def note_form(incoming: Incoming, services: Services, ref: str | None = None) -> list[Reply]:
    report, refusal = authorise(incoming, services, ref or _ref_from(incoming), "note_open")
    if report is None:
        return refusal
    return privately(incoming, [Reply(
        f"Add a note to {report['ref']} (or type *note {report['ref']}: your note*).",
        form=Form(f"Note on {report['ref']}", "report.note_save",
                  (FormField("note", "Note", kind="multiline"),), submit_label="Add note",
                  value={"ref": report["ref"]}))])


def save_note(incoming: Incoming, services: Services, ref: str | None = None,
              text: str | None = None) -> list[Reply]:
    ref = ref or _ref_from(incoming)
    report, refusal = authorise(incoming, services, ref, "note")
    if report is None:
        return refusal
    raw = text if text is not None else incoming.value.get("note")
    note = clean_text(raw if isinstance(raw, str) else "")
    if not note or not has_words(note) or len(note) > MAX_ANSWER_LENGTH:
        return privately(incoming, [Reply(
            f"The note needs some words (up to {MAX_ANSWER_LENGTH:,} characters). Nothing was added.")]
            ) + note_form(incoming, services, report["ref"])
    db, now = services.db, services.now()
    with db.atomic():
        store.add_event(db, report["id"], "note", incoming.who, now, note)
        store.audit(db, incoming.who, report["ref"], "note", True, now)
        store.update(db, report["ref"], {}, now)
    return privately(incoming, [Reply(f"Note added to {report['ref']}.",
                                       buttons=report_buttons(report["ref"], report["status"]))])


def close_form(incoming: Incoming, services: Services, ref: str | None = None) -> list[Reply]:
    report, refusal = authorise(incoming, services, ref or _ref_from(incoming), "close_open")
    if report is None:
        return refusal
    if report["status"] == "closed":
        return privately(incoming, [Reply(_already(services, report))])
    if not capabilities(incoming).forms:
        # The terminal has no forms: one button per outcome (the details can follow as a note).
        return privately(incoming, [Reply(
            f"Close {report['ref']} with which outcome? The reporter will be told it has been closed.",
            buttons=[Button(label, "report.close_save", {"ref": report["ref"], "outcome": value})
                     for value, label in OUTCOMES])])
    # Everywhere else only the form: choosing the outcome and its details, then one deliberate press.
    return privately(incoming, [Reply(
        f"Close {report['ref']} with an outcome. The reporter will be told it has been closed.",
        form=Form(f"Close {report['ref']}", "report.close_save",
                  (FormField("outcome", "Outcome", kind="choice", options=OUTCOMES),
                   FormField("detail", "Details of the outcome", kind="multiline", required=False)),
                  submit_label="Close report", value={"ref": report["ref"]}))])


def save_close(incoming: Incoming, services: Services) -> list[Reply]:
    report, refusal = authorise(incoming, services, _ref_from(incoming), "close")
    if report is None:
        return refusal
    if report["status"] == "closed":  # a second press, or a replayed form: the first one stands
        return privately(incoming, [Reply(_already(services, report))])
    outcome = str(incoming.value.get("outcome") or "")
    raw = incoming.value.get("detail")
    detail = clean_text(raw if isinstance(raw, str) else "")
    if outcome not in OUTCOME_LABELS or len(detail) > MAX_ANSWER_LENGTH:
        return privately(incoming, [Reply("Please choose an outcome (and keep the details under "
                                           f"{MAX_ANSWER_LENGTH:,} characters). Nothing was changed.")]
                          ) + close_form(incoming, services, report["ref"])
    db, now = services.db, services.now()
    with db.atomic():
        store.update(db, report["ref"], {"status": "closed", "closed_at": store.iso(now), "closed_by": incoming.who,
                                         "outcome": outcome,
                                         "outcome_detail": store.encrypt(db, detail) if detail else None}, now)
        store.add_event(db, report["id"], "closed", incoming.who, now,
                        OUTCOME_LABELS[outcome] + (f": {detail}" if detail else ""))
        store.audit(db, incoming.who, report["ref"], "close", True, now)
        tell_reporter(services, report, "closed",
                       f"Your concern report {report['ref']} has been dealt with and closed by the "
                       "safeguarding team. Thank you for raising it.")
    return privately(incoming, [Reply(f"Closed {report['ref']}: {OUTCOME_LABELS[outcome]}.")])


def open_reports(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    standard = store.ROUTINGS["standard"].reader_roles
    db, now = services.db, services.now()
    visible = [] if person is None else [
        r for r in store.open_reports(db)
        if person.has_role(*store.ROUTINGS[r["routing"]].reader_roles)
        and not person.has_role(*store.ROUTINGS[r["routing"]].excluded_roles)]
    if not visible and (person is None or not person.has_role(*standard)):
        # One gate: the safeguarding team always has the list (empty or not); anyone else only while
        # a report is routed to them, as the Chair of Governors may be. Everyone else is refused.
        with db.atomic():
            store.audit(db, incoming.who, None, "list", False, now, f"role needed: {roles_phrase(standard)}")
        return privately(incoming, [role_refusal(standard)])
    with db.atomic():
        store.audit(db, incoming.who, None, "list", True, now, f"{len(visible)} open")
    if not visible:
        return privately(incoming, [Reply("No open concern reports.")])
    lines = []
    for r in visible:
        age = now - store.parse_iso(r["created_at"])
        lines.append(f"{r['ref']}: {'URGENT, ' if r['urgent'] else ''}"
                     f"{CATEGORY_LABELS.get(r['category'] or '', 'details pending')}; {r['status']}; "
                     f"raised by {r['reporter_name']} {_ago(age)}")
    return privately(incoming, [Reply("\n".join(lines), title=f"Open concern reports ({len(visible)})",
                                       buttons=[Button(f"View {r['ref']}", "report.view", {"ref": r["ref"]})
                                                for r in visible[:10]])])


def export(incoming: Incoming, services: Services, ref: str | None = None) -> list[Reply]:
    report, refusal = authorise(incoming, services, ref or _ref_from(incoming), "export")
    if report is None:
        return refusal
    with services.db.atomic():
        store.audit(services.db, incoming.who, report["ref"], "export", True, services.now())
    text = store.export_chronology_csv(services.db, report["ref"], services.config.timezone)
    return privately(incoming, [Reply(text, title=f"Chronology of {report['ref']} (CSV)",
                                       data={"csv": text, "filename": f"{report['ref']}-chronology.csv"})])
