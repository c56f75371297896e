"""The small interface the channel adapters deliver through: what waits in the outbox and to whom,
the local chats' inbox, and the stored files (evidence, a draft's photos) a handler has already
authorised for the reply that carries them.

Handlers queue a Notification (Services.notify); bot/delivery.py drains it through these calls, so
no adapter reads or writes the outbox, the roster's accounts or the file store itself."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.messages import Reply
from handlers.context import Services
from storage import attachments, outbox
from storage.crypto import InvalidToken
from storage.roster import accounts_of

LOCAL = "local"  # the web chat and the terminal: delivered into the person's local inbox
UNREADABLE = "sealed with a report key this server does not have (see POLICYBOT_REPORT_KEY)"


@dataclass(frozen=True)
class Pending:
    id: str
    person_id: str
    reply: Reply | None  # None: sealed under a report key this server lacks (never skip the others)


def due(services: Services) -> list[Pending]:
    """The messages whose time has come, opened."""
    pending = []
    for row in outbox.due(services.db, services.now()):
        try:
            reply = outbox.payload(services.db, row)
        except InvalidToken:
            reply = None
        pending.append(Pending(row["id"], row["person_id"], reply))
    return pending


def next_due_at(services: Services) -> datetime | None:
    return outbox.next_due_at(services.db)


def accounts(services: Services, person_id: str) -> dict[str, str]:
    """platform -> this person's user id on it, for the platforms they are linked on."""
    return accounts_of(services.db, person_id)


def failed(services: Services, message_id: str, reason: str, retry_after: float | None = None) -> datetime:
    """Not delivered: kept pending with a backoff (or the platform's Retry-After); when to retry."""
    return outbox.mark_failed(services.db, message_id, reason, services.now(), retry_after)


def delivered(services: Services, message: Pending, channel: str) -> None:
    """Delivered through `channel`; for LOCAL, kept in the person's local inbox (both or neither)."""
    db = services.db
    with db.atomic():
        if channel == LOCAL:
            outbox.deliver_locally(db, message.person_id, message.reply, services.now())
        outbox.mark_delivered(db, message.id, channel, services.now())


def take_local_inbox(services: Services, person_id: str) -> list[Reply]:
    """What arrived for this person in the local chats since they last looked (then marked seen)."""
    return outbox.take_local_inbox(services.db, person_id)


def reply_images(services: Services, reply: Reply, limit: int | None = None) -> list[dict]:
    """The photos a reply names in data["images"] (a draft's, which a handler already decided this
    reader may see), with their bytes: name, mime, data. Missing or malformed entries are left out."""
    found = []
    for image in (reply.data.get("images") or [])[:limit]:
        if isinstance(image, dict) and str(image.get("id", "")).isdigit():
            stored = attachments.read(services.db, int(image["id"]))
            if stored is not None:
                found.append(stored)
    return found


def authorised_file(services: Services, reply: Reply) -> dict | None:
    """The stored file a private reply carries (a handler checked and audited who may see it before
    putting it there): name, mime, data. None when the reply carries none or it is gone."""
    stored = reply.data.get("file") if reply.private else None
    if not isinstance(stored, dict):
        return None
    return attachments.read(services.db, int(stored["id"]))
