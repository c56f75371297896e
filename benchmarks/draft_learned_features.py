"""Features of a draft against a policy's will-not rules, for the learned-layer experiments
(benchmarks/draft_learned_gate.py). Every block is built so that it means the same for any policy:
the draft's own MiniLM embeddings, how close its sentences come to the channel's will-not rules (best
three, mean, and best per kind of rule), and the best (sentence, rule) pair's element-wise product.
"""
from __future__ import annotations

import re

import numpy as np

from knowledge.draft_check.base import Context, sentences
from knowledge.draft_policy import CATCH_ALL, KINDS

RULE_KINDS = list(KINDS) + ["unkinded"]
MIN_WORDS = 4
MAX_SENTENCES = 40


def rule_table(rules, channel: str, encoder) -> tuple[np.ndarray, np.ndarray]:
    """(vectors of the channel's will-not rules, kind one-hot per rule)."""
    clauses = [c for c in rules.will_not.get(channel, []) if not CATCH_ALL.search(c.text)]
    if not clauses:
        return np.zeros((0, 384), np.float32), np.zeros((0, len(RULE_KINDS)), np.float32)
    vectors = encoder.encode_cached([c.text.rstrip(";.,") for c in clauses])
    by_kind = rules.rules.get(channel, {})
    onehot = np.zeros((len(clauses), len(RULE_KINDS)), np.float32)
    for i, clause in enumerate(clauses):
        kinds = [k for k, cs in by_kind.items() if any(c is clause for c in cs)]
        for k in kinds or ["unkinded"]:
            onehot[i, RULE_KINDS.index(k)] = 1
    return vectors, onehot


def features(ctx: Context, encoder, table) -> dict[str, np.ndarray]:
    text = ctx.text or " "
    parts = [s.strip() for _, s in sentences(text) if s.strip()][:MAX_SENTENCES] or [text]
    long_parts = [i for i, s in enumerate(parts) if len(re.findall(r"\w+", s)) >= MIN_WORDS]
    vectors = encoder.encode([text] + parts)
    whole, sent = vectors[0], vectors[1:]
    rule_vectors, onehot = table
    out = {"whole": whole, "mean": sent.mean(axis=0), "max": sent.max(axis=0),
           "cos": np.zeros(4, np.float32), "kind_cos": np.zeros(len(RULE_KINDS), np.float32),
           "pair": np.zeros(384, np.float32), "top_kind": np.zeros(len(RULE_KINDS), np.float32)}
    if len(rule_vectors) and long_parts:
        scores = sent[long_parts] @ rule_vectors.T  # sentence x rule, as the meaning check reads them
        best = scores.max(axis=0)
        order = np.argsort(-best)
        top = list(best[order[:3]]) + [0.0] * 3
        out["cos"] = np.array([top[0], top[1], top[2], best.mean()], np.float32)
        out["kind_cos"] = (onehot * best[:, None]).max(axis=0)
        j = int(order[0])
        i = long_parts[int(scores[:, j].argmax())]
        out["pair"] = sent[i] * rule_vectors[j]
        out["top_kind"] = onehot[j]
    return out
