"""Post drafts end to end through the router, over a real SQLite file that is closed and reopened
(a restart) between steps: submit → pre-check → approve / reject / request changes → resubmit →
publish, the notifications in the outbox, the audit trail, and every role check."""
from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import app  # noqa: E402
from domain.messages import Incoming, Reply  # noqa: E402
from handlers.router import Router  # noqa: E402
from storage import drafts as store  # noqa: E402
from storage.outbox import payload, take_local_inbox  # noqa: E402
from storage.roster import get_person, set_away  # noqa: E402


class School:
    """The bot as people meet it: say things, press buttons, restart the process."""

    def __init__(self, path: Path, clock, knowledge):
        self.path, self.clock, self.knowledge = str(path), clock, knowledge
        self.services = None
        self.open()

    def open(self) -> None:
        self.services = app.build_services(db_path=self.path, clock=self.clock, knowledge=self.knowledge)
        self.router = Router(self.services)

    def restart(self) -> None:
        self.services.db.close()
        self.open()

    def incoming(self, who: str | None, channel: str, **kwargs) -> Incoming:
        person = get_person(self.services.db, who) if who else None
        conversation = f"terminal:{who}" if channel == "local" else f"D-{who}"
        return Incoming(channel=channel, platform_user_id=who or "U-guest", person=person,
                        conversation_id=conversation, **kwargs)

    def say(self, who: str | None, text: str, channel: str = "local") -> list[Reply]:
        return self.router.handle(self.incoming(who, channel, text=text))

    def press(self, who: str | None, action: str, value: dict, channel: str = "local") -> list[Reply]:
        return self.router.handle(self.incoming(who, channel, action=action, value=value))

    def outbox(self, key: str) -> tuple[str, Reply]:
        rows = list(self.services.db["outbox"].rows_where("key = :key", {"key": key}))
        assert rows, f"no notification {key}; have {[r['key'] for r in self.services.db['outbox'].rows]}"
        return rows[0]["person_id"], payload(self.services.db, rows[0])

    def keys(self) -> list[str]:
        return [r["key"] for r in self.services.db["outbox"].rows_where(order_by="queued")]

    def draft(self, draft_id: int = 1) -> store.Draft:
        return store.get(self.services.db, draft_id)


@pytest.fixture
def school(tmp_path, clock, knowledge):
    built = School(tmp_path / "school.db", clock, knowledge)
    yield built
    built.services.db.close()


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.plain() for r in replies)


def buttons_of(reply: Reply) -> dict[str, dict]:
    return {b.action: b.value for b in reply.buttons}


SPORTS_DAY = "Sports Day is on Friday on the school field. Families are welcome to come and cheer everyone on."
SPORTS_DAY_V2 = "Sports Day is on Friday at 1.30pm on the school field. Families are welcome to come and cheer everyone on."


def submit_sports_day(school: School, who: str = "hughes") -> None:
    replies = school.say(who, f"draft: {SPORTS_DAY}\npictured: Olivia Bennett")
    assert "sent to" in text_of(replies), text_of(replies)


# --- the whole flow -----------------------------------------------------------------------------

def test_full_flow_with_a_restart_between_every_step(school):
    submit_sports_day(school)
    school.restart()

    approver, card = school.outbox("draft-1-v1-approval")
    assert approver == "okafor"
    assert SPORTS_DAY in card.text and ("Pupils pictured or named", "Olivia Bennett") in card.facts
    assert any("Pre-check" in note for note in card.notes)
    assert buttons_of(card)["draft.approve"] == {"draft_id": 1, "version": 1}
    assert set(buttons_of(card)) == {"draft.approve", "draft.reject", "draft.changes"}

    ask = school.press("okafor", "draft.changes", buttons_of(card)["draft.changes"])
    assert "What needs to change" in text_of(ask)
    school.restart()  # mid-question: the pending comment prompt survives
    done = school.say("okafor", "Please add the start time.")
    assert "sent back for changes" in text_of(done)
    school.restart()

    assert school.draft().state == "changes_requested"
    submitter, told = school.outbox("draft-1-v1-changes_requested")
    assert submitter == "hughes" and "Please add the start time." in told.text
    edit = school.press("hughes", "draft.edit", buttons_of(told)["draft.edit"])
    assert "becomes version 2" in text_of(edit)
    school.restart()
    resubmitted = school.say("hughes", SPORTS_DAY_V2)
    assert "version 2" in text_of(resubmitted) and "[added: at 1.30pm]" in text_of(resubmitted)
    school.restart()

    approver, card2 = school.outbox("draft-1-v2-approval")
    assert approver == "okafor" and any("What changed since version 1" in n and "[added: at 1.30pm]" in n for n in card2.notes)
    stale = school.press("okafor", "draft.approve", buttons_of(card)["draft.approve"])  # the old v1 button
    assert "version 1" in text_of(stale) and "now at version 2" in text_of(stale)
    assert school.draft().state == "submitted"
    approved = school.press("okafor", "draft.approve", buttons_of(card2)["draft.approve"])
    assert "approved" in text_of(approved)
    school.restart()

    submitter, told = school.outbox("draft-1-v2-approved")
    assert submitter == "hughes" and "comments turned off" in text_of([told])
    published = school.press("hughes", "draft.publish", buttons_of(told)["draft.publish"])
    assert "published" in text_of(published)
    school.restart()

    draft = school.draft()
    assert (draft.state, draft.version, draft.text) == ("published", 2, SPORTS_DAY_V2)
    trail = store.audit_trail(school.services.db, 1)
    assert [(r["action"], r["actor_id"], r["to_state"]) for r in trail] == [
        ("submit", "hughes", "submitted"), ("request_changes", "okafor", "changes_requested"),
        ("resubmit", "hughes", "submitted"), ("approve", "okafor", "approved"), ("publish", "hughes", "published")]
    assert all(r["channel"] == "local" and r["at"] for r in trail)
    assert store.version_text(school.services.db, 1, 1) == SPORTS_DAY

    # The dispatcher delivers the queued notifications to the local inbox (nobody is on Slack/Teams).
    from bot.delivery import Dispatcher

    assert asyncio.run(Dispatcher(school.services).deliver_due()) >= 5
    assert any("needs your approval" in (r.title or "") for r in take_local_inbox(school.services.db, "okafor"))


def test_reject_on_a_form_channel_needs_a_reason(school):
    start = school.press("hughes", "draft.start", {}, channel="slack")
    form = start[0].form
    assert form is not None and form.submit_action == "draft.submit"
    assert [f.name for f in form.fields] == ["platform", "text", "photos", "pictured", "publish_at"]
    submitted = school.press("hughes", "draft.submit", {"platform": "instagram", "text": SPORTS_DAY,
                                                        "photos": "", "pictured": "none"}, channel="slack")
    assert "sent to Daniel Okafor" in text_of(submitted)
    assert school.draft().platform == "instagram"

    ask = school.press("okafor", "draft.reject", {"draft_id": 1, "version": 1}, channel="slack")
    assert ask[0].form.submit_action == "draft.reject" and ask[0].form.value == {"draft_id": 1, "version": 1}
    assert school.draft().state == "submitted"  # asking for the reason changed nothing
    school.press("okafor", "draft.reject", {"draft_id": 1, "version": 1, "reason": "   "}, channel="slack")
    assert school.draft().state == "submitted"  # a blank reason is not a reason
    school.press("okafor", "draft.reject", {**ask[0].form.value, "reason": "We posted this last week."},
                 channel="slack")
    assert school.draft().state == "rejected"
    _, told = school.outbox("draft-1-v1-rejected")
    assert "We posted this last week." in told.text
    assert store.audit_trail(school.services.db, 1)[-1]["channel"] == "slack"
    again = school.press("okafor", "draft.approve", {"draft_id": 1, "version": 1}, channel="slack")
    assert ("already rejected by Daniel Okafor at 26 November 2026, 10:00, so it cannot be approved"
            in text_of(again))


# --- role checks --------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["clarke", "patel", "shah", "hill", "ingram"])
def test_forged_approval_from_someone_else_is_refused(school, who):
    submit_sports_day(school)
    refused = school.press(who, "draft.approve", {"draft_id": 1, "version": 1}, channel="teams")
    assert "Deputy Head" in text_of(refused)
    assert school.draft().state == "submitted"
    assert [r["action"] for r in store.audit_trail(school.services.db, 1)] == ["submit"]


def test_guest_and_garbage_payloads_are_refused(school):
    submit_sports_day(school)
    assert "don't know who you are" in text_of(school.press(None, "draft.approve", {"draft_id": 1, "version": 1}))
    for value in ({}, {"draft_id": "x"}, {"draft_id": 99, "version": 1}, {"draft_id": 1}, {"draft_id": 1, "version": "v"}):
        reply = text_of(school.press("okafor", "draft.approve", value))
        assert "nothing was done" in reply.lower() or "There is no draft" in reply
    assert school.draft().state == "submitted"


def test_nobody_approves_their_own_draft(school):
    school.say("okafor", f"draft: {SPORTS_DAY}\npictured: none")
    approver, card = school.outbox("draft-1-v1-approval")
    assert approver == "ingram"  # the Deputy Head's own draft goes to the Headteacher
    own = school.press("okafor", "draft.approve", buttons_of(card)["draft.approve"])
    assert "own draft" in text_of(own) and school.draft().state == "submitted"
    assert "approved" in text_of(school.press("ingram", "draft.approve", buttons_of(card)["draft.approve"]))


def test_submitter_cannot_approve_even_as_a_poster(school):
    submit_sports_day(school)
    assert "own draft" in text_of(school.press("hughes", "draft.approve", {"draft_id": 1, "version": 1}))


def test_headteacher_acts_while_the_deputy_head_is_away(school):
    set_away(school.services.db, "okafor", True)
    submit_sports_day(school)
    approver, card = school.outbox("draft-1-v1-approval")
    assert approver == "ingram"
    assert "approved" in text_of(school.press("ingram", "draft.approve", buttons_of(card)["draft.approve"]))


def test_headteacher_cannot_act_while_the_deputy_head_is_in(school):
    submit_sports_day(school)
    assert "marked away" in text_of(school.press("ingram", "draft.approve", {"draft_id": 1, "version": 1}))
    set_away(school.services.db, "okafor", True)
    assert "approved" in text_of(school.press("ingram", "draft.approve", {"draft_id": 1, "version": 1}))


@pytest.mark.parametrize("who", ["clarke", "lewis", "brown", "hill", "ingram", None])
def test_no_role_no_submission(school, who):
    replies = school.say(who, f"draft: {SPORTS_DAY}\npictured: none")
    text = text_of(replies)
    assert "Sam Patel" in text and "IT manager" in text
    assert "Traceback" not in text
    assert school.services.db["drafts"].count == 0
    assert "Sam Patel" in text_of(school.press(who, "draft.start", {}, channel="slack"))


def test_it_manager_authorises_and_revokes_posters(school):
    assert "Only the IT manager" in text_of(school.say("okafor", "authorise @clarke to post"))
    assert "Amy Clarke" not in text_of(school.say("clarke", "who can post?"))
    assert "can now submit" in text_of(school.say("patel", "authorise Amy Clarke to post"))
    school.restart()  # the roster CSV is reloaded: the authorisation must survive it
    assert "Amy Clarke" in text_of(school.say("staff", "who can post?"))
    assert "sent to" in text_of(school.say("clarke", f"draft: {SPORTS_DAY}\npictured: none"))
    db = school.services.db
    told = [payload(db, r).text for r in db["outbox"].rows_where("person_id = :person_id", {"person_id": "clarke"})]
    assert any("authorised you" in t for t in told)

    assert "can no longer" in text_of(school.say("patel", "revoke @hughes"))  # a roster poster, revoked in chat
    school.restart()
    assert "not authorised yet" in text_of(school.say("hughes", f"draft: {SPORTS_DAY}\npictured: none"))
    assert "Emma Hughes" not in text_of(school.say("patel", "who can post?"))
    assert "can't find" in text_of(school.say("patel", "authorise @nobody to post"))
    assert "already" in text_of(school.say("patel", "authorise @clarke to post"))
    assert "Who should I" in text_of(school.say("patel", "authorise poster"))
    assert [r["action"] for r in school.services.db["poster_audit"].rows] == ["authorised", "revoked"]


def test_revoked_poster_cannot_mark_published(school):
    submit_sports_day(school)
    school.press("okafor", "draft.approve", {"draft_id": 1, "version": 1})
    school.say("patel", "revoke @hughes")
    refused = school.press("hughes", "draft.publish", {"draft_id": 1, "version": 1})
    assert "poster" in text_of(refused) and school.draft().state == "approved"


# --- states and transitions ------------------------------------------------------------------------

def test_transition_table_refuses_illegal_moves(school):
    submit_sports_day(school)
    assert "cannot be marked as published" in text_of(school.press("hughes", "draft.publish", {"draft_id": 1, "version": 1}))
    assert "Only the person who submitted" in text_of(school.press("clarke", "draft.withdraw", {"draft_id": 1, "version": 1}))
    assert "withdrawn" in text_of(school.press("hughes", "draft.withdraw", {"draft_id": 1, "version": 1}))
    assert "already withdrawn by Emma Hughes at 26 November 2026, 10:00, so it cannot be approved" in text_of(
        school.press("okafor", "draft.approve", {"draft_id": 1, "version": 1}))
    assert "cannot be withdrawn" in text_of(school.press("hughes", "draft.withdraw", {"draft_id": 1, "version": 1}))
    approver, note = school.outbox("draft-1-v1-withdrawn-okafor")
    assert approver == "okafor" and "withdrew" in note.text
    assert school.draft().state == "withdrawn"


def test_transition_table_is_explicit_and_closed():
    assert set(store.STATES) == {"submitted", "approved", "rejected", "changes_requested", "withdrawn", "published"}
    reachable = {to for _, to in store.TRANSITIONS.values()} | {"submitted"}
    assert reachable == set(store.STATES)
    for terminal in ("rejected", "withdrawn", "published"):
        assert not any(terminal in allowed for allowed, _ in store.TRANSITIONS.values())


def test_typed_commands_follow_the_same_rules(school):
    submit_sports_day(school)
    assert "Deputy Head" in text_of(school.say("clarke", "approve draft 1"))
    assert "Draft 1: Why are you rejecting it?" in text_of(school.say("okafor", "reject draft 1"))
    school.say("okafor", "cancel")
    assert "sent back" in text_of(school.say("okafor", "request changes draft 1: add the time"))
    assert "version 2" in text_of(school.say("hughes", f"resubmit 1: {SPORTS_DAY_V2}"))
    assert "approved" in text_of(school.say("okafor", "approve draft 1"))
    assert "published" in text_of(school.say("hughes", "published 1"))


# --- submitting: the pre-check and the guided questions ----------------------------------------

def test_pre_check_blocks_and_nothing_goes_for_approval(school):
    replies = school.say("hughes", "draft: Happy birthday Jack! Vote Labour!\npictured: none")
    text = text_of(replies)
    assert "MUST FIX" in text and "2 things" in text and "(policy section 2.1)" in text and "2.1-8" not in text
    assert school.services.db["drafts"].count == 0 and school.keys() == []
    fixed = school.say("hughes", "Our Year 4 class had a wonderful day at the beach.")
    assert "sent to" in text_of(fixed)


def test_pictured_follow_up_question_and_consent(school):
    assert "Which pupils are pictured" in text_of(school.say("hughes", f"draft instagram: {SPORTS_DAY}"))
    school.restart()
    blocked = school.say("hughes", "Leo Fernandes")
    assert "no consent" in text_of(blocked) and school.services.db["drafts"].count == 0
    fixed = school.say("hughes", f"{SPORTS_DAY}\npictured: Olivia Bennett")
    assert "sent to" in text_of(fixed)
    assert (school.draft().platform, school.draft().pictured) == ("instagram", ["Olivia Bennett"])


def test_guided_conversation_survives_restarts(school):
    assert "Which platform" in text_of(school.say("hughes", "draft"))
    school.restart()
    assert "text of the post" in text_of(school.say("hughes", "both"))
    school.restart()
    assert "photos" in text_of(school.say("hughes", SPORTS_DAY))
    school.restart()
    assert "pictured" in text_of(school.say("hughes", "2 photos of the relay races"))
    school.restart()
    assert "sent to" in text_of(school.say("hughes", "Olivia Bennett, Noah Clarkson"))
    draft = school.draft()
    assert (draft.platform, draft.photos, draft.pictured) == ("both", "2 photos of the relay races",
                                                              ["Olivia Bennett", "Noah Clarkson"])
    assert school.services.db["conversation_state"].count == 0


@pytest.mark.parametrize("text", ["", "x" * 10_001])
def test_empty_and_huge_form_submissions_are_refused_clearly(school, text):
    reply = text_of(school.press("hughes", "draft.submit", {"platform": "facebook", "text": text}, channel="teams"))
    assert "no text" in reply or "characters" in reply
    assert school.services.db["drafts"].count == 0


def test_unicode_draft_round_trips(school):
    text = "Our Diwali assembly 🪔 was wonderful — merci to Zoë's family for the rangoli!"
    school.press("hughes", "draft.submit", {"platform": "facebook", "text": text, "pictured": "none"}, channel="teams")
    assert school.draft().text == text


def test_a_failed_notification_rolls_the_whole_submission_back(school):
    school.services.db.execute("DROP TABLE outbox")  # the notification cannot be queued
    replies = school.say("hughes", f"draft: {SPORTS_DAY}\npictured: none")
    assert "nothing was changed" in text_of(replies)
    assert school.services.db["drafts"].count == 0 and school.services.db["draft_audit"].count == 0


# --- lists and nudges -------------------------------------------------------------------------------

def test_lists(school):
    submit_sports_day(school)
    school.say("okafor", f"draft: {SPORTS_DAY}\npictured: none")
    mine = school.say("hughes", "my drafts")
    assert "Draft 1" in text_of(mine) and "Draft 2" not in text_of(mine)
    pending = text_of(school.say("okafor", "pending approvals"))
    assert "Draft 1" in pending and "Draft 2" not in pending  # not their own
    assert "Deputy Head" in text_of(school.say("clarke", "pending approvals"))
    assert "Only the submitter" in text_of(school.press("clarke", "draft.show", {"draft_id": 1}))
    shown = school.press("okafor", "draft.show", {"draft_id": 1})
    assert set(buttons_of(shown[0])) == {"draft.approve", "draft.reject", "draft.changes"}


def test_a_draft_waiting_a_school_day_nudges_the_approver_once(school, clock):
    from handlers.drafts import nudge_waiting_approvers

    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc))  # a Friday
    submit_sports_day(school)
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc))  # Saturday: not a school day later yet
    assert nudge_waiting_approvers(school.services) == 0
    clock.set(datetime(2026, 11, 30, 9, 59, tzinfo=timezone.utc))  # Monday, a minute early
    assert nudge_waiting_approvers(school.services) == 0
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc))
    assert nudge_waiting_approvers(school.services) == 1
    school.restart()
    clock.advance(days=3)
    assert nudge_waiting_approvers(school.services) == 0  # once only
    approver, nudge = school.outbox("draft-1-v1-nudge-okafor")
    assert approver == "okafor" and "still waiting" in nudge.title and nudge.buttons
    assert [r["action"] for r in store.audit_trail(school.services.db, 1)] == ["submit", "nudge"]


def test_nudge_tick_is_registered():
    import handlers.drafts as drafts_handlers

    assert drafts_handlers.nudge_waiting_approvers in drafts_handlers.TICKS


def test_outbox_payloads_are_channel_neutral(school):
    submit_sports_day(school)
    row = next(school.services.db["outbox"].rows_where("key = :key", {"key": "draft-1-v1-approval"}))
    data = json.loads(row["payload"])
    assert data["buttons"] and all(set(b["value"]) == {"draft_id", "version"} for b in data["buttons"])


# --- rough edges found walking through as the poster and the IT manager -------------------------

def test_pictured_answer_may_repeat_the_field_name(school):
    school.say("hughes", "draft: Our Year 4 class had a wonderful day at the beach.")
    assert "sent to" in text_of(school.say("hughes", "pictured: none"))


def test_a_form_that_fails_the_pre_check_comes_back_filled_in(school):
    [reply] = school.press("hughes", "draft.submit", {"platform": "instagram", "text": "Happy birthday Jack! Vote Labour!",
                                                       "photos": "1 photo", "pictured": "none"}, channel="slack")
    assert reply.form is not None and "MUST FIX" in reply.text
    initial = {f.name: f.initial for f in reply.form.fields}
    assert initial == {"platform": "instagram", "text": "Happy birthday Jack! Vote Labour!", "photos": "1 photo",
                       "pictured": "none", "publish_at": ""}
    assert school.services.db["drafts"].count == 0


def test_the_it_manager_can_authorise_by_name_alone_and_others_get_an_answer(school):
    assert "can now submit post drafts" in text_of(school.say("patel", "authorise lewis"))
    school.say("patel", "authorise the trip letter")  # nobody on the roster: not a command
    school.say("clarke", "authorise nowak")  # not the IT manager: a question for the engine
    assert [r["person_id"] for r in school.services.db["poster_audit"].rows] == ["lewis"]


def test_findings_cite_the_policy_section_not_an_internal_clause_id(school):
    from handlers.drafts.common import findings_lines

    lines = findings_lines([{"severity": "block", "clause": "2.1-9", "section": "2.1", "message": "Political.",
                              "excerpt": ""}])
    assert lines[1] == "• MUST FIX (policy section 2.1): Political." and "2.1-9" not in "".join(lines)


def test_drafts_already_waiting_go_to_the_headteacher_when_the_deputy_head_goes_away(school):
    submit_sports_day(school)
    [reply] = school.say("okafor", "I'm away")
    assert "Claire Ingram" in reply.text and "the 1 draft already waiting" in reply.text
    person_id, card = school.outbox("draft-1-v1-handover-ingram")
    assert person_id == "ingram" and [b.action for b in card.buttons][0] == "draft.approve"
    school.say("okafor", "I'm back")
    school.say("okafor", "I'm away")  # away again: no second copy of the same card
    assert school.keys().count("draft-1-v1-handover-ingram") == 1
    assert "approved" in text_of(school.press("ingram", "draft.approve", {"draft_id": 1, "version": 1}))


# --- draft ids that cannot exist, and the poster list for strangers -------------------------------

HUGE_ID = 99999999999999999999  # past SQLite's 64-bit integers


@pytest.mark.parametrize("value", [{"draft_id": HUGE_ID, "version": 1}, {"draft_id": str(HUGE_ID), "version": 1},
                                   {"draft_id": 2 ** 63, "version": 1}, {"draft_id": -1, "version": 1}])
def test_a_button_for_a_draft_id_past_sqlites_range_says_there_is_no_such_draft(school, value):
    submit_sports_day(school)
    reply = text_of(school.press("okafor", "draft.approve", value))
    assert f"There is no draft {value['draft_id']}" in reply
    assert school.draft().state == "submitted"


@pytest.mark.parametrize("command", ["approve", "withdraw", "show"])
def test_a_typed_draft_id_past_sqlites_range_says_there_is_no_such_draft(school, command):
    submit_sports_day(school)
    assert f"There is no draft {HUGE_ID}" in text_of(school.say("okafor", f"{command} {HUGE_ID}"))
    assert f"There is no draft {HUGE_ID}" in text_of(school.say("okafor", f"draft {HUGE_ID}"))


@pytest.mark.parametrize("forged", [True, 1.0, [1], {"id": 1}])
def test_a_draft_id_that_is_not_a_whole_number_is_not_taken_as_draft_1(school, forged):
    submit_sports_day(school)
    reply = text_of(school.press("okafor", "draft.approve", {"draft_id": forged, "version": 1}))
    assert "didn't say which draft" in reply
    assert school.draft().state == "submitted"
    assert "didn't say which draft" in text_of(school.press("okafor", "draft.show", {"draft_id": forged}))


def test_who_can_post_is_refused_to_someone_not_on_the_roster(school):
    school.say("patel", "authorise Ben Lewis to post")
    reply = text_of(school.say(None, "who can post?"))
    assert "not linked to the roster" in reply and "IT manager" in reply
    assert "Ben Lewis" not in reply and "Hughes" not in reply
    assert "Lewis" in text_of(school.say("clarke", "who can post?"))  # staff on the roster still see it
