"""The answer engine on the labelled set (tests/questions.toml) and focused behaviours."""
from __future__ import annotations

import re
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


# --- held-out sets 3, 4 and 5 (round 3): first-run figures in each file's header ----------------
# Set 3 was written before the engine code was read and then used to find failure classes; set 4
# was a blind check after those fixes (then also used); set 5 was run once as the final blind check
# and is only held to its recorded figures loosely, so that it is not tuned against.

def _held_out(name: str) -> list[dict]:
    return tomllib.loads((ROOT / "tests" / name).read_text(encoding="utf-8"))["questions"]


def _figures(engine, items: list[dict]) -> dict:
    answers = [(item, engine.answer(item["q"], today=BEFORE_RENEWAL)) for item in items]
    scored = [(i, a) for i, a in answers if i["s"] not in ("", "oos") and not i.get("d")]
    out = [(i, a) for i, a in answers if i["s"] == "oos"]
    verdicts = [(i, a) for i, a in scored if i.get("v") and _section_ok(i, a) and a.answered]
    failures = ([f"section {i['q']!r}: want {i['s']}, got {a.clause} ({a.confidence})" for i, a in scored
                 if not _section_ok(i, a)]
                + [f"answered out of scope {i['q']!r}: {a.clause} ({a.confidence})" for i, a in out if a.answered]
                + [f"verdict {i['q']!r}: want {i['v']}, got {a.verdict} ({a.clause})" for i, a in verdicts
                   if a.verdict not in i["v"].split("|")]
                + [f"concern missed {i['q']!r}" for i, a in answers if i.get("d") and not a.report_suggested]
                + [f"false flag {i['q']!r}" for i, a in answers if not i.get("d") and a.report_suggested])
    return {
        "section": sum(_section_ok(i, a) for i, a in scored) / len(scored),
        "answered": sum(a.answered for i, a in scored) / len(scored),
        "refused": sum(not a.answered for i, a in out) / len(out),
        "verdict": sum(a.verdict in i["v"].split("|") for i, a in verdicts) / len(verdicts),
        "flagged": sum(a.report_suggested for i, a in answers if i.get("d")) / sum(bool(i.get("d")) for i in items),
        "false_flags": sum(a.report_suggested for i, a in answers if not i.get("d")),
        "failures": failures,
    }


@pytest.mark.parametrize("name,size", [("questions_holdout3.toml", 100), ("questions_holdout4.toml", 44),
                                       ("questions_holdout5.toml", 36), ("questions_holdout6.toml", 60),
                                       ("questions_holdout7.toml", 30), ("questions_holdout8.toml", 30),
                                       ("questions_holdout12.toml", 64), ("questions_holdout13.toml", 36),
                                       ("questions_holdout14.toml", 61), ("questions_holdout15.toml", 37)])
def test_held_out_sets_are_disjoint_from_examples(name, size):
    examples = tomllib.loads((POLICY / "examples.toml").read_text(encoding="utf-8"))["clauses"]
    phrasings = {e.strip().lower().rstrip("?") for values in examples.values() for e in values}
    items = _held_out(name)
    overlap = [item["q"] for item in items if item["q"].strip().lower().rstrip("?") in phrasings]
    assert len(items) == size and not overlap, overlap


# Thresholds a little below what the engine reaches (set 3: 100/98.5/100/100/100, 0 false flags;
# set 4: 97/97/100/96/100, 0; set 5: 88.5/96/100/95/100, 1 false flag; set 6 (round 4, figures after the
# round-4 changes, so no longer blind): 95.8/95.8/93.3/95.5/100, 0; set 7, blind, run once and left
# untuned: 75/83/50/100/60, 0 — floors set loosely below it).
@pytest.mark.parametrize("name,floors", [
    ("questions_holdout3.toml", {"section": 0.95, "answered": 0.93, "refused": 0.90, "verdict": 0.93, "flagged": 0.9,
                                 "false_flags": 1}),
    ("questions_holdout4.toml", {"section": 0.90, "answered": 0.90, "refused": 0.66, "verdict": 0.90, "flagged": 0.8,
                                 "false_flags": 1}),
    ("questions_holdout5.toml", {"section": 0.80, "answered": 0.90, "refused": 0.80, "verdict": 0.85, "flagged": 0.75,
                                 "false_flags": 2}),
    ("questions_holdout6.toml", {"section": 0.90, "answered": 0.90, "refused": 0.80, "verdict": 0.90, "flagged": 0.95,
                                 "false_flags": 1}),
    ("questions_holdout7.toml", {"section": 0.65, "answered": 0.75, "refused": 0.375, "verdict": 0.85, "flagged": 0.8,
                                 "false_flags": 2}),
    # set 8, blind before round 5 (first run 83/100/62.5/90/40, 0): loose floors.
    ("questions_holdout8.toml", {"section": 0.75, "answered": 0.85, "refused": 0.5, "verdict": 0.8, "flagged": 0.8,
                                 "false_flags": 2}),
    # Set 12 end of round 9: 100/97.3/100/91.7/100, 0 false flags. Set 13 first (blind) run: 85/90/90/94.1/100,
    # 1 false flag — floors a little below both, so a later change that loses ground on them fails here.
    ("questions_holdout12.toml", {"section": 0.95, "answered": 0.94, "refused": 0.94, "verdict": 0.88, "flagged": 1.0,
                                  "false_flags": 1}),
    ("questions_holdout13.toml", {"section": 0.80, "answered": 0.85, "refused": 0.80, "verdict": 0.88, "flagged": 1.0,
                                  "false_flags": 2}),
    # Set 14 end of round 10: 100/100/92.3/100/100, 1 false flag. Set 15 first (blind) run: 76.2/95.2/81.8/87.5/100,
    # 3 false flags — floors a little below both, so a later change that loses ground on them fails here.
    ("questions_holdout14.toml", {"section": 0.95, "answered": 0.95, "refused": 0.84, "verdict": 0.95, "flagged": 1.0,
                                  "false_flags": 2}),
    ("questions_holdout15.toml", {"section": 0.70, "answered": 0.90, "refused": 0.72, "verdict": 0.80, "flagged": 1.0,
                                  "false_flags": 4}),
])
def test_held_out_figures(engine, name, floors):
    figures = _figures(engine, _held_out(name))
    report = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in figures.items() if k != "failures"}
    for key in ("section", "answered", "refused", "verdict", "flagged"):
        assert figures[key] >= floors[key], f"{key} {report}" + _report(figures["failures"])
    assert figures["false_flags"] <= floors["false_flags"], f"{report}" + _report(figures["failures"])


# --- round-3 mechanisms, each with fresh phrasings (not copied from any labelled set) -----------

def test_stemmer_is_symmetric_over_common_endings():
    from knowledge.engine import _stem
    assert _stem("include") == _stem("included") == _stem("includes")
    assert _stem("apply") == _stem("applies") == _stem("applied")
    assert _stem("share") == _stem("shared") == _stem("sharing") == _stem("shares")
    assert _stem("post") == _stem("posts") == _stem("posting") == _stem("posted")


def test_the_headteachers_name_is_the_headteacher_not_a_typo(engine):
    answer = engine.answer("is it Miss Ingram who reviews this policy", today=BEFORE_RENEWAL)
    assert answer.answered and answer.clause == "7-2"


@pytest.mark.parametrize("question", [
    "how do I crop a photo before it goes on instagram",
    "how many likes did the last school facebook post get",
    "what's the behaviour policy say about detentions",
    "can Y5 keep their phones in their trays",
    "can I get chatgpt to draft my newsletter",
    "can the dinner ladies help out at the summer fete",
])
def test_near_misses_sharing_policy_words_are_refused(engine, question):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert not answer.answered and answer.ask_instead and answer.section is None


@pytest.mark.parametrize("question,clause,verdicts", [
    ("can a dad moan about the head in the parents whatsapp group", "5-5", {"no"}),        # pointer yields
    ("can the school facebook like the food bank's page", "2.4-1", {"yes"}),              # allowed case named
    ("can a mum put her own daughter's nativity photo on facebook", "5-9", {"yes"}),      # own child
    ("will the school insta follow my brother's barber shop", "2.4-2", {"no", "depends"}),
    ("r teachers allowed 2 add pupils on snapchat", "3-4", {"no"}),                       # text-speak
])
def test_round3_verdict_mechanisms(engine, question, clause, verdicts):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.clause == clause and answer.verdict in verdicts, (answer.clause, answer.verdict)
    if clause == "2.4-1":
        assert not answer.text.startswith("Yes.")  # a restriction stays visibly a restriction


def test_a_permission_met_only_by_an_expectation_quotes_the_close_ban(engine):
    answer = engine.answer("as a parent can i write about my sons teacher on a forum", today=BEFORE_RENEWAL)
    assert answer.section == "5" and answer.verdict in ("depends", "no")
    if answer.verdict == "depends":
        assert "But the policy also says" in answer.text


def test_context_before_a_long_question_does_not_drown_it(engine):
    question = ("Bit of background: I left teaching for a few years and came back this September, and a lad "
                "I taught in my first year, who must be at university by now, has found me on Facebook and "
                "sent me a friend request with a lovely message. Would it be ok to accept?")
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.answered and answer.section == "3" and answer.verdict == "no"


@pytest.mark.parametrize("question", [
    "one of my year 5 boys keeps getting friend requests from a grown man on xbox",
    "im worried about one of the lunchtime staff, she follows a lot of our pupils on tiktok",
    "a girl in Y4 says an older lad online keeps asking her for selfies",
    "a parent has set up a fake facebook profile pretending to be one of our teachers",
    "the school caretaker gave a Y6 boy his personal whatsapp number",
])
def test_round3_concerns_flagged(engine, question):
    assert engine.answer(question, today=BEFORE_RENEWAL).report_suggested


@pytest.mark.parametrize("question", [
    "do i need to report it if i see a pupil's account is public",
    "im concerned a parent might complain about me on facebook, can they",
    "can governors like pupils' posts on instagram",
    "i'm worried about my own privacy settings on instagram",
])
def test_round3_rule_questions_not_flagged(engine, question):
    assert not engine.answer(question, today=BEFORE_RENEWAL).report_suggested


# --- round 4: concerns as a narrative about a child + a risk family (data in policy/lexicon.toml) ---
# Fresh phrasings, one or two per family, not copied from any labelled set.

@pytest.mark.parametrize("question", [
    "one of my girls has been getting snapchats from a 16 year old she met on fortnite",   # older contact
    "Y4 lad told me someone on roblox gave him free robux if he sent a photo",             # gifts + images
    "parent says her son's been talking to an adult on xbox live every night",             # relayed by a parent
    "my year 5 said she's not allowed to tell anyone about her new friend",               # secrecy
    "a boy in my class has marks on his arms and wont say why",                            # injuries
    "noticed Jake in 4C has been really withdrawn since a video of him went round whatsapp",  # images going round
    "a kid in 6H says her mum's new partner keeps taking pictures of her",                 # home life
    "mrs jones has been giving lifts home to a y6 boy and messaging him on whatsapp",      # adult conduct
    "one of our TAs follows a load of our year 6s on tiktok and comments on their videos",  # adult conduct
    "one of my y6 girls posted on her story that she wants to disappear",                  # self-harm
    "my class were talking about a challenge on tiktok where you hold your breath till you pass out",
    "one of the mums messaged me at 11pm saying her daughter hasn't come home",            # missing
    "saw a comment on the school facebook from a man asking which girls are in the netball team",
    "someone made a fake tiktok of one of our year 5s and is posting mean videos",         # fake account
    "Ellie keeps messaging a man she met online",                                          # a first name only
    "Maisie said her dad's friend gives her money to keep secrets",
    "my tutee is being pressured to join a group chat where they share rude stuff",        # pressure
    "i overheard two y6 boys saying they'd been sent a video of a girl from another school",
    "kid showed me a video on his phone of pupils fighting behind the shops",
    "I'm uneasy about something I noticed on one of the TAs' instagram",                   # staff, no child
])
def test_round4_concerns_flagged_and_dsl_first(engine, question):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.report_suggested, question
    assert answer.text.startswith("This sounds like a safeguarding concern")
    assert "Do not promise the child confidentiality" in answer.text and "DSL" in answer.text.split(".")[1]


@pytest.mark.parametrize("question", [
    "what should I do if a child tells me they are being bullied online",   # hypothetical: after "if"
    "pupils were laughing at a teacher's post on tiktok, does the policy cover that",
    "do kids get told off if they post mean stuff about teachers",          # "told off" is not reported speech
    "can a parent share a photo of their son's football match",
    "are staff allowed to follow pupils on tiktok",
    "a parent keeps complaining about me on facebook, what can I do",       # no child at risk
    "So one of the mums has messaged me on messenger asking about her son's reading, can I just answer her?",
    "one of the dads keeps sending me friend requests",                     # aimed at the speaker
    "Morning! Random one - my partner asked if I'd share his campaign page on my facebook",
    "a parent told me he's going to complain about the school on facebook",
])
def test_round4_rule_questions_and_adult_disputes_not_flagged(engine, question):
    assert not engine.answer(question, today=BEFORE_RENEWAL).report_suggested


def test_a_school_extends_the_concern_families_without_code(tmp_path):
    lexicon = (POLICY / "lexicon.toml").read_text(encoding="utf-8")
    # Ends in a question about the asker's own conduct: only a risk family makes it a concern.
    message = "one of my y5 boys keeps placing bets on a casino app, can i mention it to his mum"
    stock = Knowledge.load(POLICY / "calmore-social-media-policy.txt", POLICY / "lexicon.toml", POLICY / "examples.toml")
    assert not stock.answer(message, today=BEFORE_RENEWAL).report_suggested
    (tmp_path / "lexicon.toml").write_text(lexicon + '\ngambling = ["bet*", "casino", "gambl*"]\n', encoding="utf-8")
    extended = Knowledge.load(POLICY / "calmore-social-media-policy.txt", tmp_path / "lexicon.toml",
                              POLICY / "examples.toml")
    assert extended.answer(message, today=BEFORE_RENEWAL).report_suggested


def test_concern_entry_syntax():
    from knowledge.disclosure import ConcernRules
    rules = ConcernRules.from_data({
        "children": ["pupil*", "re:y[1-6]s?"], "adults": ["coach"], "told": ["told me"], "narrative": ["keeps"],
        "hypothetical": ["if"], "rule_openers": ["re:^can\\b"],
        "adult_conduct": ["{adult} ... messag* !(me|us) .. {child}"],
        "risk": {"secrecy": ["keep ... secret", "(delete|hide) the (messages|chat)"]}})
    assert rules.spot("a pupil told me to keep it all a secret")
    assert rules.spot("the coach keeps messaging y6s")
    assert not rules.spot("the coach keeps messaging me about y6s")           # !(me|us)
    assert not rules.spot("can i help if a pupil told me a secret")            # hypothetical rule question
    assert rules.spot("a pupil keeps asking me to hide the chat")


# --- round 4: near misses — the question's core must be met by the clause, not only its scene ------

@pytest.mark.parametrize("question", [
    "where do I print photos for the classroom display",
    "can parents pay for the school trip online",
    "who takes the school photos every year",
    "do parents get a copy of the school photos free",
    "can children wear their own clothes for the school photo",
    "what colour is the school logo",
    "can I borrow the school camera for the weekend",
    "how do I add my signature to school emails",
    "how do I set up facebook ads",
    "who is the online safety lead",
])
def test_round4_near_misses_refused_with_who_to_ask(engine, question):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert not answer.answered and answer.ask_instead and answer.section is None, (answer.clause, answer.confidence)


@pytest.mark.parametrize("question,section", [
    ("can I post a pic of my class on my insta", "3"),
    ("can parents share photos from the school play", "5"),
    ("who looks after the school facebook", "2"),
    ("can the school like a local business page", "2.4"),
    ("can I accept a follow from a year 9 who used to be in my class", "3"),
    ("can pupils say mean things about teachers online", "4"),
])
def test_round4_scene_words_do_not_refuse_real_questions(engine, question, section):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.answered and answer.section == section, (answer.clause, answer.confidence)


# --- round 5: concerns by structure (a narrated event about a child), not by vocabulary -------------

@pytest.mark.parametrize("question", [
    "Kai in 6B came in with a new phone and wouldn't say who gave it him",
    "a lad in year 3 showed me a clip of a teacher from another school shouting at a kid",
    "somebody has set up a page comparing the year 5 girls",
    "Poppy said a man at the park keeps asking for her snapchat",
    "one of my group was sobbing in the cloakroom and wouldn't go out to her dad's car",
    "there's a whatsapp group where older kids are sharing pics of our y6s",
    "a y4 boy got 2000 robux from someone he met on a game, can I do anything",
])
def test_round5_narrated_events_about_children_are_flagged(engine, question):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.report_suggested, question
    assert answer.text.startswith("This sounds like a safeguarding concern")


@pytest.mark.parametrize("question", [
    "can I post pupils' photos on my own facebook",
    "a child from my old class added me on instagram, should I accept",
    "is the anti bullying policy linked to this one",
    "what should I do if a pupil tells me someone is sending them messages",
    "my class made a video for the school website, who do I send it to",
])
def test_round5_rule_questions_stay_unflagged(engine, question):
    assert not engine.answer(question, today=BEFORE_RENEWAL).report_suggested, question


# --- round 5: people read `text`; clause ids stay in the JSON fields -------------------------------

CLAUSE_ID = re.compile(r"\b\d+(?:\.\d+)?-\d+\b")


def test_text_never_names_clause_ids(engine):
    texts = []
    for name in ("questions.toml", "questions_holdout3.toml", "questions_holdout7.toml", "questions_holdout8.toml"):
        items = tomllib.loads((ROOT / "tests" / name).read_text(encoding="utf-8"))["questions"]
        texts += [(item["q"], engine.answer(item["q"], today=BEFORE_RENEWAL)) for item in items]
    leaked = [(q, a.text) for q, a in texts if CLAUSE_ID.search(a.text)]
    assert not leaked, leaked[:3]
    ambiguous = engine.answer("posting photos", today=BEFORE_RENEWAL)
    assert ambiguous.choices and not ambiguous.text.startswith("I'm not")  # the direct answer first
    assert "section" in ambiguous.text.split("did you mean")[1]


# --- round 5: a rule about pupils does not answer a question about parents (object matching) --------

@pytest.mark.parametrize("question", ["can i add a parent on facebook", "Can I accept a friend request from a parent?",
                                      "is it ok to follow a dad from my class on instagram"])
def test_pupil_friend_rule_does_not_answer_questions_about_parents(engine, question):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.clause != "3-4" and not (answer.answered and answer.verdict == "no" and "pupils" in answer.quote), \
        (answer.clause, answer.text)


@pytest.mark.parametrize("question,clause", [
    ("can I message a parent on messenger about their child's reading", "3-3"),
    ("can i take photos of the kids i read with", "3-7"),
    ("can i follow a pupil on tiktok", "3-4"),
    ("can teachers accept friend requests from pupils", "3-4"),
])
def test_object_of_the_act_picks_the_rule(engine, question, clause):
    assert engine.answer(question, today=BEFORE_RENEWAL).clause == clause


def test_consent_for_a_pupils_name_is_the_consent_rule_not_account_access(engine):
    answer = engine.answer("do i need permission to post a pupils name on the school instagram", today=BEFORE_RENEWAL)
    assert answer.section == "2.2" and answer.verdict == "depends"
    assert engine.answer("can I post on the school facebook page", today=BEFORE_RENEWAL).clause == "2-3"


@pytest.mark.parametrize("question", [
    "who has a spare laptop charger",
    "where do I leave the expenses form",
    "can parents buy the school photos at the fair",
    "when is the photographer in for class photos",
    "how do I book the ipad trolley",
])
def test_errands_about_running_the_school_are_refused_with_who_to_ask(engine, question):
    answer = engine.answer(question)
    assert not answer.answered, (question, answer.clause_id if hasattr(answer, "clause_id") else answer)
    assert answer.ask_instead


@pytest.mark.parametrize("question", [
    "where do I report a worry about something a pupil posted",
    "when is it ok to post photos of a school trip on my facebook",
    "can I have a pupil as a friend on facebook",
    "when can I post photos of my class online",
    "how do I get consent for a pupil's photo on the school instagram",
])
def test_errand_shaped_policy_questions_are_still_answered(engine, question):
    assert engine.answer(question).answered, question


def test_logistics_lists_come_from_the_lexicon_file(tmp_path):
    from knowledge.lexicon import Lexicon
    toml = tmp_path / "lexicon.toml"
    toml.write_text('[logistics]\nopeners = ["who has"]\nthings = ["stapler"]\ncommerce = ["sell"]\n'
                    'anchors = ["facebook", "photos"]\n', encoding="utf-8")
    lexicon = Lexicon.load(toml)
    assert lexicon.is_logistics("who has the big stapler")
    assert lexicon.is_logistics("can we borrow a stapler")
    assert not lexicon.is_logistics("who has the facebook login")
    assert lexicon.is_logistics("can the pta sell photos")  # selling photos is not posting them
    assert not lexicon.is_logistics("can the pta post photos")


@pytest.mark.parametrize("question", [
    "does this cover using my own tablet at home",
    "does the policy apply if I'm on a school computer",
])
def test_questions_about_the_policys_reach_are_answered_from_its_scope(engine, question):
    answer = engine.answer(question)
    assert answer.answered and answer.section == "1", (question, answer.text)


@pytest.mark.parametrize("question, section", [
    ("is it alright for a dad to slag off the head in the year 4 whatsapp", "5"),
    ("is it fine for a child to moan about the dinner ladies on snapchat", "4"),
])
def test_for_a_parent_or_pupil_to_names_whose_section_answers(engine, question, section):
    answer = engine.answer(question)
    assert answer.section == section, (question, answer.text)


@pytest.mark.parametrize("question, section", [
    ("must parents stick to this policy as well", "1"),          # the policy binds everyone it names
    ("do pupils need to follow the social media policy too", "1"),
    ("how often does this policy get looked at again", "7"),      # "looked at again" is its review
    ("can we put the netball team's win on the school instagram", "2.2"),  # a win is an achievement
])
def test_plain_wording_of_scope_review_and_achievements(engine, question, section):
    answer = engine.answer(question)
    assert answer.answered and answer.section == section, (question, answer.text)


def test_whether_a_child_may_appear_in_a_school_post_is_a_rule_question(engine):
    quiet = engine.answer("a child's not got photo consent, can they be in the school post")
    assert quiet.answered and quiet.section in ("2", "2.1", "2.2") and not quiet.report_suggested, quiet.text
    # the same closing question does not hide a risk told in the message
    risky = engine.answer("a girl told me a man online keeps asking her for photos, can she be in the school post")
    assert risky.report_suggested, risky.text


@pytest.mark.parametrize("question, verdict", [
    ("can we put a pupil on the school facebook without permission", "no"),   # consent stated absent
    ("a child's not got photo consent, can they be on the school instagram", "no"),
    ("his parents gave consent, can he be on the school instagram", "depends"),  # given: not a "no"
])
def test_a_consent_rule_answers_no_when_the_question_says_there_is_none(engine, question, verdict):
    answer = engine.answer(question)
    assert answer.answered and answer.verdict == verdict, (question, answer.verdict, answer.text)


def test_asking_whether_a_like_means_a_recommendation_meets_the_no_endorsement_clause(engine):
    answer = engine.answer("if the school follows a charity does that mean it recommends them")
    assert answer.section == "2.4" and answer.verdict in ("no", "info"), (answer.verdict, answer.text)


# --- round 9: topics next door to the policy ([neighbours] in policy/lexicon.toml) -------------------

@pytest.mark.parametrize("question, topic", [
    ("how do I deal with a subject access request from a parent", "data protection"),
    ("can I update the class page on the school website", "website"),
    ("should I teach the kids about fake news in pshe", "curriculum"),
    ("is our anti-bullying policy up to date", "anti-bullying"),
    ("whats the minimum age for whatsapp", "old enough"),
    ("can I send the spelling list out on seesaw", "classroom"),
    ("do trip permission slips need both parents to sign", "trips"),
    ("how long should we hang on to safeguarding records", "records"),
    ("do I need to lock my screen when I leave the classroom", "IT security"),
    ("can we put the childrens names on the display board", "displays"),
    ("is minecraft safe for kids to play at home", "old enough"),
    ("am I allowed to drop a pupil home in my car after club", "code of conduct"),
    ("who sorts the dbs checks for new volunteers", "recruitment"),
])
def test_near_miss_topics_are_refused_with_whose_they_are(engine, question, topic):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert not answer.answered and answer.section is None and answer.verdict is None, (question, answer.clause)
    assert topic in answer.text and "doesn't cover" in answer.text, answer.text
    assert answer.ask_instead and answer.ask_instead != "the Headteacher" or "press" in topic


@pytest.mark.parametrize("question", [
    "does gdpr apply to what I post on my private instagram",
    "can I share the school website link on my facebook",
    "do we need photo consent to put a child on the website",
    "can I post a video of my lesson on my own youtube",
    "is it safe for kids to comment on the school facebook",
    "what age counts as a child for safeguarding",
    "can I put a photo of my corridor display on my own instagram",
])
def test_a_near_miss_word_with_social_media_in_the_question_is_still_answered(engine, question):
    assert engine.answer(question, today=BEFORE_RENEWAL).answered, question


def test_neighbouring_topics_come_from_the_lexicon_file(tmp_path):
    from knowledge.lexicon import Lexicon
    toml = tmp_path / "lexicon.toml"
    toml.write_text('[neighbours.canteen]\nreason = "school meals"\nwho = "the kitchen"\n'
                    'topics = ["canteen", "school dinner"]\nunless = ["facebook"]\n', encoding="utf-8")
    lexicon = Lexicon.load(toml)
    assert lexicon.neighbour("is the canteen open").who == "the kitchen"
    assert lexicon.neighbour("whats the school dinner today").reason == "school meals"
    assert lexicon.neighbour("can we post the canteen menu on facebook") is None
    assert lexicon.neighbour("can i post on facebook") is None


@pytest.mark.parametrize("question", [
    "my year 4s are all on tiktok at home, are they allowed",
    "pupils are on snapchat at home, are they supposed to be",
])
def test_allowed_and_supposed_are_not_narrated_events(engine, question):
    assert not engine.answer(question, today=BEFORE_RENEWAL).report_suggested, question


def test_a_real_past_event_with_the_same_scene_is_still_flagged(engine):
    assert engine.answer("a year 4 boy showed me he was added by a man on tiktok at home",
                         today=BEFORE_RENEWAL).report_suggested


# --- round 9: chat wording (sm, "whose job is it", "are governors covered", a parent narrated) ------------

@pytest.mark.parametrize("question, sections, verdicts", [
    ("are supply staff covered by the sm policy", {"1", "3"}, {"yes", "info"}),
    ("is the sm policy reviewed every year", {"7"}, {"yes", "info"}),
    ("whose job is it to make sure the school's posts are suitable for children", {"2.3"}, {"info"}),
    ("dad shared a video of the whole year group from sports day on his facebook, is that allowed", {"5"}, {"no"}),
    ("can the school see what i do on the school ipads", {"7"}, {"yes", "info"}),
])
def test_chat_wording_reaches_the_rule(engine, question, sections, verdicts):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.section in sections and answer.verdict in verdicts, (question, answer.clause, answer.verdict)


def test_a_third_person_scope_question_is_never_answered_with_a_ban(engine):
    answer = engine.answer("are governors covered by the social media policy", today=BEFORE_RENEWAL)
    assert answer.answered and answer.verdict != "no" and answer.section in {"1", "3"}, (answer.clause, answer.verdict)


def test_a_pointer_clause_defers_to_the_rule_that_meets_the_question(engine):
    # "follow the above guidelines in class WhatsApp groups" only says where; the incident is 5's own ban
    answer = engine.answer("are parents allowed to go on about a behaviour incident in the class group chat",
                           today=BEFORE_RENEWAL)
    assert answer.section == "5" and answer.verdict == "no", (answer.clause, answer.verdict)
    assert engine.answer("do the same rules apply in the class whatsapp group", today=BEFORE_RENEWAL).clause == "5-10"


def test_a_procedural_question_about_a_parents_request_is_not_a_disclosure(engine):
    answer = engine.answer("a mum emailed asking for a copy of her sons file, whats the process", today=BEFORE_RENEWAL)
    assert not answer.report_suggested and not answer.answered, answer.text


@pytest.mark.parametrize("question, sections", [
    ("does the policy cover the dinner ladies", {"1", "3"}),
    ("does the sm policy still count over the hols", {"1"}),
])
def test_staff_roles_and_holidays_in_chat_words_reach_the_scope_rules(engine, question, sections):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.answered and answer.section in sections and answer.verdict != "no", (question, answer.clause)


def test_an_off_topic_word_inside_a_longer_lexicon_phrase_is_not_off_topic():
    from knowledge.lexicon import Lexicon
    lexicon = Lexicon(synonyms={"colleagues staff": ["dinner ladies"]}, out_of_scope=["dinner", "menu"])
    assert lexicon.out_of_scope_hits("do the rules apply to dinner ladies") == []
    assert lexicon.remove_out_of_scope("what is for dinner on the menu") == "what is for on the"


# --- round 9: typo correction leaves real words alone -----------------------------------------------

def test_everyday_words_and_inflections_are_not_corrected_into_policy_words(tmp_path):
    policy = POLICY / "calmore-social-media-policy.txt"
    bare = Knowledge.load(policy, None, None)
    assert bare._correct("poster") == "posted"  # the unguarded corrector's mistake this guards against
    assert bare._correct("freind") == "friend"
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('[typos]\neveryday = ["poster"]\n', encoding="utf-8")
    guarded = Knowledge.load(policy, lexicon, None)
    assert guarded._correct("poster") == "poster"
    assert guarded._correct("freind") == "friend"  # real typos are still corrected
    assert guarded._correct("complains") == "complains"  # an inflection of a policy word is no typo


@pytest.mark.parametrize("question, section", [
    ("one of my pupils keeps moaning about me on snapchat, is that against the rules", "4"),
    ("a mum keeps slagging me off on facebook, what can I do", "5"),
    ("my colleague keeps moaning about slt on her facebook", "3"),
])
def test_a_third_party_acting_on_the_asker_is_that_partys_section(engine, question, section):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.section == section and answer.verdict in ("no", "info"), (question, answer.clause, answer.verdict)


# --- round 9: concern vocabulary (extremist ideas, unknown numbers, bed-sharing, support staff) ------

@pytest.mark.parametrize("question", [
    "kid in my class is obsessed with some youtuber who says women are worthless and is repeating it",
    "one of the y5 girls is being sent creepy voice notes on whatsapp from a number she doesnt know",
    "my little reader said her mums friend gets in her bed when he stays over",
    "the new lunchtime assistant follows lots of our pupils on instagram",
])
def test_round9_concerns_in_fresh_words_are_flagged(engine, question):
    assert engine.answer(question, today=BEFORE_RENEWAL).report_suggested, question


@pytest.mark.parametrize("question, section", [
    ("is cyberbullying other kids against the policy for pupils", "4"),
    ("can the school post a photo of a child who is in care", "2"),
])
def test_round9_everyday_words_do_not_become_policy_words(engine, question, section):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.section.startswith(section) and not answer.report_suggested, (question, answer.clause)


def test_like_meaning_such_as_is_not_the_liking_rule(engine):
    answer = engine.answer("does the policy cover things like group chats after school", today=BEFORE_RENEWAL)
    assert answer.answered and answer.section != "2.4", answer.clause
    assert engine.answer("will the school like the scouts page", today=BEFORE_RENEWAL).section == "2.4"


# --- round 10: the [neighbours] table must not swallow questions the policy does answer --------------

def _neighbour_refusals(engine, items) -> list[str]:
    """In-scope labelled questions (not concerns, 'oos' not among their labels) that the engine refused
    with a neighbouring topic's reason."""
    leads = [f"That is about {neighbour.reason};" for neighbour in engine.lexicon.neighbours]
    in_scope = [i for i in items if i["s"] not in ("", "oos") and "oos" not in i["s"].split("|") and not i.get("d")]
    refused = []
    for item in in_scope:
        answer = engine.answer(item["q"], today=BEFORE_RENEWAL)
        if not answer.answered and any(answer.text.startswith(lead) for lead in leads):
            refused.append(f"{item['q']!r} ({answer.text.split(';')[0]})")
    return refused


def test_neighbour_topics_refuse_almost_no_in_scope_question_of_any_labelled_set(engine):
    sets = sorted((ROOT / "tests").glob("questions*.toml"))
    items = [item for path in sets for item in _held_out(path.name)]
    in_scope = [i for i in items if i["s"] not in ("", "oos") and "oos" not in i["s"].split("|") and not i.get("d")]
    refused = _neighbour_refusals(engine, items)
    assert len(sets) >= 15 and len(in_scope) > 500
    assert not refused, "\n".join(refused)


def test_neighbour_refusal_count_sees_a_neighbour_refusal(engine):
    # The counter above is only worth its floor if it does recognise a neighbour refusal when one happens.
    labelled_in_scope_by_mistake = [{"q": "who do i ask to change the term dates on the school website", "s": "2"}]
    assert len(_neighbour_refusals(engine, labelled_in_scope_by_mistake)) == 1


@pytest.mark.parametrize("question", ["does the social media policy cover office staff too",
                                      "does this policy apply to supply teachers as well",
                                      "are governors covered by the sm policy or only teachers"])
def test_whom_the_policy_applies_to_is_the_comply_clause_not_a_rule_naming_staff(engine, question):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.section == "1" and answer.verdict in ("yes", "info"), (answer.clause, answer.verdict)


def test_an_asker_saying_only_or_just_a_role_is_who_asks_not_what_about(engine):
    # "I'm only a volunteer": the role is the asker, so the question is about having to read the policy
    answer = engine.answer("im just a lunchtime supervisor, do i need to read the policy", today=BEFORE_RENEWAL)
    assert answer.section == "1" and answer.verdict in ("yes", "info"), (answer.clause, answer.verdict)
    assert engine.answer("does the policy apply to my own phone", today=BEFORE_RENEWAL).section == "1"


@pytest.mark.parametrize("question", ["can i answer work emails from my gmail",
                                      "should i put the school logo in my email signature",
                                      "is it ok for kids to bring sweets in for their birthday",
                                      "can parents bring in cupcakes for the class"])
def test_email_use_and_food_brought_in_are_not_the_policy(engine, question):
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert not answer.answered, answer.clause


def test_work_email_linked_to_social_media_is_still_the_rule(engine):
    assert engine.answer("can i link my facebook to my school email", today=BEFORE_RENEWAL).clause == "3-9"
    assert engine.answer("can a parent post pics of the cake sale on fb", today=BEFORE_RENEWAL).section == "5"


def test_a_post_about_a_playground_fight_is_the_incident_rule_not_a_disclosure(engine):
    # A fight is a behaviour incident (section 5 forbids parents discussing one online); a child hurt in
    # it, or a clip of it going round, is still a concern.
    answer = engine.answer("a parent keeps writing on the village facebook page about the fight after school",
                           today=BEFORE_RENEWAL)
    assert answer.section == "5" and not answer.report_suggested, (answer.clause, answer.report_suggested)
    for concern in ("a mum has shared a clip of two y5s fighting at the park",
                    "one of my y4s said his brother punched him in a fight last night and hes got a black eye",
                    "two boys in my class were fighting at lunch and one got hurt"):
        assert engine.answer(concern, today=BEFORE_RENEWAL).report_suggested, concern


def test_a_condition_then_a_wh_question_asks_for_a_fact(engine):
    answer = engine.answer("if a parent is annoyed with a teacher who should they talk to", today=BEFORE_RENEWAL)
    assert answer.section == "5" and answer.verdict == "info", (answer.clause, answer.verdict)


def test_a_pupil_who_adds_me_is_the_friend_request_rule(engine):
    assert engine.answer("a pupil adds me on insta, what do i do", today=BEFORE_RENEWAL).clause == "3-4"


def test_monitoring_words_keep_a_device_question_on_the_monitoring_rule(engine):
    assert engine.answer("can it check my search history on the school ipad", today=BEFORE_RENEWAL).section == "7"
    assert not engine.answer("who has the laptop charger", today=BEFORE_RENEWAL).answered


def test_ai_tools_are_a_neighbouring_topic_unless_posted(engine):
    refused = engine.answer("are we allowed to use copilot for letters home", today=BEFORE_RENEWAL)
    assert not refused.answered and refused.ask_instead == "the IT manager", refused.clause
    assert engine.answer("can i post an ai picture of my class on insta", today=BEFORE_RENEWAL).section == "3"


def test_managing_behaviour_is_not_managing_the_school_accounts(engine):
    for question in ("can i post on my insta that the school is useless at managing behaviour",
                     "can i tweet that our school is hopeless at managing staff"):
        answer = engine.answer(question, today=BEFORE_RENEWAL)
        assert answer.clause == "3-5" and answer.verdict == "no", (question, answer.clause, answer.verdict)
    assert engine.answer("whos managing the school fb these days", today=BEFORE_RENEWAL).clause == "2-3"


@pytest.mark.parametrize("question", ["can our governors post about school on linkedin",
                                      "could a supply teacher write about our school online"])
def test_staff_named_as_the_subject_ask_about_the_staff_rules(engine, question):
    # Governors and supply staff are bound by section 3; section 5's "be respectful towards staff" is
    # about parents talking about them.
    answer = engine.answer(question, today=BEFORE_RENEWAL)
    assert answer.section == "3", answer.clause


def test_a_pupil_following_a_teacher_is_the_staff_friend_request_rule(engine):
    # Section 4 says nothing about pupils following staff; section 3 forbids staff accepting it.
    answer = engine.answer("is it ok for a y6 to follow mr smith on insta", today=BEFORE_RENEWAL)
    assert answer.clause == "3-4" and answer.verdict == "no", (answer.clause, answer.verdict)
