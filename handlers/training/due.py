"""What is due and when: the three items, their periods, cycles and reminder stages (no I/O but the roster).

Three items per person: `training` (annual safeguarding training, everyone), `policy` (read and
acknowledge the social media policy once a year and whenever its text changes, with a short
check) and `dsl` (the DSL's own role training, every two years). Each item falls due a fixed
period after its last completion; the due date names the item's *cycle*.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from handlers.context import Services
from handlers.schedule import add_months
from storage import roster
from storage import training as store

ITEMS = ("training", "policy", "dsl")
PERIOD_MONTHS = {"training": 12, "policy": 12, "dsl": 24}
ITEM_NAMES = {"training": "safeguarding training", "policy": "policy acknowledgement",
              "dsl": "DSL role training"}
ITEM_TITLES = {"training": "Safeguarding training", "policy": "Policy acknowledgement", "dsl": "DSL role training"}
DSL_ROLES = ("dsl", "deputy_dsl")
OVERSEER_ROLES = ("headteacher", "dsl", "deputy_dsl")
OVERSEER_NAMES = "the Headteacher or the DSL (or deputy DSL)"
DSL_ONLY = ("DSL role training is recorded only for the Designated Safeguarding Lead or a deputy DSL, "
            "so nothing was recorded. To record your safeguarding training, say *I've done my training*.")
REMINDER_DAYS_BEFORE = (30, 14, 7, 1, 0)
NEW_STARTER_DAYS = 7  # new starters are due within their first week
WELCOME_WITHIN_DAYS = 30  # a start date older than this is not "new" any more
POLICY_CHANGE_DAYS = 14  # a changed policy must be re-read within a fortnight
DUE_SOON_DAYS = 30
SENT_WINDOW = timedelta(days=60)  # longer than any stage stays the latest one
# A first run over a whole trust's backlog is spread over a few ticks (30 s apart), which also
# keeps delivery within the platforms' rate limits; the rest simply go out on the next tick.
MAX_PER_TICK = 100
FLOW = "training"


# --- items, due dates and stages ----------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    person_id: str
    item: str
    due: date
    cycle: str
    last_done: date | None
    new_starter_from: date | None = None  # stages before this day are covered by the welcome
    policy_changed: bool = False


def items_for(roles: frozenset[str] | set[str]) -> tuple[str, ...]:
    return ITEMS if any(r in roles for r in DSL_ROLES) else ITEMS[:2]


def due_of(person_id: str, item: str, record: dict, start_date: date | None,
           policy_change: date | None) -> Due:
    """When one item is due. `policy_change` is the day the current policy text first appeared
    (None for the first version ever seen)."""
    last = store.completed_on(record, item)
    if last is not None:
        due = add_months(last, PERIOD_MONTHS[item])
        changed = (item == "policy" and policy_change is not None and policy_change > last)
        if changed:
            due = min(due, policy_change + timedelta(days=POLICY_CHANGE_DAYS))
        return Due(person_id, item, due, f"{item}-{due.isoformat()}", last, policy_changed=changed)
    if start_date is not None:
        due = start_date + timedelta(days=NEW_STARTER_DAYS)
        return Due(person_id, item, due, f"{item}-{due.isoformat()}", None, new_starter_from=start_date + timedelta(days=1))
    # No record and no start date: overdue from the start of records, reminded weekly.
    due = date(2000, 1, 1)
    return Due(person_id, item, due, f"{item}-none", None)


def latest_stage(due: Due, today: date, snoozed_until: date | None = None) -> tuple[str, date] | None:
    """The latest reminder stage whose day has come, or None (also while snoozed)."""
    if snoozed_until is not None and today < snoozed_until:
        return None
    stage: tuple[str, date] | None = None
    overdue_days = (today - due.due).days
    if overdue_days >= 7:
        weeks = overdue_days // 7
        stage = (f"o{weeks}", due.due + timedelta(days=7 * weeks))
    else:
        for before in REMINDER_DAYS_BEFORE:
            day = due.due - timedelta(days=before)
            if day <= today:
                stage = (f"d{before}", day)
    if stage and due.new_starter_from and stage[1] < due.new_starter_from:
        stage = None
    if snoozed_until is not None and (stage is None or stage[1] < snoozed_until):
        stage = (f"s{snoozed_until.isoformat()}", snoozed_until)
    return stage


def _people_rows(services: Services) -> list[dict]:
    return roster.active_rows(services.db)


def _roles(row: dict) -> frozenset[str]:
    return frozenset(r for r in (row.get("roles") or "").split(";") if r)


def _start(row: dict) -> date | None:
    try:
        return date.fromisoformat(row["start_date"]) if row.get("start_date") else None
    except ValueError:
        return None

