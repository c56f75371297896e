"""The sentence embedding alone: how often its nearest clause is a labelled rule (top 1 and top 5).

    .venv/bin/python benchmarks/embedding_alone.py SET.toml... [--onnx MODEL.onnx [--tokenizer FILE] [--output N]]

With no --onnx it measures the pipeline's own model (knowledge/answering/embedding.py). With --onnx
it measures another BERT-family ONNX file (input_ids, attention_mask; output N is the token states,
mean-pooled), so that a candidate model can be compared with the current one before any wiring:
knowledge/models/README.md records what was compared. Scores are the retriever's own semantic
scores (clause documents, clauses read back as questions, their sentences), without the lexical
stage or any steering. Use tuning sets only (/work/ANSWER_HELPER_RULES.md).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from answer_quality import build_answerer, load_set, rules_of_excerpt  # noqa: E402

import knowledge.answering.embedding as embedding  # noqa: E402
from knowledge.answering.question import read_question  # noqa: E402


class OnnxCandidate(embedding.SentenceEncoder):
    """The pipeline's encoder with another ONNX file and tokenizer; clause vectors cached by model."""

    def __init__(self, model: Path, tokenizer: Path, output: int) -> None:
        super().__init__()
        import onnxruntime
        from tokenizers import Tokenizer
        self.model_id = f"candidate:{model.resolve()}"
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(model), sess_options=options,
                                                     providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(max_length=embedding.MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._inputs = tuple(i.name for i in self._session.get_inputs())
        self._output = output

    def encode(self, texts: list[str]) -> np.ndarray:
        return embedding.encode_batch(self._session, self._tokenizer, self._inputs, texts, self._output)


def alone(set_path: Path) -> tuple[int, int, int]:
    """(top 1 right, top 5 right, questions) over the set's in-scope questions."""
    items, policy_file = load_set(set_path)
    policy, answer = build_answerer(policy_file or ROOT / "policy" / "calmore-social-media-policy.txt")
    answerer = answer.__self__
    top1 = top5 = asked = 0
    for item in items:
        sections = [s for s in str(item.get("s", "")).split("|") if s]
        if not sections or sections == ["oos"]:
            continue
        wanted = set().union(*[rules_of_excerpt(policy, e) for e in item.get("rule", [])] or [set()])
        scores = answerer.retriever._semantic_scores(read_question(item["q"], answerer.vocabulary))
        hits = [policy.clauses[i].rule in wanted if wanted else policy.clauses[i].section in sections
                for i in np.argsort(-scores)[:5]]
        asked += 1
        top1 += hits[0]
        top5 += any(hits)
    return top1, top5, asked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--onnx", type=Path, help="a candidate model instead of the pipeline's own")
    parser.add_argument("--tokenizer", type=Path, default=embedding.TOKENIZER_FILE)
    parser.add_argument("--output", type=int, default=0, help="which output holds the token states")
    args = parser.parse_args(argv)
    if args.onnx:
        embedding._SHARED = OnnxCandidate(args.onnx, args.tokenizer, args.output)
    totals = [0, 0, 0]
    for set_path in args.sets:
        top1, top5, asked = alone(set_path)
        print(f"{set_path}: top 1 {top1}/{asked}, top 5 {top5}/{asked}")
        totals = [totals[0] + top1, totals[1] + top5, totals[2] + asked]
    if len(args.sets) > 1 and totals[2]:
        top1, top5, asked = totals
        print(f"total: top 1 {top1}/{asked} ({100 * top1 / asked:.1f}%), top 5 {top5}/{asked} ({100 * top5 / asked:.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
