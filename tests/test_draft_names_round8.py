"""Eighth round of the pre-check for names and personal details: a register first name in capitals,
a full name given in two places (the pupil's first name, the family's surname), an age said on the
birthday, a mark said of a named pupil in a post about a test, and a mascot that is not a pupil.
A made-up policy, register and drafts written for these tests."""
from __future__ import annotations

from datetime import date

import pytest

from knowledge.consent import ConsentRegister
from knowledge.draft_check import check_draft
from knowledge.policy import parse_policy

POLICY = parse_policy("""Willowbrook Primary Social Media Policy

1. Our accounts

The school's official accounts are:
- Facebook - @willowbrookprimary

The school will not post on Facebook:
- images of any pupil whose consent is not recorded on the Photo Permission Form
- a pupil's full name; a first name may be used only where the Photo Permission Form records consent to names
- personal information about any pupil or member of staff, including dates of birth, test and examination results, attendance and details of behaviour
- anything that identifies where a pupil is in real time, or the name of a pupil's club outside school; posts about trips and fixtures wait until the group has left the venue
- images of staff who have not agreed to them
- images of pupils in swimwear or getting changed
- anything that is not age appropriate for the pupils who follow our accounts
""")
REGISTER = ConsentRegister.from_rows([
    {"name": "Marnie Ashworth", "class": "Year 5", "consent": "yes", "date_signed": "2026-09-10", "scope": "photo;name"},
    {"name": "Tobias Fenwick", "class": "Year 6", "consent": "no", "date_signed": "2026-09-10", "scope": ""},
    {"name": "Elodie Bell", "class": "Year 3", "consent": "yes", "date_signed": "2026-09-10", "scope": "photo;name"},
])


def check(text: str, pictured=()):
    return check_draft(text, "facebook", REGISTER, pictured=pictured, policy=POLICY, today=date(2026, 12, 1),
                       meaning=False)


def rules_blocked(text: str, pictured=()) -> set[str]:
    return {f.rule for f in check(text, pictured).blocks}


def test_a_register_first_name_in_capitals_is_checked_against_the_register():
    assert "consent" in rules_blocked("Our spelling bee champion is... TOBIAS! What a speller 🐝")
    assert "consent" not in rules_blocked("Our spelling bee champion is... MARNIE! What a speller 🐝")


@pytest.mark.parametrize("text", [
    "Thank you to Mr and Mrs Ashworth for the new planters! Marnie says the tomatoes are hers 🍅",
    "Marnie has been busy planting. The Ashworths kindly gave us the seeds!",
    "Marnie's painting is on the wall, thanks to the Ashworth family for the frame.",
])
def test_a_first_name_with_the_register_surname_elsewhere_publishes_the_full_name(text):
    result = check(text)
    assert any(f.rule == "consent" and "Marnie Ashworth" in f.message for f in result.blocks)


def test_a_surname_that_is_an_ordinary_word_counts_only_as_a_family():
    assert "consent" not in rules_blocked("Elodie rang the Bell for the end of the race!")
    assert "consent" in rules_blocked("Elodie's grandad came in, thank you Mr Bell, for the bird boxes!")


def test_another_pupils_surname_is_not_a_full_name():
    assert "consent" not in rules_blocked("Marnie and her friends thanked Mr and Mrs Fenwick for the visit.")


@pytest.mark.parametrize("text", ["Happy birthday to Marnie in Year 5, who turns 10 today! 🎂",
                                  "🎂 Marnie is 10 tomorrow, so the class made her a card."])
def test_an_age_on_the_birthday_is_a_date_of_birth(text):
    assert "personal_details" in rules_blocked(text)


def test_a_birthday_without_an_age_and_an_age_without_a_birthday_pass():
    assert "personal_details" not in rules_blocked("Marnie is 10 and already reading chapter books!")
    assert "personal_details" not in rules_blocked("Our school is 50 today! Happy birthday, Willowbrook 🎂")


def test_a_mark_said_of_a_named_pupil_in_a_post_about_a_test_is_a_result():
    assert "personal_details" in rules_blocked("The Year 5 times-tables test is done! Marnie got 50/50, a record.")
    assert "personal_details" not in rules_blocked("Marnie helped us raise 100% of our target for the library!")


def test_a_mascot_named_like_a_person_is_not_a_pupil():
    assert "personal_details" not in rules_blocked(
        "With 97% attendance this week, Rosie Rabbit moves to Year 5's book corner. Every day counts!")


def test_any_verb_going_on_now_at_a_named_place_is_a_live_location():
    assert "location" in rules_blocked("Our Year 6 netballers are stretching on the courts at Ferncliffe Leisure "
                                       "Centre as we speak, first whistle 3:30!")
    assert "location" not in rules_blocked("Our Year 6 netballers played at Ferncliffe Leisure Centre last week "
                                           "and came second!")


def test_cheering_a_named_pupil_on_at_a_place_and_time_says_where_they_will_be():
    assert "location" in rules_blocked("Marnie is racing at Holm Lane Track on Saturday at 9am, go and cheer her on!")


def test_an_event_named_after_a_club_word_is_not_a_pupils_club():
    result = check("Marnie and the relay team brought home a medal from the County Primary Athletics Championships!")
    assert "location" not in {f.rule for f in result.findings}


@pytest.mark.parametrize("text", [
    "Here is Mr Okonkwo at sports day! He never lets us take his picture, so we got one while he wasn't looking 😂",
    "Our staff photo is here! Mrs Dunne asked not to be included, but we couldn't leave her out 😉",
])
def test_a_staff_member_who_declined_or_did_not_know_is_not_posted(text):
    assert "staff_images" in rules_blocked(text)


def test_a_staff_member_simply_absent_from_a_photo_passes():
    assert "staff_images" not in rules_blocked("Our staff photo is here! Mr Okonkwo was away on a course that day.")


def test_a_costume_change_in_the_photo_is_getting_changed():
    assert "undress" in rules_blocked("Year 4 cast backstage, mid quick-change before the second act!",
                                      pictured=["Marnie Ashworth"])


def test_a_headline_then_one_named_pupil_shares_that_pupils_record():
    assert "personal_details" in rules_blocked("Two whole years of perfect attendance! Marnie has not missed a "
                                               "morning since she joined us.")
    assert "personal_details" not in rules_blocked("Our attendance this week for the whole school: 97%! "
                                                   "Marnie read her poem in assembly.")


def test_the_one_pupil_responsible_is_singled_out_without_a_name():
    assert "personal_details" in rules_blocked("After the incident at lunch, the pupil responsible has been "
                                               "suspended for two days.")


def test_age_ratings_in_online_safety_advice_do_not_block():
    text = ("Online safety: lots of apps are rated 18+ or 16+. Check the age rating before you download, "
            "and switch on parental controls.")
    assert "age_appropriate" not in rules_blocked(text)
    assert "age_appropriate" in rules_blocked("Film club this Friday: an 18-rated thriller, bring popcorn! 🍿")


def test_a_strip_of_raffle_tickets_is_not_adult_content():
    assert "age_appropriate" not in rules_blocked("Summer fair raffle: tickets £1 each or £4 a strip!")


def test_a_register_first_name_inside_a_hashtag_is_checked():
    assert "consent" in rules_blocked("Spelling bee champion! 🐝 #GoTobias")


@pytest.mark.parametrize("text", ["Marnie celebrated her 10th birthday today with cakes for the class!",
                                  "Marnie turned 10 at the weekend, happy birthday from everyone!"])
def test_an_age_with_the_day_of_the_birthday_is_a_date_of_birth(text):
    assert "personal_details" in rules_blocked(text)


def test_a_staff_sign_off_sharing_the_pupils_surname_is_not_the_family():
    assert "consent" not in rules_blocked("Well done Marnie for a lovely assembly!\nMrs J Ashworth, Year 5 Teacher")


def test_not_missing_a_day_is_a_pupils_attendance_record():
    assert "personal_details" in rules_blocked("Well done Marnie, who hasn't missed a day since September!")
    assert "personal_details" not in rules_blocked("Marnie missed the bus but still made it to the concert!")


@pytest.mark.parametrize("text", ["Mr Okonkwo hates having his photo taken, so here's a sneaky one from the quiz!",
                                  "Mrs Dunne is camera-shy, but here she is at the staff party anyway 📸"])
def test_a_staff_members_dislike_of_photos_overridden_is_no_consent(text):
    assert "staff_images" in rules_blocked(text)


@pytest.mark.parametrize("text", ["Year 6 are starting their class novel, Voyage to the Amber Isles, today!",
                                  "Year 5 are learning about volcanoes in Science today!"])
def test_a_book_title_or_a_lesson_is_not_where_pupils_are(text):
    assert "location" not in rules_blocked(text)


def test_a_building_named_after_a_family_is_not_the_pupils_surname():
    assert "consent" not in rules_blocked("The Ashworth Library is now open! Marnie gave the first speech.")


@pytest.mark.parametrize("text", [
    "Hello from Saltwick Bay! Year 6 have spent the morning fossil hunting, more photos tonight 🌊",
    "Day three at Kielder: Year 6 have just finished at the Observatory and are off to the lake next!",
    "We're halfway through our river study trip at Ribble Bank, and the sun is out!",
    "Year 5 are currently on their trip to the Royal Armouries, back at school for 5pm.",
])
def test_a_trip_still_under_way_says_where_pupils_are(text):
    assert "location" in rules_blocked(text)


def test_a_trip_that_is_over_passes():
    assert "location" not in rules_blocked("Year 5 loved their trip to the Royal Armouries on Tuesday. More photos "
                                           "to come in the newsletter!")


@pytest.mark.parametrize("text", ["Test results are back! Marnie got a 9 in Science, our best this year.",
                                  "Well done Marnie, top of the class in the spelling test with 29 out of 30!"])
def test_a_grade_or_a_mark_out_of_said_of_a_named_pupil_is_a_result(text):
    assert "personal_details" in rules_blocked(text)


def test_being_one_of_a_few_picked_is_not_a_mark():
    assert "personal_details" not in rules_blocked("Marnie was one of 3 out of 30 pupils picked for the county choir!")


def test_a_named_pupil_competing_for_a_club_at_a_place_and_time_says_where_they_will_be():
    assert "location" in rules_blocked("Good luck to Marnie, who's running for Holm Valley AC at Beacon Park on "
                                       "Sunday at 10am!")


def test_praise_for_a_spell_without_something_is_a_behaviour_record():
    assert "personal_details" in rules_blocked("Marnie has managed a whole term without a detention slip!")
    assert "personal_details" not in rules_blocked("Year 5 went a whole week without plastic in their lunchboxes!")
