"""The eighth round's second wave of the pre-check for people, privacy and images: a pictured pupil on the
register is a pupil whatever staff word shares the sentence, a pupil's own house beside a street, an activity
still to come at a named place, a relative's loss, a staff member's operation, a refusal to be photographed
that was overridden, a copy taken from another's site or disc, and pupils asked to follow a staff member's own
account where only the staff conduct list forbids follow requests with pupils.
A made-up policy, register and drafts written for these tests."""
from __future__ import annotations

from datetime import date

import pytest

from knowledge.consent import ConsentRegister
from knowledge.draft_check import check_draft
from knowledge.draft_policy import draft_rules
from knowledge.policy import parse_policy

POLICY = parse_policy("""Hazelmere Primary Social Media Policy

1. Our accounts

The school's official accounts are:
- Facebook - @hazelmereprimary

The school will not post on Facebook:
- a pupil's full name. A first name may be used, but never alongside an image of that pupil unless the Photo Permission Form allows both
- images of any pupil whose consent is not recorded on the Photo Permission Form
- anything that could identify where a child lives or where a child will be at a particular time outside school
- personal information about any pupil or member of staff, including health and family circumstances
- images of staff who have not agreed to them
- any material for which the school does not hold the copyright

2. Staff conduct

Staff must not:
- accept or send friend, follow or connection requests to or from pupils
- share confidential information about the school
""")
REGISTER = ConsentRegister.from_rows([
    {"name": "Wilfred Ashdown", "class": "Year 4", "consent": "yes", "date_signed": "2026-09-10", "scope": "photo"},
    {"name": "Imogen Tate", "class": "Year 5", "consent": "yes", "date_signed": "2026-09-10", "scope": "photo;name"},
])


def check(text: str, pictured=()):
    return check_draft(text, "facebook", REGISTER, pictured=pictured, policy=POLICY, today=date(2026, 12, 1),
                       meaning=False)


def rules_blocked(text: str, pictured=()) -> set[str]:
    return {f.rule for f in check(text, pictured).blocks}


def test_a_pictured_register_pupil_stays_a_pupil_beside_a_staff_word():
    # "head" here is a robot's, not a head teacher: the register says who Wilfred is.
    text = "Wilfred built a robot with a flashing head! Brilliant work Wilfred."
    assert "consent" in rules_blocked(text, pictured=["Wilfred Ashdown"])
    assert "consent" not in rules_blocked("Imogen built a robot with a flashing head!", pictured=["Imogen Tate"])


def test_a_pupils_own_house_beside_a_street_says_where_they_live():
    assert "location" in rules_blocked("The carol singers stopped at Imogen's house on Larchfield Close for cocoa.")
    assert "location" not in rules_blocked("The carol singers visited the care home on Larchfield Close for cocoa.")


def test_an_activity_still_to_come_at_a_named_place_and_time():
    text = "Imogen will be playing the cello at Riverside Concert Hall on Sunday from 3pm. Break a leg!"
    assert "location" in rules_blocked(text)
    assert "location" not in rules_blocked("Imogen played the cello beautifully in assembly. Bravo!")


@pytest.mark.parametrize("text", [
    "Sending love to Imogen and her family after the loss of her much-loved uncle.",
    "We are thinking of Imogen following the sudden loss of her nan.",
])
def test_a_relatives_loss_is_a_family_circumstance(text):
    assert "personal_details" in rules_blocked(text)


def test_a_staff_members_operation_and_recovery_is_health():
    assert "personal_details" in rules_blocked("Get well soon Mrs Pennant! Her hip replacement went well.")
    assert "personal_details" not in rules_blocked("Mrs Pennant led a wonderful harvest assembly today.")


def test_a_refusal_to_be_photographed_then_overridden():
    text = "📸 Staff panto rehearsal! Mr Orme said he didn't want to be in it but there he is at the front."
    assert "staff_images" in rules_blocked(text)
    kept_out = "📸 Staff panto rehearsal! Mr Orme didn't want to be in it, so he took it instead."
    assert "staff_images" not in rules_blocked(kept_out)


@pytest.mark.parametrize("text", [
    "Look, the Valley Echo covered our fun run! Photo taken from their website.",
    "Our sports day video, with the complete soundtrack of a blockbuster musical.",
    "Our dance video uses a chart song we ripped off a streaming site.",
])
def test_material_taken_from_someone_else(text):
    assert "copyright" in rules_blocked(text)


def test_the_staff_conduct_rule_on_follow_requests_is_read_from_the_policy():
    clause = draft_rules(POLICY).pupil_requests
    assert clause is not None and "connection requests" in clause.text


def test_pupils_asked_to_follow_a_staff_members_own_account():
    # The will-not list has no personal-account rule: the block cites the staff conduct rule instead.
    text = "Year 3s love Mr Orme's magic tricks! Follow his personal Instagram @orme_magic for more."
    wanted = draft_rules(POLICY).pupil_requests.id
    assert any(f.rule == "personal_account" and f.clause == wanted for f in check(text).blocks)
    assert not check("Mr Orme's magic show raised £120 for the library. Thank you Mr Orme!").blocks
