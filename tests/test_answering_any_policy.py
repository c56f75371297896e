"""The whole pipeline on other schools' policies, through `python app.py ask` with POLICYBOT_POLICY:
the policy alone, with no lexicon or examples written for it (DESIGN.md's contract)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHOOLS = ROOT / "tests" / "schools"
CALMORE_WORDS = ("calmore", "cjs", "ingram", "multimedia consent form")


def ask(policy: Path, *questions: str) -> list[dict]:
    env = {**os.environ, "POLICYBOT_POLICY": str(policy)}
    done = subprocess.run([sys.executable, str(ROOT / "app.py"), "ask"], input="\n".join(questions) + "\n",
                          capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture(scope="module")
def oakfield() -> list[dict]:
    return ask(SCHOOLS / "oakfield" / "policy.txt",
               "can i accept a friend request from a parent",
               "does the school have a facebook page",
               "can i bring my dog into school for the reading club",
               "a pupil messaged my personal insta saying she is scared to go home, can i message her back?")


def test_a_numbered_paragraph_is_cited_by_its_own_number(oakfield):
    answer = oakfield[0]
    assert answer["answered"] and answer["section"] == "6" and answer["clause"] == "6-3"
    assert answer["verdict"] == "depends"  # unless a declared relationship existed before
    assert "paragraph 6.3" in answer["text"]
    source = " ".join((SCHOOLS / "oakfield" / "policy.txt").read_text(encoding="utf-8").split())
    assert answer["quote"] in source


def test_this_schools_channels_not_calmores(oakfield):
    answer = oakfield[1]
    assert answer["clause"] == "5-2" and answer["quote"].startswith("The school does not have a Facebook page")


def test_out_of_scope_names_who_the_policy_says_decides(oakfield):
    answer = oakfield[2]
    assert not answer["answered"] and answer["section"] is None and answer["verdict"] is None
    assert "the Headteacher" in answer["text"]  # "The Headteacher will decide any matter that this policy does not cover"


def test_a_disclosure_offers_the_report_first_and_still_answers_without_a_yes(oakfield):
    answer = oakfield[3]
    assert answer["report_suggested"] and answer["text"].startswith("This sounds like something to report")
    assert answer["answered"] and answer["verdict"] == "no" and answer["section"] == "6"


def test_no_calmore_word_in_any_answer(oakfield):
    for answer in oakfield:
        assert not any(word in answer["text"].lower() for word in CALMORE_WORDS), answer["text"]


def test_a_trust_policy_routes_uncovered_questions_to_its_own_decider():
    [answer] = ask(SCHOOLS / "three-rivers" / "policy.txt", "can i bring my dog into school for the reading club")
    assert not answer["answered"] and "Chief Executive Officer" in answer["text"]
