"""The reporter's side: the status of a report, my reports, and adding to a report already sent."""
from __future__ import annotations

from domain.messages import Incoming, Reply
from handlers import evidence
from handlers.context import Services
from handlers.reports.alerts import alert_team
from handlers.reports.case import authorise
from handlers.reports.common import clean_text, has_words, local_time, privately
from storage import attachments
from storage import reports as store

def _own_report(incoming: Incoming, services: Services, ref: str, action: str) -> dict | None:
    report = store.get_report(services.db, ref)
    allowed = report is not None and report["reporter_id"] == incoming.who
    with services.db.atomic():
        store.audit(services.db, incoming.who, ref.upper(), action, allowed, services.now(),
                    "" if allowed else "not the reporter")
    return report if allowed else None


STATUS_WORDS = {"open": "received, waiting to be read", "acknowledged": "read by the safeguarding team",
                "closed": "dealt with and closed"}


def _status_words(report: dict) -> str:
    if report["status"] == "open" and report["read_receipt_sent"]:
        return STATUS_WORDS["acknowledged"]
    return STATUS_WORDS.get(report["status"], report["status"])


def status(incoming: Incoming, services: Services, ref: str) -> list[Reply]:
    ref = ref.upper()
    report = _own_report(incoming, services, ref, "status")
    if report is None:
        if incoming.person and incoming.person.has_role(*store.ANY_READER_ROLES):
            found, _refused = authorise(incoming, services, ref, "status")
            if found is not None:
                report = found
                with services.db.atomic():
                    store.audit(services.db, incoming.who, ref, "status", True, services.now())
        if report is None:
            return privately(incoming, [Reply(f"I can't find a report {ref} that you raised. "
                                               "Type *my reports* to see yours.")])
    read = "yes" if report["read_receipt_sent"] else "not yet"
    return privately(incoming, [Reply(f"Status: {_status_words(report)}.",
                                       title=f"Report {report['ref']}",
                                       facts=[("Sent", local_time(services, report["created_at"])), ("Read", read)])])


def my_reports(incoming: Incoming, services: Services) -> list[Reply]:
    mine = store.reports_by(services.db, incoming.who)
    with services.db.atomic():
        store.audit(services.db, incoming.who, None, "my_reports", True, services.now(), f"{len(mine)} reports")
    if not mine:
        return privately(incoming, [Reply("You haven't sent any concern reports. Type *report a concern* to "
                                           "start one.")])
    lines = [f"{r['ref']} ({r['created_at'][:10]}): {_status_words(r)}" for r in mine]
    return privately(incoming, [Reply("\n".join(lines), title="Your concern reports")])


def add_information(incoming: Incoming, services: Services, ref: str, text: str) -> list[Reply]:
    ref = ref.upper()
    text = clean_text(text)
    if not text and not incoming.files:
        return privately(incoming, [Reply(f"Type *add to {ref}:* followed by what you want to add.")])
    if text and not has_words(text) and not incoming.files:
        return privately(incoming, [Reply("Please add it in words (emoji alone don't tell the DSL enough).")])
    report = _own_report(incoming, services, ref, "add_information")
    if report is None:
        return privately(incoming, [Reply(f"I can't find a report {ref} that you raised. Nothing was added. "
                                           "Type *my reports* to see yours.")])
    db, now = services.db, services.now()
    with db.atomic():
        kept, refused = evidence.keep(services, incoming, attachments.REPORT, report["ref"])
        if not text and not kept:
            return privately(incoming, [Reply(" ".join(refused) + " Nothing was added.")])
        body = "\n".join([text, *[f"Attachment: {f['name']}" for f in kept]]).strip()
        store.add_event(db, report["id"], "added_by_reporter", incoming.who, now, body)
        report = store.update(db, report["ref"], {}, now)
        count = store.event_count(db, report["id"])
        alert_team(services, report, f"info{count}", heading="New information on",
               lead="The reporter has added information.", urgent=False)
    replies = [Reply(" ".join([f"Added to {report['ref']}. The safeguarding team has been told.", *refused]))]
    if not incoming.private:
        replies[0].text += " Please delete the message you posted in the channel."
    return privately(incoming, replies)
