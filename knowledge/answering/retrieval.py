"""Stage 3, finding the clauses a question is about: lexical evidence beside sentence embeddings.

Each clause is read as a document: its section heading, its lead-in and its text. Lexical scoring
is BM25 (rank_bm25) over stems plus the lexicon terms both sides name; the embedding score is the
cosine between the question and the document (or one of the school's example phrasings for that
clause, when it has written any). The two are blended, then steered by who acts: a rule written for
parents answers a parent's question better than the staff rule with the same words.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

from knowledge.answering.embedding import EmbeddingUnavailable, shared_encoder
from knowledge.answering.question import Question
from knowledge.answering.vocabulary import Vocabulary
from knowledge.lexicon import normalise
from knowledge.policy import Clause, Policy

log = logging.getLogger(__name__)

# Weights calibrated on the earlier Calmore sets and the first blind set of each of three schools'
# policies (benchmarks/answer_quality.py); the final blind sets judge them.
EMBEDDING_WEIGHT = 0.6
LEXICAL_WEIGHT = 0.4
# BM25 is unbounded: a question whose best clause scores this much has full lexical evidence (a
# question whose best clause scores more is scaled to that best).
LEXICAL_FULL = 18.0
# A clause's vector leans partly on its own words: with the heading and lead-in alone, a short list
# item reads like its heading and every item of a list looks alike.
OWN_WORDS_SHARE = 0.15
EXAMPLE_DISCOUNT = 0.95  # an example phrasing is evidence for its clause, a little less than the clause
AUDIENCE_MATCH = 0.04
AUDIENCE_CLASH = 0.10
OWN_ACCOUNT_CLASH = 0.25
DEFINITION_MATCH = 0.08
# A fact question ("who runs…", "how often…", "what happens if…") prefers a clause that states that
# kind of fact (a role holder, a time, a consequence) over one that only shares its words.
ANSWER_KIND_MATCH = 0.05
# A clause that defines a quoted term ("'Social media' means…", "\u201cStaff\u201d includes…") answers a
# question asking whether something counts as that term, when the question names the term.
DEFINED_TERM = re.compile(r"[\"'\u2018\u201c]([^\"'\u2019\u201d]{2,40})[\"'\u2019\u201d]\s+(?:means|includes?|is considered to "
                          r"include|refers to|is defined as)\b", re.I)
DEFINED_TERM_MATCH = 0.06
# An age limit a clause states ("former pupils who are under 18", "over 18", "from the age of 13"): a
# question that states an age prefers the clause whose limit that age meets over the one it does not.
AGE_LIMIT = re.compile(r"\b(under|below|younger than|over|above|older than|aged|from the age of|at least)\s+(?:the age of\s+)?(\d{1,2})\b",
                       re.I)
AGE_MATCH = 0.05
# "Can I…?" asks for a ruling: a clause that only lists or states something (the accounts the school
# runs, what a word means) answers it less well than a rule with the same words.
STATEMENT_FOR_RULING = 0.06
RULING_INTENTS = ("permission", "obligation")
DEFINES = re.compile(r"\b(means|is considered to include|refers to|defined as|definition|includes any)\b", re.I)
# How each audience is named when a rule is put back as a question ("Can staff …?").
ASKED_AS = {"staff": "staff", "pupils": "pupils", "parents": "parents", "school_accounts": "the school",
            "everyone": "we"}


@dataclass(frozen=True)
class Candidate:
    index: int  # into Retriever.clauses
    score: float
    lexical: float
    semantic: float


ANAPHOR = re.compile(r"^(these|this|such|they|those|it|the above)\b", re.I)


def clause_document(clause: Clause, previous: Clause | None = None) -> str:
    """Heading, lead-in and text; a paragraph that opens "These accounts…" also carries the words
    of the paragraph or list it points back to."""
    lead = f" {clause.lead_in}" if clause.lead_in else ""
    before = ""
    if previous is not None and previous.section == clause.section and ANAPHOR.match(clause.text):
        before = f" {previous.lead_in or previous.text}"
    return f"{clause.heading}.{before}{lead} {clause.text}"


def clause_documents(clauses: list[Clause]) -> list[str]:
    return [clause_document(c, clauses[i - 1] if i else None) for i, c in enumerate(clauses)]


SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z])")


def sentences_of(text: str) -> list[str]:
    """A paragraph's sentences, when it has several: each is a target of its own, so that one
    sentence of a long numbered paragraph is not drowned by the rest."""
    parts = [part for part in SENTENCE_END.split(text) if len(part.split()) >= 4]
    return parts if len(parts) > 1 else []


def clause_as_question(clause: Clause) -> str | None:
    """A list item under "staff must not:" read back as the question people ask about it
    ("Can staff accept friend requests from pupils?"): questions sit nearer questions."""
    if clause.kind != "bullet" or not clause.lead_in:
        return None
    body = clause.text.rstrip(".;")
    body = body[:1].lower() + body[1:]
    who = ASKED_AS[clause.audience]
    if clause.modality in ("will", "will_not"):
        return f"Will {who} post {body}?"
    if clause.modality in ("must_not", "should_not", "may"):
        return f"Can {who} {body}?"
    if clause.modality in ("must", "should"):
        return f"Should {who} {body}?"
    return None


class Retriever:
    def __init__(self, policy: Policy, vocabulary: Vocabulary, examples: dict[str, list[str]] | None = None):
        self.clauses = policy.clauses
        self.vocabulary = vocabulary
        documents = clause_documents(self.clauses)
        self._bm25 = BM25Okapi([vocabulary.tokens(normalise(d)) or ["_"] for d in documents])
        self._vectors = None
        self._target_vectors = None
        # The last question ranked and its vector: the best sentence needs it too, and the question is
        # immutable. Held by identity, so a question read anew is encoded anew (as a new ask is).
        self._last_encoded: tuple[Question, np.ndarray] | None = None
        self._target_owner: np.ndarray | None = None
        self._sentences: dict[int, list[tuple[str, int]]] = {}  # clause → (sentence, row in _target_vectors)
        self._answer_kinds = [vocabulary.answer_kinds(normalise(c.text)) for c in self.clauses]
        self._statements = np.array([c.modality == "information" for c in self.clauses])
        self._defines = np.array([bool(DEFINES.search(f"{c.heading} {c.text}")) for c in self.clauses])
        self._age_limits = [AGE_LIMIT.findall(c.text) for c in self.clauses]
        # Each clause's defined terms ("'Children' includes…") as token sets; the pipeline reads them too.
        self.defined_terms = [[set(vocabulary.tokens(normalise(term))) for term in DEFINED_TERM.findall(c.text)]
                              for c in self.clauses]
        try:
            encoder = shared_encoder()
            # Not renormalised: a clause whose words and heading point different ways scores a
            # little lower (renormalising lost 6 rules and two refusals on the A–E sets).
            self._vectors = (1 - OWN_WORDS_SHARE) * encoder.encode_cached(documents) \
                + OWN_WORDS_SHARE * encoder.encode_cached([c.text for c in self.clauses])
            by_id = {c.id: i for i, c in enumerate(self.clauses)}
            # Extra targets for a clause: the rule read back as a question, each sentence of a long
            # paragraph, and the school's example phrasings when it has written any. A clause scores
            # its best target.
            pairs = [(i, form) for i, c in enumerate(self.clauses) if (form := clause_as_question(c))]
            sentence_pairs = [(i, sentence) for i, c in enumerate(self.clauses) for sentence in sentences_of(c.text)]
            first_sentence = len(pairs)
            pairs += [(i, f"{self.clauses[i].heading}. {sentence}") for i, sentence in sentence_pairs]
            for offset, (i, sentence) in enumerate(sentence_pairs):
                self._sentences.setdefault(i, []).append((sentence, first_sentence + offset))
            pairs += [(by_id[cid], text) for cid, texts in (examples or {}).items() if cid in by_id for text in texts]
            if pairs:
                self._target_vectors = encoder.encode_cached([text for _, text in pairs])
                self._target_owner = np.array([owner for owner, _ in pairs])
            self._encoder = encoder
        except EmbeddingUnavailable as missing:
            log.warning("answering without sentence embeddings: %s", missing)

    @property
    def semantic(self) -> bool:
        return self._vectors is not None

    def _semantic_scores(self, question: Question) -> np.ndarray:
        if self._vectors is None:
            return np.zeros(len(self.clauses), dtype=np.float32)
        vector = self._question_vector(question)
        scores = self._vectors @ vector
        if self._target_vectors is not None:
            target_scores = (self._target_vectors @ vector) * EXAMPLE_DISCOUNT
            np.maximum.at(scores, self._target_owner, target_scores)
        return np.clip(scores, 0.0, 1.0)

    def best_sentence(self, index: int, question: Question) -> str | None:
        """Of a clause with several sentences, the one nearest the (ranked) question."""
        sentences = self._sentences.get(index)
        if not sentences or self._vectors is None:
            return None
        rows = [row for _, row in sentences]
        vector = self._question_vector(question)
        return sentences[int(np.argmax(self._target_vectors[rows] @ vector))][0]

    def _question_vector(self, question: Question) -> np.ndarray:
        last = self._last_encoded
        if last is not None and last[0] is question:
            return last[1]
        vector = self._encoder.encode([question.for_embedding])[0]
        self._last_encoded = (question, vector)
        return vector

    def rank(self, question: Question) -> list[Candidate]:
        lexical = np.asarray(self._bm25.get_scores(question.tokens), dtype=np.float32) if question.tokens \
            else np.zeros(len(self.clauses), dtype=np.float32)
        # A long question (a story, then what it asks) can pass LEXICAL_FULL on many clauses: scaled to its
        # own best then, not clipped, so the clause with most of its words still leads the others.
        lexical = np.clip(lexical / max(LEXICAL_FULL, float(lexical.max(initial=0.0))), 0.0, 1.0)
        semantic = self._semantic_scores(question)
        if self._vectors is None:
            blended = lexical
        else:
            blended = EMBEDDING_WEIGHT * semantic + LEXICAL_WEIGHT * lexical
        steered = blended + np.array([_audience_adjustment(c, question) for c in self.clauses])
        if question.definition:
            steered = steered + DEFINITION_MATCH * self._defines
        elif question.intent in RULING_INTENTS:
            steered = steered - STATEMENT_FOR_RULING * self._statements
        if question.definition or question.intent == "scope":
            asked = set(question.tokens)
            steered = steered + DEFINED_TERM_MATCH * np.array(
                [any(term and term <= asked for term in terms) for terms in self.defined_terms])
        if question.wants:
            steered = steered + ANSWER_KIND_MATCH * np.array([len(kinds.intersection(question.wants))
                                                              for kinds in self._answer_kinds])
        if question.ages:
            steered = steered + AGE_MATCH * np.array([_age_fit(limits, question.ages) for limits in self._age_limits])
        order = np.argsort(-steered)
        return [Candidate(int(i), float(steered[i]), float(lexical[i]), float(semantic[i])) for i in order]


def _age_fit(limits: list[tuple[str, str]], ages: tuple[int, ...]) -> bool:
    """The clause states an age limit and every stated age meets it. A limit the age fails is no
    penalty: where no clause fits the age, the rule whose limit excludes the case still answers it."""
    if not limits:
        return False
    for word, number in limits:
        limit, word = int(number), word.lower()
        for age in ages:
            if (word in ("under", "below", "younger than") and age >= limit) or \
                    (word in ("over", "above", "older than") and age <= limit) or \
                    (word in ("from the age of", "at least") and age < limit):
                return False
    return True


def _audience_adjustment(clause: Clause, question: Question) -> float:
    """Rules bind someone: prefer the rules for whoever the question is about. "My own facebook" is
    never what the school's accounts post."""
    if question.actor is None or clause.audience == "everyone":
        return 0.0
    if question.own_account and question.actor != "school_accounts" and clause.audience == "school_accounts":
        return -OWN_ACCOUNT_CLASH
    if clause.audience == question.actor:
        return AUDIENCE_MATCH
    return -AUDIENCE_CLASH
