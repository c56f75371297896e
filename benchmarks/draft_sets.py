"""Score the draft pre-check on a labelled set of post drafts: breaking drafts blocked, compliant
drafts passed, and (with -v) the misses.

    .venv/bin/python benchmarks/draft_sets.py tests/drafts/calmore_a.toml -v
    .venv/bin/python benchmarks/draft_sets.py tests/drafts/calmore_b.toml --policy P --consent C
    .venv/bin/python benchmarks/draft_sets.py tests/drafts/calmore_j.toml tests/drafts/oakfield_h.toml

A set is TOML: [[draft]] with id, platform, text, pictured, expect ([] = compliant) and why. Each set is
scored against the policy and consent register its header names ("# Scored against P with C."; Calmore's
when it names none) unless --policy / --consent are given. Consent is judged on --today (the day the
set's writers judged it on, 2026-12-01 by default). With several sets a pooled line follows, with 95 %
Wilson intervals: a set of ~50 breaking drafts moves by several points by chance alone.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from knowledge.consent import ConsentRegister  # noqa: E402
from knowledge.draft_check import check_draft, load_policy  # noqa: E402


def score(drafts: list[dict], policy, register: ConsentRegister, today: date) -> dict:
    """Figures and misses: a breaking draft counts when the check blocks it, a compliant one when it passes."""
    missed, wrongly_blocked = [], []
    for draft in drafts:
        result = check_draft(draft["text"], platform=draft.get("platform", "facebook"), consent=register,
                             pictured=draft.get("pictured", []), today=today, policy=policy)
        if draft["expect"] and result.ok:
            missed.append((draft, result))
        elif not draft["expect"] and not result.ok:
            wrongly_blocked.append((draft, result))
    breaking = sum(1 for d in drafts if d["expect"])
    compliant = len(drafts) - breaking
    return {"breaking": breaking, "blocked": breaking - len(missed), "compliant": compliant,
            "passed": compliant - len(wrongly_blocked), "missed": missed, "wrongly_blocked": wrongly_blocked}


def wilson(hits: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion: honest at small counts and near 100 %."""
    if not total:
        return (0.0, 1.0)
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (max(0.0, centre - half), min(1.0, centre + half))


def figures(result: dict, interval: bool = False) -> str:
    def pct(a, b):
        if not b:
            return "n/a"
        low, high = wilson(a, b)
        return f"{100 * a / b:.0f} %" + (f", 95 % {100 * low:.0f}–{100 * high:.0f}" if interval else "")
    return (f"blocked {result['blocked']}/{result['breaking']} breaking ({pct(result['blocked'], result['breaking'])}), "
            f"passed {result['passed']}/{result['compliant']} compliant ({pct(result['passed'], result['compliant'])})")


SCORED_AGAINST = re.compile(r"^# Scored against (\S+) with (\S+?)\.?(?:\s|$)", re.M)


def files_of(set_text: str, policy: Path | None, consent: Path | None) -> tuple[Path, Path]:
    """The policy and consent register a set is scored against: the arguments', else its header's."""
    named = SCORED_AGAINST.search(set_text)
    default_policy, default_consent = ((ROOT / named[1], ROOT / named[2]) if named else
                                       (ROOT / "policy" / "calmore-social-media-policy.txt",
                                        ROOT / "data" / "consent_register.csv"))
    return policy or default_policy, consent or default_consent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--policy", type=Path, help="score every set against this policy (default: its header's)")
    parser.add_argument("--consent", type=Path, help="and this consent register")
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 12, 1))
    parser.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = parser.parse_args(argv)
    pooled = dict.fromkeys(("breaking", "blocked", "compliant", "passed"), 0)
    for path in args.sets:
        text = path.read_text(encoding="utf-8")
        policy_file, consent_file = files_of(text, args.policy, args.consent)
        result = score(tomllib.loads(text)["draft"], load_policy(str(policy_file)),
                       ConsentRegister.from_csv(consent_file), args.today)
        print(f"{path.name}: {figures(result)}")
        for key in pooled:
            pooled[key] += result[key]
        if args.verbose:
            for label, items in (("not blocked", result["missed"]), ("wrongly blocked", result["wrongly_blocked"])):
                for draft, check in items:
                    print(f"  {label}: {draft['id']} — {draft.get('why') or draft['expect']}")
                    for finding in check.findings:
                        print(f"      {finding.severity} {finding.rule}: {finding.excerpt}")
    if len(args.sets) > 1:
        print(f"pooled, {len(args.sets)} sets: {figures(pooled, interval=True)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
