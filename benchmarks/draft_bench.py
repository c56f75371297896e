"""Per-draft cost of the draft pre-check, beside a bare regex scan of the same drafts in the same run.

    .venv/bin/python benchmarks/draft_bench.py [--rounds N]

The baseline is one compiled regex of a few dozen will-not-post words run over each draft: the floor
of any text check. The checker reads names against the register and a first-names data set, scores
tone, politics and adverts, and cites the policy's own rules.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from knowledge.consent import ConsentRegister  # noqa: E402
from knowledge.draft_check import check_draft, load_policy  # noqa: E402

BARE = re.compile(r"\b(?:idiots?|stupid|vote|labour|tory|government|discount|% off|code|offer|opening|"
                  r"book now|happy birthday|dear|beer|wine|gin|shots|@\w+|www\.|\.com)\b", re.I)


def per_draft_us(run, texts: list[dict], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for draft in texts:
            run(draft)
        times.append((time.perf_counter() - start) / len(texts))
    return statistics.median(times) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    drafts = []
    for name in ("calmore_a.toml", "calmore_b.toml"):
        drafts += tomllib.loads((ROOT / "tests" / "drafts" / name).read_text(encoding="utf-8"))["draft"]
    policy = load_policy()
    register = ConsentRegister.from_csv(ROOT / "data" / "consent_register.csv")
    today = date(2026, 12, 1)

    def checker(draft):
        return check_draft(draft["text"], draft["platform"], register, pictured=draft["pictured"], today=today,
                           policy=policy)

    start = time.perf_counter()
    checker(drafts[0])  # first call loads the names data set and the word frequencies
    cold = (time.perf_counter() - start) * 1e3
    bare = per_draft_us(lambda d: BARE.findall(d["text"]), drafts, args.rounds)
    full = per_draft_us(checker, drafts, args.rounds)
    print(f"{len(drafts)} drafts, median of {args.rounds} rounds")
    print(f"  bare regex scan        {bare:10.1f} µs per draft")
    print(f"  draft pre-check        {full:10.1f} µs per draft  ({full / bare:.0f}× the bare scan)")
    print(f"  first check (cold)     {cold:10.1f} ms  (loads the first-names data set and word frequencies)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
