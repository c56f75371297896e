"""Every role gate in handlers/reports/, handlers/drafts.py and handlers/admin.py, each on its own.

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

from domain.messages import Incoming, Reply
from handlers.context import PROJECT_ROOT
from handlers.router import Router
from storage.roster import get_person, set_roles
from tests.test_report_existence import NOT_YOURS_OR_MISSING, ROLE_REFUSAL
from tests.test_reports import Chat, file_report

PROTECTED_TABLES = ("people", "drafts", "draft_versions", "poster_authorisations", "reports", "report_events",
                    "outbox")
SPORTS_DAY = "Sports Day is on Friday on the school field. Families are welcome to come and cheer everyone on."
UNLINKED = None  # a Slack or Teams user not linked to the roster
NOT_A_POSTER = ("Only posters (staff authorised by the IT manager) can submit posts for the school's Facebook and "
                "Instagram. You're not authorised yet — Sam Patel can authorise you: ask them to type *authorise "
                "{name} to post*. You can still ask me anything about the policy.")
UNKNOWN_POSTER = ("I don't know who you are yet, so I can't take a post draft from you. Ask Sam Patel (the IT "
                  "manager) to link your account to the roster.")
DEPUTY_HEAD_ONLY = ("Only the Deputy Head can approve, reject or send back post drafts — or the Headteacher while "
                    "the Deputy Head is marked away.")
HEAD_WAITS_FOR_DEPUTY = ("The Deputy Head approves post drafts. The Headteacher can act only while the Deputy Head "
                         "is marked away (they type *I'm away*).")
UNKNOWN_APPROVER = "I don't know who you are, so I can't let you approve drafts. Ask the IT manager to link your account."


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
    says: str  # the whole refusal, naming the role needed ({name}: the person's own)
    setup: Callable = lambda services: {}
    roles: dict[str, set[str]] = field(default_factory=dict)  # roster changes first (a small school)
    unlinked: str | None = None  # what someone not on the roster is told instead, when it differs
    to: dict[str, str] = field(default_factory=dict)  # what a particular person is told instead


GATES = {
    # handlers/reports/
    "report-view: any safeguarding role": Gate(
        without("dsl", "deputy_dsl", "headteacher", "chair_of_governors"),
        lambda w: {"action": "report.view", "value": w}, ROLE_REFUSAL,
        standard_report),
    "report-view: the report's routing": Gate(
        ["shah", "reed"], lambda w: {"text": f"view {w['ref']}"},
        NOT_YOURS_OR_MISSING, report_about_the_dsl),
    "report-view: excluded from a report about them, whatever else they hold": Gate(
        ["shah"], lambda w: {"text": f"view {w['ref']}"}, NOT_YOURS_OR_MISSING,
        report_about_the_dsl, roles={"shah": {"dsl", "headteacher", "staff"}}),
    "open-reports: any safeguarding role": Gate(
        without("dsl", "deputy_dsl", "headteacher", "chair_of_governors"), lambda w: {"text": "open reports"},
        ROLE_REFUSAL, standard_report),
    "open-reports: a reader with none routed to them": Gate(
        ["hill"], lambda w: {"text": "open reports"},
        ROLE_REFUSAL, standard_report),
    "open-reports: a report about them is not listed": Gate(
        ["shah", "reed"], lambda w: {"text": "open reports"}, "No open concern reports.", report_about_the_dsl),
    # handlers/drafts.py
    "draft-start: posters": Gate(
        without("poster", "deputy_head", "it_manager"), lambda w: {"text": "submit a draft"},
        NOT_A_POSTER, unlinked=UNKNOWN_POSTER),
    "draft-message: posters": Gate(
        without("poster", "deputy_head", "it_manager"), lambda w: {"text": f"draft: {SPORTS_DAY}"},
        NOT_A_POSTER, unlinked=UNKNOWN_POSTER),
    "draft-flow: a poster revoked mid-way": Gate(
        ["hughes"], lambda w: {"text": "Facebook"}, NOT_A_POSTER,
        lambda services: revoked_after(services, lambda: say(services, "hughes", "submit a draft"))),
    "draft-approve: the Deputy Head": Gate(
        without("deputy_head", also_not=("hughes",)), lambda w: {"action": "draft.approve", "value": w},
        DEPUTY_HEAD_ONLY, submitted_draft,
        unlinked=UNKNOWN_APPROVER, to={"ingram": HEAD_WAITS_FOR_DEPUTY}),
    "draft-reject: the Deputy Head": Gate(
        without("deputy_head", also_not=("hughes",)),
        lambda w: {"action": "draft.reject", "value": {**w, "reason": "No."}}, DEPUTY_HEAD_ONLY, submitted_draft,
        unlinked=UNKNOWN_APPROVER, to={"ingram": HEAD_WAITS_FOR_DEPUTY}),
    "draft-changes: the Deputy Head": Gate(
        without("deputy_head", also_not=("hughes",)),
        lambda w: {"action": "draft.changes", "value": {**w, "comment": "More."}}, DEPUTY_HEAD_ONLY, submitted_draft,
        unlinked=UNKNOWN_APPROVER, to={"ingram": HEAD_WAITS_FOR_DEPUTY}),
    "draft-approve: not their own": Gate(
        ["okafor"], lambda w: {"action": "draft.approve", "value": w}, "Nobody can approve their own draft. It has gone to someone else to approve.",
        lambda services: say(services, "okafor", f"draft: {SPORTS_DAY}\npictured: none")[-1].buttons[0].value),
    "draft-withdraw: the submitter": Gate(
        without(also_not=("hughes",)), lambda w: {"action": "draft.withdraw", "value": w},
        "Only the person who submitted a draft can withdraw it.", submitted_draft),
    "draft-edit: the submitter": Gate(
        without(also_not=("hughes",)), lambda w: {"action": "draft.edit", "value": w},
        "Only the person who submitted a draft can edit and resubmit it.", draft_sent_back),
    "draft-resubmit: the submitter": Gate(
        without(also_not=("hughes",)), lambda w: {"action": "draft.resubmit", "value": {**w, "text": SPORTS_DAY + "!"}},
        "Only the person who submitted a draft can edit and resubmit it.", draft_sent_back),
    "draft-publish: a revoked submitter": Gate(
        ["hughes"], lambda w: {"action": "draft.publish", "value": w},
        NOT_A_POSTER, lambda services: revoked_after(services, lambda: None,
                                                                                           approved_draft(services))),
    "draft-resubmit: a revoked submitter": Gate(
        ["hughes"], lambda w: {"action": "draft.resubmit", "value": {**w, "text": SPORTS_DAY + "!"}},
        "You are no longer authorised to post (the IT manager can authorise you again).", lambda services: revoked_after(services, lambda: None,
                                                                          draft_sent_back(services))),
    "draft-publish: the submitter or a poster": Gate(
        without("poster", also_not=("hughes",)), lambda w: {"action": "draft.publish", "value": w},
        ("Only the person who submitted the draft, or another poster authorised by the IT manager, can "
         "confirm it was published."), approved_draft),
    "draft-show: submitter, Deputy Head, Headteacher, IT manager": Gate(
        without("deputy_head", "headteacher", "it_manager", also_not=("hughes",)),
        lambda w: {"action": "draft.show", "value": w}, ("Only the submitter, the Deputy Head, the Headteacher and the IT manager can see a draft before it "
         "is published."),
        submitted_draft),
    "pending-approvals: Deputy Head or Headteacher": Gate(
        without("deputy_head", "headteacher"), lambda w: {"text": "pending approvals"},
        ("Pending approvals are for the Deputy Head, and for the Headteacher while the Deputy Head is away "
         "(role needed: Deputy Head or Headteacher)."), submitted_draft),
    "authorise-poster: the IT manager": Gate(
        without("it_manager"), lambda w: {"text": "authorise @lewis to post"}, "Only the IT manager can authorise or revoke posters — that's Sam Patel."),
    "revoke-poster: the IT manager": Gate(
        without("it_manager"), lambda w: {"text": "revoke @hughes as poster"}, "Only the IT manager can authorise or revoke posters — that's Sam Patel."),
    # handlers/admin.py
    "away: Deputy Head or Headteacher": Gate(
        without("deputy_head", "headteacher"), lambda w: {"text": "I'm away"},
        ("Marking yourself away is for the Deputy Head and the Headteacher (role needed: Deputy Head or "
         "Headteacher). Nothing was changed.")),
    "gap-register: Headteacher or governors": Gate(
        without("headteacher", "governor", "chair_of_governors"), lambda w: {"text": "policy gaps"},
        ("The policy-gap register is for the Headteacher and the governors' annual review (role needed: "
         "Headteacher or governor).")),
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
    if who is UNLINKED:
        expected = gate.unlinked or gate.says
    else:
        expected = gate.to.get(who, gate.says).format(name=get_person(services.db, who).name)
    assert said == expected
    assert snapshot(services) == before, said
    assert not any(r.buttons or r.form for r in replies)


def test_every_gate_refuses_someone():
    assert all(gate.refused for gate in GATES.values())


# --- and the gates let through the roles they name ------------------------------------------------

@pytest.mark.parametrize("who", ["hughes", "okafor", "patel"])  # a poster, the Deputy Head, the IT manager
def test_the_roles_that_manage_the_accounts_may_submit_a_draft(services, who):
    replies = say(services, who, f"draft: {SPORTS_DAY}\npictured: none")
    assert replies[-1].title.startswith("Draft 1 sent to"), [r.plain() for r in replies]


def test_someone_unknown_is_neither_a_poster_nor_may_submit(services):
    from handlers.drafts import is_poster, may_submit

    assert (is_poster(services, None), may_submit(services, None)) == (False, False)
