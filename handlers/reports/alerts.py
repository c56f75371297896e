"""Alerts to the safeguarding team and notices to the reporter: content-free, once-only (keyed),
queued in the outbox inside the caller's transaction."""
from __future__ import annotations

from domain.messages import Button, Notification, Reply
from handlers.context import Services
from handlers.reports.common import CATEGORY_LABELS
from storage import reports as store
from storage.roster import people_with_role

def recipients(services: Services, roles: tuple[str, ...], routing: store.Routing) -> list:
    people, seen = [], set()
    for role in roles:
        for person in people_with_role(services.db, role):
            if person.id not in seen and not person.has_role(*routing.excluded_roles):
                seen.add(person.id)
                people.append(person)
    return people


def report_buttons(ref: str, status: str = "open", viewing: bool = False) -> list[Button]:
    """What the safeguarding team can do next with a report in this state."""
    value = {"ref": ref}
    buttons = [] if viewing else [Button("View", "report.view", value, style="primary")]
    if status == "open":
        buttons.append(Button("Acknowledge", "report.ack", dict(value)))
    buttons.append(Button("Add note", "report.note", dict(value)))
    if status != "closed":
        buttons.append(Button("Close with outcome", "report.close", dict(value)))
    if viewing:
        buttons.append(Button("Export chronology", "report.export", dict(value)))
    return buttons


def _alert_reply(report: dict, heading: str, lead: str) -> Reply:
    urgency = "URGENT: a child may be in immediate danger" if report["urgent"] else "Normal"
    category = CATEGORY_LABELS.get(report["category"] or "", "not given yet")
    return Reply(f"{lead} Open it with View; the content is shown only to you.",
                 title=f"{heading} {report['ref']}", private=True, confidential=True,
                 facts=[("Reference", report["ref"]), ("Raised by", report["reporter_name"]),
                        ("Category", category), ("Urgency", urgency)],
                 buttons=report_buttons(report["ref"], report.get("status") or "open"),
                 data={"report_ref": report["ref"]})


def alert_team(services: Services, report: dict, kind: str, roles: tuple[str, ...] | None = None,
           heading: str = "Concern report", lead: str = "A concern has been reported to you.",
           urgent: bool | None = None) -> int:
    """Queue one alert per recipient (inside the caller's transaction). The key makes it once-only."""
    routing = store.ROUTINGS[report["routing"]]
    people = recipients(services, roles or routing.alert_roles, routing)
    if not people:  # nobody holds the role: never drop an alert, go to the fallback
        people = recipients(services, routing.fallback_roles, routing)
    for person in people:
        services.notify(Notification(
            person.id, _alert_reply(report, heading, lead), key=f"report:{report['ref']}:{kind}:{person.id}",
            urgent=bool(report["urgent"] if urgent is None else urgent)))
    return len(people)


def tell_reporter(services: Services, report: dict, kind: str, text: str) -> None:
    services.notify(Notification(report["reporter_id"], Reply(text, title=f"Your report {report['ref']}",
                                                             private=True, confidential=True),
                                 key=f"report:{report['ref']}:{kind}"))
