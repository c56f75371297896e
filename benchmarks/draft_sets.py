"""Score the draft pre-check on a labelled set of post drafts: breaking drafts blocked, compliant
drafts passed, and (with -v) the misses.

    .venv/bin/python benchmarks/draft_sets.py tests/drafts/calmore_a.toml -v
    .venv/bin/python benchmarks/draft_sets.py tests/drafts/calmore_b.toml --policy P --consent C

A set is TOML: [[draft]] with id, platform, text, pictured, expect ([] = compliant) and why. Consent is
judged on --today (the day the set's writers judged it on, 2026-12-01 by default).
"""
from __future__ import annotations

import argparse
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


def figures(result: dict) -> str:
    def pct(a, b):
        return f"{100 * a / b:.0f} %" if b else "n/a"
    return (f"blocked {result['blocked']}/{result['breaking']} breaking ({pct(result['blocked'], result['breaking'])}), "
            f"passed {result['passed']}/{result['compliant']} compliant ({pct(result['passed'], result['compliant'])})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--policy", type=Path, default=ROOT / "policy" / "calmore-social-media-policy.txt")
    parser.add_argument("--consent", type=Path, default=ROOT / "data" / "consent_register.csv")
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 12, 1))
    parser.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = parser.parse_args(argv)
    policy = load_policy(str(args.policy))
    register = ConsentRegister.from_csv(args.consent)
    for path in args.sets:
        drafts = tomllib.loads(path.read_text(encoding="utf-8"))["draft"]
        result = score(drafts, policy, register, args.today)
        print(f"{path.name}: {figures(result)}")
        if args.verbose:
            for label, items in (("not blocked", result["missed"]), ("wrongly blocked", result["wrongly_blocked"])):
                for draft, check in items:
                    print(f"  {label}: {draft['id']} — {draft.get('why') or draft['expect']}")
                    for finding in check.findings:
                        print(f"      {finding.severity} {finding.rule}: {finding.excerpt}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
