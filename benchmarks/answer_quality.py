"""Answer quality on labelled question sets, the way the outside checks count it.

    .venv/bin/python benchmarks/answer_quality.py SET.toml [--policy POLICY.txt] [-v] [--json]

SET.toml holds `questions = [{q, s, rule, v, d, who}, …]` (tests/blind/README.md). The policy is
the set's own (its `policy` key) unless --policy is given; it is answered with no lexicon and no
examples written for it, as `POLICYBOT_POLICY` does, unless --school-files names a folder with them.

Counts, per set:
  rule      answered with a clause that is (part of) a labelled rule excerpt's paragraph
  section   answered in a labelled section
  verdict   rule right and verdict among the labelled ones
  refused   out-of-scope questions answered "not covered"
  flagged   disclosures with report_suggested; false alarms: the others with it
  yes_forbidden  answers that say "yes" while quoting a must-not / should-not / will-not clause
  yes_says_why   of those, the ones whose answer says why it is no leave to do what the clause forbids
                 (its own exception met, the case outside its limit, "yes, to keep to this rule")
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from knowledge.policy import Policy  # noqa: E402


def _flat(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("**", "")
    return re.sub(r"\s+", " ", text).strip().lower()


LIST_MARKS = re.compile(r"\s*(?:[-•*]\s*)?[›>»]\s*|\s+[-•]\s+")


def rules_of_excerpt(policy: Policy, excerpt: str) -> set[str]:
    """The rules (paragraph ids) whose clause, lead-in or statement holds the excerpt (an excerpt
    copied across list items, "A - › B", names the rules of each item)."""
    parts = [part for part in LIST_MARKS.split(excerpt) if len(part.split()) >= 2]
    if len(parts) > 1:
        return set().union(*[rules_of_excerpt(policy, part) for part in parts])
    wanted = _flat(excerpt)
    found = {c.rule for c in policy.clauses if wanted in _flat(c.text)}
    if not found:  # a lead-in: any of its list items answers
        found = {c.rule for c in policy.clauses if c.lead_in and wanted in _flat(c.lead_in)}
    if not found:  # an excerpt across two list items, or retyped: the closest clause
        scored = [(fuzz.partial_ratio(wanted, _flat(f"{c.lead_in or ''} {c.text}")), c.rule) for c in policy.clauses]
        best = max(scored, default=(0, None))
        if best[0] >= 90:
            found = {rule for score, rule in scored if score >= best[0] - 1}
    return found


@dataclass
class Tally:
    in_scope: int = 0
    rule: int = 0
    section: int = 0
    verdict: int = 0
    out_of_scope: int = 0
    refused: int = 0
    disclosures: int = 0
    flagged: int = 0
    ordinary: int = 0
    false_alarms: int = 0
    yes_forbidden: int = 0
    yes_says_why: int = 0
    misses: list[str] = field(default_factory=list)

    def figures(self) -> dict:
        def share(part, whole):
            return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "-"
        return {"rule": share(self.rule, self.in_scope), "section": share(self.section, self.in_scope),
                "verdict": share(self.verdict, self.in_scope), "refused": share(self.refused, self.out_of_scope),
                "flagged": share(self.flagged, self.disclosures),
                "false_alarms": share(self.false_alarms, self.ordinary), "yes_forbidden": self.yes_forbidden,
                "yes_says_why": self.yes_says_why}


FORBIDDING = {"must_not", "should_not", "will_not"}


def score(answerer, policy: Policy, items: list[dict]) -> Tally:
    tally = Tally()
    clauses = {c.id: c for c in policy.clauses}
    for item in items:
        answer = answerer(item["q"])
        sections = [s for s in str(item.get("s", "")).split("|") if s]
        disclosure = bool(item.get("d"))
        tag = ""
        if disclosure:
            tally.disclosures += 1
            tally.flagged += answer.report_suggested
            tag += "" if answer.report_suggested else " [not flagged]"
        else:
            tally.ordinary += 1
            tally.false_alarms += answer.report_suggested
            tag += " [false alarm]" if answer.report_suggested else ""
        clause = clauses.get(answer.clause_id or answer.clause or "") if answer.answered else None
        if clause is not None and answer.verdict == "yes" and clause.modality in FORBIDDING:
            tally.yes_forbidden += 1
            says_why = not answer.text.startswith("Yes. ")
            tally.yes_says_why += says_why
            tag += " [YES TO A FORBIDDEN CLAUSE, says why]" if says_why else " [YES TO A FORBIDDEN CLAUSE]"
        if sections == ["oos"]:
            tally.out_of_scope += 1
            tally.refused += not answer.answered
            if answer.answered:
                tag += f" [answered out of scope → {answer.clause}]"
        elif sections:
            tally.in_scope += 1
            wanted_rules = set().union(*[rules_of_excerpt(policy, e) for e in item.get("rule", [])] or [set()])
            section_right = answer.answered and answer.section in sections
            rule_right = answer.answered and (answer.clause in wanted_rules if wanted_rules else section_right)
            verdicts = [v for v in str(item.get("v", "")).split("|") if v]
            verdict_right = rule_right and (not verdicts or answer.verdict in verdicts)
            tally.section += section_right
            tally.rule += rule_right
            tally.verdict += verdict_right
            if not answer.answered:
                tag += " [refused]"
            elif not rule_right:
                tag += f" [rule {answer.clause} not in {sorted(wanted_rules) or sections}]"
            elif not verdict_right:
                tag += f" [verdict {answer.verdict} not {'|'.join(verdicts)}]"
        if tag:
            tally.misses.append(f"{item['q'][:110]}{tag}")
    return tally


def load_set(path: Path) -> tuple[list[dict], Path | None]:
    """The questions and the set's own policy (its `policy` key, from the project root)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    own_policy = ROOT / data["policy"] if data.get("policy") else None
    return data["questions"], own_policy


def build_answerer(policy_file: Path, school_files: Path | None = None):
    """The pipeline on a policy, with a school's own lexicon and examples when a folder is given."""
    from knowledge.answering import Answerer

    lexicon = school_files / "lexicon.toml" if school_files else None
    examples = school_files / "examples.toml" if school_files else None
    answerer = Answerer.load(policy_file, lexicon, examples)
    return answerer.policy, answerer.answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--policy", type=Path, default=None)
    parser.add_argument("--school-files", type=Path, default=None,
                        help="a folder with the school's own lexicon.toml and examples.toml (default: none)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    for set_path in args.sets:
        items, own_policy = load_set(set_path)
        policy_file = args.policy or own_policy or ROOT / "policy" / "calmore-social-media-policy.txt"
        policy, answer = build_answerer(policy_file, args.school_files)
        tally = score(answer, policy, items)
        if args.json:
            print(json.dumps({"set": str(set_path), **tally.figures()}))
        else:
            print(f"{set_path}: " + ", ".join(f"{k} {v}" for k, v in tally.figures().items()))
        if args.verbose:
            for miss in tally.misses:
                print("   ", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
