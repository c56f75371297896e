"""The kinds of rule that other schools' policies add to the pre-check, each read from the policy and
found in the draft by a general mechanism: where a child is, undress, pupils who must not appear, one
person's details, staff opinions, complaints, AI-altered images, copyright, staff images, live streams,
a channel's own rules, and the meaning check. Drafts written for these tests (not the tuning sets')."""
from __future__ import annotations

import pytest

from knowledge.consent import ConsentRegister
from knowledge.draft_check import check_draft, load_policy
from knowledge.draft_policy import draft_rules
from tests.draft_schools import OAKFIELD, THREE_RIVERS, TODAY, blocked, calmore, oakfield, three_rivers



# --- the kinds are read from each policy -----------------------------------------------------------

def test_each_policy_gives_its_own_kinds_with_their_numbers():
    oak = draft_rules(load_policy(str(OAKFIELD))).rules["x"]
    assert {k: [c.rule for c in v] for k, v in oak.items() if k in ("location", "undress", "complaints")} == {
        "location": ["5-7"], "undress": ["5-7"], "complaints": ["5-12"]}
    tr = draft_rules(load_policy(str(THREE_RIVERS)))
    assert [c.rule for c in tr.rules["tiktok"]["channel_use"]] == ["4-6"]
    assert "channel_use" not in tr.rules["facebook"]  # "Students must not appear in any TikTok content"
    assert [c.rule for c in tr.rules["facebook"]["live_stream"]] == ["8-2", "8-4"]
    assert tr.purposes["tiktok"][0] == "staff recruitment"
    calmore = draft_rules(load_policy()).rules["facebook"]
    assert "location" not in calmore  # Calmore's list has no such rule
    # Its staff list "when using social media" supplies the opinion and complaint rules its will-not list lacks
    assert [c.rule for c in calmore["staff_opinion"]] == ["3-8"] and [c.rule for c in calmore["complaints"]] == ["3-5"]


# --- where a child is -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "📍 Eden Gardens — Year 3 are here until 1pm, come and find us!",
    "Year 5 are at Birchwood Leisure Centre right now for the gymnastics final!",
    "Our netball squad will be at Pennington Park from 9.30am on Saturday — come and cheer them on!",
    "Thank you to Kit's family at 22 Larch Close for hosting our bug hunt.",
])
def test_where_a_child_is_or_will_be_blocks_citing_5_7_c(text):
    finding = blocked(oakfield(text), "location")
    assert finding is not None and finding.citation == "paragraph 5.7 c"
    assert "where a child lives" in finding.message


def test_a_pupils_out_of_school_club_is_cited_from_the_rule_that_names_clubs():
    result = oakfield("Well done to Kit in Year 4 for a black belt at Hollins Taekwondo Club on Sunday!")
    assert blocked(result, "location").citation == "paragraph 5.7 c"


@pytest.mark.parametrize("text", [
    "Year 3 are back from Eden Gardens after a lovely day — thank you to our parent helpers!",
    "Parents' evening is on Tuesday at 3.30pm in the school hall.",
    "Year 6 are off to the museum on Friday 20 March; letters have gone home.",
])
def test_a_trip_afterwards_or_an_event_at_school_passes(text):
    assert not blocked(oakfield(text), "location"), oakfield(text).summary()


# --- undress, no-media pupils ------------------------------------------------------------------------

def test_swimwear_or_changing_with_a_photo_blocks_but_a_kit_reminder_passes():
    photo = oakfield("Splashing fun in the paddling pools at our beach day!", pictured=["Poppy Lane"])
    assert blocked(photo, "undress").citation == "paragraph 5.7 d"
    changing = three_rivers("Here's the proof: Year 2 getting changed for PE in record time!")
    assert blocked(changing, "undress").clause == "4-9.4"
    assert oakfield("Swimming starts Monday: pack a costume, towel and goggles please.").ok


def test_a_post_saying_no_media_pupils_are_in_the_photo_blocks():
    result = three_rivers("Group photo time! Even our no-media children squeezed in at the back 📸")
    assert blocked(result, "no_media").clause == "4-9.5"


# --- one person's details ----------------------------------------------------------------------------

@pytest.mark.parametrize("text,what", [
    ("Get well soon Kit, who is in hospital after an operation on his knee.", "health"),
    ("Poppy has worked so hard with her speech and language therapist this year!", "special educational needs"),
    ("So proud of Kit: a whole week without a detention!", "behaviour"),
    ("Our love to Poppy and her family after the death of her nan.", "family circumstances"),
])
def test_one_pupils_details_block_citing_5_7_h(text, what):
    finding = blocked(oakfield(text), "personal_details")
    assert finding is not None and finding.citation == "paragraph 5.7 h" and what in finding.message


def test_staff_details_count_where_the_rule_says_staff_and_written_consent_lifts_results():
    assert blocked(three_rivers("Best wishes to Mrs Ford, recovering from surgery this week."), "personal_details")
    assert oakfield("Best wishes to Mrs Ford, recovering from surgery this week.").ok  # 5.7 h is about pupils
    assert blocked(three_rivers("Kit in Year 11 got 9, 9, 8 in his mocks!"), "personal_details")
    consented = three_rivers("With her written permission: Poppy achieved grade 9 in five GCSE results this summer!")
    assert not blocked(consented, "personal_details"), consented.summary()
    assert three_rivers("Our Year 7 attendance was 97% this half-term — well done everyone!").ok
    assert blocked(three_rivers("Happy birthday Year 5! Kit was born 3 May 2016."), "personal_details")


# --- staff opinion, complaints ------------------------------------------------------------------------

def test_a_staff_members_opinion_blocks_citing_5_7_g():
    result = oakfield("Spelling tests start next week. In my opinion they're a complete waste of time! Mr Price")
    assert blocked(result, "staff_opinion").citation == "paragraph 5.7 g"
    assert oakfield("Spelling tests start next week. Practise the list on the website. Mr Price").ok


def test_answering_a_complaint_cites_5_12_and_proceedings_cite_the_list():
    reply = oakfield("To the parents who complained about the trip price: it is set by the coach firm.")
    assert blocked(reply, "complaints").citation == "paragraph 5.12"
    assert "respond to complaints" in blocked(reply, "complaints").message
    tribunal = three_rivers("The tribunal found in the Trust's favour last week.", "linkedin")
    assert blocked(tribunal, "complaints").clause == "4-9.12"
    standard = oakfield("We can't discuss individual concerns here; please contact the office or use our "
                        "complaints procedure on the website.")
    assert standard.ok, standard.summary()


# --- images: AI, copyright, staff ---------------------------------------------------------------------

def test_ai_altered_images_of_people_block_and_a_labelled_illustration_only_warns():
    faces = three_rivers("We turned the whole class photo into cartoons with an AI app!", "instagram")
    assert blocked(faces, "ai_images").clause == "4-9.11"
    art = three_rivers("Write a poem about this castle on a cloud (AI-generated image).", "instagram")
    assert art.ok and [f.rule for f in art.warnings] == ["ai_images"]


def test_material_the_school_does_not_own_blocks():
    assert blocked(three_rivers("Found this meme online and had to share it! 😂"), "copyright").clause == "4-9.13"
    assert blocked(three_rivers("We've scanned the whole book so you can read it at home."), "copyright")


def test_staff_pictured_are_not_pupils_and_need_their_own_agreement():
    asleep = three_rivers("Mr Hale fast asleep on the coach home 😂 don't tell him!", pictured=["Mr Hale"])
    assert blocked(asleep, "staff_images").clause == "4-9.7" and not blocked(asleep, "consent")
    welcome = three_rivers("Welcome to our new TAs Rosa and Ben!", pictured=["Rosa Quinn", "Ben Tate"])
    assert welcome.ok and [f.rule for f in welcome.warnings] == ["staff_images"]
    assert oakfield("Welcome to Mrs Ford, our new Year 1 teacher!", pictured=["Mrs Ford"]).ok


# --- live streams and a channel's own rules ----------------------------------------------------------

def test_a_public_live_stream_blocks_and_a_private_link_passes():
    concert = three_rivers("Our carol concert will be streamed live on this page at 6pm!")
    assert blocked(concert, "live_stream").citation == "paragraph 8.2"
    lesson = three_rivers("Tune in to watch Year 10's chemistry lesson live on Instagram tomorrow!", "instagram")
    assert blocked(lesson, "live_stream").citation == "paragraph 8.4"
    assert three_rivers("Can't come? We'll email a private, password-protected link to watch live.").ok


def test_a_channel_for_recruitment_only_with_no_pupils():
    pupils = three_rivers("Join our team! Our Year 9 students show you around the sports hall. Apply now!", "tiktok")
    finding = blocked(pupils, "channel_use")
    assert finding.citation == "paragraph 4.6" and "Students must not appear in any TikTok content" in finding.message
    other = three_rivers("Staff quiz night bloopers! Tickets on sale at the office.", "tiktok")
    assert blocked(other, "channel_use").clause == "4-1.4"
    assert three_rivers("A week in the life of our site team. We're hiring — apply via the link in bio!", "tiktok").ok
    assert not blocked(three_rivers("Our Year 9 students show you around the sports hall."), "channel_use")


# --- the meaning check -------------------------------------------------------------------------------

def test_a_draft_close_in_meaning_to_an_uncovered_rule_is_warned_not_blocked():
    result = three_rivers("We do not own the copyright for this material and have no permission to use it.")
    assert result.ok
    other = [f for f in result.warnings if f.rule == "other"]
    assert other and other[0].clause == "4-9.13" and "copyright" in other[0].message
    assert not [f for f in three_rivers("Flu vaccinations are on Wednesday morning.").findings if f.rule == "other"]
    quiet = three_rivers("We do not own the copyright for this material and have no permission to use it.",
                         meaning=False)
    assert quiet.ok and not quiet.findings


# --- tone: mockery of another school, a person belittled, a group in capitals ------------------------

@pytest.mark.parametrize("text", [
    "Full time: Lowfield 5, Ashby Primary 0. Maybe next time you'll find the net, Ashby! 😂",
    "Top marks from the inspectors, unlike a certain school we could mention… 👀",
    "Year 4 reduced the student teacher to tears, made their supply teacher cry by lunch. 😂",
    "Reminder for SOME parents: the dates are in the newsletter.",
    "To the few of parents who moaned about the cake sale — maybe bake one yourselves? 🙃",
])
def test_mockery_of_another_school_a_person_or_a_group_blocks(text):
    assert blocked(calmore(text), "harmful_language"), calmore(text).summary()


@pytest.mark.parametrize("text", [
    "Well played St Anne's — a great match in the rain, and thank you for the orange slices at half time!",
    "A 2-2 draw with St Joseph's today — they played brilliantly and we all laughed in the mud 😂",
    "Our netball team beat Ashby Primary 12-9 in a close final. Proud of everyone who played!",
    "Maybe you have a spare hour on Fridays? Our reading volunteers would love to hear from you.",
    "Mrs Patel made the staff cry with laughter at the Christmas panto!",
    "Our Reception children can't read yet, so the signs have pictures too.",
])
def test_a_fair_match_report_or_a_plain_request_passes(text):
    # a laughing face is a taunt only after a win over a school the post does not praise
    assert not blocked(calmore(text), "harmful_language"), calmore(text).summary()


# --- messages to one person -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Kit's dad — the PE bag is in the office, no rush!",
    "🔑 To the lady who parked by the gate this morning: your lights are on.",
])
def test_a_relative_named_by_the_child_or_a_person_after_an_emoji_is_a_message(text):
    assert blocked(calmore(text), "message_to_person"), calmore(text).summary()


def test_a_post_about_a_parent_helper_is_not_a_message():
    assert calmore("Thank you to Kit's dad for fixing the greenhouse roof this week!").ok
    assert calmore("Kit's dad, Mr Moreno, fixed the greenhouse roof this week. Thank you!").ok
    assert calmore("🎂 To the parents who baked for the cake sale — thank you, we raised £312!").ok


# --- names and consent ----------------------------------------------------------------------------

PHOTO_ONLY = ConsentRegister.from_rows([
    {"name": "Tilly Vance", "class": "Year 5", "consent": "yes", "date_signed": "2026-09-10", "scope": "photo"},
])


def test_a_possessive_first_name_beside_a_photo_needs_name_consent():
    policy = load_policy(str(OAKFIELD))
    result = check_draft("Look at Tilly's volcano erupting!", "x", PHOTO_ONLY, today=TODAY, policy=policy,
                         pictured=["Tilly Vance"])
    assert blocked(result, "consent"), result.summary()
    assert check_draft("Look at this volcano erupting!", "x", PHOTO_ONLY, today=TODAY, policy=policy,
                       pictured=["Tilly Vance"]).ok


def test_a_double_first_name_off_the_register_and_consent_forms_still_missing_block():
    assert blocked(calmore("Star of the week is Lily-Rose Danvers from Year 3!"), "consent")
    admission = calmore("Sports day photos below! We are still missing some consent forms from Year 2.")
    assert blocked(admission, "consent")


# --- adverts, politics, opinions, age ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Our cricket coach is starting his own holiday cricket camp! £10 taster day — sign up at his website.",
    "Thanks to our sponsor Harlow Tyres: quote LOWFIELD when you book and save on a new set.",
])
def test_a_staff_members_business_or_a_sponsors_code_blocks(text):
    assert blocked(oakfield(text), "business_advert"), oakfield(text).summary()


def test_a_reference_to_quote_or_a_club_the_school_launches_is_not_an_advert():
    assert oakfield("Please quote reference when paying for the trip on ParentPay.").ok
    assert calmore("Calmore Junior School is launching its own coding club this term — sign up at the office.").ok


def test_campaigning_at_the_polls_and_a_strong_staff_opinion_block():
    assert blocked(oakfield("Remember who cut the bus route when you go to the polls. #VoteSmart"), "political")
    assert blocked(oakfield("I think phonics screenings are a total complete waste of time."), "staff_opinion")
    assert blocked(oakfield("Mocks are pointless; the sooner they go the better. Mr Hale"), "staff_opinion")


def test_drinking_for_its_own_sake_and_an_18_game_block_but_safety_advice_warns():
    assert blocked(calmore("Staff night out: too many pints and nobody can remember the taxi home! 🍺"),
                   "age_appropriate")
    assert calmore("PTA quiz night on Friday: the bar will serve wine, beer and prosecco for the grown-ups.").ok
    assert blocked(calmore("Who's up for Call of Duty after school? 🎮"), "age_appropriate")
    advice = calmore("Online safety: Call of Duty has an age rating of 18. Please check parental controls.")
    assert advice.ok and any(f.rule == "age_appropriate" for f in advice.warnings)
    assert calmore("The PTA raffle has a bottle of wine among the prizes.").ok


# --- privacy: clubs, hyphenated undress, lateness, a pupil before "in Year N" ---------------------------

def test_a_club_sharing_generic_words_with_the_school_lateness_and_a_hyphenated_change_block():
    assert blocked(oakfield("Good luck to Ruby from Year 4, who races for Leeds Cycling Academy on Sunday!"), "location")
    assert blocked(oakfield("Could the parent of the child who has been late every day please arrive by 8.45."),
                   "personal_details")
    assert blocked(oakfield("The Great Getting-Changed-for-Swimming Race!", pictured=["Poppy Lane"]), "undress")
    assert oakfield("Kit arrived late to the disco but still won the dance-off!").ok
    assert blocked(oakfield("Please keep Hope in Year 2 in your thoughts after her grandad died."), "personal_details")


def test_the_schools_own_name_beside_a_laughing_face_is_not_another_school():
    assert calmore("Calmore Junior School had the best day at the zoo 😂").ok
