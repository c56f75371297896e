"""Stage 4, the verdict: modality × what is asked × whether the condition is met."""
from __future__ import annotations

import pytest

from knowledge.answering.question import read_question
from knowledge.answering.verdict import decide
from knowledge.policy import parse_policy

POLICY = parse_policy("""Example School Social Media Policy

1. Staff

When using social media, staff must not:
- Accept friend requests from pupils
- Post images of pupils

2. School accounts

The school will post on Facebook:
- Photos of school trips

The school will not post on Facebook:
- Names and photos of individuals (unless they have given consent)

The school:
- May follow other users if you follow us on Instagram

3. Scope

This policy applies to the use of social media whether during working hours or otherwise.
""")


def verdict(vocabulary, clause_text: str, question: str) -> str:
    [clause] = [c for c in POLICY.clauses if c.text.startswith(clause_text)]
    return decide(clause, read_question(question, vocabulary)).value


@pytest.mark.parametrize("clause, question, expected", [
    ("Accept friend requests", "can i accept a friend request from a pupil", "no"),
    ("Photos of school trips", "will the school post trip photos", "yes"),
    ("Names and photos", "can the school post a child's name and photo", "depends"),
    ("Names and photos", "can the school post her photo, her mum said yes", "yes"),
    ("Names and photos", "can the school post her photo without asking her", "no"),
    ("May follow other users", "will the school follow me back", "depends"),
    ("This policy applies", "does the policy apply on a saturday", "yes"),
    ("Accept friend requests", "who do i ask about friend requests", "info"),
])
def test_verdicts(vocabulary, clause, question, expected):
    assert verdict(vocabulary, clause, question) == expected


def test_depends_names_the_deciding_fact(vocabulary):
    [clause] = [c for c in POLICY.clauses if c.text.startswith("Names and photos")]
    assert decide(clause, read_question("can we post his name", vocabulary)).deciding_fact == "consent"


def test_a_prohibition_never_gives_yes_without_its_exception(vocabulary):
    for clause in POLICY.clauses:
        if clause.modality == "must_not":
            for question in ("can i do this", "is it fine if i do it, she said yes", "am i allowed"):
                assert decide(clause, read_question(question, vocabulary)).value != "yes"


def test_a_sentence_stating_no_rule_never_turns_a_prohibition_into_yes(vocabulary):
    policy = parse_policy("""Example School Social Media Policy

7. Pupils

7.1 Most platforms set a minimum age of 13 in their terms of use. Pupils must not hold social media accounts.
""")
    [clause] = policy.clauses
    question = read_question("can i follow my teacher on tiktok", vocabulary)
    assert decide(clause, question, "Most platforms set a minimum age of 13 in their terms of use.").value == "no"


def test_a_prohibition_in_a_clause_wins_over_its_other_sentences(vocabulary):
    policy = parse_policy("""Example School Social Media Policy

5. Official accounts

5.12 Staff must not use official accounts to respond to complaints. Any complaint received through an official account will be acknowledged with a standard message.
""")
    [clause] = policy.clauses
    question = read_question("can staff use official accounts to respond to complaints", vocabulary)
    later = "Any complaint received through an official account will be acknowledged with a standard message."
    assert decide(clause, question, later).value == "no"


SECOND = parse_policy("""Example Academy Social Media Policy

4. Staff

4.1 Staff should:
a) check their privacy settings at least once a term;
b) not join parents' WhatsApp groups, even if they are invited.

4.2 The school will not post any of the following on any official account:
a) pupils' full names. A first name may be used, but never beside a photo unless the parent has given written consent;
b) images of pupils in swimwear.

4.3 Staff must report an online safety concern to the DSL on the same day.

4.4 All staff will receive training on this policy every September.

4.5 This policy applies to personal accounts, including accounts under a made-up name.
""")


def second(vocabulary, start: str, question: str) -> str:
    [clause] = [c for c in SECOND.clauses if c.text.startswith(start)]
    return decide(clause, read_question(question, vocabulary)).value


def test_a_list_item_that_opens_with_not_turns_the_lead_in_round():
    [item] = [c for c in SECOND.clauses if c.text.startswith("not join")]
    assert item.modality == "should_not"
    assert [c.modality for c in SECOND.clauses if c.text.startswith("check their")] == ["should"]


@pytest.mark.parametrize("start, question, expected", [
    ("not join", "the y3 parents invited me to their whatsapp group, should i join?", "no"),
    # consent lifts only the sentence it is in: never a full name
    ("pupils' full names", "her mum has given written consent, can we put her full name on the post?", "no"),
    ("Staff must report", "i saw something worrying at 4pm, can it wait till tomorrow?", "no"),
    ("Staff must report", "do i have to report it to the dsl", "yes"),
    ("All staff will receive", "will i get any training on this?", "info"),
    ("All staff will receive", "do governors get any training on it", "info"),
    ("This policy applies", "my insta is under a made up name so it doesnt count, right?", "no"),
    ("This policy applies", "does the policy cover an account under a made up name?", "yes"),
])
def test_verdicts_read_the_question_and_the_clause_as_written(vocabulary, start, question, expected):
    assert second(vocabulary, start, question) == expected


INTENT_POLICY = parse_policy("""Example School Social Media Policy

1. Accounts

1.1 Only the Headteacher and the Office Manager may post on the school blog. Other staff may send content to the Office Manager.

1.2 Class reps may draft newsletters. All newsletters must be approved by the Deputy Head before they are sent, except for urgent weather warnings, which the Headteacher may approve.

1.3 Parents may film the summer concert only of their own children.

1.4 If a pupil tells staff about something worrying online, staff should write it down and pass it to the DSL without copying the messages.

1.5 The school will not routinely monitor the personal accounts of staff.

1.6 Contact through personal accounts with former pupils who are under 18 is forbidden.

2. Parents

Parents should not use social media to:
- Share pictures of pupils other than their own

3. Scope

3.1 This policy applies to staff at all times, on any device.

3.2 Pupils must not post unkind comments about other pupils.

3.3 Parents must have signed the photo form before their child appears on the blog.
""")


def intent_verdict(vocabulary, rule: str, question: str) -> str:
    clause = next(c for c in INTENT_POLICY.clauses if c.rule == rule or c.text.startswith(rule))
    return decide(clause, read_question(question, vocabulary)).value


@pytest.mark.parametrize("rule, question, expected", [
    # only named people may act: someone else asking to do it is a "no"; a named one is not
    ("1-1", "can i put my class's poem on the school blog myself? im a y2 teacher", "no"),
    # approval must come first: acting without it is a "no"; its own exception, or approval given, a "yes"
    ("1-2", "as class rep can i just send the newsletter out straight away", "no"),
    ("1-2", "heavy snow expected tonight, the head wants a weather warning out now, can we send it", "yes"),
    ("1-2", "the deputy head approved it this morning, can i send the newsletter", "yes"),
    # limited to the asker's own children: others in shot is a "no", only their own a "yes"
    ("1-3", "can i film the concert, there will be other kids on the stage too", "no"),
    ("1-3", "can i film just my own son's solo at the concert", "yes"),
    ("Share pictures", "can i share a photo with loads of other children in it", "no"),
    # a duty that says "without …": asking to do that thing is a "no"
    ("1-4", "should i copy the messages before i pass it on", "no"),
    # a yes/no question about what happens, answered by a "will not": "no"
    ("1-5", "does the school monitor my personal account?", "no"),
    # "is forbidden" reads as a prohibition
    ("1-6", "a former pupil who is 16 messaged me, can i reply", "no"),
])
def test_conditions_against_the_facts_a_question_states(vocabulary, rule, question, expected):
    assert intent_verdict(vocabulary, rule, question) == expected


@pytest.mark.parametrize("rule, question, expected", [
    # scope: the rule reaches the case; a question saying it doesn't is answered "no"
    ("3-1", "does the policy still apply during the holidays if im not at school", "yes"),
    ("3-1", "my profile is locked so the policy doesnt apply to it, right", "no"),
    # a prohibition answers a scope question "yes, it reaches this case", never a bare "yes" (see the pipeline test)
    ("3-2", "some pupils were nasty to each other online at the weekend, is that even our business?", "yes"),
    # an obligation asked of a duty is a "yes" even though its condition is unmet
    ("3-3", "is a signed photo form required before a child is on the blog?", "yes"),
    # what does the policy say about a story: what it forbids is a "no"
    ("3-2", "a boy posted something mean about his classmate. what does the policy say", "no"),
    # a question put after a comma, or inside a request, asks for facts
    ("3-3", "the form is on the system, how long does it last", "info"),
    ("3-3", "could you tell me who keeps the photo forms", "info"),
])
def test_the_kind_of_answer_asked_for(vocabulary, rule, question, expected):
    assert intent_verdict(vocabulary, rule, question) == expected


def test_a_consent_that_lifts_one_item_of_a_prohibitive_list_only_depends(vocabulary):
    policy = parse_policy("""Example School Social Media Policy

4. Official accounts

The school will not post any of the following:
- images of any pupil whose parent has not given consent on the photo form;
- images of pupils in swimwear;
""")
    clause = policy.clauses[0]
    question = read_question("can we post the gala photos? their parents have given consent", vocabulary)
    assert decide(clause, question).value == "depends"
