"""Stage 4, the verdict for a message that tells a worry and asks nothing: "info" (what to do about it),
never a ruling on whatever rule it matched. A message that asks leave keeps its ruling."""
from __future__ import annotations

from dataclasses import replace

import pytest

from knowledge.answering.question import read_question
from knowledge.answering.verdict import decide
from knowledge.policy import parse_policy

POLICY = parse_policy("""Example School Social Media Policy

1. Harm online

Any image of a pupil that has been altered to humiliate them will be treated as a serious matter and must be reported to the DSL.

2. Staff

Staff must not message pupils on personal accounts.
""")


def _clause(start: str):
    return next(c for c in POLICY.clauses if c.text.startswith(start))


@pytest.mark.parametrize("message, told", [
    ("a boy in my form says someone edited his photo to make fun of him and shared it round, he is really shaken", True),
    ("one of the lads in year 8 has been getting horrible edited pics of himself sent to him", True),
    ("a boy says someone edited his photo and shared it. what should I do", False),
    ("a boy says someone edited his photo, can I ask the others to show me", False),
    ("I want to post about it on my page", False),
])
def test_a_message_that_asks_nothing_is_read_as_told(vocabulary, message, told):
    assert read_question(message, vocabulary).told is told


def test_a_worry_told_without_a_question_gets_information_not_a_ruling(vocabulary):
    read = replace(read_question("a boy in my form says someone edited his photo to make fun of him and "
                                 "shared it round, he is really shaken", vocabulary), concern=True)
    assert decide(_clause("Any image"), read).value == "info"


def test_a_told_message_that_is_no_concern_keeps_its_ruling(vocabulary):
    read = read_question("the year 9 group messaged me on my personal account about the trip", vocabulary)
    assert read.told and not read.concern
    assert decide(_clause("Staff must not"), read).value != "info"


def test_asking_leave_beside_a_worry_keeps_the_ruling(vocabulary):
    read = replace(read_question("a boy says someone edited his photo, can I message him on my personal account "
                                 "to check he is ok", vocabulary), concern=True)
    assert decide(_clause("Staff must not"), read).value == "no"
