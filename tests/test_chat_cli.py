"""`python app.py chat --as USER` as a real subprocess, stdin piped line by line (the DESIGN.md contract)."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Can I accept a friend request from a past pupil on Facebook?"
DISCLOSURE = "a year 5 messaged me saying she's scared to go home"


def chat(tmp_path, lines: list[str] | bytes, as_user: str = "staff") -> subprocess.CompletedProcess:
    stdin = lines if isinstance(lines, bytes) else ("\n".join(lines) + "\n").encode("utf-8")
    env = {**os.environ, "POLICYBOT_DB": str(tmp_path / "chat.db"), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "app.py", "chat", "--as", as_user], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One conversation with every kind of line; the tests below read its output and its database."""
    tmp_path = tmp_path_factory.mktemp("chat")
    lines = ["help", QUESTION, "not helpful", DISCLOSURE, "", "x" * 100_000, "🙂🎉", "can I\x01 post\x1b[31m photos?"]
    done = chat(tmp_path, lines)
    blocks = done.stdout.decode("utf-8").split("\n\n")
    db = sqlite3.connect(tmp_path / "chat.db")
    db.row_factory = sqlite3.Row
    yield done, blocks, db, tmp_path
    db.close()


def test_it_reads_to_the_end_of_input_and_exits_cleanly(session):
    done, _blocks, _db, _ = session
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr and b"Traceback" not in done.stdout


def test_each_line_gets_its_reply_in_order(session):
    done, _blocks, _db, _ = session
    out = done.stdout.decode("utf-8")
    marks = [
        out.index("You are A Staff"),                     # the greeting
        out.index("Here is what I can do for you"),       # help
        out.index("Accept 'friend requests'"),            # the answer quotes the policy
        out.index("didn't help"),                         # feedback acknowledged
        out.index("Report to the DSL now"),               # the disclosure: DSL first
        out.index("Type a question about the school"),    # the empty line: a prompt
        out.index("too long"),                            # the 100 KB line
    ]
    assert marks == sorted(marks)


def test_help_lists_buttons_as_numbers(session):
    done, _blocks, _db, _ = session
    out = done.stdout.decode("utf-8")
    assert "[1] Ask a question" in out and "[2] Report a concern" in out


def test_disclosure_reply_puts_the_dsl_first(session):
    done, blocks, _db, _ = session
    [block] = [b for b in blocks if "Report to the DSL now" in b and "Safeguarding" in b]
    assert block.lstrip().startswith("Safeguarding: tell the DSL now")
    assert "Priya Shah" in block.splitlines()[1]
    assert "confidentiality" in block


def test_the_database_has_the_question_its_feedback_and_the_gap(session):
    _done, _blocks, db, _ = session
    texts = [r["text"] for r in db.execute("SELECT text FROM questions ORDER BY id")]
    assert texts[0] == QUESTION
    assert "can I  post [31m photos?" in texts  # control characters are not stored
    [feedback] = db.execute("SELECT f.helpful, f.how, q.text FROM feedback f JOIN questions q ON q.id = f.question_id")
    assert (feedback["helpful"], feedback["how"], feedback["text"]) == (0, "typed", QUESTION)


def test_the_gap_register_lists_the_unhelpful_answer(session):
    _done, _blocks, _db, tmp_path = session
    env = {**os.environ, "POLICYBOT_DB": str(tmp_path / "chat.db")}
    done = subprocess.run([sys.executable, "app.py", "gaps", "--csv"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert QUESTION in done.stdout and "not helpful" in done.stdout


def test_nothing_of_the_disclosure_is_stored_anywhere(session):
    _done, _blocks, db, tmp_path = session
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for row in db.execute(f'SELECT * FROM "{table}"'):
            assert not any("scared" in str(value) for value in tuple(row)), table
    db.execute("PRAGMA wal_checkpoint(FULL)")
    for path in tmp_path.glob("chat.db*"):
        assert b"scared to go home" not in path.read_bytes(), path.name


def test_an_unknown_user_gets_a_clear_message_and_exit_code_2(tmp_path):
    done = chat(tmp_path, ["help"], as_user="nobody")
    assert done.returncode == 2
    message = (done.stdout + done.stderr).decode("utf-8")
    assert "No one called 'nobody' is on the roster" in message
    assert "Traceback" not in message


def test_undecodable_bytes_do_not_crash_the_chat(tmp_path):
    done = chat(tmp_path, b"caf\xe9 \xff can I post photos of pupils?\nwho am i\n")
    assert done.returncode == 0, done.stderr.decode()
    assert "You are A Staff." in done.stdout.decode("utf-8")


def test_a_headteacher_can_read_the_gap_register_in_the_terminal(tmp_path):
    chat(tmp_path, ["What time does the canteen close on Fridays?"], as_user="clarke")
    done = chat(tmp_path, ["policy gaps"], as_user="ingram")
    out = done.stdout.decode("utf-8")
    assert "Policy-gap register" in out and "canteen" in out.lower()
    assert "python app.py gaps --csv" in out


def test_a_handler_fault_prints_no_exception_message_to_the_terminal(tmp_path):
    chat(tmp_path, ["help"])  # creates the database
    db = sqlite3.connect(tmp_path / "chat.db")
    db.execute("CREATE TRIGGER fault BEFORE INSERT ON training_events "
               "BEGIN SELECT RAISE(ABORT, 'private detail from the input'); END")
    db.commit()
    db.close()
    done = chat(tmp_path, ["I've done my training today"])
    assert done.returncode == 0
    assert "something went wrong" in done.stdout.decode("utf-8")
    errors = done.stderr.decode("utf-8")
    assert "private detail" not in errors and "private detail" not in done.stdout.decode("utf-8")
    assert '"error": "IntegrityError"' in errors  # logged as a JSON line on stderr, like `serve`
