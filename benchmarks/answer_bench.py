"""Speed and memory of answering, beside two baselines measured in the same run.

    .venv/bin/python benchmarks/answer_bench.py [SET.toml] [--policy POLICY.txt]

Per question (median and p95 of REPEATS runs each, on a labelled set's questions):
* the pipeline (knowledge.answering.Answerer.answer, everything included),
* bare rapidfuzz.process.extractOne over the clause texts (the cheapest lexical answer),
* a bare call of the embedding model on the question (the floor of any semantic answer);
the pipeline's marginal cost is its median minus the bare model call's. Then the cold wall time of
`python app.py ask "…"` (a new process, clause vectors cached) and the resident memory of a process
that has loaded the pipeline and answered. Targets (issue 13): ≤ 30 ms marginal, cold ≤ 3 s, RSS ≤ 300 MB.
Quality is measured by benchmarks/answer_quality.py on the blind sets, not here.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process, utils  # noqa: E402

from knowledge.answering import Answerer  # noqa: E402
from knowledge.answering.embedding import shared_encoder  # noqa: E402

REPEATS = 5


def timed(function, questions) -> list[float]:
    """Per-question median of REPEATS runs, in seconds."""
    times = []
    for question in questions:
        samples = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            function(question)
            samples.append(time.perf_counter() - started)
        times.append(statistics.median(samples))
    return times


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def cold_ask_seconds(policy: Path, runs: int = 3) -> float:
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "app.py"), "ask", "Can I accept a friend request from a past pupil?"],
                       cwd=ROOT, capture_output=True, check=True, env={"POLICYBOT_POLICY": str(policy), "PATH": ""})
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="?", type=Path, default=ROOT / "tests" / "blind" / "calmore_a.toml")
    parser.add_argument("--policy", type=Path, default=None)
    args = parser.parse_args()
    data = tomllib.loads(args.questions.read_text(encoding="utf-8"))
    policy = args.policy or ROOT / data.get("policy", "policy/calmore-social-media-policy.txt")
    questions = [item["q"] for item in data["questions"]]

    started = time.perf_counter()
    answerer = Answerer.load(policy)
    load_seconds = time.perf_counter() - started
    answerer.answer("warm up")
    texts = [utils.default_process(c.text) for c in answerer.policy.clauses]
    encoder = shared_encoder()

    rows = [
        ("pipeline (answer)", timed(answerer.answer, questions)),
        ("bare extractOne WRatio", timed(lambda q: process.extractOne(utils.default_process(q), texts,
                                                                      scorer=fuzz.WRatio, processor=None), questions)),
        ("bare model call (encode)", timed(lambda q: encoder.encode([q]), questions)),
    ]
    print(f"{len(questions)} questions from {args.questions.name}; {len(texts)} clauses of {policy.name}; "
          f"pipeline load {load_seconds * 1000:.0f} ms")
    print(f"{'method':<28} {'median ms':>10} {'p95 ms':>8}")
    for name, times in rows:
        print(f"{name:<28} {statistics.median(times) * 1e3:>10.2f} {percentile(times, 0.95) * 1e3:>8.2f}")
    marginal = statistics.median(rows[0][1]) - statistics.median(rows[2][1])
    print(f"pipeline marginal over the bare model call: {marginal * 1e3:.2f} ms (target ≤ 30 ms)")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process after loading and answering: {rss_mb:.0f} MB (target ≤ 300 MB)")
    print(f"cold `python app.py ask \"…\"` wall time (median of 3): {cold_ask_seconds(policy):.2f} s (target ≤ 3 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
