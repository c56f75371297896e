"""Stage 4, the verdict read from the clause's own wording against the facts a question states:
lapsing consent, required equipment, who a prohibition binds, provisos, channels ruled out for some
matters, obligations asked of a prohibition, and clauses that point back at earlier rules."""
from __future__ import annotations

from datetime import date

import pytest

from knowledge.answering import Answerer
from knowledge.answering.conditions import consent_age
from knowledge.answering.question import read_question
from knowledge.answering.verdict import decide
from knowledge.policy import parse_policy

POLICY_TEXT = """Example Community School Social Media Policy

1. Official accounts

1.1 Families must have signed the photo agreement before a child is shown on our pages; the agreement is valid for a period of three years from signing.

1.2 Pictures for our pages must be taken on school-owned cameras only.

1.3 Members of staff who have not been approved by the Office Manager must not log in to the school pages.

1.4 Only the Office Manager and the Head may publish on the school blog.

1.5 The school will not publish: adverts for businesses unless connected to the school.

1.6 The school may review staff activity on school laptops and the school network. This includes checks where misuse is suspected.

2. Staff

2.1 Staff may share the school's posts from their own accounts, provided they do not add remarks that break this policy.

2.2 Staff must not follow current pupils on any platform.

2.3 Staff must not message pupils privately. The school's learning platform must feature teachers only, and pupils must not appear in its promotional videos.

2.4 Staff must not share opinions that could be taken as the school's own.

3. Families

3.1 Parents should not use social media to criticise the school.

3.2 The messaging app should be used for everyday matters only. Urgent matters and any welfare concern must be raised by ringing the office, not through the messaging app.

3.3 We expect families to follow the above guidelines when using class WhatsApp groups.
"""
POLICY = parse_policy(POLICY_TEXT)


def ruling(vocabulary, rule: str, question: str):
    [clause] = [c for c in POLICY.clauses if c.rule == rule]
    return decide(clause, read_question(question, vocabulary))


@pytest.mark.parametrize("rule, question, expected", [
    # a consent that lapses, against when the question says it was given
    ("1-1", "the form was signed in march 2019 and it is may 2024 now, can her picture go up?", "no"),
    ("1-1", "the agreement was signed about 10 months ago, can he be in the post?", "yes"),
    ("1-1", "we signed in 2015, do we have to sign it again?", "yes"),
    # a year that dates something else is not when the consent was given
    ("1-1", "can we reuse a picture from the 2019 fun run? her mum signed the agreement last month", "yes"),
    # what the rule requires to be used, against the asker's own
    ("1-2", "the camera is flat, can i take the pictures on my own phone and send them in?", "no"),
    ("1-2", "can i take the pictures on the school camera?", "yes"),
    # a prohibition binding only those who lack something, asked by someone who has it
    ("1-3", "the office manager approved me yesterday, so can i log in to the school pages now?", "yes"),
    ("1-3", "can i log in to the school pages?", "no"),
    ("1-3", "can i log in to the school pages? not sure if the office manager has approved me yet", "no"),
    # only named people may act: the asker acting on the school's own channel is not one of them
    ("1-4", "can i put my class video on the school blog myself? i teach year 2", "no"),
    # someone's own business against an exception for what is connected to the school
    ("1-5", "my brother runs a window cleaning business, could the school publish his advert?", "no"),
    ("1-5", "could the school publish an advert for the book fair supplier?", "depends"),
    # a permission's own sentence holds its condition; a later sentence only explains it
    ("1-6", "can the school see what i post if im on the school network?", "yes"),
    # a proviso that only rules something out
    ("2-1", "can i share the school's post about sports day on my own account?", "yes"),
    # a grown-up former pupil against a rule about current pupils
    ("2-2", "a boy i taught years ago is 26 now, can i follow him back?", "yes"),
    ("2-2", "can i follow a pupil in my class?", "no"),
    # the prohibiting sentence the question speaks of decides, not the clause's first modal
    ("2-3", "could pupils be in the background of the learning platform's promotional videos?", "no"),
    # a prohibition of only what could be read a certain way: how a post reads decides
    ("2-4", "can i post my opinion about the new bypass on my own twitter?", "depends"),
    # obligation asked of a prohibition: keeping to it is what is asked
    ("3-1", "do i have to take down my facebook post criticising the school?", "yes"),
    # a channel ruled out for urgent matters, when the question is urgent; not for an everyday one
    ("3-2", "my son has a dentist appointment today at 2, can i just use the messaging app to tell the teacher?", "no"),
    ("3-2", "can i use the messaging app to ask about next term's reading books?", "yes"),
])
def test_clause_wording_against_stated_facts(vocabulary, rule, question, expected):
    assert ruling(vocabulary, rule, question).value == expected


def test_a_yes_beside_a_prohibition_carries_its_reason(vocabulary):
    assert ruling(vocabulary, "1-3", "the office manager approved me, can i log in?").reason == "exception"
    assert ruling(vocabulary, "2-2", "a girl i taught years back is 24 now, can i follow her?").reason == "not reached"


def test_consent_age_reads_months_years_and_now(vocabulary):
    def age(text):
        return consent_age(read_question(text, vocabulary), today=date(2030, 1, 15))
    assert age("signed in june 2020, its dec 2025 now") == pytest.approx(5.5)
    assert age("signed 18 months ago") == pytest.approx(1.5)
    assert age("signed in 2028") == pytest.approx(1.5)
    assert age("we signed the form") is None
    assert age("a photo from our 2019 sports day, can it go up") is None  # nothing said of consent
    assert age("the consent form came back last week") == 0.0


@pytest.fixture(scope="module")
def answerer(tmp_path_factory) -> Answerer:
    path = tmp_path_factory.mktemp("policy") / "policy.txt"
    path.write_text(POLICY_TEXT, encoding="utf-8")
    return Answerer.load(path)


def test_a_clause_pointing_at_the_rules_above_takes_their_verdict(answerer):
    """When the clause that points back answers (here put first, as retrieval does when the question
    names the place it covers), the verdict is the earlier rule's, and the answer quotes it."""
    question = "parent here, can i moan about the school in our class whatsapp group?"
    read = read_question(question, answerer.vocabulary, "parents")
    ranked = answerer.retriever.rank(read)
    pointing = [c for c in ranked if answerer.policy.clauses[c.index].rule == "3-3"]
    answer = answerer._answer_from(question, read, pointing + [c for c in ranked if c not in pointing], pointing[0])
    assert answer.clause == "3-3"
    assert answer.verdict == "no"
    assert "The guideline it points to: \"Parents should not use social media to criticise the school\"" in answer.text


def test_a_safeguarding_concern_is_not_for_the_messaging_app(answerer):
    answer = answerer.answer("a man i don't know keeps messaging my 8 year old daughter asking for photos of her, "
                             "can i just tell her teacher on the messaging app?", audience="parents")
    assert answer.report_suggested
    assert answer.verdict != "yes"
