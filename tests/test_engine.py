"""The answer engine on the labelled set (tests/questions.toml) and focused behaviours."""
from __future__ import annotations

import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the repo has no installed package
    sys.path.insert(0, str(ROOT))

from knowledge.engine import Knowledge  # noqa: E402

POLICY = ROOT / "policy"
BEFORE_RENEWAL = date(2026, 1, 15)
AFTER_RENEWAL = date(2026, 11, 26)


@pytest.fixture(scope="module")
def engine() -> Knowledge:
    return Knowledge.load(POLICY / "calmore-social-media-policy.txt", POLICY / "lexicon.toml",
                          POLICY / "examples.toml")


@pytest.fixture(scope="module")
def labelled() -> list[dict]:
    return tomllib.loads((ROOT / "tests" / "questions.toml").read_text(encoding="utf-8"))["questions"]


@pytest.fixture(scope="module")
def answers(engine, labelled):
    return [(item, engine.answer(item["q"], today=BEFORE_RENEWAL)) for item in labelled]


def _report(failures: list[str]) -> str:
    return "\n  " + "\n  ".join(failures)


def test_labelled_set_is_big_and_balanced(labelled):
    sections = {s for item in labelled for s in item["s"].split("|") if item["s"] not in ("", "oos")}
    assert len(labelled) >= 150
    assert sum(item["s"] == "oos" for item in labelled) >= 25
    assert sum(bool(item.get("d")) for item in labelled) >= 10
    assert sections >= {"1", "1.1", "2", "2.1", "2.2", "2.3", "2.4", "3", "4", "5", "6", "7", "8"}


def test_examples_and_questions_are_disjoint(labelled):
    examples = tomllib.loads((POLICY / "examples.toml").read_text(encoding="utf-8"))["clauses"]
    phrasings = {e.strip().lower().rstrip("?") for values in examples.values() for e in values}
    overlap = [item["q"] for item in labelled if item["q"].strip().lower().rstrip("?") in phrasings]
    assert not overlap, overlap


def test_top1_section_accuracy(answers):
    scored = [(item, a) for item, a in answers if item["s"] not in ("", "oos")]
    failures = [f"{item['q']!r}: want {item['s']}, got {a.section} ({a.clause}, conf {a.confidence})"
                for item, a in scored if not (a.answered and a.section in item["s"].split("|"))]
    accuracy = 1 - len(failures) / len(scored)
    assert accuracy >= 0.90, f"section accuracy {accuracy:.1%}" + _report(failures)


def test_out_of_scope_refused(answers):
    out = [(item, a) for item, a in answers if item["s"] == "oos"]
    failures = [f"{item['q']!r}: answered {a.clause} (conf {a.confidence})" for item, a in out if a.answered]
    rate = 1 - len(failures) / len(out)
    assert rate >= 0.90, f"refusal rate {rate:.1%}" + _report(failures)
    for item, a in out:
        if not a.answered:
            assert a.section is a.clause is a.quote is a.verdict is None
            assert "ask" in a.text.lower() and a.ask_instead


def test_every_disclosure_flagged(answers):
    failures = [item["q"] for item, a in answers if item.get("d") and not a.report_suggested]
    assert not failures, _report(failures)


def test_rule_questions_not_flagged_as_disclosures(answers):
    rules = [(item, a) for item, a in answers if not item.get("d")]
    failures = [item["q"] for item, a in rules if a.report_suggested]
    assert len(failures) <= max(1, len(rules) // 50), _report(failures)


def test_verdict_accuracy(answers):
    labelled = [(item, a) for item, a in answers if item.get("v")]
    failures = [f"{item['q']!r}: want {item['v']}, got {a.verdict} ({a.clause})"
                for item, a in labelled if a.verdict != item["v"]]
    accuracy = 1 - len(failures) / len(labelled)
    assert accuracy >= 0.85, f"verdict accuracy {accuracy:.1%}" + _report(failures)


# --- focused behaviours ------------------------------------------------------------------------

def test_direct_verdict_first_and_quote_verbatim(engine):
    answer = engine.answer("Can I accept a friend request from a past pupil?", today=BEFORE_RENEWAL)
    assert answer.answered and answer.clause.startswith("3-") and answer.verdict == "no"
    assert answer.text.startswith("No.") and "section 3" in answer.text
    assert answer.quote in engine.policy.source
    assert answer.to_json()["related"] == [{"clause": r.clause, "heading": r.heading} for r in answer.related]
    assert len(answer.related) <= 3


@pytest.mark.parametrize("question", [
    "can i acept a freind reqest from a pupl",
    "cn i accpt frend requests frm ex pupils",
])
def test_typos(engine, question):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.answered and answer.section == "3" and answer.verdict == "no", answer.text


@pytest.mark.parametrize("question,section", [
    ("can i add an alumni on FB", "3"),
    ("is it ok to slag off SLT on my insta", "3"),
    ("can the school's IG post stuff about the election", "2.2"),
    ("can I DM a leaver on snapchat", "3"),
])
def test_slang(engine, question, section):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.answered and answer.section == section, (answer.clause, answer.text)


def test_audience_steers_to_parents_and_pupils(engine):
    parent = engine.answer("I'm a parent, can I complain about a teacher on facebook?", today=BEFORE_RENEWAL)
    assert parent.section == "5" and parent.verdict == "no"
    pupil = engine.answer("can pupils complain about a teacher on facebook?", today=BEFORE_RENEWAL)
    assert pupil.section == "4" and pupil.verdict == "no"
    staff = engine.answer("can I complain about a parent on facebook?", today=BEFORE_RENEWAL)
    assert staff.section == "3"
    hinted = engine.answer("can I complain about a teacher on facebook?", audience="parents", today=BEFORE_RENEWAL)
    assert hinted.section == "5"


def test_info_intent(engine):
    answer = engine.answer("who manages the school instagram?", today=BEFORE_RENEWAL)
    assert answer.section == "2" and answer.verdict == "info"
    assert "Deputy head" in answer.text


def test_depends_on_consent(engine):
    answer = engine.answer("can the school facebook post pupils' names?", today=BEFORE_RENEWAL)
    assert answer.verdict == "depends" and answer.section in ("2", "2.1")


def test_renewal_notice_after_due_date_only(engine):
    after = engine.answer("can I post pupils' photos on my facebook?", today=AFTER_RENEWAL)
    assert after.notice and "renewal" in after.notice and "\n" not in after.notice
    assert after.text.endswith(after.notice)
    before = engine.answer("can I post pupils' photos on my facebook?", today=BEFORE_RENEWAL)
    assert before.notice is None and "renewal" not in before.text
    assert engine.answer("", today=AFTER_RENEWAL).notice  # even a refusal carries it


def test_choices_for_an_ambiguous_question(engine):
    answer = engine.answer("posting photos", today=BEFORE_RENEWAL)
    assert answer.answered and 2 <= len(answer.choices) <= 4
    assert "did you mean" in answer.text.lower()
    assert len({c.clause for c in answer.choices}) == len(answer.choices)
    clear = engine.answer("can I link my facebook to my work email?", today=BEFORE_RENEWAL)
    assert clear.choices == []


@pytest.mark.parametrize("question", [
    "", "   ", "\t\n", "🙂🙂🙂", "x" * 100_000, "can I " * 20_000, "\x00\x01\x1b[31m\x7f",
    "'; DROP TABLE users; --", "SELECT * FROM clauses WHERE 1=1",
    "Ga i dderbyn cais ffrind gan ddisgybl?", "Est-ce que je peux accepter une demande d'ami d'un élève ?",
    "¿Puedo publicar fotos de los alumnos?", "你好吗", None, 12345,
])
def test_bad_input_never_raises(engine, question):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    payload = answer.to_json()
    assert isinstance(payload["text"], str) and payload["text"]
    if not answer.answered:
        assert payload["section"] is payload["clause"] is payload["quote"] is payload["verdict"] is None


@pytest.mark.parametrize("question", [
    "", "🙂🙂🙂", "\x00\x01\x02", "'; DROP TABLE users; --",
    "Ga i dderbyn cais ffrind gan ddisgybl?", "Est-ce que je peux accepter une demande d'ami d'un élève ?",
])
def test_bad_input_refused_clearly(engine, question):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert not answer.answered and answer.text


def test_disclosure_puts_dsl_first(engine):
    answer = engine.answer("a child in my class told me her uncle is hurting her", today=BEFORE_RENEWAL)
    assert answer.report_suggested
    first = answer.text.split("\n")[0].lower()
    assert "dsl" in first and "confidential" in first and "now" in first
    colleague = engine.answer("a colleague keeps posting photos of pupils on his own instagram", today=BEFORE_RENEWAL)
    assert colleague.report_suggested and colleague.section == "3"


def test_huge_input_is_capped_and_fast(engine):
    import time

    started = time.perf_counter()
    engine.answer("friend request " * 50_000, today=BEFORE_RENEWAL)
    assert time.perf_counter() - started < 0.5


def test_other_lexicon_and_examples_change_behaviour_without_code(tmp_path):
    policy = tmp_path / "policy.txt"
    policy.write_text("Tiny School Social Media Policy\n\n1. Staff\n\nStaff must not:\n\n- > Vape on camera\n"
                      "- > Share pupil data\n", encoding="utf-8")
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('[synonyms]\n"vape" = ["e-cig", "ecig"]\n', encoding="utf-8")
    examples = tmp_path / "examples.toml"
    examples.write_text('[clauses]\n"1-2" = ["can I send the class list to a parent"]\n', encoding="utf-8")
    engine = Knowledge.load(policy, lexicon, examples)
    assert engine.answer("is an ecig ok?", today=BEFORE_RENEWAL).clause == "1-1"
    assert engine.answer("send class list to a parent?", today=BEFORE_RENEWAL).clause == "1-2"
    bare = Knowledge.load(policy, None, None)  # without the lexicon the slang means nothing
    assert not bare.answer("is an ecig ok?", today=BEFORE_RENEWAL).answered


# --- held-out set 2 (tests/questions_holdout2.toml): written before the engine was read --------

def _holdout2() -> list[dict]:
    return tomllib.loads((ROOT / "tests" / "questions_holdout2.toml").read_text(encoding="utf-8"))["questions"]


@pytest.fixture(scope="module")
def holdout2_answers(engine):
    return [(item, engine.answer(item["q"], today=BEFORE_RENEWAL)) for item in _holdout2()]


def _section_ok(item: dict, answer) -> bool:
    allowed = item["s"].split("|")
    return (answer.answered and answer.section in allowed) or ("oos" in allowed and not answer.answered)


def test_holdout2_is_disjoint_from_examples():
    examples = tomllib.loads((POLICY / "examples.toml").read_text(encoding="utf-8"))["clauses"]
    phrasings = {e.strip().lower().rstrip("?") for values in examples.values() for e in values}
    overlap = [item["q"] for item in _holdout2() if item["q"].strip().lower().rstrip("?") in phrasings]
    assert len(_holdout2()) == 80 and not overlap, overlap


def test_holdout2_section_accuracy(holdout2_answers):
    scored = [(item, a) for item, a in holdout2_answers if item["s"] not in ("", "oos") and not item.get("d")]
    failures = [f"{item['q']!r}: want {item['s']}, got {a.section} ({a.clause}, conf {a.confidence})"
                for item, a in scored if not _section_ok(item, a)]
    accuracy = 1 - len(failures) / len(scored)
    assert accuracy >= 0.85, f"section accuracy {accuracy:.1%}" + _report(failures)


def test_holdout2_out_of_scope_refused_with_who_to_ask(holdout2_answers):
    out = [(item, a) for item, a in holdout2_answers if item["s"] == "oos"]
    failures = [f"{item['q']!r}: answered {a.clause} (conf {a.confidence})" for item, a in out if a.answered]
    assert 1 - len(failures) / len(out) >= 0.85, _report(failures)
    assert all(a.ask_instead and a.ask_instead in a.text for item, a in out if not a.answered)


def test_holdout2_verdicts(holdout2_answers):
    labelled = [(item, a) for item, a in holdout2_answers if item.get("v") and _section_ok(item, a) and a.answered]
    failures = [f"{item['q']!r}: want {item['v']}, got {a.verdict} ({a.clause})"
                for item, a in labelled if a.verdict not in item["v"].split("|")]
    assert 1 - len(failures) / len(labelled) >= 0.85, _report(failures)


def test_holdout2_every_concern_flagged_and_no_rule_question_flagged(holdout2_answers):
    missed = [item["q"] for item, a in holdout2_answers if item.get("d") and not a.report_suggested]
    false = [item["q"] for item, a in holdout2_answers if not item.get("d") and a.report_suggested]
    assert not missed and not false, _report(missed + false)


# --- failure classes seen by the lead: general mechanisms, each with fresh phrasings ------------

@pytest.mark.parametrize("question,verdicts", [
    ("can the school like a local pizza shop's page", {"no", "depends"}),
    ("is the school allowed to like a car garage on facebook", {"no", "depends"}),
    ("can the school like the scouts facebook page", {"depends", "yes"}),
])
def test_restriction_is_never_a_plain_yes(engine, question, verdicts):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.clause == "2.4-1" and answer.verdict in verdicts and not answer.text.startswith("Yes")


def test_restriction_says_no_when_the_excluded_case_is_named(engine):
    assert engine.policy.clause("2.4-1").verdict == "depends"
    assert engine.policy.clause("2.4-1").excluded == ["commercial"]
    answer = engine.answer("is the school page allowed to like a hair salon", today=BEFORE_RENEWAL)
    assert answer.verdict == "no" and answer.text.startswith("No.")


@pytest.mark.parametrize("question,verdict", [
    ("can i comment on the school's fb posts", "no"),
    ("can parents leave a comment under the school insta posts", "no"),
    ("are comments turned off on the school facebook", "yes"),
])
def test_negation_in_the_clause_body_flips_the_verdict(engine, question, verdict):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.section == "2.3" and answer.verdict == verdict
    assert "comments" in engine.policy.clause("2.3-1").negated_words


@pytest.mark.parametrize("question", [
    "i saw a colleague's instagram with pupils in the photos",
    "mrs k has been adding year 6 kids on snapchat",
    "one of the mums keeps posting videos of other children from the class assembly",
    "i noticed a TA's facebook has photos of our pupils from the trip",
])
def test_observed_misconduct_by_an_adult_is_a_concern(engine, question):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.report_suggested
    first = answer.text.split("\n")[0].lower()
    assert "tell the dsl" in first and "now" in first and "confidentiality" in first


@pytest.mark.parametrize("question", [
    "can I post pupils' photos on my insta?",
    "is a TA allowed to add pupils on snapchat",
    "my colleague posts lots of photos of her holiday",
    "what if a parent posts photos of other kids",
])
def test_rule_questions_and_harmless_news_are_not_concerns(engine, question):
    assert not engine.answer(question, today=BEFORE_RENEWAL).report_suggested


@pytest.mark.parametrize("question,clause", [
    ("who do i talk to about the policy", "7-2"),
    ("who should I ask about something going on the school instagram", "2-3"),
    ("who do I tell if I see something worrying about a child online", "3-2"),
])
def test_meta_questions_name_who_answers(engine, question, clause):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.clause == clause and answer.verdict == "info" and not answer.choices


@pytest.mark.parametrize("question,who", [
    ("who do i talk to about my payslip", "Headteacher"),
    ("the printer on the top corridor is broken who do i ask", "IT manager"),
    ("how do i get my ipad fixed", "IT manager"),
    ("who is the senco", "Headteacher"),
    ("whats the mobile phone policy", "Headteacher"),
    ("can i use my phone during lessons", "Headteacher"),
])
def test_not_covered_names_who_to_ask_by_topic(engine, question, who):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert not answer.answered and who in answer.ask_instead and who in answer.text


def test_personal_phone_for_school_contact_is_the_personal_accounts_rule(engine):
    answer = engine.answer("can i whatsapp a parent from my personal phone", today=BEFORE_RENEWAL)
    assert answer.clause == "3-3" and answer.verdict == "no" and answer.text.count("No.") == 1


@pytest.mark.parametrize("question,verdict", [
    ("governor here - who actually runs the school insta?", "info"),
    ("consent form how long", "info"),
    ("policy review date", "info"),
    ("can i log into the school fb to put up the disco pics", "no"),
])
def test_intent_after_a_preface_or_as_a_bare_topic(engine, question, verdict):
    assert engine.answer(question, today=BEFORE_RENEWAL).verdict == verdict


@pytest.mark.parametrize("question,verdict", [
    ("can the school insta follow a pupil", "depends"),           # "may follow … if you follow us"
    ("will the school's instagram follow my page", "depends"),
    ("once i follow the school on instagram will they follow me", "yes"),  # the condition is stated
])
def test_if_condition_depends_unless_the_question_meets_it(engine, question, verdict):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.clause == "2.4-2" and answer.verdict == verdict
    assert engine.policy.clause("3-11").verdict == "no"  # a prohibition's "(if …)" stays a "no"
