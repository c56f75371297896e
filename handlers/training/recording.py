"""Recording a completion: *I've done my training* (with a date, or asked for one), *record training for
<name>* by the Headteacher or DSL, the reminder buttons, and snoozing.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from handlers.context import Services
from handlers.flow_words import flow_command, typed_choice
from domain.messages import Button, Incoming, Reply
from handlers.schedule import DateProblem, EXAMPLES, URL_RE, add_months, find_date, format_date
from handlers.training import certificates
from handlers.training.compliance import _day, _deny, compliance_rows, handle_csv, handle_report
from handlers.training.due import (DSL_ONLY, DSL_ROLES, FLOW, ITEM_NAMES, ITEM_TITLES, ITEMS, OVERSEER_ROLES,
                                   PERIOD_MONTHS, _people_rows, _roles, _start, due_of, items_for)
from handlers.training.policy_check import policy_change_day, start_acknowledgement
from storage import roster
from storage import state as state_store
from storage import training as store

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
                        certificate: str | None, source: str, incoming: Incoming | None = None) -> list[Reply]:
    """Record one completion; files attached to `incoming` are kept as its certificate."""
    with services.db.atomic():  # the record, its certificate and the end of the date step: all or nothing
        store.record_completion(services.db, subject.id, item, done_on, recorder.id, services.now(),
                                source=source, certificate=certificate)
        kept = certificates.keep(incoming, services, subject.id, item, done_on) if incoming else []
        state_store.clear_state(services.db, recorder.id)
    next_due = add_months(done_on, PERIOD_MONTHS[item])
    whose = "your" if subject.id == recorder.id else f"{subject.name}'s"
    notes = ([f"Certificate link saved: {certificate}"] if certificate else []) + kept
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
    return _record_and_confirm(services, person, person, item, done_on, certificate, "chat", incoming)


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
    subject_roles = roster.stored_roles(services.db, subject.id)
    if item == "dsl" and not any(r in subject_roles for r in DSL_ROLES):
        return [Reply(f"{subject.name} is not the DSL or deputy DSL, so there is no DSL role training to record.")]
    try:
        done_on = find_date(match["when"] or "", services.today())
    except DateProblem as problem:
        return _ask_date(services, person, subject, item, str(problem))
    if done_on is None:
        return _ask_date(services, person, subject, item)
    return _record_and_confirm(services, person, subject, item, done_on, _certificate(incoming.text), "chat",
                               incoming)


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
    whose = "your" if subject.id == person.id else f"{subject.name}'s"
    command = flow_command(incoming.text)
    if command is not None:
        lead = "There is no earlier question to go back to. " if command == "back" else ""
        return [_date_prompt(lead, whose, item, subject.id)]
    if _another_feature_knows(incoming, services):
        # "my training", "report a concern"…: the person has moved on; don't hold them in this step.
        state_store.clear_state(services.db, person.id)
        from handlers.router import Router  # here: the router loads this module

        return Router(services).handle(incoming)
    if (incoming.text or "").strip().endswith("?"):
        # A question is not a date, and not for the answer engine (nor its gap register) mid-step.
        return [_date_prompt("I'll answer questions once this is done; type *cancel* first to ask one now. ",
                             whose, item, subject.id)]
    typed = typed_choice(incoming.text, DATE_CHOICES)  # the Today / Yesterday buttons, typed as 1 or 2
    try:
        done_on = find_date(typed or incoming.text, services.today())
    except DateProblem as problem:
        return [Reply(str(problem) + " (Or type *cancel*.)")]
    if done_on is None:
        notes = (["The file was not kept yet: send it again with the date, or afterwards with the word "
                  "*certificate*."] if incoming.files else [])
        return [Reply(f"I need the date it was completed ({EXAMPLES}). Or type *cancel*.", notes=notes)]
    return _record_and_confirm(services, person, subject, item, done_on, _certificate(incoming.text), "chat",
                               incoming)


def _date_prompt(lead: str, whose: str, item: str, subject_id: str) -> Reply:
    return Reply(f"{lead}I'm asking when {whose} {ITEM_NAMES[item]} was completed, to record it. Type the "
                 f"date ({EXAMPLES}), or 1 for today and 2 for yesterday. Type *cancel* to stop: "
                 "nothing is recorded.", buttons=_date_buttons(item, subject_id))


def _another_feature_knows(incoming: Incoming, services: Services) -> bool:
    """A command some other feature recognises (not a question for the answer engine), typed while
    I wait for a date."""
    from handlers.router import Router

    return any(route.matches(incoming, services) for route in Router(services).text_routes
               if not route.name.startswith(("ask", "evidence", "training.certificate")))


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
    if verb == "certificate":
        return certificates.open_certificate(incoming, services)
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

