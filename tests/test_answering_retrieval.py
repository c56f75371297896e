"""Stage 3, finding the rule: on a small policy written for these tests (no school's words), the
mechanisms that choose between clauses sharing the question's words."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.answering.question import read_question
from knowledge.answering.retrieval import LEXICAL_FULL, Retriever
from knowledge.answering.vocabulary import Vocabulary
from knowledge.policy import Policy

POLICY = """HILLTOP SCHOOL
SOCIAL MEDIA POLICY

1. The school blog

1.1 The school blog shares news of clubs, concerts and sports fixtures with families.

1.2 The school blog is managed by the Office Manager, Ms K Doyle, who checks each post before it is published.

1.3 Staff must not publish pupils' surnames on the school blog.

1.4 Posts about a club are removed from the school blog at the end of each term.

1.5 Club leaders may suggest posts about their club for the school blog.

2. Staff conduct online

2.1 Staff must not share photographs of pupils on personal accounts.

2.2 A breach of this policy by a member of staff may lead to disciplinary action.

2.3 Staff should keep their personal accounts private.

2.4 Staff who ignore a request from a pupil on a personal account should tell the head.
"""


def retriever_for(tmp_path_factory, text: str) -> tuple[Retriever, Vocabulary]:
    """A retriever over a small policy written for the test."""
    path: Path = tmp_path_factory.mktemp("policy") / "policy.txt"
    path.write_text(text, encoding="utf-8")
    policy = Policy.load(path)
    vocabulary = Vocabulary.load()
    vocabulary.know(policy.source)
    return Retriever(policy, vocabulary), vocabulary


@pytest.fixture(scope="module")
def retriever(tmp_path_factory) -> tuple[Retriever, Vocabulary]:
    return retriever_for(tmp_path_factory, POLICY)


def ranked_rules(retriever: tuple[Retriever, Vocabulary], text: str) -> list[str]:
    found, vocabulary = retriever
    return [found.clauses[candidate.index].rule for candidate in found.rank(read_question(text, vocabulary))]


@pytest.mark.parametrize("text, wants", [
    ("who looks after the school blog?", ("who",)),
    ("how long do club posts stay up", ("time",)),
    ("what happens if a teacher ignores the policy", ("consequence",)),
    ("how often is it reviewed and who signs it off?", ("who", "time")),
    ("can i post a photo of my class", ()),  # a ruling, not a fact
])
def test_the_kind_of_fact_a_question_wants(retriever, text, wants):
    assert read_question(text, retriever[1]).wants == wants


def test_who_prefers_the_clause_naming_a_role_holder_to_others_sharing_its_words(retriever):
    ranked = ranked_rules(retriever, "who looks after the school blog?")
    assert ranked.index("1-2") < min(ranked.index("1-4"), ranked.index("1-5"))


@pytest.mark.parametrize("text, rule", [
    ("how long do club posts stay up", "1-4"),  # the clause stating a time
    ("what happens if staff ignore the rules", "2-2"),  # the clause stating a consequence
])
def test_a_fact_question_is_answered_by_the_clause_stating_that_fact(retriever, text, rule):
    assert ranked_rules(retriever, text)[0] == rule


@pytest.mark.parametrize("text", ["what actually happens if a teacher ignores the policy",
                                  "what honestly happens if a teacher ignores the policy"])
def test_a_filler_word_does_not_split_the_phrase_that_asks(retriever, text):
    assert read_question(text, retriever[1]).wants == ("consequence",)


@pytest.mark.parametrize("text, concept", [
    ("could a teacher get sacked over a post", "_disciplinary"),  # a situation → the policy's concept
    ("is my bio ok if it names my job", "_profile"),
    ("can the school see my posts on the staff wifi", "_school_it_systems_network"),
    ("if the two policies clash, which takes precedence", "_conflict_priority"),
    ("who decides when something isnt in the policy", "_decide_decision"),
    ("what else should i read alongside this", "_related_policies"),
    ("can i hit back at the dad who posted about me", "_respond_retaliate"),
    ("i'm on duty at break, can i answer a text", "_supervise"),  # a policy writes "while supervising pupils"
])
def test_an_everyday_situation_is_read_as_the_concept_a_policy_writes(retriever, text, concept):
    assert concept in read_question(text, retriever[1]).tokens


@pytest.mark.parametrize("asked, written, concept", [
    ("are the photos from the fair ok to go up", "Staff must not publish images of pupils", "_images_photos"),
    ("is it ok to complain about the new timetable online", "Staff must not criticise the school", "_complain_criticise"),
    ("who makes the decision if the policy says nothing", "The head decides matters not covered here", "_decide_decision"),
])
def test_a_concepts_own_words_name_it_on_both_sides(retriever, asked, written, concept):
    """The words a concept is named by ("images", "photos", "complain", "decision") count as that concept
    wherever they appear, so "photos" asked meets "images" written."""
    from knowledge.lexicon import normalise
    vocabulary = retriever[1]
    assert concept in vocabulary.tokens(normalise(asked)) and concept in vocabulary.tokens(normalise(written))


def test_losing_ones_job_finds_the_disciplinary_clause(retriever):
    assert ranked_rules(retriever, "could a teacher get sacked over a post")[0] == "2-2"


def test_a_clause_vector_leans_on_its_own_words_as_well_as_its_heading(retriever):
    """Heading and lead-in give context, but a short item must not read as its heading alone."""
    found, _ = retriever
    if not found.semantic:
        pytest.skip("no embedding model")
    clauses = found.clauses
    own = found._encoder.encode([c.text for c in clauses])
    with_heading_only = found._encoder.encode([f"{c.heading}. {c.text}" for c in clauses])
    for index in range(len(clauses)):
        mixed = found._vectors[index] / np.linalg.norm(found._vectors[index])
        assert mixed @ own[index] > with_heading_only[index] @ own[index] - 1e-6


DEFINING_POLICY = """MEADOW SCHOOL
SOCIAL MEDIA POLICY

1. Scope

1.1 This policy applies to the use of social media by staff, for school and for personal purposes, at
school and at home, on any device, whether or not it counts as working time.

1.4 Staff who help with clubs count as staff for the purposes of this policy.

1.2 "Social media" means any website or app where people share posts, pictures or messages.

1.3 "Staff" includes volunteers, governors and students on placement.
"""


@pytest.fixture(scope="module")
def defining(tmp_path_factory) -> tuple[Retriever, Vocabulary]:
    return retriever_for(tmp_path_factory, DEFINING_POLICY)


@pytest.mark.parametrize("text, rule", [
    ("does whatsapp count as social media for this policy", "1-2"),
    ("does a gaming app count as social media under the policy?", "1-2"),
    ("am i classed as staff if i only help out on fridays?", "1-3"),  # not 1.4, which shares more words
])
def test_whether_something_counts_as_a_term_finds_the_clause_defining_it(defining, text, rule):
    assert ranked_rules(defining, text)[0] == rule


def test_a_defined_term_is_read_from_its_quotes():
    from knowledge.answering.retrieval import DEFINED_TERM
    assert DEFINED_TERM.findall("\u201cFormer pupil\u201d means anyone who attended") == ["Former pupil"]
    assert DEFINED_TERM.findall("For this document, 'social media' is considered to include apps") == ["social media"]


AGE_POLICY = """BROOK SCHOOL
SOCIAL MEDIA POLICY

1. Former pupils

1.1 Staff must not be in contact through personal accounts with former pupils who are under 18.

1.2 Staff may be in contact with former pupils who are over 18, but should tell the headteacher.

1.3 Staff must not accept friend requests from current pupils.
"""


@pytest.fixture(scope="module")
def ages(tmp_path_factory) -> tuple[Retriever, Vocabulary]:
    return retriever_for(tmp_path_factory, AGE_POLICY)


@pytest.mark.parametrize("text, rule", [
    ("a former pupil who is 23 now sent me a message, can i answer", "1-2"),
    ("a former pupil who is 16 now sent me a message, can i answer", "1-1"),
])
def test_a_stated_age_prefers_the_clause_whose_age_limit_it_meets(ages, text, rule):
    ranked = ranked_rules(ages, text)
    assert ranked.index(rule) < ranked.index({"1-1": "1-2", "1-2": "1-1"}[rule])


LISTING_POLICY = """ASH LANE SCHOOL
SOCIAL MEDIA POLICY

1. School accounts

1.1 The school's accounts are:
a) the school Facebook page, for news of trips and clubs;
b) the school blog, for news of clubs and trips.

1.2 Only the headteacher and the office manager may post on the school Facebook page.
"""


@pytest.fixture(scope="module")
def listing(tmp_path_factory) -> tuple[Retriever, Vocabulary]:
    return retriever_for(tmp_path_factory, LISTING_POLICY)


def test_asking_leave_prefers_a_rule_to_a_list_that_only_names_the_thing(listing):
    """"Can I post on the Facebook page?" is answered by who may post, not by the list of accounts."""
    ranked = ranked_rules(listing, "can i put the trip photos on the school facebook page")
    assert ranked[0] == "1-2"


def test_a_statement_is_not_held_back_for_a_question_asking_what_there_is(listing):
    assert ranked_rules(listing, "which accounts does the school have")[0] == "1-1"


def test_a_long_story_keeps_its_lexical_lead_instead_of_tying_every_clause_at_full(retriever):
    """A question that tells a long story shares many words with several clauses: their lexical
    evidence is scaled to the best clause, not clipped, so the clause sharing most words still leads."""
    found, vocabulary = retriever
    story = ("our chess club leader wants to suggest posts about the club for the school blog: the club won a "
             "tournament, the club has a concert, and the club has fixtures every term. the club posts would be "
             "removed at the end of term anyway. can a club leader suggest posts about their club for the school blog?")
    question = read_question(story, vocabulary)
    raw = sorted(found._bm25.get_scores(question.tokens), reverse=True)
    assert raw[0] > LEXICAL_FULL and raw[1] > 0  # the story passes full lexical evidence
    lexical = sorted((candidate.lexical for candidate in found.rank(question)), reverse=True)
    assert lexical[0] == pytest.approx(1.0)
    assert lexical[1] == pytest.approx(raw[1] / raw[0], rel=1e-3)  # the runner-up keeps its distance
