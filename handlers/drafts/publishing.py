"""Publishing an approved draft: marked as published by hand."""
from __future__ import annotations

from handlers.context import Services
from handlers.drafts.common import PLATFORM_LABELS, cannot, is_poster, load_for_action, may_submit, not_a_poster
from handlers.messages import Incoming, Notification, Reply
from storage import drafts as store

def publish(incoming: Incoming, services: Services, value: dict) -> list[Reply]:
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
    with services.db.atomic():
        draft = store.transition(services.db, draft, "publish", person.id, incoming.channel, services.now())
        if draft.approver_id:
            services.notify(Notification(draft.approver_id, Reply(
                f"Post draft {draft.id} has been published on {PLATFORM_LABELS.get(draft.platform, draft.platform)} "
                f"by {person.name}."), key=f"draft-{draft.id}-v{draft.version}-published"))
    return [Reply(f"Thanks — draft {draft.id} is recorded as published.")]


