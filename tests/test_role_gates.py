"""Every role gate in handlers/reports.py, handlers/drafts.py and handlers/admin.py, each on its own.

For each gate, everyone on the roster who lacks the role (and someone not on the roster) makes
the request; each is refused with a reply that names the role needed, and nothing the gate
protects changes. Deleting any one gate makes its cases fail (checked by hand and by the mutation
run in README's evidence). Through the real router, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Callable

import pytest

from handlers.context import PROJECT_ROOT
from handlers.messages import Incoming, Reply
from handlers.router import Router
from storage.roster import get_person, set_roles
from tests.test_reports import Chat, file_report

PROTECTED_TABLES = ("people", "drafts", "draft_versions", "poster_authorisations", "reports", "report_events",
                    "outbox")
SPORTS_DAY = "Sports Day is on Friday on the school field. Families are welcome to come and cheer everyone on."
UNLINKED = None  # a Slack or Teams user not linked to the roster
LINK_FIRST = ("IT manager", "link your account")  # what they need first is to be on the roster


def roster() -> dict[str, set[str]]:
    with open(PROJECT_ROOT / "data" / "roster.csv", newline="", encoding="utf-8") as handle:
        return {row["id"]: set(row["roles"].split(";")) for row in csv.DictReader(handle)}


def without(*roles: str, also_not: tuple[str, ...] = ()) -> list[str | None]:
    """Everyone on the roster holding none of `roles` (and not in `also_not`), and someone unlinked."""
    return [who for who, held in roster().items() if not held & set(roles) and who not in also_not] + [UNLINKED]


# --- the world a gate protects ------------------------------------------------------------------

def say(services, who: str | None, text: str = "", action: str | None = None, value: dict | None = None) -> list[Reply]:
    person = get_person(services.db, who) if who else None
    return Router(services).handle(Incoming("local", who or "U-unlinked", text=text, action=action,
                                            value=value or {}, person=person))


def submitted_draft(services) -> dict:
    replies = say(services, "hughes", f"draft: {SPORTS_DAY}\npictured: none")
    draft = replies[-1].buttons[0].value
    assert draft == {"draft_id": 1, "version": 1}, [r.plain() for r in replies]
    return draft


def draft_sent_back(services) -> dict:
    draft = submitted_draft(services)
    say(services, "okafor", action="draft.changes", value={**draft, "comment": "Add the time."})
    return draft


def approved_draft(services) -> dict:
    draft = submitted_draft(services)
    say(services, "okafor", action="draft.approve", value=draft)
    return draft


def revoked_after(services, step: Callable, world: dict | None = None) -> dict:
    """`step` (a poster's first steps), then the IT manager revokes the poster."""
    step()
    assert "can no longer submit" in say(services, "patel", "revoke @hughes as poster")[0].text
    return world or {}


def standard_report(services) -> dict:
    return {"ref": file_report(Chat(services), who="lewis")}


def report_about_the_dsl(services) -> dict:
    return {"ref": file_report(Chat(services), who="lewis", about="3")}


# --- the gates ----------------------------------------------------------------------------------

@dataclass
class Gate:
    refused: list[str | None]  # who must be refused
    request: Callable[[dict], dict]  # what they send, given what setup returned
    names: tuple[str, ...]  # words of the refusal that name the role needed
    setup: Callable = lambda services: {}
    roles: dict[str, set[str]] = field(default_factory=dict)  # roster changes first (a small school)
    unlinked: tuple[str, ...] = ()  # what someone not on the roster is told instead, when it differs


GATES = {
    # handlers/reports.py
    "report-view: any safeguarding role": Gate(
        without("dsl", "deputy_dsl", "headteacher", "chair_of_governors"),
        lambda w: {"action": "report.view", "value": w}, ("Role needed: the Designated Safeguarding Lead",),
        standard_report),
    "report-view: the report's routing": Gate(
        ["shah", "reed"], lambda w: {"text": f"view {w['ref']}"},
        ("Role needed: the one the report is routed to",), report_about_the_dsl),
    "report-view: excluded from a report about them, whatever else they hold": Gate(
        ["shah"], lambda w: {"text": f"view {w['ref']}"}, ("Role needed: the one the report is routed to",),
        report_about_the_dsl, roles={"shah": {"dsl", "headteacher", "staff"}}),
    "open-reports: any safeguarding role": Gate(
        without("dsl", "deputy_dsl", "headteacher", "chair_of_governors"), lambda w: {"text": "open reports"},
        ("Role needed: the Designated Safeguarding Lead, a deputy DSL or the Headteacher",), standard_report),
    "open-reports: a reader with none routed to them": Gate(
        ["hill"], lambda w: {"text": "open reports"},
        ("Role needed: the Designated Safeguarding Lead, a deputy DSL or the Headteacher",), standard_report),
    "open-reports: a report about them is not listed": Gate(
        ["shah", "reed"], lambda w: {"text": "open reports"}, ("No open concern reports.",), report_about_the_dsl),
    # handlers/drafts.py
    "draft-start: posters": Gate(
        without("poster", "deputy_head", "it_manager"), lambda w: {"text": "submit a draft"},
        ("posters (staff authorised by the IT manager)",), unlinked=LINK_FIRST),
    "draft-message: posters": Gate(
        without("poster", "deputy_head", "it_manager"), lambda w: {"text": f"draft: {SPORTS_DAY}"},
        ("posters (staff authorised by the IT manager)",), unlinked=LINK_FIRST),
    "draft-flow: a poster revoked mid-way": Gate(
        ["hughes"], lambda w: {"text": "Facebook"}, ("posters (staff authorised by the IT manager)",),
        lambda services: revoked_after(services, lambda: say(services, "hughes", "submit a draft"))),
    "draft-approve: the Deputy Head": Gate(
        without("deputy_head", also_not=("hughes",)), lambda w: {"action": "draft.approve", "value": w},
        ("Deputy Head",), submitted_draft, unlinked=LINK_FIRST),
    "draft-reject: the Deputy Head": Gate(
        without("deputy_head", also_not=("hughes",)),
        lambda w: {"action": "draft.reject", "value": {**w, "reason": "No."}}, ("Deputy Head",), submitted_draft, unlinked=LINK_FIRST),
    "draft-changes: the Deputy Head": Gate(
        without("deputy_head", also_not=("hughes",)),
        lambda w: {"action": "draft.changes", "value": {**w, "comment": "More."}}, ("Deputy Head",), submitted_draft, unlinked=LINK_FIRST),
    "draft-approve: not their own": Gate(
        ["okafor"], lambda w: {"action": "draft.approve", "value": w}, ("someone else to approve",),
        lambda services: say(services, "okafor", f"draft: {SPORTS_DAY}\npictured: none")[-1].buttons[0].value),
    "draft-withdraw: the submitter": Gate(
        without(also_not=("hughes",)), lambda w: {"action": "draft.withdraw", "value": w},
        ("the person who submitted",), submitted_draft),
    "draft-edit: the submitter": Gate(
        without(also_not=("hughes",)), lambda w: {"action": "draft.edit", "value": w},
        ("the person who submitted",), draft_sent_back),
    "draft-resubmit: the submitter": Gate(
        without(also_not=("hughes",)), lambda w: {"action": "draft.resubmit", "value": {**w, "text": SPORTS_DAY + "!"}},
        ("the person who submitted",), draft_sent_back),
    "draft-publish: a revoked submitter": Gate(
        ["hughes"], lambda w: {"action": "draft.publish", "value": w},
        ("posters (staff authorised by the IT manager)",), lambda services: revoked_after(services, lambda: None,
                                                                                           approved_draft(services))),
    "draft-resubmit: a revoked submitter": Gate(
        ["hughes"], lambda w: {"action": "draft.resubmit", "value": {**w, "text": SPORTS_DAY + "!"}},
        ("no longer authorised to post",), lambda services: revoked_after(services, lambda: None,
                                                                          draft_sent_back(services))),
    "draft-publish: the submitter or a poster": Gate(
        without("poster", also_not=("hughes",)), lambda w: {"action": "draft.publish", "value": w},
        ("authorised by the IT manager",), approved_draft),
    "draft-show: submitter, Deputy Head, Headteacher, IT manager": Gate(
        without("deputy_head", "headteacher", "it_manager", also_not=("hughes",)),
        lambda w: {"action": "draft.show", "value": w}, ("the Deputy Head, the Headteacher and the IT manager",),
        submitted_draft),
    "pending-approvals: Deputy Head or Headteacher": Gate(
        without("deputy_head", "headteacher"), lambda w: {"text": "pending approvals"},
        ("role needed: Deputy Head or Headteacher",), submitted_draft),
    "authorise-poster: the IT manager": Gate(
        without("it_manager"), lambda w: {"text": "authorise @lewis to post"}, ("Only the IT manager",)),
    "revoke-poster: the IT manager": Gate(
        without("it_manager"), lambda w: {"text": "revoke @hughes as poster"}, ("Only the IT manager",)),
    # handlers/admin.py
    "away: Deputy Head or Headteacher": Gate(
        without("deputy_head", "headteacher"), lambda w: {"text": "I'm away"},
        ("role needed: Deputy Head or Headteacher",)),
    "gap-register: Headteacher or governors": Gate(
        without("headteacher", "governor", "chair_of_governors"), lambda w: {"text": "policy gaps"},
        ("role needed: Headteacher or governor",)),
}
CASES = [pytest.param(gate, who, id=f"{name} / {who or 'unlinked'}")
         for name, gate in GATES.items() for who in gate.refused]


def snapshot(services) -> dict[str, list]:
    return {table: sorted(map(repr, services.db[table].rows)) for table in PROTECTED_TABLES}


@pytest.mark.parametrize("gate, who", CASES)
def test_each_role_gate_refuses_everyone_without_the_role_and_names_it(services, gate, who):
    for person, roles in gate.roles.items():
        set_roles(services.db, person, roles)
    world = gate.setup(services)
    before = snapshot(services)
    replies = say(services, who, **gate.request(world))
    said = "\n".join(r.plain() for r in replies)
    for words in (gate.unlinked if who is UNLINKED and gate.unlinked else gate.names):
        assert words in said, said
    assert snapshot(services) == before, said
    assert not any(r.buttons for r in replies if "Role needed" in r.text or "role needed" in r.text)


def test_every_gate_refuses_someone():
    assert all(gate.refused for gate in GATES.values())
