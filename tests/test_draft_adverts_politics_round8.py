"""The eighth round of the pre-check, adverts and politics: an outside business is a named organisation
(a firm's name shape, a venue opened under a name, a brand praised, a web address made from its name)
with a commercial act aimed at the reader; politics is the government (by any name) or an election with
a stance or a directive beside it. A made-up policy and drafts written for these tests."""
from __future__ import annotations

from datetime import date

import pytest

from knowledge.draft_check import check_draft
from knowledge.policy import parse_policy

POLICY = parse_policy("""Larchwood Primary School Social Media Policy

1. Our accounts

The school's official accounts are:
- Facebook - @larchwoodprimary

The school will not post on Facebook:
- Adverts for any business, product or service
- Political content, or support for or criticism of any party, candidate or campaign
- Personal opinions of staff
""")


def check(text: str):
    return check_draft(text, "facebook", policy=POLICY, today=date(2026, 12, 1), meaning=False)


def kinds_blocked(text: str) -> set[str]:
    return {f.rule for f in check(text).blocks}


@pytest.mark.parametrize("text", [
    # a perk for telling a business where you heard of it, whatever the perk is called
    "Our Year 1 dad has a new pizza van on the market square. Tell him you saw this post and your garlic bread is on him!",
    "Let them know you're a Larchwood family at the counter and the kids' smoothies are half-price all week.",
    # a venue opened under its name, with an aside between the name and the verb, or the name after the verb
    "Harbour Lights, the new ice-cream parlour run by two of our grandparents, opens on Mill Street this Friday!",
    "Big news: one of our Reception mums has opened Fern & Fig on Station Road. Pop in for a brunch!",
    # the shape of a firm's name and a nudge to call in, though no business word is said
    "Moving house? Our friends at Penrose & Webb know the area inside out. Pop in and say hello to the team.",
    # a brand named as the means, but praised and passing on its offer
    "We've been using ReadRocket all year and it's the best tool we've bought. They're offering a free month to new schools.",
    # booking on the organisation's own website
    "Holiday fun! Riverbend Climbing Centre runs a two-day camp for 8-12s, £60. Sign up at riverbendclimbing.co.uk",
    # a family of the school founding a venture under a name, or as a business
    "Lovely news: one of our Year 3 grandads has just opened Tidewater Books by the harbour. Pop along and browse!",
    "A Reception dad has launched his own window-cleaning business this month; message him for his rates.",
    # a named organisation running something for the reader at a price
    "Hollyfield Gymnastics Club is running a half-term camp for ages 5 to 11 at £25 a day.",
])
def test_an_outside_business_selling_to_the_reader_blocks(text):
    assert "business_advert" in kinds_blocked(text), check(text).summary()


def test_a_handle_beside_a_sale_endorses_the_brand():
    text = "Our library corner looks amazing with the new cushions from @CosyNookHome. They'd make a lovely gift and they're in the winter sale."
    assert "business_advert" in kinds_blocked(text), check(text).summary()


@pytest.mark.parametrize("text", [
    # the school's own hours and classes, a pupils' pretend shop, the school's own booking, a food bank
    "Reception and Nursery will be open as normal on Friday; Years 1 to 6 are closed for the training day.",
    "Year 5 designed pretend snacks for their enterprise project. Which is your favourite? (Just for fun, not for sale!)",
    "Clubs for spring are now open for booking through ParentPay. Places are first come, first served.",
    "Thank you to everyone who gave to the Millbrook & Larch Foodbank; it opens a second hall on Monday.",
    "Order your child's new jumper online at larchwoodprimary.co.uk, £12 each.",
    "Rowan & Willow are opening their class assembly to parents on Friday at 9am.",
    "Maple & Birch will perform at the Christmas concert; pop in if you can!",
    "We have just launched Number Ninjas in Year 4: try it at home with your child's login, it's free.",
    "One of our dads has set up a free Saturday running club at the park for pupils, with the PE team's blessing.",
    "A group of parents have launched the PTA Christmas raffle: tickets are £1 from the office.",
    "Eastgate Library is running a holiday reading challenge, and it costs £0 to join.",
])
def test_school_life_is_not_an_advert(text):
    assert "business_advert" not in kinds_blocked(text), check(text).summary()


@pytest.mark.parametrize("text", [
    "The hall ceiling will be mended when Whitehall finally remembers that children learn in these buildings. #FundOurSchools",
    "It is high time those in power started listening to the teachers who feed hungry children every morning.",
    "The school is closed for the strike. After years of cuts from those in charge of education funding, who can blame the staff?",
    "Polling day on Thursday. Before you put your cross on the ballot paper, ask yourself who stood by our school this year.",
    "Next time you vote, remember which party kept its promises to our children.",
])
def test_politics_with_no_party_named_blocks(text):
    assert "political" in kinds_blocked(text), check(text).summary()


@pytest.mark.parametrize("text", [
    "The school is a polling station on Thursday and will be closed. Please remember who is collecting your child from the club.",
    "Vote for your school council reps on Friday: remember who you think will listen to every class!",
    "Please stop parking on the zigzags; the council has asked us to remind families.",
    "Due to national strike action, the school will be closed to Years 3 to 6 on Tuesday. Reception will be open as normal.",
    # an online poll or survey is a vote on a choice, not an election
    "Should the new quiet corner be the Moon Nook or the Comet Corner? Vote in the poll below before Friday!",
    "Vote in the survey on the parents' page to pick next term's cookery club recipe.",
])
def test_plain_facts_and_school_votes_are_not_politics(text):
    assert "political" not in kinds_blocked(text), check(text).summary()


def test_a_vote_in_the_election_still_campaigns():
    assert "political" in kinds_blocked("Make sure you vote in the election on Thursday for the candidate who backs our school!")


def test_i_reckon_gives_a_personal_opinion():
    assert "staff_opinion" in kinds_blocked("Huge match for the city on Saturday and I reckon we'll finally win the cup! – Mrs Dunn")


@pytest.mark.parametrize("text", [
    "Raffle tickets are £1 a strip at the summer fair.",
    "The Year 6 team looked smart in their new football strip on Saturday.",
])
def test_a_strip_of_tickets_or_a_kit_is_not_adult_content(text):
    assert all(f.rule != "age_appropriate" for f in check(text).findings), check(text).summary()


def test_a_strip_club_is_adult_content():
    # this policy names no age rule, so the finding is a warn for a person to decide
    assert any(f.rule == "age_appropriate" for f in check("Staff night out ended at a strip club in town!").findings)


def test_a_council_that_has_to_do_a_job_is_news_not_a_demand():
    text = "Church Lane is closed on Monday because the council has to fix a burst pipe; please use the back gate."
    assert "political" not in kinds_blocked(text), check(text).summary()
