"""The Headteacher's compliance view: one row per person and item, the summary behind the report and
the web chat's chart, the CSV, and the school's own records imported.
"""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from handlers.context import Services
from domain.messages import Button, Incoming, Person, Reply
from handlers.schedule import format_date
from handlers.training.due import (DUE_SOON_DAYS, ITEM_NAMES, ITEM_TITLES, ITEMS, OVERSEER_NAMES, OVERSEER_ROLES,
                                   _people_rows, _roles, _start, due_of, items_for)
from handlers.training.policy_check import current_policy, policy_change_day
from storage import training as store

log = logging.getLogger(__name__)



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
    for event in store.events_oldest_first(services.db):
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
    if not path.exists() or store.any_records(services.db):
        return 0
    loaded, problems = import_training_csv(services, path)
    for problem in problems:
        log.warning("training import: %s", problem)
    return loaded


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

    def certified(r: dict) -> str:
        return "; certificate on file" if (r["person_id"], r["item"], r["last_done"]) in with_files else ""

    overdue = [f"• {r['name']}: {ITEM_NAMES[r['item']]} — "
               + (f"overdue by {r['days_overdue']} days (due {_day(r['due'])})" if r["state"] == "overdue" else "no record")
               + mark(r) for r in summary["overdue"]]
    soon = [f"• {r['name']}: {ITEM_NAMES[r['item']]} due {_day(r['due'])} ({r['days_left']} days)" + mark(r)
            for r in summary["due_soon"]]
    from handlers.training.certificates import certificate_owners, report_section  # here: certificates reads this module's names

    certificate_lines, open_buttons = report_section(services)
    with_files = certificate_owners(services)
    reported = [f"• {r['name']}: {ITEM_NAMES[r['item']]} on {_day(r['last_done'])}{certified(r)}"
                for r in summary["self_reported"]]
    text = (f"Training compliance on {format_date(date.fromisoformat(summary['as_of']))} for "
            f"{summary['people']} people.\n\n*Overdue ({len(overdue)})*\n" + ("\n".join(overdue) or "Nobody.")
            + f"\n\n*Due in the next {DUE_SOON_DAYS} days ({len(soon)})*\n" + ("\n".join(soon) or "Nobody.")
            + f"\n\n*Self-reported, no evidence checked ({len(reported)})*\n" + ("\n".join(reported) or "None.")
            + certificate_lines)
    notes = ["Governors and volunteers are counted apart from staff. Self-reported means the person told me "
             "the date themselves; imported records, policy checks and entries by the Headteacher or DSL are not."]
    return [Reply(text=text, title="Training report", facts=facts, private=True,
                  notes=notes + _renewal_notes(services),
                  buttons=[Button("Download CSV", "training.csv", {}), *open_buttons],
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


def chart_figures(person: Person, services: Services) -> tuple[dict | None, str]:
    """The figures behind the web chat's training chart: (the compliance summary, "") for an overseer,
    else (None, why not). The role check lives here so the web chat only asks and shows."""
    if not person.has_role(*OVERSEER_ROLES):
        return None, (f"Only {OVERSEER_NAMES} can see the training chart (role "
                      f"{', '.join(OVERSEER_ROLES[:-1])} or {OVERSEER_ROLES[-1]}).")
    return compliance_summary(services), ""
