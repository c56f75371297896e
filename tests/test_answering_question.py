"""Stage 2, reading the question: who asks, who acts, what is asked, the facts given."""
from __future__ import annotations

import pytest

from knowledge.answering.neighbours import load_neighbours, neighbour_of
from knowledge.answering.question import read_question
from knowledge.answering.vocabulary import Vocabulary


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    vocabulary = Vocabulary.load()
    vocabulary.know("friend requests pupils instagram safeguarding")
    return vocabulary


@pytest.mark.parametrize("text, hint, asker", [
    ("can i add a parent on facebook", None, "staff"),
    ("parent here, can i post photos of the nativity", "staff", "parents"),
    ("my son is in y4, can i share his photo", None, "parents"),
    ("can i post the trip photos", "parents", "parents"),
])
def test_who_asks_the_text_wins_over_the_roster(vocabulary, text, hint, asker):
    assert read_question(text, vocabulary, hint).asker == asker


@pytest.mark.parametrize("text, asker", [
    ("carer: may i share the sports day video", "parents"),
    ("new governor - may i share the sports day video", "staff"),
    ("may i share the sports day video? (grandma of a y3)", "parents"),
    ("photo consent - may i share the sports day video", "pupils"),  # a topic, not who asks: the roster's role
])
def test_a_label_before_or_after_the_question_says_who_asks(vocabulary, text, asker):
    assert read_question(text, vocabulary, "pupils").asker == asker


@pytest.mark.parametrize("text, actor", [
    ("can parents complain about a teacher in the class whatsapp", "parents"),
    ("should the pupils be posting about each other", "pupils"),
    ("can i put a photo of my class on my own instagram", "staff"),
    ("ex pupils fb?", "staff"),  # the pupils are the object: the asker acts
    ("a parent posted a video of the fight", "parents"),
    ("will the school post trip photos on facebook", "school_accounts"),
    ("can i upload the choir clip to the school instagram from my own phone", "school_accounts"),  # a phone is no account
    ("can i put the choir clip on the website", "school_accounts"),
])
def test_who_acts(vocabulary, text, actor):
    assert read_question(text, vocabulary).actor == actor


@pytest.mark.parametrize("text, ask", [
    ("can i accept a friend request from a pupil", "verdict"),
    ("who manages the school instagram", "info"),
    ("how long does photo consent last", "info"),
    ("what if i post a pic of my class, can i do that", "verdict"),
    ("who do i tell about a worrying post", "info"),
    ("pupil pics on my insta ok?", "verdict"),
])
def test_what_is_asked(vocabulary, text, ask):
    assert read_question(text, vocabulary).ask == ask


@pytest.mark.parametrize("text, consent", [
    ("can i post her photo without asking her", "refused"),
    ("can we post his picture, his mum said yes", "given"),
    ("can we post his picture", None),
])
def test_the_consent_a_question_states(vocabulary, text, consent):
    assert read_question(text, vocabulary).consent == consent


def test_typos_and_text_speak_are_read_as_meant(vocabulary):
    read = read_question("cn u accpet a freind reqest from a pupil", vocabulary)
    assert read.normalised.startswith("can you accept a friend request")
    assert "_friend_request" in read.tokens


def test_real_words_are_left_alone(vocabulary):
    assert read_question("can i find the rules", vocabulary).normalised == "can i find the rules"


@pytest.mark.parametrize("typed, read", [
    ("ipads", "ipad"),         # not "pads": a typo seldom loses a word's first letter
    ("vlogging", "vlogging"),  # not "logging"
    ("rpinter", "printer"),    # the first two letters swapped is still a typo
])
def test_a_correction_keeps_the_start_of_the_word(vocabulary, typed, read):
    assert vocabulary.correct(typed) == read


@pytest.mark.parametrize("word", ["googled", "podcasting", "screenshotted"])
def test_the_past_and_ing_forms_of_known_words_are_left_alone(vocabulary, word):
    assert vocabulary.correct(f"she {word} it") == f"she {word} it"


def test_a_corrected_question_still_names_the_topic_next_door(vocabulary):
    neighbours = load_neighbours("Staff must not share photos of pupils on their personal accounts.")
    read = read_question("the y3s keep asking to charge their ipads in my classroom", vocabulary)
    assert neighbour_of(read.normalised, neighbours).key == "devices_in_school"


def test_slang_reaches_the_embedding_as_policy_words(vocabulary):
    read = read_question("ex pupil on insta", vocabulary)
    assert "instagram" in read.for_embedding.split() and "former" in read.for_embedding.split()


def test_definition_questions(vocabulary):
    assert read_question("does whatsapp count as social media", vocabulary).definition
    assert not read_question("can i use whatsapp", vocabulary).definition


@pytest.mark.parametrize("text, intent", [
    ("can i post a photo of the fair", "permission"),
    ("do i have to tell the head first", "obligation"),
    ("does the policy apply at the weekend", "scope"),
    ("is that even our business if it happened at home?", "scope"),
    ("is it ok to put a highlight cover with the logo in my bio", "permission"),
    ("a boy shared a mean meme. what does the school say", "view"),
    ("is there any support for staff", "fact"),
    ("the worry came up at lunch, who do i speak to", "info"),
    ("how quickly does the office answer", "info"),
    ("how come i cant post it", "permission"),
])
def test_what_kind_of_answer_is_wanted(vocabulary, text, intent):
    assert read_question(text, vocabulary).intent == intent


@pytest.mark.parametrize("text, negated", [
    ("does it still apply if im not in school", False),
    ("it doesnt count as a personal account, right", True),
    ("its not really a work account is it", True),
])
def test_asked_in_the_negative(vocabulary, text, negated):
    assert read_question(text, vocabulary).negated is negated


def test_a_contracted_fact_is_read_after_spelling_correction(vocabulary):
    assert read_question("can i post it, i havent asked their parents", vocabulary).consent == "refused"


@pytest.mark.parametrize("text, intent", [
    # a short yes/no after a wh-question only narrows it
    ("who has to sign the agreement? only parents?", "info"),
    ("new TA here, who trains us on this - is it the office or the head", "info"),
    # "what's / when's" open a fact question; a wh-question after an "if…" condition is still one
    ("when's the next briefing on the policy", "info"),
    ("if a former pupil wants to reach me whats the proper route", "info"),
    # a wh-word the asker will act on is no request for a fact
    ("can i answer the parent on the school page and explain what went wrong", "permission"),
    ("could you tell me who runs the school pages", "info"),
])
def test_what_is_asked_reads_the_asking_part(vocabulary, text, intent):
    assert read_question(text, vocabulary).intent == intent


@pytest.mark.parametrize("text, adult", [
    ("a boy i taught years ago, hes 26 now, messaged me", True),
    ("she is now 19 and at college", True),
    ("it took 25 minutes to upload", False),
    ("my son is 11", False),
])
def test_an_age_of_eighteen_or_more_is_an_adult(vocabulary, text, adult):
    assert read_question(text, vocabulary).adult is adult


@pytest.mark.parametrize("text, ask", [
    ("i want to share my thoughts on the new car park on my facebook. i won't name the school", "verdict"),
    ("we're thinking of putting the class photo on our family page", "verdict"),
])
def test_a_message_saying_what_the_asker_means_to_do_asks_leave(vocabulary, text, ask):
    assert read_question(text, vocabulary).ask == ask


@pytest.mark.parametrize("text, ask", [
    ("a dad filmed the whole play and uploaded it, is he allowed to do that and what should i do", "verdict"),
    ("who should i speak to and can i just email the head", "verdict"),
    ("should i be told about incidents, and if so how often", "info"),
])
def test_a_ruling_asked_beside_a_fact_asks_for_the_ruling(vocabulary, text, ask):
    assert read_question(text, vocabulary).ask == ask


@pytest.mark.parametrize("text", ["dad still hasnt handed in the photo slip, can we use the picture",
                                  "the consent form isnt back yet, can she be in it"])
def test_a_form_not_returned_is_consent_not_given(vocabulary, text):
    assert read_question(text, vocabulary).consent == "refused"


def test_whether_a_rule_reaches_a_case_asked_in_the_negative_is_about_its_scope(vocabulary):
    question = read_question("my page is private so the rules dont really matter for it, right?", vocabulary)
    assert (question.intent, question.negated) == ("scope", True)


def test_what_the_school_will_do_in_response_is_a_fact(vocabulary):
    assert read_question("a boy in my class posted a mean video of me, will the school do anything about it?",
                         vocabulary).ask == "info"

@pytest.mark.parametrize("text, groups", [
    ("a dad from my class has asked to be my friend on facebook", ["parents"]),  # which dad, not a pupil
    ("the mum of one boy wants me to follow her", ["parents"]),
    ("a girl in my class messaged me", ["pupils", "pupils"]),  # the same group twice stays
    ("can parents share photos of children", ["parents", "pupils"]),  # an object, not a qualifier
])
def test_a_group_that_only_says_which_people_is_not_a_group_of_its_own(vocabulary, text, groups):
    assert read_question(text, vocabulary).groups == tuple(groups)


@pytest.mark.parametrize("text, ages", [
    ("a boy i used to teach is 19 now and wants to connect", (19,)),
    ("im 15 and in year 10, can i be in the video", (15,)),
    ("a 22 year old ex student messaged me", (22,)),
    ("she left 6 years ago and moved away", ()),  # a time, not an age
    ("can i post at 9 now that the trip is over", ()),  # no age word before the number
    ("there is 20 kids in my class, can i post their photos", ()),  # a head count, not an age
])
def test_the_ages_a_question_states(vocabulary, text, ages):
    assert read_question(text, vocabulary).ages == ages


def test_a_question_once_read_does_not_change(vocabulary):
    """Later stages add their findings to a copy: the value read stays as it was."""
    import dataclasses
    read = read_question("can i post the class photos on my own insta?", vocabulary)
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.concern = True  # type: ignore[misc]
    assert dataclasses.replace(read, concern=True).concern and not read.concern


@pytest.mark.parametrize("text, intent", [
    ("carer: where am i meant to send a complaint about the head", "info"),  # a label is not the question
    ("Good morning. A radio station rang. To whom should the call be passed?", "info"),
    ("what records should i keep if a parent is harassing me online", "info"),
    ("if a pupil tells me something worrying online what am i meant to do", "info"),
    ("can i raise a welfare worry on the class app or do i have to phone?", "permission"),
    ("the caretaker had the blog password and has left, does anyone need to reset it", "obligation"),
    ("what if i want to post the match score, can i do that on my own page", "permission"),  # still a ruling
])
def test_what_is_asked_read_past_labels_prepositions_and_alternatives(vocabulary, text, intent):
    assert read_question(text, vocabulary).intent == intent
