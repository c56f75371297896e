"""Where the bot can reach each person on a chat platform again: their conversation references.

A reference is the platform's own serialized address of a conversation (for Teams, the
Bot Framework ConversationReference as a JSON-able dict). Storage keeps it opaque: only the
adapter that wrote it reads it back. Each user has the latest reference of any conversation
(a team channel, say) and, separately, their personal (1:1) one, which is where anything
private or proactive must go.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from storage.migrations import Migrations
from storage.store import Store

migrations = Migrations("conversation_refs")

LATEST = "latest"
PERSONAL = "personal"


@migrations()
def create_conversation_refs(db: Store) -> None:
    db["conversation_refs"].create(
        {"platform": str, "platform_user_id": str, "kind": str, "reference": str, "updated_at": str},
        pk=("platform", "platform_user_id", "kind"),
    )


def save(db: Store, platform: str, platform_user_id: str, reference: dict[str, Any],
         personal: bool) -> None:
    """Remember the conversation a person just wrote in (also as their personal one if it is).

    Called on every message, so an unchanged reference costs one read and no write.
    """
    encoded = json.dumps(reference, sort_keys=True)
    kinds = (LATEST, PERSONAL) if personal else (LATEST,)
    stored = dict(db.execute(
        "SELECT kind, reference FROM conversation_refs WHERE platform = :platform AND platform_user_id = :user",
        {"platform": platform, "user": platform_user_id}).fetchall())
    changed = [kind for kind in kinds if stored.get(kind) != encoded]
    if not changed:
        return
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with db.atomic():
        for kind in changed:
            db.execute(
                "INSERT INTO conversation_refs (platform, platform_user_id, kind, reference, updated_at)"
                " VALUES (:platform, :user, :kind, :reference, :now) ON CONFLICT (platform, platform_user_id, kind)"
                " DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at",
                {"platform": platform, "user": platform_user_id, "kind": kind, "reference": encoded, "now": now})


def save_personal(db: Store, platform: str, platform_user_id: str, reference: dict[str, Any]) -> None:
    """Remember a personal conversation the bot opened itself (proactively)."""
    save(db, platform, platform_user_id, reference, personal=True)


def _get(db: Store, platform: str, platform_user_id: str, kind: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT reference FROM conversation_refs WHERE platform = :platform AND platform_user_id = :user"
        " AND kind = :kind", {"platform": platform, "user": platform_user_id, "kind": kind}).fetchone()
    return json.loads(row[0]) if row else None


def personal(db: Store, platform: str, platform_user_id: str) -> dict[str, Any] | None:
    """The person's 1:1 conversation with the bot, if known."""
    return _get(db, platform, platform_user_id, PERSONAL)


def latest(db: Store, platform: str, platform_user_id: str) -> dict[str, Any] | None:
    """The last conversation (of any kind) the person wrote to the bot in, if any."""
    return _get(db, platform, platform_user_id, LATEST)
