"""Reminders 30, 14, 7 and 1 days before and on the day, then weekly while overdue, plus a weekly
digest of who is overdue to the Headteacher. `tick` sends, in working time only, the latest stage
whose date has come and not yet been sent; the stage row and its outbox message are one transaction.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from handlers.context import Services
from domain.messages import Button, Notification, Reply
from handlers.schedule import Calendar, calendar_for, format_date
from handlers.training.due import (ITEM_NAMES, MAX_PER_TICK, NEW_STARTER_DAYS, SENT_WINDOW, WELCOME_WITHIN_DAYS,
                                   Due, _people_rows, _roles, _start, due_of, items_for, latest_stage)
from handlers.training.policy_check import policy_change_day
from storage import roster
from storage import training as store

# --- the reminders ------------------------------------------------------------------------------

def reminder_reply(services: Services, person_name: str, due: Due, stage: str, today: date) -> Reply:
    name = ITEM_NAMES[due.item]
    first = person_name.split()[0] if person_name else "there"
    if stage.startswith("o") or due.due < today:
        when = f"was due on {format_date(due.due)} and is now overdue"
        if due.last_done is None and due.new_starter_from is None:
            when = "has no record yet and is overdue"
    elif due.due == today:
        when = "is due today"
    else:
        days = (due.due - today).days
        when = f"is due on {format_date(due.due)} ({days} day{'s' if days != 1 else ''} from now)"
    if due.item == "policy":
        reason = ("The policy has changed, so everyone is asked to read it again. " if due.policy_changed else "")
        text = f"Hello {first}, your {name} {when}. {reason}It takes about ten minutes: read the policy, then answer three quick questions."
        buttons = [Button("Read it now", "ack.start", {}, style="primary"),
                   Button("Remind me next week", "training.snooze", {"item": "policy", "cycle": due.cycle}),
                   Button("Where do I find it?", "training.where", {"item": "policy"})]
    else:
        text = (f"Hello {first}, your {name} {when}. All staff and governors complete safeguarding "
                "professional development every year (policy section 6).")
        buttons = [Button("Done", "training.done", {"item": due.item}, style="primary"),
                   Button("Remind me next week", "training.snooze", {"item": due.item, "cycle": due.cycle}),
                   Button("Where do I do it?", "training.where", {"item": due.item})]
    return Reply(text=text, title=f"Reminder: {name}", buttons=buttons,
                 data={"training": {"item": due.item, "cycle": due.cycle, "stage": stage, "due": due.due.isoformat()}})


def welcome_reply(services: Services, name: str, start: date) -> Reply:
    due = start + timedelta(days=NEW_STARTER_DAYS)
    first = name.split()[0] if name else "there"
    return Reply(
        title=f"Welcome to {services.config.school}",
        text=(f"Welcome, {first}! Two things are due within your first week (by {format_date(due)}):\n"
              f"• safeguarding training: {services.config.training_link}\n"
              f"• reading and acknowledging the social media policy: {services.config.policy_link}"),
        buttons=[Button("Read the policy now", "ack.start", {}, style="primary"),
                 Button("I've done my training", "training.done", {"item": "training"}),
                 Button("Where do I do it?", "training.where", {"item": "training"})],
        data={"training": {"item": "welcome", "due": due.isoformat()}})


def digest_reply(overdue: list[tuple[str, Due]], today: date) -> Reply:
    lines = [f"• {name}: {ITEM_NAMES[d.item]} — {_overdue_text(d, today)}" for name, d in overdue]
    return Reply(title="Weekly training digest: who is overdue",
                 text=f"{len(overdue)} overdue item(s) this week:\n" + "\n".join(lines),
                 buttons=[Button("Full training report", "training.report", {})],
                 data={"training": {"item": "digest", "overdue": len(overdue)}})


def _overdue_text(due: Due, today: date) -> str:
    if due.last_done is None and due.new_starter_from is None:
        return "no record"
    days = (today - due.due).days
    return f"overdue by {days} day{'s' if days != 1 else ''} (due {format_date(due.due)})"


def tick(services: Services) -> int:
    """Send every reminder whose time has come (in working time only). Returns how many were queued."""
    now = services.now()
    cal = _calendar(services)
    if not cal.is_working_moment(now):
        return 0
    today = cal.local(now).date()
    db = services.db
    policy_hash, change_day = policy_change_day(services, today)
    records = store.all_records(db)
    if not records:
        # A fresh install whose records have not been loaded yet: stay quiet rather than tell
        # everyone they are overdue. The first import or recorded completion switches nudges on.
        return 0
    snoozes = store.all_snoozes(db)
    sent = store.sent_stages(db, now - SENT_WINDOW)
    pending: list[tuple[str, str, str, str, Notification]] = []
    overdue: list[tuple[str, Due]] = []
    for row in _people_rows(services):
        person_id, start = row["id"], _start(row)
        record = records.get(person_id, {})
        for item in items_for(_roles(row)):
            due = due_of(person_id, item, record, start, change_day)
            if due.due < today:
                overdue.append((row["name"], due))
            stage = latest_stage(due, today, snoozes.get((person_id, item, due.cycle)))
            if stage and (person_id, item, due.cycle, stage[0]) not in sent:
                reply = reminder_reply(services, row["name"], due, stage[0], today)
                pending.append((person_id, item, due.cycle, stage[0], Notification(
                    person_id, reply, key=f"training-{person_id}-{due.cycle}-{stage[0]}")))
        if (start and not record.get("training_on") and not record.get("policy_ack_on")
                and start <= today <= start + timedelta(days=WELCOME_WITHIN_DAYS)):
            cycle = f"welcome-{start.isoformat()}"
            if (person_id, "welcome", cycle, "welcome") not in sent:
                pending.append((person_id, "welcome", cycle, "welcome", Notification(
                    person_id, welcome_reply(services, row["name"], start), key=f"training-{person_id}-{cycle}")))
    if overdue:
        iso = today.isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"
        for head in roster.people_with_role(db, "headteacher"):
            if (head.id, "digest", week, "digest") not in sent:
                pending.append((head.id, "digest", week, "digest", Notification(
                    head.id, digest_reply(overdue, today), key=f"training-digest-{head.id}-{week}")))
    queued = 0
    if pending:
        pending.sort(key=lambda entry: entry[1] != "digest")  # the Headteacher's digest first
        with db.atomic():  # each stage row with its outbox message: all or nothing
            for person_id, item, cycle, stage, notification in pending[:MAX_PER_TICK]:
                if store.mark_sent(db, person_id, item, cycle, stage, now):
                    services.notify(notification)
                    queued += 1
    return queued


_CALENDARS: dict[tuple, Calendar] = {}


def _calendar(services: Services) -> Calendar:
    config = services.config
    path = Path(config.holidays_file)
    mtime = path.stat().st_mtime if path.exists() else 0
    key = (config.timezone, tuple(config.working_hours), str(path), mtime)
    if key not in _CALENDARS:
        _CALENDARS.clear()
        _CALENDARS[key] = calendar_for(config)
    return _CALENDARS[key]

