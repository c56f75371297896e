"""The answering pipeline as a whole, on Calmore's policy and files (the configured school)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.answering import Answerer

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policy"
BEFORE_RENEWAL = date(2026, 1, 15)
AFTER_RENEWAL = date(2026, 11, 26)


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer.load(POLICY / "calmore-social-media-policy.txt", POLICY / "lexicon.toml", POLICY / "examples.toml")


@pytest.mark.parametrize("question", [
    "", "   ", "\t\n", "🙂🙂🙂", "x" * 100_000, "can I " * 20_000, "\x00\x01\x1b[31m\x7f", "\ud800 lone surrogate",
    "'; DROP TABLE users; --", "SELECT * FROM clauses WHERE 1=1", "friend request " * 50_000,
    "Ga i dderbyn cais ffrind gan ddisgybl?", "Est-ce que je peux accepter une demande d'ami d'un élève ?",
    "¿Puedo publicar fotos de los alumnos?", "你好吗", None, 12345,
])
def test_bad_input_never_raises_and_keeps_the_contract(answerer, question):
    payload = answerer.answer(question, today=BEFORE_RENEWAL).to_json()
    assert isinstance(payload["text"], str) and payload["text"]
    if not payload["answered"]:
        assert payload["section"] is payload["clause"] is payload["quote"] is payload["verdict"] is None


@pytest.mark.parametrize("question", [
    "", "🙂🙂🙂", "\x00\x01\x02", "Ga i dderbyn cais ffrind gan ddisgybl?",
    "Est-ce que je peux accepter une demande d'ami d'un élève ?",
])
def test_what_is_not_an_english_question_is_refused_clearly(answerer, question):
    answer = answerer.answer(question, today=BEFORE_RENEWAL)
    assert not answer.answered and answer.text


def test_a_direct_verdict_first_and_the_clause_quoted_verbatim(policy_alone):
    answer = policy_alone.answer("can I accept a friend request from a former pupil?", today=BEFORE_RENEWAL)
    assert answer.answered and answer.section == "3" and answer.verdict == "no"
    assert answer.text.startswith("No. ") and "section 3" in answer.text
    assert answer.quote in policy_alone.policy.source


def test_a_disclosure_offers_the_report_first_and_answers_beneath(answerer):
    answer = answerer.answer("a child in my class told me her uncle is hurting her", today=BEFORE_RENEWAL)
    assert answer.report_suggested
    assert "Designated Safeguarding Lead" in answer.text.split("\n")[0]
    colleague = answerer.answer("a colleague keeps posting photos of pupils on his own instagram", today=BEFORE_RENEWAL)
    assert colleague.report_suggested and colleague.answered and colleague.section == "3"
    assert colleague.text.split("\n")[1].startswith(("No. ", "It depends. ", "Yes. ", "When using"))


@pytest.mark.parametrize("question", [
    "we are doing an assembly on stranger danger next week, can we put photos of it on the school facebook",
    "head lice letter needs to go out to year 3 today, can it go on the school facebook",
    "is the photo consent form still valid if it was signed when he was in year 3",
])
def test_ordinary_questions_that_sound_alarming_are_answered_not_flagged(answerer, question):
    assert not answerer.answer(question, today=BEFORE_RENEWAL).report_suggested


def test_never_a_yes_to_messaging_a_pupil_from_a_personal_account(policy_alone):
    answer = policy_alone.answer("a pupil messaged my personal instagram saying she is scared to go home, "
                                 "can I message her back?", today=BEFORE_RENEWAL)
    assert answer.report_suggested and answer.verdict != "yes"


def test_the_renewal_notice_only_after_the_due_date(answerer):
    question = "can I post photos of pupils on my own facebook"
    assert answerer.answer(question, today=BEFORE_RENEWAL).notice is None
    late = answerer.answer(question, today=AFTER_RENEWAL)
    assert late.notice and "September 2026" in late.notice and late.text.endswith(late.notice)


def test_out_of_scope_says_who_to_ask(policy_alone):
    answer = policy_alone.answer("how do I book the school hall for the disco", today=BEFORE_RENEWAL)
    assert not answer.answered and "Please ask" in answer.text and answer.ask_instead


def test_a_school_extends_the_concern_vocabulary_without_code(tmp_path):
    message = "one of my y5 boys keeps placing bets on a casino app, can i mention it to his mum"
    stock = Answerer.load(POLICY / "calmore-social-media-policy.txt")
    assert not stock.answer(message, today=BEFORE_RENEWAL).report_suggested
    (tmp_path / "lexicon.toml").write_text('[concerns.risk]\ngambling = ["bet*", "casino", "gambl*"]\n', encoding="utf-8")
    extended = Answerer.load(POLICY / "calmore-social-media-policy.txt", tmp_path / "lexicon.toml")
    assert extended.answer(message, today=BEFORE_RENEWAL).report_suggested


@pytest.mark.parametrize("question", [
    "how do i reset my password for the school email, its locked me out",
    "can i claim mileage for the governors training course",
    "what time does the school disco finish on friday",
])
def test_topics_next_door_are_refused_with_who_to_ask(policy_alone, question):
    answer = policy_alone.answer(question, today=BEFORE_RENEWAL)
    assert not answer.answered and "doesn't cover that" in answer.text and answer.ask_instead


def test_a_topic_the_policy_itself_covers_is_not_next_door():
    from knowledge.answering.neighbours import load_neighbours, neighbour_of

    neighbours = load_neighbours("4.1 Any personal data breach must be reported to the DPO. "
                                 "A subject access request goes to the DPO too.")
    assert neighbour_of("who do i tell about a data breach", neighbours) is None
    assert neighbour_of("can i see the cctv from the car park", neighbours).key == "data_protection"
    assert neighbour_of("how do i reset my password", neighbours).key == "it_help"


@pytest.mark.parametrize("question", [
    "can I post photos of the class disco on my own facebook",
    "can i put photos of my class on my personal insta",
])
def test_ones_own_account_is_never_answered_from_what_the_school_posts(answerer, policy_alone, question):
    for engine in (answerer, policy_alone):
        answer = engine.answer(question, today=BEFORE_RENEWAL)
        assert answer.verdict != "yes" and answer.section not in ("2", "2.1", "2.2", "2.3", "2.4")
    assert answerer.answer(question, today=BEFORE_RENEWAL).section == "3"
