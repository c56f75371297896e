"""Every labelled draft set in tests/drafts/ is well formed against its own school's policy: the scores in
README's evidence section are only as good as the labels, and a label that quotes words the policy does
not hold, or a channel the school does not have, would score a draft against nothing."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from knowledge.draft_check import channels_of, load_policy

ROOT = Path(__file__).resolve().parent.parent
SETS = sorted((ROOT / "tests" / "drafts").glob("*.toml"))
POLICY_OF = {  # a set's file name starts with its school
    "calmore": ROOT / "policy" / "calmore-social-media-policy.txt",
    "oakfield": ROOT / "tests" / "schools" / "oakfield" / "policy.txt",
    "three_rivers": ROOT / "tests" / "schools" / "three-rivers" / "policy.txt",
}
FIELDS = {"id", "platform", "text", "pictured", "expect", "why"}


def _school(path: Path) -> str:
    return path.stem.rsplit("_", 1)[0]


def _flat(text: str) -> str:
    return " ".join(re.sub(r"[‘’]", "'", text).split()).lower()


def test_every_set_belongs_to_a_known_school():
    assert len(SETS) >= 9
    assert {_school(p) for p in SETS} <= set(POLICY_OF)


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_labels_quote_their_policy(path):
    drafts = tomllib.loads(path.read_text(encoding="utf-8"))["draft"]
    policy_file = POLICY_OF[_school(path)]
    policy_text = _flat(policy_file.read_text(encoding="utf-8"))
    channels = set(channels_of(load_policy(str(policy_file)))) | {"both", "all"}
    ids = [d["id"] for d in drafts]
    assert len(ids) == len(set(ids)), "draft ids repeat"
    breaking = sum(1 for d in drafts if d["expect"])
    assert 0 < breaking < len(drafts), "a set needs breaking and compliant drafts"
    for draft in drafts:
        assert FIELDS <= set(draft), (draft["id"], FIELDS - set(draft))
        assert draft["text"].strip() and isinstance(draft["pictured"], list), draft["id"]
        assert draft["platform"] in channels, (draft["id"], draft["platform"], sorted(channels))
        for excerpt in draft["expect"]:
            assert _flat(excerpt) in policy_text, (draft["id"], excerpt)


def test_each_set_is_scored_against_the_policy_its_header_names():
    from benchmarks.draft_sets import files_of

    for path in SETS:
        policy, consent = files_of(path.read_text(encoding="utf-8"), None, None)
        assert policy == POLICY_OF[_school(path)], path.name
        assert consent.is_file() and consent.suffix == ".csv", path.name
    chosen = files_of("# Scored against a.txt with b.csv.\n", ROOT / "p.txt", ROOT / "c.csv")
    assert chosen == (ROOT / "p.txt", ROOT / "c.csv")  # the caller's files win over the header's


def test_pooled_figures_carry_an_honest_interval():
    from benchmarks.draft_sets import wilson

    low, high = wilson(50, 56)  # 89 %: a set this size cannot tell 85 % from 95 %
    assert 0.77 < low < 0.80 and 0.94 < high < 0.96
    assert wilson(0, 10)[0] == 0.0 and 0.27 < wilson(0, 10)[1] < 0.29
    assert wilson(10, 10)[1] == 1.0 and wilson(0, 0) == (0.0, 1.0)
