"""Calmore's own example phrasings (policy/examples.toml) stay apart from the tuned question sets.

Earlier rounds copied or near-copied test questions into the school's files, so a set's score
partly measured its own sentences. The tuned sets (tests/questions*.toml) can no longer be blind,
but nothing new may be copied from them: an example phrasing within a fuzzy ratio of 90 of any of
their questions fails here. (tests/test_blind_sets.py guards the blind sets the same way.)
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from rapidfuzz import fuzz

from knowledge.lexicon import normalise

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "policy" / "examples.toml"
TUNED_SETS = sorted((ROOT / "tests").glob("questions*.toml"))
RATIO = 90  # the same line as the blind-set check: above it, a phrasing is the question reworded


def load(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def example_phrasings() -> list[tuple[str, str]]:
    return [(clause, text) for clause, texts in load(EXAMPLES)["clauses"].items() for text in texts]


def tuned_questions() -> list[tuple[str, str]]:
    return [(path.name, item["q"]) for path in TUNED_SETS for item in load(path)["questions"]]


def close_pairs(examples: list[tuple[str, str]], questions: list[tuple[str, str]]) -> list[tuple]:
    normalised = [(name, question, normalise(question)) for name, question in questions]
    return [(clause, example, name, question, round(fuzz.ratio(plain, other)))
            for clause, example in examples
            for plain in [normalise(example)]
            for name, question, other in normalised
            if fuzz.ratio(plain, other) > RATIO]


def test_the_tuned_sets_are_there_to_compare_against():
    assert len(TUNED_SETS) >= 10
    assert len(tuned_questions()) > 500


def test_no_example_phrasing_is_a_tuned_question_reworded():
    close = close_pairs(example_phrasings(), tuned_questions())
    assert not close, "example phrasings too close to test questions:\n" + "\n".join(map(str, close))


def test_the_check_catches_a_copied_question_with_its_punctuation_changed():
    name, question = tuned_questions()[0]
    copied = [("1-1", question.upper().rstrip("?!. ") + "??")]
    assert close_pairs(copied, [(name, question)])
