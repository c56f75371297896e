"""The eighth round of the pre-check on tone, messages and personal accounts: an eye-roll or a smirk aimed
at people, a few thanked with their number stressed against the rest, an opponent named after a match
verb, schools left unnamed "down the road", boys and girls set against each other, a couple or a family
spoken to at the start, and a person to be found on a social platform. A made-up policy and drafts
written for these tests."""
from __future__ import annotations

from datetime import date

from knowledge.draft_check import check_draft
from knowledge.policy import parse_policy

POLICY = parse_policy("""Larchfield Primary School Social Media Policy

1. Our accounts

The school's official accounts are:
- Facebook - @larchfieldprimary

The school will not post on Facebook:
- Harmful, abusive or mocking comments
- Messages to specific people
- Links to staff members' personal accounts
""")


def check(text: str):
    return check_draft(text, "facebook", policy=POLICY, today=date(2026, 12, 1), meaning=False)


def kinds(text: str) -> set[str]:
    return {f.rule for f in check(text).blocks}


# --- tone ---------------------------------------------------------------------------------------------

def test_an_eye_roll_at_the_reader_blocks():
    assert "harmful_language" in kinds("Reading books go home on Mondays, as the newsletter has said since September. 🙄 "
                                       "Do keep an eye on your child's book bag.")


def test_a_smirk_at_a_named_school_blocks():
    assert "harmful_language" in kinds("Final whistle: Larchfield 4–1 Brookvale. Chin up Brookvale, the season is long 😏")


def test_an_eye_roll_at_the_weather_with_nobody_to_aim_it_at_does_not_block():
    result = check("Sports day moves to Thursday because of the rain forecast 🙄 Same times, same field.")
    assert result.ok, result.summary()


def test_a_few_counted_against_everyone_else_blocks():
    text = ("Well done to the families who returned their trip forms on time. All four of you! "
            "Everyone else: the deadline was yesterday.")
    assert "harmful_language" in kinds(text)


def test_thanks_to_helpers_then_a_plain_note_to_everyone_passes():
    result = check("Thank you to the parents who ran the book stall on Friday. Everyone else is welcome next time!")
    assert result.ok, result.summary()


def test_a_group_who_with_a_contraction_still_counts():
    text = ("To the few parents who've asked why PE kit matters: it keeps children safe. "
            "Perhaps try reading the kit list with your child 😉")
    assert "harmful_language" in kinds(text)


def test_a_taunt_at_the_side_named_after_beat():
    assert "harmful_language" in kinds("Our under-11s beat Westerby 9–0 today! Maybe next season they'll find the goal 😂")


def test_a_respectful_report_naming_the_side_beaten_passes():
    result = check("Our under-11s beat Westerby 3–2 today in a great game. Thank you to Westerby for hosting us!")
    assert result.ok, result.summary()


def test_unnamed_schools_down_the_road_with_a_dig_block():
    text = "Our phonics scores are up again. Unlike some schools round the corner, we don't need excuses. 😇"
    assert "harmful_language" in kinds(text)


def test_boys_shown_up_by_girls_blocks():
    text = "The Year 4 boys found the recorder concert hard work. Lucky the girls were there to show them how it's done!"
    assert "harmful_language" in kinds(text)


def test_boys_and_girls_each_praised_passes():
    result = check("Both our boys' and girls' netball squads reached the county final. Good luck to everyone on Saturday!")
    assert result.ok, result.summary()


# --- messages to one person ------------------------------------------------------------------------------

def test_a_couple_spoken_to_at_the_start_blocks():
    text = "Mr and Mrs Okafor, Tayo forgot his violin again! It is waiting for him at the office."
    assert "message_to_person" in kinds(text)


def test_a_family_spoken_to_at_the_start_blocks():
    assert "message_to_person" in kinds("The Hendry family: we have found the blue scooter by the gate.")


def test_a_titled_person_introduced_in_apposition_passes():
    result = check("Mrs Pollard, our new office manager, starts on Monday. She will be at the gate each morning.")
    assert result.ok, result.summary()


# --- personal accounts ---------------------------------------------------------------------------------

def test_a_member_of_staff_to_be_added_on_a_platform_blocks():
    text = "Choir parents: for rehearsal changes, add Miss Rowe on Instagram and she will send you the details."
    assert "personal_account" in kinds(text)


def test_a_staff_members_own_platform_by_name_blocks():
    assert "personal_account" in kinds("More photos of the trip are on Mr Baines's Facebook tonight.")


def test_the_school_to_be_followed_on_a_platform_passes():
    result = check("Follow Larchfield Primary on Facebook for snow-day news.")
    assert result.ok, result.summary()


def test_guidance_that_staff_cannot_be_added_passes():
    result = check("A reminder that families should not add Mr Baines on Facebook: please message the school page instead.")
    assert not any(f.rule == "personal_account" for f in result.blocks), result.summary()


def test_a_post_opening_to_a_named_child_blocks():
    assert "message_to_person" in kinds("To Maisie: your reading folder is safe in the office.")


def test_to_as_the_start_of_a_purpose_or_a_class_passes():
    for text in ("To mark Anti-Bullying Week, every class wore odd socks.", "To Year 2: a brilliant assembly today!"):
        result = check(text)
        assert result.ok, result.summary()


def test_a_writer_asking_to_be_found_on_a_platform_blocks():
    assert "personal_account" in kinds("More from our trip tonight: find me on TikTok!")


def test_the_school_asking_to_be_followed_passes():
    result = check("Follow us on Facebook for the snow-day news.")
    assert result.ok, result.summary()
