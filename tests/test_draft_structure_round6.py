"""The sixth round of the pre-check: mechanisms that read how a draft is built rather than more cue
words. Who a sentence speaks to (a titled parent addressed, a member of staff's retirement), whether a
name is a pupil's by its own clause, whether a business is the post's subject or only the way to pay,
a few held up against the rest, a team taunted after a result, votes and backing at election time, a
protest called, a film's certificate against the pupils' ages, and personal details found through a
group's status, an age with a day, a staff rule that covers every use of social media. Drafts written
for these tests."""
from __future__ import annotations

import pytest

from knowledge.draft_check import load_policy
from knowledge.draft_policy import draft_rules
from tests.draft_schools import blocked, calmore, oakfield, three_rivers


# --- who a sentence speaks to ---------------------------------------------------------------------------

def test_a_titled_parent_addressed_with_their_class_in_brackets_is_a_message_to_one_person():
    result = calmore("⚠️ Mr Okafor (Willow class) – your daughter's glasses are at the office, please collect them.")
    assert blocked(result, "message_to_person")


@pytest.mark.parametrize("draft", [
    "Happy retirement, Mrs Alder! Twenty-six years of Year 3 maths and the best nature table in the county.",
    "Good luck, Mr Pike, in your new headship — thank you for everything you gave this school.",
])
def test_a_staff_retirement_or_farewell_said_by_title_is_school_news(draft):
    assert calmore(draft).ok, calmore(draft).summary()


def test_a_birthday_to_a_named_person_is_still_a_personal_message():
    assert blocked(calmore("Happy birthday Maureen, our wonderful crossing patrol! 🎂"), "message_to_person")


# --- names ---------------------------------------------------------------------------------------------

def test_a_famous_name_late_in_a_sentence_that_praises_pupils_is_not_a_pupil():
    text = ("Our bake-off winners Poppy and Kit made a chocolate castle so tall it needed scaffolding 🏰 "
            "Mary Berry would approve! #BakeOff")
    result = three_rivers(text, platform="instagram", pictured=["Poppy Lane", "Kit Moreno"])
    assert not blocked(result, "consent"), result.summary()


def test_a_full_name_right_beside_pupil_words_still_blocks():
    assert blocked(calmore("Well done to Jacob Whitfield in Year 6 for his science prize!"), "consent")


# --- adverts: subject or aside -------------------------------------------------------------------------

def test_a_payment_service_named_as_the_way_to_book_is_not_the_business_advertised():
    text = "Summer clubs are now open: cricket, drama and chess. Book through SchoolMoney; places are limited."
    assert not blocked(calmore(text), "business_advert")


def test_a_firm_as_subject_offering_families_a_priced_extra_is_an_advert():
    text = ("Sports day medals have arrived! Harbour Print Works are also offering families framed team prints "
            "for £18 each – order on their website.")
    assert blocked(three_rivers(text), "business_advert")


def test_a_handle_beside_a_product_the_children_loved_endorses_it():
    text = "Thank you @ZestyPopsUK for the ice lollies at sports day – the children loved the mango ones!"
    assert blocked(oakfield(text), "business_advert")


# --- tone ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("draft", [
    "A big thank you to the TWO families who returned their reading records. Everyone else: they go in the blue bag.",
    "Well done to the 6 parents (out of 180!) who came to the e-safety talk. As for the rest of you, the slides are online.",
])
def test_a_few_held_up_against_the_rest_who_are_then_addressed_shames_them(draft):
    assert blocked(oakfield(draft), "harmful_language"), draft


def test_thanking_many_helpers_then_greeting_everyone_else_is_kind():
    text = "Thank you to the 25 parents who helped at the summer fair! Everyone else, see you at the next one."
    assert oakfield(text).ok


def test_a_team_taunted_after_a_result_is_another_school_mocked():
    text = "⚽ 5–1! Hollybank might want to practise their defending before the next round 😂"
    assert blocked(three_rivers(text), "harmful_language")


def test_two_weak_sneer_cues_block_even_with_nobody_named():
    # Round 7 dropped round 6's exemption for a laugh with no one named to aim it at: the exemption cost a
    # breaking draft on a validation set and spared none on the tuning sets. The price: a joyful "again! 😂"
    # now blocks too, and the writer is asked to say it plainly.
    text = "Another Monday, and yet again the reading folders have mysteriously vanished 😂 Honestly."
    assert blocked(calmore(text), "harmful_language")


def test_a_laugh_and_again_at_another_school_still_blocks():
    text = "Top of the spelling league once more, and St Aidan's are last again 😂"
    assert blocked(calmore(text), "harmful_language")


# --- politics ---------------------------------------------------------------------------------------------

def test_a_vote_asked_for_a_name_on_polling_day_is_campaigning():
    text = "🗳️ Polls open at 7am on Thursday – please vote Forward for safer streets for our children!"
    assert blocked(calmore(text), "political")


def test_a_vote_for_a_pupil_or_a_class_entry_is_school_life():
    assert calmore("Class ballot this week: vote Maple Class or Birch Class for the best scarecrow!").ok
    assert calmore("School council candidates have given their speeches – vote Amira or Leo at the ballot box tomorrow!").ok


def test_backing_a_councillor_at_election_time_is_political():
    text = ("School is closed on Thursday as we are a polling station. Cllr Brennan has always championed "
            "our school and deserves your vote.")
    assert blocked(oakfield(text, platform="website"), "political")


def test_a_councillor_visiting_a_class_is_news():
    assert oakfield("Cllr Brennan visited Year 5 today to answer their questions about how the council works.").ok


def test_calling_staff_to_a_rally_is_taking_part_in_a_campaign():
    text = "Our staff stand with the teachers' union in its pay campaign. Come to Saturday's rally at the town hall ✊"
    assert blocked(three_rivers(text, platform="linkedin"), "political")


def test_a_government_sentence_followed_by_anger_blames_it():
    text = "The government has cut our budget for the third year. Our pupils deserve better. 😡"
    assert blocked(calmore(text), "political")


def test_a_factual_closure_for_strike_action_stays_fine():
    text = "The school will be closed on Wednesday because of national strike action. Packed lunches return Thursday."
    assert calmore(text).ok


# --- age -------------------------------------------------------------------------------------------------

def test_a_film_rated_above_the_pupils_ages_is_not_age_appropriate():
    assert blocked(calmore("Year 5 film club this Friday: we're watching Night Terror (15)! Popcorn provided."),
                   "age_appropriate")


def test_a_family_film_with_a_low_certificate_is_fine():
    assert calmore("Year 5 film club this Friday: we're watching The Snow Fox (PG)! Popcorn provided.").ok


# --- personal details ---------------------------------------------------------------------------------------

def test_a_staff_rule_for_any_use_of_social_media_supplies_a_personal_details_rule():
    rules = draft_rules(load_policy())
    assert rules.clause_for("facebook", "personal_details") is not None


def test_a_colleagues_illness_is_personal_information():
    text = "Please send your best wishes to Mr Haddad, who is in hospital after surgery on his knee. 💐"
    assert blocked(calmore(text), "personal_details")


def test_a_charity_with_an_illness_in_its_name_is_not_anyones_condition():
    text = "Mrs Rowe ran the Bristol half marathon for the British Heart Foundation and raised £900!"
    assert not blocked(calmore(text), "personal_details")


def test_a_music_exam_passed_is_an_achievement_where_the_rule_does_not_name_results():
    assert not blocked(calmore("Kit Moreno (Year 4) passed her Grade 1 flute exam with merit! 🎶"), "personal_details")


def test_a_groups_status_then_a_named_pupil_says_the_child_has_it():
    text = "This week we celebrated the pupils who are young carers at a special tea. Well done Kit for your certificate!"
    assert blocked(three_rivers(text), "personal_details")


def test_an_age_birthday_with_the_day_gives_a_date_of_birth():
    assert blocked(three_rivers("Happy 10th birthday to Poppy in Year 2, born on Bonfire Night – 5 November!"),
                   "personal_details")


def test_an_unnamed_pupil_described_beside_an_exclusion_is_singled_out():
    text = "After Tuesday's incident, a Year 4 boy in Ash class has been excluded for two days."
    assert blocked(three_rivers(text), "personal_details")


def test_a_pupils_family_from_a_named_street_gives_away_where_they_live():
    text = "Thank you to Kit's family from Larch Crescent for the pumpkins! 🎃"
    assert blocked(oakfield(text), "location")


# --- where a group is now ---------------------------------------------------------------------------------

def test_a_score_during_the_match_at_a_named_ground_is_a_live_location():
    text = "Half time: our U12s are 2–1 up at Millbrook Park! Come down and support them for the second half ⚽"
    assert blocked(three_rivers(text), "location")


def test_a_capitalised_article_before_a_place_still_names_the_place():
    text = "Year 3 are having a fantastic time at The Lookout right now 🦅"
    assert blocked(three_rivers(text, pictured=["Poppy Lane"]), "location")


# --- conduct ------------------------------------------------------------------------------------------------

def test_pupils_investigating_how_something_works_is_not_a_disciplinary_matter():
    assert oakfield("Year 6 carried out an investigation into how plants respond to light. Super science!").ok


def test_a_staff_only_channel_saying_no_pupils_were_there_passes():
    text = ("What's it like to be a site manager here? Meet Mr Obi, who agreed in writing to appear. "
            "Filmed in the holidays, with no pupils on site. Apply by 9 March 👉 link in bio #Jobs")
    assert not blocked(three_rivers(text, platform="tiktok"), "channel_use")


def test_asking_pupils_to_follow_a_teachers_own_account_breaks_the_staff_rule():
    text = "Year 6, for extra maths puzzles follow me on my personal Instagram @mrsquill_maths and I'll follow back!"
    assert blocked(oakfield(text, platform="class dojo"), "personal_account")


def test_a_titled_name_then_a_description_of_them_is_news_about_them():
    assert calmore("Mrs Ojo – our new office manager – joins us after half term. Please make her welcome!").ok


def test_a_polling_station_closure_that_reminds_people_to_vote_takes_no_side():
    assert calmore("Polling day is Thursday: the school is a polling station and is closed to pupils. "
                   "If you are voting, please use the main gate.").ok


def test_a_year_group_early_in_a_long_sentence_still_makes_a_full_name_a_pupils():
    text = ("A wonderful nativity from the whole of Year 1 this afternoon – and what a performance from "
            "Harriet Lomax as the innkeeper!")
    assert blocked(calmore(text), "consent")


@pytest.mark.parametrize("draft", [
    "Final score: Ashdown 4–0 Westmoor. Westmoor should be proud of their effort – a great game in a brilliant spirit!",
    "Happy 50th birthday to our school, which opened its doors on 3 March 1976! Cake in the hall at 3pm.",
    "Match report: our U11s played at Kingsway Park on Saturday and drew 2–2 at half time before winning 3–2.",
])
def test_praise_for_opponents_a_schools_own_birthday_and_a_past_match_report_pass(draft):
    assert three_rivers(draft).ok, three_rivers(draft).summary()


@pytest.mark.parametrize("draft", [
    "Eco council ballot: vote Hedgehog Haven or Bee Hotel for our spring project – ballot box in the hall.",
    "Thank you to the only two parents who stepped in at short notice – you saved sports day! Everyone else, see you at the fair.",
])
def test_a_school_ballot_for_named_entries_and_sincere_thanks_to_a_few_pass(draft):
    assert calmore(draft).ok, calmore(draft).summary()
