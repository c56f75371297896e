"""Publishing an approved draft: queued for the school's accounts that publish by themselves
(handlers.drafts.autopublish does the work), or posted by hand and then marked as published."""
from __future__ import annotations

from datetime import datetime

from handlers.context import Services
from handlers.drafts.common import (PLATFORM_LABELS, cannot, is_poster, load_for_action, local_time_text,
                                    may_submit, not_a_poster)
from domain.messages import Incoming, Notification, Person, Reply
from storage import drafts as store
from storage import publishing as publications

PLATFORMS = {"facebook": ("facebook",), "instagram": ("instagram",), "both": ("facebook", "instagram")}


def automatic_platforms(services: Services, draft: store.Draft) -> list[str]:
    """The draft's platforms whose account publishes by itself (configured in the environment)."""
    return [p for p in PLATFORMS.get(draft.platform, ()) if p in services.publishing]


def manual_platforms(services: Services, draft: store.Draft) -> list[str]:
    return [p for p in PLATFORMS.get(draft.platform, ()) if p not in services.publishing]


def schedule_on_approval(services: Services, draft: store.Draft, approver: Person) -> list[str]:
    """Queue the approved version for each automatic account (the caller's transaction); the
    idempotency key (draft, version, platform) makes a second approval of it queue nothing."""
    now = services.now()
    at = max(now, datetime.fromisoformat(draft.publish_at)) if draft.publish_at else now
    queued = [p for p in automatic_platforms(services, draft)
              if publications.schedule(services.db, draft.id, draft.version, p, at, approver.id, now)]
    if queued:
        when = local_time_text(services, draft.publish_at) if draft.publish_at else "at once"
        store.audit(services.db, draft.id, draft.version, approver.id, "publish_scheduled", "approved", "approved",
                    "system", now, f"{', '.join(queued)} {when}")
    return queued


def approval_notes(services: Services, draft: store.Draft) -> list[str]:
    """What the submitter is told happens next, per platform."""
    notes = []
    automatic, manual = automatic_platforms(services, draft), manual_platforms(services, draft)
    if automatic:
        when = f"at {local_time_text(services, draft.publish_at)}" if draft.publish_at else "now"
        names = " and ".join(PLATFORM_LABELS[p] for p in automatic)
        notes.append(f"It will be published on {names} {when}, automatically, exactly as approved; I'll tell you "
                     "when it is out (or if it fails).")
    if manual:
        names = " and ".join(PLATFORM_LABELS[p] for p in manual)
        notes.append(f"Post it on {names} exactly as approved, with comments turned off, then press *Mark as "
                     f"published* (or type *published {draft.id}*).")
    return notes


def publish(incoming: Incoming, services: Services, value: dict) -> list[Reply]:
    """Marked as published by hand: the draft is finished, and nothing still queued goes out."""
    draft, version, problem = load_for_action(services, value)
    if problem:
        return [Reply(problem)]
    person = incoming.person
    if person is None or not (person.id == draft.submitter_id or is_poster(services, person)):
        return [Reply("Only the person who submitted the draft, or another poster authorised by the IT manager, can "
                      "confirm it was published.")]
    if not may_submit(services, person):
        return not_a_poster(services, person)
    refusal = cannot(draft, version, "publish")
    if refusal:
        return [Reply(refusal)]
    if any(p["state"] == publications.PUBLISHING for p in publications.of_draft(services.db, draft.id)):
        return [Reply(f"Draft {draft.id} is being published automatically right now; nothing was changed. "
                      "I'll tell you when it is out.")]
    with services.db.atomic():
        cancelled = publications.cancel_waiting(services.db, draft.id, services.now())
        draft = store.transition(services.db, draft, "publish", person.id, incoming.channel, services.now(),
                                 detail="by hand" + (f"; {cancelled} automatic publication(s) cancelled" if cancelled
                                                     else ""))
        if draft.approver_id:
            services.notify(Notification(draft.approver_id, Reply(
                f"Post draft {draft.id} has been published on {PLATFORM_LABELS.get(draft.platform, draft.platform)} "
                f"by {person.name}."), key=f"draft-{draft.id}-v{draft.version}-published"))
    return [Reply(f"Thanks — draft {draft.id} is recorded as published.")]
