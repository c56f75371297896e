"""Questions written from a school's own rules, for `app.py check` to put to the answering pipeline:
the IT manager sees the bot answer about their policy, and which rules it does not find yet.

From "Staff must not: a) post images of pupils on personal accounts" the question is "Can staff post
images of pupils on personal accounts?"; from "The school will not post any of the following:
political content, …" it is "Can the school post political content?"; from "All staff must read
this policy" it is "Must all staff read this policy?". The answer is right when it cites that rule.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.policy import Clause, Policy

NEGATIVE = ("must_not", "will_not", "should_not")
POSITIVE = ("must", "should")
# The subject, the modal, and what follows: "Staff must not use official accounts to …".
MODAL_RE = re.compile(r"^(?P<subject>(?:[A-Za-z'’-]+\s+){0,4}?[A-Za-z'’-]+)\s+"
                      r"(?P<modal>must not|must never|should not|should never|will not|may not|cannot|must|should)"
                      r"(?:\s+(?P<rest>.+))?$", re.I)
# A second rule in the same sentence: "…themselves, must not contact…" ends the first.
SECOND_MODAL_RE = re.compile(r",\s+(?:and\s+)?(?:must|should|will|may)\b.*$", re.I)
# The start of a clause that is not a rule's subject ("If a pupil…", "Where…", "When…").
NOT_A_SUBJECT = re.compile(r"^(if|where|when|while|unless|although|as|in|on|at|for|this|these|there|it|such)\b", re.I)
MAX_WORDS = 22


@dataclass
class SelfTestQuestion:
    question: str
    clause: Clause

    @property
    def rule(self) -> str:
        return self.clause.rule


@dataclass
class SelfTestResult:
    question: SelfTestQuestion
    answered: bool
    cited: str | None
    verdict: str | None
    text: str
    report_suggested: bool = False

    @property
    def right_rule(self) -> bool:
        return self.answered and self.cited == self.question.rule

    @property
    def contradicts(self) -> bool:
        """A "yes" from a prohibition, or a "no" from a duty: the rule is right, the verdict is not."""
        expected = self.question.clause.verdict
        return {expected, self.verdict} in ({"yes", "no"},)

    @property
    def passed(self) -> bool:
        return self.right_rule and not self.contradicts


def _subject(subject: str) -> str:
    """The sentence's subject inside a question: "Staff" → "staff", "The school" → "the school";
    a name stays as written ("Class Dojo messages", "CEO")."""
    words = subject.split()
    first = words[0] if words else ""
    proper = first.isupper() or (len(words) > 1 and words[1][:1].isupper())
    if first[:1].isupper() and not proper:
        words[0] = first.lower()
    return " ".join(words)


def _short(text: str) -> str:
    """The first part of a list item or sentence: up to ';' or '. ', cut at a comma if long."""
    text = re.split(r";|\.\s|\.$|:\s", text.strip(), maxsplit=1)[0].strip().rstrip(",")
    text = SECOND_MODAL_RE.sub("", text)
    # The rule's own exception stays out of the question: asked with it, the answer is a plain "yes".
    text = re.sub(r"\s*\([^)]*\)", "", text)
    text = re.split(r",?\s+\b(?:unless|except)\b", text, maxsplit=1)[0]
    if text.count("(") > text.count(")"):
        text = text[:text.rfind("(")].strip()
    words = text.split()
    if len(words) > MAX_WORDS:
        head = " ".join(words[:MAX_WORDS])
        text = head.rsplit(",", 1)[0] if "," in head else head
    if text.count("(") > text.count(")"):
        text = text[:text.rfind("(")].strip()
    return re.sub(r"\s+(or|and|including|such as|for example)$", "", text.strip().rstrip(","))


def _from_statement(statement: str, modality: str) -> str | None:
    match = MODAL_RE.match(statement.strip())
    if not match or not match.group("rest") or NOT_A_SUBJECT.match(match.group("subject")):
        return None
    subject, rest = _subject(match.group("subject")), _short(match.group("rest"))
    if len(rest.split()) < 2:
        return None
    if modality in NEGATIVE:
        return f"Can {subject} {rest}?"
    verb = "Must" if modality == "must" else "Should"
    return f"{verb} {subject} {rest}?"


def _from_list_item(clause: Clause) -> str | None:
    """A list item under a lead-in: "Staff must not:" + "post images…", or "The school will not post
    any of the following on any official account:" + "political content…"."""
    lead = re.split(r"(?<=[.!?])\s+", clause.lead_in.rstrip(": ").strip())[-1]  # its last sentence
    lead = re.sub(r"^(?:in particular|in addition|also|however|therefore),\s*", "", lead, flags=re.I)
    match = MODAL_RE.match(lead)
    item = _short(clause.text)
    if not match or NOT_A_SUBJECT.match(match.group("subject")) or len(item.split()) < 2:
        return None
    subject = _subject(match.group("subject"))
    rest = (match.group("rest") or "").strip()
    if re.match(r"^be\b", rest, re.I):  # "The following will not be posted:" has no actor to ask about
        return None
    # "use social media to" + "complain about the school"; "post any of the following on…" + "political content".
    verb = rest.split()[0] if re.search(r"\bfollowing\b", rest, re.I) else rest
    body = item[:1].lower() + item[1:] if item[1:2].islower() or item[1:2] == " " else item
    modal = "Can" if clause.modality in NEGATIVE else ("Must" if clause.modality == "must" else "Should")
    return " ".join(part for part in (modal, subject, verb, body) if part) + "?"


def question_for(clause: Clause) -> str | None:
    if clause.modality not in NEGATIVE + POSITIVE:
        return None
    if clause.kind == "bullet" and clause.lead_in:
        return _from_list_item(clause)
    return _from_statement(clause.text, clause.modality)


def generate_questions(policy: Policy, count: int = 10) -> list[SelfTestQuestion]:
    """Up to `count` questions, prohibitions first, one per rule, spread across the sections."""
    by_section: dict[str, list[SelfTestQuestion]] = {}
    seen_rules: set[str] = set()
    seen_questions: set[str] = set()  # one list under two headings (Facebook, Instagram) asks once
    seen_texts: set[str] = set()
    for negative_first in (True, False):
        for clause in policy.clauses:
            if (clause.modality in NEGATIVE) != negative_first or clause.rule in seen_rules:
                continue
            question = question_for(clause)
            if question and question.lower() not in seen_questions and clause.text.lower() not in seen_texts:
                seen_rules.add(clause.rule)
                seen_questions.add(question.lower())
                seen_texts.add(clause.text.lower())
                by_section.setdefault(clause.section, []).append(SelfTestQuestion(question, clause))
    chosen: list[SelfTestQuestion] = []
    queues = list(by_section.values())
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return chosen


def run_self_test(policy: Policy, answerer, count: int = 10) -> list[SelfTestResult]:
    results = []
    for question in generate_questions(policy, count):
        answer = answerer.answer(question.question)
        results.append(SelfTestResult(question, answer.answered, answer.clause, answer.verdict, answer.text,
                                      answer.report_suggested))
    return results
