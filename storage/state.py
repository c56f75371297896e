"""Conversation state for guided flows, kept in SQLite so a restart mid-way loses nothing."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from storage.migrations import Migrations
from storage.store import Store

migrations = Migrations("state")


@migrations()
def create_state(db: Store) -> None:
    db["conversation_state"].create(
        {"who": str, "flow": str, "step": str, "data": str, "updated_at": str}, pk="who")
    db["processed_events"].create({"event_id": str, "seen_at": str}, pk="event_id")


@migrations()
def create_notices_shown(db: Store) -> None:
    # The day a person last saw a standing notice (such as "the policy is due for renewal").
    db["notices_shown"].create({"who": str, "notice": str, "day": str}, pk=("who", "notice"))


@dataclass
class FlowState:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: str = ""


def get_state(db: Store, who: str) -> FlowState | None:
    # Plain SQL: this runs on every turn, and sqlite_utils' table helpers read the schema each call.
    row = db.execute("SELECT flow, step, data, updated_at FROM conversation_state WHERE who = :who",
                     {"who": who}).fetchone()
    if row is None:
        return None
    flow, step, data, updated_at = row
    return FlowState(flow, step, json.loads(data or "{}"), updated_at)


def set_state(db: Store, who: str, state: FlowState, now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    with db.atomic():
        db.execute(
            "INSERT INTO conversation_state (who, flow, step, data, updated_at) VALUES (:who, :flow, :step, :data, :at)"
            " ON CONFLICT (who) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
            " data = excluded.data, updated_at = excluded.updated_at",
            {"who": who, "flow": state.flow, "step": state.step, "data": json.dumps(state.data),
             "at": now.isoformat(timespec="seconds")})


def in_flow_since(db: Store, flow: str, before: datetime) -> list[dict]:
    """who, step, data (decoded) and updated_at of everyone in `flow`, last changed at or before `before`."""
    rows = db.query("SELECT who, step, data, updated_at FROM conversation_state WHERE flow = :flow"
                    " AND updated_at <= :before ORDER BY updated_at, who",
                    {"flow": flow, "before": before.astimezone(timezone.utc).isoformat(timespec="seconds")})
    return [{**row, "data": json.loads(row["data"] or "{}")} for row in rows]


def set_data(db: Store, who: str, data: dict[str, Any]) -> None:
    """Change a flow's data without moving it (nor its updated_at)."""
    db.execute("UPDATE conversation_state SET data = :data WHERE who = :who", {"data": json.dumps(data), "who": who})


def clear_state(db: Store, who: str) -> None:
    db.execute("DELETE FROM conversation_state WHERE who = :who", {"who": who})


def first_time_seen(db: Store, event_id: str) -> bool:
    """Record an incoming platform event id; False when it was handled before (a retry)."""
    cursor = db.execute(
        "INSERT INTO processed_events (event_id, seen_at) VALUES (:event_id, :seen_at) ON CONFLICT DO NOTHING",
        {"event_id": event_id, "seen_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    return cursor.rowcount == 1


def first_showing_today(db: Store, who: str, notice: str, today: date) -> bool:
    """Record that `who` is shown `notice` today; False when they were shown it already today.

    One statement, so two replies to the same person at once cannot both claim the first showing."""
    cursor = db.execute(
        "INSERT INTO notices_shown (who, notice, day) VALUES (:who, :notice, :day)"
        " ON CONFLICT (who, notice) DO UPDATE SET day = excluded.day WHERE notices_shown.day <> excluded.day",
        {"who": who, "notice": notice, "day": today.isoformat()})
    return cursor.rowcount == 1
