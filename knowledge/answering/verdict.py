"""Stage 4, the verdict: the clause's modality × what is asked × whether its condition is met.

"no" forbidden, "yes" allowed or expected, "depends" only while the deciding fact is missing (and
then the answer says which fact), "info" a factual answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.answering.question import Question
from knowledge.policy import VERDICT_OF_MODALITY, Clause, modality_of

# An exception inside a prohibition ("will not post names (unless they have given consent)").
EXCEPTION = re.compile(r"\b(unless|except|without (?:the )?(?:written )?(?:consent|permission|approval)|"
                       r"other than|only (?:if|where|when|with))\b", re.I)
CONSENT = re.compile(r"\b(consent|permission|agreed|approv\w*)\b", re.I)
# A permission limited by a condition ("may follow other users if you follow us").
CONDITION = re.compile(r"\b(if|only|provided|where|unless|subject to|as long as)\b", re.I)
# What the clause's "information" is about: asked yes/no, a definition or scope applies ("yes").
# A rule limited to minors ("a former pupil under 18") does not forbid it for an adult.
MINORS_ONLY = re.compile(r"\bunder (?:the age of )?18\b|\bunder-18s?\b", re.I)
# "Will only 'like' pages with a non-commercial interest": what it leaves out ("commercial").
EXCLUDED = re.compile(r"\bnon[- ]([a-z]+)", re.I)
# A negated statement ("does not routinely monitor personal accounts") answers its yes/no "no".
NEGATED_STATEMENT = re.compile(r"\b(does not|do not|is not|are not|will not|cannot|won't|doesn't|don't|never)\b", re.I)
SCOPE_WORDS = re.compile(r"\b(applies|apply|includes?|including|means|considered|regardless|whether)\b", re.I)


SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z])")


def _main_sentence(text: str) -> str:
    """A prohibition's exception lifts it only when it is in the prohibition's own sentence: in
    "pupils' full names. A first name may be used … unless consent", consent never allows the full name."""
    return SENTENCE_END.split(text, maxsplit=1)[0]


@dataclass(frozen=True)
class Verdict:
    value: str  # yes / no / depends / info
    deciding_fact: str | None = None  # what to check when it depends


def decide(clause: Clause, question: Question, sentence: str | None = None) -> Verdict:
    """`sentence`: the clause's sentence that the question matched best, when it has several. It may
    only make the verdict stricter: a prohibition anywhere in the clause is never read as a "yes"
    because another of its sentences says what will happen instead."""
    whole = _decide(clause.text, VERDICT_OF_MODALITY[clause.modality], clause, question)
    if not sentence or whole.value in ("no", "depends", "info") or modality_of(sentence) == "information":
        return whole
    return _decide(sentence, VERDICT_OF_MODALITY[modality_of(sentence)], clause, question)


def _decide(text: str, base: str, clause: Clause, question: Question) -> Verdict:
    if question.ask == "info":
        return Verdict("info")
    if base in ("info", "yes") and NEGATED_STATEMENT.search(text) and not clause.lead_in \
            and text != clause.text:
        return Verdict("no")  # "The Trust does not routinely monitor personal accounts."
    if base == "info":
        if not SCOPE_WORDS.search(f"{clause.lead_in or ''} {text}"):
            return Verdict("info")
        return Verdict("no" if question.negated else "yes")  # "it doesn't count, does it?" — it does: "no"
    if base == "yes" and question.skips_duty and clause.modality in ("must", "should"):
        return Verdict("no")  # "can it wait till monday?" against "must report straight away"
    excluded = [word.lower() for word in EXCLUDED.findall(text)]
    if excluded and any(word in token for word in excluded for token in question.tokens):
        return Verdict("no")
    if base == "no" and question.adult and MINORS_ONLY.search(text):
        return Verdict("yes")
    if base == "no":
        if EXCEPTION.search(_main_sentence(text)):
            if CONSENT.search(text):
                if question.consent == "given":
                    return Verdict("yes")
                if question.consent == "refused":
                    return Verdict("no")
                return Verdict("depends", "consent")
            return Verdict("depends", "the exception the rule names")
        return Verdict("no")
    # A permission or an expectation.
    if CONSENT.search(text) and question.consent == "refused":
        return Verdict("no")
    if clause.modality == "may" and CONDITION.search(text):
        if question.consent == "given":
            return Verdict("yes")
        return Verdict("depends", "the condition the rule names")
    if clause.conditional and CONSENT.search(text):
        return Verdict("yes") if question.consent == "given" else Verdict("depends", "consent")
    return Verdict("yes")
