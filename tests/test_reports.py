"""Concern reports at handler level: intake (chat and form), urgent path, routing, escalation,
the safeguarding team's actions, the reporter's side. Real SQLite files, the injectable clock."""
from __future__ import annotations

import csv
import io
import json
import threading
import time

import pytest

from bot.core import Hub
from domain.messages import Incoming, IncomingFile, Reply
from handlers import reports as feature
from handlers.reports.common import OUTCOMES
from handlers.reports.intake_steps import load_intake
from handlers.router import Router
from storage import outbox
from storage import reports as store
from storage import state as state_store
from app import open_database
from storage.roster import get_person

WHAT = "Pupil in Year 5 said an adult messaged them on Instagram asking for photos"
WHO = "Child K in 5B; the adult is unknown"
WHEN = "today at 9:15"
WHERE = "Instagram direct messages"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
       b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00"
       b"\x00\x00IEND\xaeB`\x82")


class Chat:
    """Talks to the router as roster people do, on one channel."""

    def __init__(self, services, channel: str = "local"):
        self.services = services
        self.channel = channel
        self.router = Router(services)

    def say(self, who: str, text: str, private: bool = True, attachments: tuple[str, ...] = ()) -> list[Reply]:
        """`attachments` are file names: each is sent as a small PNG under that name."""
        files = tuple(IncomingFile(name, PNG) for name in attachments)
        return self.router.handle(Incoming(self.channel, who, text=text, person=get_person(self.services.db, who),
                                           private=private, attachments=attachments, files=files))

    def press(self, who: str, action: str, value: dict | None = None) -> list[Reply]:
        return self.router.handle(Incoming(self.channel, who, action=action, value=value or {},
                                           person=get_person(self.services.db, who)))


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.plain() for r in replies)


def outbox_rows(services, person_id: str | None = None) -> list[dict]:
    rows = list(services.db["outbox"].rows_where(order_by="queued"))
    return [r for r in rows if person_id is None or r["person_id"] == person_id]


def step_of(services, who: str) -> str | None:
    flow = state_store.get_state(services.db, who)
    return flow.step if flow else None


def file_report(chat: Chat, who: str = "clarke", danger: str = "no", about: str = "1",
                category: str = "1") -> str:
    """A whole guided intake; returns the reference."""
    chat.say(who, "report a concern")
    chat.say(who, danger)
    chat.say(who, about)
    if step_of(chat.services, who) == "category":
        chat.say(who, category)
    for answer in (WHAT, WHO, WHEN, WHERE, "none"):
        chat.say(who, answer)
    replies = chat.say(who, "send")
    return replies[-1].data["report_ref"]


@pytest.fixture
def chat(services):
    return Chat(services)


# --- intake ------------------------------------------------------------------------------------------

def test_full_guided_intake_files_then_acknowledges_and_alerts_dsl_and_deputy(chat, services):
    assert feature.TEXT_ROUTES[0].matches(Incoming("local", "x", text="I want to report something"), services)
    chat.say("clarke", "report a concern")
    assert step_of(services, "clarke") == "danger"
    chat.say("clarke", "no")
    chat.say("clarke", "1")  # not about staff
    chat.say("clarke", "3")  # pupil misuse
    for answer in (WHAT, WHO, WHEN, WHERE):
        chat.say("clarke", answer)
    summary = chat.say("clarke", "https://example.org/post/1", attachments=("screenshot.png",))
    assert step_of(services, "clarke") == "confirm"
    assert WHAT in text_of(summary) and "screenshot.png" in text_of(summary)
    assert outbox_rows(services) == []  # nothing sent before confirming

    ack = chat.say("clarke", "send")
    ref = ack[-1].data["report_ref"]
    assert ref == "CJS-2026-0001" and "Received" in ack[-1].text and ref in ack[-1].text
    report = store.get_report(services.db, ref)
    assert report["status"] == "open" and report["category"] == "pupil_misuse" and not report["urgent"]
    content = store.content_of(services.db, report)
    assert content["what"] == WHAT and content["evidence"] == ["screenshot.png", "https://example.org/post/1"]
    assert state_store.get_state(services.db, "clarke") is None
    alerted = {r["person_id"]: r for r in outbox_rows(services)}
    assert set(alerted) == {"shah", "reed"}
    alert = outbox.payload(services.db, alerted["shah"])
    assert ("Raised by", "Amy Clarke") in [tuple(f) for f in alert.facts]
    assert ("Category", "Pupil misuse of social media") in [tuple(f) for f in alert.facts]
    assert [b.action for b in alert.buttons][:1] == ["report.view"] and alert.buttons[0].value == {"ref": ref}


def test_references_are_sequential_per_year(chat, services, clock):
    assert file_report(chat) == "CJS-2026-0001"
    assert file_report(chat, who="lewis") == "CJS-2026-0002"
    clock.advance(days=40)  # into 2027
    assert file_report(chat) == "CJS-2027-0001"


def test_intake_survives_a_restart_midway(services, knowledge, clock, database_location):
    import app

    Chat(services).say("clarke", "report a concern")
    for answer in ("no", "1", "1", WHAT):
        Chat(services).say("clarke", answer)
    services.db.close()
    again = app.build_services(db_path=database_location, clock=clock, knowledge=knowledge)
    chat = Chat(again)
    assert "Who is involved" in text_of(chat.say("clarke", "report a concern"))
    for answer in (WHO, WHEN, WHERE, "none"):
        chat.say("clarke", answer)
    ref = chat.say("clarke", "send")[-1].data["report_ref"]
    assert store.content_of(again.db, store.get_report(again.db, ref))["what"] == WHAT
    again.db.close()


def test_back_reopens_the_previous_question_and_keep_reuses_the_answer(chat, services):
    chat.say("clarke", "report a concern")
    assert "first question" in text_of(chat.say("clarke", "back"))
    for answer in ("no", "1", "1", WHAT, WHO):
        chat.say("clarke", answer)
    assert step_of(services, "clarke") == "when"
    replies = chat.say("clarke", "back")
    assert step_of(services, "clarke") == "who" and WHO in text_of(replies)
    chat.say("clarke", "keep")
    assert step_of(services, "clarke") == "when"
    for answer in (WHEN, WHERE, "none"):
        chat.say("clarke", answer)
    chat.say("clarke", "back")
    assert step_of(services, "clarke") == "evidence"
    chat.say("clarke", "none")
    chat.press("clarke", "report.edit")
    chat.press("clarke", "report.answer", {"step": "edit", "value": "where"})
    assert step_of(services, "clarke") == "where"
    chat.say("clarke", "Snapchat")
    assert step_of(services, "clarke") == "confirm"
    ref = chat.say("clarke", "send")[-1].data["report_ref"]
    content = store.content_of(services.db, store.get_report(services.db, ref))
    assert content["who"] == WHO and content["where"] == "Snapchat"


def test_cancel_clears_an_ordinary_intake(chat, services):
    chat.say("clarke", "report a concern")
    chat.say("clarke", "no")
    replies = chat.say("clarke", "cancel")
    assert "Nothing was saved" in text_of(replies)
    assert state_store.get_state(services.db, "clarke") is None and outbox_rows(services) == []


@pytest.mark.parametrize("step_answers, bad", [
    ((), ""), ((), "maybe"), (("no",), "🙂"), (("no", "1"), "9"),
    (("no", "1", "1"), ""), (("no", "1", "1"), "😢😢😢"), (("no", "1", "1"), " \n\t "),
    (("no", "1", "1", WHAT), "👍"), (("no", "1", "1", WHAT, WHO), ""),
    (("no", "1", "1", WHAT, WHO, WHEN), "🔥"), (("no", "1", "1", WHAT, WHO, WHEN, WHERE), "🙈🙈"),
    (("no", "1", "1"), "x" * 100_000), (("no", "1", "1", WHAT), "y" * 100_000),
])
def test_bad_input_at_every_step_prompts_again_and_loses_nothing(chat, services, step_answers, bad):
    chat.say("clarke", "report a concern")
    for answer in step_answers:
        chat.say("clarke", answer)
    before_step = step_of(services, "clarke")
    _flow, before = load_intake(services, "clarke")
    replies = chat.say("clarke", bad)
    assert replies and all(r.text.strip() for r in replies)
    assert step_of(services, "clarke") == before_step
    _flow, after = load_intake(services, "clarke")
    assert after["answers"] == before["answers"]


def test_a_file_without_text_is_kept_as_evidence_and_the_question_asked_again(chat, services):
    for answer in ("report a concern", "no", "1", "1"):
        chat.say("clarke", answer)
    replies = chat.say("clarke", "", attachments=("photo-of-message.png",))
    assert step_of(services, "clarke") == "what" and "kept" in text_of(replies)
    for answer in (WHAT, WHO, WHEN, WHERE, "none"):
        chat.say("clarke", answer)
    ref = chat.say("clarke", "send")[-1].data["report_ref"]
    assert store.content_of(services.db, store.get_report(services.db, ref))["evidence"] == ["photo-of-message.png"]


def test_a_long_story_typed_at_a_choice_question_is_kept(chat, services):
    chat.say("clarke", "report a concern")
    replies = chat.say("clarke", WHAT)
    assert step_of(services, "clarke") == "danger" and "kept what you wrote" in text_of(replies)
    for answer in ("no", "1", "1"):
        chat.say("clarke", answer)
    assert step_of(services, "clarke") == "who"


def test_form_intake_on_a_platform_with_forms(services):
    chat = Chat(services, channel="slack")
    chat.say("clarke", "report a concern")
    chat.press("clarke", "report.answer", {"step": "danger", "value": "no"})
    replies = chat.press("clarke", "report.answer", {"step": "about_staff", "value": "no"})
    form = replies[-1].form
    assert form is not None and form.submit_action == "report.submit"
    assert [f.name for f in form.fields] == ["category", "what", "who", "when", "where", "evidence"]

    partial = {"category": "child", "what": WHAT, "who": "🙂", "when": "", "where": WHERE}
    again = chat.press("clarke", "report.submit", partial)
    initial = {f.name: f.initial for f in again[-1].form.fields}
    assert initial["what"] == WHAT and initial["where"] == WHERE and "Who is involved" in again[-1].text
    huge = chat.press("clarke", "report.submit", {**partial, "who": "z" * 100_000, "when": WHEN})
    assert huge[-1].form is not None and "under" in huge[-1].text

    summary = chat.press("clarke", "report.submit", {**partial, "who": WHO, "when": WHEN, "evidence": "none"})
    assert summary[-1].title == "Check your report"
    ref = chat.press("clarke", "report.confirm")[-1].data["report_ref"]
    content = store.content_of(services.db, store.get_report(services.db, ref))
    assert content["what"] == WHAT and content["who"] == WHO and content["evidence"] == []


def test_a_form_submitted_with_no_intake_is_kept_not_lost(services):
    chat = Chat(services, channel="teams")
    values = {"category": "other", "what": WHAT, "who": WHO, "when": WHEN, "where": WHERE}
    replies = chat.press("clarke", "report.submit", values)
    assert step_of(services, "clarke") == "danger" and "immediate danger" in text_of(replies)
    chat.press("clarke", "report.answer", {"step": "danger", "value": "no"})
    summary = chat.press("clarke", "report.answer", {"step": "about_staff", "value": "no"})
    assert WHAT in text_of(summary)


# --- urgent path -------------------------------------------------------------------------------------

def test_urgent_alert_is_queued_before_the_second_question(chat, services):
    chat.say("clarke", "report a concern")
    replies = chat.press("clarke", "report.answer", {"step": "danger", "value": "yes"})
    assert "999" in replies[0].text and "in person" in replies[0].text
    assert "member of staff" in replies[-1].text  # the second question comes after the alert
    urgent = outbox_rows(services)
    assert {r["person_id"] for r in urgent} == {"shah", "reed"} and all(r["urgent"] == 1 for r in urgent)
    ref = outbox.payload(services.db, urgent[0]).data["report_ref"]
    assert store.get_report(services.db, ref)["urgent"] == 1


async def test_urgent_alert_is_delivered_before_the_reply_returns(services):
    hub = Hub(services)
    person = get_person(services.db, "clarke")
    await hub.handle(Incoming("local", "clarke", text="report a concern", person=person))
    replies = await hub.handle(Incoming("local", "clarke", text="yes", person=person))
    assert "999" in replies[0].text
    inbox = outbox.take_local_inbox(services.db, "shah")
    assert inbox and "URGENT" in inbox[0].title


def test_urgent_report_gets_its_details_and_cancel_keeps_it(chat, services):
    ref = file_report(chat, danger="yes")
    report = store.get_report(services.db, ref)
    assert report["urgent"] == 1 and report["details_complete"] == 1
    assert store.content_of(services.db, report)["what"] == WHAT
    assert any("details" in r["key"] for r in outbox_rows(services, "shah"))

    chat.say("lewis", "report a concern")
    chat.say("lewis", "yes")
    replies = chat.say("lewis", "cancel")
    assert "already reached" in text_of(replies) and "Nothing was saved" not in text_of(replies)
    assert len(store.open_reports(services.db)) == 2


def test_an_old_danger_button_still_files_urgently(chat, services):
    replies = chat.press("lewis", "report.answer", {"step": "danger", "value": "yes"})
    assert "999" in text_of(replies)
    assert any(r["urgent"] for r in outbox_rows(services, "shah"))


# --- escalation -------------------------------------------------------------------------------------

def test_escalates_to_headteacher_after_15_minutes_not_before_and_once(chat, services, clock):
    ref = file_report(chat)
    clock.advance(minutes=14, seconds=59)
    assert feature.escalate_unacknowledged(services) == 0
    assert outbox_rows(services, "ingram") == []
    clock.advance(seconds=1)
    assert feature.escalate_unacknowledged(services) == 1
    rows = outbox_rows(services, "ingram")
    assert len(rows) == 1 and rows[0]["urgent"] == 1 and ref in outbox.payload(services.db, rows[0]).title
    clock.advance(minutes=30)
    assert feature.escalate_unacknowledged(services) == 0
    assert len(outbox_rows(services, "ingram")) == 1


def test_escalation_respects_configured_minutes(chat, services, clock):
    services.config.report_escalation_minutes = 5
    file_report(chat)
    clock.advance(minutes=5)
    assert feature.escalate_unacknowledged(services) == 1


def test_acknowledged_report_does_not_escalate(chat, services, clock):
    ref = file_report(chat)
    clock.advance(minutes=10)
    chat.press("reed", "report.ack", {"ref": ref})
    clock.advance(minutes=60)
    assert feature.escalate_unacknowledged(services) == 0
    assert outbox_rows(services, "ingram") == []


# --- routing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("about, alerted, readers, refused", [
    ("1", {"shah", "reed"}, {"shah", "reed", "ingram"}, {"hill", "okafor"}),
    ("2", {"ingram", "shah"}, {"ingram", "shah"}, {"reed", "hill"}),
    ("3", {"ingram"}, {"ingram", "hill"}, {"shah", "reed"}),
    ("4", {"hill"}, {"hill"}, {"ingram", "shah", "reed"}),
])
def test_routing_of_allegations(services, about, alerted, readers, refused):
    chat = Chat(services)
    ref = file_report(chat, who="lewis", about=about)
    assert {r["person_id"] for r in outbox_rows(services)} == alerted
    for person in readers:
        assert WHAT in text_of(chat.press(person, "report.view", {"ref": ref})), person
    for person in refused:
        replies = chat.press(person, "report.view", {"ref": ref})
        assert WHAT not in text_of(replies) and "Role needed" in text_of(replies), person


def test_concern_about_dsl_escalates_to_chair_of_governors(chat, services, clock):
    file_report(chat, about="3")
    clock.advance(minutes=15)
    feature.escalate_unacknowledged(services)
    assert [r["urgent"] for r in outbox_rows(services, "hill")] == [1]
    assert outbox_rows(services, "shah") == []


def test_urgent_report_rerouted_when_it_is_about_the_headteacher(chat, services):
    ref = file_report(chat, danger="yes", about="4")
    assert store.get_report(services.db, ref)["routing"] == "about_headteacher"
    assert any(r["urgent"] for r in outbox_rows(services, "hill"))
    assert "Role needed" in text_of(chat.press("ingram", "report.view", {"ref": ref}))


# --- the safeguarding team's side ----------------------------------------------------------------------

def test_read_receipt_is_sent_once(chat, services):
    ref = file_report(chat)
    chat.press("shah", "report.view", {"ref": ref})
    chat.press("reed", "report.view", {"ref": ref})
    chat.press("shah", "report.ack", {"ref": ref})
    receipts = outbox_rows(services, "clarke")
    assert len(receipts) == 1 and "read by Priya Shah" in outbox.payload(services.db, receipts[0]).text
    assert WHAT not in receipts[0]["payload"]


def test_note_close_and_export(chat, services):
    ref = file_report(chat)
    form = chat.press("shah", "report.note", {"ref": ref})[-1].form
    assert form.submit_action == "report.note_save" and form.value == {"ref": ref}
    assert "Nothing was added" in text_of(chat.press("shah", "report.note_save", {"ref": ref, "note": "🙂"}))
    chat.press("shah", "report.note_save", {"ref": ref, "note": "Spoke to the child's parent"})
    chat.say("reed", f"note {ref}: Called the LADO for advice")
    assert "Nothing was changed" in text_of(chat.press("shah", "report.close_save", {"ref": ref, "outcome": "??"}))
    chat.press("shah", "report.close_save", {"ref": ref, "outcome": "referred_lado", "detail": "LADO ref 77"})
    assert store.get_report(services.db, ref)["status"] == "closed"
    assert "closed" in outbox.payload(services.db, outbox_rows(services, "clarke")[-1]).text
    assert "No open concern reports" in text_of(chat.say("shah", "open reports"))

    exported = chat.say("shah", f"export {ref}")[-1]
    rows = list(csv.DictReader(io.StringIO(exported.data["csv"])))
    assert [r["kind"] for r in rows] == ["filed", "note", "note", "closed"]
    assert "Spoke to the child's parent" in rows[1]["detail"] and "LADO ref 77" in rows[3]["detail"]
    assert WHAT in rows[0]["detail"]
    assert store.export_chronology_csv(services.db, ref) == exported.data["csv"]


def test_open_reports_urgent_first_then_oldest(chat, services, clock):
    first = file_report(chat)
    clock.advance(minutes=5)
    second = file_report(chat, who="lewis")
    clock.advance(minutes=5)
    urgent = file_report(chat, who="nowak", danger="yes")
    listing = chat.say("shah", "open reports")[-1].text.splitlines()
    assert [line.split(":")[0] for line in listing] == [urgent, first, second]
    assert WHAT not in "\n".join(listing)


# --- the reporter's side ------------------------------------------------------------------------------

def test_reporter_sees_status_and_adds_information(chat, services):
    ref = file_report(chat)
    assert ref in text_of(chat.say("clarke", "my reports"))
    assert "waiting to be read" in text_of(chat.say("clarke", f"status {ref}"))
    chat.press("shah", "report.ack", {"ref": ref})
    assert "read by the safeguarding team" in text_of(chat.say("clarke", f"status {ref.lower()}"))
    assert "Added" in text_of(chat.say("clarke", f"add to {ref}: he also messaged on Snapchat"))
    events = store.events_of(services.db, store.get_report(services.db, ref))
    assert events[-1]["kind"] == "added_by_reporter" and "Snapchat" in events[-1]["body"]
    assert any(":info" in r["key"] for r in outbox_rows(services, "shah"))
    assert "Type *add to" in text_of(chat.say("clarke", f"add to {ref}:"))


def test_someone_else_cannot_see_or_add_to_a_report(chat, services):
    ref = file_report(chat)
    assert "can't find" in text_of(chat.say("lewis", f"status {ref}"))
    assert "Nothing was added" in text_of(chat.say("lewis", f"add to {ref}: made up"))
    assert [e["kind"] for e in store.events_of(services.db, store.get_report(services.db, ref))] == ["filed"]
    denied = [r for r in store.audit_rows(services.db, ref) if not r["allowed"]]
    assert {r["action"] for r in denied} == {"status", "add_information"}


def test_every_read_and_change_is_audited(chat, services):
    ref = file_report(chat)
    chat.press("shah", "report.view", {"ref": ref})
    chat.press("shah", "report.ack", {"ref": ref})
    chat.say("shah", f"export {ref}")
    actions = [(r["person_id"], r["action"], r["allowed"]) for r in store.audit_rows(services.db, ref)]
    assert actions == [("clarke", "file", 1), ("shah", "view", 1), ("shah", "acknowledge", 1), ("shah", "export", 1)]


# --- reminders ------------------------------------------------------------------------------------

def test_unfinished_intake_reminds_once_after_a_day(chat, services, clock):
    for answer in ("report a concern", "no", "1", "1", WHAT):
        chat.say("clarke", answer)
    clock.advance(hours=23)
    assert feature.remind_unfinished_intakes(services) == 0
    clock.advance(hours=1)
    assert feature.remind_unfinished_intakes(services) == 1
    clock.advance(days=3)
    assert feature.remind_unfinished_intakes(services) == 0
    rows = outbox_rows(services, "clarke")
    assert len(rows) == 1 and WHAT not in rows[0]["payload"]
    assert step_of(services, "clarke") == "who"  # still waiting, nothing lost
    assert json.loads(services.db["conversation_state"].get("clarke")["data"])["reminded"] is True


def test_pressing_danger_yes_after_answering_no_files_urgently_and_keeps_the_answers(chat, services):
    for answer in ("report a concern", "no", "3", "1", WHAT):
        chat.say("clarke", answer)
    replies = chat.press("clarke", "report.answer", {"step": "danger", "value": "yes"})
    assert "999" in replies[0].text and "Who is involved" in replies[-1].text
    assert {r["person_id"] for r in outbox_rows(services) if r["urgent"]} == {"ingram"}  # about the DSL
    for answer in (WHO, WHEN, WHERE, "none"):
        chat.say("clarke", answer)
    ref = chat.say("clarke", "send")[-1].data["report_ref"]
    report = store.get_report(services.db, ref)
    assert report["urgent"] == 1 and report["routing"] == "about_dsl"
    assert store.content_of(services.db, report)["what"] == WHAT


def test_help_mid_intake_is_not_taken_as_an_answer(chat, services):
    for answer in ("report a concern", "no", "1", "1"):
        chat.say("clarke", answer)
    assert "middle of a concern report" in text_of(chat.say("clarke", "help"))
    _flow, intake = load_intake(services, "clarke")
    assert step_of(services, "clarke") == "what" and "what" not in intake["answers"]


def test_back_in_form_mode_reopens_the_form_with_the_answers(services):
    chat = Chat(services, channel="teams")
    chat.say("clarke", "report a concern")
    chat.say("clarke", "no")
    chat.say("clarke", "1")
    chat.press("clarke", "report.submit", {"category": "other", "what": WHAT, "who": WHO, "when": WHEN,
                                           "where": WHERE, "evidence": ""})
    assert step_of(services, "clarke") == "confirm"
    form = chat.say("clarke", "back")[-1].form
    assert form is not None and {f.name: f.initial for f in form.fields}["what"] == WHAT
    assert "member of staff" in text_of(chat.say("clarke", "back"))


# --- how the safeguarding team reads a report -----------------------------------------------------

def test_times_read_in_school_local_time_and_ages_in_plain_words(chat, services, clock):
    from datetime import datetime, timezone

    clock.set(datetime(2026, 6, 10, 8, 5, tzinfo=timezone.utc))  # 09:05 in London (summer time)
    ref = file_report(chat)
    clock.advance(minutes=7)
    listing = text_of(chat.say("shah", "open reports"))
    assert "raised by Amy Clarke 7 min ago" in listing and "0h" not in listing
    clock.advance(hours=3)
    assert "3 h 07 min ago" in text_of(chat.say("shah", "open reports"))
    chat.say("shah", f"note {ref}: spoke to the class teacher")
    [shown] = chat.press("shah", "report.view", {"ref": ref})
    assert ("Raised at", "10 June 2026, 09:05") in shown.facts
    assert any(n.startswith("10 June 2026, 12:12 — Note by Priya Shah: spoke to the class teacher") for n in shown.notes)
    assert "+00:00" not in shown.plain()
    [status] = chat.say("clarke", f"status {ref}")
    assert ("Sent", "10 June 2026, 09:05") in status.facts


def test_buttons_follow_the_report_state_and_closing_is_one_deliberate_form_where_forms_exist(services):
    chat = Chat(services)
    ref = file_report(chat)
    [shown] = chat.press("shah", "report.view", {"ref": ref})
    assert [b.label for b in shown.buttons] == ["Acknowledge", "Add note", "Close with outcome", "Export chronology"]
    [acked] = chat.press("shah", "report.ack", {"ref": ref})
    assert "Acknowledge" not in [b.label for b in acked.buttons]
    slack = Chat(services, channel="slack")
    [closing] = slack.press("shah", "report.close", {"ref": ref})
    assert closing.form is not None and closing.buttons == []  # no one-click close without the details box
    terminal = Router(services).handle(Incoming("local", "shah", action="report.close", value={"ref": ref},
                                                person=get_person(services.db, "shah"),
                                                conversation_id="terminal:shah"))
    assert terminal[-1].form is None and len(terminal[-1].buttons) == len(OUTCOMES)


# --- the exported chronology, as a DSL hands it to social care --------------------------------------

def test_exported_chronology_names_people_in_school_time_and_keeps_machine_columns(chat, services, clock):
    from datetime import datetime, timezone

    clock.set(datetime(2026, 6, 10, 8, 5, tzinfo=timezone.utc))  # 09:05 in London (BST)
    ref = file_report(chat)
    clock.advance(minutes=30)
    chat.press("shah", "report.note_save", {"ref": ref, "note": "=HYPERLINK(\"http://x\") pasted in"})
    rows = list(csv.DictReader(io.StringIO(chat.say("shah", f"export {ref}")[-1].data["csv"])))
    filed, note = rows[0], rows[-1]
    assert filed["by"] == "Amy Clarke" and filed["roster_id"] == "clarke"
    assert note["by"] == "Priya Shah" and note["roster_id"] == "shah"
    assert filed["when"] == "10 June 2026, 09:05" and note["when"] == "10 June 2026, 09:35"
    assert filed["at_utc"] == "2026-06-10T08:05:00+00:00"
    assert note["detail"].startswith("'=")  # not run as a formula in a spreadsheet
    assert "clarke" not in {r["by"] for r in rows} and "shah" not in {r["by"] for r in rows}


# --- reference numbers when two programs file at once ------------------------------------------

def test_two_programs_filing_at_once_get_consecutive_references(database_location, clock):
    """The server and `app.py chat` (or two servers on one PostgreSQL), each with its own connection."""
    first, second = open_database(database_location), open_database(database_location)
    filed: dict[str, str] = {}
    first_is_in = threading.Event()

    def file(db, name: str, hold_seconds: float) -> None:
        with db.atomic():
            report = store.create_report(
                db, short_code="CJS", year=2026, reporter_id=name, reporter_name=name, category="child",
                urgent=False, routing="standard", content={"what": name}, now=clock(), details_complete=True)
            first_is_in.set()
            time.sleep(hold_seconds)  # still inside its transaction while the other one starts
        filed[name] = report["ref"]

    slow = threading.Thread(target=file, args=(first, "slow", 0.5))
    slow.start()
    first_is_in.wait(5)
    file(second, "quick", 0)
    slow.join()
    first.close()
    second.close()
    assert sorted(filed.values()) == ["CJS-2026-0001", "CJS-2026-0002"]


def test_the_reference_counter_starts_from_the_reports_already_filed(tmp_path, clock):
    """A school upgrading with reports already on file carries on from its last reference."""
    from sqlite_utils import Database

    db = Database(tmp_path / "before.db")
    for module in ("storage.roster", "storage.state", "storage.outbox"):
        __import__(module, fromlist=["migrations"]).migrations.apply(db)
    store.migrations.apply(db, stop_before="create_report_counters")
    db["reports"].insert({"ref": "CJS-2026-0007", "year": 2026, "seq": 7, "reporter_id": "clarke",
                          "status": "open", "created_at": "2026-11-01T09:00:00+00:00"})
    db.close()
    upgraded = open_database(tmp_path / "before.db")
    with upgraded.atomic():
        report = store.create_report(
            upgraded, short_code="CJS", year=2026, reporter_id="lewis", reporter_name="Lewis", category="child",
            urgent=False, routing="standard", content={"what": "x"}, now=clock(), details_complete=True)
    assert report["ref"] == "CJS-2026-0008"
    upgraded.close()
