"""Post drafts: posters submit, the pre-check runs, the Deputy Head approves, the poster publishes.

Deny by default: every step re-reads the person's roles and the draft's current state and version
from the database, so a replayed or forged button (another user, an old version, a finished
draft) is refused with the reason. Each change is one transaction: the draft, its audit row and
the notification it causes commit together or not at all.
"""
from __future__ import annotations

import difflib
import re
from datetime import datetime, timedelta
from typing import Any

from handlers.context import Services
from handlers.flow_words import LEAVING, flow_command, numbered, typed_choice
from handlers.messages import Button, Form, FormField, Incoming, Notification, Person, Reply
from handlers.router import TextRoute
from handlers.schedule import format_moment
from knowledge.consent import ConsentRegister
from knowledge.draft_checker import CheckResult, channels_of, check_draft, load_policy
from storage import drafts as store
from storage import roster
from storage import state as state_store

PLATFORM_LABELS = {"facebook": "Facebook", "instagram": "Instagram", "both": "Facebook and Instagram"}
MAX_DRAFT_CHARS = 10_000
SUBMIT_FLOW = "draft_submit"
REASON_FLOW = "draft_reason"
EDIT_FLOW = "draft_edit"
NONE_WORDS = frozenset({"none", "no", "nobody", "no one", "noone", "n/a", "na", "nil", "-", "no pupils", "nobody pictured"})


# --- who may do what --------------------------------------------------------------------------

def is_poster(services: Services, person: Person | None) -> bool:
    """Authorised by the IT manager in chat, or (unless revoked in chat) a roster "poster"."""
    if person is None:
        return False
    status = store.poster_status(services.db, person.id)
    if status is not None:
        return status == "authorised"
    return person.has_role("poster")


def may_submit(services: Services, person: Person | None) -> bool:
    # The policy: the accounts are managed by the Deputy Head and the IT manager; others post only
    # when the IT manager has authorised them.
    return person is not None and (is_poster(services, person) or person.has_role("deputy_head", "it_manager"))


def current_approvers(services: Services, submitter_id: str) -> list[Person]:
    """The Deputy Head; the Headteacher instead while the Deputy Head is away (or is the submitter)."""
    db = services.db
    deputies = [p for p in roster.people_with_role(db, "deputy_head")
                if p.id != submitter_id and not roster.is_away(db, p.id)]
    if deputies:
        return deputies
    return [p for p in roster.people_with_role(db, "headteacher") if p.id != submitter_id]


def approval_refusal(services: Services, person: Person | None, draft: store.Draft) -> str | None:
    """Why this person may not decide on this draft, or None when they may."""
    if person is None:
        return "I don't know who you are, so I can't let you approve drafts. Ask the IT manager to link your account."
    if person.id == draft.submitter_id:
        return "Nobody can approve their own draft. It has gone to someone else to approve."
    if any(p.id == person.id for p in current_approvers(services, draft.submitter_id)):
        return None
    if person.has_role("headteacher"):
        return ("The Deputy Head approves post drafts. The Headteacher can act only while the Deputy Head is "
                "marked away (they type *I'm away*).")
    return ("Only the Deputy Head can approve, reject or send back post drafts — or the "
            "Headteacher while the Deputy Head is marked away.")


def _names(people: list[Person]) -> str:
    names = [p.name for p in people]
    return " or ".join(names) if names else "the IT manager"


def _not_a_poster(services: Services, person: Person | None) -> list[Reply]:
    managers = roster.people_with_role(services.db, "it_manager")
    who = _names(managers)
    if person is None:
        return [Reply("I don't know who you are yet, so I can't take a post draft from you. "
                      f"Ask {who} (the IT manager) to link your account to the roster.")]
    return [Reply(f"Only posters (staff authorised by the IT manager) can submit posts for the school's Facebook and "
                  f"Instagram. You're not authorised yet — {who} can authorise you: ask them to "
                  f"type *authorise {person.name} to post*. You can still ask me anything about the policy.")]


# --- helpers ----------------------------------------------------------------------------------

def consent_register(services: Services) -> ConsentRegister:
    """Read on every check, so replacing the file with the school's own export takes effect at once."""
    path = services.config.consent_file
    return ConsentRegister.from_csv(path) if path.exists() else ConsentRegister([])


def run_check(services: Services, text: str, platform: str, pictured: list[str], photos: str) -> CheckResult:
    """The same check as `app.py check-draft`: the configured policy and consent register. A platform
    the configured policy does not name is checked against every channel it does name."""
    policy = load_policy(str(services.config.policy_file))
    if platform not in channels_of(policy):
        platform = "both"
    return check_draft(text, platform=platform, consent=consent_register(services), pictured=pictured,
                       photos=photos, today=services.today(), policy=policy)


def split_names(text: str) -> list[str]:
    text = (text or "").strip()
    if text.lower().strip(" .!") in NONE_WORDS:
        return []
    parts = re.split(r"\s*(?:,|;|\n|\band\b|&)\s*", text)
    return [" ".join(p.split()) for p in parts if p.strip() and p.strip().lower() not in NONE_WORDS]


PLATFORM_OPTIONS = (("facebook", "Facebook"), ("instagram", "Instagram"), ("both", "Both"))


def parse_platform(text: str) -> str | None:
    choice = typed_choice(text, PLATFORM_OPTIONS)  # "2", "Both"
    if choice:
        return choice
    lowered = (text or "").lower()
    has_fb = bool(re.search(r"\b(facebook|fb)\b", lowered))
    has_ig = bool(re.search(r"\b(instagram|insta|ig)\b", lowered))
    if re.search(r"\bboth\b", lowered) or (has_fb and has_ig):
        return "both"
    return "facebook" if has_fb else "instagram" if has_ig else None


def describe_changes(old: str, new: str) -> str:
    """What changed between two versions, word by word: [removed: …] [added: …] (plain words for the
    approver, not diff markup)."""
    old_words, new_words = old.split(), new.split()
    parts = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False).get_opcodes():
        if op == "equal":
            chunk = old_words[a1:a2]
            parts.append(" ".join(chunk) if len(chunk) <= 8 else " ".join(chunk[:3] + ["…"] + chunk[-3:]))
        if op in ("delete", "replace"):
            parts.append("[removed: " + " ".join(old_words[a1:a2]) + "]")
        if op in ("insert", "replace"):
            parts.append("[added: " + " ".join(new_words[b1:b2]) + "]")
    return " ".join(parts) if old != new else "(no change to the text)"


def _findings_lines(findings: list[dict]) -> list[str]:
    if not findings:
        return ["Pre-check: nothing found against the policy."]
    lines = ["Pre-check findings:"]
    for f in findings:
        label = "MUST FIX" if f["severity"] == "block" else "Check"
        lines.append(f"• {label} (policy section {f['section']}): {f['message']}" + (f' — "{f["excerpt"]}"' if f["excerpt"] else ""))
    return lines


SQLITE_MAX_INTEGER = 2 ** 63 - 1


def _whole_number(raw: Any) -> int | None:
    """An id from a button or typed command: an int or a string of digits. Not a bool (int(True) is 1)
    nor a float or list, which a forged payload could carry."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw, re.ASCII):
        return int(raw)
    return None


def _ids(value: dict[str, Any]) -> tuple[int | None, int | None]:
    return _whole_number(value.get("draft_id")), _whole_number(value.get("version"))


def _get_draft(services: Services, draft_id: int) -> store.Draft | None:
    """None for an id no draft can have (SQLite stores ids as positive 64-bit integers)."""
    if not 0 < draft_id <= SQLITE_MAX_INTEGER:
        return None
    return store.get(services.db, draft_id)


def _person_name(services: Services, person_id: str) -> str:
    person = roster.get_person(services.db, person_id)
    return person.name if person else person_id


def _uses_forms(incoming: Incoming) -> bool:
    """Slack, Teams and the web chat show forms; the terminal gets guided questions instead."""
    return incoming.channel != "cli" and not (incoming.conversation_id or "").startswith("terminal:")


def draft_card(services: Services, draft: store.Draft, *, title: str, buttons: list[Button] | None = None,
               changes: str | None = None, extra: list[str] | None = None) -> Reply:
    facts = [("Draft", f"{draft.id} (version {draft.version})"),
             ("Platform", PLATFORM_LABELS.get(draft.platform, draft.platform)),
             ("Submitted by", _person_name(services, draft.submitter_id)),
             ("Status", draft.state.replace("_", " ")),
             ("Pupils pictured or named", ", ".join(draft.pictured) or "none listed")]
    if draft.photos:
        facts.append(("Photos", draft.photos))
    notes = list(extra or [])
    if changes:
        notes.append(f"What changed since version {draft.version - 1}: {changes}")
    notes += _findings_lines(draft.findings)
    return Reply(title=title, text=draft.text, facts=facts, notes=notes, buttons=buttons or [],
                 data={"draft_id": draft.id, "version": draft.version, "state": draft.state})


def decision_buttons(draft: store.Draft) -> list[Button]:
    value = {"draft_id": draft.id, "version": draft.version}
    return [Button("Approve", "draft.approve", value, style="primary"),
            Button("Request changes", "draft.changes", dict(value)),
            Button("Reject", "draft.reject", dict(value), style="danger")]


def _notify_approvers(services: Services, draft: store.Draft, changes: str | None = None) -> list[Person]:
    approvers = current_approvers(services, draft.submitter_id)
    for index, approver in enumerate(approvers):
        card = draft_card(services, draft, title=f"Post draft {draft.id} needs your approval",
                          buttons=decision_buttons(draft), changes=changes)
        key = f"draft-{draft.id}-v{draft.version}-approval" + (f"-{approver.id}" if index else "")
        services.notify(Notification(approver.id, card, key=key))
    return approvers


def hand_over_waiting_drafts(services: Services) -> int:
    """When the Deputy Head goes away, drafts already waiting go to whoever approves now (caller's
    transaction); without this they sat in the absent person's chat until they came back."""
    handed = 0
    for draft in store.in_state(services.db, "submitted"):
        for approver in current_approvers(services, draft.submitter_id):
            if approver.id == draft.approver_id:
                continue  # it was sent to them in the first place
            card = draft_card(services, draft, title=f"Post draft {draft.id} needs your approval",
                              buttons=decision_buttons(draft),
                              extra=[f"It was waiting for {_person_name(services, draft.approver_id)}, "
                                     "who is now marked away."])
            services.notify(Notification(approver.id, card,
                                         key=f"draft-{draft.id}-v{draft.version}-handover-{approver.id}"))
            handed += 1
    return handed


def _tell_submitter(services: Services, draft: store.Draft, event: str, reply: Reply) -> None:
    services.notify(Notification(draft.submitter_id, reply, key=f"draft-{draft.id}-v{draft.version}-{event}"))


# --- submitting -------------------------------------------------------------------------------

def submit(incoming: Incoming, services: Services, platform: str, text: str, photos: str,
           pictured: list[str]) -> list[Reply]:
    person = incoming.person
    if not may_submit(services, person):  # re-checked at the last step: a revocation mid-way counts
        state_store.clear_state(services.db, incoming.who)
        return _not_a_poster(services, person)
    text = (text or "").strip()
    if not text:
        return [Reply("The draft has no text. Type the post you'd like to publish (or *cancel*).")]
    if len(text) > MAX_DRAFT_CHARS:
        return [Reply(f"That draft is {len(text):,} characters long; please keep posts under "
                      f"{MAX_DRAFT_CHARS:,} characters. Nothing was saved.")]
    platform = platform if platform in PLATFORM_LABELS else "facebook"
    result = run_check(services, text, platform, pictured, photos)
    if not result.ok:
        state_store.set_state(services.db, incoming.who, state_store.FlowState(
            SUBMIT_FLOW, "text", {"platform": platform, "photos": photos, "pictured": pictured}), services.now())
        if _uses_forms(incoming) and incoming.action:
            # Sent from the form: give the form back with everything kept, to correct in place.
            form = _prefilled(submission_form(), {"platform": platform, "text": text, "photos": photos,
                                                  "pictured": ", ".join(pictured) or "none"})
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
        draft_id = store.create(db, person.id, platform, text, photos, pictured, findings, result.ok,
                                approvers[0].id, incoming.channel, services.now())
        draft = store.get(db, draft_id)
        _notify_approvers(services, draft)
        state_store.clear_state(db, incoming.who)
    card = draft_card(services, draft, title=f"Draft {draft.id} sent to {_names(approvers)} for approval",
                      buttons=[Button("Withdraw", "draft.withdraw", {"draft_id": draft.id, "version": draft.version})],
                      extra=["I'll tell you when it's decided. Type *my drafts* to see where your drafts are."])
    return [card]


def start_submission(incoming: Incoming, services: Services) -> list[Reply]:
    if not may_submit(services, incoming.person):
        return _not_a_poster(services, incoming.person)
    if _uses_forms(incoming) and incoming.action:
        return [Reply(text="Fill in the draft and I'll pre-check it against the policy before it goes to the "
                           "Deputy Head.", form=submission_form())]
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
        ))


def _prefilled(form: Form, values: dict[str, str], submit_label: str | None = None) -> Form:
    """The same form with its fields filled in (a correction or an edit keeps what was typed)."""
    return Form(title=form.title, submit_action=form.submit_action, value=form.value,
                submit_label=submit_label or form.submit_label, fields=tuple(
                    FormField(f.name, f.label, f.kind, f.options, f.required, values.get(f.name, f.initial),
                              f.placeholder) for f in form.fields))


DRAFT_MESSAGE = re.compile(
    r"^\s*(?:new\s+)?draft(?:\s+for)?(?:\s+(?P<platform>facebook|instagram|both|fb|insta))?\s*[:\-]\s*(?P<body>.+)$",
    re.I | re.S)
# "pictured: A, B" may close the message's last line; "named:" / "pupils:" only on a line of their own.
FIELD_LINE = re.compile(r"(?:(?<=\s)|^)(?P<field>pictured|photos?|platform)\s*:\s*(?P<value>[^\n]*)|"
                        r"^\s*(?P<field2>named|pupils)\s*:\s*(?P<value2>[^\n]*)", re.I | re.M)
START_WORDS = re.compile(r"^\s*(?:(?:new|start a|submit a|write a|make a)\s+)?(?:post\s+)?draft\s*[.!]?\s*$|"
                         r"^\s*(?:i want to|i'd like to|can i|how do i)\s+(?:submit|post|write)\s+(?:a\s+)?"
                         r"(?:post|draft)\b.*$", re.I)


def parse_fields(body: str, platform: str | None, photos: str = "") -> tuple[str, str | None, list[str] | None, str]:
    """Split `pictured: …`, `photos: …` and `platform: …` out of a typed draft."""
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
    return FIELD_LINE.sub("", body).strip(), platform, pictured, photos


def handle_draft_message(incoming: Incoming, services: Services) -> list[Reply]:
    """`draft: <text>` with optional lines `pictured: A, B`, `photos: …`, `platform: instagram`."""
    if not may_submit(services, incoming.person):
        return _not_a_poster(services, incoming.person)
    match = DRAFT_MESSAGE.match(incoming.text)
    text, platform, pictured, photos = parse_fields(match.group("body"), parse_platform(match.group("platform") or ""),
                                                    ", ".join(incoming.attachments))
    if platform is None:
        lead = re.match(r"^\s*(facebook|instagram|both)\s*[:\-]\s*", text, re.I)
        if lead:
            platform, text = parse_platform(lead.group(1)), text[lead.end():].strip()
    platform = platform or "facebook"
    if pictured is None:
        state_store.set_state(services.db, incoming.who, state_store.FlowState(
            SUBMIT_FLOW, "pictured", {"platform": platform, "text": text, "photos": photos}), services.now())
        return [Reply("Which pupils are pictured or named in this post? Reply with their full names, separated "
                      "by commas, or *none*. I'll check each one against the consent register.")]
    return submit(incoming, services, platform, text, photos, pictured)


def _escapes_flow(text: str) -> bool:
    """A new drafts command typed mid-way leaves the guided questions instead of being taken as an answer."""
    return any(p.match(text) for p in (DRAFT_MESSAGE, MY_DRAFTS, PENDING, DRAFT_COMMAND, SHOW_DRAFT, WHO_CAN_POST))


def looks_like_names(text: str) -> bool:
    names = split_names(text)
    return all(len(n.split()) <= 4 and not re.search(r"[!?:]|\d", n) for n in names)


STEP_PROMPTS = {
    "platform": f"Which platform is it for? {numbered(PLATFORM_OPTIONS)} (type the number or the name).",
    "text": "Send the text of the post, exactly as it should appear.",
    "photos": "Are there photos? Describe them briefly (e.g. *2 photos of the Year 6 choir*), or say *none*.",
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
                 text=f"{lead}You have a draft in progress:\n\u201c{_short(first, 120)}\u201d\n\n"
                      f"and you've just sent a new one:\n\u201c{_short(second, 120)}\u201d\n\n"
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


def continue_submission(incoming: Incoming, services: Services, flow: state_store.FlowState) -> list[Reply]:
    text = (incoming.text or "").strip()
    data = dict(flow.data)
    if not may_submit(services, incoming.person):
        state_store.clear_state(services.db, incoming.who)
        return _not_a_poster(services, incoming.person)
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
    if _escapes_flow(text):
        state_store.clear_state(services.db, incoming.who)
        return route_text(incoming, services)
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
        text, platform, pictured, photos = parse_fields(text, data.get("platform"), data.get("photos", ""))
        data.update(text=text, platform=platform or "facebook", photos=photos)
        if pictured is not None:
            data["pictured"] = pictured
        if "pictured" in data:  # correcting a draft the pre-check stopped: everything else is known
            return submit(incoming, services, data["platform"], text, photos, list(data["pictured"]))
        return _next_step(incoming, services, "photos", data, STEP_PROMPTS["photos"])
    if flow.step == "photos":
        data["photos"] = "" if text.lower().strip(" .!") in NONE_WORDS else text
        if incoming.attachments:
            data["photos"] = ", ".join(p for p in (data["photos"], *incoming.attachments) if p)
        return _next_step(incoming, services, "pictured", data, STEP_PROMPTS["pictured"])
    if flow.step == "pictured":
        text = re.sub(r"^\s*(?:pictured|named|pupils)\s*:\s*", "", text, flags=re.I)  # "pictured: none"
        if not looks_like_names(text):
            return [Reply("That doesn't look like a list of names. Reply with the full names of the pupils "
                          "pictured or named, separated by commas (e.g. *Olivia Bennett, Noah Clarkson*), or *none*.")]
        return submit(incoming, services, data.get("platform", "facebook"), data.get("text", ""),
                      data.get("photos", ""), split_names(text))
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
    return submit(incoming, services, platform, str(value.get("text") or ""), photos,
                  split_names(str(value.get("pictured") or "")))


# --- deciding ---------------------------------------------------------------------------------

DECISIONS = {"draft.approve": "approve", "draft.reject": "reject", "draft.changes": "request_changes"}


def _load_for_action(services: Services, value: dict) -> tuple[store.Draft | None, int | None, str | None]:
    draft_id, version = _ids(value)
    if draft_id is None:
        return None, None, "That button didn't say which draft it was for, so nothing was done."
    draft = _get_draft(services, draft_id)
    if draft is None:
        return None, None, f"There is no draft {draft_id}. Type *my drafts* or *pending approvals* to see drafts."
    return draft, version, None


def _stale(draft: store.Draft, version: int | None) -> str | None:
    if version is None:
        return "That button didn't say which version of the draft it was for, so nothing was done."
    if version != draft.version:
        return (f"That button is for version {version} of draft {draft.id}, but the draft is now at version "
                f"{draft.version}. Nothing was done; please use the newest message about it.")
    return None


def _illegal(draft: store.Draft, action: str) -> str | None:
    try:
        store.check_transition(draft, action)
    except store.IllegalTransition as illegal:
        return str(illegal)
    return None


# What a decision made a draft, as "already …" says it; a published draft was approved first.
DECIDED = {"approve": "approved", "reject": "rejected", "request_changes": "sent back for changes",
           "withdraw": "withdrawn"}


def _already_decided(services: Services, draft: store.Draft, action: str) -> str | None:
    """A second (or replayed) Approve, Reject or Request changes on a draft that is no longer waiting:
    who decided it and when, from the audit trail. Nothing is changed and nobody is told again."""
    if draft.state == "submitted":
        return None
    decisions = [row for row in store.audit_trail(services.db, draft.id)
                 if row["version"] == draft.version and row["action"] in DECIDED]
    if not decisions:
        return None
    last = decisions[-1]
    pressed = DECIDED.get(action, action.replace("_", " "))
    said = (f"Draft {draft.id} was already {DECIDED[last['action']]} by {_person_name(services, last['actor_id'])} "
            f"at {format_moment(last['at'], services.config.timezone)}")
    if last["action"] != action:
        said += f", so it cannot be {pressed}"
    if draft.state == "published":
        said += " (and it has since been marked as published)"
    return said + ". Nothing was changed."


def _cannot(draft: store.Draft, version: int | None, action: str) -> str | None:
    """Why a button for `version` may not take `draft` through `action` now, or None."""
    return _stale(draft, version) or _illegal(draft, action)


def decide(incoming: Incoming, services: Services, action: str, value: dict) -> list[Reply]:
    draft, version, problem = _load_for_action(services, value)
    if problem:
        return [Reply(problem)]
    refusal = (approval_refusal(services, incoming.person, draft) or _stale(draft, version)
               or _already_decided(services, draft, action) or _illegal(draft, action))
    if refusal:
        return [Reply(refusal)]
    reason = " ".join(str(value.get("reason") or value.get("comment") or "").split())
    if action in ("reject", "request_changes") and not reason:
        return _ask_reason(incoming, services, draft, action)
    db = services.db
    with db.atomic():
        draft = store.transition(db, draft, action, incoming.person.id, incoming.channel, services.now(), detail=reason)
        _tell_submitter(services, draft, draft.state, _outcome_for_submitter(services, draft, incoming.person, reason))
        state_store.clear_state(db, incoming.who)
    done = {"approve": "approved", "reject": "rejected", "request_changes": "sent back for changes"}[action]
    return [Reply(f"Draft {draft.id} (version {draft.version}) {done}. I've told "
                  f"{_person_name(services, draft.submitter_id)}.", data={"draft_id": draft.id, "state": draft.state})]


def _outcome_for_submitter(services: Services, draft: store.Draft, decider: Person, reason: str) -> Reply:
    value = {"draft_id": draft.id, "version": draft.version}
    if draft.state == "approved":
        return draft_card(services, draft, title=f"Draft {draft.id} approved by {decider.name}",
                          buttons=[Button("Mark as published", "draft.publish", value, style="primary")],
                          extra=["Post it exactly as approved, with comments turned off, then press *Mark as "
                                 f"published* (or type *published {draft.id}*)."])
    if draft.state == "rejected":
        return Reply(title=f"Draft {draft.id} was not approved", text=f"{decider.name} rejected it: {reason}",
                     facts=[("Draft", draft.text[:300])], data=value)
    return Reply(title=f"Draft {draft.id}: changes requested",
                 text=f"{decider.name} asked for changes: {reason}",
                 facts=[("Your draft", draft.text[:500])],
                 buttons=[Button("Edit and resubmit", "draft.edit", value, style="primary"),
                          Button("Withdraw", "draft.withdraw", dict(value))],
                 notes=[f"Or type *resubmit {draft.id}: <the new text>*."], data=value)


def _ask_reason(incoming: Incoming, services: Services, draft: store.Draft, action: str) -> list[Reply]:
    label = "Why are you rejecting it?" if action == "reject" else "What needs to change?"
    name = "reason" if action == "reject" else "comment"
    value = {"draft_id": draft.id, "version": draft.version}
    button_action = "draft.reject" if action == "reject" else "draft.changes"
    if _uses_forms(incoming):
        return [Reply(text=f"Draft {draft.id}: {label.lower()} (required; the submitter will see it).",
                      form=Form(title=f"Draft {draft.id}", submit_action=button_action, value=value,
                                fields=(FormField(name, label, kind="multiline"),)))]
    state_store.set_state(services.db, incoming.who, state_store.FlowState(
        REASON_FLOW, action, value), services.now())
    return [Reply(f"Draft {draft.id}: {label} Type it now (the submitter will see it), or *cancel*.")]


def continue_reason(incoming: Incoming, services: Services, flow: state_store.FlowState) -> list[Reply]:
    reason = " ".join((incoming.text or "").split())
    command = flow_command(reason)
    if command is not None:
        label = "why you are rejecting it" if flow.step == "reject" else "what needs to change"
        lead = "There is no earlier question to go back to. " if command == "back" else ""
        return [Reply(f"{lead}I'm waiting for {label} on draft {flow.data.get('draft_id')}; the submitter will "
                      "see it. Type it now, or *cancel* to leave the draft as it is (nothing is changed).")]
    if _escapes_flow(reason):
        state_store.clear_state(services.db, incoming.who)
        return route_text(incoming, services)
    if not reason:
        return [Reply("A reason is needed. Type it, or *cancel*.")]
    state_store.clear_state(services.db, incoming.who)
    return decide(incoming, services, flow.step, {**flow.data, "reason": reason})


# --- submitter's own steps: withdraw, edit and resubmit, publish --------------------------------

def withdraw(incoming: Incoming, services: Services, value: dict) -> list[Reply]:
    draft, version, problem = _load_for_action(services, value)
    if problem:
        return [Reply(problem)]
    person = incoming.person
    if person is None or person.id != draft.submitter_id:
        return [Reply("Only the person who submitted a draft can withdraw it.")]
    refusal = _cannot(draft, version, "withdraw")
    if refusal:
        return [Reply(refusal)]
    with services.db.atomic():
        draft = store.transition(services.db, draft, "withdraw", person.id, incoming.channel, services.now())
        for approver in current_approvers(services, draft.submitter_id):
            services.notify(Notification(approver.id, Reply(
                f"{person.name} withdrew post draft {draft.id}; there is nothing to approve."),
                key=f"draft-{draft.id}-v{draft.version}-withdrawn-{approver.id}"))
    return [Reply(f"Draft {draft.id} withdrawn. It won't be posted.")]


def publish(incoming: Incoming, services: Services, value: dict) -> list[Reply]:
    draft, version, problem = _load_for_action(services, value)
    if problem:
        return [Reply(problem)]
    person = incoming.person
    if person is None or not (person.id == draft.submitter_id or is_poster(services, person)):
        return [Reply("Only the person who submitted the draft, or another poster authorised by the IT manager, can "
                      "confirm it was published.")]
    if not may_submit(services, person):
        return _not_a_poster(services, person)
    refusal = _cannot(draft, version, "publish")
    if refusal:
        return [Reply(refusal)]
    with services.db.atomic():
        draft = store.transition(services.db, draft, "publish", person.id, incoming.channel, services.now())
        if draft.approver_id:
            services.notify(Notification(draft.approver_id, Reply(
                f"Post draft {draft.id} has been published on {PLATFORM_LABELS.get(draft.platform, draft.platform)} "
                f"by {person.name}."), key=f"draft-{draft.id}-v{draft.version}-published"))
    return [Reply(f"Thanks — draft {draft.id} is recorded as published.")]


def start_edit(incoming: Incoming, services: Services, value: dict) -> list[Reply]:
    draft, version, problem = _load_for_action(services, value)
    if problem:
        return [Reply(problem)]
    refusal = _resubmit_refusal(services, incoming.person, draft) or _stale(draft, version)
    if refusal:
        return [Reply(refusal)]
    ids = {"draft_id": draft.id, "version": draft.version}
    if _uses_forms(incoming):
        form = _prefilled(submission_form(draft.text, ids, action="draft.resubmit"),
                          {"platform": draft.platform, "text": draft.text, "photos": draft.photos,
                           "pictured": ", ".join(draft.pictured) or "none"}, submit_label="Check and resubmit")
        return [Reply(text=f"Edit draft {draft.id} and resubmit it as version {draft.version + 1}.", form=form)]
    state_store.set_state(services.db, incoming.who, state_store.FlowState(EDIT_FLOW, "text", ids), services.now())
    return [Reply(f"Send the new text for draft {draft.id} (it becomes version {draft.version + 1}), or *cancel*. "
                  f"The current text is:\n{draft.text}")]


def _resubmit_refusal(services: Services, person: Person | None, draft: store.Draft) -> str | None:
    if person is None or person.id != draft.submitter_id:
        return "Only the person who submitted a draft can edit and resubmit it."
    if not may_submit(services, person):
        return "You are no longer authorised to post (the IT manager can authorise you again)."
    return _illegal(draft, "resubmit")


def resubmit(incoming: Incoming, services: Services, value: dict) -> list[Reply]:
    draft, version, problem = _load_for_action(services, value)
    if problem:
        return [Reply(problem)]
    refusal = _resubmit_refusal(services, incoming.person, draft) or _stale(draft, version)
    if refusal:
        return [Reply(refusal)]
    text = str(value.get("text") or "").strip()
    if not text:
        return [Reply("The new version has no text. Send the text of the post, or *cancel*.")]
    if len(text) > MAX_DRAFT_CHARS:
        return [Reply(f"That draft is {len(text):,} characters long; please keep posts under {MAX_DRAFT_CHARS:,}.")]
    platform = parse_platform(str(value.get("platform") or "")) or draft.platform
    pictured = split_names(str(value["pictured"])) if "pictured" in value else draft.pictured
    photos = str(value["photos"]).strip() if "photos" in value else draft.photos
    result = run_check(services, text, platform, pictured, photos)
    if not result.ok:
        return [Reply(title="The pre-check found problems in the new version",
                      text=result.summary() + "\n\nNothing was resubmitted; fix these and send it again.",
                      data={"check": result.to_json()})]
    approvers = current_approvers(services, draft.submitter_id)
    if not approvers:
        return [Reply("There is nobody on the roster who can approve this. Nothing was sent; tell the IT manager.")]
    changes = describe_changes(draft.text, text)
    db = services.db
    with db.atomic():
        draft = store.transition(db, draft, "resubmit", incoming.person.id, incoming.channel, services.now(),
                                 detail=changes[:2000], approver_id=approvers[0].id, new_version={
                                     "text": text, "photos": photos, "pictured": pictured, "ok": True,
                                     "findings": [f.to_json() for f in result.findings]})
        db.execute("UPDATE drafts SET platform = ? WHERE id = ?", [platform, draft.id])
        draft = store.get(db, draft.id)
        _notify_approvers(services, draft, changes=changes)
        state_store.clear_state(db, incoming.who)
    return [draft_card(services, draft, title=f"Draft {draft.id} resubmitted as version {draft.version}",
                       changes=changes,
                       buttons=[Button("Withdraw", "draft.withdraw", {"draft_id": draft.id, "version": draft.version})])]


def continue_edit(incoming: Incoming, services: Services, flow: state_store.FlowState) -> list[Reply]:
    text = (incoming.text or "").strip()
    command = flow_command(text)
    if command is not None:
        lead = "There is no earlier question to go back to. " if command == "back" else ""
        return [Reply(f"{lead}I'm waiting for the new text of draft {flow.data.get('draft_id')}; it is pre-checked "
                      "and goes back for approval as a new version. Send it now, or *cancel* to leave the draft "
                      "as it is (nothing is changed).")]
    if _escapes_flow(text):
        state_store.clear_state(services.db, incoming.who)
        return route_text(incoming, services)
    if not text:
        return [Reply("Please send the new text (or *cancel*).")]
    replies = resubmit(incoming, services, {**flow.data, "text": text})
    if store.get(services.db, flow.data.get("draft_id")) is None or replies[0].title is None:
        state_store.clear_state(services.db, incoming.who)  # refused for good: don't keep asking
    return replies


# --- lists and looking at one draft ------------------------------------------------------------

def handle_my_drafts(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None:
        return _not_a_poster(services, person)
    mine = store.drafts_of(services.db, person.id)
    if not mine:
        hint = "Type *draft* to write one." if may_submit(services, person) else ""
        return [Reply(f"You have no post drafts. {hint}".strip())]
    lines = [f"• Draft {d.id} (v{d.version}, {PLATFORM_LABELS.get(d.platform, d.platform)}): "
             f"{d.state.replace('_', ' ')} — {_short(d.text)}" for d in mine]
    buttons = [Button(f"Open draft {d.id}", "draft.show", {"draft_id": d.id}) for d in mine
               if d.state in store.OPEN_STATES][:5]
    return [Reply(title="Your post drafts", text="\n".join(lines), buttons=buttons)]


def _short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1] + "…"


def handle_pending(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None or not person.has_role("deputy_head", "headteacher"):
        return [Reply("Pending approvals are for the Deputy Head, and for the Headteacher while the Deputy Head "
                      "is away (role needed: Deputy Head or Headteacher).")]
    waiting = [d for d in store.in_state(services.db, "submitted") if d.submitter_id != person.id]
    if not waiting:
        return [Reply("No post drafts are waiting for approval.")]
    lines = [f"• Draft {d.id} (v{d.version}) from {_person_name(services, d.submitter_id)}, "
             f"{PLATFORM_LABELS.get(d.platform, d.platform)}: {_short(d.text)}" for d in waiting]
    notes = []
    if approval_refusal(services, person, waiting[0]) and person.has_role("headteacher"):
        notes.append("The Deputy Head approves these; you can act while they are marked away.")
    return [Reply(title="Drafts waiting for approval", text="\n".join(lines), notes=notes,
                  buttons=[Button(f"Review draft {d.id}", "draft.show", {"draft_id": d.id}) for d in waiting[:10]])]


def show(incoming: Incoming, services: Services, value: dict) -> list[Reply]:
    draft_id, _ = _ids(value)
    if draft_id is None:
        return [Reply("That button didn't say which draft it was for, so nothing was done.")]
    draft = _get_draft(services, draft_id)
    person = incoming.person
    if draft is None:
        return [Reply(f"There is no draft {draft_id}.")]
    if person is None or not (person.id == draft.submitter_id or person.has_role("deputy_head", "headteacher", "it_manager")):
        return [Reply("Only the submitter, the Deputy Head, the Headteacher and the IT manager can see a draft "
                      "before it is published.")]
    ids = {"draft_id": draft.id, "version": draft.version}
    buttons: list[Button] = []
    if draft.state == "submitted" and approval_refusal(services, person, draft) is None:
        buttons = decision_buttons(draft)
    elif person.id == draft.submitter_id:
        if draft.state in store.TRANSITIONS["withdraw"][0]:
            buttons.append(Button("Withdraw", "draft.withdraw", ids))
        if draft.state == "changes_requested":
            buttons.insert(0, Button("Edit and resubmit", "draft.edit", ids, style="primary"))
        if draft.state == "approved":
            buttons.append(Button("Mark as published", "draft.publish", ids, style="primary"))
    extra = [f"Last reason given: {draft.last_reason}"] if draft.last_reason and draft.state in (
        "rejected", "changes_requested") else []
    return [draft_card(services, draft, title=f"Post draft {draft.id}", buttons=buttons, extra=extra)]


# --- posters: the IT manager authorises and revokes ---------------------------------------------

AUTHORISE = re.compile(r"^\s*(?:please\s+)?authori[sz]e\s+(?P<who>.+?)(?:\s+(?:to|as a|as)\s+(?:post|poster)(?:ing)?)?"
                       r"\s*[.!]?\s*$", re.I)
REVOKE = re.compile(r"^\s*(?:please\s+)?(?:revoke|unauthori[sz]e|remove)\s+(?P<who>.+?)"
                    r"(?:'s)?(?:\s+(?:from posting|as a poster|as poster|posting rights|poster rights|poster access))?"
                    r"\s*[.!]?\s*$", re.I)
WHO_CAN_POST = re.compile(r"^\s*(?:who\s+(?:can|may|is allowed to|is authori[sz]ed to|are allowed to)\s+post\b.*|"
                          r"(?:list\s+)?(?:the\s+)?posters\??|who are the posters\??)\s*$", re.I)


def find_roster_person(services: Services, token: str) -> Person | None:
    token = re.sub(r"^(?:mr|mrs|ms|miss|mx|dr)\.?\s+", "", token.strip().strip("*").lstrip("@"), flags=re.I).strip()
    if not token:
        return None
    person = roster.find_person(services.db, token)
    if person is not None:
        return person
    lowered = token.casefold()
    matches = [p for p in roster.all_people(services.db)
               if lowered in (p.name.casefold().split()[-1], p.name.casefold().split()[0])]
    return matches[0] if len(matches) == 1 else None


def _poster_change(incoming: Incoming, services: Services, authorise: bool) -> list[Reply]:
    person = incoming.person
    pattern = AUTHORISE if authorise else REVOKE
    if person is None or not person.has_role("it_manager"):
        managers = _names(roster.people_with_role(services.db, "it_manager"))
        return [Reply(f"Only the IT manager can authorise or revoke posters — that's {managers}.")]
    who = pattern.match(incoming.text).group("who")
    if who.strip().lower() in ("poster", "posters", "a poster", "someone", "somebody"):
        verb = "authorise" if authorise else "revoke"
        example = f"{verb} @hughes to post" if authorise else f"{verb} @hughes"
        return [Reply(f"Who should I {verb}? Type for example *{example}* (a roster id, email or name).")]
    target = find_roster_person(services, who)
    if target is None:
        return [Reply(f"I can't find '{who.strip()}' on the roster. Use their roster id (e.g. @hughes), email or full name.")]
    already = is_poster(services, target)
    if authorise and already:
        return [Reply(f"{target.name} can already post.")]
    if not authorise and not already:
        return [Reply(f"{target.name} isn't authorised to post, so there is nothing to revoke.")]
    with services.db.atomic():
        store.set_poster(services.db, target.id, authorise, person.id, incoming.channel, services.now())
        stamp = services.now().strftime("%Y%m%d%H%M%S")
        message = (f"{person.name} (IT manager) has authorised you to submit posts for the school's Facebook and "
                   "Instagram. Type *draft* to start; every post goes to the Deputy Head for approval."
                   if authorise else
                   f"{person.name} (IT manager) has withdrawn your authorisation to post on the school's accounts.")
        services.notify(Notification(target.id, Reply(message),
                                     key=f"poster-{target.id}-{'authorised' if authorise else 'revoked'}-{stamp}"))
    done = "can now submit post drafts" if authorise else "can no longer submit post drafts"
    return [Reply(f"Done: {target.name} {done}. I've let them know.")]


def handle_authorise(incoming: Incoming, services: Services) -> list[Reply]:
    return _poster_change(incoming, services, True)


def handle_revoke(incoming: Incoming, services: Services) -> list[Reply]:
    return _poster_change(incoming, services, False)


def handle_who_can_post(incoming: Incoming, services: Services) -> list[Reply]:
    if incoming.person is None:  # staff names are for the school's own people
        return [Reply("Sorry, I can't share that: you are not linked to the roster yet. "
                      "Please ask the IT manager to add you.")]
    posters = [p for p in roster.all_people(services.db) if is_poster(services, p)]
    managers = roster.people_with_role(services.db, "deputy_head") + roster.people_with_role(services.db, "it_manager")
    lines = [f"• {p.name}" + (f" ({p.job_title})" if p.job_title else "") for p in posters] or ["• nobody yet"]
    return [Reply(title="Who can post to the school's accounts",
                  text="Authorised posters:\n" + "\n".join(lines),
                  notes=[f"The accounts are managed by {_names(managers).replace(' or ', ' and ')}. "
                         "The IT manager authorises posters; every post is approved by the Deputy Head."])]


# --- typed commands for one draft ("approve draft 3", "withdraw 3", "published 3") -------------

DRAFT_COMMAND = re.compile(
    r"^\s*(?P<verb>approve|reject|request changes(?: (?:to|on|for))?|withdraw|published|publish|mark|resubmit|show|open|"
    r"edit)\s+(?:draft\s+)?#?(?P<id>\d+)(?:\s+as\s+published)?\s*(?:[:\-]\s*(?P<rest>.*))?$", re.I | re.S)
SHOW_DRAFT = re.compile(r"^\s*draft\s+#?(?P<id>\d+)\s*$", re.I)


def handle_draft_command(incoming: Incoming, services: Services) -> list[Reply]:
    match = SHOW_DRAFT.match(incoming.text) or DRAFT_COMMAND.match(incoming.text)
    draft = _get_draft(services, int(match.group("id")))
    verb = (match.groupdict().get("verb") or "show").lower().split()[0]
    if draft is None:
        return [Reply(f"There is no draft {match.group('id')}.")]
    # Typed commands act on the version the draft is at now; the role checks are the same as buttons'.
    value: dict[str, Any] = {"draft_id": draft.id, "version": draft.version}
    rest = (match.groupdict().get("rest") or "").strip()
    if verb in ("approve",):
        return decide(incoming, services, "approve", value)
    if verb == "reject":
        return decide(incoming, services, "reject", {**value, "reason": rest})
    if verb == "request":
        return decide(incoming, services, "request_changes", {**value, "comment": rest})
    if verb == "withdraw":
        return withdraw(incoming, services, value)
    if verb in ("published", "publish", "mark"):
        return publish(incoming, services, value)
    if verb in ("resubmit", "edit"):
        return resubmit(incoming, services, {**value, "text": rest}) if rest else start_edit(incoming, services, value)
    return show(incoming, services, value)


# --- routing tables -----------------------------------------------------------------------------

def handle_action(incoming: Incoming, services: Services) -> list[Reply]:
    action, value = incoming.action or "", dict(incoming.value or {})
    if action in DECISIONS:
        return decide(incoming, services, DECISIONS[action], value)
    handler = {
        "draft.start": lambda: start_submission(incoming, services),
        "draft.submit": lambda: handle_form_submit(incoming, services),
        "draft.withdraw": lambda: withdraw(incoming, services, value),
        "draft.publish": lambda: publish(incoming, services, value),
        "draft.edit": lambda: start_edit(incoming, services, value),
        "draft.resubmit": lambda: resubmit(incoming, services, value),
        "draft.show": lambda: show(incoming, services, value),
        "draft.choose": lambda: choose_draft(incoming, services, str(value.get("which") or "")),
    }.get(action)
    if handler is None:
        return [Reply("That button is no longer active. Type *my drafts* to see your drafts.")]
    return handler()


def _it_manager_names_someone(incoming: Incoming, services: Services) -> bool:
    """"authorise lewis" from the IT manager: a command when it names someone on the roster."""
    if incoming.person is None or not incoming.person.has_role("it_manager"):
        return False
    match = AUTHORISE.match(incoming.text or "")
    return bool(match) and find_roster_person(services, match.group("who")) is not None


def _matches(pattern: re.Pattern):
    return lambda incoming, services: bool(pattern.match(incoming.text or ""))


MY_DRAFTS = re.compile(r"^\s*(?:show\s+)?(?:my|my post)\s+drafts\??\s*[.!]?\s*$", re.I)
PENDING = re.compile(r"^\s*(?:show\s+)?(?:pending approvals?|pending drafts|drafts? (?:to approve|waiting|pending)|"
                     r"what(?:'s| is) waiting(?: for me)?)\??\s*$", re.I)

TEXT_ROUTES = [
    TextRoute("drafts.who_can_post", _matches(WHO_CAN_POST), handle_who_can_post),
    TextRoute("drafts.authorise", lambda i, s: bool(AUTHORISE.match(i.text or "")) and (bool(
        re.search(r"@|\bpost", i.text or "", re.I)) or _it_manager_names_someone(i, s)), handle_authorise),
    TextRoute("drafts.revoke", lambda i, s: bool(REVOKE.match(i.text or "")) and bool(
        re.search(r"^\s*(?:please\s+)?(?:revoke|unauthori[sz]e)\b|poster|posting", i.text or "", re.I)), handle_revoke),
    TextRoute("drafts.message", _matches(DRAFT_MESSAGE), handle_draft_message),
    TextRoute("drafts.start", _matches(START_WORDS), start_submission),
    TextRoute("drafts.mine", _matches(MY_DRAFTS), handle_my_drafts),
    TextRoute("drafts.pending", _matches(PENDING), handle_pending),
    TextRoute("drafts.command", lambda i, s: bool(SHOW_DRAFT.match(i.text or "") or DRAFT_COMMAND.match(i.text or "")),
              handle_draft_command),
]
ACTIONS = {"draft": handle_action}


def route_text(incoming: Incoming, services: Services) -> list[Reply]:
    for route in TEXT_ROUTES:
        if route.matches(incoming, services):
            return route.handle(incoming, services)
    return [Reply("Type *my drafts* to see your drafts.")]
FLOWS = {SUBMIT_FLOW: continue_submission, REASON_FLOW: continue_reason, EDIT_FLOW: continue_edit}


# --- the nudge: a draft waiting more than a school day reminds the approver once -------------------

def next_school_day_same_time(services: Services, moment: datetime) -> datetime:
    from handlers.schedule import calendar_for

    calendar = calendar_for(services.config)
    local = calendar.local(moment)
    day = local.date() + timedelta(days=1)
    for _ in range(400):
        if calendar.is_working_day(day):
            break
        day += timedelta(days=1)
    return local.replace(year=day.year, month=day.month, day=day.day)


def nudge_waiting_approvers(services: Services) -> int:
    db, now, sent = services.db, services.now(), 0
    for draft in store.in_state(db, "submitted"):
        if draft.nudged_version >= draft.version or not draft.submitted_at:
            continue
        if now < next_school_day_same_time(services, datetime.fromisoformat(draft.submitted_at)):
            continue
        with db.atomic():
            if not store.mark_nudged(db, draft.id, draft.version, now):
                continue
            for approver in current_approvers(services, draft.submitter_id):
                card = draft_card(services, draft, title=f"Reminder: post draft {draft.id} is still waiting for you",
                                  buttons=decision_buttons(draft))
                services.notify(Notification(approver.id, card, key=f"draft-{draft.id}-v{draft.version}-nudge-{approver.id}"))
            sent += 1
    return sent


TICKS = [nudge_waiting_approvers]
