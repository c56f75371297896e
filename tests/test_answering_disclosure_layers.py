"""Which layers may flag a message (knowledge/disclosure.py): only the two built from concerns.toml,
vocabulary and structure, then the gate. The fixed regular expressions of the first rounds are gone
(fifth round): they never flagged a disclosure the data-driven layers missed, and they read any
adult "has been posting" or "has shared" beside a photo or a name as conduct towards a child. Messages
written for these tests."""
from __future__ import annotations

import tomllib

import pytest

from knowledge.answering.pipeline import CONCERNS_FILE
from knowledge.disclosure import ConcernRules, spot_disclosure
from knowledge.lexicon import normalise


@pytest.fixture(scope="module")
def rules() -> ConcernRules:
    return ConcernRules.from_data(tomllib.loads(CONCERNS_FILE.read_text(encoding="utf-8"))["concerns"])


def spotted(rules: ConcernRules, message: str):
    return spot_disclosure(normalise(message), rules, message)


def test_without_concern_data_nothing_is_spotted():
    # Every school gets concerns.toml; with no data at all there is no vocabulary to judge by.
    assert spot_disclosure(normalise("a boy in year 5 told me his uncle hurts him"), None) is None


@pytest.mark.parametrize("message", [
    "our volunteer coach has been posting match reports with the team names on the club page",
    "a colleague has shared the class photos with parents on dojo already",
    "a dad keeps posting on the village group about the parking outside school",
])
def test_an_adult_posting_school_news_is_no_disclosure(rules, message):
    # Each of the first two was flagged by the fixed layer alone ("act: … has been posting").
    assert spotted(rules, message) is None


@pytest.mark.parametrize("message", [
    "one of the girls in my year 4 class told me her stepdad hits her when her mum is at work",
    "a dinner lady has been sending snapchats to a boy in year 6",
    "I saw a volunteer take photos of the reception children getting changed after swimming",
    "a y9 lad said an older man he met in a game keeps asking him for pictures and to keep it secret",
])
def test_disclosures_are_still_flagged_by_the_data_driven_layers(rules, message):
    assert spotted(rules, message) is not None


@pytest.mark.parametrize("message", [
    "i'm in year 5 and someone keeps leaving mean comments on my videos, who can i talk to",
    "im in y4 and a kid from another school keeps sending me nasty messages in a game, can i tell you",
])
def test_a_pupil_asking_what_to_do_about_unkindness_to_them_is_telling_not_asking_a_rule(rules, message):
    # Unkindness in a staff member's rule question is usually no risk; a pupil asking for help is a child telling.
    assert spotted(rules, message) is not None


def test_unkindness_in_a_staff_rule_question_still_does_not_flag(rules):
    assert spotted(rules, "pupils were laughing at a teacher's post about the fair, can i report that to the head?") is None
