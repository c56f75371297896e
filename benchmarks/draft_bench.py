"""Per-draft cost of the draft pre-check, beside a bare regex scan of the same drafts in the same run.

    .venv/bin/python benchmarks/draft_bench.py [--rounds N]

The baseline is one compiled regex of a few dozen will-not-post words run over each draft: the floor
of any text check. The checker reads names against the register and a first-names data set, scores
tone, politics, adverts, privacy and conduct, and cites the policy's own rules; its meaning check
(a sentence embedding of each draft that nothing blocked, against the policy's will-not rules) is
timed apart. Drafts: the tuning sets of three schools, each against its own policy.
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
from handlers.drafts.common import MAX_DRAFT_CHARS  # noqa: E402

SETS = (("calmore_a.toml", "policy/calmore-social-media-policy.txt", "data/consent_register.csv"),
        ("calmore_b.toml", "policy/calmore-social-media-policy.txt", "data/consent_register.csv"),
        ("oakfield_b.toml", "tests/schools/oakfield/policy.txt", "tests/schools/oakfield/consent_register.csv"),
        ("three_rivers_a.toml", "tests/schools/three-rivers/policy.txt",
         "tests/schools/three-rivers/consent_register.csv"))
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
    for name, policy_file, register_file in SETS:
        policy = load_policy(str(ROOT / policy_file))
        register = ConsentRegister.from_csv(ROOT / register_file)
        for draft in tomllib.loads((ROOT / "tests" / "drafts" / name).read_text(encoding="utf-8"))["draft"]:
            drafts.append(dict(draft, policy=policy, register=register))
    today = date(2026, 12, 1)

    def checker(draft, meaning=True):
        return check_draft(draft["text"], draft["platform"], draft["register"], pictured=draft["pictured"],
                           today=today, policy=draft["policy"], meaning=meaning)

    start = time.perf_counter()
    checker(drafts[0], meaning=False)  # first call loads the names data set and the word frequencies
    cold = (time.perf_counter() - start) * 1e3
    start = time.perf_counter()
    for draft in drafts:  # loads the embedding model and caches each policy's rule vectors
        checker(draft)
    model = (time.perf_counter() - start) * 1e3
    bare = per_draft_us(lambda d: BARE.findall(d["text"]), drafts, args.rounds)
    rules_only = per_draft_us(lambda d: checker(d, meaning=False), drafts, args.rounds)
    full = per_draft_us(checker, drafts, args.rounds)
    print(f"{len(drafts)} drafts, median of {args.rounds} rounds")
    print(f"  bare regex scan                  {bare:10.1f} µs per draft")
    print(f"  pre-check, no meaning check      {rules_only:10.1f} µs per draft  ({rules_only / bare:.0f}× the bare scan)")
    print(f"  pre-check with meaning check     {full:10.1f} µs per draft  ({full / bare:.0f}× the bare scan)")
    print(f"  first check (cold)               {cold:10.1f} ms  (loads the first-names data set and word frequencies)")
    print(f"  first pass with the model        {model:10.1f} ms  (loads the model, embeds each policy's rules once)")
    worst_cases(drafts[0])
    return 0


# Drafts at the chat flow's length limit built to make a pattern backtrack or a check rescan the whole
# text per match: each should cost about what a plain draft of that length costs, not seconds.
WORST_CASES = {"plain sentences": "Lovely day at school today. ", "offers without a full stop": "2 for 1 ",
               "punctuation only": "!", "full stops": ". ", "blank lines": "\n", "capitalised pairs": "Ab Cd ",
               "phone numbers": "call 07700 900123 now "}


def worst_cases(example: dict, length: int = MAX_DRAFT_CHARS) -> None:
    print(f"drafts of {length:,} characters (the chat flow's limit), one check each:")
    for label, unit in WORST_CASES.items():
        text = (unit * (length // len(unit) + 1))[:length]
        start = time.perf_counter()
        BARE.findall(text)
        bare = (time.perf_counter() - start) * 1e3
        start = time.perf_counter()
        check_draft(text, example["platform"], example["register"], policy=example["policy"], meaning=False)
        print(f"  {label:28} {(time.perf_counter() - start) * 1e3:8.0f} ms  (bare regex scan {bare:.1f} ms)")


if __name__ == "__main__":
    raise SystemExit(main())
