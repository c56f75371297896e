"""Help, cancel and back in every guided step; typed answers for the buttons a flow shows; a second
draft asks which to keep; the acknowledgement needs the quiz right; the compliance view counts
governors and volunteers apart and marks self-reported records (issue 16). Handler level through
the Router, on a real SQLite file and a real PostgreSQL server."""
from __future__ import annotations

from datetime import date

from domain.messages import Incoming
from handlers.router import Router
from storage import drafts as draft_store
from storage import roster
from storage import state as state_store
from storage import training as store
from tests.router_talk import gap_count, press, say


def step_of(services, who):
    flow = state_store.get_state(services.db, who)
    return flow.step if flow else None


# --- 1. help, cancel and back -------------------------------------------------------------------

def test_help_in_the_pictured_step_is_not_taken_as_a_pupils_name(services):
    say(services, "hughes", "draft: Year 4 loved the zoo trip today.")
    assert step_of(services, "hughes") == "pictured"
    reply = say(services, "hughes", "help")[-1]
    assert "consent register" in reply.text and "not on the consent register" not in reply.text
    assert "*cancel*" in reply.text and "*back*" in reply.text
    assert step_of(services, "hughes") == "pictured" and draft_store.drafts_of(services.db, "hughes") == []


def test_back_returns_to_the_previous_draft_question_and_cancel_saves_nothing(services):
    say(services, "hughes", "draft")
    say(services, "hughes", "instagram")
    say(services, "hughes", "Sports day is on Friday.")
    assert step_of(services, "hughes") == "photos"
    assert "text of the post" in say(services, "hughes", "back")[-1].text
    assert step_of(services, "hughes") == "text"
    say(services, "hughes", "back")
    assert step_of(services, "hughes") == "platform"
    assert "first question" in say(services, "hughes", "back")[-1].text
    gaps = gap_count(services)
    assert "Cancelled" in say(services, "hughes", "cancel")[-1].text
    assert step_of(services, "hughes") is None and draft_store.drafts_of(services.db, "hughes") == []
    assert gap_count(services) == gaps


def test_help_and_back_in_the_training_date_step(services):
    say(services, "clarke", "I've done my training")
    assert step_of(services, "clarke") == "date"
    reply = say(services, "clarke", "help")[-1]
    assert "completed" in reply.text and "*cancel*" in reply.text and step_of(services, "clarke") == "date"
    assert "no earlier question" in say(services, "clarke", "back")[-1].text
    say(services, "clarke", "cancel")
    assert step_of(services, "clarke") is None
    assert store.completed_on(store.get_record(services.db, "clarke"), "training") is None


def _start_check(services, who):
    card = say(services, who, "acknowledge policy")[-1]
    read = next(b for b in card.buttons if b.action == "ack.read")
    replies = press(services, who, read.action, read.value)
    check_id = replies[-1].buttons[0].value["check"]
    return check_id, store.get_check(services.db, check_id)["questions"]


def test_help_cancel_and_free_text_in_the_quiz_stay_out_of_the_gap_register(services):
    check_id, _ = _start_check(services, "clarke")
    gaps = gap_count(services)
    replies = say(services, "clarke", "help")
    assert "yes/no questions" in replies[0].text and replies[-1].title == "Question 1 of 3"
    replies = say(services, "clarke", "the weather is lovely today")
    assert "waiting for your answer" in replies[0].text and replies[-1].title == "Question 1 of 3"
    assert say(services, "clarke", "back")[-1].title == "Question 1 of 3"
    assert gap_count(services) == gaps  # nothing typed reached the answer engine
    assert "Stopped" in say(services, "clarke", "cancel")[-1].text
    assert store.get_check(services.db, check_id)["status"] == "abandoned"
    assert store.completed_on(store.get_record(services.db, "clarke"), "policy") is None


# --- 2. typed answers: numbers and the option's words ---------------------------------------------

def test_the_platform_is_taken_as_a_number_or_its_word(services):
    say(services, "hughes", "draft")
    assert "1. Facebook" in say(services, "hughes", "2")[-1].text or step_of(services, "hughes") == "text"
    assert state_store.get_state(services.db, "hughes").data["platform"] == "instagram"
    say(services, "hughes", "cancel")
    say(services, "hughes", "draft")
    say(services, "hughes", "Both")
    assert state_store.get_state(services.db, "hughes").data["platform"] == "both"


def test_the_date_buttons_are_taken_as_numbers(services):
    say(services, "clarke", "I've done my training")
    reply = say(services, "clarke", "2")[-1]
    assert reply.data["recorded"]["date"] == (services.today().fromordinal(services.today().toordinal() - 1)).isoformat()


# --- 3. a second draft asks which to keep ---------------------------------------------------------

def test_a_second_draft_asks_which_to_keep_by_button_or_typed(services):
    say(services, "hughes", "draft: The choir sang beautifully at the concert.")
    choice = say(services, "hughes", "draft: Book fair opens on Monday.")[-1]
    assert choice.title == "Which draft should I keep?" and "choir" in choice.text and "Book fair" in choice.text
    assert [b.action for b in choice.buttons] == ["draft.choose", "draft.choose"]
    keep = say(services, "hughes", "1")[-1]
    assert "first draft" in keep.text
    flow = state_store.get_state(services.db, "hughes")
    assert flow.step == "pictured" and "choir" in flow.data["text"]
    # and again, choosing the new one with its button
    choice = say(services, "hughes", "draft: Book fair opens on Monday.")[-1]
    second = next(b for b in choice.buttons if b.value["which"] == "second")
    press(services, "hughes", second.action, second.value)
    assert "Book fair" in state_store.get_state(services.db, "hughes").data["text"]
    assert "already been made" in press(services, "hughes", second.action, second.value)[-1].text


def test_the_choice_is_taken_as_the_options_words(services):
    say(services, "hughes", "draft: The choir sang beautifully at the concert.")
    say(services, "hughes", "draft: Book fair opens on Monday.")
    say(services, "hughes", "use the new draft")
    assert "Book fair" in state_store.get_state(services.db, "hughes").data["text"]


# --- 4. training ------------------------------------------------------------------------------------

def test_a_wrong_quiz_answer_is_not_an_acknowledgement_and_the_retry_explains(services):
    check_id, questions = _start_check(services, "clarke")
    for index, question in enumerate(questions):
        flipped = {"yes": "no", "no": "yes"}[question["answer"]]
        wrong = flipped if index == 0 else question["answer"]  # one wrong answer of three
        replies = press(services, "clarke", "ack.answer", {"check": check_id, "q": index, "answer": wrong})
    reply = replies[-1]
    assert reply.title == "Not acknowledged yet" and questions[0]["quote"] in reply.text
    assert store.completed_on(store.get_record(services.db, "clarke"), "policy") is None
    retry = reply.buttons[0]
    assert retry.action == "ack.read"
    new_id = press(services, "clarke", retry.action, retry.value)[-1].buttons[0].value["check"]
    for index, question in enumerate(store.get_check(services.db, new_id)["questions"]):
        replies = say(services, "clarke", question["answer"])
    assert replies[-1].title == "Policy acknowledged"
    assert store.completed_on(store.get_record(services.db, "clarke"), "policy") == services.today()


def test_the_compliance_view_counts_governors_apart_and_marks_self_reported(services):
    say(services, "clarke", "I've done my training on 3 September 2026")
    say(services, "ingram", "record training for Ben Lewis on 4 September 2026")
    reply = say(services, "ingram", "training report")[-1]
    facts = dict(reply.facts)
    assert "Safeguarding training (staff)" in facts
    assert "Safeguarding training (governors and volunteers)" in facts
    assert any("counted apart from staff" in note for note in reply.notes)
    self_reported = reply.text.split("*Self-reported")[1]
    assert "Amy Clarke: safeguarding training on 3 September 2026" in self_reported
    assert "Ben Lewis" not in self_reported  # recorded by the Headteacher, not by himself


def test_the_report_summary_and_edit_take_numbers_and_words(services):
    say(services, "clarke", "report a concern")
    for answer in ("no", "1", "1", "A pupil posted a photo of another pupil without asking.",
                   "Two pupils in Year 5.", "Today at 9:15.", "On Instagram.", "none"):
        say(services, "clarke", answer)
    assert step_of(services, "clarke") == "confirm"
    help_reply = say(services, "clarke", "help")[-1]
    assert "*cancel*" in help_reply.text and "*back*" in help_reply.text
    say(services, "clarke", "2")  # Change something
    assert step_of(services, "clarke") == "edit"
    say(services, "clarke", "3")  # the third part: Who is involved
    assert step_of(services, "clarke") == "who"
    say(services, "clarke", "Three pupils in Year 5.")
    say(services, "clarke", "change something")
    say(services, "clarke", "Where")
    assert step_of(services, "clarke") == "where"
    say(services, "clarke", "keep")
    gaps = gap_count(services)
    reply = say(services, "clarke", "1")[-1]  # Send to the DSL
    assert reply.data.get("report_ref") and step_of(services, "clarke") is None
    assert gap_count(services) == gaps


def _say_in_terminal(services, who, text):
    return Router(services).handle(Incoming("cli", who, text=text, person=roster.get_person(services.db, who)))


def test_help_while_a_reason_or_new_text_is_awaited_is_never_taken_as_one(services):
    _say_in_terminal(services, "hughes", "draft: Our Year 6 choir sang at the town hall.\npictured: none")
    draft = draft_store.drafts_of(services.db, "hughes")[0]
    asked = _say_in_terminal(services, "okafor", f"reject draft {draft.id}")[-1]
    assert step_of(services, "okafor") == "reject", asked.text
    assert "cancel" in _say_in_terminal(services, "okafor", "help")[-1].text
    assert draft_store.get(services.db, draft.id).state == "submitted"  # "help" was not the reason
    _say_in_terminal(services, "okafor", "cancel")
    _say_in_terminal(services, "okafor", f"request changes to draft {draft.id}: say which town hall")
    _say_in_terminal(services, "hughes", f"edit draft {draft.id}")
    assert step_of(services, "hughes") == "text"
    assert "new text" in _say_in_terminal(services, "hughes", "help")[-1].text
    assert draft_store.get(services.db, draft.id).version == 1  # "help" was not the new version


def test_draft_typed_again_mid_way_is_not_taken_as_the_posts_text(services):
    say(services, "hughes", "draft")
    say(services, "hughes", "facebook")
    assert "already have a draft in progress" in say(services, "hughes", "draft")[-1].text
    flow = state_store.get_state(services.db, "hughes")
    assert flow.step == "text" and "text" not in flow.data


def test_the_policy_cards_button_can_be_typed(services):
    say(services, "clarke", "acknowledge policy")
    gaps = gap_count(services)
    replies = say(services, "clarke", "I have read and understood")
    assert replies[-1].title == "Question 1 of 3"
    assert gap_count(services) == gaps
