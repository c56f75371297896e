"""The third round of the pre-check's general mechanisms, each found by tuning on two blind sets and
tested here on drafts written for these tests: dates and signatures that are not addresses, posts
that say they carry no image, costume characters, adults' year-group jobs, venues at kick-off and on
arrival, swimming and changing photos, details told by pronoun, candidates urged, copyright owners not
asked, staff filmed unaware, live on a channel, a pupil's own refusal, messages picked out by deed,
strike notices that blame, scoreline taunts, weapon emoji, and comments where the policy turns them off."""
from __future__ import annotations

from knowledge.draft_check import load_policy
from knowledge.draft_policy import draft_rules
from tests.draft_schools import blocked, calmore, three_rivers



# --- compliant drafts that looked like a rule ---------------------------------------------------------

def test_a_date_then_a_signature_is_not_an_address():
    notice = three_rivers("School closure – Thursday 6 May\nWe will be closed to pupils.\n\nThank you,\nKestrel Lane Office")
    assert not blocked(notice, "location")
    assert blocked(three_rivers("Well done Poppy, spotted outside 14 Kestrel Lane on Saturday! 📸"), "location")


def test_a_post_saying_it_shares_no_photos_carries_no_image():
    gala = three_rivers("Well done to our swimmers at the swimming gala! We don't share photos from poolside.")
    assert not blocked(gala, "undress")
    assert blocked(three_rivers("Photos from the swimming gala! 🏊"), "undress")


def test_a_costume_character_is_not_a_pupils_full_name():
    book_day = three_rivers("World Book Day! Kit came as Percy Jackson and Poppy as Hermione Granger.",
                            pictured=["Kit Moreno", "Poppy Lane"])
    assert not blocked(book_day, "consent")
    assert blocked(three_rivers("Well done to Percy Jackson in Year 4!"), "consent")


def test_an_adults_year_group_job_is_not_a_pupil_on_a_no_pupils_channel():
    teacher = three_rivers("From accountant to Year 5 teacher in 2 years: Mr Adams tells us why. We're hiring!",
                           "tiktok")
    assert not blocked(teacher, "channel_use")
    assert blocked(three_rivers("Our Year 5 class show you around. We're hiring!", "tiktok"), "channel_use")


# --- breaking drafts the second round missed ---------------------------------------------------------

def test_a_fixture_kick_off_with_a_venue_and_an_arrival_say_where_pupils_are():
    assert blocked(three_rivers("Our U13 girls kick off at 4pm at Riverside Playing Fields. Cheer them on!"), "location")
    assert blocked(three_rivers("Photos from the Year 6 residential at Kingswood Centre! We've arrived safely."),
                   "location")
    assert not blocked(three_rivers("Our U13 girls won 3-1 at Riverside Playing Fields last night!"), "location")


def test_swimming_and_mid_change_photos_block():
    assert blocked(three_rivers("Gala day! Kit ready for the 25m race #Swimming", pictured=["Kit Moreno"]), "undress")
    assert blocked(three_rivers("Caught our Year 3s mid-change before PE!", pictured=["Kit Moreno"]), "undress")


def test_a_detail_told_by_pronoun_after_the_name_is_about_that_pupil():
    result = three_rivers("Welcome back Kit! After last week's suspension he's had a brilliant first day back.")
    assert blocked(result, "personal_details")
    assert not blocked(three_rivers("Welcome back Kit! He's had a brilliant first day back."), "personal_details")


def test_urging_support_for_a_candidate_blocks():
    result = three_rivers("Cllr Jane Forbes is standing for re-election on 7 May - please give her your support!")
    assert blocked(result, "political")


def test_material_whose_owner_was_not_asked_or_a_full_commercial_track_blocks():
    assert blocked(three_rivers("Here's the photo from the Gazette website (we didn't have time to ask them)!"),
                   "copyright")
    assert blocked(three_rivers("Our leavers' dance to the full official track of a chart hit!"), "copyright")


def test_staff_named_in_the_text_and_filmed_unaware_block():
    result = three_rivers("Mr Gill had no idea we were filming his dance moves! Apply now!", "tiktok")
    assert blocked(result, "staff_images")
    assert not blocked(three_rivers("Mr Gill didn't know the answer to the quiz!"), "staff_images")


def test_live_on_one_of_the_schools_own_channels_is_a_live_stream():
    assert blocked(three_rivers("Join Year 10 Chemistry LIVE on Instagram this Wednesday at 11am!", "instagram"),
                   "live_stream")


def test_a_pupils_own_refusal_stands_whatever_a_parent_says():
    result = three_rivers("Kit told us he'd rather not be in photos, but his mum said it was fine, so here he is!",
                          "instagram", pictured=["Kit Moreno"])
    assert blocked(result, "consent")


def test_a_pupil_heard_on_a_no_pupils_channel_and_a_brand_nudge_block():
    voice = three_rivers("Come and teach with us! Voiceover by one of our Year 7s. Apply now!", "tiktok")
    assert blocked(voice, "channel_use")
    assert blocked(three_rivers("Fab new bottles from @HydroKidzUK - grab yours on their website!"), "business_advert")


def test_one_person_picked_out_after_an_emoji_by_what_they_did_or_by_title():
    assert blocked(calmore("📚 Mrs Harrington — your daughter's folder is at the office!"), "message_to_person")
    assert blocked(calmore("Whoever parked the silver car across the gate, please move it now."), "message_to_person")
    assert blocked(calmore("To the Year 6 pupil who left a kind note on my desk: thank you!"), "message_to_person")
    assert not blocked(calmore("To the Year 6 pupils who sang at assembly: thank you!"), "message_to_person")


def test_a_strike_notice_that_blames_a_government_is_political_and_a_plain_one_is_not():
    assert blocked(calmore("School is closed on Thursday due to strike action. We fully support our teachers standing "
                           "up to a government that has failed education."), "political")
    assert calmore("School is closed to pupils on Thursday due to strike action. Sorry for the disruption.").ok


def test_a_taunt_at_the_other_side_of_a_scoreline_or_a_colleague_blocks():
    assert blocked(calmore("Calmore 14 – Testwood 2 😂 Maybe they'll have learnt to catch by next season!"),
                   "harmful_language")
    assert calmore("Calmore 14 – Testwood 12. Well played both teams, a great game!").ok
    assert blocked(calmore("Mr Dawes has FINALLY learnt to use the photocopier after 12 years 😂"), "harmful_language")


def test_a_weapon_emoji_is_not_for_a_primary_audience():
    assert blocked(calmore("Week 6 of the summer holidays and counting the minutes 😩🔫"), "age_appropriate")


def test_mockery_cites_the_staff_opinion_rule_where_no_harmful_content_rule_exists():
    result = three_rivers("🙄 To the parents who apparently think 8:50 means 9:10. It's really not that complicated.")
    assert blocked(result, "harmful_language").citation == blocked(
        three_rivers("In my opinion homework is a waste of time."), "staff_opinion").citation


def test_answering_the_parent_who_sent_an_email_is_a_complaint_reply():
    result = three_rivers("Could the parent who sent the very long email about the trip please call the office?")
    assert blocked(result, "complaints")


def test_inviting_comments_where_the_policy_turns_them_off_blocks_citing_that_rule():
    assert draft_rules(load_policy()).comments_off  # read from the policy's own moderation paragraph
    result = calmore("Our tortoise needs a name! Drop your suggestions in the comments below!")
    assert "comments cannot be posted" in blocked(result, "channel_use").message
    assert calmore("Our tortoise needs a name! Send your suggestions to the school office.").ok
