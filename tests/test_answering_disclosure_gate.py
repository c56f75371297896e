"""The second look at a flagged message (knowledge/disclosure_gate.py) and topics next door judged
topic by topic (knowledge/answering/neighbours.py). Questions written for these tests, not taken from
any question set."""
from __future__ import annotations

from datetime import date

import pytest

from knowledge.answering.neighbours import load_neighbours, neighbour_of

TODAY = date(2026, 1, 15)


@pytest.mark.parametrize("message", [
    # a child's report of an adult, asked as a question: a strong risk keeps the flag
    "my y3 said her auntie's boyfriend sends her videos at bedtime and told her to keep it quiet, can i ring her mum?",
    # weak words only, but a child told the speaker and is distressed
    "a year 2 told me a boy from another school keeps messaging her at night and she doesn't like it, what do I do?",
    # a bare narration keeps every flag, even on a weak signal
    "Marcus in 4T has been falling asleep in class and keeps mentioning a gaming friend who is 20",
    # harm aimed at "me" from a pupil who speaks of themself
    "im in year 5 and a boy in year 6 keeps sending me messages saying he will beat me up",
    # a staff member's conduct towards a pupil, asked "who do I tell"
    "i think mrs k is snapchatting one of her class every evening, who do i tell?",
    # a pupil telling the bot about themself, weak words only, asked as a question
    "im in y5 and a boy keeps sending me horrible messages on snap, what should i do",
    # "not sure if…" asks indirectly: what the speaker noticed after it is told, not supposed
    "not sure if this is nothing but i spotted the football coach messaging a y4 boy on snapchat at 11pm, is that allowed?",
    # harm by another child is weak in a question, but a child who told and is terrified keeps it
    "my son told me he gets punched by another boy every day on the bus and he's terrified, what do i do?",
    # starving is neglect wherever it is said
    "someone wrote on our facebook page that a reception boy is being starved by his family, what do we do?",
    # a reporter passing on an adult's conduct: the conduct still counts
    "a mum says the swimming instructor keeps messaging her daughter on instagram, who do i tell?",
    # without "last night" as a risk, what was asked of the child still is one
    "a y6 girl told me a man she games with asked her last night to send him pics of herself, is that allowed?",
    # a demand with "unless", from a pupil who speaks of themself
    "im in year 7 and someone says they will post my photo unless i pay them, what do i do?",
    # a child a bit upset, but told a secret: the strong signal keeps it
    "a y3 boy is a bit upset, he said a man online told him to keep their chats secret. should i tell anyone?",
    # signs noticed with a hedge: "could be nothing" offers a concern, flinching is a sign of harm
    "a y8 lad winced and flinched when i reached past him for a book, and he won't change for PE. might be nothing",
    # an overdose told on the speaker's own account still flags
    "a year 10 messaged my personal snapchat late last night saying she'd swallowed a pile of pills, can i message her back?",
    # neglect in everyday words, beside "in lessons" (which is no lesson about a risk)
    "one of my y4s has no coat in this weather, wears the same jumper all week and keeps falling asleep in lessons",
    # an app that undresses a photo
    "a group of y9 boys ran a girl's photo through a nudify app and sent it round, should i take their phones?",
])
def test_disclosures_asked_as_questions_stay_flagged(policy_alone, message):
    assert policy_alone.answer(message, today=TODAY).report_suggested


@pytest.mark.parametrize("message", [
    # a condition: nothing has happened
    "if a pupil starts telling me something and asks me to keep it a secret, am I allowed to agree?",
    "hypothetically, if a parent sends me threats on facebook, what would the school do?",
    # harm aimed at an adult: a staff matter
    "a parent keeps posting abusive comments about our deputy head on facebook, who handles that?",
    "some year 9s put a deepfake of me on tiktok, who do i report it to?",
    # unkindness between pupils, asked as a question of jurisdiction
    "a few of my y5s were mean to each other in a group chat over the holidays, is that our business?",
    # the asker's own contacts
    "a former pupil who is 20 now keeps messaging me on facebook, can I reply to him?",
    # the asker introduces themself: their own plan
    "volunteer here - want to share a photo of the class garden on my facebook, no children in it. ok?",
    # a topic of its own: a safety talk, a piece of drama
    "the police are giving an online safety talk to year 5, can we mention it on the school facebook?",
    # a parent's contact with the speaker about her own child
    "a parent dmed me on facebook asking about her son's reading book, should i answer?",
    # harm between children, asked as a rule question
    "my daughter got kicked by another girl at playtime, can i post about it in the parents whatsapp?",
    # a "chat" is a place, "rude" is impolite
    "a y5 wrote something rude about his football coach in a gaming chat, does the policy cover gaming chats?",
    # what the school itself posted
    "we accidentally posted a picture of a child whose parents said no on the school instagram, what now?",
    # a pupil speaking of themself with no risk at all
    "im in year 6 and my mum said i can post a video of us baking on my tiktok, is that allowed?",
    # "at home" as a place
    "my son forgot his PE kit at home, can i message his teacher on dojo?",
    # pupils asking for the speaker's own number
    "on the year 8 camping trip some kids asked for my phone number, is it ok to give it out?",
    # the adult only passes on what a child did
    "a dad says one of my y4s has been posting mean memes about another kid, can i check his tiktok?",
    # what a document says is no event
    "the safeguarding bit of the policy says pupils, does that mean a 16 year old work experience student too?",
    # unkindness aimed at the staff
    "someone posted a horrible comment on our facebook page saying the teachers are lazy",
    # a definition asked after a label: "counted as" is no event, an age is no older contact
    "definitions section - is a 16 year old cousin who collects my son still classed as a child?",
    # the asker's own permission and plan
    "i'm approved to run the school insta and want to put up the sports day pics, one girl's form isn't back yet",
    # "student teachers" are staff
    "are student teachers on placement expected to friend the class on dojo too?",
    # a class WhatsApp is a group, not an adult whatsapping a child
    "the parents set up a class whatsapp for 5R and put me in it, should i leave?",
    # "last night" is yesterday, and a rough comment on the school's own post is aimed at the school
    "someone wrote 'you lot are ruining our children' under the school's facebook post last night, can i delete it as abusive?",
    # the asker's own condition, not a threat to a child
    "parent - not happy with how the office handled my daughter's trip form. i'll post about it in the mums group unless someone rings me back",
    # a child hitting others, asked as a rule question after a label
    "class rep here, am i ok to mention in the parents whatsapp a girl who keeps kicking others at break",
    # mild upset about a game, asked
    "my daughter's roblox avatar got 'knocked out' by her friend's and she's a little upset, does school get involved?",
    # the young people are adults
    "the head wants a few sixth formers in our trust's youtube video talking about the careers fair, they're 19",
    # a lesson planned on a risk, a game the class is keen on, a safety visit, the asker's own clip and plan
    "planning a y6 science lesson on staying safe from strangers online, any tips?",
    "my y2s are obsessed with minecraft and keep 'blowing each other up' at golden time, is it ok to let them play?",
    "a PCSO is coming in for a stranger danger talk, can i take photos for the school instagram?",
    "sports day ran late because someone lost the keys. can i post a video of the kids in the relay on my tiktok?",
    "parent here, my son got a detention he didn't deserve and i'm posting about it in the mums facebook group",
    "i was searching 'signs of abuse' for my safeguarding refresher, will the school think something's wrong?",
])
def test_questions_that_only_sound_alarming_are_not_flagged(policy_alone, message):
    assert not policy_alone.answer(message, today=TODAY).report_suggested


def test_a_neighbour_keeps_the_topics_the_policy_never_mentions():
    neighbours = load_neighbours("Pupils may use school iPads to take photos for the class blog.")
    assert neighbour_of("can the children play on the ipad at wet play", neighbours) is None
    assert neighbour_of("are smartwatches allowed at wet play", neighbours).key == "devices_in_school"


@pytest.mark.parametrize("question", [
    "any good videos to show year 4 about staying safe online?",
    "how do I apply for a school place for my little one",
    "my laptop won't connect to the wifi in the hall",
])
def test_more_topics_next_door_are_refused(policy_alone, question):
    answer = policy_alone.answer(question, today=TODAY)
    assert not answer.answered and "doesn't cover that" in answer.text


def test_a_lesson_that_asks_what_the_policy_says_is_not_next_door(policy_alone):
    answer = policy_alone.answer("planning a lesson on online safety for y6, what does the policy say about "
                             "pupils using social media?", today=TODAY)
    assert "doesn't cover that" not in answer.text


def test_a_topic_the_policy_mentions_is_its_own_only_beside_its_subject():
    neighbours = load_neighbours("Photos for the school page must be taken on school tablets only.")
    # named beside photos, a mentioned topic is the policy's
    assert neighbour_of("can i take the photos on a tablet from year 2", neighbours, on_subject=True) is None
    # named alone, it stays next door
    assert neighbour_of("can the class use the tablets for research", neighbours, on_subject=False).key == "devices_in_school"
