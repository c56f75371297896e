"""The seventh round of the pre-check: a staff must-not list for every use of social media supplies the
opinion and complaint rules a school's will-not-post list leaves out; an investigation counts as a
disciplinary matter only as a process; two weak sneer cues block without a named target. A made-up
policy and drafts written for these tests."""
from __future__ import annotations

from datetime import date

from knowledge.draft_check import check_draft
from knowledge.draft_policy import draft_rules
from knowledge.policy import parse_policy

POLICY = parse_policy("""Hillcrest Infant School Social Media Policy

1. Staff

When using social media, staff must not:
- Grumble or complain about the school, its pupils or their families
- Give personal views that readers could take to be the school's
- Post pictures of pupils from their own phones

2. Our accounts

The school's official accounts are:
- Facebook - @hillcrestinfants

The school will not post on Facebook:
- Photos of pupils without consent
- Anything that promotes a business
""")


def check(text: str):
    return check_draft(text, "facebook", policy=POLICY, today=date(2026, 12, 1), meaning=False)


def test_the_staff_list_supplies_opinion_and_complaint_rules_the_will_not_list_lacks():
    kinds = draft_rules(POLICY).rules["facebook"]
    assert [c.text for c in kinds["complaints"]] == ["Grumble or complain about the school, its pupils or their families"]
    assert [c.text for c in kinds["staff_opinion"]] == ["Give personal views that readers could take to be the school's"]


def test_a_staff_opinion_blocks_citing_the_staff_list():
    result = check("Speaking personally, I feel the new reading scheme is a backward step for every child.")
    [finding] = result.blocks
    assert finding.rule == "staff_opinion" and "personal views" in finding.message


def test_a_disciplinary_process_blocks_as_a_complaint_matter():
    result = check("Mrs Byrne is away from Robins class pending the outcome of an investigation by the governors.")
    assert any(f.rule == "complaints" for f in result.blocks), result.summary()


def test_a_class_investigation_is_school_work_not_a_disciplinary_matter():
    result = check("Robins class ran a brilliant investigation at the science fair: do heavier cars roll further?")
    assert result.ok, result.summary()


def test_a_list_only_for_staffs_own_accounts_supplies_no_rule():
    policy = parse_policy("""Elm Primary Social Media Policy

1. Personal use

On their personal accounts, staff must not:
- Complain about the school

2. Our accounts

The school's official accounts are:
- Facebook - @elmprimary

The school will not post on Facebook:
- Photos of pupils without consent
""")
    assert "complaints" not in draft_rules(policy).rules.get("facebook", {})


def test_every_rule_for_the_posts_reaches_the_meaning_check_even_of_no_kind():
    policy = parse_policy("""Ash Grove Academy Social Media Policy

1. Staff

When using social media, staff must not:
- Share quiz answers before the pupils have sat the quiz
- Message pupils from their personal accounts

2. Our accounts

The school's official accounts are:
- Instagram - @ashgroveacademy

The school will not post on Instagram:
- Pictures of the staff car park

3. Weather

Snow closures will not be posted on the official accounts before 6am.
""")
    reads = [c.text for c in draft_rules(policy).will_not["instagram"]]
    assert "Pictures of the staff car park" in reads  # a list item of no kind the checker knows
    assert "Snow closures will not be posted on the official accounts before 6am." in reads
    assert "Share quiz answers before the pupils have sat the quiz" in reads
    assert not any("personal accounts" in text for text in reads)  # about staff's own accounts
