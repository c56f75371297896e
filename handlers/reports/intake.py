"""The intake as a guided conversation: starting, each answer, *back*, *cancel*, the step buttons.
A bad answer re-asks and loses nothing; every reply is private."""
from __future__ import annotations

import re
from typing import Any

from domain.messages import Incoming, Reply
from handlers.context import Services
from handlers.flow_words import typed_choice
from handlers.reports.common import (ABOUT_STAFF, CATEGORIES, DETAIL_STEPS, MAX_ANSWER_LENGTH, NO,
                                     NONE_WORDS, ROUTING_FOR_ABOUT, STEP_LABELS, STEPS, TEXT_STEPS, YES, clean_text,
                                     has_words, privately)
from handlers.reports.filing import confirm, file_urgent_now, reroute_urgent, urgent_reply
from handlers.reports.intake_steps import CONFIRM_CHOICES, keep_files, load_intake, new_intake, next_step_of, prompt_for, save_intake
from storage import attachments
from storage import state as state_store
from storage.state import FlowState

START_PATTERN = re.compile(
    r"^\s*(?:please\s+)?(?:i\s+(?:want|need|would\s+like|wish|have)\s+to\s+(?:report|raise)\b"
    r"|(?:report|raise)\s+(?:a\s+)?(?:safeguarding\s+)?concern\b"
    r"|report\s+a\s+safeguarding\b|make\s+a\s+(?:safeguarding\s+|concern\s+)?report\b"
    r"|report\s*$)", re.IGNORECASE)


def start(incoming: Incoming, services: Services) -> list[Reply]:
    loaded = load_intake(services, incoming.who)
    if loaded is not None:
        flow, intake = loaded
        return privately(incoming, [Reply("You have a concern report in progress; let's carry on.",
                                           private=True), prompt_for(flow.step, intake, services)])
    intake = new_intake(incoming)
    with services.db.atomic():
        attachments.delete_owned(services.db, attachments.INTAKE, incoming.who)  # an abandoned intake's
        save_intake(services, incoming.who, "danger", intake)
    return privately(incoming, [prompt_for("danger", intake, services)])


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
    text = clean_text(raw)
    kept_files, notice = keep_files(incoming, services, intake, step)

    if step in ("danger", "about_staff", "category"):
        value = _parse_choice(step, text) if text else None
        if value is None:
            problem = notice + {
                "danger": "Please answer *yes* or *no*: is a child in immediate danger right now?",
                "about_staff": "Please choose one of the options (1 to 4).",
                "category": "Please choose a kind of concern: a number from 1 to 5.",
            }[step]
            if text and has_words(text) and len(text.split()) >= 5 and "what" not in intake["answers"]:
                # Someone who starts telling us what happened must not lose it.
                intake["answers"]["what"] = text
                problem = ("I've kept what you wrote as the description of what happened; you can "
                           "change it before sending. " + problem)
            with services.db.atomic():
                save_intake(services, who, step, intake)
            return privately(incoming, [prompt_for(step, intake, services, problem)])
        return _accept(incoming, services, intake, step, value, notice)

    if step in TEXT_STEPS:
        if text.lower() == "keep" and intake["previous"].get(step):
            return _accept(incoming, services, intake, step, intake["previous"][step], notice)
        problem = None
        if not text:
            problem = notice + "I need a few words for this one."
        elif not has_words(text):
            problem = "Please describe it in words (emoji alone don't tell the DSL enough)."
        elif len(text) > MAX_ANSWER_LENGTH:
            problem = f"That's too long for one answer; please keep it under {MAX_ANSWER_LENGTH:,} characters."
        if problem:
            with services.db.atomic():
                save_intake(services, who, step, intake)
            return privately(incoming, [prompt_for(step, intake, services, problem)])
        return _accept(incoming, services, intake, step, text, notice)

    if step == "evidence":
        if text.lower() == "keep" and intake["previous"].get(step):
            return _accept(incoming, services, intake, step, intake["previous"][step], notice)
        if text and not has_words(text) and not kept_files:
            problem = "Please attach a file, paste a link, describe the evidence, or type *none*."
            return privately(incoming, [prompt_for(step, intake, services, problem)])
        if not text and not kept_files:
            return privately(incoming, [prompt_for(step, intake, services, notice + "Attach a file or type *none*.")])
        if len(text) > MAX_ANSWER_LENGTH:
            return privately(incoming, [prompt_for(step, intake, services,
                                                 f"Please keep it under {MAX_ANSWER_LENGTH:,} characters.")])
        items = [] if text.lower().strip(" .!") in NONE_WORDS or not text else [text]
        return _accept(incoming, services, intake, step, items, notice)

    if step == "edit":
        chosen = typed_choice(text, [(s, STEP_LABELS[s]) for s in DETAIL_STEPS])  # "3" or "Who is involved"
        if chosen:
            return _edit_step(incoming, services, intake, chosen)
        return privately(incoming, [prompt_for("edit", intake, services, "Please pick one of the parts.")])

    if step == "form":
        if kept_files:
            with services.db.atomic():
                save_intake(services, who, step, intake)
        return privately(incoming, [prompt_for("form", intake, services,
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
                save_intake(services, who, step, intake)
        return privately(incoming, [prompt_for("confirm", intake, services,
                                             notice + "Type *send* to send it, *edit* to change something, "
                                             "or *cancel*.")])
    return privately(incoming, [prompt_for(step, intake, services)])


def _go_to(incoming: Incoming, services: Services, intake: dict, step: str,
           lead: list[Reply] | None = None) -> list[Reply]:
    with services.db.atomic():
        save_intake(services, incoming.who, step, intake)
    return privately(incoming, [*(lead or []), prompt_for(step, intake, services)])


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
            report = file_urgent_now(incoming, services, intake)
            lead.append(urgent_reply(services, report))
        if step == "about_staff" and intake.get("ref"):
            reroute_urgent(incoming, services, intake, ROUTING_FOR_ABOUT[value])
        next_step = next_step_of(intake)
        save_intake(services, incoming.who, next_step, intake)
    return privately(incoming, [*lead, prompt_for(next_step, intake, services, notice.strip() or None)])


def continue_flow(incoming: Incoming, services: Services, flow: FlowState) -> list[Reply]:
    loaded = load_intake(services, incoming.who)
    if loaded is None:
        return start(incoming, services)
    flow, intake = loaded
    text = clean_text(incoming.text)
    if not incoming.private:
        # Content belongs in the private chat, never in a channel: do not take it from here.
        return privately(incoming, [Reply("Your concern report is waiting in our private chat; please "
                                           "answer there. If you posted details in the channel, delete "
                                           "that message.", private=True),
                                     prompt_for(flow.step, intake, services)])
    lowered = text.lower().strip(" .!")
    if lowered in ("cancel", "stop", "quit", "exit", "abort", "never mind", "nevermind"):
        return cancel(incoming, services)
    if lowered == "back":
        return back(incoming, services)
    if lowered in ("help", "?"):
        return privately(incoming, [prompt_for(flow.step, intake, services,
                                             "You're in the middle of a concern report. Answer the question "
                                             "below, type *back* to change your last answer, or *cancel* to stop.")])
    if START_PATTERN.match(text) and len(text.split()) <= 5:
        return start(incoming, services)  # "report a concern" again: resume, don't take it as an answer
    return _answer(incoming, services, flow, intake, incoming.text)


def cancel(incoming: Incoming, services: Services) -> list[Reply]:
    loaded = load_intake(services, incoming.who)
    urgent_ref = loaded[1].get("ref") if loaded else None
    with services.db.atomic():
        state_store.clear_state(services.db, incoming.who)
        if urgent_ref:  # the urgent report stays open, and keeps the evidence already given
            attachments.move(services.db, attachments.INTAKE, incoming.who, attachments.REPORT, urgent_ref)
        else:
            attachments.delete_owned(services.db, attachments.INTAKE, incoming.who)
    if loaded and loaded[1].get("ref"):
        ref = loaded[1]["ref"]
        return privately(incoming, [Reply(
            f"Stopped. Your urgent report {ref} has already reached the safeguarding team and stays "
            f"open; to add details later type *add to {ref}:* followed by what you want to add.")])
    return privately(incoming, [Reply("Cancelled. Nothing was saved or sent. If you still have a "
                                       "concern, tell the DSL in person.")])


def back(incoming: Incoming, services: Services) -> list[Reply]:
    """Reopen the question before the current one (its old answer offered with *keep*)."""
    loaded = load_intake(services, incoming.who)
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
        return privately(incoming, [prompt_for(step, intake, services, "This is the first question.")])
    previous = STEPS[position - 1]
    if previous == "danger" and intake.get("ref"):
        return privately(incoming, [prompt_for(step, intake, services,
                                             "The urgent alert has already gone to the safeguarding "
                                             "team, so that answer can't be changed.")])
    if intake.get("form_mode") and previous in DETAIL_STEPS:
        return _go_to(incoming, services, intake, "form")
    if previous in intake["answers"]:
        intake["previous"][previous] = intake["answers"].pop(previous)
    return _go_to(incoming, services, intake, previous)


def button_answer(incoming: Incoming, services: Services) -> list[Reply]:
    step = str(incoming.value.get("step", ""))
    value = str(incoming.value.get("value", ""))
    loaded = load_intake(services, incoming.who)
    if loaded is None:
        if step == "danger" and value == "yes":
            # A child in danger comes first, even from an old button: start and file urgently.
            start(incoming, services)
            loaded = load_intake(services, incoming.who)
        else:
            return start(incoming, services)
    flow, intake = loaded
    if step == "edit" and flow.step in ("edit", "confirm") and value in DETAIL_STEPS:
        return _edit_step(incoming, services, intake, value)
    if step == "danger" and value == "yes" and flow.step != "danger" and not intake.get("ref"):
        # "Yes, a child is in danger" pressed after answering no: act on it at once, then carry on.
        with services.db.atomic():
            intake["answers"]["danger"] = "yes"
            report = file_urgent_now(incoming, services, intake)
            save_intake(services, incoming.who, flow.step, intake)
        return privately(incoming, [urgent_reply(services, report), prompt_for(flow.step, intake, services)])
    if step != flow.step:
        return privately(incoming, [prompt_for(flow.step, intake, services,
                                             "That button belongs to an earlier question.")])
    return _answer(incoming, services, flow, intake, value)


def edit(incoming: Incoming, services: Services) -> list[Reply]:
    loaded = load_intake(services, incoming.who)
    if loaded is None:
        return start(incoming, services)
    _flow, intake = loaded
    if intake.get("form_mode"):
        return _go_to(incoming, services, intake, "form")
    return _go_to(incoming, services, intake, "edit")
