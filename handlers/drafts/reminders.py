"""The nudge: a draft waiting more than a school day reminds the approver once."""
from __future__ import annotations

from datetime import datetime, timedelta

from handlers.context import Services
from handlers.drafts.cards import decision_buttons, draft_card
from handlers.drafts.common import current_approvers
from domain.messages import Notification
from storage import drafts as store

# --- the nudge: a draft waiting more than a school day reminds the approver once -------------------

def next_school_day_same_time(services: Services, moment: datetime) -> datetime:
    from handlers.schedule import calendar_for

    calendar = calendar_for(services.config)
    local = calendar.local(moment)
    day = local.date() + timedelta(days=1)
    for _ in range(400):
        if calendar.is_working_day(day):
            break
        day += timedelta(days=1)
    return local.replace(year=day.year, month=day.month, day=day.day)


def nudge_waiting_approvers(services: Services) -> int:
    db, now, sent = services.db, services.now(), 0
    for draft in store.in_state(db, "submitted"):
        if draft.nudged_version >= draft.version or not draft.submitted_at:
            continue
        if now < next_school_day_same_time(services, datetime.fromisoformat(draft.submitted_at)):
            continue
        with db.atomic():
            if not store.mark_nudged(db, draft.id, draft.version, now):
                continue
            for approver in current_approvers(services, draft.submitter_id):
                card = draft_card(services, draft, title=f"Reminder: post draft {draft.id} is still waiting for you",
                                  buttons=decision_buttons(draft))
                services.notify(Notification(approver.id, card, key=f"draft-{draft.id}-v{draft.version}-nudge-{approver.id}"))
            sent += 1
    return sent


TICKS = [nudge_waiting_approvers]
