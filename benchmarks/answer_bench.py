"""Answer engine vs two baselines on the labelled set, in one process on the same clauses.

    .venv/bin/python benchmarks/answer_bench.py [questions.toml]
    .venv/bin/python benchmarks/answer_bench.py --sets [-v]   per-set figures over every tests/questions*.toml

Prints top-1 section accuracy, out-of-scope refusal rate and per-question median/p95 time for
* the engine (knowledge.engine.Knowledge.answer, renewal check and text included),
* bare rapidfuzz.process.extractOne over clause texts (WRatio, default processor), refusing below
  the score threshold that handles most questions right on this very set (an optimistic baseline),
* BM25 (rank_bm25.BM25Okapi over the clause texts), threshold chosen the same way,
The engine's threshold was calibrated on this set too. Plus the cold wall time of `python app.py ask "…"` measured now.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process, utils  # noqa: E402

from knowledge.engine import Knowledge  # noqa: E402

POLICY = ROOT / "policy"
REPEATS = 5


def timed(function, questions):
    """Per-question median-of-REPEATS times (seconds) and the last results."""
    results, times = [], []
    for question in questions:
        samples = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            result = function(question)
            samples.append(time.perf_counter() - started)
        times.append(statistics.median(samples))
        results.append(result)
    return results, times


def evaluate(predictions, items):
    """predictions: (section or None, score). Returns accuracy on in-scope, refusal on out-of-scope."""
    in_scope = [(p, i) for p, i in zip(predictions, items) if i["s"] not in ("", "oos")]
    out = [(p, i) for p, i in zip(predictions, items) if i["s"] == "oos"]
    accuracy = sum(p is not None and p in i["s"].split("|") for p, i in in_scope) / len(in_scope)
    refusal = sum(p is None for p, _ in out) / len(out)
    return accuracy, refusal


def best_threshold(raw, items):
    """The refusal threshold that maximises the number of questions handled right (in-scope answered
    with an acceptable section, out-of-scope refused) for a baseline's (section, score)."""
    in_scope = sum(i["s"] != "oos" for i in items)
    out = len(items) - in_scope
    best = (-1.0, 0.0)
    for threshold in sorted({score for _, score in raw}):
        predictions = [section if score >= threshold else None for section, score in raw]
        accuracy, refusal = evaluate(predictions, items)
        right = accuracy * in_scope + refusal * out
        if right > best[0]:
            best = (right, threshold)
    return best[1]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def cold_start_seconds(question: str, runs: int = 3) -> float:
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "app.py"), "ask", question], cwd=ROOT,
                       capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def section_ok(item: dict, answer) -> bool:
    allowed = item["s"].split("|")
    return (answer.answered and answer.section in allowed) or ("oos" in allowed and not answer.answered)


def set_figures(engine, items, today) -> dict:
    """The figures the held-out tests check: section accuracy and answered-rate over in-scope
    questions (concerns excluded), refusal over out-of-scope ones, concerns flagged, false flags."""
    answers = [(item, engine.answer(item["q"], today=today)) for item in items]
    scored = [(i, a) for i, a in answers if i["s"] not in ("", "oos") and not i.get("d")]
    out = [(i, a) for i, a in answers if i["s"] == "oos"]
    verdicts = [(i, a) for i, a in scored if i.get("v") and section_ok(i, a) and a.answered]
    concerns = [a for i, a in answers if i.get("d")]
    return {
        "n": len(items),
        "section": (sum(section_ok(i, a) for i, a in scored), len(scored)),
        "answered": (sum(a.answered for i, a in scored), len(scored)),
        "refused": (sum(not a.answered for i, a in out), len(out)),
        "verdict": (sum(a.verdict in i["v"].split("|") for i, a in verdicts), len(verdicts)),
        "flagged": (sum(a.report_suggested for a in concerns), len(concerns)),
        "false_flags": sum(a.report_suggested for i, a in answers if not i.get("d")),
        "failures": [f"section {i['q']!r}: want {i['s']}, got {a.clause} ({a.confidence})" for i, a in scored
                     if not section_ok(i, a)]
        + [f"answered oos {i['q']!r}: {a.clause} ({a.confidence})" for i, a in out if a.answered]
        + [f"verdict {i['q']!r}: want {i['v']}, got {a.verdict} ({a.clause})" for i, a in verdicts
           if a.verdict not in i["v"].split("|")]
        + [f"concern missed {i['q']!r}" for i, a in answers if i.get("d") and not a.report_suggested]
        + [f"false flag {i['q']!r}" for i, a in answers if not i.get("d") and a.report_suggested],
    }


def per_set_table(verbose: bool = False) -> int:
    engine = Knowledge.load(POLICY / "calmore-social-media-policy.txt", POLICY / "lexicon.toml",
                            POLICY / "examples.toml")
    today = date(2026, 1, 15)
    print(f"{'set':<26} {'n':>4} {'section':>13} {'answered':>13} {'refused':>11} {'verdict':>13} "
          f"{'flagged':>11} {'false':>5}")
    def cell(pair):
        hit, total = pair
        return f"{hit}/{total} {100 * hit / total:5.1f}%" if total else "-"
    for path in sorted((ROOT / "tests").glob("questions*.toml")):
        items = tomllib.loads(path.read_text(encoding="utf-8"))["questions"]
        f = set_figures(engine, items, today)
        print(f"{path.stem:<26} {f['n']:>4} {cell(f['section']):>13} {cell(f['answered']):>13} "
              f"{cell(f['refused']):>11} {cell(f['verdict']):>13} {cell(f['flagged']):>11} {f['false_flags']:>5}")
        if verbose:
            for line in f["failures"]:
                print("    " + line)
    return 0


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description="The answer engine beside rapidfuzz extractOne and BM25.")
    parser.add_argument("questions", nargs="?", type=Path, default=ROOT / "tests" / "questions.toml",
                        help="a labelled question set (default: tests/questions.toml)")
    parser.add_argument("--sets", action="store_true", help="figures for every tests/questions*.toml set")
    parser.add_argument("-v", "--verbose", action="store_true", help="with --sets: list each miss")
    args = parser.parse_args()
    if args.sets:
        return per_set_table(args.verbose)
    path = args.questions
    items = tomllib.loads(path.read_text(encoding="utf-8"))["questions"]
    items = [i for i in items if i["s"] != ""]  # disclosures without a section label are not scored
    questions = [i["q"] for i in items]

    started = time.perf_counter()
    engine = Knowledge.load(POLICY / "calmore-social-media-policy.txt", POLICY / "lexicon.toml",
                            POLICY / "examples.toml")
    load_seconds = time.perf_counter() - started
    clauses = engine.clauses
    texts = [c.text for c in clauses]
    processed = [utils.default_process(t) for t in texts]
    today = date(2026, 11, 26)

    answers, engine_times = timed(lambda q: engine.answer(q, today=today), questions)
    engine_pred = [a.section if a.answered else None for a in answers]

    def extract_one(question):
        return process.extractOne(question, processed, scorer=fuzz.WRatio, processor=None)

    def extract_one_full(question):  # what a user of the bare baseline would actually call
        return process.extractOne(utils.default_process(question), processed, scorer=fuzz.WRatio, processor=None)

    fuzzy_results, fuzzy_times = timed(extract_one_full, questions)
    fuzzy_raw = [(clauses[r[2]].section, r[1]) if r else (None, 0.0) for r in fuzzy_results]
    fuzzy_threshold = best_threshold(fuzzy_raw, items)
    fuzzy_pred = [s if score >= fuzzy_threshold else None for s, score in fuzzy_raw]

    from rank_bm25 import BM25Okapi

    tokenised = [utils.default_process(t).split() for t in texts]
    bm25 = BM25Okapi(tokenised)

    def bm25_best(question):
        scores = bm25.get_scores(utils.default_process(question).split())
        index = max(range(len(scores)), key=scores.__getitem__)
        return index, float(scores[index])

    bm25_results, bm25_times = timed(bm25_best, questions)
    bm25_raw = [(clauses[i].section, score) for i, score in bm25_results]
    bm25_threshold = best_threshold(bm25_raw, items)
    bm25_pred = [s if score >= bm25_threshold else None for s, score in bm25_raw]

    rows = [
        ("engine", *evaluate(engine_pred, items), engine_times),
        (f"extractOne WRatio (refuse<{fuzzy_threshold:.0f})", *evaluate(fuzzy_pred, items), fuzzy_times),
        ("extractOne WRatio (never refuses)", *evaluate([s for s, _ in fuzzy_raw], items), fuzzy_times),
        (f"BM25Okapi (refuse<{bm25_threshold:.2f})", *evaluate(bm25_pred, items), bm25_times),
        ("BM25Okapi (never refuses)", *evaluate([s for s, _ in bm25_raw], items), bm25_times),
    ]
    engine_median = statistics.median(engine_times)
    print(f"{len(items)} labelled questions ({sum(i['s'] == 'oos' for i in items)} out of scope), "
          f"{len(clauses)} clauses; engine load {load_seconds * 1000:.0f} ms")
    print(f"{'method':<36} {'section acc':>11} {'refusal':>8} {'median µs':>10} {'p95 µs':>8} {'engine/this':>12}")
    for name, accuracy, refusal, times in rows:
        median = statistics.median(times)
        print(f"{name:<36} {accuracy:>10.1%} {refusal:>8.1%} {median * 1e6:>10.0f} "
              f"{percentile(times, 0.95) * 1e6:>8.0f} {engine_median / median:>11.2f}x")
    bare = statistics.median(timed(extract_one, [utils.default_process(q) for q in questions])[1])
    print(f"bare extractOne on pre-processed text: median {bare * 1e6:.0f} µs; "
          f"engine is {engine_median / bare:.2f}x of it")
    cold = cold_start_seconds("Can I accept a friend request from a past pupil?")
    print(f"cold `python app.py ask \"…\"` wall time (median of 3): {cold:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
