"""Typed answers where a flow offers buttons (issue 16), at handler level on a real SQLite file:
the policy check takes "yes"/"no" typed as its buttons, and they never reach the answer engine or the
policy-gap register."""
from __future__ import annotations

from storage import training as store
from tests.router_talk import gap_count, press, say


def test_the_policy_check_takes_typed_yes_and_no_and_records_no_gap(services):
    card = say(services, "clarke", "acknowledge policy")[-1]
    read = next(b for b in card.buttons if b.action == "ack.read")
    replies = press(services, "clarke", read.action, read.value)
    check_id = replies[-1].buttons[0].value["check"]
    questions = store.get_check(services.db, check_id)["questions"]
    gaps_before = gap_count(services)
    typed = {"yes": "Yes.", "no": "n"}
    for index, question in enumerate(questions):
        replies = say(services, "clarke", typed[question["answer"]])
        if index < len(questions) - 1:
            assert replies[-1].title == f"Question {index + 2} of {len(questions)}"
    assert replies[-1].title == "Policy acknowledged"
    assert f"{len(questions)} of {len(questions)} correctly" in replies[-1].text
    check = store.get_check(services.db, check_id)
    assert check["status"] == "complete" and [a["answer"] for a in check["answers"]] == [q["answer"] for q in questions]
    assert gap_count(services) == gaps_before  # nothing typed went to the answer engine


def test_yes_with_no_check_waiting_is_not_taken_as_an_answer(services):
    replies = say(services, "clarke", "yes")
    assert not any(r.title == "Policy acknowledged" for r in replies)
    assert store.checks_of(services.db, "clarke") == []
