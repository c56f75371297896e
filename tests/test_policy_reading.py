"""Stage 1, reading any school's policy: numbered paragraphs, list items, named headings."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.policy import Policy
from knowledge.policy_layout import normalise_source

SCHOOLS = Path(__file__).resolve().parent / "schools"
POLICIES = {
    "calmore": Path(__file__).resolve().parent.parent / "policy" / "calmore-social-media-policy.txt",
    "oakfield": SCHOOLS / "oakfield" / "policy.txt",
    "three-rivers": SCHOOLS / "three-rivers" / "policy.txt",
}


@pytest.fixture(scope="module", params=sorted(POLICIES))
def policy(request) -> Policy:
    return Policy.load(POLICIES[request.param])


def test_every_quote_is_verbatim(policy):
    source = " ".join(normalise_source(policy.source).split())
    for clause in policy.clauses:
        assert " ".join(clause.text.split()) in source, clause.id


def test_ids_are_unique_and_rules_name_a_section(policy):
    ids = [c.id for c in policy.clauses]
    assert len(ids) == len(set(ids))
    for clause in policy.clauses:
        assert clause.rule.split("-")[0] == clause.section.split(".")[0] or clause.rule.startswith(clause.section)
        assert re.fullmatch(r"[0-9A-Z]+(\.\d+)*-\d+(\.\d+)?", clause.id), clause.id


def test_a_numbered_paragraph_is_its_own_rule():
    oakfield = Policy.load(POLICIES["oakfield"])
    paragraph = oakfield.clause("6-3")
    assert paragraph.numbered and paragraph.section == "6"
    assert paragraph.text.startswith("Staff must not accept friend requests from parents")
    assert paragraph.modality == "must_not"


def test_list_items_under_a_numbered_paragraph_belong_to_it():
    trust = Policy.load(POLICIES["three-rivers"])
    items = [c for c in trust.clauses if c.rule == "5-6"]
    assert len(items) == 8
    assert {c.id for c in items} == {f"5-6.{n}" for n in range(1, 9)}
    assert all(c.modality == "must_not" and c.lead_in == "Staff must not:" for c in items)
    assert trust.clause("5-6") is items[0]  # a rule id finds its first part


def test_named_headings_and_appendices():
    trust = Policy.load(POLICIES["three-rivers"])
    assert trust.sections["4"].heading == "Official social media accounts"
    assert trust.sections["A"].heading == "Related policies"
    assert "1.0" not in trust.sections  # the version table in the header is not a section


def test_calmore_keeps_its_bullet_numbering():
    calmore = Policy.load(POLICIES["calmore"])
    assert list(calmore.sections) == ["1", "1.1", "2", "2.1", "2.2", "2.3", "2.4", "3", "4", "5", "6", "7", "8"]
    assert calmore.clause("3-4").text.startswith("Accept 'friend requests'")
    assert not any(c.numbered for c in calmore.clauses)


def test_a_lead_in_ending_in_a_colon_is_not_a_heading():
    policy = Policy.load(POLICIES["oakfield"])
    assert "5.6" not in policy.sections and "1.3" not in policy.sections
