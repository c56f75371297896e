"""Submitting a post draft: the form, `draft: …` in one message, or guided questions; the pre-check
runs before anything goes to the approver."""
from __future__ import annotations

import re

from handlers.context import Services
from handlers.drafts.commands import DRAFT_MESSAGE, START_WORDS, escapes_flow
from handlers.drafts import media
from handlers.drafts.cards import draft_card, notify_approvers
from handlers.drafts.common import (MAX_DRAFT_CHARS, NONE_WORDS, PLATFORM_LABELS, PLATFORM_OPTIONS, SUBMIT_FLOW,
                                    current_approvers, may_submit, names_of, not_a_poster, parse_platform,
                                    local_time_text, parse_publish_time, run_check, short, split_names, uses_forms)
from handlers.flow_words import LEAVING, flow_command, numbered, typed_choice
from domain.messages import Button, Form, FormField, Incoming, Reply
from handlers.router import Handler
from storage import drafts as store
from storage import state as state_store


# --- submitting -------------------------------------------------------------------------------

def _take_photos(incoming: Incoming, services: Services) -> list[Reply]:
    """Keep the photos this message carries in the poster's intake; what to tell them (nothing when
    the message has none)."""
    if not incoming.files:
        return []
    kept, problems = media.keep_photos(services, incoming)
    lines = [f"Added {len(kept)} photo{'s' if len(kept) != 1 else ''} to the draft: "
             f"{', '.join(p['name'] for p in kept)}."] if kept else []
    return [Reply(" ".join(lines + problems))]


def _ask_who_is_pictured(incoming: Incoming, services: Services, data: dict, count: int) -> list[Reply]:
    state_store.set_state(services.db, incoming.who, state_store.FlowState(SUBMIT_FLOW, "pictured", data),
                          services.now())
    return [Reply(f"You've attached {count} photo{'s' if count != 1 else ''} but listed nobody as pictured. "
                  "Which pupils can be recognised in them? Full names separated by commas (I'll check each one "
                  "against the consent register), or *none* if no pupil can be recognised.")]


def submit(incoming: Incoming, services: Services, platform: str, text: str, photos: str,
           pictured: list[str], publish_at: str = "", nobody_listed_confirmed: bool = True) -> list[Reply]:
    """`photos`: what the poster typed about them; the photos attached are in their intake.
    `nobody_listed_confirmed`: False when the pictured field was left blank (not answered "none")."""
    person = incoming.person
    if not may_submit(services, person):  # re-checked at the last step: a revocation mid-way counts
        state_store.clear_state(services.db, incoming.who)
        return not_a_poster(services, person)
    text = (text or "").strip()
    if not text:
        return [Reply("The draft has no text. Type the post you'd like to publish (or *cancel*).")]
    if len(text) > MAX_DRAFT_CHARS:
        return [Reply(f"That draft is {len(text):,} characters long; please keep posts under "
                      f"{MAX_DRAFT_CHARS:,} characters. Nothing was saved.")]
    platform = platform if platform in PLATFORM_LABELS else "facebook"
    attached = media.intake(services, incoming.who)
    if attached and not pictured and not nobody_listed_confirmed:
        return _ask_who_is_pictured(incoming, services, {"platform": platform, "text": text, "photos": photos,
                                                         "publish_at": publish_at}, len(attached))
    described = media.describe(attached, photos)
    result = run_check(services, text, platform, pictured, described)
    if not result.ok:
        state_store.set_state(services.db, incoming.who, state_store.FlowState(
            SUBMIT_FLOW, "text", {"platform": platform, "photos": photos, "pictured": pictured,
                                  "publish_at": publish_at}), services.now())
        if uses_forms(incoming) and incoming.action:
            # Sent from the form: give the form back with everything kept, to correct in place.
            form = prefilled(submission_form(), {"platform": platform, "text": text, "photos": photos,
                                                  "pictured": ", ".join(pictured) or "none",
                                                  "publish_at": local_time_text(services, publish_at)})
            return [Reply(title="The pre-check found problems",
                          text=result.summary() + "\n\nNothing was sent for approval. Correct the draft below "
                               "and check it again, or type *cancel*.",
                          form=form, data={"check": result.to_json()})]
        return [Reply(title="The pre-check found problems",
                      text=result.summary() + "\n\nNothing was sent for approval. Send the corrected text "
                           "(add a line *pictured: names* to change the pupils listed), or type *cancel*.",
                      data={"check": result.to_json()})]
    if not current_approvers(services, person.id):
        return [Reply("There is nobody on the roster who can approve this (a Deputy Head, or a Headteacher "
                      "while the Deputy Head is away). Nothing was sent; please tell the IT manager.")]
    findings = [f.to_json() for f in result.findings]
    db = services.db
    with db.atomic():
        approvers = current_approvers(services, person.id)
        draft_id = store.create(db, person.id, platform, text, described, pictured, findings, result.ok,
                                approvers[0].id, incoming.channel, services.now(), publish_at=publish_at)
        media.attach_intake(services, incoming.who, draft_id)
        draft = store.get(db, draft_id)
        notify_approvers(services, draft)
        state_store.clear_state(db, incoming.who)
    card = draft_card(services, draft, title=f"Draft {draft.id} sent to {names_of(approvers)} for approval",
                      buttons=[Button("Withdraw", "draft.withdraw", {"draft_id": draft.id, "version": draft.version})],
                      extra=["I'll tell you when it's decided. Type *my drafts* to see where your drafts are."])
    return [card]


def start_submission(incoming: Incoming, services: Services) -> list[Reply]:
    if not may_submit(services, incoming.person):
        return not_a_poster(services, incoming.person)
    media.discard_intake(services, incoming.who)  # a new draft: no photos left from an abandoned one
    if uses_forms(incoming) and incoming.action:
        return [Reply(text="Fill in the draft and I'll pre-check it against the policy before it goes to the "
                           "Deputy Head. To add photos, send them to me in a message starting *draft:* with "
                           "the post's text instead.", form=submission_form())]
    state_store.set_state(services.db, incoming.who, state_store.FlowState(SUBMIT_FLOW, "platform", {}),
                          services.now())
    return [Reply("Let's write a post draft. " + STEP_PROMPTS["platform"] + " (type *cancel* at any point)")]


def submission_form(text: str = "", value: dict | None = None, action: str = "draft.submit") -> Form:
    return Form(
        title="Submit a post draft" if action == "draft.submit" else "Edit and resubmit",
        submit_action=action, value=dict(value or {}), submit_label="Check and submit",
        fields=(
            FormField("platform", "Platform", kind="choice",
                      options=(("facebook", "Facebook"), ("instagram", "Instagram"), ("both", "Both"))),
            FormField("text", "Post text", kind="multiline", initial=text),
            FormField("photos", "Photos attached or described", required=False,
                      placeholder="e.g. 3 photos of Year 4 at Marwell Zoo"),
            FormField("pictured", "Pupils pictured or named (full names, comma separated, or 'none')",
                      required=False, placeholder="none"),
            FormField("publish_at", "Publish at (optional; blank: as soon as it is approved)", required=False,
                      placeholder="e.g. 2026-12-04 15:30"),
        ))


def prefilled(form: Form, values: dict[str, str], submit_label: str | None = None) -> Form:
    """The same form with its fields filled in (a correction or an edit keeps what was typed)."""
    return Form(title=form.title, submit_action=form.submit_action, value=form.value,
                submit_label=submit_label or form.submit_label, fields=tuple(
                    FormField(f.name, f.label, f.kind, f.options, f.required, values.get(f.name, f.initial),
                              f.placeholder) for f in form.fields))


# "pictured: A, B" may close the message's last line; "named:" / "pupils:" only on a line of their own.
FIELD_LINE = re.compile(r"(?:(?<=\s)|^)(?P<field>pictured|photos?|platform|publish at)\s*:\s*(?P<value>[^\n]*)|"
                        r"^\s*(?P<field2>named|pupils)\s*:\s*(?P<value2>[^\n]*)", re.I | re.M)


def parse_fields(body: str, platform: str | None, photos: str = "",
                 publish_at: str = "") -> tuple[str, str | None, list[str] | None, str, str]:
    """Split `pictured: …`, `photos: …`, `platform: …` and `publish at: …` out of a typed draft
    (the time as typed: parse_publish_time reads it)."""
    pictured: list[str] | None = None
    for line in FIELD_LINE.finditer(body):
        field = (line.group("field") or line.group("field2")).lower()
        value = (line.group("value") if line.group("field") else line.group("value2")).strip()
        if field in ("pictured", "named", "pupils"):
            pictured = (pictured or []) + split_names(value)
        elif field.startswith("photo"):
            photos = ", ".join(p for p in (photos, value) if p)
        elif field == "platform":
            platform = parse_platform(value) or platform
        elif field == "publish at":
            publish_at = value
    return FIELD_LINE.sub("", body).strip(), platform, pictured, photos, publish_at


def handle_draft_message(incoming: Incoming, services: Services) -> list[Reply]:
    """`draft: <text>` with optional lines `pictured: A, B`, `photos: …`, `platform: instagram`."""
    if not may_submit(services, incoming.person):
        return not_a_poster(services, incoming.person)
    match = DRAFT_MESSAGE.match(incoming.text)
    text, platform, pictured, photos, when = parse_fields(
        match.group("body"), parse_platform(match.group("platform") or ""),
        "" if incoming.files else ", ".join(incoming.attachments))
    publish_at, problem = parse_publish_time(services, when)
    if problem:
        return [Reply(problem + " Nothing was saved; send the draft again.")]
    media.discard_intake(services, incoming.who)  # a new draft: no photos left from an abandoned one
    lead = _take_photos(incoming, services)
    if platform is None:
        named = re.match(r"^\s*(facebook|instagram|both)\s*[:\-]\s*", text, re.I)
        if named:
            platform, text = parse_platform(named.group(1)), text[named.end():].strip()
    platform = platform or "facebook"
    if pictured is None:
        state_store.set_state(services.db, incoming.who, state_store.FlowState(
            SUBMIT_FLOW, "pictured", {"platform": platform, "text": text, "photos": photos,
                                      "publish_at": publish_at}), services.now())
        return lead + [Reply("Which pupils are pictured or named in this post? Reply with their full names, "
                             "separated by commas, or *none*. I'll check each one against the consent register.")]
    return lead + submit(incoming, services, platform, text, photos, pictured, publish_at)


def looks_like_names(text: str) -> bool:
    names = split_names(text)
    return all(len(n.split()) <= 4 and not re.search(r"[!?:]|\d", n) for n in names)


STEP_PROMPTS = {
    "platform": f"Which platform is it for? {numbered(PLATFORM_OPTIONS)} (type the number or the name).",
    "text": "Send the text of the post, exactly as it should appear.",
    "photos": "Are there photos? Attach them here (and describe them if you like), or say *none*.",
    "pictured": "Which pupils are pictured or named? Full names separated by commas, or *none*. "
                "I'll check each one against the consent register.",
}
PREVIOUS_STEP = {"text": "platform", "photos": "text", "pictured": "photos"}
DRAFT_CHOICES = (("first", "Keep the first draft"), ("second", "Use the new draft"))


def _submission_help(flow: state_store.FlowState) -> list[Reply]:
    if flow.step == "choose":
        return [_choice_reply(flow.data, "You started a second draft while one was in progress. ")]
    return [Reply(title="Writing a post draft",
                  text=f"I'm asking about the post you're drafting. {STEP_PROMPTS.get(flow.step, '')}\n\n"
                       "It is pre-checked against the policy and then goes to the Deputy Head for approval. "
                       + LEAVING)]


def _submission_back(incoming: Incoming, services: Services, flow: state_store.FlowState) -> list[Reply]:
    previous = PREVIOUS_STEP.get(flow.step)
    if previous is None:
        return [Reply("This is the first question, so there is nothing to go back to. "
                      + STEP_PROMPTS.get(flow.step, "") + " Or type *cancel*.")]
    return _next_step(incoming, services, previous, dict(flow.data), "Going back. " + STEP_PROMPTS[previous])


def _choice_reply(data: dict, lead: str = "") -> Reply:
    first, second = data.get("first", {}).get("data", {}).get("text", ""), data.get("second", "")
    return Reply(title="Which draft should I keep?",
                 text=f"{lead}You have a draft in progress:\n\u201c{short(first, 120)}\u201d\n\n"
                      f"and you've just sent a new one:\n\u201c{short(second, 120)}\u201d\n\n"
                      f"Only one can be in progress. {numbered(DRAFT_CHOICES)} (type the number, "
                      "*first* or *new*, or *cancel* to drop both).",
                 buttons=[Button(label, "draft.choose", {"which": value}, style="primary" if value == "first" else None)
                          for value, label in DRAFT_CHOICES])


def _ask_which_draft(incoming: Incoming, services: Services, flow: state_store.FlowState, text: str) -> list[Reply]:
    """A second "draft: …" while one is in progress: ask which to keep, never drop the first silently."""
    data = {"first": {"step": flow.step, "data": dict(flow.data)}, "second": text}
    state_store.set_state(services.db, incoming.who, state_store.FlowState(SUBMIT_FLOW, "choose", data),
                          services.now())
    return [_choice_reply(data)]


def choose_draft(incoming: Incoming, services: Services, which: str | None) -> list[Reply]:
    flow = state_store.get_state(services.db, incoming.who)
    if flow is None or flow.flow != SUBMIT_FLOW or flow.step != "choose":
        return [Reply("That choice has already been made. Type *my drafts* to see your drafts.")]
    if which == "first":
        first = flow.data.get("first") or {}
        step = first.get("step") if first.get("step") in STEP_PROMPTS else "text"
        return _next_step(incoming, services, step, dict(first.get("data") or {}),
                          "Keeping your first draft; the new one was not saved. " + STEP_PROMPTS[step])
    if which == "second":
        state_store.clear_state(services.db, incoming.who)
        from dataclasses import replace

        return handle_draft_message(replace(incoming, text=flow.data.get("second", ""), action=None, value={}),
                                    services)
    return [_choice_reply(flow.data, "Please choose one. ")]


def continue_submission(incoming: Incoming, services: Services, flow: state_store.FlowState, *,
                        new_command: Handler) -> list[Reply]:
    text = (incoming.text or "").strip()
    data = dict(flow.data)
    if not may_submit(services, incoming.person):
        state_store.clear_state(services.db, incoming.who)
        return not_a_poster(services, incoming.person)
    command = flow_command(text)  # before any step reads it: "help" is never a pupil's name
    if command == "help":
        return _submission_help(flow)
    if command == "back":
        return _submission_back(incoming, services, flow) if flow.step != "choose" else _submission_help(flow)
    if flow.step == "choose":
        return choose_draft(incoming, services, typed_choice(text, DRAFT_CHOICES + (("second", "second"),)))
    if DRAFT_MESSAGE.match(text) and data.get("text"):
        return _ask_which_draft(incoming, services, flow, text)
    if START_WORDS.match(text):  # "draft" again: not the post's text or its photos
        return [Reply("You already have a draft in progress. " + STEP_PROMPTS.get(flow.step, "") + " " + LEAVING)]
    if escapes_flow(text):
        state_store.clear_state(services.db, incoming.who)
        return new_command(incoming, services)
    lead = _take_photos(incoming, services)
    return lead + _answer_step(incoming, services, flow, data, text)


def _answer_step(incoming: Incoming, services: Services, flow: state_store.FlowState, data: dict,
                 text: str) -> list[Reply]:
    if flow.step == "platform":
        platform = parse_platform(text)
        if platform is None:
            return [Reply(STEP_PROMPTS["platform"] + " Or type *help* or *cancel*.")]
        data["platform"] = platform
        return _next_step(incoming, services, "text", data,
                          f"{PLATFORM_LABELS[platform]} it is. Now send the text of the post, exactly as it should appear.")
    if flow.step == "text":
        if not text:
            return [Reply("Please send the text of the post (or *cancel*).")]
        text, platform, pictured, photos, when = parse_fields(text, data.get("platform"), data.get("photos", ""))
        publish_at, problem = parse_publish_time(services, when)
        if problem:
            return [Reply(problem + " Send the text again with the time corrected.")]
        data.update(text=text, platform=platform or "facebook", photos=photos,
                    publish_at=publish_at or data.get("publish_at", ""))
        if pictured is not None:
            data["pictured"] = pictured
        if "pictured" in data:  # correcting a draft the pre-check stopped: everything else is known
            return submit(incoming, services, data["platform"], text, photos, list(data["pictured"]),
                          data["publish_at"])
        return _next_step(incoming, services, "photos", data, STEP_PROMPTS["photos"])
    if flow.step == "photos":
        data["photos"] = "" if text.lower().strip(" .!") in NONE_WORDS else text
        if incoming.attachments and not incoming.files:  # named, not fetched: keep the names at least
            data["photos"] = ", ".join(p for p in (data["photos"], *incoming.attachments) if p)
        return _next_step(incoming, services, "pictured", data, STEP_PROMPTS["pictured"])
    if flow.step == "pictured":
        text = re.sub(r"^\s*(?:pictured|named|pupils)\s*:\s*", "", text, flags=re.I)  # "pictured: none"
        if not looks_like_names(text):
            return [Reply("That doesn't look like a list of names. Reply with the full names of the pupils "
                          "pictured or named, separated by commas (e.g. *Olivia Bennett, Noah Clarkson*), or *none*.")]
        return submit(incoming, services, data.get("platform", "facebook"), data.get("text", ""),
                      data.get("photos", ""), split_names(text), data.get("publish_at", ""))
    state_store.clear_state(services.db, incoming.who)
    return [Reply("Sorry, I lost track of that draft. Type *draft* to start again.")]


def _next_step(incoming: Incoming, services: Services, step: str, data: dict, prompt: str) -> list[Reply]:
    state_store.set_state(services.db, incoming.who, state_store.FlowState(SUBMIT_FLOW, step, data), services.now())
    return [Reply(prompt)]


def handle_form_submit(incoming: Incoming, services: Services) -> list[Reply]:
    value = incoming.value or {}
    platform = parse_platform(str(value.get("platform") or "")) or "facebook"
    photos = str(value.get("photos") or "").strip()
    if incoming.attachments:
        photos = ", ".join(p for p in (photos, *incoming.attachments) if p)
    publish_at, problem = parse_publish_time(services, str(value.get("publish_at") or ""))
    if problem:
        return [Reply(problem + " Nothing was sent; please submit the draft again.")]
    pictured = str(value.get("pictured") or "")
    return submit(incoming, services, platform, str(value.get("text") or ""), photos, split_names(pictured),
                  publish_at, nobody_listed_confirmed=bool(pictured.strip()))


