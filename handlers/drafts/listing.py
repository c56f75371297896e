"""Lists of drafts (mine, waiting for approval) and one draft shown to someone who may see it."""
from __future__ import annotations

import dataclasses

from handlers.context import Services
from handlers.drafts.cards import decision_buttons, draft_card
from handlers.drafts.common import (PLATFORM_LABELS, approval_refusal, get_draft, ids_of, may_submit,
                                    not_a_poster, person_name, short)
from domain.messages import Button, Incoming, Reply
from storage import drafts as store

# --- lists and looking at one draft ------------------------------------------------------------

def handle_my_drafts(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None:
        return not_a_poster(services, person)
    mine = store.drafts_of(services.db, person.id)
    if not mine:
        hint = "Type *draft* to write one." if may_submit(services, person) else ""
        return [Reply(f"You have no post drafts. {hint}".strip())]
    lines = [f"• Draft {d.id} (v{d.version}, {PLATFORM_LABELS.get(d.platform, d.platform)}): "
             f"{d.state.replace('_', ' ')} — {short(d.text)}" for d in mine]
    buttons = [Button(f"Open draft {d.id}", "draft.show", {"draft_id": d.id}) for d in mine
               if d.state in store.OPEN_STATES][:5]
    return [Reply(title="Your post drafts", text="\n".join(lines), buttons=buttons)]


def handle_pending(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None or not person.has_role("deputy_head", "headteacher"):
        return [Reply("Pending approvals are for the Deputy Head, and for the Headteacher while the Deputy Head "
                      "is away (role needed: Deputy Head or Headteacher).")]
    waiting = [d for d in store.in_state(services.db, "submitted") if d.submitter_id != person.id]
    if not waiting:
        return [Reply("No post drafts are waiting for approval.")]
    lines = [f"• Draft {d.id} (v{d.version}) from {person_name(services, d.submitter_id)}, "
             f"{PLATFORM_LABELS.get(d.platform, d.platform)}: {short(d.text)}" for d in waiting]
    notes = []
    if approval_refusal(services, person, waiting[0]) and person.has_role("headteacher"):
        notes.append("The Deputy Head approves these; you can act while they are marked away.")
    return [Reply(title="Drafts waiting for approval", text="\n".join(lines), notes=notes,
                  buttons=[Button(f"Review draft {d.id}", "draft.show", {"draft_id": d.id}) for d in waiting[:10]])]


def show(incoming: Incoming, services: Services, value: dict) -> list[Reply]:
    draft_id, _ = ids_of(value)
    if draft_id is None:
        return [Reply("That button didn't say which draft it was for, so nothing was done.")]
    draft = get_draft(services, draft_id)
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
    card = draft_card(services, draft, title=f"Post draft {draft.id}", buttons=buttons, extra=extra)
    # A draft names pupils before anyone has approved it: asked for in a channel, it goes to the
    # person's private chat, and the channel only hears that it was sent there.
    return [dataclasses.replace(card, private=True)]


