"""The answer the engine gives to one question; `to_json` is the `ask --json` contract of DESIGN.md."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["yes", "no", "depends", "info"]


@dataclass(frozen=True)
class Related:
    clause: str
    heading: str


@dataclass
class Answer:
    question: str
    answered: bool
    text: str
    section: str | None = None
    clause: str | None = None
    heading: str | None = None
    quote: str | None = None
    verdict: Verdict | None = None
    confidence: float = 0.0
    report_suggested: bool = False
    related: list[Related] = field(default_factory=list)
    # "did you mean…?" choices when two or three clauses are equally close (the *not sure* case)
    choices: list[Related] = field(default_factory=list)
    # who to ask when the policy does not cover the question
    ask_instead: str | None = None
    # one short line when the policy is past its renewal date
    notice: str | None = None
    # the index's own id of the quoted clause (a list item "10-2.3" of rule "10-2"); not in the contract
    clause_id: str | None = None

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "section": self.section,
            "clause": self.clause,
            "heading": self.heading,
            "quote": self.quote,
            "verdict": self.verdict,
            "confidence": round(float(self.confidence), 3),
            "report_suggested": self.report_suggested,
            "related": [{"clause": r.clause, "heading": r.heading} for r in self.related],
            "text": self.text,
        }
