"""The fifth round of the pre-check's general mechanisms, found on the misses of round 4's final blind
sets and tested here on drafts written for these tests: sarcasm and reproach aimed at families, a
stance on a tax or a policy, school elections and competition votes, replies to criticism, where a
group will be (a fixture, a performance, "still at"), a birth date, a relative lost, altered images,
staff shown unaware, staff's own blogs and shops, offers with a code, a named venue opening, a
private service for sale, starred-out swearing, and pupils on a staff-only channel."""
from __future__ import annotations

import pytest

from tests.draft_schools import blocked, calmore, oakfield, three_rivers


def warned(result, rule):
    return next((f for f in result.warnings if f.rule == rule), None)


def passes(result):
    return result.ok


# --- tone ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("draft", [
    "Lost property now holds 40 unnamed coats. Almost like nobody reads the newsletter 🤔",
    "Amazing how many of you can find the school on a disco night but not on parents' evening!",
    "Bikes through the playground after the bell again. The rules apply to you too, parents. Shocking.",
    "Brilliant turnout at the harvest assembly — well, from about half of you. Hope the rest had something more important on 😉",
    "Top parenting from whoever sent in fizzy drinks for snack #NotReally",
    "A note for families who think the bell means 'start getting ready': it means school has started.",
    "If you'd read the letter properly you'd know the coach leaves at 8.",
])
def test_sarcasm_and_reproach_aimed_at_families_block(draft):
    assert blocked(oakfield(draft), "harmful_language"), draft


@pytest.mark.parametrize("draft", [
    "Please remember the gates close at 8:55. If you are running late, come to the office. Thank you!",
    "Year 2 learned the words 'before' and 'after' this week, and used them in their diaries.",
    "It's amazing how much Reception have grown this year! Thank you, families, for a brilliant year.",
    "Funny how quickly a year goes! Our leavers' assembly is on Friday in the hall.",
    "Year 1 know the days of the week. Monday. Tuesday. Wednesday. They can spell them all!",
    "Only ONE week until the Christmas fair! 😉 See you there!",
    "Our 'secret' reading den is finally open! 🤫 Come and see it.",
])
def test_a_plain_reminder_or_quoted_words_are_not_sarcasm(draft):
    assert not blocked(oakfield(draft), "harmful_language"), draft


def test_starred_out_swearing_and_a_jibe_at_the_referee_block():
    assert blocked(calmore("What a b****y good game, Year 6! 4–1!"), "harmful_language")
    assert blocked(calmore("The referee clearly needed glasses today, but we still won 2–1!"), "harmful_language")
    assert not blocked(calmore("Terms and conditions apply* for the raffle. *See the PTA page."), "harmful_language")


# --- politics -----------------------------------------------------------------------------------------

def test_a_stance_on_a_tax_or_policy_is_political_without_a_government_named():
    assert blocked(calmore("At last, higher taxes on big business to pay for free breakfasts. About time!"),
                   "political")
    assert not blocked(calmore("Tax-Free Childcare can pay for breakfast club: you should ask the office for our "
                               "reference."), "political")


@pytest.mark.parametrize("draft", [
    "Congratulations to our new parent governor, chosen by ballot this week. Thank you to every candidate!",
    "Voting for our eco-council reps closes on Friday — good luck to every candidate!",
    "Which pumpkin should win? Vote in the comments and we'll crown the winner on Friday!",
    "Year 6 ran school council elections: candidates wrote manifestos and every class voted in ballot boxes.",
])
def test_school_elections_and_competition_votes_are_not_politics(draft):
    assert not blocked(three_rivers(draft), "political"), draft


@pytest.mark.parametrize("draft", [
    "Polling day on Thursday! Only one candidate has promised our school a new crossing. Choose wisely.",
    "Thanks to years of government cuts we can't run swimming. Remember that at the ballot box.",
    "Our local Green candidate read with Year 2 today — the only candidate who really cares about nature!",
    "Thanks to Councillor Reed for fighting the library closure — let's hope voters remember in May!",
])
def test_steering_voters_blocks(draft):
    assert blocked(three_rivers(draft), "political"), draft


# --- adverts ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("draft", [
    "Our caterers also do birthday parties! Book on their website with code PARTYTIME for a free cake.",
    "Jump Planet opens on Saturday on the retail park — 2-for-1 sessions all week if you mention the school!",
    "The Copper Kettle opens next week opposite the school gates. Perfect for a coffee after drop-off!",
    "We'd recommend SchoolSync to any school — tell them we sent you!",
    "Need a babysitter? Our TA Jo does evenings — £12 an hour, text her on 07700 900123.",
    "Looking for a teacher gift? Miss Lane makes lovely cards — find her shop online!",
])
def test_offers_openings_and_private_services_are_adverts(draft):
    assert blocked(oakfield(draft), "business_advert"), draft


@pytest.mark.parametrize("draft", [
    "Our school kitchen team have launched a new winter menu, starting Monday.",
    "Our new library opens on Monday! Come and see it after school.",
    "The Reading Shed opens at lunchtimes from next week — pupils can borrow comics.",
    "The PTA Christmas Fair opens at 12. Everything on the toy stall is half price after 2pm!",
    "Our uniform swap shop is open on Friday after school — swap outgrown jumpers for the next size up.",
    "Our after-school clubs are £2 per session; book via the office. All are run by school staff.",
])
def test_the_schools_own_services_and_public_places_are_not_adverts(draft):
    assert not blocked(oakfield(draft), "business_advert"), draft


# --- staff --------------------------------------------------------------------------------------------

def test_a_staff_members_blog_or_fitness_profile_is_a_personal_account():
    assert blocked(calmore("Follow Mr Dean's training on his Strava: strava.com/athletes/dean_runs"),
                   "personal_account")
    assert blocked(calmore("Mrs Ives has written about marking on her personal blog — worth a read!"),
                   "personal_account")


@pytest.mark.parametrize("draft", [
    "Personal view from me: spelling tests are a pointless waste of time. Mr Cole",
    "I've always believed that homework in primary school is a complete waste of time. Mrs Hale",
    "Our view as a staff team: the new inspection framework is unfair on small schools.",
    "Our deputy wrote about why he thinks league tables are broken.",
])
def test_a_staff_opinion_blocks(draft):
    assert blocked(oakfield(draft), "staff_opinion"), draft


def test_staff_shown_unaware_or_before_consent_block():
    assert blocked(three_rivers("Mr Lowe having a power nap after parents' evening 😴 He doesn't know we've posted "
                                "this!", pictured=["Mr Tom Lowe"]), "staff_images")
    assert blocked(three_rivers("Meet our office team! (Mrs Kay says she'll sign her consent form next week.)",
                                pictured=["Mrs Ann Kay"]), "staff_images")
    assert blocked(three_rivers("Here's Mr Lee at the fair. Sorry, Mr Lee! He has no idea this is going up 😂"),
                   "staff_images")
    assert not blocked(three_rivers("Mr Gill didn't know the answer to the quiz!"), "staff_images")


def test_pupils_on_a_staff_only_channel_by_register_or_possessive_and_a_teachers_job_is_not_a_pupil():
    assert blocked(three_rivers("A cameo from Year 12's star mathematician today! We're hiring.", "tiktok"),
                   "channel_use")
    assert blocked(three_rivers("A day in the life of our maths team! We're hiring.", "tiktok",
                                pictured=["Poppy Lane"]), "channel_use")
    assert not blocked(three_rivers("POV: you teach Year 5 with us. We're recruiting for September!", "tiktok",
                                    pictured=["Mr Sam Holt"]), "channel_use")


# --- complaints -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("draft", [
    "Following some comments about the school play, we want to make clear the casting was fair.",
    "We've seen posts in a local group claiming we are closing the nursery. This is completely untrue!",
    "Reply to comment: we're sorry you feel the new gate is a problem, but it works for most families.",
    "We've had some messages about the lunch queue. To be clear, nobody goes without.",
    "Re the comments on yesterday's post: the trip price is set by the coach firm, not us.",
])
def test_answering_criticism_in_public_blocks(draft):
    assert blocked(three_rivers(draft), "complaints"), draft


def test_feedback_thanks_and_a_plain_clarification_are_not_complaints():
    assert not blocked(three_rivers("We have had lots of lovely comments about the fair — thank you all!"), "complaints")
    assert not blocked(three_rivers("To be clear about lunch times: KS1 eat at 11:45 from Monday."), "complaints")


# --- where a group is, and personal details ------------------------------------------------------------

@pytest.mark.parametrize("draft", [
    "Come and support our U10 boys this Saturday at Moor Park, 10am kick-off!",
    "Good luck to our netball team, playing away at Hill Top this afternoon (4pm start)!",
    "We are still at the Science Museum — the coach is late, so we'll leave here at 4:15pm.",
    "The Year 4 choir are performing at the Town Hall tomorrow at 11am — come and watch!",
])
def test_where_a_group_will_be_or_is_now_blocks(draft):
    assert blocked(three_rivers(draft), "location"), draft


def test_a_result_after_the_event_and_a_staff_members_run_are_not_locations():
    assert not blocked(three_rivers("Well done to the under-10s, second at Saturday's county tournament!"), "location")
    assert not blocked(three_rivers("Good luck to Mrs Ahmed, running the London Marathon for charity on Sunday!"),
                       "location")


def test_a_birth_date_and_a_lost_relative_are_personal_details_and_a_job_title_is_not():
    assert blocked(three_rivers("Happy birthday to Leo in Year 6, born on this very day in 2015!"), "personal_details")
    assert blocked(three_rivers("Welcome back to Ava in Year 3 after losing her grandma."), "personal_details")
    assert not blocked(three_rivers("Happy retirement to Mrs Dale, our Attendance Officer for 20 years!",
                                    pictured=["Mrs Dale"]), "personal_details")


def test_pe_changing_in_a_photo_is_undress():
    assert blocked(oakfield("PE changing chaos this morning 😂", pictured=["Kit Moreno"]), "undress")


# --- altered images ---------------------------------------------------------------------------------

@pytest.mark.parametrize("draft", [
    "Mr Shah missed photo day, so we edited him in on the end!",
    "We swapped a couple of faces in from the other shot for the perfect class photo!",
    "We've swapped the heads on our staff photo for fun — guess who's who?",
    "We used an app to add Santa hats to everyone in the staff photo 🎅",
])
def test_altered_images_of_people_block(draft):
    assert blocked(three_rivers(draft, pictured=["Poppy Lane"]), "ai_images"), draft


# --- messages, adult content, a parent's business ------------------------------------------------------

def test_a_relative_spoken_to_by_name_is_a_message_and_a_relative_named_in_news_is_not():
    assert blocked(calmore("Uncle Dev — thanks so much for the bug hotel! The children love it x"), "message_to_person")
    assert calmore("Kit's dad, Mr Moreno, fixed the greenhouse roof this week. Thank you!").ok


def test_a_heavy_night_blocks_without_a_drink_named():
    assert blocked(calmore("Staff social last night: shots at 1am and nobody can remember the taxi home 🍹🍹"),
                   "age_appropriate")
    assert not blocked(calmore("The PTA quiz night for adults is on Friday at 7pm, with a licensed bar."),
                       "age_appropriate")


def test_a_parents_new_salon_is_an_advert():
    assert blocked(calmore("Big shout out to Glow Hair & Beauty, run by one of our Year 2 mums — just opened on the "
                           "high street, pop in!"), "business_advert")


def test_a_group_at_a_named_place_on_the_day_is_where_they_are_now():
    assert blocked(three_rivers("Year 8 are having a brilliant time at Chester Zoo today! More photos later."),
                   "location")
    assert blocked(three_rivers("Half time at the county final: we are 2-1 up at Bramall Lane!"), "location")
    assert not blocked(three_rivers("Year 8 had a brilliant time at Chester Zoo yesterday!"), "location")
    assert not blocked(three_rivers("Our Reception children are enjoying the sunshine in the playground this morning."),
                       "location")


@pytest.mark.parametrize("draft", [
    "One of our Year 4 dads has started selling handmade furniture — search Oak & Pine Works on Instagram!",
    "Our midday supervisor Mrs Hale also runs QuickStep Dance — sessions available for ages 5-11, DM her!",
    "Is your child ready for their SATs? BrainBoost runs practice tests every Sunday at the community centre.",
])
def test_a_side_business_pointed_to_is_an_advert(draft):
    assert blocked(oakfield(draft), "business_advert"), draft


def test_the_schools_own_classes_and_channels_pointed_to_are_not_adverts():
    assert not blocked(oakfield("Our school runs booster classes every Tuesday for Year 6 — letters have gone home."),
                       "business_advert")
    assert not blocked(oakfield("Clubs for spring: places are available in choir and chess. Sign up at the office."),
                       "business_advert")


@pytest.mark.parametrize("draft", [
    "Thanks to the dad who rang at midnight to ask about non-uniform day. It was in the newsletter. Twice.",
    "Ellis (Year 4) — your PE bag is still at school, your nan says! Come and get it 😂",
    "Can whoever keeps leaving crisp packets by the gate please stop. We know it's you.",
    "To our lovely crossing patrol lady Joy: get well soon, we miss you! 💐",
])
def test_messages_to_one_person_block(draft):
    assert blocked(calmore(draft), "message_to_person"), draft


def test_an_appeal_to_anyone_and_thanks_to_a_group_are_not_messages():
    assert calmore("Could whoever finds a blue lunchbox hand it to the office? Thank you!").ok
    assert calmore("Thank you to the parents who helped at the fair!").ok


def test_a_jibe_at_another_school_named_with_a_possessive_blocks_and_thanks_do_not():
    assert blocked(calmore("Seen Hillside Primary's new sports hall? Shame their team doesn't match 😬"),
                   "harmful_language")
    assert blocked(calmore("Another year, another cup — sorry Westbrook, maybe next year! 😂"), "harmful_language")
    assert calmore("Thank you to St Mary's Primary for hosting the cluster sports — shame about the rain!").ok
