"""The meaning check: a draft sentence close in meaning to one of the policy's will-not rules that no
other check has cited gets a warn, so a person looks at it. It never blocks: closeness in meaning is a
reason to look, not proof.

The sentence embedding model is the answer pipeline's (knowledge/answering/embedding.py, all-MiniLM-L6-v2
on onnxruntime); the rules' vectors are cached on disk. Without the model the check is skipped.
"""
from __future__ import annotations

import logging
import re

from knowledge.draft_check.base import Context, excerpt_of, sentences
from knowledge.draft_policy import CATCH_ALL, citation
from knowledge.policy import Clause

log = logging.getLogger(__name__)
# Cosine similarity at which a sentence is taken to be about a rule (all-MiniLM-L6-v2). Set on the
# tuning sets so that few compliant drafts are flagged (README, evidence).
CLOSE_ENOUGH = 0.50
MIN_WORDS = 4
MAX_SENTENCES = 40  # a post is a few sentences; a pasted document is read on its first part


def _encoder():
    from knowledge.answering.embedding import shared_encoder

    return shared_encoder()  # the answer pipeline's: one model per process


def _rule_text(clause: Clause) -> str:
    return clause.text.rstrip(";.,")


def closest_rules(ctx: Context) -> list[tuple[float, Clause, int, str]]:
    """(similarity, rule, sentence start, sentence) for each will-not rule of the channel, best first."""
    rules = [c for c in ctx.rules.will_not.get(ctx.channel, []) if not CATCH_ALL.search(c.text)]
    parts = [(start, s.strip()) for start, s in sentences(ctx.text)
             if len(re.findall(r"\w+", s)) >= MIN_WORDS][:MAX_SENTENCES]
    if not rules or not parts:
        return []
    try:
        from knowledge.answering.embedding import EmbeddingUnavailable

        encoder = _encoder()
        rule_vectors = encoder.encode_cached([_rule_text(c) for c in rules])
        draft_vectors = encoder.encode([s for _, s in parts])
    except (ImportError, EmbeddingUnavailable, OSError) as problem:
        log.info("meaning check skipped (%s)", problem)
        return []
    scores = draft_vectors @ rule_vectors.T
    found = []
    for j, clause in enumerate(rules):
        i = int(scores[:, j].argmax())
        found.append((float(scores[i, j]), clause, parts[i][0], parts[i][1]))
    return sorted(found, key=lambda item: -item[0])


def check_meaning(ctx: Context) -> None:
    """Warn on the closest will-not rule no other finding has covered, when it is close enough."""
    found_kinds = {f.rule for f in ctx.findings}
    by_kind = ctx.rules.rules.get(ctx.channel, {})
    for score, clause, start, sentence in closest_rules(ctx):
        if score < CLOSE_ENOUGH:
            break
        kinds = {kind for kind, clauses in by_kind.items() if any(c is clause for c in clauses)}
        if kinds & found_kinds or any(f.clause == clause.id for f in ctx.findings):
            continue  # another check has already spoken about this rule
        ctx.add("other", "warn",
                f"This reads close to a rule of the policy ({citation(clause)}). Check the post does not break it.",
                excerpt_of(ctx.text, start, start + len(sentence)), clause=clause)
        return
