"""What people type during a training step (issue 16), at handler level on a real SQLite file with the
real answer engine: a question ending in "?" is answered by the step itself (its prompt, help, cancel),
never by the answer engine, so nothing lands in the policy-gap register."""
from __future__ import annotations

import pytest

from storage import state as state_store
from storage import training as store
from tests.router_talk import gap_count, press, say

QUESTIONS = ["Can I accept a friend request from a past pupil?", "what is the policy on photos?",
             "is this right?", "Do I need to read the whole thing?"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_question_in_the_date_step_gets_the_step_prompt_and_no_gap(services, question):
    say(services, "clarke", "I've done my training")
    gaps = gap_count(services)
    [held] = say(services, "clarke", question)
    assert "I'm asking when your safeguarding training was completed" in held.text
    assert "type *cancel* first to ask one now" in held.text
    assert state_store.get_state(services.db, "clarke").flow == "training"
    assert gap_count(services) == gaps and store.completed_on(store.get_record(services.db, "clarke"), "training") is None
    [help_card] = say(services, "clarke", "help")
    assert "I'm asking when your safeguarding training was completed" in help_card.text
    assert "Cancelled" in say(services, "clarke", "cancel")[0].text
    assert gap_count(services) == gaps


def test_a_command_another_feature_knows_still_leaves_the_date_step(services):
    say(services, "clarke", "I've done my training")
    [status] = say(services, "clarke", "when is my training due?")
    assert status.title == "Your training"
    assert state_store.get_state(services.db, "clarke") is None


def _start_check(services):
    card = say(services, "clarke", "acknowledge policy")[-1]
    read = next(b for b in card.buttons if b.action == "ack.read")
    return press(services, "clarke", read.action, read.value)[-1]


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_question_during_the_policy_check_keeps_the_check_and_no_gap(services, question):
    first = _start_check(services)
    gaps = gap_count(services)
    lead, repeated = say(services, "clarke", question)
    assert "I'll answer questions once the check is done" in lead.text and "*cancel*" in lead.text
    assert repeated.title == first.title == "Question 1 of 3" and repeated.text == first.text
    assert gap_count(services) == gaps
    assert "Stopped" in say(services, "clarke", "cancel")[0].text
    assert gap_count(services) == gaps
