"""A new school from its policy document: `app.py setup` on Word and PDF files made here from two
other schools' policies, then `check`, `ask`, `check-draft` and the web chat with POLICYBOT_CONFIG,
as subprocesses. Answers quote those policies and no output carries a word of the sample school."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHOOLS = ROOT / "tests" / "schools"
SAMPLE_SCHOOL_WORDS = ("Calmore", "CJS", "Ingram", "Multimedia Consent Form")
QUESTIONS = {  # question → (the rule it must be answered from, the verdict)
    "oakfield": {"Can I accept a friend request from a current pupil?": ("6-2", "no"),
                 "Can the school post pupils full names on its accounts?": ("5-7", "no"),
                 "Can I post photos of my class on my own Instagram?": ("6-2", "no")},
    "three-rivers": {"Can staff add students on Instagram?": ("5-2", "no"),
                     "Can we post a student's full name on the academy Facebook page?": ("4-9", "no"),  # never the full name
                     "Can I post photos of my class on my own Instagram?": ("5-6", "no")},
}


# --- documents made the way schools keep them --------------------------------------------------

def write_docx(text: str, path: Path) -> None:
    """The header block as a table and the bullets as Word list paragraphs, as a school's Word file has them."""
    import docx

    document = docx.Document()
    lines = text.split("\n")
    first_heading = next(i for i, line in enumerate(lines) if re.match(r"^(?:1\.|Section 1:)\s", line))
    fields = [line for line in lines[:first_heading] if "\t" in line]
    for line in lines[:first_heading]:
        if "\t" not in line:
            document.add_paragraph(line)
    table = document.add_table(rows=0, cols=2)
    for line in fields:
        key, _, value = line.partition("\t")
        cells = table.add_row().cells
        cells[0].text, cells[1].text = key.strip(), value.strip()
    for line in lines[first_heading:]:
        if line.startswith("•"):
            document.add_paragraph(line.lstrip("•").strip(), style="List Bullet")
        else:
            document.add_paragraph(line)
    document.save(str(path))


def write_pdf(text: str, path: Path) -> None:
    """Lines wrapped to the page, as a PDF export has them (no tabs, no blank lines survive extraction)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"  # bullets and dashes in the standard fonts
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    for line in text.split("\n"):
        pdf.multi_cell(0, 5, line.replace("\t", "    ") or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("documents")
    made = {}
    for school in QUESTIONS:
        text = (SCHOOLS / school / "policy.txt").read_text(encoding="utf-8")
        made[school, "docx"] = folder / f"{school}-policy.docx"
        write_docx(text, made[school, "docx"])
        made[school, "pdf"] = folder / f"{school}-policy.pdf"
        write_pdf(text, made[school, "pdf"])
    return made


def run_app(*args: str, config: Path | None = None, stdin: str | None = None, db: Path | None = None,
            timeout: int = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("POLICYBOT_POLICY", None)
    env.pop("POLICYBOT_CONFIG", None)
    if config is not None:
        env["POLICYBOT_CONFIG"] = str(config)
    if db is not None:
        env["POLICYBOT_DB"] = str(db)
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], input=stdin, cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def assert_no_sample_school(*outputs: str) -> None:
    for output in outputs:
        for word in SAMPLE_SCHOOL_WORDS:
            assert word not in output, f"{word!r} in output:\n{output[:3000]}"


def set_up(document: Path, folder: Path, *extra: str) -> subprocess.CompletedProcess:
    result = run_app("setup", str(document), "--folder", str(folder), *extra)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def set_up_schools(documents, tmp_path_factory) -> dict[tuple[str, str], tuple[Path, subprocess.CompletedProcess]]:
    """`setup` run once per document for the module; tests that change a folder change a copy."""
    made = {}
    for (school, kind), document in documents.items():
        folder = tmp_path_factory.mktemp(f"setup-{school}-{kind}") / school
        made[school, kind] = folder, set_up(document, folder)
    return made


def set_up_copy(set_up_schools, school: str, kind: str, folder: Path) -> subprocess.CompletedProcess:
    """`folder` as `setup` made it from that school's document; the run's output."""
    made, result = set_up_schools[school, kind]
    shutil.copytree(made, folder)
    return result


# --- setup → check → ask, for a second and a third school ------------------------------------------

@pytest.mark.parametrize("kind", ["docx", "pdf"])
@pytest.mark.parametrize("school", list(QUESTIONS))
def test_setup_then_check_then_ask_answers_from_that_school(set_up_schools, tmp_path, school, kind):
    folder = tmp_path / school
    setup = set_up_copy(set_up_schools, school, kind, folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["policy.txt", "school.toml", "roster.csv", "consent_register.csv", "holidays.toml"])  # no lexicon, no examples
    settings = tomllib.loads((folder / "school.toml").read_text(encoding="utf-8"))
    config = folder / "school.toml"

    check = run_app("check", config=config)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 error(s)" in check.stdout and "Self-test: 10 questions" in check.stdout
    assert check.stderr == ""

    questions = QUESTIONS[school]
    ask = run_app("ask", "--json", config=config, stdin="\n".join(questions) + "\n")
    assert ask.returncode == 0, ask.stderr
    answers = [json.loads(line) for line in ask.stdout.splitlines()]
    policy_text = " ".join((folder / "policy.txt").read_text(encoding="utf-8").split())
    for answer, (question, (rule, verdict)) in zip(answers, questions.items()):
        assert answer["question"] == question
        assert answer["answered"] and answer["clause"] == rule and answer["verdict"] == verdict, answer
        assert " ".join(answer["quote"].split()) in policy_text  # the policy's own words
    assert_no_sample_school(setup.stdout, setup.stderr, check.stdout, check.stderr, ask.stdout, ask.stderr,
                            (folder / "school.toml").read_text(encoding="utf-8"))

    if school == "oakfield":
        assert settings["school"] == "Oakfield Primary School" and settings["short_code"] == "OPS"
        assert settings["headteacher"] == "Mr J Whitaker" and settings["policy_renewal"] == "September 2027"
        assert "@OakfieldPriLeeds" in check.stdout and "Mrs S Brennan" in check.stdout
    else:  # a trust-wide policy names no headteacher: setup says so rather than guessing
        assert settings["school"] == "Three Rivers Learning Trust" and settings["headteacher"] == ""
        assert settings["policy_renewal"].startswith("July 2026")
        assert "TikTok" in check.stdout and "Trust Communications Manager" in check.stdout
        assert "not named in the policy" in setup.stdout


def test_the_extracted_text_reads_as_the_original_policy(set_up_schools):
    """Word and PDF come back as the same sections and rules, word for word, as the text file."""
    from knowledge.policy import Policy

    for (school, kind), (folder, _) in set_up_schools.items():
        original = Policy.load(SCHOOLS / school / "policy.txt")
        extracted = Policy.load(folder / "policy.txt")
        assert list(extracted.sections) == list(original.sections), (school, kind)
        assert extracted.meta.renewal_due == original.meta.renewal_due
        texts = {c.id: c.text for c in original.clauses}
        same = sum(texts.get(c.id) == c.text for c in extracted.clauses)
        assert same >= 0.95 * len(original.clauses), (school, kind, same, len(original.clauses))


def test_check_draft_and_the_web_chat_use_the_configured_school(set_up_schools, tmp_path):
    folder = tmp_path / "oakfield"
    set_up_copy(set_up_schools, "oakfield", "pdf", folder)
    with open(folder / "roster.csv", "a", encoding="utf-8") as roster:
        roster.write("whitaker,James Whitaker,j.whitaker@oakfield.example.org,headteacher;staff,Headteacher,2018-09-01,,\n")
    config = folder / "school.toml"

    from knowledge.policy import Policy

    oakfield = Policy.load(folder / "policy.txt")
    draft = run_app("check-draft", "--json", "Vote for the Green Party candidate on Thursday!", config=config)
    assert draft.returncode == 0, draft.stderr
    findings = json.loads(draft.stdout)["findings"]
    assert findings and all(f["section"] in oakfield.sections for f in findings), findings

    port = _free_port()
    env = {**os.environ, "POLICYBOT_CONFIG": str(config), "POLICYBOT_DB": str(tmp_path / "bot.db")}
    env.pop("POLICYBOT_POLICY", None)
    server = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "serve", "--port", str(port)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", server)
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode("utf-8")
        assert "Oakfield Primary School" in page
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/local/messages", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"person": "whitaker", "text": "Can I accept a friend request from a current pupil?"}).encode())
        replies = json.loads(urllib.request.urlopen(request, timeout=60).read())["replies"]
        text = json.dumps(replies, ensure_ascii=False)
        assert "send or accept friend or follow requests to or from current pupils" in text
        assert_no_sample_school(text, page, draft.stdout)
    finally:
        server.terminate()
        server.communicate(timeout=30)


# --- what check warns about, and what stops the bot ------------------------------------------------

def test_check_warns_about_another_schools_leftovers(set_up_schools, tmp_path):
    """The issue's case: the sample school's examples, lexicon and headteacher copied in beside a new policy."""
    folder = tmp_path / "oakfield"
    set_up_copy(set_up_schools, "oakfield", "docx", folder)
    for name in ("examples.toml", "lexicon.toml"):
        (folder / name).write_bytes((ROOT / "policy" / name).read_bytes())
    settings = (folder / "school.toml").read_text(encoding="utf-8")
    settings = settings.replace('policy_renewal = "September 2027"', 'policy_renewal = "September 2020"')
    (folder / "school.toml").write_text(settings + 'lexicon_file = "lexicon.toml"\nexamples_file = "examples.toml"\n',
                                        encoding="utf-8")
    sample = (ROOT / "data" / "roster.csv").read_text(encoding="utf-8").splitlines()
    head_row = next(row for row in sample if ",headteacher;" in row)
    (folder / "roster.csv").write_text(sample[0] + "\n" + head_row + "\n", encoding="utf-8")

    check = run_app("check", "--no-self-test", config=folder / "school.toml")
    assert check.returncode == 0, check.stdout  # warnings only: the bot can run, the IT manager is told
    warnings = [line for line in check.stdout.splitlines() if line.startswith("warning: ")]
    said = "\n".join(warnings)
    assert "clause id(s) this policy does not have" in said
    assert "hardly resemble clause" in said  # ids that exist in both policies, written for the other one
    assert re.search(r"headteacher: the policy names Mr J Whitaker, but the roster's headteacher is \w+ Ingram", said)
    assert "nobody on roster.csv has the role dsl" in said
    assert "nobody on roster.csv has the role deputy_head" in said
    assert "was due for review in September 2020 and is overdue" in said
    assert re.search(r"lexicon lexicon.toml \[routing.deputy_head\] sends questions to .*nobody", said)
    assert 'the policy mentions "Deputy Designated Safeguarding Lead" but nobody' in said


def test_errors_fail_check_and_stop_the_server(set_up_schools, tmp_path):
    folder = tmp_path / "oakfield"
    set_up_copy(set_up_schools, "oakfield", "docx", folder)
    (folder / "roster.csv").write_text("id,name,email,roles\nwhitaker,James Whitaker,j@example.org,headteacher;boss\n",
                                       encoding="utf-8")
    (folder / "holidays.toml").write_text("[[holiday]]\nname = 'Half term'\nstart = 2026-10-30\nend = 2026-10-26\n",
                                          encoding="utf-8")
    config = folder / "school.toml"

    check = run_app("check", config=config)
    assert check.returncode == 1
    assert "error: roster roster.csv, whitaker: unknown role(s) boss" in check.stdout
    assert "error: holidays holidays.toml cannot be read" in check.stdout
    assert "Self-test" not in check.stdout

    serve = run_app("serve", "--port", str(_free_port()), config=config, db=tmp_path / "bot.db", timeout=60)
    assert serve.returncode == 2
    lines = serve.stderr.strip().splitlines()
    assert lines[0].startswith("Policy Bot will not start: roster roster.csv, whitaker: unknown role(s) boss")
    assert lines[1].startswith("Policy Bot will not start: holidays holidays.toml cannot be read")
    assert "Traceback" not in serve.stderr


def test_a_missing_configuration_is_an_error_not_the_sample_school(tmp_path):
    result = run_app("ask", "can I friend a pupil", config=tmp_path / "nowhere" / "school.toml")
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_the_sample_school_checks_clean():
    result = run_app("check", "--no-self-test")
    assert result.returncode == 0, result.stdout
    assert "0 error(s)" in result.stdout


# --- setup's refusals and templates -----------------------------------------------------------

def test_setup_refuses_to_overwrite_without_force(documents, set_up_schools, tmp_path):
    folder = tmp_path / "oakfield"
    set_up_copy(set_up_schools, "oakfield", "docx", folder)
    (folder / "roster.csv").write_text("id,name,email,roles\nwhitaker,James Whitaker,,headteacher\n", encoding="utf-8")
    again = run_app("setup", str(documents["oakfield", "pdf"]), "--folder", str(folder))
    assert again.returncode == 1 and "--force" in again.stderr and "nothing was changed" in again.stderr
    assert "whitaker" in (folder / "roster.csv").read_text(encoding="utf-8")
    forced = run_app("setup", str(documents["oakfield", "pdf"]), "--folder", str(folder), "--force",
                     "--name", "Oakfield Primary", "--short-code", "OAK")
    assert forced.returncode == 0, forced.stderr
    settings = tomllib.loads((folder / "school.toml").read_text(encoding="utf-8"))
    assert settings["school"] == "Oakfield Primary" and settings["short_code"] == "OAK"
    assert "whitaker" not in (folder / "roster.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("name, content, says", [
    ("policy.doc", b"\xd0\xcf\x11\xe0 an old Word file", "Word Document"),
    ("policy.txt", "Our policy\n\nBe kind online. Staff must not friend pupils.\n".encode(), "no numbered sections"),
    ("policy.pdf", b"%PDF-1.4 damaged", "could not be read"),
])
def test_setup_refuses_what_it_cannot_read(tmp_path, name, content, says):
    document = tmp_path / name
    document.write_bytes(content)
    result = run_app("setup", str(document), "--folder", str(tmp_path / "school"))
    assert result.returncode == 1
    assert says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "school").exists()


def test_the_templates_comment_rows_load_as_nobody(set_up_schools, tmp_path):
    from knowledge.consent import ConsentRegister
    from app import open_database
    from storage.roster import all_people, load_roster_csv

    folder = tmp_path / "oakfield"
    set_up_copy(set_up_schools, "oakfield", "docx", folder)
    db = open_database(str(tmp_path / "bot.db"))
    assert load_roster_csv(db, folder / "roster.csv") == 0 and all_people(db) == []
    assert len(ConsentRegister.from_csv(folder / "consent_register.csv")) == 0


def test_the_starting_holidays_follow_the_english_pattern():
    """Set against the sample school's published 2025-26 dates, which follow the usual pattern."""
    from handlers.school_setup import english_holidays, school_year_start

    holidays = {name.rsplit(" ", 1)[0]: (start, end) for name, start, end in english_holidays(2025)}
    assert holidays["Autumn half term"] == (date(2025, 10, 27), date(2025, 10, 31))
    assert holidays["Christmas holiday"] == (date(2025, 12, 22), date(2026, 1, 2))
    assert holidays["Spring half term"] == (date(2026, 2, 16), date(2026, 2, 20))
    assert holidays["Easter holiday"] == (date(2026, 3, 30), date(2026, 4, 10))
    assert school_year_start(date(2026, 8, 31)) == 2025 and school_year_start(date(2026, 9, 1)) == 2026


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited: {server.communicate()[1][-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")
