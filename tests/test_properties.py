"""Property-based tests (hypothesis) of the answer engine and the draft pre-check.

Whatever text arrives — any Unicode, control characters, policy words shuffled into nonsense — the
engine returns an Answer that keeps the `ask --json` contract, and the checker returns a result
whose `ok` agrees with its findings and whose excerpts come from the draft itself. Neither raises.
Examples are bounded so the suite stays fast; the policy vocabulary strategy makes hypothesis reach
the answered paths, not only "not covered".
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.consent import ConsentRegister
from knowledge.draft_check import check_draft

PROPERTY_SETTINGS = settings(max_examples=120, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

CONTRACT_TYPES = {
    "question": str, "answered": bool, "section": (str, type(None)), "clause": (str, type(None)),
    "heading": (str, type(None)), "quote": (str, type(None)), "verdict": (str, type(None)),
    "confidence": float, "report_suggested": bool, "related": list, "text": str,
}
VERDICTS = {"yes", "no", "depends", "info", None}
POLICY_WORDS = ["can", "I", "post", "photo", "photos", "pupil", "pupils", "parent", "friend", "request",
                "facebook", "instagram", "whatsapp", "accept", "follow", "school", "account", "staff",
                "personal", "message", "child", "consent", "name", "tiktok", "should", "report", "DSL",
                "governor", "volunteer", "past", "my", "a", "the", "of", "?", "!", "trip", "sports day",
                "safeguarding", "worried", "told me", "bullying", "password", "share", "comment"]
DRAFT_WORDS = ["Year 6", "had", "a", "great", "trip", "to", "the", "museum", "!", "Vote", "Labour",
               "Conservative", "visit", "www.example-shop.com", "20% off", "idiot", "stupid", "@mrsjones",
               "Dear", "Mr", "Smith", "follow", "my", "instagram", "Amelia", "Jones", "pictured", "photo",
               "well done", "#proud", "\n", "call", "07700 900123", "parents", "evening", "."]

# Any text: all of Unicode (surrogates excluded: a Python str from JSON never holds one unpaired
# after our adapters decode it, and the engine is handed str), plus phrases built from policy words.
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
policy_phrases = st.lists(st.sampled_from(POLICY_WORDS), max_size=14).map(" ".join)
odd_unicode = st.sampled_from(["\u202eCan I post photos?\u202c", "Can\u200b I\u200d post\ufeff photos?",
                               "Cafe\u0301 photos of pupils\u0300\u0301\u0302", "📸🏫 can I post? 🙈",
                               "\x00\x01 friend request \x7f", "ＣＡＮ Ｉ ＰＯＳＴ", "ﬁle ﬂyer", "\r\n\t",
                               "هل يمكنني نشر صور التلاميذ؟", "İstanbul ǅ ß ΣΑΣ"])
questions = st.one_of(any_text, policy_phrases, odd_unicode,
                      st.tuples(policy_phrases, any_text).map(lambda pair: pair[0] + " " + pair[1]))


class EngineUnderTest:
    """The engine and its policy text, whitespace-collapsed once; a short repr because hypothesis
    prints the test's arguments when a case fails."""

    def __init__(self, knowledge):
        self.knowledge = knowledge
        self.collapsed_source = " ".join(knowledge.policy.source.split())

    def __repr__(self) -> str:
        return "<the policy engine>"


@pytest.fixture(scope="module")
def engine(knowledge) -> EngineUnderTest:
    return EngineUnderTest(knowledge)


@PROPERTY_SETTINGS
@given(question=questions)
def test_any_text_gets_an_answer_that_keeps_the_contract(engine, question):
    knowledge = engine.knowledge
    answer = knowledge.answer(question, today=date(2026, 11, 26))
    payload = answer.to_json()
    assert set(payload) == set(CONTRACT_TYPES)
    for key, expected in CONTRACT_TYPES.items():
        assert isinstance(payload[key], expected), (key, payload[key])
    assert payload["question"] == question
    assert 0.0 <= payload["confidence"] <= 1.0
    assert payload["verdict"] in VERDICTS
    assert payload["text"].strip(), "every answer says something"
    for related in payload["related"]:
        assert isinstance(related["clause"], str) and isinstance(related["heading"], str)
    if not payload["answered"]:
        assert payload["section"] is payload["clause"] is payload["quote"] is payload["verdict"] is None
    else:
        assert payload["clause"] and re.fullmatch(r"\d+(\.\d+)?-\d+", payload["clause"])
        assert payload["clause"].split("-")[0] == payload["section"]
    if payload["quote"] is not None:
        # Verbatim up to line wrapping: the parser joins a clause printed over two lines with a space
        # ("Behaviour for Learning\npolicy" is quoted as "Behaviour for Learning policy").
        assert " ".join(payload["quote"].split()) in engine.collapsed_source, payload["quote"]


consent = ConsentRegister([])
drafts = st.one_of(any_text, st.lists(st.sampled_from(DRAFT_WORDS), max_size=25).map(" ".join),
                   odd_unicode, st.text(max_size=40).map(lambda t: t * 50))


def _whitespace_collapsed(text: str) -> str:
    return " ".join(text.split())


@PROPERTY_SETTINGS
@given(text=drafts, platform=st.sampled_from(["facebook", "instagram", "both", "FACEBOOK ", None]))
def test_any_draft_gets_a_consistent_check(text, platform):
    result = check_draft(text, platform=platform, consent=consent)
    assert result.ok == (not any(f.severity == "block" for f in result.findings))
    payload = result.to_json()
    assert payload["ok"] is result.ok
    source = _whitespace_collapsed(text)
    for finding in payload["findings"]:
        assert finding["severity"] in ("block", "warn")
        assert isinstance(finding["message"], str) and finding["message"]
        # Excerpts quote the draft (whitespace collapsed, cut with an ellipsis at either end).
        excerpt = finding["excerpt"].strip("…")
        assert excerpt in source, (excerpt, source[:200])


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=60))
def test_unknown_platform_is_a_clear_value_error_not_a_crash(text):
    with pytest.raises(ValueError, match="unknown platform"):
        check_draft(text or "hello", platform="myspace", consent=consent)
