"""`python app.py ask --json` as a real subprocess: the DESIGN.md contract, line by line."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = {
    "question": str, "answered": bool, "section": (str, type(None)), "clause": (str, type(None)),
    "heading": (str, type(None)), "quote": (str, type(None)), "verdict": (str, type(None)),
    "confidence": (float, int), "report_suggested": bool, "related": list, "text": str,
}
SECTIONS = {"1", "1.1", "2", "2.1", "2.2", "2.3", "2.4", "3", "4", "5", "6", "7", "8"}


def run_ask(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("POLICYBOT_CONFIG", None)
    return subprocess.run([sys.executable, str(ROOT / "app.py"), "ask", *args], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=60, env=env)


def check_contract(payload: dict, question: str) -> None:
    assert set(payload) == set(CONTRACT), sorted(payload)
    for key, kind in CONTRACT.items():
        assert isinstance(payload[key], kind), (key, payload[key])
    assert payload["question"] == question
    assert 0.0 <= payload["confidence"] <= 1.0
    assert payload["verdict"] in {"yes", "no", "depends", "info", None}
    for item in payload["related"]:
        assert set(item) == {"clause", "heading"} and all(isinstance(v, str) for v in item.values())
    if payload["answered"]:
        assert payload["section"] in SECTIONS
        assert payload["clause"].startswith(payload["section"] + "-")
        assert payload["quote"] and payload["verdict"]
    else:
        assert payload["section"] is payload["clause"] is payload["quote"] is payload["verdict"] is None
        assert payload["text"]


def test_one_question_argument():
    question = "Can I accept a friend request from a former pupil?"
    result = run_ask(question, "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    payload = json.loads(lines[0])
    check_contract(payload, question)
    assert payload["answered"] and payload["section"] == "3" and payload["verdict"] == "no"
    source = (ROOT / "policy" / "calmore-social-media-policy.txt").read_text(encoding="utf-8")
    assert payload["quote"] in source


def test_stdin_one_json_object_per_line_in_order():
    questions = [
        "can I post photos of my class on my instagram?",
        "",
        "x" * 100_000,
        "🙂🙂🙂",
        "Ga i bostio lluniau o ddisgyblion ar fy Facebook?",
        "Est-ce que je peux accepter une demande d'ami d'un élève ?",
        "'; DROP TABLE clauses; -- SELECT * FROM users WHERE 1=1",
        "bell\x07 and escape\x1b[31m and null\x00 and delete\x7f",
        "   ",
        "what's the lunch menu",
        "a year 5 messaged me saying she's scared to go home",
        "who manages the school's facebook page?",
    ]
    result = run_ask("--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(questions), result.stdout[:2000]
    payloads = [json.loads(line) for line in lines]
    for question, payload in zip(questions, payloads):
        check_contract(payload, question)
    assert payloads[0]["answered"] and payloads[0]["verdict"] == "no"
    for index in (1, 3, 4, 5, 6, 8, 9):
        assert not payloads[index]["answered"], questions[index][:80]
    assert payloads[10]["report_suggested"]
    assert payloads[11]["answered"] and payloads[11]["verdict"] == "info"


def test_stdin_mode_writes_json_even_without_flag():
    result = run_ask(stdin="can parents post photos of other children?\n")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout.strip())
    check_contract(payload, "can parents post photos of other children?")
    assert payload["section"] == "5"
