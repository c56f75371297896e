"""The eighth round's second wave of the pre-check on tone, messages, adverts and politics: the other side spoken
to after a result, a few stressed as always the same ones against everyone else, people carved out of good
news with an upside-down smile, one family picked out by where it belongs, a title with an initial spoken to,
a demand made of a public body, a vote for a prize, and a member of staff's own shop. Each mechanism has a
compliant twin that must still pass. A made-up policy and drafts written for these tests."""
from __future__ import annotations

from datetime import date

from knowledge.draft_check import check_draft
from knowledge.policy import parse_policy

POLICY = parse_policy("""Thornleigh Primary School Social Media Policy

1. Our accounts

The school's official accounts are:
- Facebook - @thornleighprimary

The school will not post on Facebook:
- Harmful, abusive or mocking comments
- Messages to specific people
- Political statements or campaigning
- Commercial promotion or advertising of any business, product or service
""")


def kinds(text: str) -> set[str]:
    return {f.rule for f in check_draft(text, "facebook", policy=POLICY, today=date(2026, 12, 1), meaning=False).blocks}


# --- tone ---------------------------------------------------------------------------------------------

def test_the_other_side_spoken_to_after_a_result_and_laughed_at_blocks():
    assert "harmful_language" in kinds("9–1 😆 Unlucky Ravensdale, perhaps try netball instead!")
    assert "harmful_language" in kinds("Full time 5–0! Oh Millbrook, maybe stick to the tuck shop 🤭")


def test_the_other_side_thanked_after_a_result_passes():
    assert "harmful_language" not in kinds("3–2 to us! Ravensdale, thank you for a great game and a warm welcome.")
    assert "harmful_language" not in kinds("Full time 2–1. Ravensdale, you made us work for every goal 😂")


def test_a_few_stressed_as_the_same_ones_then_the_rest_spoken_to_blocks():
    assert "harmful_language" in kinds("A big thank you to the same three families who help at every fair. "
                                       "Everyone else: the sign-up sheet doesn't bite 😉")


def test_thanking_the_same_helpers_without_turning_on_the_rest_passes():
    assert "harmful_language" not in kinds("A big thank you to the same friendly families who help at every fair – "
                                           "we couldn't do it without you!")
    assert "harmful_language" not in kinds("Thank you to the same cheerful parents who run the book swap. "
                                           "Everyone else: do come and browse on Friday!")


def test_people_carved_out_of_good_news_with_an_upside_down_smile_blocks():
    assert "harmful_language" in kinds("Punctuality is the best it has been all year, except for the usual few "
                                       "from Mill Lane 🙃")


def test_good_news_with_an_exception_that_is_not_people_passes():
    assert "harmful_language" not in kinds("Punctuality is the best it has been all year, apart from the snowy week 🙃")


# --- messages to one person ---------------------------------------------------------------------------

def test_one_family_picked_out_by_class_blocks():
    assert "message_to_person" in kinds("Could the family from Willow class who borrowed the class tent please "
                                        "return it this week.")


def test_a_title_and_an_initial_spoken_to_blocks():
    assert "message_to_person" in kinds("Mr T – no problem, the coat is in lost property. Thanks for your email!")


# --- politics -----------------------------------------------------------------------------------------

def test_a_demand_made_of_the_council_blocks():
    assert "political" in kinds("Come along with Year 5 on Saturday as we urge the council to scrap the new car park plan!")


def test_asking_the_council_for_facts_passes():
    assert "political" not in kinds("The council has confirmed the crossing patrol starts again on Monday.")


def test_a_vote_for_a_prize_is_not_an_election():
    assert "political" not in kinds("🗳️ Cast your vote for the Junior Bake Off trophy! Entries are on the hall "
                                    "table until Thursday.")


def test_a_vote_for_the_best_of_something_is_a_contest():
    assert "political" not in kinds("Vote for the funniest pumpkin face in the hall this week – results on Friday!")
    assert "political" not in kinds("Our garden made the final! Please vote for us in the county Bloom prize.")


def test_a_vote_for_the_best_candidate_is_still_an_election():
    assert "political" in kinds("Vote for the best candidate on Thursday: the one who will fund our schools.")


def test_a_vote_for_a_party_still_blocks():
    assert "political" in kinds("Remember to vote for the Green Party on Thursday!")


# --- adverts ------------------------------------------------------------------------------------------

def test_a_writers_own_shop_with_a_way_to_buy_blocks():
    assert "business_advert" in kinds("Need a teacher gift? I hand-paint mugs in my little online shop – "
                                      "orders close on the 10th. Miss Patel")


def test_a_favourite_shop_mentioned_with_school_orders_passes():
    assert "business_advert" not in kinds("I found these lovely bookmarks in my favourite shop in town! "
                                          "Photo orders are due back by Friday.")
