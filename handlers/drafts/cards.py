"""The draft as a card (for the approver, the submitter, a reminder) and the messages it causes."""
from __future__ import annotations

from handlers.context import Services
from handlers.drafts import media
from handlers.drafts.common import PLATFORM_LABELS, current_approvers, findings_lines, local_time_text, person_name
from domain.messages import Button, Notification, Person, Reply
from storage import drafts as store


def draft_card(services: Services, draft: store.Draft, *, title: str, buttons: list[Button] | None = None,
               changes: str | None = None, extra: list[str] | None = None) -> Reply:
    facts = [("Draft", f"{draft.id} (version {draft.version})"),
             ("Platform", PLATFORM_LABELS.get(draft.platform, draft.platform)),
             ("Submitted by", person_name(services, draft.submitter_id)),
             ("Status", draft.state.replace("_", " ")),
             ("Pupils pictured or named", ", ".join(draft.pictured) or "none listed")]
    if draft.photos:
        facts.append(("Photos", draft.photos))
    if draft.publish_at:
        facts.append(("Publish at", local_time_text(services, draft.publish_at)))
    notes = list(extra or [])
    if changes:
        notes.append(f"What changed since version {draft.version - 1}: {changes}")
    notes += findings_lines(draft.findings)
    data = {"draft_id": draft.id, "version": draft.version, "state": draft.state}
    photos = media.photos_of(services, draft.id)
    if photos:  # every reader of a draft card may see the draft: each channel shows these as thumbnails
        data["images"] = media.card_images(photos)
    return Reply(title=title, text=draft.text, facts=facts, notes=notes, buttons=buttons or [], data=data)


def decision_buttons(draft: store.Draft) -> list[Button]:
    value = {"draft_id": draft.id, "version": draft.version}
    return [Button("Approve", "draft.approve", value, style="primary"),
            Button("Request changes", "draft.changes", dict(value)),
            Button("Reject", "draft.reject", dict(value), style="danger")]


def notify_approvers(services: Services, draft: store.Draft, changes: str | None = None) -> list[Person]:
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
                              extra=[f"It was waiting for {person_name(services, draft.approver_id)}, "
                                     "who is now marked away."])
            services.notify(Notification(approver.id, card,
                                         key=f"draft-{draft.id}-v{draft.version}-handover-{approver.id}"))
            handed += 1
    return handed


def tell_submitter(services: Services, draft: store.Draft, event: str, reply: Reply) -> None:
    services.notify(Notification(draft.submitter_id, reply, key=f"draft-{draft.id}-v{draft.version}-{event}"))


