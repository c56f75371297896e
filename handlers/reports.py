"""Concern reports: safeguarding and social media misuse, by private message, straight to the DSL.

Intake, as a form where the platform has one (Slack modal, Teams Adaptive Card) and as a guided
conversation otherwise. Its state lives in SQLite (storage.state) with every answer sealed by
storage.crypto, so a restart loses nothing and no plain content sits in conversation_state.

  danger → about_staff → category → what → who → when → where → evidence → confirm
A "yes" to danger files an urgent report and queues the urgent alert before the next question.
Filing (the report, its chronology, the alerts, the end of the intake) is one transaction, and
the reporter hears "received" only after it committed. Alerts carry who, category, urgency and
the reference, never the content; the content is shown only to the roles its routing allows
(storage.reports.ROUTINGS), re-checked on every button, and every attempt is audited.
Every reply and notification made here is marked confidential, so one that waits in the outbox
(an undelivered View, an alert) is stored sealed with the report key. Nothing here logs message text.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any, Callable

from handlers import evidence, report_limits
from handlers.context import Services
from handlers.flow_words import numbered, typed_choice
from handlers.messages import Button, Form, FormField, Incoming, Notification, Reply
from handlers.router import TextRoute
from handlers.schedule import format_moment
from storage import attachments
from storage import reports as store
from storage import state as state_store
from storage.crypto import cipher_for
from storage.roster import get_person, people_with_role
from storage.state import FlowState

FLOW = "report"
# This flow answers "cancel" itself: after an urgent alert, "nothing was saved" would be untrue.
FLOWS_HANDLE_CANCEL = (FLOW,)
FORM_CHANNELS = frozenset({"slack", "teams"})
MAX_ANSWER_LENGTH = 4000
INTAKE_REMINDER_AFTER = timedelta(days=1)

PUBLIC_LINE = "I've messaged you privately about this."

CATEGORIES = (
    ("child", "Safeguarding concern about a child"),
    ("staff_social_media", "Staff use of social media"),
    ("pupil_misuse", "Pupil misuse of social media"),
    ("parent_misuse", "Parent or carer misuse of social media"),
    ("other", "Something else"),
)
CATEGORY_LABELS = dict(CATEGORIES)
ABOUT_STAFF = (
    ("no", "No"),
    ("staff", "Yes: another member of staff or a volunteer"),
    ("dsl", "Yes: the Designated Safeguarding Lead"),
    ("headteacher", "Yes: the Headteacher"),
)
ROUTING_FOR_ABOUT = {"no": "standard", "staff": "staff", "dsl": "about_dsl", "headteacher": "about_headteacher"}
OUTCOMES = (
    ("no_further_action", "No further action"),
    ("advice_given", "Advice or support given in school"),
    ("early_help", "Early help"),
    ("referred_social_care", "Referred to children's social care"),
    ("referred_lado", "Referred to the LADO"),
    ("referred_police", "Referred to the police"),
    ("other", "Other"),
)
OUTCOME_LABELS = dict(OUTCOMES)
ROLE_TITLES = {"dsl": "the Designated Safeguarding Lead", "deputy_dsl": "a deputy DSL",
               "headteacher": "the Headteacher", "chair_of_governors": "the Chair of Governors"}

STEPS = ("danger", "about_staff", "category", "what", "who", "when", "where", "evidence")
DETAIL_STEPS = STEPS[2:]
TEXT_STEPS = ("what", "who", "when", "where")
STEP_LABELS = {"category": "Category", "what": "What happened", "who": "Who is involved",
               "when": "When", "where": "Where", "evidence": "Evidence"}

REF = r"([A-Za-z]{2,10}-\d{4}-\d{1,6})"
YES = frozenset({"yes", "y", "yeah", "yep", "yes please", "i think so", "true"})
NO = frozenset({"no", "n", "nope", "not now", "no one is", "false"})
NONE_WORDS = frozenset({"none", "no", "nothing", "n/a", "na", "skip", "no evidence", "-"})


# --- small helpers -------------------------------------------------------------------------------

def _has_words(text: str) -> bool:
    """True when the text says something in words (letters or digits, any script), not only emoji."""
    return any(ch.isalnum() for ch in text)


def _clean(text: str) -> str:
    return (text or "").strip()


def _shows_forms(incoming: Incoming) -> bool:
    """Slack, Teams and the web chat show forms; the terminal chat cannot."""
    return incoming.channel != "cli" and not (incoming.conversation_id or "").startswith("terminal:")


def _sealed(reply: Reply) -> Reply:
    """Private, and confidential: whatever a report reply carries (the reporter's own words, a
    View, a chronology, who raised what) is stored only encrypted if it waits in the outbox."""
    return replace(reply, private=True, confidential=True)


def _privately(incoming: Incoming, replies: list[Reply]) -> list[Reply]:
    """Every report reply is private; in a channel the public reply says only that we moved to DM."""
    private = [_sealed(r) for r in replies]
    return private if incoming.private else [Reply(PUBLIC_LINE)] + private


def _person_name(services: Services, person_id: str) -> str:
    person = get_person(services.db, person_id)
    return person.name if person else person_id


def _when(services: Services, stamp: str | None) -> str:
    """A stored UTC timestamp as the school reads it: "26 November 2026, 11:50" (local time)."""
    return format_moment(stamp, services.config.timezone)


def _already(services: Services, report: dict) -> str | None:
    """Who already acknowledged or closed this report, and when: a second or replayed press on
    Acknowledge or Close changes nothing and says so."""
    if report["status"] == "closed":
        return (f"{report['ref']} was already closed by {_person_name(services, report['closed_by'] or '')} "
                f"at {_when(services, report['closed_at'])}. Nothing was changed.")
    if report["status"] == "acknowledged":
        return (f"{report['ref']} was already acknowledged by "
                f"{_person_name(services, report['acknowledged_by'] or '')} at "
                f"{_when(services, report['acknowledged_at'])}. Nothing was changed.")
    return None


def _ago(age: timedelta) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min ago"
    return f"{minutes // (24 * 60)} days ago"


EVENT_LABELS = {"note": "Note", "added_by_reporter": "Added by the reporter", "acknowledged": "Acknowledged",
                "closed": "Closed", "escalated": "Escalated", store.ALERT_HELD: "Alert held",
                store.ALERT_SUMMARISED: "Alerted in a summary"}


def _roles_phrase(roles: tuple[str, ...]) -> str:
    return " or ".join(roles)


def _role_titles(roles: tuple[str, ...]) -> str:
    """"the Designated Safeguarding Lead, a deputy DSL or the Headteacher": what people read (no role ids)."""
    titles = [ROLE_TITLES.get(r, r.replace("_", " ")) for r in roles]
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " or " + titles[-1]


def _refusal(roles: tuple[str, ...]) -> Reply:
    return Reply(f"Concern reports are opened only by the safeguarding team. Role needed: {_role_titles(roles)}. "
                 "If you have a concern yourself, type *report a concern*.", private=True)


def _not_yours_or_missing() -> Reply:
    """One reply for a reference that does not exist and a report routed to someone else.

    Told apart, they would let a reader learn that a report exists which is kept from them: for a
    DSL or a Headteacher, that a concern about them has been raised."""
    return Reply("There is no concern report with that reference that you can open. Check the reference, or type "
                 f"*open reports* for the ones routed to you. Role needed: the one the report is routed to "
                 f"({_role_titles(store.ANY_READER_ROLES)}).", private=True)


# --- intake state (sealed) ------------------------------------------------------------------------

def _load(services: Services, who: str) -> tuple[FlowState, dict] | None:
    flow = state_store.get_state(services.db, who)
    if flow is None or flow.flow != FLOW:
        return None
    sealed = flow.data.get("sealed")
    intake = cipher_for(services.db).decrypt_json(sealed) if sealed else {}
    intake.setdefault("answers", {})
    intake.setdefault("attachments", [])
    intake.setdefault("previous", {})
    return flow, intake


def _save(services: Services, who: str, step: str, intake: dict, started_at: str | None = None) -> None:
    existing = state_store.get_state(services.db, who)
    plain = dict(existing.data) if existing and existing.flow == FLOW else {}
    plain["sealed"] = cipher_for(services.db).encrypt_json(intake)
    plain.setdefault("started_at", started_at or store.iso(services.now()))
    plain.setdefault("reminded", False)
    state_store.set_state(services.db, who, FlowState(FLOW, step, plain), services.now())


def _new_intake(incoming: Incoming) -> dict:
    return {"answers": {}, "attachments": [], "previous": {}, "ref": None,
            "form_mode": incoming.channel in FORM_CHANNELS}


def _next_step(intake: dict) -> str:
    for step in STEPS:
        if step not in intake["answers"]:
            if intake.get("form_mode") and step in DETAIL_STEPS:
                return "form"
            return step
    return "confirm"


# --- prompts --------------------------------------------------------------------------------------

def _controls_note() -> str:
    return "Type *back* to change your last answer, or *cancel* to stop."


def _prompt(step: str, intake: dict, services: Services, problem: str | None = None) -> Reply:
    lead = f"{problem}\n\n" if problem else ""
    previous = intake["previous"].get(step)
    keep = (f"\n\nYou said before: \u201c{previous if isinstance(previous, str) else ', '.join(previous)}\u201d. "
            "Type *keep* to use that again.") if previous else ""
    if step == "danger":
        return Reply(lead + "First: is a child in immediate danger right now?",
                     title="Report a concern", private=True, notes=[_controls_note()],
                     buttons=[Button("Yes, a child is in danger now", "report.answer",
                                     {"step": "danger", "value": "yes"}, style="danger"),
                              Button("No", "report.answer", {"step": "danger", "value": "no"})])
    if step == "about_staff":
        return Reply(lead + "Is the concern about a member of staff, a volunteer or another adult who "
                     "works at the school (an allegation)? It changes who receives it.",
                     private=True, notes=[_controls_note()],
                     buttons=[Button(label, "report.answer", {"step": "about_staff", "value": value})
                              for value, label in ABOUT_STAFF])
    if step == "category":
        listing = "\n".join(f"{n}. {label}" for n, (_v, label) in enumerate(CATEGORIES, 1))
        return Reply(lead + "What kind of concern is it? Reply with a number or press a button.\n" + listing,
                     private=True, notes=[_controls_note()],
                     buttons=[Button(label, "report.answer", {"step": "category", "value": value})
                              for value, label in CATEGORIES])
    texts = {
        "what": "What happened? Describe it in your own words: what you saw, heard or were told. "
                "Use the child's own words where you can.",
        "who": "Who is involved? The child or children, and any adults, as far as you know.",
        "when": "When did it happen, or when did you find out? (for example: today at 9:15)",
        "where": "Where did it happen? If online: the platform and a link if you have one; "
                 "otherwise the place.",
        "evidence": "Any evidence, such as screenshots or links? Attach files or paste links now, or "
                    "type *none*. Do not copy, save or forward images of a child that may be "
                    "indecent: describe them instead.",
    }
    if step in texts:
        return Reply(lead + texts[step] + keep, private=True, notes=[_controls_note()])
    if step == "form":
        return _form_reply(intake, lead)
    if step == "confirm":
        return _summary_reply(intake, lead)
    if step == "edit":
        return Reply(lead + "Which part would you like to change? Type its number or name.\n"
                     + numbered([(s, STEP_LABELS[s]) for s in DETAIL_STEPS]), private=True,
                     buttons=[Button(STEP_LABELS[s], "report.answer", {"step": "edit", "value": s})
                              for s in DETAIL_STEPS])
    raise ValueError(f"unknown step {step}")


def _form_reply(intake: dict, lead: str = "") -> Reply:
    answers = intake["answers"]
    evidence = answers.get("evidence") or []
    fields = (
        FormField("category", "What kind of concern is it?", kind="choice", options=CATEGORIES,
                  initial=answers.get("category", "")),
        FormField("what", "What happened?", kind="multiline", initial=answers.get("what", ""),
                  placeholder="What you saw, heard or were told, in your own words"),
        FormField("who", "Who is involved?", kind="multiline", initial=answers.get("who", "")),
        FormField("when", "When did it happen, or when did you find out?", initial=answers.get("when", "")),
        FormField("where", "Where? (platform and link, or the place)", initial=answers.get("where", "")),
        FormField("evidence", "Evidence (links; describe images, never forward them)", kind="multiline",
                  required=False, initial="\n".join(evidence)),
    )
    return Reply(lead + "Please fill in the form. It goes only to the safeguarding team.",
                 title="Report a concern", private=True, notes=[_controls_note()],
                 form=Form("Report a concern", "report.submit", fields, submit_label="Review"))


def _evidence_list(intake: dict) -> list[str]:
    return [*intake["attachments"], *(intake["answers"].get("evidence") or [])]


def _keep_files(incoming: Incoming, services: Services, intake: dict, step: str) -> tuple[list[dict], str]:
    """Check and store the attached files with the intake (sealed), and save the intake at once so
    their names stay with it; the files, and what to tell the reporter about them."""
    if not incoming.files:
        return [], ""
    with services.db.atomic():
        kept, refused = evidence.keep(services, incoming, attachments.INTAKE, incoming.who)
        if kept:
            intake["attachments"].extend(f["name"] for f in kept)
            _save(services, incoming.who, step, intake)
    said = []
    if kept:
        said.append(f"I've kept {', '.join(f['name'] for f in kept)} as evidence, encrypted.")
    said.extend(refused)
    return kept, " ".join(said) + " "


CONFIRM_CHOICES = (("send", "Send to the DSL"), ("edit", "Change something"), ("cancel", "Cancel"))


def _summary_reply(intake: dict, lead: str = "") -> Reply:
    answers = intake["answers"]
    facts = [("Category", CATEGORY_LABELS.get(answers.get("category"), "")),
             *[(STEP_LABELS[s], answers.get(s, "")) for s in TEXT_STEPS],
             ("Evidence", ", ".join(_evidence_list(intake)) or "none")]
    return Reply(lead + "Here is your report. Send it to the safeguarding team, or change something first.",
                 title="Check your report", private=True, facts=facts,
                 notes=["Type 1 to send it, 2 to change something, or 3 to cancel."],
                 buttons=[Button("Send to the DSL", "report.confirm", {}, style="primary"),
                          Button("Change something", "report.edit", {}),
                          Button("Cancel", "report.cancel", {})])


# --- alerts ---------------------------------------------------------------------------------------

def _recipients(services: Services, roles: tuple[str, ...], routing: store.Routing) -> list:
    people, seen = [], set()
    for role in roles:
        for person in people_with_role(services.db, role):
            if person.id not in seen and not person.has_role(*routing.excluded_roles):
                seen.add(person.id)
                people.append(person)
    return people


def _report_buttons(ref: str, status: str = "open", viewing: bool = False) -> list[Button]:
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
                 buttons=_report_buttons(report["ref"], report.get("status") or "open"),
                 data={"report_ref": report["ref"]})


def _alert(services: Services, report: dict, kind: str, roles: tuple[str, ...] | None = None,
           heading: str = "Concern report", lead: str = "A concern has been reported to you.",
           urgent: bool | None = None) -> int:
    """Queue one alert per recipient (inside the caller's transaction). The key makes it once-only."""
    routing = store.ROUTINGS[report["routing"]]
    people = _recipients(services, roles or routing.alert_roles, routing)
    if not people:  # nobody holds the role: never drop an alert, go to the fallback
        people = _recipients(services, routing.fallback_roles, routing)
    for person in people:
        services.notify(Notification(
            person.id, _alert_reply(report, heading, lead), key=f"report:{report['ref']}:{kind}:{person.id}",
            urgent=bool(report["urgent"] if urgent is None else urgent)))
    return len(people)


def _tell_reporter(services: Services, report: dict, kind: str, text: str) -> None:
    services.notify(Notification(report["reporter_id"], Reply(text, title=f"Your report {report['ref']}",
                                                             private=True, confidential=True),
                                 key=f"report:{report['ref']}:{kind}"))


# --- starting -------------------------------------------------------------------------------------

START_PATTERN = re.compile(
    r"^\s*(?:please\s+)?(?:i\s+(?:want|need|would\s+like|wish|have)\s+to\s+(?:report|raise)\b"
    r"|(?:report|raise)\s+(?:a\s+)?(?:safeguarding\s+)?concern\b"
    r"|report\s+a\s+safeguarding\b|make\s+a\s+(?:safeguarding\s+|concern\s+)?report\b"
    r"|report\s*$)", re.IGNORECASE)


def start(incoming: Incoming, services: Services) -> list[Reply]:
    loaded = _load(services, incoming.who)
    if loaded is not None:
        flow, intake = loaded
        return _privately(incoming, [Reply("You have a concern report in progress; let's carry on.",
                                           private=True), _prompt(flow.step, intake, services)])
    intake = _new_intake(incoming)
    with services.db.atomic():
        attachments.delete_owned(services.db, attachments.INTAKE, incoming.who)  # an abandoned intake's
        _save(services, incoming.who, "danger", intake)
    return _privately(incoming, [_prompt("danger", intake, services)])


# --- answering each step --------------------------------------------------------------------------

def _parse_choice(step: str, raw: str) -> str | None:
    text = raw.lower().strip(" .!?")
    if step == "danger":
        return "yes" if text in YES else "no" if text in NO else None
    options = ABOUT_STAFF if step == "about_staff" else CATEGORIES
    values = [v for v, _ in options]
    if text.isdigit() and 1 <= int(text) <= len(options):
        return values[int(text) - 1]
    if text in values:
        return text
    for value, label in options:
        if text == label.lower():
            return value
    if step == "about_staff":
        if text in NO:
            return "no"
        if "headteacher" in text or text in ("head", "the head"):
            return "headteacher"
        if "dsl" in text or "safeguarding lead" in text:
            return "dsl"
        if text in ("staff", "another member of staff", "volunteer", "a member of staff"):
            return "staff"
    if step == "category":
        keywords = (("child", ("child", "safeguarding")), ("staff_social_media", ("staff",)),
                    ("pupil_misuse", ("pupil",)), ("parent_misuse", ("parent", "carer")),
                    ("other", ("other", "something else")))
        found = [value for value, words in keywords if any(w in text for w in words)]
        if len(found) == 1:
            return found[0]
    return None


def _answer(incoming: Incoming, services: Services, flow: FlowState, intake: dict,
            raw: str) -> list[Reply]:
    """Apply one answer to the current step; a bad answer re-asks and loses nothing."""
    step, who = flow.step, incoming.who
    text = _clean(raw)
    kept_files, notice = _keep_files(incoming, services, intake, step)

    if step in ("danger", "about_staff", "category"):
        value = _parse_choice(step, text) if text else None
        if value is None:
            problem = notice + {
                "danger": "Please answer *yes* or *no*: is a child in immediate danger right now?",
                "about_staff": "Please choose one of the options (1 to 4).",
                "category": "Please choose a kind of concern: a number from 1 to 5.",
            }[step]
            if text and _has_words(text) and len(text.split()) >= 5 and "what" not in intake["answers"]:
                # Someone who starts telling us what happened must not lose it.
                intake["answers"]["what"] = text
                problem = ("I've kept what you wrote as the description of what happened; you can "
                           "change it before sending. " + problem)
            with services.db.atomic():
                _save(services, who, step, intake)
            return _privately(incoming, [_prompt(step, intake, services, problem)])
        return _accept(incoming, services, intake, step, value, notice)

    if step in TEXT_STEPS:
        if text.lower() == "keep" and intake["previous"].get(step):
            return _accept(incoming, services, intake, step, intake["previous"][step], notice)
        problem = None
        if not text:
            problem = notice + "I need a few words for this one."
        elif not _has_words(text):
            problem = "Please describe it in words (emoji alone don't tell the DSL enough)."
        elif len(text) > MAX_ANSWER_LENGTH:
            problem = f"That's too long for one answer; please keep it under {MAX_ANSWER_LENGTH:,} characters."
        if problem:
            with services.db.atomic():
                _save(services, who, step, intake)
            return _privately(incoming, [_prompt(step, intake, services, problem)])
        return _accept(incoming, services, intake, step, text, notice)

    if step == "evidence":
        if text.lower() == "keep" and intake["previous"].get(step):
            return _accept(incoming, services, intake, step, intake["previous"][step], notice)
        if text and not _has_words(text) and not kept_files:
            problem = "Please attach a file, paste a link, describe the evidence, or type *none*."
            return _privately(incoming, [_prompt(step, intake, services, problem)])
        if not text and not kept_files:
            return _privately(incoming, [_prompt(step, intake, services, notice + "Attach a file or type *none*.")])
        if len(text) > MAX_ANSWER_LENGTH:
            return _privately(incoming, [_prompt(step, intake, services,
                                                 f"Please keep it under {MAX_ANSWER_LENGTH:,} characters.")])
        items = [] if text.lower().strip(" .!") in NONE_WORDS or not text else [text]
        return _accept(incoming, services, intake, step, items, notice)

    if step == "edit":
        chosen = typed_choice(text, [(s, STEP_LABELS[s]) for s in DETAIL_STEPS])  # "3" or "Who is involved"
        if chosen:
            return _edit_step(incoming, services, intake, chosen)
        return _privately(incoming, [_prompt("edit", intake, services, "Please pick one of the parts.")])

    if step == "form":
        if kept_files:
            with services.db.atomic():
                _save(services, who, step, intake)
        return _privately(incoming, [_prompt("form", intake, services,
                                             notice + "Please use the form (or type *cancel*).")])

    if step == "confirm":
        chosen = typed_choice(text, CONFIRM_CHOICES)  # the summary's buttons, by number or words
        if text.lower() in ("send", "confirm", "yes", "submit", "send it") or chosen == "send":
            return confirm(incoming, services)
        if text.lower() in ("edit", "change", "change something") or chosen == "edit":
            return _go_to(incoming, services, intake, "edit")
        if chosen == "cancel":
            return cancel(incoming, services)
        if kept_files:
            with services.db.atomic():
                _save(services, who, step, intake)
        return _privately(incoming, [_prompt("confirm", intake, services,
                                             notice + "Type *send* to send it, *edit* to change something, "
                                             "or *cancel*.")])
    return _privately(incoming, [_prompt(step, intake, services)])


def _go_to(incoming: Incoming, services: Services, intake: dict, step: str,
           lead: list[Reply] | None = None) -> list[Reply]:
    with services.db.atomic():
        _save(services, incoming.who, step, intake)
    return _privately(incoming, [*(lead or []), _prompt(step, intake, services)])


def _edit_step(incoming: Incoming, services: Services, intake: dict, step: str) -> list[Reply]:
    if intake.get("form_mode"):
        return _go_to(incoming, services, intake, "form")
    if step in intake["answers"]:
        intake["previous"][step] = intake["answers"].pop(step)
    return _go_to(incoming, services, intake, step)


def _accept(incoming: Incoming, services: Services, intake: dict, step: str, value: Any,
            notice: str = "") -> list[Reply]:
    intake["answers"][step] = value
    intake["previous"].pop(step, None)
    lead: list[Reply] = []
    with services.db.atomic():
        if step == "danger" and value == "yes" and not intake.get("ref"):
            report = _file_urgent_now(incoming, services, intake)
            lead.append(_urgent_reply(services, report))
        if step == "about_staff" and intake.get("ref"):
            _reroute_urgent(incoming, services, intake, ROUTING_FOR_ABOUT[value])
        next_step = _next_step(intake)
        _save(services, incoming.who, next_step, intake)
    return _privately(incoming, [*lead, _prompt(next_step, intake, services, notice.strip() or None)])


def _urgent_reply(services: Services, report: dict) -> Reply:
    dsl = people_with_role(services.db, "dsl")
    dsl_name = f" ({dsl[0].name})" if dsl else ""
    if report_limits.is_held(services, report):
        return Reply(f"Call 999 now if the child is at risk of harm, and tell the DSL{dsl_name} in person now. "
                     f"Your report is recorded as {report['ref']}. {report_limits.held_note(services)} "
                     "When the child is safe, answer a few questions here to add the details.",
                     title="A child in immediate danger: act now", private=True)
    return Reply(f"Call 999 now if the child is at risk of harm, and tell the DSL{dsl_name} in person now. "
                 f"I have sent the safeguarding team an urgent alert (reference {report['ref']}). "
                 "When the child is safe, answer a few questions here to add the details.",
                 title="A child in immediate danger: act now", private=True)


def _file_urgent_now(incoming: Incoming, services: Services, intake: dict) -> dict:
    """File an urgent report at once (no details yet) and queue its urgent alert; caller's transaction.

    Danger is asked first, so the allegation question is usually not answered yet: the alert then
    goes to the DSL and deputy (content-free) and the report is re-routed once the answer comes.
    """
    report = store.create_report(
        services.db, short_code=services.config.short_code, year=services.today().year,
        reporter_id=incoming.who, reporter_name=incoming.person.name if incoming.person else incoming.who,
        category=intake["answers"].get("category"), urgent=True,
        routing=ROUTING_FOR_ABOUT.get(intake["answers"].get("about_staff"), "standard"), content={}, now=services.now(),
        details_complete=False)
    intake["ref"] = report["ref"]
    store.audit(services.db, incoming.who, report["ref"], "file_urgent", True, services.now())
    if report_limits.over_limit(services, incoming.who):
        report_limits.hold(services, report)
    else:
        _alert(services, report, "alert", heading="URGENT concern report",
               lead="A child may be in immediate danger. The details are still being given.")
    return report


def _reroute_urgent(incoming: Incoming, services: Services, intake: dict, routing: str) -> None:
    report = store.get_report(services.db, intake["ref"])
    if report["routing"] != routing:
        report = store.set_routing(services.db, report["ref"], routing, incoming.who, services.now())
        if report_limits.is_held(services, report):
            return  # its summary reads the routing when it is sent
        _alert(services, report, "alert", heading="URGENT concern report",
               lead="A child may be in immediate danger. The details are still being given.")


# --- the flow, buttons and commands ---------------------------------------------------------------

def continue_flow(incoming: Incoming, services: Services, flow: FlowState) -> list[Reply]:
    loaded = _load(services, incoming.who)
    if loaded is None:
        return start(incoming, services)
    flow, intake = loaded
    text = _clean(incoming.text)
    if not incoming.private:
        # Content belongs in the private chat, never in a channel: do not take it from here.
        return _privately(incoming, [Reply("Your concern report is waiting in our private chat; please "
                                           "answer there. If you posted details in the channel, delete "
                                           "that message.", private=True),
                                     _prompt(flow.step, intake, services)])
    lowered = text.lower().strip(" .!")
    if lowered in ("cancel", "stop", "quit", "exit", "abort", "never mind", "nevermind"):
        return cancel(incoming, services)
    if lowered == "back":
        return back(incoming, services)
    if lowered in ("help", "?"):
        return _privately(incoming, [_prompt(flow.step, intake, services,
                                             "You're in the middle of a concern report. Answer the question "
                                             "below, type *back* to change your last answer, or *cancel* to stop.")])
    if START_PATTERN.match(text) and len(text.split()) <= 5:
        return start(incoming, services)  # "report a concern" again: resume, don't take it as an answer
    return _answer(incoming, services, flow, intake, incoming.text)


def cancel(incoming: Incoming, services: Services) -> list[Reply]:
    loaded = _load(services, incoming.who)
    urgent_ref = loaded[1].get("ref") if loaded else None
    with services.db.atomic():
        state_store.clear_state(services.db, incoming.who)
        if urgent_ref:  # the urgent report stays open, and keeps the evidence already given
            attachments.move(services.db, attachments.INTAKE, incoming.who, attachments.REPORT, urgent_ref)
        else:
            attachments.delete_owned(services.db, attachments.INTAKE, incoming.who)
    if loaded and loaded[1].get("ref"):
        ref = loaded[1]["ref"]
        return _privately(incoming, [Reply(
            f"Stopped. Your urgent report {ref} has already reached the safeguarding team and stays "
            f"open; to add details later type *add to {ref}:* followed by what you want to add.")])
    return _privately(incoming, [Reply("Cancelled. Nothing was saved or sent. If you still have a "
                                       "concern, tell the DSL in person.")])


def back(incoming: Incoming, services: Services) -> list[Reply]:
    """Reopen the question before the current one (its old answer offered with *keep*)."""
    loaded = _load(services, incoming.who)
    if loaded is None:
        return start(incoming, services)
    flow, intake = loaded
    step = flow.step
    if intake.get("form_mode") and step in ("confirm", "edit"):
        return _go_to(incoming, services, intake, "form")
    if step == "edit":
        return _go_to(incoming, services, intake, "confirm")
    position = {"confirm": len(STEPS), "form": STEPS.index("category")}.get(step)
    if position is None:
        position = STEPS.index(step) if step in STEPS else 0
    if position == 0:
        return _privately(incoming, [_prompt(step, intake, services, "This is the first question.")])
    previous = STEPS[position - 1]
    if previous == "danger" and intake.get("ref"):
        return _privately(incoming, [_prompt(step, intake, services,
                                             "The urgent alert has already gone to the safeguarding "
                                             "team, so that answer can't be changed.")])
    if intake.get("form_mode") and previous in DETAIL_STEPS:
        return _go_to(incoming, services, intake, "form")
    if previous in intake["answers"]:
        intake["previous"][previous] = intake["answers"].pop(previous)
    return _go_to(incoming, services, intake, previous)


def _button_answer(incoming: Incoming, services: Services) -> list[Reply]:
    step = str(incoming.value.get("step", ""))
    value = str(incoming.value.get("value", ""))
    loaded = _load(services, incoming.who)
    if loaded is None:
        if step == "danger" and value == "yes":
            # A child in danger comes first, even from an old button: start and file urgently.
            start(incoming, services)
            loaded = _load(services, incoming.who)
        else:
            return start(incoming, services)
    flow, intake = loaded
    if step == "edit" and flow.step in ("edit", "confirm") and value in DETAIL_STEPS:
        return _edit_step(incoming, services, intake, value)
    if step == "danger" and value == "yes" and flow.step != "danger" and not intake.get("ref"):
        # "Yes, a child is in danger" pressed after answering no: act on it at once, then carry on.
        with services.db.atomic():
            intake["answers"]["danger"] = "yes"
            report = _file_urgent_now(incoming, services, intake)
            _save(services, incoming.who, flow.step, intake)
        return _privately(incoming, [_urgent_reply(services, report), _prompt(flow.step, intake, services)])
    if step != flow.step:
        return _privately(incoming, [_prompt(flow.step, intake, services,
                                             "That button belongs to an earlier question.")])
    return _answer(incoming, services, flow, intake, value)


def _edit(incoming: Incoming, services: Services) -> list[Reply]:
    loaded = _load(services, incoming.who)
    if loaded is None:
        return start(incoming, services)
    _flow, intake = loaded
    if intake.get("form_mode"):
        return _go_to(incoming, services, intake, "form")
    return _go_to(incoming, services, intake, "edit")


def submit_form(incoming: Incoming, services: Services) -> list[Reply]:
    """The intake form (Slack modal / Adaptive Card). A bad field re-shows the form with every value kept."""
    loaded = _load(services, incoming.who)
    if loaded is None:  # no intake (expired, or after a restart that lost nothing): keep the values anyway
        intake = _new_intake(incoming)
        intake["form_mode"] = True
    else:
        _flow, intake = loaded
    values = incoming.value or {}
    problems = []
    category = str(values.get("category") or "").strip()
    if category in CATEGORY_LABELS:
        intake["answers"]["category"] = category
    else:
        problems.append("choose what kind of concern it is")
    for step in TEXT_STEPS:
        raw = values.get(step)
        text = _clean(raw if isinstance(raw, str) else "")
        if text and len(text) > MAX_ANSWER_LENGTH:
            problems.append(f"keep '{STEP_LABELS[step]}' under {MAX_ANSWER_LENGTH:,} characters")
            intake["answers"][step] = text[:MAX_ANSWER_LENGTH]
        elif text and _has_words(text):
            intake["answers"][step] = text
        else:
            intake["answers"].pop(step, None)
            problems.append(f"describe '{STEP_LABELS[step]}' in words")
    raw_evidence = values.get("evidence")
    evidence = _clean(raw_evidence if isinstance(raw_evidence, str) else "")
    if len(evidence) > MAX_ANSWER_LENGTH:
        problems.append(f"keep 'Evidence' under {MAX_ANSWER_LENGTH:,} characters")
        evidence = evidence[:MAX_ANSWER_LENGTH]
    intake["answers"]["evidence"] = [line.strip() for line in evidence.splitlines()
                                     if line.strip() and line.strip().lower() not in NONE_WORDS]
    _kept, notice = _keep_files(incoming, services, intake, "form")
    if problems:
        with services.db.atomic():
            _save(services, incoming.who, "form", intake)
        return _privately(incoming, [_prompt("form", intake, services,
                                             notice + "Nearly there: please " + "; ".join(problems) + ".")])
    next_step = _next_step(intake)
    with services.db.atomic():
        _save(services, incoming.who, next_step, intake)
    return _privately(incoming, [_prompt(next_step, intake, services, notice.strip() or None)])


def confirm(incoming: Incoming, services: Services) -> list[Reply]:
    """File the report (or complete the urgent one), alert, end the intake: one transaction; then ack."""
    loaded = _load(services, incoming.who)
    if loaded is None:
        return _privately(incoming, [Reply("There is no report waiting to be sent. Type *report a concern* "
                                           "to start one, or *my reports* to see the ones you sent.")])
    flow, intake = loaded
    if _next_step(intake) != "confirm":
        return _privately(incoming, [_prompt(flow.step, intake, services,
                                             "A few answers are still missing.")])
    answers = intake["answers"]
    content = {"category": CATEGORY_LABELS[answers["category"]], "what": answers["what"],
               "who": answers["who"], "when": answers["when"], "where": answers["where"],
               "evidence": _evidence_list(intake), "danger": answers["danger"],
               "about_staff": answers["about_staff"]}
    routing = ROUTING_FOR_ABOUT[answers["about_staff"]]
    db, now = services.db, services.now()
    with db.atomic():
        if intake.get("ref"):
            report = store.update_details(db, intake["ref"], content=content, category=answers["category"],
                                          routing=routing, actor_id=incoming.who, now=now, complete=True)
            held = report_limits.is_held(services, report)
            if not held:
                _alert(services, report, "details", heading="Details added to urgent report",
                       lead="The reporter has now given the details.")
        else:
            report = store.create_report(
                db, short_code=services.config.short_code, year=services.today().year,
                reporter_id=incoming.who,
                reporter_name=incoming.person.name if incoming.person else incoming.who,
                category=answers["category"], urgent=False, routing=routing, content=content, now=now,
                details_complete=True)
            held = report_limits.over_limit(services, incoming.who)
            if held:
                report_limits.hold(services, report)
            else:
                _alert(services, report, "alert")
        attachments.move(db, attachments.INTAKE, incoming.who, attachments.REPORT, report["ref"])
        store.audit(db, incoming.who, report["ref"], "file", True, now)
        state_store.clear_state(db, incoming.who)
    alerted = ("and the safeguarding team has been alerted." if not held else
               f"and filed for the safeguarding team. {report_limits.held_note(services)}")
    return _privately(incoming, [Reply(
        f"Received. Your report is safely recorded as {report['ref']} {alerted} I'll tell you when it has "
        f"been read. Type *status {report['ref']}* at any time, "
        f"or *add to {report['ref']}:* followed by anything else you remember.",
        title="Report received", facts=[("Reference", report["ref"])],
        data={"report_ref": report["ref"]})])


# --- the safeguarding team's side ------------------------------------------------------------------

def _authorise(incoming: Incoming, services: Services, ref: str | None, action: str) -> tuple[dict | None, list[Reply]]:
    """Re-check the role and the report's routing for every read or change, and audit the attempt."""
    db, now, person = services.db, services.now(), incoming.person
    standard = store.ROUTINGS["standard"].reader_roles
    if person is None or not person.has_role(*store.ANY_READER_ROLES):
        with db.atomic():
            store.audit(db, incoming.who, ref, action, False, now, f"role needed: {_roles_phrase(standard)}")
        return None, _privately(incoming, [_refusal(standard)])
    report = store.get_report(db, ref) if ref else None
    if report is None:
        with db.atomic():
            store.audit(db, incoming.who, ref, action, False, now, "no such report")
        return None, _privately(incoming, [_not_yours_or_missing()])
    routing = store.ROUTINGS[report["routing"]]
    if not person.has_role(*routing.reader_roles) or person.has_role(*routing.excluded_roles):
        with db.atomic():
            store.audit(db, incoming.who, report["ref"], action, False, now,
                        f"role needed: {_roles_phrase(routing.reader_roles)}")
        return None, _privately(incoming, [_not_yours_or_missing()])
    return report, []


def _ref_from(incoming: Incoming) -> str | None:
    ref = incoming.value.get("ref") if isinstance(incoming.value, dict) else None
    if not isinstance(ref, str) or not ref.strip() or len(ref.strip()) > 40:  # a forged or broken payload
        return None
    return ref.strip().upper()


def _read_receipt(services: Services, report: dict, reader) -> None:
    if report["read_receipt_sent"]:
        return
    store.update(services.db, report["ref"], {"read_receipt_sent": 1, "first_read_at": store.iso(services.now()),
                                              "first_read_by": reader.id}, services.now())
    _tell_reporter(services, report, "read",
                   f"Your concern report {report['ref']} has been read by {reader.name}"
                   f"{f' ({reader.job_title})' if reader.job_title else ''}. Thank you for reporting it.")


def view(incoming: Incoming, services: Services, ref: str | None = None) -> list[Reply]:
    report, refusal = _authorise(incoming, services, ref or _ref_from(incoming), "view")
    if report is None:
        return refusal
    with services.db.atomic():
        store.audit(services.db, incoming.who, report["ref"], "view", True, services.now())
        _read_receipt(services, report, incoming.person)
    content = store.content_of(services.db, report)
    events = store.events_of(services.db, report)
    facts = [("Reference", report["ref"]), ("Raised by", report["reporter_name"]),
             ("Raised at", _when(services, report["created_at"])),
             ("Urgency", "URGENT" if report["urgent"] else "Normal"),
             ("Status", report["status"]), *store.content_summary(content)]
    chronology = []
    for e in events:
        if e["kind"] not in EVENT_LABELS:
            continue
        label = EVENT_LABELS[e["kind"]]
        body = "" if not e["body"] or e["body"] == label else f": {e['body']}"
        chronology.append(f"{_when(services, e['at'])} — {label} by {_person_name(services, e['actor_id'])}{body}")
    if not report["details_complete"]:
        facts.append(("Details", "still being given by the reporter"))
    files = attachments.listing(services.db, attachments.REPORT, report["ref"])
    if files:
        facts.append(("Evidence files", evidence.describe(files)))
    file_buttons = [Button(f"Open {f['name']}", "report.file", {"ref": report["ref"], "file": f["id"]})
                    for f in files[:10]]
    return _privately(incoming, [Reply("Confidential: for the safeguarding team only.",
                                       title=f"Concern report {report['ref']}", facts=facts,
                                       notes=chronology,
                                       buttons=_report_buttons(report["ref"], report["status"], viewing=True)
                                       + file_buttons,
                                       private=True)])


def authorised_file(incoming: Incoming, services: Services, attachment_id: object,
                    action: str = "view_file") -> tuple[dict | None, list[Reply]]:
    """One evidence file for someone who may read its report: the same checks as View, and an
    audit row for every attempt (allowed or not) naming the file."""
    try:
        attachment_id = int(attachment_id)
    except (TypeError, ValueError):
        attachment_id = 0
    owner = attachments.owner_of(services.db, attachment_id) if attachment_id > 0 else None
    ref = owner[1] if owner and owner[0] == attachments.REPORT else None
    if ref is None:
        with services.db.atomic():
            store.audit(services.db, incoming.who, None, action, False, services.now(),
                        f"no such evidence file {attachment_id}")
        return None, _privately(incoming, [Reply("There is no such evidence file.")])
    report, refusal = _authorise(incoming, services, ref, action)
    if report is None:
        return None, refusal
    with services.db.atomic():
        store.audit(services.db, incoming.who, report["ref"], action, True, services.now(), f"file {attachment_id}")
    return attachments.read(services.db, attachment_id), []


def open_file(incoming: Incoming, services: Services) -> list[Reply]:
    """The Open button under an evidence file: the file itself, to this person only."""
    found, refusal = authorised_file(incoming, services, incoming.value.get("file"))
    if found is None:
        return refusal
    return _privately(incoming, [evidence.file_reply(
        services, found["id"], f"Evidence for {found['owner_ref']}: {found['name']}. Confidential: "
        "do not forward or save it anywhere else.")])


def acknowledge(incoming: Incoming, services: Services, ref: str | None = None) -> list[Reply]:
    report, refusal = _authorise(incoming, services, ref or _ref_from(incoming), "acknowledge")
    if report is None:
        return refusal
    db, now = services.db, services.now()
    already = _already(services, report)
    with db.atomic():
        store.audit(db, incoming.who, report["ref"], "acknowledge", True, now, "already" if already else "")
        if already is None:
            store.update(db, report["ref"], {"status": "acknowledged", "acknowledged_at": store.iso(now),
                                             "acknowledged_by": incoming.who}, now)
            store.add_event(db, report["id"], "acknowledged", incoming.who, now, "Acknowledged")
            _read_receipt(services, report, incoming.person)
    if already:
        return _privately(incoming, [Reply(already, buttons=_report_buttons(report["ref"], report["status"]))])
    return _privately(incoming, [Reply(f"Acknowledged {report['ref']}. The reporter has been told it has "
                                       "been read.", buttons=_report_buttons(report["ref"], "acknowledged"))])


def note_form(incoming: Incoming, services: Services, ref: str | None = None) -> list[Reply]:
    report, refusal = _authorise(incoming, services, ref or _ref_from(incoming), "note_open")
    if report is None:
        return refusal
    return _privately(incoming, [Reply(
        f"Add a note to {report['ref']} (or type *note {report['ref']}: your note*).",
        form=Form(f"Note on {report['ref']}", "report.note_save",
                  (FormField("note", "Note", kind="multiline"),), submit_label="Add note",
                  value={"ref": report["ref"]}))])


def save_note(incoming: Incoming, services: Services, ref: str | None = None,
              text: str | None = None) -> list[Reply]:
    ref = ref or _ref_from(incoming)
    report, refusal = _authorise(incoming, services, ref, "note")
    if report is None:
        return refusal
    raw = text if text is not None else incoming.value.get("note")
    note = _clean(raw if isinstance(raw, str) else "")
    if not note or not _has_words(note) or len(note) > MAX_ANSWER_LENGTH:
        return _privately(incoming, [Reply(
            f"The note needs some words (up to {MAX_ANSWER_LENGTH:,} characters). Nothing was added.")]
            ) + note_form(incoming, services, report["ref"])
    db, now = services.db, services.now()
    with db.atomic():
        store.add_event(db, report["id"], "note", incoming.who, now, note)
        store.audit(db, incoming.who, report["ref"], "note", True, now)
        store.update(db, report["ref"], {}, now)
    return _privately(incoming, [Reply(f"Note added to {report['ref']}.",
                                       buttons=_report_buttons(report["ref"], report["status"]))])


def close_form(incoming: Incoming, services: Services, ref: str | None = None) -> list[Reply]:
    report, refusal = _authorise(incoming, services, ref or _ref_from(incoming), "close_open")
    if report is None:
        return refusal
    if report["status"] == "closed":
        return _privately(incoming, [Reply(_already(services, report))])
    if not _shows_forms(incoming):
        # The terminal has no forms: one button per outcome (the details can follow as a note).
        return _privately(incoming, [Reply(
            f"Close {report['ref']} with which outcome? The reporter will be told it has been closed.",
            buttons=[Button(label, "report.close_save", {"ref": report["ref"], "outcome": value})
                     for value, label in OUTCOMES])])
    # Everywhere else only the form: choosing the outcome and its details, then one deliberate press.
    return _privately(incoming, [Reply(
        f"Close {report['ref']} with an outcome. The reporter will be told it has been closed.",
        form=Form(f"Close {report['ref']}", "report.close_save",
                  (FormField("outcome", "Outcome", kind="choice", options=OUTCOMES),
                   FormField("detail", "Details of the outcome", kind="multiline", required=False)),
                  submit_label="Close report", value={"ref": report["ref"]}))])


def save_close(incoming: Incoming, services: Services) -> list[Reply]:
    report, refusal = _authorise(incoming, services, _ref_from(incoming), "close")
    if report is None:
        return refusal
    if report["status"] == "closed":  # a second press, or a replayed form: the first one stands
        return _privately(incoming, [Reply(_already(services, report))])
    outcome = str(incoming.value.get("outcome") or "")
    raw = incoming.value.get("detail")
    detail = _clean(raw if isinstance(raw, str) else "")
    if outcome not in OUTCOME_LABELS or len(detail) > MAX_ANSWER_LENGTH:
        return _privately(incoming, [Reply("Please choose an outcome (and keep the details under "
                                           f"{MAX_ANSWER_LENGTH:,} characters). Nothing was changed.")]
                          ) + close_form(incoming, services, report["ref"])
    db, now = services.db, services.now()
    with db.atomic():
        store.update(db, report["ref"], {"status": "closed", "closed_at": store.iso(now), "closed_by": incoming.who,
                                         "outcome": outcome,
                                         "outcome_detail": store.encrypt(db, detail) if detail else None}, now)
        store.add_event(db, report["id"], "closed", incoming.who, now,
                        OUTCOME_LABELS[outcome] + (f": {detail}" if detail else ""))
        store.audit(db, incoming.who, report["ref"], "close", True, now)
        _tell_reporter(services, report, "closed",
                       f"Your concern report {report['ref']} has been dealt with and closed by the "
                       "safeguarding team. Thank you for raising it.")
    return _privately(incoming, [Reply(f"Closed {report['ref']}: {OUTCOME_LABELS[outcome]}.")])


def open_reports(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    standard = store.ROUTINGS["standard"].reader_roles
    db, now = services.db, services.now()
    visible = [] if person is None else [
        r for r in store.open_reports(db)
        if person.has_role(*store.ROUTINGS[r["routing"]].reader_roles)
        and not person.has_role(*store.ROUTINGS[r["routing"]].excluded_roles)]
    if not visible and (person is None or not person.has_role(*standard)):
        # One gate: the safeguarding team always has the list (empty or not); anyone else only while
        # a report is routed to them, as the Chair of Governors may be. Everyone else is refused.
        with db.atomic():
            store.audit(db, incoming.who, None, "list", False, now, f"role needed: {_roles_phrase(standard)}")
        return _privately(incoming, [_refusal(standard)])
    with db.atomic():
        store.audit(db, incoming.who, None, "list", True, now, f"{len(visible)} open")
    if not visible:
        return _privately(incoming, [Reply("No open concern reports.")])
    lines = []
    for r in visible:
        age = now - store.parse_iso(r["created_at"])
        lines.append(f"{r['ref']}: {'URGENT, ' if r['urgent'] else ''}"
                     f"{CATEGORY_LABELS.get(r['category'] or '', 'details pending')}; {r['status']}; "
                     f"raised by {r['reporter_name']} {_ago(age)}")
    return _privately(incoming, [Reply("\n".join(lines), title=f"Open concern reports ({len(visible)})",
                                       buttons=[Button(f"View {r['ref']}", "report.view", {"ref": r["ref"]})
                                                for r in visible[:10]])])


def export(incoming: Incoming, services: Services, ref: str | None = None) -> list[Reply]:
    report, refusal = _authorise(incoming, services, ref or _ref_from(incoming), "export")
    if report is None:
        return refusal
    with services.db.atomic():
        store.audit(services.db, incoming.who, report["ref"], "export", True, services.now())
    text = store.export_chronology_csv(services.db, report["ref"], services.config.timezone)
    return _privately(incoming, [Reply(text, title=f"Chronology of {report['ref']} (CSV)",
                                       data={"csv": text, "filename": f"{report['ref']}-chronology.csv"})])


# --- the reporter's side ----------------------------------------------------------------------------

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
            found, _refused = _authorise(incoming, services, ref, "status")
            if found is not None:
                report = found
                with services.db.atomic():
                    store.audit(services.db, incoming.who, ref, "status", True, services.now())
        if report is None:
            return _privately(incoming, [Reply(f"I can't find a report {ref} that you raised. "
                                               "Type *my reports* to see yours.")])
    read = "yes" if report["read_receipt_sent"] else "not yet"
    return _privately(incoming, [Reply(f"Status: {_status_words(report)}.",
                                       title=f"Report {report['ref']}",
                                       facts=[("Sent", _when(services, report["created_at"])), ("Read", read)])])


def my_reports(incoming: Incoming, services: Services) -> list[Reply]:
    mine = store.reports_by(services.db, incoming.who)
    with services.db.atomic():
        store.audit(services.db, incoming.who, None, "my_reports", True, services.now(), f"{len(mine)} reports")
    if not mine:
        return _privately(incoming, [Reply("You haven't sent any concern reports. Type *report a concern* to "
                                           "start one.")])
    lines = [f"{r['ref']} ({r['created_at'][:10]}): {_status_words(r)}" for r in mine]
    return _privately(incoming, [Reply("\n".join(lines), title="Your concern reports")])


def add_information(incoming: Incoming, services: Services, ref: str, text: str) -> list[Reply]:
    ref = ref.upper()
    text = _clean(text)
    if not text and not incoming.files:
        return _privately(incoming, [Reply(f"Type *add to {ref}:* followed by what you want to add.")])
    if text and not _has_words(text) and not incoming.files:
        return _privately(incoming, [Reply("Please add it in words (emoji alone don't tell the DSL enough).")])
    report = _own_report(incoming, services, ref, "add_information")
    if report is None:
        return _privately(incoming, [Reply(f"I can't find a report {ref} that you raised. Nothing was added. "
                                           "Type *my reports* to see yours.")])
    db, now = services.db, services.now()
    with db.atomic():
        kept, refused = evidence.keep(services, incoming, attachments.REPORT, report["ref"])
        if not text and not kept:
            return _privately(incoming, [Reply(" ".join(refused) + " Nothing was added.")])
        body = "\n".join([text, *[f"Attachment: {f['name']}" for f in kept]]).strip()
        store.add_event(db, report["id"], "added_by_reporter", incoming.who, now, body)
        report = store.update(db, report["ref"], {}, now)
        count = db.execute("SELECT count(*) FROM report_events WHERE report_id = ?", [report["id"]]).fetchone()[0]
        _alert(services, report, f"info{count}", heading="New information on",
               lead="The reporter has added information.", urgent=False)
    replies = [Reply(" ".join([f"Added to {report['ref']}. The safeguarding team has been told.", *refused]))]
    if not incoming.private:
        replies[0].text += " Please delete the message you posted in the channel."
    return _privately(incoming, replies)


# --- routing tables ---------------------------------------------------------------------------------

def _text_route(pattern: str, handle: Callable[[Incoming, Services, re.Match], list[Reply]], name: str) -> TextRoute:
    compiled = re.compile(pattern, re.IGNORECASE | re.DOTALL)
    return TextRoute(name, lambda incoming, services: bool(compiled.match(_clean(incoming.text))),
                     lambda incoming, services: handle(incoming, services, compiled.match(_clean(incoming.text))))


TEXT_ROUTES = [
    TextRoute("report.start", lambda incoming, services: bool(START_PATTERN.match(_clean(incoming.text))), start,
              interrupts_flows=True),
    _text_route(r"^my\s+(?:concern\s+)?reports?[.!?]?$", lambda i, s, m: my_reports(i, s), "report.mine"),
    _text_route(rf"^status\s+(?:of\s+)?{REF}\s*$", lambda i, s, m: status(i, s, m.group(1)), "report.status"),
    _text_route(rf"^add\s+to\s+{REF}\s*[:\-]?\s*(.*)$", lambda i, s, m: add_information(i, s, m.group(1), m.group(2)),
                "report.add"),
    _text_route(r"^(?:open|list)\s+(?:concern\s+)?reports[.!?]?$", lambda i, s, m: open_reports(i, s), "report.open"),
    _text_route(rf"^(?:view|show|open)\s+(?:report\s+)?{REF}\s*$", lambda i, s, m: view(i, s, m.group(1).upper()),
                "report.view"),
    _text_route(rf"^export\s+(?:report\s+)?{REF}\s*$", lambda i, s, m: export(i, s, m.group(1).upper()), "report.export"),
    _text_route(rf"^(?:ack|acknowledge)\s+{REF}\s*$", lambda i, s, m: acknowledge(i, s, m.group(1).upper()),
                "report.ack"),
    _text_route(rf"^note\s+{REF}\s*[:\-]?\s*(.*)$",
                lambda i, s, m: save_note(i, s, m.group(1).upper(), m.group(2)), "report.note"),
    _text_route(rf"^close\s+{REF}\s*$", lambda i, s, m: close_form(i, s, m.group(1).upper()), "report.close"),
]

SUB_ACTIONS: dict[str, Callable[[Incoming, Services], list[Reply]]] = {
    "start": start, "answer": _button_answer, "back": back, "cancel": cancel, "edit": _edit,
    "confirm": confirm, "submit": submit_form, "view": view, "ack": acknowledge, "note": note_form,
    "note_save": save_note, "close": close_form, "close_save": save_close, "open": open_reports,
    "export": export, "file": open_file,
}


def handle_action(incoming: Incoming, services: Services) -> list[Reply]:
    name = (incoming.action or "").split(".", 1)[1] if "." in (incoming.action or "") else ""
    handler = SUB_ACTIONS.get(name)
    if handler is None:
        return _privately(incoming, [Reply("That button is no longer active. Type *report a concern* to "
                                           "start a report.")])
    if not isinstance(incoming.value, dict):
        incoming = replace(incoming, value={})
    return handler(incoming, services)


ACTIONS = {"report": handle_action}
FLOWS = {FLOW: continue_flow}


# --- ticks: escalation and reminders ------------------------------------------------------------------

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
                            f"escalated to {_role_titles(routing.escalate_roles)}")
            _alert(services, fresh, "escalated", roles=routing.escalate_roles,
                   heading="ESCALATED: unacknowledged concern report",
                   lead=f"Nobody has acknowledged this report within "
                        f"{services.config.report_escalation_minutes} minutes.", urgent=True)
        escalated += 1
    return escalated


def remind_unfinished_intakes(services: Services) -> int:
    """An intake left for a day gets one private reminder (no content in it)."""
    db, now = services.db, services.now()
    cutoff = store.iso(now - INTAKE_REMINDER_AFTER)
    reminded = 0
    for row in db["conversation_state"].rows_where("flow = ? AND updated_at <= ?", [FLOW, cutoff]):
        data = json.loads(row["data"] or "{}")
        if data.get("reminded"):
            continue
        data["reminded"] = True
        with db.atomic():
            db["conversation_state"].update(row["who"], {"data": json.dumps(data)})
            services.notify(Notification(row["who"], Reply(
                "You started a concern report and haven't sent it yet. What you wrote is saved privately. "
                "Reply here to carry on, or type *cancel*. If a child is at risk, tell the DSL in person now.",
                title="Your unfinished concern report", private=True, confidential=True),
                key=f"report:intake-reminder:{row['who']}:{data.get('started_at', '')}"))
        reminded += 1
    return reminded


TICKS = [escalate_unacknowledged, remind_unfinished_intakes, report_limits.send_held_alerts,
         report_limits.escalate_summarised]
