"""The blind question sets stay blind and well formed (tests/blind/README.md)."""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from answer_quality import rules_of_excerpt  # noqa: E402

from knowledge.lexicon import normalise  # noqa: E402
from knowledge.policy import Policy  # noqa: E402

SETS = sorted((ROOT / "tests" / "blind").glob("*.toml"))
LEXICONS = [ROOT / "policy" / "lexicon.toml", ROOT / "knowledge" / "answering" / "generic_lexicon.toml",
            ROOT / "knowledge" / "answering" / "concerns.toml", ROOT / "knowledge" / "answering" / "neighbours.toml",
            ROOT / "knowledge" / "answering" / "scope.toml"]
EXAMPLES = ROOT / "policy" / "examples.toml"
PHRASE_WORDS = 4
EXAMPLE_RATIO = 90


def load(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return []


def lexicon_phrases() -> set[str]:
    phrases = set()
    for path in LEXICONS:
        for text in _strings(load(path)):
            if text.startswith("re:"):
                continue
            plain = normalise(re.sub(r"[*{}()|!.]", " ", text))
            if len(plain.split()) >= PHRASE_WORDS:
                phrases.add(plain)
    return phrases


def example_phrasings() -> list[str]:
    return [normalise(text) for text in _strings(load(EXAMPLES).get("clauses", {}))]


# Validation sets are checked by their aggregate figures only: like blind sets, nothing may be copied from them.
UNREAD = [p.name for p in SETS if load(p)["status"] in ("blind", "validation")]


@pytest.fixture(scope="module", params=[p.name for p in SETS])
def question_set(request) -> dict:
    return load(ROOT / "tests" / "blind" / request.param)


@pytest.fixture(scope="module", params=UNREAD)
def blind_set(request) -> dict:
    return load(ROOT / "tests" / "blind" / request.param)


def test_there_are_blind_sets_for_three_policies():
    policies = {load(path)["policy"] for path in SETS if load(path)["status"] == "blind"}
    assert len(policies) >= 3


def test_labels_are_well_formed(question_set):
    assert question_set["status"] in ("blind", "validation", "tuned")
    policy = Policy.load(ROOT / question_set["policy"])
    for item in question_set["questions"]:
        assert item["q"].strip()
        sections = [s for s in item["s"].split("|") if s]
        for section in sections:
            assert section == "oos" or section in policy.sections, (item["q"], section)
        for excerpt in item.get("rule", []):
            assert rules_of_excerpt(policy, excerpt), (item["q"], excerpt)
        for verdict in [v for v in item.get("v", "").split("|") if v]:
            assert verdict in ("yes", "no", "depends", "info"), item["q"]


def test_no_lexicon_phrase_reached_a_blind_set(blind_set):
    phrases = lexicon_phrases() - set(blind_set.get("shared_when_written", []))
    found = [(phrase, item["q"]) for item in blind_set["questions"]
             for phrase in phrases if re.search(rf"\b{re.escape(phrase)}\b", normalise(item["q"]))]
    assert not found, found


def test_no_example_phrasing_is_close_to_a_blind_question(blind_set):
    examples = set(example_phrasings()) - set(blind_set.get("shared_examples_when_written", []))
    close = [(example, item["q"]) for item in blind_set["questions"] for example in examples
             if fuzz.ratio(example, normalise(item["q"])) > EXAMPLE_RATIO]
    assert not close, close


def test_the_separation_check_catches_a_copied_phrase():
    phrase = sorted(lexicon_phrases())[0]
    assert re.search(rf"\b{re.escape(phrase)}\b", normalise(f"so {phrase} ok?"))
