"""The feature's ticks: unacknowledged reports go up the line once; an unfinished intake gets one
reminder. (Alerts held back by the hourly limit are sent and escalated in limits.py.)"""
from __future__ import annotations

from datetime import timedelta

from domain.messages import Notification, Reply
from handlers.context import Services
from handlers.people import role_titles
from handlers.reports.alerts import alert_team
from handlers.reports.common import FLOW, INTAKE_REMINDER_AFTER
from storage import reports as store
from storage import state as state_store

def escalate_unacknowledged(services: Services) -> int:
    """Reports nobody acknowledged within config.report_escalation_minutes go up the line, once."""
    db, now = services.db, services.now()
    cutoff = now - timedelta(minutes=services.config.report_escalation_minutes)
    escalated = 0
    for report in store.unacknowledged_since(db, cutoff):
        with db.atomic():
            fresh = store.get_report(db, report["ref"])
            if fresh["escalated_at"] or fresh["acknowledged_at"] or fresh["status"] != "open":
                continue
            fresh = store.update(db, fresh["ref"], {"escalated_at": store.iso(now)}, now)
            routing = store.ROUTINGS[fresh["routing"]]
            store.add_event(db, fresh["id"], "escalated", "policybot", now,
                            f"Not acknowledged within {services.config.report_escalation_minutes} minutes; "
                            f"escalated to {role_titles(routing.escalate_roles)}")
            alert_team(services, fresh, "escalated", roles=routing.escalate_roles,
                   heading="ESCALATED: unacknowledged concern report",
                   lead=f"Nobody has acknowledged this report within "
                        f"{services.config.report_escalation_minutes} minutes.", urgent=True)
        escalated += 1
    return escalated


def remind_unfinished_intakes(services: Services) -> int:
    """An intake left for a day gets one private reminder (no content in it)."""
    db, now = services.db, services.now()
    reminded = 0
    for row in state_store.in_flow_since(db, FLOW, now - INTAKE_REMINDER_AFTER):
        data = row["data"]
        if data.get("reminded"):
            continue
        data["reminded"] = True
        with db.atomic():
            state_store.set_data(db, row["who"], data)
            services.notify(Notification(row["who"], Reply(
                "You started a concern report and haven't sent it yet. What you wrote is saved privately. "
                "Reply here to carry on, or type *cancel*. If a child is at risk, tell the DSL in person now.",
                title="Your unfinished concern report", private=True, confidential=True),
                key=f"report:intake-reminder:{row['who']}:{data.get('started_at', '')}"))
        reminded += 1
    return reminded
