"""An hourly limit on one person's concern reports: every report is filed, but past the limit the
alerts come as one summary an hour, so one account cannot flood the safeguarding team.

The first config.report_alerts_per_hour reports a person files in any hour are alerted at once,
as always. Each one after that is filed, tells its reporter so plainly (and to tell the DSL in
person if a child is at risk), and records ALERT_HELD in its chronology instead of alerting. The
tick below gathers held reports into one summary per reporter: the first at once, then at most
one an hour. Each recipient is sent only the references their routing lets them see, as any
alert. A summarised report nobody acknowledges escalates the same way, in one summary per
reporter, report_escalation_minutes after its summary went (a report over the limit is never
escalated one by one: storage.reports.unacknowledged_since leaves it out).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from domain.messages import Button, Notification, Reply
from handlers.context import Services
from handlers.people import role_titles
from handlers.reports.alerts import recipients
from handlers.reports.common import CATEGORY_LABELS
from storage import reports as store

WINDOW = timedelta(hours=1)
MAX_BUTTONS = 10


def limit(services: Services) -> int:
    return max(1, int(services.config.report_alerts_per_hour))


def over_limit(services: Services, reporter_id: str) -> bool:
    """True when the reporter has filed more than the limit in the last hour (this report included)."""
    return store.filed_since(services.db, reporter_id, services.now() - WINDOW) > limit(services)


def hold(services: Services, report: dict) -> None:
    """Keep this report's alert for the reporter's next summary (inside the filing transaction)."""
    store.add_event(services.db, report["id"], store.ALERT_HELD, "policybot", services.now(),
                    f"More than {limit(services)} reports from this person in an hour: the alert waits "
                    "for their hourly summary")


def is_held(services: Services, report: dict) -> bool:
    return store.has_event(services.db, report["id"], store.ALERT_HELD)


def held_note(services: Services) -> str:
    """What the reporter is told about a report over the limit."""
    return (f"You have sent more than {limit(services)} concern reports in the last hour, so the "
            "safeguarding team gets this one in a summary with your other recent reports rather than "
            "on its own; it may take up to an hour to reach them. If a child is at risk now, call 999 "
            "and tell the DSL in person.")


def _summary_reply(reporter_name: str, reports: list[dict], heading: str, lead: str) -> Reply:
    refs = [r["ref"] for r in reports]
    urgent = [r["ref"] for r in reports if r["urgent"]]
    facts = [(r["ref"], ("URGENT: " if r["urgent"] else "")
              + CATEGORY_LABELS.get(r["category"] or "", "details still being given")) for r in reports]
    return Reply(f"{lead} Open each with View; the content is shown only to you.",
                 title=f"{heading} from {reporter_name} ({len(reports)}): {', '.join(refs)}",
                 facts=[("Raised by", reporter_name), *facts] + ([("Urgent", ", ".join(urgent))] if urgent else []),
                 buttons=[Button(f"View {ref}", "report.view", {"ref": ref}) for ref in refs[:MAX_BUTTONS]],
                 private=True, confidential=True, data={"report_refs": refs})


def _send_summary(services: Services, reports: list[dict], kind: str, escalation: bool) -> int:
    """One notification per recipient listing the reports routed to them; returns how many went."""
    by_person: dict[str, list[dict]] = defaultdict(list)
    for report in reports:
        routing = store.ROUTINGS[report["routing"]]
        roles = routing.escalate_roles if escalation else routing.alert_roles
        people = recipients(services, roles, routing) or recipients(services, routing.fallback_roles, routing)
        for person in people:
            by_person[person.id].append(report)
    reporter_id, reporter_name = reports[0]["reporter_id"], reports[0]["reporter_name"]
    stamp = store.iso(services.now())
    if escalation:
        heading, lead = ("ESCALATED: unacknowledged concern reports",
                         f"Nobody has acknowledged these reports within "
                         f"{services.config.report_escalation_minutes} minutes of their summary.")
    else:
        heading, lead = ("Concern reports", f"{reporter_name} has sent more than {limit(services)} concern "
                         "reports in an hour. Each is filed; these are the ones not yet alerted.")
    for person_id, theirs in by_person.items():
        services.notify(Notification(person_id, _summary_reply(reporter_name, theirs, heading, lead),
                                     key=f"report-summary:{kind}:{reporter_id}:{stamp}:{person_id}",
                                     urgent=escalation or any(r["urgent"] for r in theirs)))
    return len(by_person)


def send_held_alerts(services: Services) -> int:
    """Tick: each reporter's held reports in one summary, the first at once, then at most hourly."""
    db, now = services.db, services.now()
    waiting: dict[str, list[dict]] = defaultdict(list)
    for report in store.held_not_summarised(db):
        waiting[report["reporter_id"]].append(report)
    sent = 0
    for reporter_id, reports in waiting.items():
        last = store.last_summary_at(db, reporter_id, store.ALERT_SUMMARISED)
        if last is not None and store.parse_iso(last) > now - WINDOW:
            continue  # this reporter had a summary within the hour: the next one gathers these too
        with db.atomic():
            fresh = [r for r in store.held_not_summarised(db) if r["reporter_id"] == reporter_id]
            if not fresh:
                continue
            _send_summary(services, fresh, "alert", escalation=False)
            for report in fresh:
                store.add_event(db, report["id"], store.ALERT_SUMMARISED, "policybot", now,
                                f"Alerted in a summary of {len(fresh)} reports from this person")
        sent += 1
    return sent


def escalate_summarised(services: Services) -> int:
    """Tick: summarised reports still unacknowledged after the escalation time, one summary per reporter."""
    db, now = services.db, services.now()
    cutoff = now - timedelta(minutes=services.config.report_escalation_minutes)
    due: dict[str, list[dict]] = defaultdict(list)
    for report in store.summarised_unacknowledged(db, cutoff):
        due[report["reporter_id"]].append(report)
    for reporter_id, reports in due.items():
        with db.atomic():
            _send_summary(services, reports, "escalated", escalation=True)
            for report in reports:
                routing = store.ROUTINGS[report["routing"]]
                store.update(db, report["ref"], {"escalated_at": store.iso(now)}, now)
                store.add_event(db, report["id"], "escalated", "policybot", now,
                                f"Not acknowledged within {services.config.report_escalation_minutes} minutes "
                                f"of its summary; escalated to {role_titles(routing.escalate_roles)}")
    return len(due)
