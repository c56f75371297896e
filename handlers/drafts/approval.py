"""Deciding on a draft (approve, reject, request changes) and the submitter's answers to it:
withdraw, edit and resubmit as a new version."""
from __future__ import annotations

from handlers.context import Services
from handlers.drafts.commands import escapes_flow
from handlers.drafts.cards import draft_card, notify_approvers, tell_submitter
from handlers.drafts.common import (EDIT_FLOW, MAX_DRAFT_CHARS, REASON_FLOW, approval_refusal, current_approvers,
                                    describe_changes, illegal, load_for_action, may_submit, parse_platform,
                                    person_name, run_check, split_names, stale, uses_forms, cannot)
from handlers.flow_words import flow_command
from handlers.drafts.publishing import approval_notes, manual_platforms, schedule_on_approval
from handlers.drafts.submission import prefilled, submission_form
from domain.messages import Button, Form, FormField, Incoming, Notification, Person, Reply
from handlers.router import Handler
from handlers.schedule import format_moment
from storage import drafts as store
from storage import state as state_store


# --- deciding ---------------------------------------------------------------------------------

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
    said = (f"Draft {draft.id} was already {DECIDED[last['action']]} by {person_name(services, last['actor_id'])} "
            f"at {format_moment(last['at'], services.config.timezone)}")
    if last["action"] != action:
        said += f", so it cannot be {pressed}"
    if draft.state == "published":
        said += " (and it has since been marked as published)"
    return said + ". Nothing was changed."


def decide(incoming: Incoming, services: Services, action: str, value: dict) -> list[Reply]:
    draft, version, problem = load_for_action(services, value)
    if problem:
        return [Reply(problem)]
    refusal = (approval_refusal(services, incoming.person, draft) or stale(draft, version)
               or _already_decided(services, draft, action) or illegal(draft, action))
    if refusal:
        return [Reply(refusal)]
    reason = " ".join(str(value.get("reason") or value.get("comment") or "").split())
    if action in ("reject", "request_changes") and not reason:
        return _ask_reason(incoming, services, draft, action)
    db = services.db
    with db.atomic():
        draft = store.transition(db, draft, action, incoming.person.id, incoming.channel, services.now(), detail=reason)
        if draft.state == "approved":
            schedule_on_approval(services, draft, incoming.person)
        tell_submitter(services, draft, draft.state, _outcome_for_submitter(services, draft, incoming.person, reason))
        state_store.clear_state(db, incoming.who)
    done = {"approve": "approved", "reject": "rejected", "request_changes": "sent back for changes"}[action]
    return [Reply(f"Draft {draft.id} (version {draft.version}) {done}. I've told "
                  f"{person_name(services, draft.submitter_id)}.", data={"draft_id": draft.id, "state": draft.state})]


def _outcome_for_submitter(services: Services, draft: store.Draft, decider: Person, reason: str) -> Reply:
    value = {"draft_id": draft.id, "version": draft.version}
    if draft.state == "approved":
        by_hand = manual_platforms(services, draft)
        return draft_card(services, draft, title=f"Draft {draft.id} approved by {decider.name}",
                          buttons=[Button("Mark as published", "draft.publish", value, style="primary")] if by_hand else [],
                          extra=approval_notes(services, draft))
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
    if uses_forms(incoming):
        return [Reply(text=f"Draft {draft.id}: {label.lower()} (required; the submitter will see it).",
                      form=Form(title=f"Draft {draft.id}", submit_action=button_action, value=value,
                                fields=(FormField(name, label, kind="multiline"),)))]
    state_store.set_state(services.db, incoming.who, state_store.FlowState(
        REASON_FLOW, action, value), services.now())
    return [Reply(f"Draft {draft.id}: {label} Type it now (the submitter will see it), or *cancel*.")]


def continue_reason(incoming: Incoming, services: Services, flow: state_store.FlowState, *,
                    new_command: Handler) -> list[Reply]:
    reason = " ".join((incoming.text or "").split())
    command = flow_command(reason)
    if command is not None:
        label = "why you are rejecting it" if flow.step == "reject" else "what needs to change"
        lead = "There is no earlier question to go back to. " if command == "back" else ""
        return [Reply(f"{lead}I'm waiting for {label} on draft {flow.data.get('draft_id')}; the submitter will "
                      "see it. Type it now, or *cancel* to leave the draft as it is (nothing is changed).")]
    if escapes_flow(reason):
        state_store.clear_state(services.db, incoming.who)
        return new_command(incoming, services)
    if not reason:
        return [Reply("A reason is needed. Type it, or *cancel*.")]
    state_store.clear_state(services.db, incoming.who)
    return decide(incoming, services, flow.step, {**flow.data, "reason": reason})


# --- submitter's own steps: withdraw, edit and resubmit, publish --------------------------------

def withdraw(incoming: Incoming, services: Services, value: dict) -> list[Reply]:
    draft, version, problem = load_for_action(services, value)
    if problem:
        return [Reply(problem)]
    person = incoming.person
    if person is None or person.id != draft.submitter_id:
        return [Reply("Only the person who submitted a draft can withdraw it.")]
    refusal = cannot(draft, version, "withdraw")
    if refusal:
        return [Reply(refusal)]
    with services.db.atomic():
        draft = store.transition(services.db, draft, "withdraw", person.id, incoming.channel, services.now())
        for approver in current_approvers(services, draft.submitter_id):
            services.notify(Notification(approver.id, Reply(
                f"{person.name} withdrew post draft {draft.id}; there is nothing to approve."),
                key=f"draft-{draft.id}-v{draft.version}-withdrawn-{approver.id}"))
    return [Reply(f"Draft {draft.id} withdrawn. It won't be posted.")]


def start_edit(incoming: Incoming, services: Services, value: dict) -> list[Reply]:
    draft, refusal = _draft_to_resubmit(incoming, services, value)
    if refusal:
        return [Reply(refusal)]
    ids = {"draft_id": draft.id, "version": draft.version}
    if uses_forms(incoming):
        form = prefilled(submission_form(draft.text, ids, action="draft.resubmit"),
                          {"platform": draft.platform, "text": draft.text, "photos": draft.photos,
                           "pictured": ", ".join(draft.pictured) or "none"}, submit_label="Check and resubmit")
        return [Reply(text=f"Edit draft {draft.id} and resubmit it as version {draft.version + 1}.", form=form)]
    state_store.set_state(services.db, incoming.who, state_store.FlowState(EDIT_FLOW, "text", ids), services.now())
    return [Reply(f"Send the new text for draft {draft.id} (it becomes version {draft.version + 1}), or *cancel*. "
                  f"The current text is:\n{draft.text}")]


def _draft_to_resubmit(incoming: Incoming, services: Services, value: dict) -> tuple[store.Draft | None, str | None]:
    """The draft a button or form names, or why its submitter may not edit and resubmit it now."""
    draft, version, problem = load_for_action(services, value)
    if problem:
        return None, problem
    return draft, _resubmit_refusal(services, incoming.person, draft) or stale(draft, version)


def _resubmit_refusal(services: Services, person: Person | None, draft: store.Draft) -> str | None:
    if person is None or person.id != draft.submitter_id:
        return "Only the person who submitted a draft can edit and resubmit it."
    if not may_submit(services, person):
        return "You are no longer authorised to post (the IT manager can authorise you again)."
    return illegal(draft, "resubmit")


def resubmit(incoming: Incoming, services: Services, value: dict) -> list[Reply]:
    draft, refusal = _draft_to_resubmit(incoming, services, value)
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
        store.set_platform(db, draft.id, platform)
        draft = store.get(db, draft.id)
        notify_approvers(services, draft, changes=changes)
        state_store.clear_state(db, incoming.who)
    return [draft_card(services, draft, title=f"Draft {draft.id} resubmitted as version {draft.version}",
                       changes=changes,
                       buttons=[Button("Withdraw", "draft.withdraw", {"draft_id": draft.id, "version": draft.version})])]


def continue_edit(incoming: Incoming, services: Services, flow: state_store.FlowState, *,
                  new_command: Handler) -> list[Reply]:
    text = (incoming.text or "").strip()
    command = flow_command(text)
    if command is not None:
        lead = "There is no earlier question to go back to. " if command == "back" else ""
        return [Reply(f"{lead}I'm waiting for the new text of draft {flow.data.get('draft_id')}; it is pre-checked "
                      "and goes back for approval as a new version. Send it now, or *cancel* to leave the draft "
                      "as it is (nothing is changed).")]
    if escapes_flow(text):
        state_store.clear_state(services.db, incoming.who)
        return new_command(incoming, services)
    if not text:
        return [Reply("Please send the new text (or *cancel*).")]
    replies = resubmit(incoming, services, {**flow.data, "text": text})
    if store.get(services.db, flow.data.get("draft_id")) is None or replies[0].title is None:
        state_store.clear_state(services.db, incoming.who)  # refused for good: don't keep asking
    return replies


