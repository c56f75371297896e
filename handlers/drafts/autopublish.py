"""The publishing job: approved drafts go out to the school's accounts when their time comes.

Channel-free: the platform work is a `Publisher` (bot.meta speaks Meta's Graph API) handed in by
the server. Each queued publication (storage.publishing) is claimed for one attempt under a lease,
so two workers never publish it at once and a worker that stopped mid-way is taken over when its
lease runs out. What the platform gave back part-way is saved at once (`Progress`), so the retry
after a failure or a restart resumes instead of publishing again. A failed attempt is retried with
backoff; the poster and the approver are told of the first failure, of giving up, and of success.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from handlers.context import Services
from handlers.drafts.common import PLATFORM_LABELS
from handlers.drafts.publishing import manual_platforms
from domain.messages import Notification, Reply
from storage import attachments
from storage import drafts as store
from storage import publishing as publications

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
SYSTEM = "policybot"


class PublishFailed(Exception):
    """The platform did not publish. `retryable`: a later attempt may work (a timeout, a 5xx, a rate
    limit); False when it cannot without a person (an expired token, a refused photo)."""

    def __init__(self, message: str, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Photo:
    name: str
    data: bytes


@dataclass(frozen=True)
class Post:
    key: str  # the idempotency key: one draft version on one platform
    platform: str  # "facebook" or "instagram"
    caption: str
    photos: tuple[Photo, ...]


@dataclass
class Progress:
    """What the platform has given back so far for one publication; `save()` commits it at once."""

    services: Services
    publication_id: int
    data: dict[str, Any] = field(default_factory=dict)

    def save(self, **changes: Any) -> None:
        self.data.update(changes)
        with self.services.db.atomic():
            publications.save_progress(self.services.db, self.publication_id, self.data)


class Publisher(Protocol):
    async def publish(self, post: Post, progress: Progress) -> str:
        """Publish once and return the platform's post id, resuming from `progress`; or raise PublishFailed."""


def _post_for(services: Services, row: dict) -> tuple[store.Draft, Post]:
    draft = store.get(services.db, row["draft_id"])
    text = store.version_text(services.db, row["draft_id"], row["version"]) or draft.text
    photos = []
    for listed in attachments.listing(services.db, attachments.DRAFT, str(draft.id)):
        found = attachments.read(services.db, listed["id"])
        photos.append(Photo(found["name"], found["data"]))
    return draft, Post(row["key"], row["platform"], text, tuple(photos))


async def publish_due(services: Services, publisher: Publisher) -> int:
    """Work through every publication due now; returns how many were published."""
    published = 0
    for row in publications.due(services.db, services.now()):
        with services.db.atomic():
            if not publications.claim(services.db, row, services.now(), LEASE):
                continue  # another worker took it
        draft, post = _post_for(services, row)
        if draft.version != row["version"] or draft.state not in ("approved", "published"):
            _finish_failed(services, {**row, "attempts": row["attempts"] + 1}, draft,
                           "the draft changed after it was approved", retry=False)
            continue
        progress = Progress(services, row["id"], dict(row["progress"]))
        try:
            post_id = await publisher.publish(post, progress)
        except PublishFailed as failure:
            _finish_failed(services, {**row, "attempts": row["attempts"] + 1}, draft, str(failure), failure.retryable)
            continue
        except Exception as error:  # a fault in the adapter: retried, never a crash of the loop
            log.exception("publishing %s failed", row["key"])
            _finish_failed(services, {**row, "attempts": row["attempts"] + 1}, draft, type(error).__name__, True)
            continue
        _finish_published(services, row, draft, post_id)
        published += 1
    return published


def _people(draft: store.Draft) -> list[str]:
    return list(dict.fromkeys(p for p in (draft.submitter_id, draft.approver_id) if p))


def _finish_published(services: Services, row: dict, draft: store.Draft, post_id: str) -> None:
    db, now, label = services.db, services.now(), PLATFORM_LABELS[row["platform"]]
    with db.atomic():
        publications.mark_published(db, row["id"], post_id, now)
        store.audit(db, draft.id, row["version"], SYSTEM, f"published_{row['platform']}", draft.state, draft.state,
                    "system", now, f"{label} post id {post_id}; idempotency key {row['key']}")
        rows = publications.of_draft(db, draft.id)
        all_out = all(r["state"] == publications.PUBLISHED for r in rows if r["version"] == row["version"])
        if all_out and draft.state == "approved" and not manual_platforms(services, draft):
            store.transition(db, draft, "publish", SYSTEM, "system", now, detail="published automatically")
        for person_id in _people(draft):
            services.notify(Notification(person_id, Reply(
                f"Post draft {draft.id} (version {row['version']}) is published on {label}.",
                facts=[("Post id", post_id)], data={"draft_id": draft.id}),
                key=f"{row['key']}-published-{person_id}"))


def _finish_failed(services: Services, row: dict, draft: store.Draft, error: str, retry: bool) -> None:
    db, now, label = services.db, services.now(), PLATFORM_LABELS[row["platform"]]
    attempts = row["attempts"]
    retry_at = now + BACKOFF[attempts - 1] if retry and attempts < MAX_ATTEMPTS else None
    with db.atomic():
        publications.mark_failed(db, row["id"], error, retry_at, now)
        store.audit(db, draft.id, row["version"], SYSTEM, f"publish_failed_{row['platform']}", draft.state,
                    draft.state, "system", now, f"attempt {attempts}: {error}"[:500])
        if retry_at is not None and attempts > 1:
            return  # told at the first failure; told again when it works or is given up
        if retry_at is not None:
            said = (f"Publishing post draft {draft.id} on {label} failed ({error}). I'll try again "
                    f"automatically; nothing has been posted twice.")
        else:
            said = (f"Post draft {draft.id} could not be published on {label} ({error}), and I have stopped "
                    f"trying. Post it by hand exactly as approved, then type *published {draft.id}*.")
        for person_id in _people(draft):
            services.notify(Notification(person_id, Reply(said, data={"draft_id": draft.id}),
                                         key=f"{row['key']}-failed-{attempts}-{person_id}"))
