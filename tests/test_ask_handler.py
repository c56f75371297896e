"""Questions through the router with the real knowledge and a real SQLite file: replies, buttons,
feedback, clause buttons, and what is (and is not) recorded."""
from __future__ import annotations

import pytest

from domain.messages import Incoming, Reply
from handlers.router import Router
from storage.roster import get_person

FRIEND_REQUEST = "Can I accept a friend request from a past pupil on Facebook?"
DISCLOSURE = "a year 5 messaged me saying she's scared to go home"
OUT_OF_SCOPE = "What time does the canteen close on Fridays?"


def say(services, who: str, text: str = "", action: str | None = None, value: dict | None = None) -> list[Reply]:
    person = get_person(services.db, who)
    return Router(services).handle(Incoming(channel="local", platform_user_id=who, person=person, text=text,
                                            action=action, value=value or {}))


def actions_of(reply: Reply) -> list[str]:
    return [b.action for b in reply.buttons]


def rows(services, sql: str, params=()) -> list[dict]:
    return list(services.db.query(sql, params))


def test_an_answered_question_quotes_the_policy_and_offers_feedback(services):
    [reply] = say(services, "clarke", FRIEND_REQUEST)
    assert reply.quote in {c.text for c in services.knowledge.policy.clauses}
    assert reply.data["answer"]["answered"] is True
    assert reply.data["answer"]["verdict"] == "no"
    feedback = [b for b in reply.buttons if b.action == "ask.feedback"]
    question_id = reply.data["question_id"]
    assert [b.value for b in feedback] == [{"question_id": question_id, "helpful": True},
                                          {"question_id": question_id, "helpful": False}]


def test_the_question_and_its_answer_are_recorded(services, clock):
    [reply] = say(services, "clarke", FRIEND_REQUEST)
    [row] = rows(services, "SELECT * FROM questions q JOIN answers a ON a.question_id = q.id")
    assert row["person_id"] == "clarke"
    assert row["channel"] == "local"
    assert row["text"] == FRIEND_REQUEST
    assert row["normalised"] == "can i accept a friend request from a past pupil on facebook"
    assert row["asked_at"] == clock().isoformat(timespec="seconds")
    assert row["answered"] == 1
    assert row["clause"] == reply.data["answer"]["clause"]
    assert row["verdict"] == "no"
    assert row["confidence"] > 0


def test_see_also_buttons_show_that_clause_with_its_own_verdict(services):
    candidates = [FRIEND_REQUEST, "Can I help a pupil with their instagram?", "Can I post photos of pupils online?",
                  "Who manages the school's Facebook page?"]
    see_also = [b for question in candidates for reply in say(services, "clarke", question)
                for b in reply.buttons if b.action == "ask.clause"]
    assert see_also, "the engine offers related clauses for at least one of these"
    [shown] = say(services, "clarke", action="ask.clause", value=see_also[0].value)
    clause = services.knowledge.policy.clause(see_also[0].value["clause"])
    assert shown.quote == clause.text
    assert f"Section {clause.section}" in shown.title
    assert shown.data == {"clause": clause.id, "verdict": clause.verdict}


def test_clause_button_shows_the_verdict_in_plain_words(services):
    [shown] = say(services, "clarke", action="ask.clause", value={"clause": "3-1"})
    clause = services.knowledge.policy.clause("3-1")
    assert shown.quote == clause.text
    expected = {"no": "does not allow", "yes": "allows", "depends": "depends", "info": "information"}[clause.verdict]
    assert expected in shown.text.lower()


@pytest.mark.parametrize("value", [{"clause": "99-1"}, {"clause": 7}, {}, {"clause": "'; DROP TABLE questions;--"}])
def test_a_forged_clause_button_gets_a_clear_message(services, value):
    [shown] = say(services, "clarke", action="ask.clause", value=value)
    assert "can't find that part of the policy" in shown.text
    assert shown.quote is None


def test_feedback_button_records_helpful_and_not_helpful(services):
    [reply] = say(services, "clarke", FRIEND_REQUEST)
    question_id = reply.data["question_id"]
    [thanks] = say(services, "clarke", action="ask.feedback", value={"question_id": question_id, "helpful": False})
    assert "didn't help" in thanks.text
    assert rows(services, "SELECT question_id, person_id, helpful, how FROM feedback") == [
        {"question_id": question_id, "person_id": "clarke", "helpful": 0, "how": "button"}]
    # Changing one's mind replaces the earlier verdict rather than counting twice.
    say(services, "clarke", action="ask.feedback", value={"question_id": question_id, "helpful": True})
    assert rows(services, "SELECT helpful FROM feedback") == [{"helpful": 1}]


@pytest.mark.parametrize("value", [
    {}, {"question_id": "abc", "helpful": True}, {"question_id": 1, "helpful": "maybe"},
    {"question_id": None, "helpful": False}, {"question_id": True, "helpful": False},
])
def test_malformed_feedback_payloads_record_nothing(services, value):
    say(services, "clarke", FRIEND_REQUEST)
    [reply] = say(services, "clarke", action="ask.feedback", value=value)
    assert "nothing was recorded" in reply.text
    assert services.db["feedback"].count == 0


def test_feedback_on_someone_elses_question_is_refused(services):
    [reply] = say(services, "clarke", FRIEND_REQUEST)
    [refused] = say(services, "lewis", action="ask.feedback",
                    value={"question_id": reply.data["question_id"], "helpful": False})
    assert "not for one of your questions" in refused.text
    assert services.db["feedback"].count == 0


@pytest.mark.parametrize("typed, helpful", [
    ("not helpful", 0), ("Not helpful.", 0), ("that didn't help", 0), ("That didn’t help!", 0),
    ("sorry, that didn't help", 0), ("👎", 0), ("👍", 1), ("thanks, that helped", 1), ("helpful", 1),
])
def test_typed_feedback_rates_the_last_answer(services, typed, helpful):
    say(services, "clarke", OUT_OF_SCOPE)
    [reply] = say(services, "clarke", FRIEND_REQUEST)
    [thanks] = say(services, "clarke", typed)
    assert thanks.text.startswith("Thanks")
    assert rows(services, "SELECT question_id, helpful, how FROM feedback") == [
        {"question_id": reply.data["question_id"], "helpful": helpful, "how": "typed"}]
    assert services.db["questions"].count == 2  # the feedback itself is not a question


def test_typed_feedback_with_no_recent_answer_records_nothing(services, clock):
    [reply] = say(services, "clarke", "not helpful")
    assert "nothing to rate" in reply.text
    say(services, "clarke", FRIEND_REQUEST)
    clock.advance(hours=3)
    [late] = say(services, "clarke", "that didn't help")
    assert "nothing to rate" in late.text
    assert services.db["feedback"].count == 0


def test_typed_feedback_only_rates_your_own_answer(services):
    say(services, "clarke", FRIEND_REQUEST)
    [reply] = say(services, "lewis", "not helpful")
    assert "nothing to rate" in reply.text
    assert services.db["feedback"].count == 0


def test_a_disclosure_puts_the_dsl_first_and_stores_nothing_of_it(services):
    say(services, "clarke", FRIEND_REQUEST)
    [reply] = say(services, "clarke", DISCLOSURE)
    assert reply.data["report_suggested"] is True
    assert reply.buttons[0].action == "report.start"
    assert reply.buttons[0].label == "Report to the DSL now"
    assert "ask.feedback" not in actions_of(reply)
    assert reply.private
    first_line = reply.text.splitlines()[0]
    assert "DSL" in first_line and "Priya Shah" in first_line
    assert "confidentiality" in reply.text
    # Nothing of the disclosure reaches question analytics, in any table.
    assert services.db["questions"].count == 1
    for table in services.db.table_names():
        for row in services.db[table].rows:
            assert "scared" not in str(row), table
    # And "not helpful" straight after it is not pinned on the earlier question.
    [after] = say(services, "clarke", "not helpful")
    assert "nothing to rate" in after.text
    assert services.db["feedback"].count == 0


def test_an_unanswered_question_names_who_to_ask_and_is_recorded_as_unanswered(services):
    [reply] = say(services, "clarke", OUT_OF_SCOPE)
    assert reply.data["answer"]["answered"] is False
    assert reply.quote is None
    assert "ask.feedback" not in actions_of(reply)
    assert [r["text"] for r in rows(services, "SELECT text FROM unanswered_questions")] == [OUT_OF_SCOPE]


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_an_empty_message_gets_a_short_prompt_not_an_answer(services, text):
    [reply] = say(services, "clarke", text)
    assert "Type a question" in reply.text
    assert "answer" not in reply.data
    assert services.db["questions"].count == 0


@pytest.mark.parametrize("text", ["🙂🙂🙂", "Puis-je publier des photos des élèves ?", "'; DROP TABLE questions;--",
                                  "can I\x00 post\x1b[31m photos?", "x" * 3999])
def test_awkward_input_gets_a_clear_reply_and_is_stored_safely(services, text):
    [reply] = say(services, "clarke", text)
    assert reply.text
    [row] = rows(services, "SELECT text FROM questions")
    assert "\x00" not in row["text"] and "\x1b" not in row["text"]


def test_a_message_over_the_limit_is_refused_without_recording(services):
    [reply] = say(services, "clarke", "x" * 100_000)
    assert "too long" in reply.text
    assert services.db["questions"].count == 0


def test_someone_not_on_the_roster_can_still_ask(services):
    replies = Router(services).handle(Incoming(channel="slack", platform_user_id="U999", text=FRIEND_REQUEST))
    assert replies[0].data["answer"]["answered"]
    assert rows(services, "SELECT person_id, channel FROM questions") == [{"person_id": "slack:U999", "channel": "slack"}]


def test_example_buttons_ask_the_example_and_forged_ones_do_not(services):
    from handlers.ask import EXAMPLE_QUESTIONS

    [reply] = say(services, "clarke", action="ask.example", value={"question": EXAMPLE_QUESTIONS[0]})
    assert reply.data["answer"]["question"] == EXAMPLE_QUESTIONS[0]
    [forged] = say(services, "clarke", action="ask.example", value={"question": "anything I like"})
    assert "Type a question" in forged.text
    assert services.db["questions"].count == 1


def test_an_unknown_ask_action_is_answered_politely(services):
    [reply] = say(services, "clarke", action="ask.nonsense")
    assert "no longer active" in reply.text


def test_did_you_mean_choices_become_clause_buttons_told_apart_by_their_words(services):
    from handlers.ask import render_answer
    from knowledge.answers import Answer, Related

    first, second = [c for c in services.knowledge.policy.clauses if c.section == "3"][:2]
    answer = Answer(question="q", answered=True, text="Did you mean…?", section="3", clause=first.id,
                    heading=first.heading, quote=first.text, verdict="no", confidence=0.4,
                    choices=[Related(first.id, first.heading), Related(second.id, second.heading)])
    reply = render_answer(answer, services, question_id=7)
    choices = [b for b in reply.buttons if b.label.startswith("Did you mean")]
    assert [b.value for b in choices] == [{"clause": first.id}, {"clause": second.id}]
    assert choices[0].label != choices[1].label  # same heading, different rules
    assert actions_of(reply)[-2:] == ["ask.feedback", "ask.feedback"]


def test_chat_answers_show_no_internal_clause_ids_and_keep_the_renewal_notice_as_small_print(services):
    """An unsure answer from the real engine: choices on buttons, no ids in the text, notice as small print."""
    import re

    from handlers.ask import render_answer

    answer = services.knowledge.answer("can I follow pupils", today=services.today())
    assert answer.choices and answer.notice, "this question should be an unsure answer past the renewal date"
    reply = render_answer(answer, services, question_id=3)
    assert not re.search(r"\b\d+(?:\.\d+)?-\d+\b", reply.text), reply.text
    assert answer.notice not in reply.text and reply.notes == [answer.notice]
    clause_buttons = [b.value["clause"] for b in reply.buttons if b.action == "ask.clause"]
    assert len(clause_buttons) == len(set(clause_buttons))  # a see-also that repeats a choice is dropped
    assert {c.clause for c in answer.choices} <= set(clause_buttons)


def test_a_question_about_reporting_a_worry_offers_the_report_button(services):
    from handlers.ask import render_answer
    from knowledge.answers import Answer

    [rule] = [c for c in services.knowledge.policy.clauses if "safeguarding issues" in c.text]
    answer = Answer(question="who do I tell?", answered=True, text="Tell the DSL.", section=rule.section,
                    clause=rule.id, heading=rule.heading, quote=rule.text, verdict="yes", confidence=0.8)
    assert "report.start" in actions_of(render_answer(answer, services, question_id=1))
    [other] = say(services, "clarke", FRIEND_REQUEST)
    assert "report.start" not in actions_of(other)


def test_the_asker_is_read_from_the_text_before_the_roster(services):
    """Someone on the roster asks as staff; a message that says who is asking wins ("parent here")."""
    from domain.messages import Incoming
    from handlers.ask import handle_question
    from storage.roster import get_person

    staff = get_person(services.db, "clarke")
    as_staff = handle_question(Incoming("local", "u1", "can I post photos of the class disco on my own facebook", person=staff), services)
    as_parent = handle_question(Incoming("local", "u1", "parent here, can I post photos of the class disco on my own facebook",
                                         person=staff), services)
    assert as_staff[0].data["answer"]["section"] == "3"
    assert as_parent[0].data["answer"]["section"] == "5"
