"""Annual safeguarding training, policy acknowledgement and the Headteacher's compliance view.

Three items per person: `training` (annual safeguarding training, everyone), `policy` (read and
acknowledge the social media policy once a year and whenever its text changes, with a short
check) and `dsl` (the DSL's own role training, every two years). Each item falls due a fixed
period after its last completion; the due date names the item's *cycle*. Reminders go 30, 14, 7
and 1 days before and on the day, then weekly while overdue, plus a weekly digest of who is
overdue to the Headteacher. `tick` sends, in working time only, the latest stage whose date has
come and not yet been sent; the stage row and its outbox message are one transaction.
"""
from __future__ import annotations

import hashlib
import logging
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from handlers.context import Services
from handlers.flow_words import LEAVING, flow_command, normalised, typed_choice
from handlers.messages import Button, Incoming, Notification, Reply
from handlers.router import TextRoute
from handlers.schedule import (DateProblem, EXAMPLES, URL_RE, Calendar, add_months, calendar_for, find_date,
                               format_date)
from storage import roster
from storage import state as state_store
from storage import training as store

log = logging.getLogger(__name__)

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
    return list(services.db.query("SELECT id, name, roles, start_date FROM people WHERE active = 1 ORDER BY id"))


def _roles(row: dict) -> frozenset[str]:
    return frozenset(r for r in (row.get("roles") or "").split(";") if r)


def _start(row: dict) -> date | None:
    try:
        return date.fromisoformat(row["start_date"]) if row.get("start_date") else None
    except ValueError:
        return None


# --- the policy text: its hash, its summary, its check questions ----------------------------------

@lru_cache(maxsize=8)
def _policy_hash(path: str, mtime: float, size: int) -> str:
    source = Path(path).read_text(encoding="utf-8")
    return hashlib.sha256(source.replace("\r\n", "\n").strip().encode("utf-8")).hexdigest()


@lru_cache(maxsize=8)
def _policy_from_file(path: str, mtime: float, size: int):
    from knowledge.policy import parse_policy

    return _policy_hash(path, mtime, size), parse_policy(Path(path).read_text(encoding="utf-8"))


def _stat_key(services: Services) -> tuple[str, float, int]:
    path = Path(services.config.policy_file)
    stat = path.stat()
    return str(path), stat.st_mtime, stat.st_size


def current_policy(services: Services):
    """(hash, parsed Policy) of the policy file as it is now; re-read only when the file changes."""
    return _policy_from_file(*_stat_key(services))


def policy_change_day(services: Services, today: date) -> tuple[str, date | None]:
    policy_hash = _policy_hash(*_stat_key(services))
    first_seen = store.policy_first_seen(services.db, policy_hash, today)
    return policy_hash, (None if first_seen.isoformat() == store.BASELINE else first_seen)


def _second_person(text: str) -> str:
    text = text.rstrip(" .;")
    text = text[:1].lower() + text[1:]
    for word, you in (("their", "your"), ("they", "you"), ("themselves", "yourself")):
        text = re.sub(rf"\b{word}\b", you, text)
    return text


def check_questions(policy) -> list[dict]:
    """Yes/no questions drawn from the policy's own clauses, each with its answer and quote."""
    questions = []
    for clause in policy.clauses:
        if clause.conditional:
            continue
        lead = (clause.lead_in or "").rstrip(": ")
        if clause.audience == "staff" and clause.modality in ("must_not", "should_not", "will_not") and lead:
            prefix = re.split(r"\bstaff\b", lead, maxsplit=1, flags=re.I)[0].strip()
            prefix = f"{prefix} " if prefix else ""
            questions.append({"question": f"{prefix}may you {_second_person(clause.text)}?", "answer": "no"})
        elif clause.audience == "school_accounts" and clause.modality in ("will", "will_not") and lead:
            match = re.match(r"^(?P<subject>the school)\s+will(?: not)?\s+(?P<verb>\w+)\s*(?P<rest>.*)$", lead, re.I)
            if not match:
                continue
            body = clause.text[:1].lower() + clause.text[1:]
            rest = f" {match['rest']}" if match["rest"] else ""
            questions.append({"question": f"Will the school {match['verb']} {body}{rest}?",
                              "answer": "yes" if clause.modality == "will" else "no"})
        elif (clause.audience == "staff" and clause.modality in ("will", "must", "should") and not lead
              and re.match(r"^staff(?: members)? (will|must|should) ", clause.text, re.I)):
            body = re.sub(r"^staff(?: members)? (will|must|should) ", "", clause.text, flags=re.I)
            questions.append({"question": f"Must you {_second_person(body)}?", "answer": "yes"})
        else:
            continue
        questions[-1].update({"clause": clause.id, "section": clause.section, "quote": clause.text,
                              "heading": clause.heading})
    return questions


def choose_questions(bank: list[dict], seed: str, count: int = 3) -> list[dict]:
    """Three questions, never all with the same answer, chosen reproducibly from a seed."""
    rng = random.Random(seed)
    staff_rules = [q for q in bank if q["answer"] == "no" and q["question"].lower().find("may you") >= 0]
    others = [q for q in bank if q not in staff_rules]
    chosen = rng.sample(staff_rules, min(2, len(staff_rules)))
    chosen += rng.sample([q for q in others if q["answer"] == "yes"] or others, 1) if others else []
    rest = [q for q in bank if q not in chosen]
    chosen += rng.sample(rest, max(0, min(count - len(chosen), len(rest))))
    rng.shuffle(chosen)
    return chosen[:count]


def _staff_rules(policy) -> list[str]:
    return [c.text for c in policy.clauses if c.audience == "staff" and c.modality == "must_not" and c.lead_in]


def policy_card(services: Services, policy_hash: str, changed: bool = False) -> Reply:
    _, policy = current_policy(services)
    headings = ", ".join(f"{s.number} {s.heading}" for s in policy.sections.values() if "." not in s.number)
    rules = "\n".join(f"• {rule}" for rule in _staff_rules(policy))
    intro = ("The social media policy has changed since you last read it. " if changed else "")
    return Reply(
        title="Please read the school's social media policy",
        text=(f"{intro}Once a year everyone reads and acknowledges the policy (section 1: staff must read, "
              f"understand and comply with it). Read it in full here: {services.config.policy_link}\n\n"
              f"It covers: {headings}.\n\nWhen using social media, staff must not:\n{rules}\n\n"
              "When you have read it, press *I have read and understood*; three quick yes/no questions follow."),
        buttons=[Button("I have read and understood", "ack.read", {"hash": policy_hash}, style="primary"),
                 Button("Remind me next week", "training.snooze", {"item": "policy"})],
        data={"policy_hash": policy_hash})


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


# --- compliance ---------------------------------------------------------------------------------

# Governors and volunteers are not staff: the compliance view counts them apart and says so.
NON_STAFF_ROLES = frozenset({"governor", "chair_of_governors", "volunteer"})
GROUP_NAMES = {"staff": "staff", "governors_volunteers": "governors and volunteers"}


def group_of(roles: frozenset[str]) -> str:
    """'governors_volunteers' for someone whose only roles are governor or volunteer, else 'staff'."""
    return "governors_volunteers" if roles and roles <= NON_STAFF_ROLES else "staff"


def _self_reported(services: Services) -> set[tuple[str, str]]:
    """(person, item) whose latest record the person typed or pressed in themselves, with no evidence
    checked (an import from the school's records, a policy check or another person's entry is not)."""
    latest: dict[tuple[str, str], dict] = {}
    for event in services.db.query("SELECT person_id, item, recorded_by, source FROM training_events ORDER BY id"):
        latest[(event["person_id"], event["item"])] = event
    return {key for key, event in latest.items()
            if event["source"] in ("chat", "button") and event["recorded_by"] == key[0]}


def compliance_rows(services: Services) -> list[dict]:
    """One row per person and item: due date, state (ok / due_soon / overdue / no_record), days,
    group (staff, or governors and volunteers) and whether the record is self-reported."""
    today = services.today()
    _, change_day = policy_change_day(services, today)
    records = store.all_records(services.db)
    self_reported = _self_reported(services)
    rows = []
    for row in _people_rows(services):
        record = records.get(row["id"], {})
        for item in items_for(_roles(row)):
            due = due_of(row["id"], item, record, _start(row), change_day)
            days = (due.due - today).days
            if due.last_done is None and due.due < today:
                state = "no_record"
            elif days < 0:
                state = "overdue"
            elif days <= DUE_SOON_DAYS:
                state = "due_soon"
            else:
                state = "ok"
            rows.append({"person_id": row["id"], "name": row["name"], "roles": row["roles"], "item": item,
                         "last_done": due.last_done.isoformat() if due.last_done else "",
                         "due": due.due.isoformat() if due.last_done or due.new_starter_from else "",
                         "state": state, "days_overdue": max(0, -days) if due.last_done else 0,
                         "days_left": max(0, days), "certificate": record.get("certificate") or "",
                         "group": group_of(_roles(row)),
                         "self_reported": "yes" if due.last_done and (row["id"], item) in self_reported else ""})
    return rows


def compliance_summary(services: Services) -> dict:
    """The figures behind the report and the local web page's chart.

    {"as_of": ISO date, "people": n, "items": {item: {"people", "ok", "due_soon", "overdue",
    "no_record", "compliant", "percent_compliant"}}, "overdue": [rows], "due_soon": [rows]}
    A person is compliant for an item while it is not past due (ok or due soon).
    """
    rows = compliance_rows(services)
    items = {}
    for item in ITEMS:
        mine = [r for r in rows if r["item"] == item]
        counts = {state: sum(1 for r in mine if r["state"] == state)
                  for state in ("ok", "due_soon", "overdue", "no_record")}
        compliant = counts["ok"] + counts["due_soon"]
        items[item] = {"people": len(mine), **counts, "compliant": compliant,
                       "percent_compliant": round(100 * compliant / len(mine), 1) if mine else 100.0}
    return {
        "as_of": services.today().isoformat(),
        "people": len({r["person_id"] for r in rows}),
        "items": items,
        "overdue": sorted((r for r in rows if r["state"] in ("overdue", "no_record")),
                          key=lambda r: (-r["days_overdue"], r["name"])),
        "due_soon": sorted((r for r in rows if r["state"] == "due_soon"), key=lambda r: (r["days_left"], r["name"])),
        "groups": {group: {item: _counts([r for r in rows if r["item"] == item and r["group"] == group])
                           for item in ITEMS if any(r["item"] == item and r["group"] == group for r in rows)}
                   for group in GROUP_NAMES},
        "self_reported": sorted((r for r in rows if r["self_reported"]), key=lambda r: (r["name"], r["item"])),
    }


def _counts(rows: list[dict]) -> dict:
    counts = {state: sum(1 for r in rows if r["state"] == state) for state in ("ok", "due_soon", "overdue", "no_record")}
    compliant = counts["ok"] + counts["due_soon"]
    return {"people": len(rows), **counts, "compliant": compliant,
            "percent_compliant": round(100 * compliant / len(rows), 1) if rows else 100.0}


CSV_COLUMNS = ["person_id", "name", "roles", "item", "last_done", "due", "state", "days_overdue", "days_left",
               "certificate", "group", "self_reported"]


def compliance_csv(services: Services) -> str:
    return store.export_csv(compliance_rows(services), CSV_COLUMNS)


def import_training_csv(services: Services, path: str | Path) -> tuple[int, list[str]]:
    """Load the school's own export of training records (see storage.training.import_csv)."""
    known = [row["id"] for row in _people_rows(services)]
    return store.import_csv(services.db, path, services.now(), known_people=known)


def load_sample_records(services: Services, path: str | Path | None = None) -> int:
    """On start: load data/training.csv when present and nothing is recorded yet."""
    path = Path(path or Path(services.config.roster_file).with_name("training.csv"))
    if not path.exists() or services.db["training_records"].count:
        return 0
    loaded, problems = import_training_csv(services, path)
    for problem in problems:
        log.warning("training import: %s", problem)
    return loaded


# --- chat handlers ------------------------------------------------------------------------------

def _day(iso_day: str) -> str:
    """An ISO date from the records as people write it: "3 September 2026" ('' stays '')."""
    try:
        return format_date(date.fromisoformat(iso_day)) if iso_day else ""
    except ValueError:
        return iso_day


def _deny(what: str) -> list[Reply]:
    return [Reply(f"Only {OVERSEER_NAMES} can {what}. You can always check and record your own "
                  "training: try *my training* or *I've done my training*.")]


def handle_report(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None or not person.has_role(*OVERSEER_ROLES):
        return _deny("see the training report")
    summary = compliance_summary(services)
    facts = [(f"{ITEM_TITLES[item]} ({GROUP_NAMES[group]})",
              f"{figures['compliant']}/{figures['people']} compliant ({figures['percent_compliant']}%); "
              f"{figures['due_soon']} due soon, {figures['overdue']} overdue, {figures['no_record']} no record")
             for group, items in summary["groups"].items() for item, figures in items.items()]

    def mark(r: dict) -> str:
        return " (self-reported)" if r["self_reported"] else ""

    overdue = [f"• {r['name']}: {ITEM_NAMES[r['item']]} — "
               + (f"overdue by {r['days_overdue']} days (due {_day(r['due'])})" if r["state"] == "overdue" else "no record")
               + mark(r) for r in summary["overdue"]]
    soon = [f"• {r['name']}: {ITEM_NAMES[r['item']]} due {_day(r['due'])} ({r['days_left']} days)" + mark(r)
            for r in summary["due_soon"]]
    reported = [f"• {r['name']}: {ITEM_NAMES[r['item']]} on {_day(r['last_done'])}" for r in summary["self_reported"]]
    text = (f"Training compliance on {format_date(date.fromisoformat(summary['as_of']))} for "
            f"{summary['people']} people.\n\n*Overdue ({len(overdue)})*\n" + ("\n".join(overdue) or "Nobody.")
            + f"\n\n*Due in the next {DUE_SOON_DAYS} days ({len(soon)})*\n" + ("\n".join(soon) or "Nobody.")
            + f"\n\n*Self-reported, no evidence checked ({len(reported)})*\n" + ("\n".join(reported) or "None."))
    notes = ["Governors and volunteers are counted apart from staff. Self-reported means the person told me "
             "the date themselves; imported records, policy checks and entries by the Headteacher or DSL are not."]
    return [Reply(text=text, title="Training report", facts=facts, private=True,
                  notes=notes + _renewal_notes(services),
                  buttons=[Button("Download CSV", "training.csv", {})],
                  data={"summary": {k: v for k, v in summary.items() if k in ("as_of", "people", "items")}})]


def _renewal_notes(services: Services) -> list[str]:
    """The policy's overdue review in the Headteacher's summary: staff see it once a day, the
    person who renews the policy every time they look."""
    from knowledge.answering.pipeline import renewal_notice

    notice = renewal_notice(current_policy(services)[1], services.today())
    return [notice] if notice else []


def handle_csv(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None or not person.has_role(*OVERSEER_ROLES):
        return _deny("export the training report")
    # The CSV itself is in the text, so every channel can copy it (the web chat also offers it as a file).
    return [Reply(text="The training report as CSV (also on the server: `python app.py training-report --csv`):\n\n"
                       + compliance_csv(services).strip(),
                  title="Training report (CSV)", private=True,
                  data={"csv": compliance_csv(services), "filename": f"training-report-{services.today()}.csv"})]


def handle_status(incoming: Incoming, services: Services) -> list[Reply]:
    if incoming.person is None:
        return [Reply("I don't know who you are yet, so I can't look up your training. Ask the IT manager to add you to the roster.")]
    rows = [r for r in compliance_rows(services) if r["person_id"] == incoming.person.id]
    facts = []
    for r in rows:
        if r["state"] == "no_record":
            facts.append((ITEM_TITLES[r["item"]], "no record yet"))
        else:
            status = {"ok": "up to date", "due_soon": f"due in {r['days_left']} days",
                      "overdue": f"overdue by {r['days_overdue']} days"}[r["state"]]
            facts.append((ITEM_TITLES[r["item"]],
                          f"{status} (last done {_day(r['last_done']) or 'never'}, due {_day(r['due'])})"))
    return [Reply(title="Your training", text="Here is where you stand:", facts=facts, private=True,
                  buttons=[Button("I've done my training", "training.done", {"item": "training"}),
                           Button("Read the policy", "ack.start", {}),
                           Button("Where do I do it?", "training.where", {"item": "training"})])]


def _record_and_confirm(services: Services, recorder, subject, item: str, done_on: date,
                        certificate: str | None, source: str) -> list[Reply]:
    with services.db.atomic():  # the record and the end of the date step: a retry cannot log it twice
        store.record_completion(services.db, subject.id, item, done_on, recorder.id, services.now(),
                                source=source, certificate=certificate)
        state_store.clear_state(services.db, recorder.id)
    next_due = add_months(done_on, PERIOD_MONTHS[item])
    whose = "your" if subject.id == recorder.id else f"{subject.name}'s"
    notes = [f"Certificate link saved: {certificate}"] if certificate else []
    return [Reply(text=f"Recorded: {whose} {ITEM_NAMES[item]} completed on {format_date(done_on)}. "
                       f"Next due {format_date(next_due)}.", notes=notes,
                  buttons=[Button("Wrong date? Change it", "training.done", {"item": item, "person": subject.id})]
                  if subject.id == recorder.id else [],
                  data={"recorded": {"person": subject.id, "item": item, "date": done_on.isoformat()}})]


def _ask_date(services: Services, recorder, subject, item: str, problem: str | None = None) -> list[Reply]:
    state_store.set_state(services.db, recorder.id, state_store.FlowState(
        FLOW, "date", {"item": item, "person": subject.id}), services.now())
    whose = "your" if subject.id == recorder.id else f"{subject.name}'s"
    text = problem or f"When was {whose} {ITEM_NAMES[item]} completed? ({EXAMPLES[0].upper() + EXAMPLES[1:]}; type *cancel* to stop.)"
    return [Reply(text=text, buttons=_date_buttons(item, subject.id))]


DATE_CHOICES = (("today", "Today"), ("yesterday", "Yesterday"))


def _date_buttons(item: str, person_id: str) -> list[Button]:
    return [Button(label, "training.record", {"item": item, "when": value, "person": person_id})
            for value, label in DATE_CHOICES]


def _item_from_text(text: str) -> str:
    return "dsl" if re.search(r"\bdsl\b", text, re.I) else "training"


def handle_done_text(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None:
        return [Reply("I don't know who you are yet, so I can't record training. Ask the IT manager to add you to the roster.")]
    item = _item_from_text(incoming.text)
    if item == "dsl" and not person.has_role(*DSL_ROLES):
        return [Reply("DSL role training is only tracked for the DSL and deputy DSL. "
                      "To record your safeguarding training, say *I've done my training*.")]
    certificate = _certificate(incoming.text)
    try:
        done_on = find_date(incoming.text, services.today())
    except DateProblem as problem:
        return _ask_date(services, person, person, item, str(problem))
    if done_on is None:
        return _ask_date(services, person, person, item)
    return _record_and_confirm(services, person, person, item, done_on, certificate, "chat")


RECORD_FOR_RE = re.compile(r"^\s*record\s+(?P<what>(?:(?:dsl|safeguarding|dsl role)\s+)?training)\s+for\s+"
                           r"(?P<who>.+?)(?:\s+(?:on|as of|as|completed|done)\s+(?P<when>.+?))?\s*[.!]?\s*$", re.I)


def handle_record_for(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None or not person.has_role(*OVERSEER_ROLES):
        return _deny("record training for someone else")
    match = RECORD_FOR_RE.match(URL_RE.sub("", incoming.text))
    if not match:
        return [Reply("Say it like this: *record training for Amy Clarke on 3 Sept*.")]
    subject = _find_person(services, match["who"])
    if subject is None:
        return [Reply(f"I couldn't find \"{match['who'].strip()[:60]}\" on the roster. Please use their full "
                      "name as it appears there (for example *Amy Clarke*).")]
    item = _item_from_text(match["what"])
    subject_roles = (services.db["people"].get(subject.id).get("roles") or "").split(";")
    if item == "dsl" and not any(r in subject_roles for r in DSL_ROLES):
        return [Reply(f"{subject.name} is not the DSL or deputy DSL, so there is no DSL role training to record.")]
    try:
        done_on = find_date(match["when"] or "", services.today())
    except DateProblem as problem:
        return _ask_date(services, person, subject, item, str(problem))
    if done_on is None:
        return _ask_date(services, person, subject, item)
    return _record_and_confirm(services, person, subject, item, done_on, _certificate(incoming.text), "chat")


def _find_person(services: Services, token: str):
    token = token.strip().strip("\"'").strip()
    found = roster.find_person(services.db, token)
    if found:
        return found
    from rapidfuzz import fuzz, process

    people = roster.all_people(services.db)
    names = {p.id: p.name for p in people}
    best = process.extract(token, names, scorer=fuzz.WRatio, limit=2)
    if best and best[0][1] >= 88 and (len(best) == 1 or best[1][1] < best[0][1] - 5):
        return roster.get_person(services.db, best[0][2])
    return None


def _certificate(text: str) -> str | None:
    match = URL_RE.search(text or "")
    return match.group(0).rstrip(".,)") if match else None


def continue_flow(incoming: Incoming, services: Services, flow) -> list[Reply]:
    person = incoming.person
    if person is None:
        return [Reply("I don't know who you are yet.")]
    subject = roster.get_person(services.db, flow.data.get("person") or person.id)
    item = flow.data.get("item", "training")
    if subject is None or item not in ("training", "dsl"):
        state_store.clear_state(services.db, person.id)
        return [Reply("That person is no longer on the roster, so nothing was recorded.")]
    if subject.id != person.id and not person.has_role(*OVERSEER_ROLES):  # the role may have gone mid-way
        state_store.clear_state(services.db, person.id)
        return _deny("record training for someone else")
    command = flow_command(incoming.text)
    if command is not None:
        whose = "your" if subject.id == person.id else f"{subject.name}'s"
        lead = "There is no earlier question to go back to. " if command == "back" else ""
        return [Reply(f"{lead}I'm asking when {whose} {ITEM_NAMES[item]} was completed, to record it. Type the "
                      f"date ({EXAMPLES}), or 1 for today and 2 for yesterday. Type *cancel* to stop: "
                      "nothing is recorded.", buttons=_date_buttons(item, subject.id))]
    typed = typed_choice(incoming.text, DATE_CHOICES)  # the Today / Yesterday buttons, typed as 1 or 2
    try:
        done_on = find_date(typed or incoming.text, services.today())
    except DateProblem as problem:
        return [Reply(str(problem) + " (Or type *cancel*.)")]
    if done_on is None:
        if _meant_something_else(incoming, services):
            # "my training", "help", a question…: the person has moved on; don't hold them in this step.
            state_store.clear_state(services.db, person.id)
            from handlers.router import Router  # here: the router loads this module

            return Router(services).handle(incoming)
        return [Reply(f"I need the date it was completed ({EXAMPLES}). Or type *cancel*.")]
    return _record_and_confirm(services, person, subject, item, done_on, _certificate(incoming.text), "chat")


def _meant_something_else(incoming: Incoming, services: Services) -> bool:
    """A question, or a command some feature recognises, typed while I wait for a date."""
    from handlers.router import Router

    if (incoming.text or "").strip().endswith("?"):
        return True
    return any(route.matches(incoming, services) for route in Router(services).text_routes
               if not route.name.startswith("ask"))


# --- buttons ------------------------------------------------------------------------------------

def handle_training_action(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None:
        return [Reply("I don't know who you are yet, so I can't do that. Ask the IT manager to add you to the roster.")]
    verb = (incoming.action or "").partition(".")[2]
    value = incoming.value if isinstance(incoming.value, dict) else {}
    if verb == "mine":  # the help card's and App Home's "My training" button
        return handle_status(incoming, services)
    item = value.get("item", "training")
    if item not in ITEMS:
        return [Reply("That button is no longer active. Type *my training* to see where you stand.")]
    if verb == "report":
        return handle_report(incoming, services)
    if verb == "csv":
        return handle_csv(incoming, services)
    if verb == "where":
        if item == "policy":
            return [Reply(f"The social media policy is here: {services.config.policy_link}\n"
                          "When you have read it, press *Acknowledge it now* (or type *acknowledge policy*).",
                          buttons=[Button("Acknowledge it now", "ack.start", {}, style="primary")])]
        return [Reply(f"You can do the {ITEM_NAMES[item]} here: {services.config.training_link}\n"
                      "When you have finished, press *I've done it* or tell me *I've done my training* "
                      "(with the date if it wasn't today).",
                      buttons=[Button("I've done it", "training.done", {"item": item}, style="primary")])]
    if verb == "snooze":
        return _snooze(incoming, services, person, item)
    subject_id = str(value.get("person") or person.id)
    if subject_id != person.id and not person.has_role(*OVERSEER_ROLES):
        return _deny("record training for someone else")
    subject = roster.get_person(services.db, subject_id)
    if subject is None:
        return [Reply("That person is no longer on the roster, so nothing was recorded.")]
    if item == "dsl" and not subject.has_role(*DSL_ROLES):  # a forged button: the typed command refuses it too
        return [Reply(DSL_ONLY)]
    if item == "policy":
        return start_acknowledgement(incoming, services)
    if verb == "done":
        return _ask_date(services, person, subject, item)
    if verb == "record":
        when = value.get("when")
        if when not in ("today", "yesterday"):
            return [Reply("That button is no longer active. Tell me the date instead, for example *I did it on 3 Sept*.")]
        return _record_and_confirm(services, person, subject, item, find_date(when, services.today()), None, "button")
    return [Reply("That button is no longer active. Type *my training* to see where you stand.")]


def _snooze(incoming: Incoming, services: Services, person, item: str) -> list[Reply]:
    rows = [r for r in _people_rows(services) if r["id"] == person.id]
    if not rows or item not in items_for(_roles(rows[0])):
        return [Reply("There is nothing of that kind for you to snooze.")]
    today = services.today()
    _, change_day = policy_change_day(services, today)
    due = due_of(person.id, item, store.get_record(services.db, person.id), _start(rows[0]), change_day)
    until = today + timedelta(days=7)
    store.snooze(services.db, person.id, item, due.cycle, until)
    return [Reply(f"OK, I'll remind you about your {ITEM_NAMES[item]} again next week ({format_date(until)}). "
                  f"It is due on {format_date(due.due)}.")]


# --- policy acknowledgement ---------------------------------------------------------------------

def start_acknowledgement(incoming: Incoming, services: Services) -> list[Reply]:
    if incoming.person is None:
        return [Reply("I don't know who you are yet. Ask the IT manager to add you to the roster.")]
    today = services.today()
    policy_hash, change_day = policy_change_day(services, today)
    last = store.completed_on(store.get_record(services.db, incoming.person.id), "policy")
    return [policy_card(services, policy_hash, changed=bool(change_day and last and change_day > last))]


def handle_ack_action(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None:
        return [Reply("I don't know who you are yet. Ask the IT manager to add you to the roster.")]
    verb = (incoming.action or "").partition(".")[2]
    value = incoming.value if isinstance(incoming.value, dict) else {}
    if verb == "start":
        return start_acknowledgement(incoming, services)
    if verb == "read":
        policy_hash, policy = current_policy(services)
        if value.get("hash") != policy_hash:
            return [Reply("The policy has changed since that card was sent. Here is the current one."),
                    *start_acknowledgement(incoming, services)]
        bank = check_questions(policy) or FALLBACK_QUESTIONS
        questions = choose_questions(bank, f"{person.id}:{policy_hash}:{services.now().isoformat()}")
        check_id = store.start_check(services.db, person.id, policy_hash, questions, services.now())
        return [Reply("Thank you. Three quick questions from the policy:"), _question_reply(check_id, questions, 0)]
    if verb == "answer":
        return _answer(incoming, services, person, value)
    return [Reply("That button is no longer active. Type *acknowledge policy* to start again.")]


def _question_reply(check_id: str, questions: list[dict], index: int) -> Reply:
    question = questions[index]
    return Reply(title=f"Question {index + 1} of {len(questions)}", text=question["question"],
                 notes=["Press Yes or No, or type *yes* or *no*."],
                 buttons=[Button("Yes", "ack.answer", {"check": check_id, "q": index, "answer": "yes"}),
                          Button("No", "ack.answer", {"check": check_id, "q": index, "answer": "no"})])


def _answer(incoming: Incoming, services: Services, person, value: dict) -> list[Reply]:
    check = store.get_check(services.db, str(value.get("check", "")))
    if check is None or check["person_id"] != person.id:
        return [Reply("That check isn't yours or no longer exists. Type *acknowledge policy* to start again.")]
    if check["status"] != "in_progress":
        return [Reply("You have already finished that check. Type *my training* to see where you stand.")]
    answers, questions = check["answers"], check["questions"]
    index, answer = value.get("q"), value.get("answer")
    if answer not in ("yes", "no") or not isinstance(index, int) or not 0 <= index < len(questions):
        return [Reply("That answer couldn't be read. Please press Yes or No on the question.")]
    if index != len(answers):
        if index < len(answers):
            return [Reply(f"You already answered question {index + 1}."), _question_reply(check["id"], questions, len(answers))]
        return [_question_reply(check["id"], questions, len(answers))]
    answers = answers + [{"q": index, "answer": answer, "correct": answer == questions[index]["answer"]}]
    if len(answers) < len(questions):
        store.save_answers(services.db, check["id"], answers, sum(a["correct"] for a in answers), False, services.now())
        return [_question_reply(check["id"], questions, len(answers))]
    score = sum(a["correct"] for a in answers)
    today = services.today()
    corrections = [f"• {questions[a['q']]['question']} — the answer is *{questions[a['q']]['answer'].capitalize()}*: "
                   f"\"{questions[a['q']]['quote']}\" (section {questions[a['q']].get('section', '?')})"
                   for a in answers if not a["correct"]]
    data = {"check": {"id": check["id"], "score": score, "of": len(questions)}}
    if corrections:  # the acknowledgement says the rules are understood: a wrong answer is not one
        store.save_answers(services.db, check["id"], answers, score, True, services.now())  # kept as evidence
        return [Reply(title="Not acknowledged yet",
                      text=(f"You answered {score} of {len(questions)} correctly, so your acknowledgement is not "
                            "recorded yet. The right rule for each one you missed:\n" + "\n".join(corrections)
                            + "\n\nPress *Try again* (or type *acknowledge policy*) for three new questions."),
                      buttons=[Button("Try again", "ack.read", {"hash": check["policy_hash"]}, style="primary")],
                      data=data)]
    with services.db.atomic():  # the evidence and the acknowledgement together
        store.save_answers(services.db, check["id"], answers, score, True, services.now())
        store.record_completion(services.db, person.id, "policy", today, person.id, services.now(),
                                source="check", policy_hash=check["policy_hash"])
    text = (f"Thank you — your acknowledgement of the social media policy is recorded ({format_date(today)}). "
            f"You answered {score} of {len(questions)} correctly.")
    return [Reply(text=text, title="Policy acknowledged", data=data)]


# Used only if the clause index yields no questions (a policy file with an unexpected layout).
FALLBACK_QUESTIONS = [
    {"question": "May you accept a friend request from a former pupil?", "answer": "no", "clause": "3-4",
     "section": "3", "quote": "Accept 'friend requests' from, or communicate with, pupils past or present"},
    {"question": "May you use a personal account to conduct school business?", "answer": "no", "clause": "3-3",
     "section": "3", "quote": "Use personal accounts to conduct school business"},
    {"question": "May you post images of pupils on your personal social media?", "answer": "no", "clause": "3-7",
     "section": "3", "quote": "Post images of pupils"},
    {"question": "Must you report any safeguarding issues you become aware of?", "answer": "yes", "clause": "3-2",
     "section": "3", "quote": "Staff members will report any safeguarding issues they become aware of."},
]


# --- routing ------------------------------------------------------------------------------------

REPORT_RE = re.compile(r"^\s*(training|compliance)\s+(report|compliance|summary)\b|^\s*training\s+csv\b", re.I)
STATUS_RE = re.compile(r"^\s*(my training|training status|my training status|when is my training due)\s*[?.!]*\s*$", re.I)
DONE_RE = re.compile(r"^\s*(?:i\s*['’]?ve|i\s+have|i)\s+(?:just\s+)?(?:done|did|completed|finished|attended)\b.*\btraining\b"
                     r"|^\s*(?:my\s+)?(?:dsl\s+|safeguarding\s+)?training\s+(?:is\s+)?(?:done|completed|finished)\b", re.I)
ACK_RE = re.compile(r"^\s*(acknowledge(?: the)? policy|policy acknowledge?ment|i(?:'ve| have) read the policy|read the policy)\s*[.!]*\s*$", re.I)


# The policy card's "I have read and understood" button, typed.
READ_RE = re.compile(r"^\s*(?:i\s*(?:'ve|’ve|\s+have)\s+)?read and understood(?: it| the policy)?\s*[.!]*\s*$", re.I)


def handle_typed_read(incoming: Incoming, services: Services) -> list[Reply]:
    from dataclasses import replace

    policy_hash, _ = current_policy(services)
    return handle_ack_action(replace(incoming, action="ack.read", value={"hash": policy_hash}), services)


def _is_question(text: str) -> bool:
    return text.strip().endswith("?")


# What people type for the check's Yes and No buttons (issue 16: "yes" went to the answer engine
# and then into the policy-gap register).
TYPED_ANSWERS = {"yes": "yes", "y": "yes", "yeah": "yes", "yep": "yes", "true": "yes", "1": "yes",
                 "no": "no", "n": "no", "nope": "no", "false": "no", "2": "no"}


def _check_in_progress(services: Services, person_id: str) -> dict | None:
    row = services.db.execute("SELECT id FROM policy_checks WHERE person_id = ? AND status = 'in_progress' "
                              "ORDER BY started_at DESC LIMIT 1", [person_id]).fetchone()
    return store.get_check(services.db, row[0]) if row else None


def _typed_answer(text: str | None) -> str | None:
    return TYPED_ANSWERS.get((text or "").strip().lower().strip(" .!"))


def _answers_the_check(incoming: Incoming, services: Services) -> bool:
    return (incoming.person is not None and _typed_answer(incoming.text) is not None
            and _check_in_progress(services, incoming.person.id) is not None)


def handle_typed_answer(incoming: Incoming, services: Services) -> list[Reply]:
    """"yes" or "no" typed while a check waits: the answer to its current question, as the button."""
    check = _check_in_progress(services, incoming.person.id)
    return _answer(incoming, services, incoming.person,
                   {"check": check["id"], "q": len(check["answers"]), "answer": _typed_answer(incoming.text)})


def _waits_for_the_check(incoming: Incoming, services: Services) -> bool:
    """Help, back, cancel or unrelated words while a check waits for yes or no: kept in the check
    (not sent to the answer engine, so not into the policy-gap register). A question ("…?") or a
    command another feature knows still goes where it belongs."""
    if incoming.person is None or _is_question(incoming.text or "") or not (incoming.text or "").strip():
        return False
    check = _check_in_progress(services, incoming.person.id)
    if check is None:
        return False
    if services.now() - datetime.fromisoformat(check["started_at"]) > CHECK_HOLDS_WORDS_FOR:
        return False  # a check left weeks ago must not swallow what the person says now
    if flow_command(incoming.text) or normalised(incoming.text) in CANCEL_WORDS:
        return True
    from handlers.router import Router  # here: the router loads this module

    return not any(route.matches(incoming, services) for route in Router(services).text_routes
                   if not route.name.startswith(("ask", "training.check")))


CHECK_HOLDS_WORDS_FOR = timedelta(hours=2)
CANCEL_WORDS = frozenset({"cancel", "stop", "quit", "exit", "abort", "never mind", "nevermind"})


def handle_check_words(incoming: Incoming, services: Services) -> list[Reply]:
    check = _check_in_progress(services, incoming.person.id)
    questions, index = check["questions"], len(check["answers"])
    said = normalised(incoming.text)
    if said in CANCEL_WORDS:
        store.abandon_check(services.db, check["id"])
        return [Reply("Stopped. Your policy acknowledgement was not recorded; type *acknowledge policy* to "
                      "start again when you're ready.")]
    command = flow_command(incoming.text)
    if command == "help":
        lead = ("You're answering three yes/no questions from the social media policy, to acknowledge it. "
                "Type *yes* or *no* (or 1 for yes, 2 for no), or press a button. Type *cancel* to stop: "
                "nothing is recorded until all three are right.")
    elif command == "back":
        lead = "Answers already given can't be changed; if one was wrong, you'll see the rule and can try again."
    else:
        lead = "I'm waiting for your answer to this question: type *yes* or *no*, or *help* or *cancel*."
    return [Reply(lead), _question_reply(check["id"], questions, index)]


TEXT_ROUTES = [
    TextRoute("training.check_answer", _answers_the_check, handle_typed_answer),
    TextRoute("training.check_words", _waits_for_the_check, handle_check_words),
    TextRoute("training.report", lambda i, s: bool(REPORT_RE.search(i.text or "")),
              lambda i, s: handle_csv(i, s) if re.search(r"\bcsv\b", i.text, re.I) else handle_report(i, s)),
    TextRoute("training.record_for", lambda i, s: bool(RECORD_FOR_RE.match(i.text or "")), handle_record_for),
    TextRoute("training.status", lambda i, s: bool(STATUS_RE.match(i.text or "")), handle_status),
    TextRoute("training.done", lambda i, s: bool(DONE_RE.search(i.text or "")) and not _is_question(i.text),
              handle_done_text),
    TextRoute("training.ack", lambda i, s: bool(ACK_RE.match(i.text or "")), start_acknowledgement),
    TextRoute("training.read", lambda i, s: bool(READ_RE.match(i.text or "")), handle_typed_read),
]
ACTIONS = {"training": handle_training_action, "ack": handle_ack_action}
FLOWS = {FLOW: continue_flow}
TICKS = [tick]
