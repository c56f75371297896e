"""Training records, reminders, buttons, the policy check and the compliance view, at handler level."""
from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

import app
from domain.messages import Incoming
from handlers import training
from handlers.context import Config
from handlers.router import Router
from storage import roster
from storage import training as store

ROOT = Path(__file__).resolve().parent.parent
THURSDAY_10AM = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


class NoKnowledge:
    """Training never asks the answer engine anything; it reads the policy file itself."""


@pytest.fixture
def config(tmp_path) -> Config:
    base = Config.load()
    policy = tmp_path / "policy.txt"
    shutil.copy(base.policy_file, policy)
    return replace(base, policy_file=policy, extra={})


@pytest.fixture
def svc(tmp_path, clock, config):
    clock.set(THURSDAY_10AM)
    built = app.build_services(db_path=str(tmp_path / "t.db"), config=config, clock=clock, knowledge=NoKnowledge())
    built.db.execute("DELETE FROM training_records")  # each test sets the records it needs
    built.db.conn.commit()
    yield built
    built.db.close()


def person(svc, person_id):
    return roster.get_person(svc.db, person_id)


def say(svc, who, text):
    return Router(svc).handle(Incoming("local", who, text=text, person=person(svc, who)))


def press(svc, who, action, value=None):
    return Router(svc).handle(Incoming("local", who, action=action, value=value or {}, person=person(svc, who)))


def record(svc, person_id, item="training"):
    return store.completed_on(store.get_record(svc.db, person_id), item)


def outbox(svc, person_id=None):
    rows = svc.db.query("SELECT * FROM outbox ORDER BY queued")
    return [r for r in rows if person_id is None or r["person_id"] == person_id]


def set_records(svc, **by_person):
    for person_id, done in by_person.items():
        store.record_completion(svc.db, person_id, "training", done, "test", svc.now())
        store.record_completion(svc.db, person_id, "policy", done, "test", svc.now())


# --- recording your own training -----------------------------------------------------------------

def test_done_without_a_date_asks_then_records_the_date_given(svc):
    replies = say(svc, "clarke", "I've done my training")
    assert "When was your safeguarding training completed" in replies[0].text
    assert [b.label for b in replies[0].buttons] == ["Today", "Yesterday"]
    assert record(svc, "clarke") is None
    replies = say(svc, "clarke", "I did it on 3 Sept")
    assert "3 September 2026" in replies[0].text and "Next due 3 September 2027" in replies[0].text
    assert record(svc, "clarke") == date(2026, 9, 3)


@pytest.mark.parametrize("text, expected", [
    ("I've done my training yesterday", date(2026, 11, 25)),
    ("I completed my safeguarding training 03/09/2026", date(2026, 9, 3)),
    ("I did my training last Friday", date(2026, 11, 20)),
    ("training done", date(2026, 11, 26)),
])
def test_done_with_a_date_records_it_at_once(svc, text, expected):
    if expected == date(2026, 11, 26):  # no date given: asked, then "today"
        say(svc, "lewis", text)
        say(svc, "lewis", "today")
    else:
        assert "Recorded" in say(svc, "lewis", text)[0].text
    assert record(svc, "lewis") == expected


def test_certificate_link_is_kept(svc):
    say(svc, "lewis", "I've done my training today, certificate https://example.org/certs/lewis.pdf")
    assert store.get_record(svc.db, "lewis")["certificate"] == "https://example.org/certs/lewis.pdf"


@pytest.mark.parametrize("bad, says", [
    ("31 Feb", "no 31 February"),
    ("next Tuesday-ish", "still to come"),
    ("15/12/2026", "in the future"),
    ("whenever", "I need the date"),
])
def test_bad_dates_get_a_clear_question_and_nothing_is_saved(svc, bad, says):
    say(svc, "clarke", "I've done my training")
    reply = say(svc, "clarke", bad)[0]
    assert says in reply.text
    assert record(svc, "clarke") is None
    # the conversation is still waiting for a date: a good one now records
    say(svc, "clarke", "yesterday")
    assert record(svc, "clarke") == date(2026, 11, 25)


def test_bad_date_in_the_first_message_asks_back(svc):
    reply = say(svc, "clarke", "I did my training on 31 Feb")[0]
    assert "no 31 February" in reply.text and record(svc, "clarke") is None


def test_cancel_leaves_nothing_recorded(svc):
    say(svc, "clarke", "I've done my training")
    assert "Cancelled" in say(svc, "clarke", "cancel")[0].text
    assert record(svc, "clarke") is None


def test_questions_about_training_are_not_taken_as_done(svc):
    from storage import state as state_store

    say(svc, "clarke", "Did I do my training last year?")
    assert state_store.get_state(svc.db, "clarke") is None
    assert record(svc, "clarke") is None


# --- recording for others --------------------------------------------------------------------------

@pytest.mark.parametrize("recorder", ["ingram", "shah", "reed"])
def test_headteacher_and_dsl_record_for_others(svc, recorder):
    reply = say(svc, recorder, "record training for Amy Clarke on 3 Sept")[0]
    assert "Amy Clarke's safeguarding training completed on 3 September 2026" in reply.text
    assert record(svc, "clarke") == date(2026, 9, 3)
    event = list(svc.db["training_events"].rows_where("person_id = 'clarke'"))[-1]
    assert event["recorded_by"] == recorder


@pytest.mark.parametrize("recorder", ["clarke", "okafor", "patel", "hill", "brown"])
def test_others_cannot_record_for_someone_else_and_are_told_the_role(svc, recorder):
    reply = say(svc, recorder, "record training for Ben Lewis on 3 Sept")[0]
    assert "Only the Headteacher or the DSL" in reply.text
    assert record(svc, "lewis") is None


def test_record_for_someone_asks_for_a_missing_or_bad_date(svc):
    assert "no 31 February" in say(svc, "shah", "record training for Amy Clarke on 31 Feb")[0].text
    assert "Recorded" in say(svc, "shah", "yesterday")[0].text
    assert record(svc, "clarke") == date(2026, 11, 25)
    assert record(svc, "shah") is None


def test_record_for_unknown_person(svc):
    reply = say(svc, "ingram", "record training for Zebedee Nobody on 3 Sept")[0]
    assert "couldn't find" in reply.text
    assert svc.db["training_events"].count == 0


def test_record_for_a_slightly_misspelt_name(svc):
    say(svc, "ingram", "record training for Amy Clark on 3 Sept")
    assert record(svc, "clarke") == date(2026, 9, 3)


def test_dsl_role_training_only_for_dsl_people(svc):
    assert "not the DSL" in say(svc, "ingram", "record DSL training for Amy Clarke on 3 Sept")[0].text
    say(svc, "ingram", "record DSL training for Tom Reed on 3 Sept")
    assert record(svc, "reed", "dsl") == date(2026, 9, 3)
    assert record(svc, "reed", "training") is None


# --- buttons ---------------------------------------------------------------------------------------

def test_done_button_asks_for_the_date_and_today_button_records(svc):
    reply = press(svc, "clarke", "training.done", {"item": "training"})[0]
    today_button = next(b for b in reply.buttons if b.label == "Today")
    press(svc, "clarke", today_button.action, today_button.value)
    assert record(svc, "clarke") == date(2026, 11, 26)


def test_where_button_gives_the_configured_links(svc):
    assert svc.config.training_link in press(svc, "clarke", "training.where", {"item": "training"})[0].text
    assert svc.config.policy_link in press(svc, "clarke", "training.where", {"item": "policy"})[0].text


@pytest.mark.parametrize("value", [
    {"item": "training", "when": "last year"},
    {"item": "sabotage", "when": "today"},
    {"item": "training", "when": "today", "person": "lewis"},  # clarke recording for lewis
    {"item": "training", "when": "today", "person": "nobody-here"},
])
def test_forged_record_buttons_change_nothing(svc, value):
    reply = press(svc, "clarke", "training.record", value)[0]
    assert reply.text
    assert svc.db["training_events"].count == 0


def test_button_from_someone_not_on_the_roster(svc):
    reply = Router(svc).handle(Incoming("slack", "U999", action="training.done", value={"item": "training"}))[0]
    assert "don't know who you are" in reply.text


def test_snooze_button_silences_reminders_for_a_week_then_reminds_once(svc, clock):
    set_records(svc, clarke=date(2025, 12, 20))  # due 20 Dec 2026: the 30-day stage is 20 Nov
    assert training.tick(svc) >= 1
    first = [r["key"] for r in outbox(svc, "clarke")]
    assert "training-clarke-training-2026-12-20-d30" in first
    reply = press(svc, "clarke", "training.snooze", {"item": "training"})[0]
    assert "next week (3 December 2026)" in reply.text
    clock.set(datetime(2026, 12, 2, 10, tzinfo=timezone.utc))
    training.tick(svc)
    assert not [r for r in outbox(svc, "clarke") if "training-2026-12-20" in r["key"] and r["key"] not in first]
    clock.set(datetime(2026, 12, 3, 10, tzinfo=timezone.utc))
    training.tick(svc)
    training.tick(svc)
    new = [r["key"] for r in outbox(svc, "clarke") if r["key"] not in first and "-training-" in r["key"]]
    assert new == ["training-clarke-training-2026-12-20-s2026-12-03"]


def test_reminder_has_the_three_buttons(svc):
    set_records(svc, lewis=date(2025, 12, 20))
    training.tick(svc)
    row = next(r for r in outbox(svc, "lewis") if "-training-" in r["key"])
    payload = json.loads(row["payload"])
    assert [(b["label"], b["action"]) for b in payload["buttons"]] == [
        ("Done", "training.done"), ("Remind me next week", "training.snooze"), ("Where do I do it?", "training.where")]
    assert "due on 20 December 2026 (24 days from now)" in payload["text"]


# --- the scheduler's rules -------------------------------------------------------------------------

def test_no_reminders_outside_working_time(svc, clock):
    set_records(svc, lewis=date(2025, 11, 26))
    for moment in (datetime(2026, 11, 26, 7, 30, tzinfo=timezone.utc), datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc),
                   datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc), datetime(2026, 12, 23, 10, 0, tzinfo=timezone.utc)):
        clock.set(moment)
        assert training.tick(svc) == 0
    assert outbox(svc) == []


def test_restart_never_sends_twice_and_a_missed_stage_is_sent_once(svc, clock, tmp_path, config):
    set_records(svc, lewis=date(2025, 12, 27))  # due 27 Dec 2026: 30 days is 27 Nov, 14 days is 13 Dec
    clock.set(datetime(2026, 11, 27, 9, tzinfo=timezone.utc))
    training.tick(svc)
    assert [r["key"] for r in outbox(svc, "lewis") if "-training-" in r["key"]] == ["training-lewis-training-2026-12-27-d30"]
    svc.db.close()
    # The bot is down until 14 Dec (the 14-day stage passed at the weekend): back up, fresh services.
    clock.set(datetime(2026, 12, 14, 8, 30, tzinfo=timezone.utc))
    again = app.build_services(db_path=str(tmp_path / "t.db"), config=config, clock=clock, knowledge=NoKnowledge())
    training.tick(again)
    training.tick(again)
    keys = [r["key"] for r in outbox(again, "lewis") if "-training-" in r["key"]]
    assert keys == ["training-lewis-training-2026-12-27-d30", "training-lewis-training-2026-12-27-d14"]
    again.db.close()


def test_only_the_latest_missed_stage_is_sent(svc, clock):
    set_records(svc, lewis=date(2025, 12, 3))  # due 3 Dec: 30, 14 and 7 days before have all passed
    training.tick(svc)
    keys = [r["key"] for r in outbox(svc, "lewis") if "-training-" in r["key"]]
    assert keys == ["training-lewis-training-2026-12-03-d7"]


def test_overdue_weekly_to_the_person_and_a_digest_to_the_headteacher(svc, clock):
    set_records(svc, lewis=date(2025, 11, 12), ingram=date(2026, 9, 1))  # lewis due 12 Nov: 14 days overdue
    training.tick(svc)
    assert "training-lewis-training-2026-11-12-o2" in [r["key"] for r in outbox(svc, "lewis")]
    digest = [r for r in outbox(svc, "ingram") if r["key"].startswith("training-digest-")]
    assert len(digest) == 1 and "Ben Lewis" in json.loads(digest[0]["payload"])["text"]
    clock.set(datetime(2026, 11, 27, 10, tzinfo=timezone.utc))
    training.tick(svc)
    assert len([r for r in outbox(svc, "ingram") if r["key"].startswith("training-digest-")]) == 1
    clock.set(datetime(2026, 11, 30, 10, tzinfo=timezone.utc))  # a new week
    training.tick(svc)
    assert len([r for r in outbox(svc, "ingram") if r["key"].startswith("training-digest-")]) == 2


def test_completing_training_starts_a_new_cycle(svc, clock):
    set_records(svc, lewis=date(2025, 11, 12))
    training.tick(svc)
    before = len(outbox(svc, "lewis"))
    say(svc, "lewis", "I've done my training today")
    clock.set(datetime(2026, 11, 27, 10, tzinfo=timezone.utc))
    training.tick(svc)
    assert not [r for r in outbox(svc, "lewis")[before:] if "-training-" in r["key"]]


def test_fresh_install_without_records_stays_quiet(svc):
    assert training.tick(svc) == 0 and outbox(svc) == []
    set_records(svc, ingram=date(2026, 9, 1))  # the first record switches nudges on
    assert training.tick(svc) > 0
    assert "training-clarke-training-none-o" not in " ".join(r["key"] for r in outbox(svc))  # clarke has a start date
    assert [r for r in outbox(svc, "clarke") if "-training-2021-09-08-o" in r["key"]]


def test_new_starter_gets_a_welcome_with_both_items_due_in_a_week(svc, clock):
    set_records(svc, ingram=date(2026, 9, 1))
    svc.db["people"].insert({"id": "newbie", "name": "Nia Newbie", "roles": "staff", "start_date": "2026-11-23"})
    training.tick(svc)
    welcome = [r for r in outbox(svc, "newbie")]
    assert [r["key"] for r in welcome] == ["training-newbie-welcome-2026-11-23"]
    text = json.loads(welcome[0]["payload"])["text"]
    assert "safeguarding training" in text and "social media policy" in text and "30 November 2026" in text
    clock.set(datetime(2026, 11, 30, 10, tzinfo=timezone.utc))  # due day: both items reminded
    training.tick(svc)
    keys = {r["key"] for r in outbox(svc, "newbie")}
    assert {"training-newbie-training-2026-11-30-d0", "training-newbie-policy-2026-11-30-d0"} <= keys


def test_dsl_role_training_falls_due_every_two_years(svc, clock):
    set_records(svc, shah=date(2026, 9, 1))
    store.record_completion(svc.db, "shah", "dsl", date(2024, 12, 10), "test", svc.now())
    training.tick(svc)
    assert "training-shah-dsl-2026-12-10-d14" in [r["key"] for r in outbox(svc, "shah")]
    assert not [r for r in outbox(svc, "clarke") if "-dsl-" in r["key"]]


def test_a_changed_policy_asks_everyone_to_read_it_again(svc, clock, config):
    set_records(svc, clarke=date(2026, 9, 1))
    training.tick(svc)
    assert outbox(svc, "clarke") == []
    config.policy_file.write_text(config.policy_file.read_text(encoding="utf-8") + "\n9. A new section\n\nNew text.\n",
                                  encoding="utf-8")
    clock.set(datetime(2026, 11, 27, 10, tzinfo=timezone.utc))
    training.tick(svc)
    rows = outbox(svc, "clarke")
    assert [r["key"] for r in rows] == ["training-clarke-policy-2026-12-11-d14"]
    assert "The policy has changed" in json.loads(rows[0]["payload"])["text"]


# --- the policy acknowledgement and its check -------------------------------------------------------

def _take_check(svc, who, correct=True):
    card = say(svc, who, "acknowledge policy")[0]
    assert svc.config.policy_link in card.text
    read = next(b for b in card.buttons if b.action == "ack.read")
    replies = press(svc, who, read.action, read.value)
    check_id = replies[-1].buttons[0].value["check"]
    questions = store.get_check(svc.db, check_id)["questions"]
    for index, question in enumerate(questions):
        answer = question["answer"] if correct else ("yes" if question["answer"] == "no" else "no")
        replies = press(svc, who, "ack.answer", {"check": check_id, "q": index, "answer": answer})
    return check_id, questions, replies


def test_questions_come_from_the_policy_clauses():
    _, policy = training._policy_from_file(str(Config.load().policy_file), 0, 0)
    bank = training.check_questions(policy)
    by_clause = {q["clause"]: q for q in bank}
    assert by_clause["3-4"]["question"] == ("When using social media, may you accept 'friend requests' from, "
                                            "or communicate with, pupils past or present?")
    assert by_clause["3-4"]["answer"] == "no"
    assert by_clause["3-2"]["answer"] == "yes"
    assert all(q["quote"] == policy.clause(q["clause"]).text for q in bank)
    chosen = training.choose_questions(bank, "seed")
    assert len(chosen) == 3 and {q["answer"] for q in chosen} == {"yes", "no"}


def test_policy_check_is_kept_as_evidence(svc):
    check_id, questions, replies = _take_check(svc, "clarke")
    assert "You answered 3 of 3 correctly" in replies[-1].text
    assert record(svc, "clarke", "policy") == date(2026, 11, 26)
    evidence = store.checks_of(svc.db, "clarke")[0]
    policy_hash, _ = training.current_policy(svc)
    assert evidence["score"] == 3 and evidence["policy_hash"] == policy_hash
    assert [a["answer"] for a in evidence["answers"]] == [q["answer"] for q in questions]
    assert store.get_record(svc.db, "clarke")["policy_hash"] == policy_hash


def test_wrong_answers_are_corrected_with_the_policy_quote(svc):
    _, questions, replies = _take_check(svc, "lewis", correct=False)
    assert "You answered 0 of 3 correctly" in replies[-1].text
    assert questions[0]["quote"] in replies[-1].text
    assert store.checks_of(svc.db, "lewis")[0]["score"] == 0


def test_forged_or_repeated_answers_are_refused(svc):
    check_id, _, _ = _take_check(svc, "clarke")
    assert "already finished" in press(svc, "clarke", "ack.answer", {"check": check_id, "q": 0, "answer": "no"})[0].text
    assert "isn't yours" in press(svc, "lewis", "ack.answer", {"check": check_id, "q": 0, "answer": "no"})[0].text
    assert "isn't yours" in press(svc, "lewis", "ack.answer", {"check": "nope", "q": 0, "answer": "no"})[0].text
    card = say(svc, "lewis", "acknowledge policy")[0]
    read = next(b for b in card.buttons if b.action == "ack.read")
    new_id = press(svc, "lewis", read.action, read.value)[-1].buttons[0].value["check"]
    for bad in ({"q": "0", "answer": "yes"}, {"q": 0, "answer": "maybe"}, {"q": 7, "answer": "yes"}):
        assert "couldn't be read" in press(svc, "lewis", "ack.answer", {"check": new_id, **bad})[0].text
    assert store.get_check(svc.db, new_id)["answers"] == []


def test_read_button_for_an_old_policy_version_shows_the_current_one(svc):
    replies = press(svc, "clarke", "ack.read", {"hash": "old"})
    assert "changed since that card" in replies[0].text
    assert replies[1].buttons[0].value["hash"] == training.current_policy(svc)[0]


# --- the compliance view ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["clarke", "okafor", "patel", "hill", "brown", "lewis"])
def test_report_is_refused_naming_the_role(svc, who):
    reply = say(svc, who, "training report")[0]
    assert "Only the Headteacher or the DSL" in reply.text and not reply.facts


def test_report_counts_and_lists(svc):
    set_records(svc, **{p.id: date(2026, 9, 1) for p in roster.all_people(svc.db)})
    set_records(svc, lewis=date(2025, 11, 12), clarke=date(2025, 12, 10))
    svc.db.execute("UPDATE training_records SET policy_ack_on = NULL WHERE person_id = 'nowak'")
    reply = say(svc, "ingram", "training report")[0]
    facts = dict(reply.facts)
    # Governors and volunteers (Margaret Hill, Jo Brown) are counted apart from the ten staff (issue 16).
    assert facts["Safeguarding training (staff)"].startswith("9/10 compliant (90.0%); 1 due soon, 1 overdue")
    assert facts["Safeguarding training (governors and volunteers)"].startswith("2/2 compliant (100.0%)")
    assert any("counted apart from staff" in note for note in reply.notes)
    assert "Ben Lewis: safeguarding training — overdue by 14 days" in reply.text
    assert "Amy Clarke: safeguarding training due 10 December 2026 (14 days)" in reply.text
    assert "Ola Nowak: policy acknowledgement — no record" in reply.text
    summary = training.compliance_summary(svc)
    assert summary["items"]["policy"]["no_record"] == 1
    assert summary["items"]["dsl"]["people"] == 2  # shah and reed


def test_report_csv(svc):
    set_records(svc, lewis=date(2025, 11, 12))
    reply = press(svc, "shah", "training.csv")[0]
    rows = list(csv.DictReader(io.StringIO(reply.data["csv"])))
    lewis = next(r for r in rows if r["person_id"] == "lewis" and r["item"] == "training")
    assert lewis["state"] == "overdue" and lewis["days_overdue"] == "14"
    assert "Only the Headteacher" in press(svc, "clarke", "training.csv")[0].text


def test_my_training_status(svc):
    set_records(svc, lewis=date(2025, 12, 10))
    facts = dict(say(svc, "lewis", "my training")[0].facts)
    assert facts["Safeguarding training"].startswith("due in 14 days")


# --- import ----------------------------------------------------------------------------------------

def test_import_csv_reports_bad_rows_and_loads_the_rest(svc, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("person_id,training_on,certificate,policy_ack_on\n"
                    "clarke,03/09/2026,https://c.example/1,2026-09-04\n"
                    "lewis,31/02/2026,,\n"
                    "ghost,2026-09-01,,\n", encoding="utf-8")
    loaded, problems = training.import_training_csv(svc, path)
    assert loaded == 1 and len(problems) == 2
    assert "line 3" in problems[0] and "ghost is not on the roster" in problems[1]
    assert record(svc, "clarke") == date(2026, 9, 3) and record(svc, "clarke", "policy") == date(2026, 9, 4)
    assert record(svc, "lewis") is None


def test_sample_records_load_on_start(svc):
    assert training.load_sample_records(svc, ROOT / "data" / "training.csv") == 12
    states = {r["state"] for r in training.compliance_rows(svc)}
    assert {"ok", "due_soon", "overdue"} <= states


# --- command line ----------------------------------------------------------------------------------

def test_training_report_cli_csv(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POLICYBOT_DB", str(tmp_path / "cli.db"))
    assert app.main(["training-report", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["person_id"] for r in rows} >= {"ingram", "clarke", "brown"}
    assert {r["state"] for r in rows} >= {"ok", "overdue"}  # the sample records were loaded on start
    assert app.main(["training-report"]) == 0
    assert "compliant" in capsys.readouterr().out


def test_where_do_i_do_it_offers_the_button_it_mentions(svc):
    [training_where] = press(svc, "clarke", "training.where", {"item": "training"})
    assert [b.action for b in training_where.buttons] == ["training.done"] and "I've done it" in training_where.text
    [policy_where] = press(svc, "clarke", "training.where", {"item": "policy"})
    assert [b.action for b in policy_where.buttons] == ["ack.start"] and "Acknowledge it now" in policy_where.text


def test_a_command_or_question_typed_while_a_date_is_awaited_is_not_swallowed(svc):
    press(svc, "clarke", "training.done", {"item": "training"})
    assert "I need the date" in say(svc, "clarke", "the inset day")[0].text  # still waiting: no date, no command
    [status] = say(svc, "clarke", "my training")
    assert status.title == "Your training"
    press(svc, "clarke", "training.done", {"item": "training"})
    [who] = say(svc, "clarke", "who am I")
    assert who.text == "You are Amy Clarke."
    press(svc, "clarke", "training.done", {"item": "training"})
    [held] = say(svc, "clarke", "can I accept a friend request from a past pupil?")  # not the answer engine
    assert "I'll answer questions once this is done" in held.text and "cancel" in held.text
    assert [b.label for b in held.buttons] == ["Today", "Yesterday"]
    from storage import state as state_store
    assert state_store.get_state(svc.db, "clarke").flow == "training"
    assert say(svc, "clarke", "yesterday")[0].data["recorded"]["date"] == "2026-11-25"


def test_personal_status_and_report_dates_read_as_words(svc):
    set_records(svc, clarke=date(2025, 12, 10))
    [status] = say(svc, "clarke", "my training")
    assert "last done 10 December 2025, due 10 December 2026" in dict(status.facts)["Safeguarding training"]


def test_the_csv_button_shows_the_csv_in_every_channel(svc):
    [reply] = press(svc, "shah", "training.csv")
    assert reply.data["csv"].strip() in reply.text


# --- DSL role training only for DSL people, whichever way it is asked ------------------------------

@pytest.mark.parametrize("action, value", [
    ("training.done", {"item": "dsl"}),
    ("training.record", {"item": "dsl", "when": "today"}),
    ("training.record", {"item": "dsl", "when": "today", "person": "clarke"}),
])
def test_forged_dsl_training_buttons_from_someone_without_the_role_are_refused(svc, action, value):
    from storage import state as state_store

    [reply] = press(svc, "clarke", action, value)
    assert "the Designated Safeguarding Lead or a deputy DSL" in reply.text
    assert record(svc, "clarke", "dsl") is None
    assert svc.db["training_events"].count == 0
    assert state_store.get_state(svc.db, "clarke") is None  # not left waiting for a date either


def test_dsl_training_button_for_a_non_dsl_person_pressed_by_the_headteacher_is_refused(svc):
    [reply] = press(svc, "ingram", "training.record", {"item": "dsl", "when": "today", "person": "clarke"})
    assert "the Designated Safeguarding Lead or a deputy DSL" in reply.text
    assert svc.db["training_events"].count == 0


def test_the_dsl_can_still_record_dsl_role_training_by_button(svc):
    press(svc, "shah", "training.record", {"item": "dsl", "when": "today"})
    assert record(svc, "shah", "dsl") == date(2026, 11, 26)


def test_a_fault_after_saving_leaves_no_record_and_no_event(svc):
    """The record and the end of the date step are one transaction: a failure in the second
    undoes the first, so retrying cannot log the same completion twice."""
    say(svc, "clarke", "I've done my training")
    svc.db.execute("CREATE TRIGGER refuse_state_delete BEFORE DELETE ON conversation_state "
                   "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
    svc.db.conn.commit()
    [reply] = say(svc, "clarke", "yesterday")
    assert "nothing was changed" in reply.text
    assert record(svc, "clarke") is None
    assert svc.db["training_events"].count == 0
