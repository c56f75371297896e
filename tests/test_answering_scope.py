"""Knowing when not to answer (knowledge/answering/pipeline.py, scope.toml, neighbours.toml): a question
about the asker's own social media is answered even on a loose match; "how many" needs a rule that
states a quantity; topics next door are refused. Questions written for these tests, not from any set."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.answering import Answerer
from knowledge.answering.neighbours import load_neighbours, neighbour_of

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 1, 15)


@pytest.mark.parametrize("question", [
    "fancy a grumble about our new marking scheme on my own twitter, that fine?",
    "a year 4 keeps dming me on tiktok about his spellings, do i answer",
    "is my personal linkedin anything to do with school",
    "does the policy even apply to me on a sunday on my own laptop",
    "we won the chess tournament, can we put the trophy pictures on insta",
    "could we tweet the times of the summer fair",
])
def test_a_question_about_the_askers_own_social_media_is_answered(policy_alone, question):
    assert policy_alone.answer(question, today=TODAY).answered


@pytest.mark.parametrize("question", [
    "how many likes did the school's last facebook post get",
    "how much does the school pay for its instagram adverts",
])
def test_how_many_is_refused_when_no_rule_states_a_quantity(policy_alone, question):
    assert not policy_alone.answer(question, today=TODAY).answered


def test_how_many_is_answered_from_a_rule_that_states_one(policy_alone):
    answer = policy_alone.answer("how many years does a parent's photo consent last", today=TODAY)
    assert answer.answered and "year" in answer.quote.lower()


@pytest.mark.parametrize("question, key", [
    ("can my year 3 daughter bring her phone into school for after school", "devices_in_school"),
    ("the interactive whiteboard in my room is not working, who fixes it", "it_help"),
    ("can i take a morning off next week for a hospital appointment", "staff_employment"),
    ("is it fine to get chatgpt to write my parent letters", "ai_tools"),
    ("can i put the class photo on the corridor display board", "displays"),
    ("which reading app should my son use at home", "teaching_resources"),
    ("can my year 5s watch a 12a film on the last day of term", "app_age"),
    ("any lesson ideas for teaching y3 about passwords", "teaching_resources"),
])
def test_topics_next_door_are_refused(question, key):
    neighbours = load_neighbours("Staff must not post images of pupils on personal social media accounts.")
    found = neighbour_of(question, neighbours)
    assert found is not None and found.key == key


def test_a_next_door_topic_on_social_media_is_the_policys():
    neighbours = load_neighbours("Staff must not post images of pupils on personal social media accounts.")
    assert neighbour_of("can i post a picture of our corridor display board on the school facebook", neighbours) is None
    assert neighbour_of("can i use chatgpt to make a fake photo of a pupil", neighbours) is None
    assert neighbour_of("a dad asked about the lunch menu on the school account can i reply", neighbours) is None
    assert neighbour_of("forgot the class tablet can i take pics on my own phone", neighbours) is None
    assert neighbour_of("can the 15 rated film night trailer go on the school insta", neighbours) is None


def test_a_schools_table_adds_to_the_generic_topics_of_the_same_name():
    school = {"app_age": {"reason": "our online safety policy covers app ages", "who": "Mrs Online",
                          "topics": ["too young for"]}}
    neighbours = load_neighbours("Staff must not post images of pupils on personal social media accounts.", school)
    ours = neighbour_of("is he too young for roblox", neighbours)
    assert ours is not None and ours.who == "Mrs Online"
    assert neighbour_of("what age should my son be for whatsapp", neighbours).key == "app_age"  # a generic topic



THREE_RIVERS = ROOT / "tests" / "schools" / "three-rivers" / "policy.txt"


def test_a_subject_the_policy_covers_is_on_its_subject():
    # Three Rivers' policy has a media enquiries section: a press question is on its subject.
    answer = Answerer.load(THREE_RIVERS).answer("the newspaper rang asking for a comment on our exam results, can i give one?",
                                                today=TODAY)
    assert answer.answered and answer.heading == "Media enquiries"


def test_a_subject_the_policy_never_mentions_stays_strict(policy_alone):
    # Calmore's policy has no media section: a press question names nothing of its subject.
    assert not policy_alone.answer("the newspaper rang asking for a comment on our exam results, can i give one?",
                                   today=TODAY).answered


def test_did_you_mean_offers_a_close_rule_of_the_same_section():
    # Two rules of one section that a question sits between: both are offered, each by its own number.
    answerer = Answerer.load(THREE_RIVERS)
    offered = same_section = 0
    for question in ["can i reply to a student who messaged my personal insta",
                     "a parent sent me a friend request, do i accept",
                     "can staff film students on their own phones on a trip"]:
        answer = answerer.answer(question, today=TODAY)
        if answer.choices:
            offered += 1
            assert "did you mean paragraph" in answer.text
            assert len({choice.clause for choice in answer.choices}) == len(answer.choices)
            same_section += sum(choice.clause.split("-")[0] == answer.section for choice in answer.choices[1:])
    assert offered and same_section


def test_a_device_named_beside_photos_is_not_next_door():
    # The photos are the policy's matter, whatever device was not free to take them.
    neighbours = load_neighbours("Staff must not post images of pupils on personal social media accounts.")
    assert neighbour_of("the class tablets are all taken so can i use my own phone for pictures on sports day",
                        neighbours) is None
    assert neighbour_of("the class tablets are all taken, can we borrow the year 5 ones", neighbours).key == "devices_in_school"


@pytest.mark.parametrize("question", [
    "could i reply to a dad on the class dojo about his sons reading",
    "fancy a vent about inspection week on fb? my profile is private",
    "on my own laptop at home at the weekend, does any of this still apply?",
])
def test_contacting_or_complaining_on_a_platform_is_the_askers_own_social_media(policy_alone, question):
    assert policy_alone.answer(question, today=TODAY).answered


POLICY_WITH_SAFEGUARDING = """Riverside Infants Social Media Policy

1. Staff conduct
1.1 Staff must not contact pupils through personal social media accounts.
1.2 Staff must not share photographs of pupils on personal accounts.

2. Safeguarding
2.1 Any safeguarding concern must be reported to the Designated Safeguarding Lead the same day.

3. Questions
3.1 The Headteacher will decide any matter that this policy does not cover.
"""


def test_a_disclosure_is_on_the_subject_of_a_policy_that_speaks_of_safeguarding(tmp_path):
    from dataclasses import replace

    from knowledge.answering.pipeline import ANSWER_THRESHOLD, OFF_SUBJECT_THRESHOLD
    from knowledge.answering.question import read_question

    message = "a girl in reception told me her uncle keeps her up at night and says it is their secret"
    thresholds = {}
    for name, text in [("with", POLICY_WITH_SAFEGUARDING),
                       ("without", POLICY_WITH_SAFEGUARDING.replace("2. Safeguarding", "2. Worries").replace(
                           "Any safeguarding concern must be reported to the Designated Safeguarding Lead",
                           "Any worry must be passed to the Headteacher"))]:
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
        answerer = Answerer.load(tmp_path / f"{name}.txt")
        answer = answerer.answer(message, today=TODAY)
        assert answer.report_suggested and answer.text.startswith("This sounds like something to report")
        read = replace(read_question(message, answerer.vocabulary), concern=True)
        thresholds[name] = answerer._threshold(read)
        if not answer.answered:  # a refusal beneath the report still says who to ask
            assert "Please ask the Headteacher" in answer.text
    assert thresholds == {"with": ANSWER_THRESHOLD, "without": OFF_SUBJECT_THRESHOLD}


def test_photos_are_on_the_subject_of_a_policy_that_names_them(tmp_path):
    from knowledge.answering.question import read_question

    (tmp_path / "policy.txt").write_text(POLICY_WITH_SAFEGUARDING, encoding="utf-8")
    answerer = Answerer.load(tmp_path / "policy.txt")
    assert answerer._threshold(read_question("whose photos can go in the newsletter", answerer.vocabulary)) \
        < answerer._threshold(read_question("whose recipes can go in the newsletter", answerer.vocabulary))


def test_a_question_about_what_this_policy_says_is_never_next_door():
    # A lesson or a device named beside a question about the policy itself: the policy answers it.
    answerer = Answerer.load(ROOT / "policy" / "calmore-social-media-policy.txt")
    for question in ["running a pshe lesson on online safety next week, which part of the policy covers pupils?",
                     "i only ever use the ipads at school, never my phone. am i covered by this?"]:
        assert "doesn't cover that:" not in answerer.answer(question, today=TODAY).text
    # "the policy for X" asks which policy covers X: X stays next door.
    assert answerer.about_this_policy.search("whats the policy for phones in lessons") is None


@pytest.mark.parametrize("question", [
    "can we post the netball team photo",
    "could i be mates with my old teaching assistant on insta",
])
def test_the_askers_own_posting_or_contact_is_answered(policy_alone, question):
    assert policy_alone.answer(question, today=TODAY).answered


@pytest.mark.parametrize("question", [
    "we've been snapchat friends since uni and her daughter is now in my class, do i unfriend?",
    "is it ok to give out my mobile number to the year 9s on the camping trip",
    "can i draw a poster of sports day for the school instagram page",
])
def test_more_of_the_askers_own_social_media_is_answered(policy_alone, question):
    assert policy_alone.answer(question, today=TODAY).answered


def test_a_definition_of_a_term_the_policy_defines_is_on_its_subject(tmp_path):
    from knowledge.answering.question import read_question

    (tmp_path / "policy.txt").write_text(POLICY_WITH_SAFEGUARDING.replace(
        "3. Questions", "3. Definitions\n3.1 'Visitors' includes contractors and parent helpers.\n\n4. Questions").replace(
        "3.1 The Headteacher", "4.1 The Headteacher"), encoding="utf-8")
    answerer = Answerer.load(tmp_path / "policy.txt")
    defined = read_question("is the window man counted as a visitor", answerer.vocabulary)
    undefined = read_question("is the window man counted as an employee", answerer.vocabulary)
    assert answerer._threshold(defined) < answerer._threshold(undefined)
