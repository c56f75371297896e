"""Answering a question from any school's policy: a short pipeline of named stages.

    read the policy      knowledge.policy            sections, rules, audiences, modality, conditions
    read the question    answering.question          who asks, who acts, what is asked, the facts given
    retrieve             answering.retrieval         lexical evidence beside sentence embeddings
    decide the verdict   answering.verdict           modality × what is asked × conditions met or not
    know when not to     answering.pipeline          a calibrated refusal, "did you mean…" when close
    disclosures          knowledge.disclosure        the report offered first, the question still answered

`Answerer.load(policy, lexicon=None, examples=None)` needs only the policy text: the school's own
lexicon and example phrasings are optional extras.
"""
from knowledge.answering.pipeline import Answerer

__all__ = ["Answerer"]
