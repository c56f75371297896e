"""Risk families as concepts (knowledge/answering/concerns.toml, [concerns.risk]): self-harm and
overdose, physical-abuse signs, neglect, image-based abuse (AI-made nudes too), sextortion and
grooming, told in primary or secondary-school words. Messages written for these tests, not taken
from any question set."""
from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from knowledge.answering.pipeline import CONCERNS_FILE
from knowledge.disclosure import ConcernRules, spot_disclosure
from knowledge.lexicon import normalise

TODAY = date(2026, 3, 2)
SECONDARY_POLICY = Path(__file__).resolve().parent / "schools" / "three-rivers" / "policy.txt"


@pytest.fixture(scope="module")
def rules() -> ConcernRules:
    return ConcernRules.from_data(tomllib.loads(CONCERNS_FILE.read_text(encoding="utf-8"))["concerns"])


@pytest.fixture(scope="module")
def secondary():
    from knowledge.answering import Answerer

    return Answerer.load(SECONDARY_POLICY)


def family_of(rules: ConcernRules, message: str) -> str:
    found = spot_disclosure(normalise(message), rules, message)
    assert found is not None, message
    return found.reason


def families_in(rules: ConcernRules, message: str) -> set[str]:
    text = normalise(message)
    return {name for name, pattern in rules.risks if pattern.search(text)}


@pytest.mark.parametrize("message, family", [
    # self-harm and suicide: an overdose in everyday words, last messages, a search, hidden cuts
    ("my year 10 tutee messaged me at 2am saying she had swallowed a whole packet of paracetamol", "self_harm"),
    ("a year 4 girl wrote in her diary that everyone would be better off without her", "self_harm"),
    ("y10 boy searched how many tablets it takes to die on the school laptop, what do i do?", "self_harm"),
    ("a lad in my tutor group has been giving away his things to his mates and says he can't cope anymore", "self_harm"),
    # physical abuse seen, not told
    ("a year 2 boy always shrinks back when an adult comes near him and has finger marks on his arm", "physical_abuse_signs"),
    ("a y8 refuses to get changed for PE and keeps her arms covered even on the hottest days", "physical_abuse_signs"),
    # neglect: food, clothing, sleep, supervision, where a child sleeps
    ("a year 5 girl is always hungry, her uniform is filthy and nobody collected her yesterday", "neglect"),
    ("a year 1 is often left in the car outside school for an hour before pick up", "neglect"),
    ("a y9 lad sleeps on the floor at his uncle's because there's no bed for him", "neglect"),
    # image-based abuse, AI-made nudes included
    ("y10 girl said some boys put her photo through an app that makes people look naked", "image_abuse"),
    ("there's a photoshopped picture of a y8 boy with no clothes on being passed round", "image_abuse"),
    # grooming and sextortion
    ("a year 7 said a man she talks to in a game asked to move the chat to snapchat", "grooming"),
    ("a y11 boy said someone has his pics and wants money or they'll share them with his followers", "threats"),
    # flattery that sets a child apart from her age group is a grooming sign, whoever says it
    ("my year 8 showed me texts from her football coach telling her she's so mature for her age", "grooming"),
    # nobody at home to feed or look after a child
    ("a reception child told the dinner lady nobody cooks for him at home and he goes home to an empty flat", "neglect"),
])
def test_each_family_is_a_concept_not_a_phrase(rules, message, family):
    assert family in families_in(rules, message)
    assert spot_disclosure(normalise(message), rules, message) is not None


@pytest.mark.parametrize("message", [
    "a student in y11 sent me a message at 1am saying she wants to end it all, can i reply from my own account?",
    "one of my year 9s wears a hoodie even in the heatwave and jumps when anyone raises a hand, could be nothing",
    "a y7 boy comes in without a coat most days, wears the same shirt all week and nods off in lessons",
    "a trustee has been messaging a y12 student on whatsapp about meeting up, who do i tell?",
    "i sit on the local academy committee and a y9 told me at the fair that her uncle touches her",
    "some y10 lads used an undress app on a girl's prom photo and it's on snapchat, do i delete it from the phone?",
    "a year 12 says a man has pictures of her and will send them to her mum unless she pays him",
    # a late-night message alone is a weak sign in a message that asks; the flattery beside it is not
    "a y10 boy showed me dms a teacher sent him after midnight saying he's more mature than his age, do i speak to her first?",
])
def test_secondary_school_disclosures_are_flagged(secondary, message):
    assert secondary.answer(message, today=TODAY).report_suggested


@pytest.mark.parametrize("message", [
    # a lesson, fundraising or awareness day about a risk is teaching
    "planning a y9 lesson on sextortion and AI nudes, what does the policy say students must be taught?",
    "our y9s are raising money for a suicide prevention charity, can we post about it on insta?",
    # everyday words near the signs
    "can i post a video of y6 saying goodbye to their teachers on the school facebook?",
    "the kids fell asleep on the coach home from the trip, can i post a photo of them on the class page?",
    "can we use ai generated pictures in the newsletter instead of pupils' photos?",
    "our y2s had no lunch club today because of the trip, can i put photos of the trip on dojo?",
    "for our online safety unit i want to show y10 how a deepfake of my own face is made, ok?",
    "as a local academy committee member can i share the trust's posts about the open evening?",
    "can the LSA take photos of y7s on the school ipad during the trip?",
])
def test_words_near_the_signs_are_not_disclosures(secondary, message):
    assert not secondary.answer(message, today=TODAY).report_suggested


def test_a_lesson_as_the_time_of_a_sign_is_not_a_lesson_taught(rules):
    taught = "planning a pshe lesson on neglect for year 5, what can i share online"
    noticed = "a year 5 boy falls asleep in lessons and hides food in his bag"
    assert rules.is_teaching(normalise(taught))
    assert not rules.is_teaching(normalise(noticed))
    assert "neglect" in family_of(rules, noticed) or "secrecy" in family_of(rules, noticed)


def test_a_sign_in_a_rule_question_or_a_condition_is_not_described(rules):
    assert spot_disclosure(normalise("if a pupil is always hungry should i tell the dsl"), rules) is None
    assert "sign of harm" in family_of(rules, "a year 3 girl is always hungry and comes in unwashed")
