"""The intake's saved state (sealed with the report key) and the question asked at each step.

  danger → about_staff → category → what → who → when → where → evidence → confirm
(on a channel with forms: danger → about_staff → form → confirm)."""
from __future__ import annotations

from domain.messages import Button, Form, FormField, Incoming, Reply
from handlers import evidence
from handlers.channels import capabilities
from handlers.context import Services
from handlers.flow_words import numbered
from handlers.reports.common import (ABOUT_STAFF, CATEGORIES, CATEGORY_LABELS, DETAIL_STEPS, FLOW,
                                     STEP_LABELS, STEPS, TEXT_STEPS)
from storage import attachments
from storage import reports as store
from storage import state as state_store
from storage.crypto import cipher_for
from storage.state import FlowState

def load_intake(services: Services, who: str) -> tuple[FlowState, dict] | None:
    flow = state_store.get_state(services.db, who)
    if flow is None or flow.flow != FLOW:
        return None
    sealed = flow.data.get("sealed")
    intake = cipher_for(services.db).decrypt_json(sealed) if sealed else {}
    intake.setdefault("answers", {})
    intake.setdefault("attachments", [])
    intake.setdefault("previous", {})
    return flow, intake


def save_intake(services: Services, who: str, step: str, intake: dict, started_at: str | None = None) -> None:
    existing = state_store.get_state(services.db, who)
    plain = dict(existing.data) if existing and existing.flow == FLOW else {}
    plain["sealed"] = cipher_for(services.db).encrypt_json(intake)
    plain.setdefault("started_at", started_at or store.iso(services.now()))
    plain.setdefault("reminded", False)
    state_store.set_state(services.db, who, FlowState(FLOW, step, plain), services.now())


def new_intake(incoming: Incoming) -> dict:
    return {"answers": {}, "attachments": [], "previous": {}, "ref": None,
            "form_mode": capabilities(incoming).native_forms}


def next_step_of(intake: dict) -> str:
    for step in STEPS:
        if step not in intake["answers"]:
            if intake.get("form_mode") and step in DETAIL_STEPS:
                return "form"
            return step
    return "confirm"


# --- prompts --------------------------------------------------------------------------------------

def _controls_note() -> str:
    return "Type *back* to change your last answer, or *cancel* to stop."


def prompt_for(step: str, intake: dict, services: Services, problem: str | None = None) -> Reply:
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


def evidence_list(intake: dict) -> list[str]:
    return [*intake["attachments"], *(intake["answers"].get("evidence") or [])]


def keep_files(incoming: Incoming, services: Services, intake: dict, step: str) -> tuple[list[dict], str]:
    """Check and store the attached files with the intake (sealed), and save the intake at once so
    their names stay with it; the files, and what to tell the reporter about them."""
    if not incoming.files:
        return [], ""
    with services.db.atomic():
        kept, refused = evidence.keep(services, incoming, attachments.INTAKE, incoming.who)
        if kept:
            intake["attachments"].extend(f["name"] for f in kept)
            save_intake(services, incoming.who, step, intake)
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
             ("Evidence", ", ".join(evidence_list(intake)) or "none")]
    return Reply(lead + "Here is your report. Send it to the safeguarding team, or change something first.",
                 title="Check your report", private=True, facts=facts,
                 notes=["Type 1 to send it, 2 to change something, or 3 to cancel."],
                 buttons=[Button("Send to the DSL", "report.confirm", {}, style="primary"),
                          Button("Change something", "report.edit", {}),
                          Button("Cancel", "report.cancel", {})])


# --- alerts ---------------------------------------------------------------------------------------
