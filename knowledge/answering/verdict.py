"""Stage 4, the verdict: the clause's modality × what is asked × whether its condition is met.

"no" forbidden, "yes" allowed or expected, "depends" only while the deciding fact is missing (and
then the answer says which fact), "info" a factual answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.answering.question import Question
from knowledge.policy import VERDICT_OF_MODALITY, Clause

# An exception inside a prohibition ("will not post names (unless they have given consent)").
EXCEPTION = re.compile(r"\b(unless|except|without (?:the )?(?:written )?(?:consent|permission|approval)|"
                       r"other than|only (?:if|where|when|with))\b", re.I)
CONSENT = re.compile(r"\b(consent|permission|agreed|approv\w*)\b", re.I)
# A permission limited by a condition ("may follow other users if you follow us").
CONDITION = re.compile(r"\b(if|only|provided|where|unless|subject to|as long as)\b", re.I)
# What the clause's "information" is about: asked yes/no, a definition or scope applies ("yes").
SCOPE_WORDS = re.compile(r"\b(applies|apply|includes?|including|means|considered|regardless|whether)\b", re.I)


@dataclass(frozen=True)
class Verdict:
    value: str  # yes / no / depends / info
    deciding_fact: str | None = None  # what to check when it depends


def decide(clause: Clause, question: Question) -> Verdict:
    if question.ask == "info":
        return Verdict("info")
    base = VERDICT_OF_MODALITY[clause.modality]
    text = clause.text
    if base == "info":
        return Verdict("yes" if SCOPE_WORDS.search(f"{clause.lead_in or ''} {text}") else "info")
    if base == "no":
        if EXCEPTION.search(text):
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
