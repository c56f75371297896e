"""Post drafts: the draft, each version of its text, who may post, and the audit trail.

The state machine lives here as one explicit table, so no caller can move a draft along an edge
that is not in it. Each change writes the draft row and its audit row together; callers wrap that
(and the notification it causes) in one `db.atomic()` transaction.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from storage.database import Store
from storage.migrations import Migrations

migrations = Migrations("drafts")

STATES = ("submitted", "approved", "rejected", "changes_requested", "withdrawn", "published")
# action -> (states it may start from, state it leads to). Anything not listed is refused.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"submitted"}), "approved"),
    "reject": (frozenset({"submitted"}), "rejected"),
    "request_changes": (frozenset({"submitted"}), "changes_requested"),
    "resubmit": (frozenset({"changes_requested"}), "submitted"),
    "withdraw": (frozenset({"submitted", "changes_requested"}), "withdrawn"),
    "publish": (frozenset({"approved"}), "published"),
}
STATE_WORDS = {"submitted": "waiting for approval", "approved": "approved", "rejected": "rejected",
               "changes_requested": "back with its submitter for changes", "withdrawn": "withdrawn",
               "published": "already published"}
OPEN_STATES = frozenset({"submitted", "changes_requested", "approved"})


@migrations()
def create_drafts(db: Store) -> None:
    db["drafts"].create({
        "id": int, "submitter_id": str, "platform": str, "state": str, "version": int,
        "approver_id": str, "created_at": str, "updated_at": str, "submitted_at": str,
        "nudged_version": int, "last_reason": str,
    }, pk="id", not_null={"submitter_id", "state", "version"}, defaults={"nudged_version": 0})
    db["drafts"].create_index(["state"])
    db["drafts"].create_index(["submitter_id"])
    db["draft_versions"].create({
        "draft_id": int, "version": int, "text": str, "photos": str, "pictured": str,
        "findings": str, "ok": int, "created_at": str, "channel": str,
    }, pk=("draft_id", "version"), foreign_keys=[("draft_id", "drafts", "id")])
    # Posters authorised (or revoked) by the IT manager in chat; the roster CSV is reloaded on
    # every start, so this lives apart from people.roles and overrides the roster's "poster" role.
    db["poster_authorisations"].create({
        "person_id": str, "status": str, "changed_by": str, "changed_at": str,
    }, pk="person_id")
    db["draft_audit"].create({
        "id": int, "draft_id": int, "version": int, "actor_id": str, "action": str,
        "from_state": str, "to_state": str, "channel": str, "detail": str, "at": str,
    }, pk="id")
    db["draft_audit"].create_index(["draft_id"])
    db["poster_audit"].create({
        "id": int, "person_id": str, "actor_id": str, "action": str, "channel": str, "at": str,
    }, pk="id")


@migrations()
def add_publish_time(db: Store) -> None:
    # When the poster asked for the post to go out (UTC ISO), or "" for as soon as it is approved.
    db.execute("ALTER TABLE draft_versions ADD COLUMN publish_at TEXT")


class IllegalTransition(Exception):
    """The draft is not in a state that allows this; the message says why, in plain words."""


@dataclass
class Draft:
    id: int
    submitter_id: str
    platform: str
    state: str
    version: int
    approver_id: str
    submitted_at: str
    nudged_version: int
    last_reason: str
    text: str
    photos: str
    pictured: list[str]
    findings: list[dict]
    created_at: str
    publish_at: str = ""


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _draft(row: dict, version_row: dict) -> Draft:
    return Draft(
        id=row["id"], submitter_id=row["submitter_id"], platform=row["platform"], state=row["state"],
        version=row["version"], approver_id=row["approver_id"] or "", submitted_at=row["submitted_at"] or "",
        nudged_version=row["nudged_version"] or 0, last_reason=row["last_reason"] or "",
        text=version_row["text"], photos=version_row["photos"] or "",
        pictured=json.loads(version_row["pictured"] or "[]"), findings=json.loads(version_row["findings"] or "[]"),
        created_at=row["created_at"], publish_at=version_row.get("publish_at") or "",
    )


def get(db: Store, draft_id: int) -> Draft | None:
    try:
        draft_id = int(draft_id)
    except (TypeError, ValueError):
        return None
    rows = list(db["drafts"].rows_where("id = :id", {"id": draft_id}))
    if not rows:
        return None
    version = db["draft_versions"].get((draft_id, rows[0]["version"]))
    return _draft(rows[0], version)


def version_text(db: Store, draft_id: int, version: int) -> str | None:
    rows = list(db["draft_versions"].rows_where("draft_id = :draft_id AND version = :version",
                                                {"draft_id": draft_id, "version": version}))
    return rows[0]["text"] if rows else None


def audit(db: Store, draft_id: int, version: int, actor_id: str, action: str, from_state: str | None,
          to_state: str, channel: str, now: datetime, detail: str = "") -> None:
    db["draft_audit"].insert({
        "draft_id": draft_id, "version": version, "actor_id": actor_id, "action": action,
        "from_state": from_state or "", "to_state": to_state, "channel": channel, "detail": detail,
        "at": _iso(now),
    })


def create(db: Store, submitter_id: str, platform: str, text: str, photos: str, pictured: list[str],
           findings: list[dict], ok: bool, approver_id: str, channel: str, now: datetime,
           publish_at: str = "") -> int:
    """A new draft at version 1, submitted for approval (call inside db.atomic())."""
    stamp = _iso(now)
    draft_id = db["drafts"].insert({
        "submitter_id": submitter_id, "platform": platform, "state": "submitted", "version": 1,
        "approver_id": approver_id, "created_at": stamp, "updated_at": stamp, "submitted_at": stamp,
        "nudged_version": 0, "last_reason": "",
    }).last_pk
    _add_version(db, draft_id, 1, text, photos, pictured, findings, ok, channel, stamp, publish_at)
    audit(db, draft_id, 1, submitter_id, "submit", None, "submitted", channel, now)
    return draft_id


def _add_version(db: Store, draft_id: int, version: int, text: str, photos: str, pictured: list[str],
                 findings: list[dict], ok: bool, channel: str, stamp: str, publish_at: str = "") -> None:
    db["draft_versions"].insert({
        "draft_id": draft_id, "version": version, "text": text, "photos": photos,
        "pictured": json.dumps(pictured), "findings": json.dumps(findings), "ok": int(ok),
        "created_at": stamp, "channel": channel, "publish_at": publish_at,
    })


def check_transition(draft: Draft, action: str) -> str:
    """The state an action leads to, or IllegalTransition saying why not."""
    if action not in TRANSITIONS:
        raise IllegalTransition(f"'{action}' is not something that can be done to a draft.")
    allowed_from, to_state = TRANSITIONS[action]
    if draft.state not in allowed_from:
        words = action.replace("_", " ")
        allowed = " or ".join(STATE_WORDS[s] for s in sorted(allowed_from))
        raise IllegalTransition(f"Draft {draft.id} is {STATE_WORDS[draft.state]}, so it cannot be "
                                f"{_past(words)} (only a draft that is {allowed} can).")
    return to_state


def _past(words: str) -> str:
    return {"approve": "approved", "reject": "rejected", "request changes": "sent back for changes",
            "resubmit": "resubmitted", "withdraw": "withdrawn", "publish": "marked as published"}.get(words, words)


def transition(db: Store, draft: Draft, action: str, actor_id: str, channel: str, now: datetime,
               detail: str = "", new_version: dict[str, Any] | None = None, approver_id: str | None = None) -> Draft:
    """Move a draft along one edge of TRANSITIONS and audit it (call inside db.atomic()).

    The update is conditional on the state and version read, so two people pressing buttons at
    once cannot both win."""
    to_state = check_transition(draft, action)
    stamp = _iso(now)
    version = draft.version + 1 if new_version is not None else draft.version
    changes = {"state": to_state, "version": version, "updated_at": stamp}
    if action in ("reject", "request_changes", "withdraw"):
        changes["last_reason"] = detail
    if to_state == "submitted":
        changes["submitted_at"] = stamp
    if approver_id is not None:
        changes["approver_id"] = approver_id
    assignments = ", ".join(f"{k} = :{k}" for k in changes)  # column names from this function, not from input
    cursor = db.execute(f"UPDATE drafts SET {assignments} WHERE id = :id AND state = :read_state"
                        " AND version = :read_version",
                        {**changes, "id": draft.id, "read_state": draft.state, "read_version": draft.version})
    if cursor.rowcount != 1:
        raise IllegalTransition(f"Draft {draft.id} changed while you were looking at it; nothing was done. "
                                "Please look at it again.")
    if new_version is not None:
        _add_version(db, draft.id, version, new_version["text"], new_version.get("photos", ""),
                     new_version.get("pictured", []), new_version.get("findings", []),
                     bool(new_version.get("ok", True)), channel, stamp, new_version.get("publish_at", ""))
    audit(db, draft.id, version, actor_id, action, draft.state, to_state, channel, now, detail)
    return get(db, draft.id)


def set_platform(db: Store, draft_id: int, platform: str) -> None:
    db.execute("UPDATE drafts SET platform = :platform WHERE id = :id", {"platform": platform, "id": draft_id})


def mark_nudged(db: Store, draft_id: int, version: int, now: datetime) -> bool:
    cursor = db.execute("UPDATE drafts SET nudged_version = :version WHERE id = :id AND version = :version"
                        " AND nudged_version < :version", {"version": version, "id": draft_id})
    if cursor.rowcount == 1:
        audit(db, draft_id, version, "policybot", "nudge", "submitted", "submitted", "system", now)
        return True
    return False


def drafts_of(db: Store, submitter_id: str, limit: int = 20) -> list[Draft]:
    rows = db["drafts"].rows_where("submitter_id = :submitter_id", {"submitter_id": submitter_id},
                                   order_by="id desc", limit=limit)
    return [get(db, r["id"]) for r in rows]


def in_state(db: Store, state: str) -> list[Draft]:
    return [get(db, r["id"]) for r in db["drafts"].rows_where("state = :state", {"state": state}, order_by="id")]


def audit_trail(db: Store, draft_id: int) -> list[dict]:
    return list(db["draft_audit"].rows_where("draft_id = :draft_id", {"draft_id": draft_id}, order_by="id"))


# --- posters ------------------------------------------------------------------------------------

def poster_status(db: Store, person_id: str) -> str | None:
    """"authorised", "revoked", or None when the IT manager has not decided in chat."""
    rows = list(db["poster_authorisations"].rows_where("person_id = :person_id", {"person_id": person_id}))
    return rows[0]["status"] if rows else None


def set_poster(db: Store, person_id: str, authorised: bool, actor_id: str, channel: str, now: datetime) -> None:
    status = "authorised" if authorised else "revoked"
    db["poster_authorisations"].upsert({"person_id": person_id, "status": status, "changed_by": actor_id,
                                        "changed_at": _iso(now)}, pk="person_id")
    db["poster_audit"].insert({"person_id": person_id, "actor_id": actor_id, "action": status,
                               "channel": channel, "at": _iso(now)})


def poster_decisions(db: Store) -> dict[str, str]:
    return {r["person_id"]: r["status"] for r in db["poster_authorisations"].rows}
