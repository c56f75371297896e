"""The shape of a policy's lines: headings, numbered paragraphs, bullets and wrapped lines.

knowledge/policy.py reads a policy's clauses from these shapes; knowledge/documents.py uses the same
shapes when it turns a .docx or .pdf into the plain text a school's folder keeps.
"""
from __future__ import annotations

import re

BULLET_RE = re.compile(r"^\s*(?:[-•*]\s*)?(?:[>›»▪◦]\s*)+|^\s*[-•*]\s+|^\s*\(?(?:[a-h]|i{1,3}|iv|v|vi{1,3})\)\s+")
HEADING_RE = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(\S.*)$")
# "Section 4: Official accounts", "Appendix A: Related policies", "Part 2 - Staff".
NAMED_HEADING_RE = re.compile(r"^(?:section|part|appendix|annex|schedule)\s+(\d+|[A-Z])\s*[:.\-–]\s*(\S.*)$", re.I)
# "10.2 Staff must not…": a paragraph that the policy numbers itself (its rule id is "10-2").
NUMBERED_PARAGRAPH_RE = re.compile(r"^(\d+)\.(\d+)\.?\s+(\S.*)$")
# Words that make a numbered line a sentence (a rule), not a sub-heading ("2.1 Facebook").
SENTENCE_WORDS_RE = re.compile(r"\b(must|should|will|may|shall|can|cannot|is|are|means|applies|includes?)\b", re.I)
# Lead-ins without a colon end on a word that needs its bullets to finish the sentence.
# Up to four lower-case words, then the text proper starting with a capital letter.
HEADING_TAIL_RE = re.compile(r"^([a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,3})\s+([A-Z\"'‘“].*)$")
DANGLING_WORDS = {"to", "should", "must", "will", "may", "can", "the", "on", "about", "of", "for", "using"}


def normalise_source(text: str) -> str:
    """The normalisation under which every clause text is a verbatim substring of the source."""
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text.replace("**", "").replace("\r\n", "\n"))
    return re.sub(r"(?<=\S)\n(?=\S)", " ", text)  # a wrapped line reads as one line


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def is_bullet(line: str) -> bool:
    return bool(BULLET_RE.match(line)) and bool(BULLET_RE.sub("", line).strip())


def strip_bullet(line: str) -> str:
    return BULLET_RE.sub("", line).strip()


def heading_of(line: str, previous_numbers: list[str]) -> tuple[str, str] | None:
    """(number, title) when the line is a section heading; a numbered sentence is a paragraph."""
    text = line.strip()
    named = NAMED_HEADING_RE.match(text)
    if named:
        number, title = named.group(1).upper(), clean(named.group(2))
    else:
        match = HEADING_RE.match(text)
        if not match:
            return None
        number, title = match.group(1), clean(match.group(2)).rstrip(">").strip()
        # A heading is a short title, not a sentence or a lead-in ("5.6 Staff must not:").
        if len(title) > 80 or title.endswith((".", ";", ",", ":")) or not title[:1].isalpha():
            return None
        if "." in number and len(title.split()) > 3 and SENTENCE_WORDS_RE.search(title):
            return None
    if previous_numbers and number[0].isdigit() and previous_numbers[-1][0].isdigit():
        key = lambda value: [int(part) for part in value.split(".")]  # noqa: E731
        if key(number) <= key(previous_numbers[-1]):
            return None  # numbers never go backwards
    return number, title


def heading_tail(line: str) -> tuple[str, str]:
    """A heading wrapped in the source ("2.4 Following other social media" / "users The school:"):
    the first line under it opens with a few lower-case words that finish the heading, then the
    text proper starts with a capital. Returns (the heading's tail, the rest of the line)."""
    match = HEADING_TAIL_RE.match(line.strip())
    if not match or is_bullet(line):
        return "", line
    return match.group(1), match.group(2)
