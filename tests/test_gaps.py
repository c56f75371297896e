"""The policy-gap register: grouping, dates and counts, CSV, and who may read it in chat."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from domain.messages import Incoming
from handlers.router import Router
from storage import questions as question_store
from app import open_database
from storage.roster import get_person

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(database_location):
    database = open_database(database_location)
    yield database
    database.close()


def ask(db, text: str, when: datetime, answered: bool = False, person: str = "clarke", clause: str | None = None) -> int:
    return question_store.record_question(
        db, person_id=person, channel="local", text=text, now=when, answered=answered,
        section=clause.split("-")[0] if clause else None, clause=clause,
        verdict="no" if answered else None, confidence=0.6 if answered else 0.1)


def test_near_identical_questions_are_grouped_with_counts_and_dates(db):
    ask(db, "Can I use TikTok in class?", T0)
    ask(db, "can i use tiktok in class", T0 + timedelta(days=3), person="lewis")
    ask(db, "Can I use Tiktok in  class??", T0 + timedelta(days=9))
    ask(db, "Who pays for the school minibus?", T0 + timedelta(days=1))
    gaps = question_store.gap_register(db)
    assert [(g.question, g.times_asked) for g in gaps] == [
        ("Can I use Tiktok in  class??", 3), ("Who pays for the school minibus?", 1)]
    tiktok = gaps[0]
    assert tiktok.first_asked.startswith("2026-03-02") and tiktok.last_asked.startswith("2026-03-11")
    assert (tiktok.not_covered, tiktok.not_helpful, tiktok.reason) == (3, 0, "not covered")
    assert tiktok.wordings == ["can i use tiktok in class", "Can I use TikTok in class?"]


def test_different_questions_are_not_merged(db):
    ask(db, "Can I use TikTok in class?", T0)
    ask(db, "Can I use YouTube at home?", T0)
    ask(db, "Can pupils bring phones on trips?", T0)
    assert len(question_store.gap_register(db)) == 3


def test_answered_questions_are_gaps_only_when_marked_not_helpful(db):
    helped = ask(db, "Can I friend a parent?", T0, answered=True, clause="3-1")
    unhelped = ask(db, "Can I message a leaver on WhatsApp?", T0, answered=True, clause="3-1")
    ask(db, "Can I post a selfie?", T0, answered=True, clause="3-4")  # no feedback at all
    question_store.record_feedback(db, helped, "clarke", True, T0)
    question_store.record_feedback(db, unhelped, "clarke", False, T0)
    [gap] = question_store.gap_register(db)
    assert (gap.question, gap.reason, gap.clauses, gap.not_helpful) == (
        "Can I message a leaver on WhatsApp?", "not helpful", ["3-1"], 1)


def test_a_question_both_unanswered_and_rated_unhelpful_says_both(db):
    ask(db, "Can I livestream sports day?", T0)
    rated = ask(db, "Can I livestream sports day", T0 + timedelta(hours=1), answered=True, clause="2-3")
    question_store.record_feedback(db, rated, "clarke", False, T0)
    [gap] = question_store.gap_register(db)
    assert (gap.times_asked, gap.reason) == (2, "not covered and not helpful")


@pytest.mark.parametrize("noise", ["1", "?", "🙂", "ok"])
def test_noise_is_not_a_gap(db, noise):
    ask(db, noise, T0)
    assert question_store.gap_register(db) == []


def test_csv_has_the_documented_columns_and_is_safe_to_open_in_a_spreadsheet(db):
    ask(db, "=HYPERLINK(\"http://evil\") can I post?", T0)
    ask(db, "Can I use TikTok in class?", T0)
    ask(db, "can I use tiktok in class", T0 + timedelta(days=2))
    text = question_store.gap_register_csv(question_store.gap_register(db))
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert tuple(parsed[0].keys()) == question_store.CSV_COLUMNS == (
        "question", "times_asked", "first_asked", "last_asked", "reason", "not_covered", "not_helpful",
        "clauses_given", "other_wordings")
    assert parsed[0]["times_asked"] == "2"
    assert (parsed[0]["first_asked"], parsed[0]["last_asked"]) == ("2026-03-02", "2026-03-04")
    assert parsed[1]["question"].startswith("'=HYPERLINK")


# --- in chat ----------------------------------------------------------------------------------

def say(services, who: str, text: str):
    return Router(services).handle(Incoming(channel="local", platform_user_id=who, text=text,
                                            person=get_person(services.db, who)))


@pytest.mark.parametrize("who", ["ingram", "hill"])
@pytest.mark.parametrize("command", ["policy gaps", "Gap register", "policy gaps?"])
def test_headteacher_and_governors_see_the_register(services, who, command):
    say(services, "clarke", "What time does the canteen close on Fridays?")
    say(services, "lewis", "what time does the canteen close on fridays")
    [reply] = say(services, who, command)
    assert reply.title == "Policy-gap register"
    assert "canteen" in reply.text.lower() and "asked 2 times" in reply.text
    assert "python app.py gaps --csv" in " ".join(reply.notes)
    assert reply.private


@pytest.mark.parametrize("who", ["clarke", "okafor", "shah", "patel", "brown"])
def test_others_are_refused_and_told_the_role_needed(services, who):
    say(services, "clarke", "What time does the canteen close on Fridays?")
    [reply] = say(services, who, "policy gaps")
    assert "role needed: Headteacher or governor" in reply.text
    assert "canteen" not in reply.text.lower()


def test_an_empty_register_says_so(services):
    [reply] = say(services, "ingram", "gap register")
    assert "No gaps so far" in reply.text


def test_chat_shows_only_the_top_items(services):
    topics = ["minibus insurance", "canteen menus", "parking permits", "staff pensions", "boiler repairs",
              "photocopier codes", "netball fixtures", "lost property", "uniform prices", "nit letters",
              "swimming lessons", "harvest festival", "fire drills", "playground markings"]
    for topic in topics:
        question_store.record_question(services.db, person_id="clarke", channel="local",
                                       text=f"Who deals with {topic}?",
                                       now=T0, answered=False, section=None, clause=None, verdict=None,
                                       confidence=0.0)
    [reply] = say(services, "ingram", "policy gaps")
    assert reply.text.startswith("14 questions")
    assert reply.text.count("\n") == 10


# --- the command line -------------------------------------------------------------------------

def test_gaps_cli_writes_csv_to_a_file_and_to_stdout(tmp_path, db, database_location):
    ask(db, "Can I use TikTok in class?", T0)
    ask(db, "can i use tiktok in class", T0 + timedelta(days=1))
    env = {**os.environ, "POLICYBOT_DB": database_location}
    out_file = tmp_path / "gaps.csv"
    done = subprocess.run([sys.executable, "app.py", "gaps", "--csv", "--output", str(out_file)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8"))))
    assert [(r["question"], r["times_asked"]) for r in rows] == [("can i use tiktok in class", "2")]
    to_stdout = subprocess.run([sys.executable, "app.py", "gaps", "--csv"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=60)
    assert to_stdout.stdout == out_file.read_text(encoding="utf-8")


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process may not write in (root writes anywhere it owns, so /sys for root)."""
    if os.geteuid() == 0:
        if not Path("/sys").is_dir():
            pytest.skip("running as root without /sys: no folder is unwritable")
        return Path("/sys")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    return locked


@pytest.mark.parametrize("where", ["missing-folder", "a-folder", "under-a-file", "unwritable"])
def test_gaps_cli_output_it_cannot_write_is_one_line_and_exit_2(tmp_path, database_location, where):
    (tmp_path / "file.txt").write_text("x")
    output = {"missing-folder": Path("/nonexistent/dir/x.csv"), "a-folder": tmp_path,
              "under-a-file": tmp_path / "file.txt" / "x.csv",
              "unwritable": (_unwritable_folder(tmp_path) if where == "unwritable" else tmp_path) / "x.csv"}[where]
    done = subprocess.run([sys.executable, "app.py", "gaps", "--csv", "--output", str(output)], cwd=ROOT,
                          env={**os.environ, "POLICYBOT_DB": database_location}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(f"Could not write {output}: ")
    assert done.stdout == ""


@pytest.mark.parametrize("raw, normalised", [
    ("Can I use TikTok??", "can i use tiktok"), ("  can   i use\ttiktok ", "can i use tiktok"),
    ("Ｃａｎ I use TikTok", "can i use tiktok"), ("Don't I?", "dont i"), ("I’m away", "im away"),
    ("café @calmore!", "café @calmore"), ("\x00\x1b", ""),
])
def test_normalised_form(raw, normalised):
    assert question_store.normalise(raw) == normalised


# --- non-questions stay out unless they keep coming back ---------------------------------------------

PASTED = "Sports Day is on Friday on the school field. Families are welcome to come and cheer everyone on."


@pytest.mark.parametrize("once", ["none", "facebook", "photos allowed", PASTED, "Thanks, that is great"])
def test_a_one_off_non_question_is_left_out(db, once):
    ask(db, once, T0)
    ask(db, "Can I use TikTok in class?", T0)
    assert [g.question for g in question_store.gap_register(db)] == ["Can I use TikTok in class?"]
    assert once not in question_store.gap_register_csv(question_store.gap_register(db))


@pytest.mark.parametrize("question", ["What about WhatsApp groups with parents", "can staff post on tiktok",
                                      "Is it ok to livestream the nativity", "Policy on smart watches?"])
def test_a_one_off_question_stays_even_without_a_question_mark(db, question):
    ask(db, question, T0)
    assert [g.question for g in question_store.gap_register(db)] == [question]


def test_a_short_or_unclear_entry_asked_twice_stays(db):
    ask(db, "facebook", T0)
    ask(db, "Facebook", T0 + timedelta(days=1), person="lewis")
    assert [(g.question, g.times_asked) for g in question_store.gap_register(db)] == [("Facebook", 2)]


def test_the_headteacher_does_not_see_one_off_non_questions_in_chat(services):
    say(services, "clarke", "facebook")
    say(services, "lewis", "What time does the canteen close on Fridays?")
    [reply] = say(services, "ingram", "policy gaps")
    assert "canteen" in reply.text.lower() and "facebook" not in reply.text.lower()
