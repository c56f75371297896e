"""Filing a report: at once when a child is in danger (then re-routed once the allegation question
is answered), and from the summary or the form. Filing, alerting and ending the intake are one
transaction; the reporter hears "received" only after it committed."""
from __future__ import annotations

from domain.messages import Incoming, Reply
from handlers.context import Services
from handlers.reports import limits
from handlers.reports.alerts import alert_team
from handlers.reports.common import (CATEGORY_LABELS, MAX_ANSWER_LENGTH, NONE_WORDS, ROUTING_FOR_ABOUT, STEP_LABELS,
                                     TEXT_STEPS, clean_text, has_words, privately)
from handlers.reports.intake_steps import (evidence_list, keep_files, load_intake, new_intake, next_step_of,
                                           prompt_for, save_intake)
from storage import attachments
from storage import reports as store
from storage import state as state_store
from storage.roster import people_with_role

def urgent_reply(services: Services, report: dict) -> Reply:
    dsl = people_with_role(services.db, "dsl")
    dsl_name = f" ({dsl[0].name})" if dsl else ""
    if limits.is_held(services, report):
        return Reply(f"Call 999 now if the child is at risk of harm, and tell the DSL{dsl_name} in person now. "
                     f"Your report is recorded as {report['ref']}. {limits.held_note(services)} "
                     "When the child is safe, answer a few questions here to add the details.",
                     title="A child in immediate danger: act now", private=True)
    return Reply(f"Call 999 now if the child is at risk of harm, and tell the DSL{dsl_name} in person now. "
                 f"I have sent the safeguarding team an urgent alert (reference {report['ref']}). "
                 "When the child is safe, answer a few questions here to add the details.",
                 title="A child in immediate danger: act now", private=True)


def file_urgent_now(incoming: Incoming, services: Services, intake: dict) -> dict:
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
    if limits.over_limit(services, incoming.who):
        limits.hold(services, report)
    else:
        alert_team(services, report, "alert", heading="URGENT concern report",
               lead="A child may be in immediate danger. The details are still being given.")
    return report


def reroute_urgent(incoming: Incoming, services: Services, intake: dict, routing: str) -> None:
    report = store.get_report(services.db, intake["ref"])
    if report["routing"] != routing:
        report = store.set_routing(services.db, report["ref"], routing, incoming.who, services.now())
        if limits.is_held(services, report):
            return  # its summary reads the routing when it is sent
        alert_team(services, report, "alert", heading="URGENT concern report",
               lead="A child may be in immediate danger. The details are still being given.")


def submit_form(incoming: Incoming, services: Services) -> list[Reply]:
    """The intake form (Slack modal / Adaptive Card). A bad field re-shows the form with every value kept."""
    loaded = load_intake(services, incoming.who)
    if loaded is None:  # no intake (expired, or after a restart that lost nothing): keep the values anyway
        intake = new_intake(incoming)
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
        text = clean_text(raw if isinstance(raw, str) else "")
        if text and len(text) > MAX_ANSWER_LENGTH:
            problems.append(f"keep '{STEP_LABELS[step]}' under {MAX_ANSWER_LENGTH:,} characters")
            intake["answers"][step] = text[:MAX_ANSWER_LENGTH]
        elif text and has_words(text):
            intake["answers"][step] = text
        else:
            intake["answers"].pop(step, None)
            problems.append(f"describe '{STEP_LABELS[step]}' in words")
    raw_evidence = values.get("evidence")
    evidence = clean_text(raw_evidence if isinstance(raw_evidence, str) else "")
    if len(evidence) > MAX_ANSWER_LENGTH:
        problems.append(f"keep 'Evidence' under {MAX_ANSWER_LENGTH:,} characters")
        evidence = evidence[:MAX_ANSWER_LENGTH]
    intake["answers"]["evidence"] = [line.strip() for line in evidence.splitlines()
                                     if line.strip() and line.strip().lower() not in NONE_WORDS]
    _kept, notice = keep_files(incoming, services, intake, "form")
    if problems:
        with services.db.atomic():
            save_intake(services, incoming.who, "form", intake)
        return privately(incoming, [prompt_for("form", intake, services,
                                             notice + "Nearly there: please " + "; ".join(problems) + ".")])
    next_step = next_step_of(intake)
    with services.db.atomic():
        save_intake(services, incoming.who, next_step, intake)
    return privately(incoming, [prompt_for(next_step, intake, services, notice.strip() or None)])


def confirm(incoming: Incoming, services: Services) -> list[Reply]:
    """File the report (or complete the urgent one), alert, end the intake: one transaction; then ack."""
    loaded = load_intake(services, incoming.who)
    if loaded is None:
        return privately(incoming, [Reply("There is no report waiting to be sent. Type *report a concern* "
                                           "to start one, or *my reports* to see the ones you sent.")])
    flow, intake = loaded
    if next_step_of(intake) != "confirm":
        return privately(incoming, [prompt_for(flow.step, intake, services,
                                             "A few answers are still missing.")])
    answers = intake["answers"]
    content = {"category": CATEGORY_LABELS[answers["category"]], "what": answers["what"],
               "who": answers["who"], "when": answers["when"], "where": answers["where"],
               "evidence": evidence_list(intake), "danger": answers["danger"],
               "about_staff": answers["about_staff"]}
    routing = ROUTING_FOR_ABOUT[answers["about_staff"]]
    db, now = services.db, services.now()
    with db.atomic():
        if intake.get("ref"):
            report = store.update_details(db, intake["ref"], content=content, category=answers["category"],
                                          routing=routing, actor_id=incoming.who, now=now, complete=True)
            held = limits.is_held(services, report)
            if not held:
                alert_team(services, report, "details", heading="Details added to urgent report",
                       lead="The reporter has now given the details.")
        else:
            report = store.create_report(
                db, short_code=services.config.short_code, year=services.today().year,
                reporter_id=incoming.who,
                reporter_name=incoming.person.name if incoming.person else incoming.who,
                category=answers["category"], urgent=False, routing=routing, content=content, now=now,
                details_complete=True)
            held = limits.over_limit(services, incoming.who)
            if held:
                limits.hold(services, report)
            else:
                alert_team(services, report, "alert")
        attachments.move(db, attachments.INTAKE, incoming.who, attachments.REPORT, report["ref"])
        store.audit(db, incoming.who, report["ref"], "file", True, now)
        state_store.clear_state(db, incoming.who)
    alerted = ("and the safeguarding team has been alerted." if not held else
               f"and filed for the safeguarding team. {limits.held_note(services)}")
    return privately(incoming, [Reply(
        f"Received. Your report is safely recorded as {report['ref']} {alerted} I'll tell you when it has "
        f"been read. Type *status {report['ref']}* at any time, "
        f"or *add to {report['ref']}:* followed by anything else you remember.",
        title="Report received", facts=[("Reference", report["ref"])],
        data={"report_ref": report["ref"]})])
