"""Buttons on a decided item close, on every channel, saying who decided and when.

When a button for a decision (a draft's Approve / Request changes / Reject, a concern report's
Acknowledge / Close) is pressed, the router asks `note_for` whether that item is now decided, by
anyone: the press that decided it, a second press, or a replayed one. If it is, the first reply
carries `data["decided"] = {"note": …, "closes": [actions]}`, and each adapter closes those buttons
on the message the pressed one was on (the others stay: an acknowledged report can still be closed):
Slack updates it (chat.update), Teams updates the card activity, the web chat disables them and the
terminal prints the note. `closed` is the channel-free form of such a message.
"""
from __future__ import annotations

from dataclasses import replace

from handlers.context import Services
from domain.messages import Incoming, Reply
from handlers.schedule import format_moment
from storage import reports as report_store
from storage import roster

DECIDED_KEY = "decided"
DRAFT_ACTIONS = frozenset({"draft.approve", "draft.reject", "draft.changes"})
REPORT_ACTIONS = frozenset({"report.ack", "report.close", "report.close_save"})
CLOSED_REPORT_ACTIONS = ("report.ack", "report.close", "report.close_save")
DRAFT_WORDS = {"approve": "Approved", "reject": "Rejected", "request_changes": "Sent back for changes",
               "withdraw": "Withdrawn"}


def _name(services: Services, person_id: str | None) -> str:
    person = roster.get_person(services.db, person_id) if person_id else None
    return person.name if person else (person_id or "someone")


def _when(services: Services, stamp: str | None) -> str:
    return format_moment(stamp, services.config.timezone)


def _draft(services: Services, raw: object):
    """The draft a button names, or None (a forged id past the database's integers included)."""
    from storage import drafts as draft_store

    try:
        draft_id = int(raw)
    except (TypeError, ValueError):
        return None
    return draft_store.get(services.db, draft_id) if 0 < draft_id < 2 ** 63 else None


def _draft_note(services: Services, value: dict) -> str | None:
    from storage import drafts as draft_store

    draft = _draft(services, value.get("draft_id"))
    if draft is None or draft.state == "submitted":
        return None
    try:
        version = int(value.get("version"))
    except (TypeError, ValueError):
        version = draft.version
    decisions = [row for row in draft_store.audit_trail(services.db, draft.id)
                 if row["version"] == version and row["action"] in DRAFT_WORDS]
    if not decisions:  # a newer version is waiting, or the button was for an older one
        return (f"Draft {draft.id} has moved on to version {draft.version}; these buttons are closed."
                if version != draft.version else None)
    last = decisions[-1]
    return f"{DRAFT_WORDS[last['action']]} by {_name(services, last['actor_id'])} at {_when(services, last['at'])}"


def _report_note(services: Services, value: dict) -> str | None:
    from storage import reports as report_store

    ref = str(value.get("ref") or "").strip().upper()
    report = report_store.get_report(services.db, ref) if ref else None
    if report is None:
        return None
    if report["status"] == "closed":
        return f"Closed by {_name(services, report['closed_by'])} at {_when(services, report['closed_at'])}"
    if report["status"] == "acknowledged":
        return (f"Acknowledged by {_name(services, report['acknowledged_by'])} at "
                f"{_when(services, report['acknowledged_at'])}")
    return None


def note_for(incoming: Incoming, services: Services) -> dict | None:
    """"Approved by Daniel Okafor at 26 November 2026, 10:00" when the pressed button's item is
    decided and the person pressing it may decide it (nobody else learns anything from a press)."""
    value = incoming.value if isinstance(incoming.value, dict) else {}
    if incoming.action in DRAFT_ACTIONS and _may_decide_draft(incoming, services, value):
        note = _draft_note(services, value)
        return {"note": note, "closes": sorted(DRAFT_ACTIONS)} if note else None
    if incoming.action in REPORT_ACTIONS and _let_into_report(incoming, services, value):
        note = _report_note(services, value)
        if note is None:
            return None
        closes = CLOSED_REPORT_ACTIONS if note.startswith("Closed") else ("report.ack",)
        return {"note": note, "closes": list(closes)}
    return None


def _may_decide_draft(incoming: Incoming, services: Services, value: dict) -> bool:
    from handlers.drafts.common import approval_refusal

    draft = _draft(services, value.get("draft_id"))
    return draft is not None and approval_refusal(services, incoming.person, draft) is None


def _let_into_report(incoming: Incoming, services: Services, value: dict) -> bool:
    """The press was let in: the report's own check (handlers.reports) has just audited it."""
    last = report_store.last_access(services.db, incoming.who)
    return last is not None and last[1] and last[0] == str(value.get("ref") or "").strip().upper()


def mark(incoming: Incoming, services: Services, replies: list[Reply]) -> list[Reply]:
    """The replies, the first carrying the note when the pressed button's item is decided."""
    if not replies or not incoming.action or incoming.person is None:
        return replies
    note = note_for(incoming, services)
    if note:
        replies[0].data[DECIDED_KEY] = note
    return replies


def decision_in(replies: list[Reply]) -> dict | None:
    """The decision one of the replies carries (set by `mark`), or None."""
    return next((r.data[DECIDED_KEY] for r in replies if isinstance(r.data.get(DECIDED_KEY), dict)), None)


def closes(decision: dict, action: str) -> bool:
    return action.split("#")[0] in decision.get("closes", ())


def closing_line(decision: dict) -> str:
    return f"✓ {decision['note']}."


def closed(reply: Reply, decision: dict) -> Reply:
    """A message with buttons for a decided item: the same words, those buttons gone, the note."""
    return replace(reply, buttons=[b for b in reply.buttons if not closes(decision, b.action)],
                   form=None, notes=[*reply.notes, closing_line(decision)])
