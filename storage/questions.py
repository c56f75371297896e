"""Questions asked, answers given, feedback, and the policy-gap register built from them.

Safeguarding disclosures are kept out of everything here: the handler never records them as
questions, so neither their text nor the fact that someone made one reaches question analytics.
Only `last_answer` remembers that the latest thing a person said was not a rateable question,
so that a "not helpful" typed after a disclosure is not pinned on an earlier question.
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from storage.migrations import Migrations
from storage.store import Store

migrations = Migrations("questions")

# Two gap questions whose normalised texts score at least this (token_sort_ratio, 0-100) are
# treated as the same question asked twice ("can I use tiktok?" ~ "Can I use TikTok??").
GAP_SIMILARITY = 88
# The register is for policy questions: an entry that does not read as one is kept only when it
# keeps coming back (asked this many times), since then it may still be worth a look.
KEEP_ANY_ENTRY_ASKED = 2
QUESTION_STARTERS = frozenset(
    "what whats when where who whos whom whose which why how can cant could may might must mustnt should "
    "shouldnt shall will would is isnt are arent am was were do dont does doesnt did have has if whether "
    "any anyone".split())
QUESTION_PHRASES = re.compile(
    r"\b(?:(?:can|could|may|should|must|do|does|are|am|is) (?:i|we|you|staff|they|parents|pupils|it|teachers)"
    r"|(?:allowed|permitted|ok|okay|alright) to|what about|is it|policy (?:on|for|about)|rules? (?:on|for|about))\b")
# Typed feedback ("not helpful") only counts for an answer given this recently.
FEEDBACK_WINDOW = timedelta(hours=2)
MAX_STORED_TEXT = 4000

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NON_WORD_RE = re.compile(r"[^\w@]+")


@migrations()
def create_questions(db: Store) -> None:
    db["questions"].create({
        "id": int, "person_id": str, "channel": str, "text": str, "normalised": str, "asked_at": str,
    }, pk="id", not_null={"text", "normalised", "asked_at"})
    db["questions"].create_index(["person_id", "asked_at"])
    db["answers"].create({
        "question_id": int, "answered": int, "section": str, "clause": str, "verdict": str,
        "confidence": float, "choices": str,
    }, pk="question_id", foreign_keys=[("question_id", "questions", "id")])
    db["feedback"].create({
        "question_id": int, "person_id": str, "helpful": int, "given_at": str, "how": str,
    }, pk=("question_id", "person_id"), foreign_keys=[("question_id", "questions", "id")])
    # Per person: the question their latest answer belongs to (NULL after a disclosure or a
    # clause shown from a button), for typed feedback such as "that didn't help".
    db["last_answer"].create({"person_id": str, "question_id": int, "at": str}, pk="person_id")
    db.create_view("unanswered_questions", """
        SELECT q.id, q.text, q.normalised, q.asked_at, q.channel
        FROM questions q JOIN answers a ON a.question_id = q.id
        WHERE a.answered = 0""")


def clean_text(text: str) -> str:
    """The question as typed, minus control characters, trimmed to a sane length."""
    return _CONTROL_RE.sub(" ", text or "").strip()[:MAX_STORED_TEXT]


def normalise(text: str) -> str:
    """Case-, accent-width- and punctuation-insensitive form used to group the same question."""
    text = unicodedata.normalize("NFKC", clean_text(text)).casefold().replace("'", "").replace("’", "")
    return " ".join(_NON_WORD_RE.sub(" ", text).split())


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def record_question(db: Store, *, person_id: str, channel: str, text: str, now: datetime,
                    answered: bool, section: str | None, clause: str | None, verdict: str | None,
                    confidence: float, choices: list[str] | tuple[str, ...] = ()) -> int:
    """Store one (non-disclosure) question with the answer it got; returns the question id.

    Plain SQL rather than sqlite_utils' insert/upsert, which look the tables up in the schema
    on every call: this runs for every question asked (benchmarks/http_bench.py).
    """
    with db.atomic():
        question_id = db.execute(
            "INSERT INTO questions (person_id, channel, text, normalised, asked_at)"
            " VALUES (:person_id, :channel, :text, :normalised, :asked_at) RETURNING id",
            {"person_id": person_id, "channel": channel, "text": clean_text(text), "normalised": normalise(text),
             "asked_at": _iso(now)}).fetchone()[0]
        db.execute(
            "INSERT INTO answers (question_id, answered, section, clause, verdict, confidence, choices)"
            " VALUES (:question_id, :answered, :section, :clause, :verdict, :confidence, :choices)",
            {"question_id": question_id, "answered": int(answered), "section": section, "clause": clause,
             "verdict": verdict, "confidence": round(float(confidence), 3), "choices": json.dumps(list(choices))})
        _set_last_answer(db, person_id, question_id, now)
    return question_id


def _set_last_answer(db: Store, person_id: str, question_id: int | None, now: datetime) -> None:
    db.execute(
        "INSERT INTO last_answer (person_id, question_id, at) VALUES (:person_id, :question_id, :at)"
        " ON CONFLICT (person_id) DO UPDATE SET question_id = excluded.question_id, at = excluded.at",
        {"person_id": person_id, "question_id": question_id, "at": _iso(now)})


def forget_last_answer(db: Store, person_id: str, now: datetime) -> None:
    """The person's latest message was not a rateable question (a disclosure, for example)."""
    with db.atomic():
        _set_last_answer(db, person_id, None, now)


def last_question_id(db: Store, person_id: str, now: datetime) -> int | None:
    """The question this person's latest answer belongs to, if recent enough to rate."""
    row = db.execute("SELECT question_id, at FROM last_answer WHERE person_id = :person_id",
                     {"person_id": person_id}).fetchone()
    if not row or row[0] is None:
        return None
    if now - datetime.fromisoformat(row[1]) > FEEDBACK_WINDOW:
        return None
    return row[0]


def question(db: Store, question_id: int) -> dict | None:
    rows = list(db.query(
        "SELECT q.*, a.answered, a.section, a.clause, a.verdict, a.confidence FROM questions q"
        " JOIN answers a ON a.question_id = q.id WHERE q.id = :id", {"id": question_id}))
    return rows[0] if rows else None


def record_feedback(db: Store, question_id: int, person_id: str, helpful: bool, now: datetime,
                    how: str = "button") -> None:
    """One verdict per person per question; a second one replaces the first (people change their mind)."""
    with db.atomic():
        db["feedback"].upsert({"question_id": question_id, "person_id": person_id, "helpful": int(helpful),
                               "given_at": _iso(now), "how": how}, pk=("question_id", "person_id"))


# --- the policy-gap register ------------------------------------------------------------------

@dataclass
class Gap:
    """One de-duplicated question the policy did not answer, or answered unhelpfully."""

    question: str  # the most recent wording
    times_asked: int
    first_asked: str
    last_asked: str
    not_covered: int  # how many times the engine said the policy does not cover it
    not_helpful: int  # how many answers were marked "not helpful"
    clauses: list[str] = field(default_factory=list)  # clauses given as answers, if any
    wordings: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        reasons = []
        if self.not_covered:
            reasons.append("not covered")
        if self.not_helpful:
            reasons.append("not helpful")
        return " and ".join(reasons)


CSV_COLUMNS = ("question", "times_asked", "first_asked", "last_asked", "reason", "not_covered",
               "not_helpful", "clauses_given", "other_wordings")


def gap_rows(db: Store) -> list[dict]:
    """Every question that was not answered or that someone found not helpful, oldest first."""
    return list(db.query("""
        SELECT q.id, q.text, q.normalised, q.asked_at, a.answered, a.clause,
               EXISTS (SELECT 1 FROM feedback f WHERE f.question_id = q.id AND f.helpful = 0) AS not_helpful
        FROM questions q JOIN answers a ON a.question_id = q.id
        WHERE a.answered = 0
           OR EXISTS (SELECT 1 FROM feedback f WHERE f.question_id = q.id AND f.helpful = 0)
        ORDER BY q.asked_at, q.id"""))


def gap_register(db: Store) -> list[Gap]:
    """Near-identical questions grouped (rapidfuzz on the normalised text); most asked first."""
    groups: list[tuple[str, list[dict]]] = []  # (normalised text of the group's first question, rows)
    for row in gap_rows(db):
        if not _worth_reviewing(row["normalised"]):
            continue
        best_index, best_score = None, 0.0
        for index, (key, _rows) in enumerate(groups):
            score = fuzz.token_sort_ratio(row["normalised"], key)
            if score >= GAP_SIMILARITY and score > best_score:
                best_index, best_score = index, score
        if best_index is None:
            groups.append((row["normalised"], [row]))
        else:
            groups[best_index][1].append(row)

    gaps = []
    for _key, rows in groups:
        if len(rows) < KEEP_ANY_ENTRY_ASKED and not any(_reads_as_a_question(r["text"]) for r in rows):
            continue  # a one-off "none", "facebook" or text pasted into the wrong place
        wordings = list(dict.fromkeys(r["text"] for r in reversed(rows)))
        gaps.append(Gap(
            question=wordings[0], times_asked=len(rows),
            first_asked=rows[0]["asked_at"], last_asked=rows[-1]["asked_at"],
            not_covered=sum(1 for r in rows if not r["answered"]),
            not_helpful=sum(1 for r in rows if r["not_helpful"]),
            clauses=sorted({r["clause"] for r in rows if r["clause"]}),
            wordings=wordings[1:],
        ))
    gaps.sort(key=lambda g: g.last_asked, reverse=True)
    gaps.sort(key=lambda g: g.times_asked, reverse=True)  # stable: ties stay most recent first
    return gaps


def _worth_reviewing(normalised_text: str) -> bool:
    """Leave out noise such as "1", "?" or an emoji: no word of three letters or more."""
    return any(len(word) >= 3 and any(ch.isalpha() for ch in word) for word in (normalised_text or "").split())


def _reads_as_a_question(text: str) -> bool:
    """Three words or more that ask something: a question mark, a question word first, or a
    phrase such as "can staff", "ok to" or "policy on" (staff often type questions without "?")."""
    words = normalise(text).split()
    if len(words) < 3:
        return False
    return "?" in text or words[0] in QUESTION_STARTERS or bool(QUESTION_PHRASES.search(" ".join(words)))


def gap_register_csv(gaps: list[Gap]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for gap in gaps:
        writer.writerow([_csv_safe(gap.question), gap.times_asked, gap.first_asked[:10], gap.last_asked[:10],
                         gap.reason, gap.not_covered, gap.not_helpful, " ".join(gap.clauses),
                         _csv_safe(" | ".join(gap.wordings))])
    return buffer.getvalue()


def _csv_safe(text: str) -> str:
    """Typed questions go into a spreadsheet: stop one starting with = + - @ running as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
